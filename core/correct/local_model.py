"""The local model: per image, block maps of its local means and of the reference it moves
onto, interpolated bilinearly to every pixel and applied by a local form (local_forms.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from scipy import ndimage

from ..grid.blocks import BlockGrid
from ..grid.common_grid import CommonGrid, grid_coords
from ..grid.interpolation import interpolate_window
from ..io.rasters import RasterInfo
from ..io.writer import Correction
from .local_forms import apply_local


@dataclass
class LocalModel:
    blocks: BlockGrid
    spans: List[Tuple[int, int, int, int]]
    maps: List[Tuple[np.ndarray, np.ndarray]]  # per image: filled (local, reference) maps
    method: str
    scale: np.ndarray  # per band, for gamma
    grid: CommonGrid

    def correction(self, k: int, base: Correction, info: Optional[RasterInfo] = None
                   ) -> Correction:
        """The image's correction: ``base`` (e.g. global) followed by the local one.

        ``info`` is the input as written; where it does not sit on the common grid (another
        CRS or pixel size), its pixels are located on the block maps one by one.
        """
        local, ref = self.maps[k]
        by, bx, _, _ = self.spans[k]
        place = self.grid.placements[k]
        size, method, scale = self.blocks.size, self.method, self.scale[:, None, None]
        native = not self.grid.native or self.grid.native[k]

        def fields(row, col, rows, cols):
            if native:
                at = (place.row + row, place.col + col, rows, cols)
                return (interpolate_window(local, (by, bx), size, *at),
                        interpolate_window(ref, (by, bx), size, *at))
            mrow, mcol = grid_coords(info, self.grid, row, col, rows, cols)
            coords = np.stack([(mrow + 0.5) / size - 0.5 - by, (mcol + 0.5) / size - 0.5 - bx])
            return tuple(np.stack([ndimage.map_coordinates(m, coords, order=1, mode="nearest")
                                   for m in maps]) for maps in (local, ref))

        def apply(values, valid, row, col):
            corrected = base(values, valid, row, col)
            local_field, ref_field = fields(row, col, values.shape[1], values.shape[2])
            return apply_local(corrected, local_field, ref_field, method, scale)

        return apply
