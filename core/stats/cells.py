"""The small cells on which the local step compares overlapping images.

The local fit needs, for every overlapping pair, what the two images show where both are
valid, with the true positions: per cell of a few pixels, the count of shared pixels and the
sums of both images over them (raw values; any affine correction of the images follows from
them exactly). Cells are squares anchored at the mosaic grid's origin, so that windows add
up exactly; they are kept for overlaps only. Their side is 3 pixels, larger only where the
overlaps of a set are so large that 3-pixel cells would not fit in ``CELL_BUDGET`` bytes:
the memory then stays flat in the size of the images.
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import numpy as np

from ..grid.blocks import BlockGrid

CELL_SIDE = 3
# Bytes for all pair cells of a run: count and two sums per band, float32 (Float64 inputs
# keep float64 sums, twice this).
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


def cell_centroids(cells: BlockGrid, span: Tuple[int, int, int, int], rect
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """Continuous mosaic coordinates (pixel centre of row r at r + 0.5) of the centroid of
    every cell of ``span`` clipped to the overlap ``rect``: rows, then cols."""
    def centres(first, n, start, end):
        lo = np.maximum((first + np.arange(n)) * cells.size, start)
        hi = np.minimum((first + np.arange(n) + 1) * cells.size, end)
        return (lo + hi) / 2.0

    return (centres(span[0], span[2], rect.row, rect.row_end),
            centres(span[1], span[3], rect.col, rect.col_end))
