"""Bilinear interpolation of a block map to pixel centres, window by window.

Block values sit at block centres. On a regular grid, bilinear interpolation is separable:
the field over a window is ``Wy @ M @ Wx.T`` where each row of ``Wy`` (``Wx``) holds the two
linear weights of one pixel row (column) on the block rows (columns) around it. Outside the
outermost block centres the weights clamp to the edge block, so the field continues flat to
the image border instead of being extrapolated into a rim.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np


def linear_weights(start: int, length: int, size: int, first_block: int, blocks: int):
    """Weights (length, k) on blocks ``lo .. lo+k-1`` for pixels ``start .. start+length-1``.

    ``start`` is in grid pixels; the map's block 0 is block ``first_block`` of the grid.
    Returns ``lo`` and the weight matrix.
    """
    centre = (np.arange(start, start + length) + 0.5) / size - 0.5 - first_block
    pos = np.clip(centre, 0.0, blocks - 1)
    i0 = np.floor(pos).astype(np.intp)
    i1 = np.minimum(i0 + 1, blocks - 1)
    t = pos - i0
    lo, hi = int(i0.min()), int(i1.max())
    weights = np.zeros((length, hi - lo + 1))
    rows = np.arange(length)
    np.add.at(weights, (rows, i0 - lo), 1.0 - t)
    np.add.at(weights, (rows, i1 - lo), t)
    return lo, weights


def interpolate_window(
    block_map: np.ndarray,
    first_block: Tuple[int, int],
    size: int,
    row: int,
    col: int,
    rows: int,
    cols: int,
) -> np.ndarray:
    """The (bands, rows, cols) bilinear field of a (bands, block rows, block cols) map.

    ``row``, ``col`` are the window's position on the common grid; ``first_block`` the grid
    position of the map's block (0, 0).
    """
    by0, wy = linear_weights(row, rows, size, first_block[0], block_map.shape[1])
    bx0, wx = linear_weights(col, cols, size, first_block[1], block_map.shape[2])
    sub = block_map[:, by0:by0 + wy.shape[1], bx0:bx0 + wx.shape[1]]
    return np.matmul(np.matmul(wy, sub), wx.T)
