"""Seams where the images agree: a watershed over the overlaps' disagreement.

A seam shows whatever still differs between the two images it separates. Across an overlap
that difference is rarely uniform: a residual haze or vignetting gradient leaves a line
along which the two agree, texture and change leave patches where they do not. The seams are
therefore drawn as the watershed lines (image foresting transform, Falcão et al. 2004, IEEE
TPAMI 26(1), 19-29) of a relief that is high where the images agree and near the centre line
of their overlap, flooded from the cells that only one image may take: seams follow ridges
of agreement, the way seamline methods use least-cost paths through a difference image
(e.g. Kerschner 2001, ISPRS J. Photogramm. Remote Sens. 56(1), 53-64).

Cells an image may not take (no data, or a cloud it carries) are never given to it.
"""
from __future__ import annotations

import warnings
from typing import List

import numpy as np
from scipy import ndimage

from ..stats.spread import MAD_TO_STD
from .cells import CellImage

# How much a seam is drawn towards the centre line of an overlap, against agreement:
# a cell one median depth advantage away from the centre costs as much as a median
# disagreement.
CENTRE_PULL = 0.5
LEVELS = 65000


def _band_scales(images: List[CellImage]) -> np.ndarray:
    """Per band, the robust spread of cell means over all images: one unit per band."""
    scales = []
    for b in range(images[0].means.shape[0]):
        values = np.concatenate([image.means[b][np.isfinite(image.means[b])]
                                 for image in images])
        med = np.median(values) if values.size else 0.0
        mad = np.median(np.abs(values - med)) if values.size else 0.0
        scales.append(MAD_TO_STD * mad if mad > 0 else 1.0)
    return np.asarray(scales)


def disagreement(images: List[CellImage], pairs, usable: List[np.ndarray],
                 shape) -> np.ndarray:
    """Per cell, the largest mean absolute difference (in band spreads) between two images
    that may both show it; NaN where fewer than two may."""
    scales = _band_scales(images)[:, None, None].astype(np.float32)
    out = np.full(shape, np.nan, dtype=np.float32)
    for i, j, rect in pairs:
        a, b = images[i], images[j]
        both = a.crop(usable[i], rect) & b.crop(usable[j], rect)
        if not both.any():
            continue
        diff = np.abs(a.crop(a.means, rect) - b.crop(b.means, rect)) / scales
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # cells without data: NaN
            d = np.where(both, np.nanmean(diff, axis=0), np.nan)
        view = out[rect.row:rect.row_end, rect.col:rect.col_end]
        view[...] = np.fmax(view, d)
    return out


def agreement_seams(images: List[CellImage], pairs, culprit: List[np.ndarray],
                    labels: np.ndarray, advantage: np.ndarray) -> np.ndarray:
    """Labels whose seams follow agreement; ``labels`` (deepest usable image) is the
    fallback and names the seeds of images that no cell is left to alone; ``advantage`` is
    how much deeper the best image is than the second (cells; inf where it is alone)."""
    shape = labels.shape
    usable = [(image.coverage > 0) & ~bad for image, bad in zip(images, culprit)]
    count = np.zeros(shape, dtype=np.int32)
    for image, ok in zip(images, usable):
        count[image.on_grid] += ok
    shared = count >= 2
    if not shared.any():
        return labels
    # Float32 throughout: the relief has 65,000 levels, and these arrays span the grid.
    d = np.nan_to_num(disagreement(images, pairs, usable, shape))
    d[~shared] = 0.0
    # Smooth over 3 x 3 cells within the overlaps: one noisy cell does not bend a seam.
    weight = ndimage.uniform_filter(shared.astype(np.float32), 3)
    d = ndimage.uniform_filter(d, 3) / np.maximum(weight, 1e-9)
    del weight
    d[~shared] = 0.0
    d /= np.median(d[shared]) + 1e-12
    adv = np.minimum(advantage, 1e9).astype(np.float32)
    adv[~shared] = 0.0
    adv *= CENTRE_PULL / (np.median(adv[shared]) + 1e-12)
    cost = d + adv  # low where the images agree and near the overlap's centre line
    del d, adv
    top = np.percentile(cost[shared], 99.5) + 1e-12
    relief = np.zeros(shape, dtype=np.uint16)
    relief[shared] = np.rint(LEVELS * (1.0 - np.minimum(cost[shared] / top, 1.0)))
    del cost
    relief[labels < 0] = np.iinfo(np.uint16).max  # no data: crossed last, never a seed

    markers = np.zeros(shape, dtype=np.int32)
    for k, (image, ok) in enumerate(zip(images, usable)):
        alone = ok & (count[image.on_grid] == 1)
        if not alone.any():  # inside others everywhere: seed its own deepest part
            mine = (labels[image.on_grid] == k) & ok
            if mine.any():
                own = np.where(mine, advantage[image.on_grid], -1)
                alone = mine & (own >= 0.5 * own.max())
        markers[image.on_grid][alone] = k + 1
    flooded = ndimage.watershed_ift(relief, markers).astype(np.int32) - 1
    # Never a cell to an image that may not show it: there the deepest usable one stays.
    allowed = np.zeros(shape, dtype=bool)
    for k, (image, ok) in enumerate(zip(images, usable)):
        allowed[image.on_grid] |= ok & (flooded[image.on_grid] == k)
    return np.where(allowed & (labels >= 0), flooded, labels).astype(np.int32)
