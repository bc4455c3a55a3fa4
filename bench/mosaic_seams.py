"""Seams of the mosaic against a plain VRT: the excess gradient they add (issue: mosaic).

The test scene cut into 2 x 2 tiles, each with its own gain and offset and a smooth field:
a +-15% multiplicative tilt (vignetting) or an additive plane of +-0.5 band standard
deviations (haze). They are matched globally only (seams present) or globally and locally.
For the plain VRT of the matched tiles (gdalbuildvrt: the last on top; and, for reference,
the reverse order) and spectralmatch:mosaic (both seamline modes, three feather widths), it
prints per band and over all bands the excess gradient:

    mean over pixels of max(0, |grad A(mosaic)| - |grad truth|) / mean |grad truth|,

A being one affine map per band. Lower is better; the plain VRT is the bar. Two maps:

* own: A fitted to each mosaic. Its slope is the ratio of the mosaic's mean gradient
  magnitude to the truth's (the offset does not change a gradient). A least-squares fit of
  the values is no use here: the smooth fields, which follow the scene's own brightness
  trends, bias it (blue: slope 0.49 where the gradients say 1.01), and the score would then
  measure that bias, not the seams.
* set: one map for the whole matched set (the same slope, from all matched tiles), applied
  to every mosaic of it: "after one affine fit per band over the whole set".

usage: .venv/bin/python bench/mosaic_seams.py
"""
import os
import sys
import tempfile

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".build", "plugins"), os.path.join(HERE, "..", "tests")]

import synthetic as S  # noqa: E402
from spectralmatch.core import (
    MosaicOptions,
    Outputs,
    run_global,
    run_match,
    run_mosaic,
)  # noqa: E402
from test_global_core import GAINS, OFFSETS  # noqa: E402

ANGLES = [0.3, 2.0, 4.0, 5.5]
SETS = {"tilt 15%": dict(fields=[(0.15, a) for a in ANGLES]),
        "haze 0.5 std": dict(haze=[(0.5, a) for a in ANGLES])}
FEATHERS = (0.0, 300.0, 900.0)


def split_excess(path, matched, slopes):
    """Per band, of a hard-cut mosaic's excess (set map): what the images shown carry on
    their own (each pixel's excess in the image it comes from, away from that image's
    edges) and what the seams add to it."""
    mosaic = gdal.Open(path).ReadAsArray().astype(float)
    gt = gdal.Open(path).GetGeoTransform()
    grad, grad_truth, inner = S._gradients(path)
    own = np.full(mosaic.shape, np.nan)
    for image in matched:
        values = gdal.Open(image).ReadAsArray().astype(float)
        g = gdal.Open(image).GetGeoTransform()
        r, c = int(round((g[3] - gt[3]) / gt[5])), int(round((g[0] - gt[0]) / gt[1]))
        h, w = values.shape[1:]
        egrad, egrad_truth, einner = S._gradients(image)
        alone = np.clip(egrad / slopes[:, None, None] - egrad_truth, 0, None)
        shown = (values == mosaic[:, r:r + h, c:c + w]) & einner[None]
        view = own[:, r:r + h, c:c + w]
        view[...] = np.where(shown & np.isnan(view), alone, view)
    total = np.clip(grad / slopes[:, None, None] - grad_truth, 0, None)
    known = inner[None] & np.isfinite(own)
    norm = np.stack([grad_truth[b][inner].sum() for b in range(len(slopes))])
    carried = np.array([own[b][known[b]].sum() for b in range(len(slopes))]) / norm
    added = np.array([(total[b] - own[b])[known[b]].sum() for b in range(len(slopes))]) / norm
    return carried, added


def line(label, path, slopes):
    own, own_all = S.excess_gradient(path)
    common, common_all = S.excess_gradient(path, slopes)
    print(f"  {label:<22} own {np.array2string(own, precision=3)} all {own_all:.4f}"
          f"   set {np.array2string(common, precision=3)} all {common_all:.4f}")


def main():
    work = tempfile.mkdtemp(prefix="sm-seams-")
    for name, distortion in SETS.items():
        folder = os.path.join(work, name.replace(" ", "_").replace("%", ""))
        os.makedirs(folder)
        tiles = S.make_set(folder, GAINS, OFFSETS, **distortion)
        paths = [t.path for t in tiles]
        for local in (False, True):
            step = "global and local" if local else "global only"
            matched = (run_match(paths, Outputs(os.path.join(folder, "m"))).outputs if local
                       else run_global(paths, Outputs(os.path.join(folder, "g"))).outputs)
            slopes = S.gradient_slopes(matched)
            print(f"{name}, {step} (per band B G R NIR, and all bands):")
            for order, files in (("plain VRT", matched), ("VRT, reverse order", matched[::-1])):
                plain = os.path.join(folder, f"{order[:5]}{local}.tif".replace(" ", "")
                                     .replace(",", ""))
                gdal.Translate(plain, gdal.BuildVRT("", files))
                line(order, plain, slopes)
            for mode in ("cost", "centre"):
                for feather in FEATHERS:
                    out = run_mosaic(
                        matched,
                        MosaicOptions(
                            os.path.join(folder, f"{mode}{feather:g}{local}.tif"),
                            seamlines=mode,
                            feather=feather,
                        ),
                    ).mosaic.output
                    line(f"{mode}, feather {feather:g} m", out, slopes)
            print("  hard cuts, set map: excess the images shown carry | what the seams add")
            for label, path in (("plain VRT", os.path.join(folder, f"plain{local}.tif")),
                                ("cost", os.path.join(folder, f"cost0{local}.tif")),
                                ("centre", os.path.join(folder, f"centre0{local}.tif"))):
                carried, added = split_excess(path, matched, slopes)
                print(f"  {label:<22} {np.array2string(carried, precision=3)} | "
                      f"{np.array2string(added, precision=3)}")


if __name__ == "__main__":
    main()
