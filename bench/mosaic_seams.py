"""Seams of the mosaic against a plain VRT: the excess gradient they add (issue: mosaic).

The test scene cut into 2 x 2 tiles with a gain, an offset and a +-15% tilt each, matched
globally only (seams present) or globally and locally; for a plain VRT of the matched tiles
(the last on top) and for spectralmatch:mosaic with both seamline modes and a few feather
widths, prints per band the mean positive part of |grad mosaic| - |grad truth| (after one
affine map per band) over the mean |grad truth|. Lower is better; the plain VRT is the bar.

usage: .venv/bin/python bench/mosaic_seams.py
"""
import os
import sys
import tempfile

import numpy as np
from osgeo import gdal
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".build", "plugins"), os.path.join(HERE, "..", "tests")]

import synthetic as S  # noqa: E402
from spectralmatch.core import run_global, run_match, run_mosaic  # noqa: E402
from test_global_core import GAINS, OFFSETS  # noqa: E402
from test_mosaic import scene_crop  # noqa: E402

TILTS = [(0.15, 0.3), (0.15, 2.0), (0.15, 4.0), (0.15, 5.5)]


def affine_maps(matched, gradients=False):
    """One affine map (slope, intercept) per band from the truth to the matched set, fitted
    over all matched images at once: the set's common gain and offset. The same map serves
    every mosaic of the set, so that a mosaic's score does not depend on which image's
    residual tilt happens to pull its own fit. With ``gradients``, the slope is the ratio of
    the set's mean gradient magnitude to the truth's (the offset does not matter to a
    gradient): the texture's scale, which a smooth field that follows the scene's own trend
    cannot bias the way it biases a fit of the values."""
    truths, values, grad_out, grad_truth = [], [], [], []
    for path in matched:
        out = gdal.Open(path).ReadAsArray().astype(float)
        valid = (out > 0).all(axis=0)
        truth = scene_crop(path)
        truths.append(truth[:, valid])
        values.append(out[:, valid])
        inner = ndimage.binary_erosion(valid, iterations=2)
        grad_out.append([np.hypot(*np.gradient(o))[inner] for o in out])
        grad_truth.append([np.hypot(*np.gradient(t))[inner] for t in truth])
    truth, value = np.concatenate(truths, axis=1), np.concatenate(values, axis=1)
    maps = [np.polyfit(truth[b], value[b], 1) for b in range(truth.shape[0])]
    if gradients:
        for b in range(truth.shape[0]):
            slope = (np.concatenate([g[b] for g in grad_out]).mean()
                     / np.concatenate([g[b] for g in grad_truth]).mean())
            maps[b] = np.array([slope, 0.0])
    return maps


def excess_gradient(path, maps=None):
    """Mean of the positive part of |grad mosaic| - |grad truth| (after one affine map per
    band) over the mean |grad truth|: what seams add to the image's own edges. Without
    ``maps``, the map is fitted on the mosaic itself."""
    out = gdal.Open(path).ReadAsArray().astype(float)
    truth = scene_crop(path)
    valid = (out > 0).all(axis=0)
    values = []
    inner = ndimage.binary_erosion(valid, iterations=2)
    for b in range(out.shape[0]):
        gt = np.hypot(*np.gradient(truth[b]))
        if maps == "gradients":  # this mosaic's own texture scale
            slope = np.mean(np.hypot(*np.gradient(out[b]))[inner]) / np.mean(gt[inner])
            icpt = 0.0
        elif maps is None:
            slope, icpt = np.polyfit(truth[b][valid], out[b][valid], 1)
        else:
            slope, icpt = maps[b]
        mapped = (out[b] - icpt) / slope
        gm = np.hypot(*np.gradient(mapped))
        values.append(np.mean(np.clip(gm - gt, 0, None)[inner]) / np.mean(gt[inner]))
    return np.array(values)


def main():
    work = tempfile.mkdtemp(prefix="sm-seams-")
    tiles = S.make_set(work, GAINS, OFFSETS, fields=TILTS)
    paths = [t.path for t in tiles]
    for local in (False, True):
        label = "global and local" if local else "global only"
        matched = (run_match(paths, os.path.join(work, "m")).outputs if local
                   else run_global(paths, os.path.join(work, "g")).outputs)
        plain = os.path.join(work, f"plain{local}.tif")
        gdal.Translate(plain, gdal.BuildVRT("", matched))
        maps = affine_maps(matched)
        print(f"{label}: plain VRT {np.round(excess_gradient(plain, maps), 3)} "
              f"(map fitted on the mosaic itself: {np.round(excess_gradient(plain), 3)})")
        for mode in ("cost", "centre"):
            for feather in (0.0, 300.0, 900.0):
                out = run_mosaic(matched, os.path.join(work, f"{mode}{feather:g}{local}.tif"),
                                 mode, feather).output
                print(f"{label}: {mode} seams, feather {feather:g} m "
                      f"{np.round(excess_gradient(out, maps), 3)} "
                      f"(own map: {np.round(excess_gradient(out), 3)})")


if __name__ == "__main__":
    main()
