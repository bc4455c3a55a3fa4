"""The small cells on which the local step compares overlapping images.

The local fit needs, for every overlapping pair, what the two images show where both are
valid, with the true positions: per cell of a few pixels, the count of shared pixels and the
sums of both images over them (raw values; any affine correction of the images follows from
them exactly), and the sums of those pixels' offsets within the cell, whose centroid is not
the cell's centre where some are missing (:func:`partial_cells`). Cells are squares anchored
at the mosaic grid's origin, so that windows add up exactly; they are kept for overlaps
only. Their side is 3 pixels, larger only where the overlaps of a set are so large that
3-pixel cells would not fit in ``CELL_BUDGET`` bytes: the memory then stays flat in the size
of the images.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np

from ..grid.blocks import BlockGrid

CELL_SIDE = 3
# Bytes for all pair cells of a run: count and two sums per band, float32 (Float64 inputs
# keep float64 sums, twice this).
# (Beyond it, 8 bytes per cell, not per band: the offsets of the counted pixels within their
# cell, scan.PairBlocks.offsets: a sixth more with 4 bands, about 5 MB at the budget.)
CELL_BUDGET = 32 * 2**20
_BYTES_PER_CELL_BAND = 3 * 4


def overlap_cell_grid(grid, pairs: Sequence[Tuple[int, int, object]], bands: int) -> BlockGrid:
    """The cell grid of a run: 3-pixel cells, or larger ones where the overlaps are huge."""
    pixels = sum(rect.rows * rect.cols for _, _, rect in pairs)
    side = CELL_SIDE
    if pixels:
        needed = pixels * bands * _BYTES_PER_CELL_BAND / CELL_BUDGET
        side = max(CELL_SIDE, int(math.ceil(math.sqrt(needed))))
    return BlockGrid(side, -(-grid.cols // side), -(-grid.rows // side))


def _extents(cells: BlockGrid, span, rect):
    """Per cell row and per cell col of ``span``: the first and the end pixel of the cell
    clipped to the overlap ``rect``."""
    def axis(first, n, start, end):
        return (np.maximum((first + np.arange(n)) * cells.size, start),
                np.minimum((first + np.arange(n) + 1) * cells.size, end))

    return (axis(span[0], span[2], rect.row, rect.row_end),
            axis(span[1], span[3], rect.col, rect.col_end))


def cell_centroids(cells: BlockGrid, span: Tuple[int, int, int, int], rect
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """Continuous mosaic coordinates (pixel centre of row r at r + 0.5) of the centroid of
    every cell of ``span`` clipped to the overlap ``rect``: rows, then cols."""
    (r0, r1), (c0, c1) = _extents(cells, span, rect)
    return (r0 + r1) / 2.0, (c0 + c1) / 2.0


def partial_cells(cells: BlockGrid, pb) -> Optional[Tuple[np.ndarray, np.ndarray,
                                                          np.ndarray, np.ndarray]]:
    """The cells of a pair (scan.PairBlocks) that count some of their pixels but not all
    (in the first band): at a no-data edge, around a cloud, where the robust pass left
    pixels out. Their cell rows and cols, and the continuous mosaic coordinates of the
    centroid of the pixels they count (from ``pb.offsets``); None if there are none (or
    no offsets). A cell's centre is its centroid only where all its pixels count."""
    if pb.offsets is None:
        return None
    (r0, r1), (c0, c1) = _extents(cells, pb.span, pb.rect)
    n = pb.count[0]
    some = (n > 0) & (n < (r1 - r0)[:, None] * (c1 - c0)[None, :])
    if not some.any():
        return None
    a, c = np.nonzero(some)
    counted = n[a, c].astype(np.float64)
    rows = (pb.span[0] + a) * cells.size + pb.offsets[0][a, c] / counted + 0.5
    cols = (pb.span[1] + c) * cells.size + pb.offsets[1][a, c] / counted + 0.5
    return a, c, rows, cols
