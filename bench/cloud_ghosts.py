"""Do clouds of one date leave ghosts in the others? The five sample dates as a time series.

Runs match on the five real Landsat dates (one footprint: a time series), with robust
statistics and without. For each nearly clear date (2021-03-26, 2023-05-03, 2024-03-02) and
visible band, takes r = log(out / in) on valid pixels, removes what a global gain and offset
explain (least squares on 1, 1/in, 1/in^2), and correlates the rest with the other dates'
cloud mask (blue band >= 12000, Gaussian-smoothed at the block scale). A local correction
that follows the other dates' clouds shows as a positive correlation; 0 means no ghost. The
same with the cloud mask rotated by 180 degrees gives the level that smooth fields reach
by chance against a mask of a few dozen blobs.

usage: .venv/bin/python bench/cloud_ghosts.py [LANDSAT_DIR] [--blocks N] [--out DIR]
"""
import argparse
import glob
import os
import sys
import tempfile

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".build", "plugins"), os.path.join(HERE, "..", "tests")]
from ghosts import ghost_correlations  # noqa: E402
from spectralmatch.core import LocalFit, Outputs, Statistics, run_match  # noqa: E402

BLUE, VISIBLE = 1, (1, 2, 3)  # band indices of blue, green, red in the 11-band files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("landsat", nargs="?",
                    default=os.path.join(HERE, "..", "..", "shared", "data", "landsat"))
    ap.add_argument("--blocks", type=int, default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--picture", help="PNG: the other dates' clouds and the local correction "
                                      "of 2023-05-03 (blue), without and with robust statistics")
    args = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(args.landsat, "Landsat_*.tif")))
    work = args.out or tempfile.mkdtemp(prefix="sm-ghosts-")
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    local_fit = LocalFit(blocks_per_image=args.blocks) if args.blocks else LocalFit()
    fields = {}
    for robust in (True, False):
        folder = os.path.join(work, "robust" if robust else "published")
        result = run_match(paths, Outputs(folder), local_fit=local_fit,
                           statistics=Statistics(robust=robust))
        size = result.local_model.blocks.size
        fields[robust] = correction_field(paths, result.outputs, "20230503", BLUE)
        corr = ghost_correlations(paths, result.outputs, size, BLUE, VISIBLE)
        label = "robust (default)" if robust else "ROBUST off"
        values = np.array(list(corr.values()))
        print(f"{label}: blocks of {size} px; correlation of the local correction of the "
              f"clear dates with the other dates' clouds: mean {values.mean():+.3f}, "
              f"mean |r| {np.abs(values).mean():.3f}")
        for (date, band), value in sorted(corr.items()):
            print(f"   {date} band {band + 1}: {value:+.3f}")
        null = np.array(list(ghost_correlations(paths, result.outputs, size, BLUE, VISIBLE,
                                                rotate=True).values()))
        print(f"   chance level (the cloud mask rotated by 180 degrees): mean {null.mean():+.3f},"
              f" mean |r| {np.abs(null).mean():.3f}")
    print("outputs in", work)
    if args.picture:
        clouds = np.mean([gdal.Open(p).ReadAsArray(band_list=[BLUE + 1]) >= 12000
                          for p in paths if "20230503" not in p], axis=0)
        save_panels(args.picture, [clouds.astype(float), fields[False], fields[True]])
        print("picture", args.picture, "(other dates' clouds | ROBUST off | robust)")


def correction_field(paths, outputs, date, band):
    """log(out / in) of one date and band, less what a global gain and offset explain."""
    k = next(n for n, p in enumerate(paths) if date in p)
    x = gdal.Open(paths[k]).ReadAsArray(band_list=[band + 1]).astype(float)
    y = gdal.Open(outputs[k]).ReadAsArray(band_list=[band + 1]).astype(float)
    r = np.log(np.maximum(y, 1) / np.maximum(x, 1))
    design = np.stack([np.ones_like(x), 1 / x, 1 / x ** 2], axis=-1).reshape(-1, 3)
    coef, *_ = np.linalg.lstsq(design, r.ravel(), rcond=None)
    return r - (design @ coef).reshape(r.shape)


def save_panels(path, panels, gap=6):
    """Grey panels side by side; the two correction fields share one stretch."""
    lo, hi = np.percentile(np.concatenate([p.ravel() for p in panels[1:]]), [2, 98])
    scaled = [panels[0] / max(panels[0].max(), 1e-9) * 255]
    scaled += [np.clip((p - lo) / (hi - lo), 0, 1) * 255 for p in panels[1:]]
    h, w = panels[0].shape
    canvas = np.full((h, len(panels) * (w + gap) - gap), 255, dtype=np.uint8)
    for k, p in enumerate(scaled):
        canvas[:, k * (w + gap):k * (w + gap) + w] = p.astype(np.uint8)
    mem = gdal.GetDriverByName("MEM").Create("", canvas.shape[1], h, 1, gdal.GDT_Byte)
    mem.GetRasterBand(1).WriteArray(canvas)
    gdal.GetDriverByName("PNG").CreateCopy(path, mem)


if __name__ == "__main__":
    main()
