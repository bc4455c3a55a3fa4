"""The block grid of local matching: square blocks over the whole common grid.

Each block is a square of ``size`` grid pixels; block (0, 0) starts at the grid's upper
left corner. Block statistics are kept as sums so that windows and images add up exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..defaults import BLOCKS_PER_IMAGE as DEFAULT_BLOCKS_PER_IMAGE
from ..errors import InputError
from .common_grid import CommonGrid

# A block spans at least a pixel: blocks below the pixel size make the local correction fit
# pixel by pixel, which copies one image's pixels (its dates) into the others.
MIN_BLOCK_SIDE = 1
# The most blocks of a block grid: block sums are kept for every image and overlap on it, so
# memory grows with their number (250 000 blocks: tens of MB for a few images).
MAX_BLOCKS = 250_000


@dataclass(frozen=True)
class BlockGrid:
    size: int  # block side in grid pixels
    cols: int  # blocks along x
    rows: int  # blocks along y

    @property
    def shape(self) -> Tuple[int, int]:
        return self.rows, self.cols


def make_block_grid(
    grid: CommonGrid,
    blocks_per_image: float = DEFAULT_BLOCKS_PER_IMAGE,
    block_size_map_units: Optional[float] = None,
) -> BlockGrid:
    """A block grid from a target number of blocks per image, or an explicit block size."""
    if block_size_map_units:
        exact = block_size_map_units / grid.pixel_width
        asked = f"BLOCK_SIZE {block_size_map_units:g} map units"
    else:
        areas = [p.cols * p.rows for p in grid.placements]
        mean_area = float(np.mean(areas))
        exact = math.sqrt(mean_area / max(blocks_per_image, 1.0))
        asked = f"BLOCKS {blocks_per_image:g} per image"
    size = max(1, int(round(exact)))
    blocks = BlockGrid(size, -(-grid.cols // size), -(-grid.rows // size))
    # The default number of blocks adapts to images smaller than it (one pixel a block).
    chosen = bool(block_size_map_units) or blocks_per_image != DEFAULT_BLOCKS_PER_IMAGE
    _check_blocks(grid, blocks, exact if chosen else size, asked)
    return blocks


def _check_blocks(grid: CommonGrid, blocks: BlockGrid, exact: float, asked: str) -> None:
    """Refuse, before anything is read, blocks below :data:`MIN_BLOCK_SIDE` pixels or more
    than :data:`MAX_BLOCKS` of them, with the figures and the fix."""
    pixel = grid.pixel_width
    areas = [p.cols * p.rows for p in grid.placements]
    mean_area = float(np.mean(areas))
    if exact < MIN_BLOCK_SIDE:
        raise InputError(
            f"{asked} makes blocks of {exact:.3g} pixels a side on the common grid "
            f"({pixel:g} map units a pixel): blocks smaller than a pixel make the local "
            "correction copy one image's pixels into the others. "
            f"Fix: BLOCK_SIZE of at least {MIN_BLOCK_SIDE * pixel:g} map units, or BLOCKS "
            f"of at most {int(mean_area / MIN_BLOCK_SIDE ** 2)} per image.")
    count = blocks.cols * blocks.rows
    if count > MAX_BLOCKS:
        side = math.sqrt(grid.cols * grid.rows / MAX_BLOCKS)
        raise InputError(
            f"{asked} makes {blocks.cols} x {blocks.rows} = {count} blocks of {blocks.size} "
            f"pixels on the {grid.cols} x {grid.rows} pixel common grid, more than the "
            f"{MAX_BLOCKS} a run holds in memory. Fix: BLOCK_SIZE of at least "
            f"{math.ceil(side) * pixel:g} map units, or BLOCKS of at most "
            f"{int(mean_area / math.ceil(side) ** 2)} per image.")


def footprint(blocks: BlockGrid, place) -> Tuple[int, int, int, int]:
    """(first block row, first block col, block rows, block cols) that a placement touches."""
    by0, bx0 = place.row // blocks.size, place.col // blocks.size
    by1 = -(-place.row_end // blocks.size)
    bx1 = -(-place.col_end // blocks.size)
    return by0, bx0, by1 - by0, bx1 - bx0


# Blocks up to this side are summed by adding strided slices (one pass over the data);
# larger ones as one reshaped sum over their whole blocks, the partial first and last apart.
_STRIDED_SIDE = 8


def _segment_sums(array: np.ndarray, start: int, size: int, axis: int,
                  dtype=None) -> np.ndarray:
    """Sums of ``array`` over the blocks of ``size`` along ``axis``, whose first element sits
    at grid position ``start``: the first and last block may be partial. ``dtype``: the type
    to add in (default: the array's).

    Both ways add the elements of a block in their order, one after another, as a sum of
    that block alone would; they replace ``np.add.reduceat``, several times slower on these
    shapes. Whole blocks are summed together as the axis split in two (blocks, size): one
    call where a slice per block took one each (at 1,000 tiles of 256², 9-pixel cells, those
    calls were most of the first pass)."""
    if array.dtype.kind == "b" and dtype is None:  # counts, not a logical or
        dtype = np.float64
    dtype = np.dtype(dtype or array.dtype)
    n = array.shape[axis]
    lead = start % size
    count = -(-(lead + n) // size)

    def along(piece):
        index = [slice(None)] * array.ndim
        index[axis] = piece
        return tuple(index)

    if size <= _STRIDED_SIDE:
        shape = list(array.shape)
        shape[axis] = count * size
        padded = np.zeros(shape, dtype)  # zeros before and after the partial blocks
        padded[along(slice(lead, lead + n))] = array
        out = padded[along(slice(0, None, size))]
        for k in range(1, size):
            out = out + padded[along(slice(k, None, size))]
        return out
    first = min((size - lead) % size, n)  # elements of a partial first block
    whole = (n - first) // size
    parts = []
    if first:
        parts.append(array[along(slice(0, first))].sum(axis=axis, dtype=dtype, keepdims=True))
    if whole:
        body = array[along(slice(first, first + whole * size))]
        split = body.shape[:axis] + (whole, size) + body.shape[axis + 1:]
        parts.append(body.reshape(split).sum(axis=axis + 1, dtype=dtype))
    if first + whole * size < n:
        parts.append(array[along(slice(first + whole * size, n))].sum(axis=axis, dtype=dtype,
                                                                      keepdims=True))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)


class BlockSummer:
    """Per-block sums over one window.

    ``row`` and ``col`` are the window's position on the common grid, ``rows`` and ``cols``
    its size; ``first`` is the (block row, block col) of the window's first block.
    """

    def __init__(self, blocks: BlockGrid, row: int, col: int, rows: int, cols: int):
        self._size, self._row, self._col = blocks.size, row, col
        self.first = (row // blocks.size, col // blocks.size)

    def __call__(self, array: np.ndarray, dtype=None) -> np.ndarray:
        """(bands, block rows, block cols) sums of a (bands, rows, cols) array, added in
        ``dtype`` (default: the array's)."""
        rows = _segment_sums(array, self._row, self._size, axis=1, dtype=dtype)
        return _segment_sums(rows, self._col, self._size, axis=2)

    def outer(self, by_row: np.ndarray, by_col: np.ndarray) -> np.ndarray:
        """(block rows, block cols) sums of the window ``by_row[:, None] * by_col[None, :]``
        from the sums of each factor over its blocks (no array of the window's size). Exact
        where the products and sums are (small integers)."""
        rows = _segment_sums(by_row[None, :, None], self._row, self._size, axis=1)
        cols = _segment_sums(by_col[None, None, :], self._col, self._size, axis=2)
        return rows[0] * cols[0]


def block_sums(
    blocks: BlockGrid,
    values: np.ndarray,
    valid: np.ndarray,
    row: int,
    col: int,
) -> Tuple[int, int, np.ndarray, np.ndarray]:
    """Per-block sums and counts of the valid values of a (bands, rows, cols) window.

    Returns the first block row and column it touches and arrays (bands, block rows,
    block cols) of sums and counts.
    """
    summer = BlockSummer(blocks, row, col, values.shape[1], values.shape[2])
    sums = summer(np.where(valid, values, 0.0), np.float64)  # float32 values add in float64
    counts = summer(valid, np.float64)
    return summer.first[0], summer.first[1], sums, counts
