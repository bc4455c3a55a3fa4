"""The local fit: per image and band a surface of node values (local_surface.py), fitted
jointly to the cells of the overlaps after the global correction."""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from ..feedback import Feedback
from ..grid.blocks import BlockGrid, footprint
from ..grid.common_grid import CommonGrid
from ..io.rasters import RasterInfo
from ..options import LocalFit
from ..stats.scan import ScanResult
from . import local_surface
from .global_model import GlobalModel
from .local_forms import GAMMA, LINEAR, METHODS, OFFSET, gamma_scale
from .local_model import LocalModel


def _corrected_range(scan: ScanResult, model: GlobalModel) -> Tuple[np.ndarray, np.ndarray]:
    """Per band, the smallest and largest value of the set after the global correction."""
    a, b = model.gains, model.offsets
    lo = np.where(a >= 0, a * scan.minimum + b, a * scan.maximum + b)
    hi = np.where(a >= 0, a * scan.maximum + b, a * scan.minimum + b)
    has_data = scan.valid_count > 0
    return (np.where(has_data, lo, np.inf).min(axis=0),
            np.where(has_data, hi, -np.inf).max(axis=0))


def fit_local(
    infos: List[RasterInfo],
    grid: CommonGrid,
    blocks: BlockGrid,
    scan: ScanResult,
    base: GlobalModel,
    fit: LocalFit,
    reference: Optional[int] = None,
    feedback: Optional[Feedback] = None,
) -> LocalModel:
    """The surfaces of every image after ``base``, fitted jointly to the overlaps' cells."""
    feedback = feedback or Feedback()
    method = fit.method
    if method not in METHODS:
        raise ValueError(f"unknown local method {method!r}; use one of {METHODS}")
    lo, hi = _corrected_range(scan, base)
    if method in (GAMMA, LINEAR) and np.any(lo <= 0):
        bands = ", ".join(str(b + 1) for b in np.flatnonzero(lo <= 0))
        feedback.warning(
            f"Local method '{method}' needs strictly positive values, but band(s) {bands} hold "
            "zero or negative values: the offset form (in + field) is used instead."
        )
        method = OFFSET
    spans = [footprint(blocks, p) for p in grid.placements]
    scale = gamma_scale(hi)
    min_count = fit.min_valid_fraction * blocks.size * blocks.size
    nodes = local_surface.fit_surfaces(
        blocks, spans, scan.pair_blocks or [], scan.cells, scan.block_count, base.gains,
        base.offsets, method, scale, reference, min_count)
    cells = scan.cells.size if scan.cells is not None else 0
    feedback.info(
        f"Local matching: blocks of {blocks.size} x {blocks.size} pixels "
        f"({blocks.size * grid.pixel_width:g} map units), a {blocks.cols} x {blocks.rows} block "
        f"grid, one surface node per block, method '{method}'; fitted to the overlaps in cells "
        f"of {cells} x {cells} pixels (membrane {local_surface.SMOOTHNESS:g}, bending "
        f"{local_surface.BENDING:g})."
    )
    return LocalModel(blocks, spans, nodes, method, scale, grid)
