"""Block maps of local matching: per-image block means and the reference block map.

Yu et al. (2017) compare, block by block, each image's local mean with a reference mean
computed from all images covering the block. Blocks where an image has too few valid pixels
count as empty and take the value of the nearest block that has data, so that no NaN ever
reaches the interpolation and image edges get no dark or bright rim.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

Span = Tuple[int, int, int, int]  # first block row, first block col, block rows, block cols


def block_means(sums: np.ndarray, counts: np.ndarray, min_count: float) -> np.ndarray:
    """Means of (bands, rows, cols) block sums; NaN where fewer than ``min_count`` pixels."""
    enough = counts >= max(min_count, 1.0)
    return np.where(enough, sums / np.where(enough, counts, 1.0), np.nan)


def nearest_fill_indices(valid: np.ndarray) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """For a 2-D validity map, the indices of the nearest valid block of every block."""
    if not valid.any():
        return None
    _, (rows, cols) = ndimage.distance_transform_edt(~valid, return_indices=True)
    return rows, cols


def reference_map(
    shape: Tuple[int, int],
    means: Sequence[np.ndarray],
    counts: Sequence[np.ndarray],
    spans: Sequence[Span],
    reference: Optional[int] = None,
) -> np.ndarray:
    """The reference block map over the whole block grid, (bands, rows, cols).

    Each block holds the mean of the images that have data there, weighted by their valid
    pixel counts; where a reference image is named, its own block means wherever it has data.
    Blocks covered by no image stay NaN (no image is ever corrected towards them).
    """
    n_bands = means[0].shape[0]
    total = np.zeros((n_bands,) + shape)
    weight = np.zeros((n_bands,) + shape)
    for m, c, (by, bx, h, w) in zip(means, counts, spans):
        ok = ~np.isnan(m)
        total[:, by:by + h, bx:bx + w] += np.where(ok, m * c, 0.0)
        weight[:, by:by + h, bx:bx + w] += np.where(ok, c, 0.0)
    ref = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)
    if reference is not None:
        by, bx, h, w = spans[reference]
        own = means[reference]
        window = ref[:, by:by + h, bx:bx + w]
        ref[:, by:by + h, bx:bx + w] = np.where(np.isnan(own), window, own)
    return ref


def image_maps(
    own: np.ndarray, reference: np.ndarray, span: Span
) -> Tuple[np.ndarray, np.ndarray]:
    """An image's local-mean map and its reference map, both filled over its footprint.

    Empty blocks of the image take the nearest block where the image has data, in both maps:
    the correction there continues the one at the image's own nearest data instead of
    comparing the image with a place it does not cover.
    """
    by, bx, h, w = span
    ref = reference[:, by:by + h, bx:bx + w].copy()
    local = own.copy()
    for b in range(own.shape[0]):
        ok = ~np.isnan(local[b]) & ~np.isnan(ref[b])
        found = nearest_fill_indices(ok)
        if found is None:  # no usable block: no local correction for this band
            local[b] = 1.0
            ref[b] = 1.0
            continue
        rows, cols = found
        local[b] = local[b][rows, cols]
        ref[b] = ref[b][rows, cols]
    return local, ref


def all_image_maps(
    means: List[np.ndarray], reference: np.ndarray, spans: Sequence[Span]
) -> List[Tuple[np.ndarray, np.ndarray]]:
    return [image_maps(m, reference, s) for m, s in zip(means, spans)]
