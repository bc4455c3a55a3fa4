"""Block maps (e.g. the robust lines' cells): filling of empty blocks.

Blocks without a value take the values of the nearest block that has one, so that no NaN
ever reaches the interpolation and image edges get no dark or bright rim.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from scipy import ndimage


def nearest_fill_indices(valid: np.ndarray) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """For a 2-D validity map, the indices of the nearest valid block of every block."""
    if not valid.any():
        return None
    _, (rows, cols) = ndimage.distance_transform_edt(~valid, return_indices=True)
    return rows, cols


def fill_empty_blocks(local: np.ndarray, ref: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Fill an image's local-mean and reference maps where the local map is NaN.

    Both maps take the nearest block where the image has data: the correction there
    continues the one at the image's own nearest data instead of comparing the image with
    a place it does not cover. A band without any usable block gets no local correction.
    """
    local, ref = local.copy(), ref.copy()
    previous = found = None
    for b in range(local.shape[0]):
        valid = ~np.isnan(local[b])
        if valid.all():  # nothing to fill (most overlaps' cells): no distance transform
            continue
        # Bands of one pair mostly have the same empty blocks: one transform serves them.
        if previous is None or not np.array_equal(valid, previous):
            previous, found = valid, nearest_fill_indices(valid)
        if found is None:
            local[b] = 1.0
            ref[b] = 1.0
            continue
        rows, cols = found
        local[b] = local[b][rows, cols]
        ref[b] = ref[b][rows, cols]
    return local, ref
