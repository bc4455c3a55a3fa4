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


# (first block row, Wy, first block col, Wx) of a window: see window_weights.
WindowWeights = Tuple[int, np.ndarray, int, np.ndarray]


def window_weights(first_block: Tuple[int, int], size: int, map_shape: Tuple[int, int],
                   row: int, col: int, rows: int, cols: int, dtype=np.float64) -> WindowWeights:
    """The separable bilinear weights of a window on a (block rows, block cols) map, in
    ``dtype``: computed once, they serve every map of that shape and origin (the bands, the
    fields of a pair). ``row``, ``col`` are the window's position on the common grid;
    ``first_block`` the grid position of the map's block (0, 0)."""
    by0, wy = linear_weights(row, rows, size, first_block[0], map_shape[0])
    bx0, wx = linear_weights(col, cols, size, first_block[1], map_shape[1])
    return by0, wy.astype(dtype, copy=False), bx0, wx.astype(dtype, copy=False)


def interpolate_with(weights: WindowWeights, block_map: np.ndarray) -> np.ndarray:
    """The (bands, rows, cols) field of a (bands, block rows, block cols) map, in the
    weights' type: ``Wy @ M @ Wx.T``."""
    by0, wy, bx0, wx = weights
    sub = block_map[:, by0:by0 + wy.shape[1], bx0:bx0 + wx.shape[1]]
    return np.matmul(np.matmul(wy, sub.astype(wy.dtype, copy=False)), wx.T)


def interpolate_window(
    block_map: np.ndarray,
    first_block: Tuple[int, int],
    size: int,
    row: int,
    col: int,
    rows: int,
    cols: int,
) -> np.ndarray:
    """The (bands, rows, cols) bilinear field of a (bands, block rows, block cols) map over
    a window, in float64 (see :func:`window_weights`)."""
    return interpolate_with(window_weights(first_block, size, block_map.shape[1:], row, col,
                                           rows, cols), block_map)


def node_weights(coords: np.ndarray, size: int, first_block: int, blocks: int):
    """Bilinear weights of a surface's nodes (block centres) at positions ``coords``.

    ``coords`` are continuous mosaic coordinates (the centre of pixel r is at r + 0.5).
    Unlike :func:`linear_weights`, the outermost half block continues the slope of the last
    two nodes instead of staying flat: a fitted surface then follows a field up to the edge
    of an image, where the boundary of an overlap is. (The local step's surfaces reach one
    node beyond each image edge, correct/local_surface.node_span, so this happens only at
    the border of the block grid, and in models saved before.) Returns ``lo`` and the
    (len(coords), k) weights on nodes ``lo .. lo+k-1``.
    """
    # np.minimum(np.maximum(.)) is np.clip without its per-call checks, a third of the
    # cost of the surface system's geometry at 1,000 images (numpy 1.24).
    pos = np.minimum(np.maximum(np.asarray(coords, dtype=float) / size - 0.5 - first_block,
                                -0.5), blocks - 0.5)
    if blocks == 1:
        return 0, np.ones((pos.size, 1))
    i0 = np.minimum(np.maximum(np.floor(pos), 0), blocks - 2).astype(np.intp)
    t = pos - i0
    lo, hi = int(i0.min()), int(i0.max()) + 1
    weights = np.zeros((pos.size, hi - lo + 1))
    rows = np.arange(pos.size)
    weights[rows, i0 - lo] = 1.0 - t
    weights[rows, i0 + 1 - lo] = t
    return lo, weights


def point_weights(coords: np.ndarray, size: int, first_block: int, blocks: int):
    """:func:`node_weights` one position at a time: per position, its first node and the
    weights of that node and the next (the same numbers as node_weights gives them; the
    next node is the first again, with weight 0, where the surface has one node)."""
    pos = np.minimum(np.maximum(np.asarray(coords, dtype=float) / size - 0.5 - first_block,
                                -0.5), blocks - 0.5)
    if blocks == 1:
        return np.zeros(pos.size, np.intp), np.ones(pos.size), np.zeros(pos.size)
    i0 = np.minimum(np.maximum(np.floor(pos), 0), blocks - 2).astype(np.intp)
    t = pos - i0
    return i0, 1.0 - t, t


def surface_window(nodes: np.ndarray, first_block: Tuple[int, int], size: int, row: int,
                   col: int, rows: int, cols: int) -> np.ndarray:
    """The (bands, rows, cols) field of a (bands, node rows, node cols) surface over a
    window at mosaic ``row``, ``col``, with the weights of :func:`node_weights`."""
    ly, wy = node_weights(np.arange(row, row + rows) + 0.5, size, first_block[0],
                          nodes.shape[1])
    lx, wx = node_weights(np.arange(col, col + cols) + 0.5, size, first_block[1],
                          nodes.shape[2])
    sub = nodes[:, ly:ly + wy.shape[1], lx:lx + wx.shape[1]]
    return np.matmul(np.matmul(wy, sub), wx.T)


def surface_at(nodes: np.ndarray, first_block: Tuple[int, int], size: int, rows: np.ndarray,
               cols: np.ndarray) -> np.ndarray:
    """The (bands, ...) field of a surface at mosaic pixel positions ``rows``, ``cols``
    (any shape, fractional allowed), with the weights of :func:`node_weights`."""
    def axis(coords, first, n):
        pos = np.clip((coords + 0.5) / size - 0.5 - first, -0.5, n - 0.5)
        if n == 1:
            return np.zeros(pos.shape, np.intp), np.zeros(pos.shape), 0
        i0 = np.clip(np.floor(pos), 0, n - 2).astype(np.intp)
        return i0, pos - i0, 1

    y0, ty, dy = axis(np.asarray(rows, dtype=float), first_block[0], nodes.shape[1])
    x0, tx, dx = axis(np.asarray(cols, dtype=float), first_block[1], nodes.shape[2])
    return ((1 - ty) * ((1 - tx) * nodes[:, y0, x0] + tx * nodes[:, y0, x0 + dx])
            + ty * ((1 - tx) * nodes[:, y0 + dy, x0] + tx * nodes[:, y0 + dy, x0 + dx]))
