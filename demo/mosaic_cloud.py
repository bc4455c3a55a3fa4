"""A real cloud in an overlap: a plain VRT of matched images against the seamless mosaic.

Two real Landsat dates side by side, overlapping by 96 columns (40% of a tile): 2021-03-26
(clear) on the left, 2025-04-22 (cumulus and their shadows) on the right. Both are matched
(global and local, robust statistics) and mosaicked in one run of match with MOSAIC; the
picture shows the inputs, the plain VRT of the matched images (the later date on top, as
gdalbuildvrt stacks them) and the seamless mosaic with its seamlines. It prints, over the
overlap, how far each mosaic is from the clear date where the cloudy one disagrees with it
(clouds and shadows) and elsewhere.

usage: .venv/bin/python demo/mosaic_cloud.py [OUT.png]   (default docs/mosaic_cloud.png)
The two tiles are cut from ../shared/data/landsat into demo/cloud_pair on first use.
"""
import os
import sys
import tempfile

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".build", "plugins"))

from spectralmatch.core import MosaicOptions, Outputs, run_match  # noqa: E402

gdal.UseExceptions()
PAIR = os.path.join(HERE, "cloud_pair")
SOURCE = os.path.join(HERE, "..", "..", "shared", "data", "landsat")
TILES = [("20210326", 0), ("20250422", 144)]  # date, first column; 240 columns each
WIDTH, BANDS, GAP = 240, [2, 3, 4, 5], 8


def cut_tiles():
    os.makedirs(PAIR, exist_ok=True)
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    paths = []
    for date, col in TILES:
        path = os.path.join(PAIR, f"landsat_{date}_cols{col}.tif")
        if not os.path.exists(path):
            src = gdal.Open(os.path.join(SOURCE, f"Landsat_{date}.tif"))
            gdal.Translate(path, src, srcWin=[col, 0, WIDTH, src.RasterYSize],
                           bandList=BANDS,
                           creationOptions=["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2"])
        paths.append(path)
    return paths


def on_grid(path, like):
    """A raster's bands on the grid of ``like`` (0 outside it)."""
    ds = gdal.Warp("", path, format="MEM", outputBounds=_bounds(like),
                   xRes=30, yRes=30, dstNodata=0)
    return ds.ReadAsArray().astype(float)


def _bounds(path):
    ds = gdal.Open(path)
    gt = ds.GetGeoTransform()
    return gt[0], gt[3] + ds.RasterYSize * gt[5], gt[0] + ds.RasterXSize * gt[1], gt[3]


def rgb(data, lo, hi):
    out = np.clip((data[[2, 1, 0]] - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8)
    out[:, ~(data > 0).all(axis=0)] = 255
    return out


def main(out_png):
    inputs = cut_tiles()
    work = tempfile.mkdtemp(prefix="sm-cloud-")
    mosaic = os.path.join(work, "mosaic.tif")
    result = run_match(
        inputs,
        Outputs(os.path.join(work, "matched")),
        mosaic=MosaicOptions(mosaic, seamlines_out=os.path.join(work, "s.gpkg")),
    )
    clear, cloudy = result.outputs
    plain = os.path.join(work, "plain.tif")
    gdal.Translate(plain, gdal.BuildVRT("", [clear, cloudy]))  # the later date on top
    ref, other = on_grid(clear, mosaic), on_grid(cloudy, mosaic)
    shown = {"plain VRT": gdal.Open(plain).ReadAsArray().astype(float),
             "seamless mosaic": gdal.Open(mosaic).ReadAsArray().astype(float)}
    both = (ref > 0).all(axis=0) & (other > 0).all(axis=0)
    # Where the cloudy date departs from the clear one far beyond the overlap's usual spread.
    diff = np.log(other[:, both] / ref[:, both]).mean(axis=0)
    dev = np.abs(diff - np.median(diff)) / (1.4826 * np.median(np.abs(diff - np.median(diff))))
    cloud = np.zeros(both.shape, dtype=bool)
    cloud[both] = dev > 4.0
    print(f"overlap: {both.sum()} pixels, {cloud.sum()} of them where the 2025 date carries "
          "cloud or shadow (more than 4 robust deviations from the 2021 date)")
    for name, data in shown.items():
        far = np.abs(data - ref).mean(axis=0) / ref.mean(axis=(1, 2)).mean()
        print(f"{name}: mean |mosaic - clear date| / mean = {far[cloud].mean():.3f} on cloud "
              f"and shadow pixels, {far[both & ~cloud].mean():.3f} on the rest of the overlap")
    # Picture: inputs (each on the mosaic grid), plain VRT, seamless mosaic with seams.
    valid = (shown["seamless mosaic"] > 0).all(axis=0)
    lo = np.array([np.percentile(b[valid], 1) for b in shown["seamless mosaic"][[2, 1, 0]]])
    hi = np.array([np.percentile(b[valid], 99) for b in shown["seamless mosaic"][[2, 1, 0]]])
    lo, hi = lo[:, None, None], hi[:, None, None]
    stack = gdal.BuildVRT("", inputs)
    raw_mosaic = np.zeros_like(shown["plain VRT"])
    raw_mosaic[:, :stack.RasterYSize, :stack.RasterXSize] = stack.ReadAsArray()
    panels = [rgb(raw_mosaic, *_stretch(raw_mosaic)), rgb(shown["plain VRT"], lo, hi),
              rgb(shown["seamless mosaic"], lo, hi)]
    labels = result.mosaic.seams.labels
    size = result.mosaic.seams.cells.size
    full = np.kron(labels, np.ones((size, size), dtype=labels.dtype))[:valid.shape[0],
                                                                        :valid.shape[1]]
    edge = np.zeros(valid.shape, dtype=bool)
    edge[:, 1:] |= full[:, 1:] != full[:, :-1]
    edge[1:] |= full[1:] != full[:-1]
    edge &= valid
    panels[2][:, edge] = np.array([255, 255, 0], dtype=np.uint8)[:, None]
    h, w = valid.shape
    canvas = np.full((3, h, len(panels) * (w + GAP) - GAP), 255, dtype=np.uint8)
    for k, panel in enumerate(panels):
        canvas[:, :, k * (w + GAP):k * (w + GAP) + w] = panel
    mem = gdal.GetDriverByName("MEM").Create("", canvas.shape[2], h, 3, gdal.GDT_Byte)
    for b in range(3):
        mem.GetRasterBand(b + 1).WriteArray(canvas[b])
    gdal.GetDriverByName("PNG").CreateCopy(out_png, mem)
    print("picture:", out_png, "(inputs, plain VRT of the matched dates, seamless mosaic with "
          "its seamlines in yellow)")


def _stretch(data):
    valid = (data > 0).all(axis=0)
    lo = np.array([np.percentile(b[valid], 1) for b in data[[2, 1, 0]]])[:, None, None]
    hi = np.array([np.percentile(b[valid], 99) for b in data[[2, 1, 0]]])[:, None, None]
    return lo, hi


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "docs",
                                                             "mosaic_cloud.png"))
