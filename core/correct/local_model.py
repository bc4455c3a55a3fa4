"""The local model: per image and band a surface of node values on the block lattice (one
node at the centre of every block), interpolated bilinearly to every pixel and applied by a
local form (local_forms.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..grid.blocks import BlockGrid
from ..grid.common_grid import CommonGrid, grid_coords
from ..grid.interpolation import surface_at, surface_window
from ..io.rasters import RasterInfo
from ..io.writer import Correction
from .local_forms import apply_local


@dataclass
class LocalModel:
    blocks: BlockGrid  # the node lattice: one node at the centre of every block
    spans: List[Tuple[int, int, int, int]]
    nodes: List[np.ndarray]  # per image: (bands, node rows, node cols) surface values
    method: str
    scale: np.ndarray  # per band, for gamma
    grid: CommonGrid
    # per image: (bands,) shifts added before the linear form, ``(in + d) * exp(x)``
    shifts: Optional[List[np.ndarray]] = None

    def correction(self, k: int, base: Correction, info: Optional[RasterInfo] = None
                   ) -> Correction:
        """The image's correction: ``base`` (e.g. global) followed by the local one.

        ``info`` is the input as written; where it does not sit on the common grid (another
        CRS or pixel size), its pixels are located on the node lattice one by one.
        """
        nodes = self.nodes[k]
        by, bx, _, _ = self.spans[k]
        place = self.grid.placements[k]
        size, method, scale = self.blocks.size, self.method, self.scale[:, None, None]
        native = not self.grid.native or self.grid.native[k]

        def field(row, col, rows, cols):
            if native:
                return surface_window(nodes, (by, bx), size, place.row + row,
                                      place.col + col, rows, cols)
            mrow, mcol = grid_coords(info, self.grid, row, col, rows, cols)
            return surface_at(nodes, (by, bx), size, mrow, mcol)

        shift = None
        if self.shifts is not None and np.any(self.shifts[k]):
            shift = np.asarray(self.shifts[k], dtype=np.float64)[:, None, None]

        def apply(values, valid, row, col):
            corrected = base(values, valid, row, col)
            own = not np.may_share_memory(corrected, values)  # base made a new array
            if shift is not None:
                # In the values' own float type: no wider copy of the window.
                floating = corrected.dtype.kind == "f"
                d = shift.astype(corrected.dtype) if floating else shift
                if own and floating:
                    corrected += d
                else:
                    corrected, own = corrected + d, True
            return apply_local(corrected, field(row, col, values.shape[1], values.shape[2]),
                               method, scale, in_place=own)

        return apply
