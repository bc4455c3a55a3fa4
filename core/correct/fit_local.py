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
from . import local_surface, local_texture
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


def _texture_base(scan: ScanResult, pairs, base: GlobalModel, reference: Optional[int],
                  feedback: Feedback) -> Tuple[np.ndarray, np.ndarray]:
    """The gains and offsets the linear surfaces start from: the texture's, per band where
    every image is related through texture and the set's values stay positive; the global
    step's elsewhere."""
    counts = np.array([c.sum(axis=(1, 2)) for c in scan.block_count], dtype=np.float64)
    sums = np.array([s.sum(axis=(1, 2)) for s in scan.block_sum], dtype=np.float64)
    means = np.where(counts > 0, sums / np.maximum(counts, 1.0), 0.0)
    gains, offsets, used = local_texture.texture_gains(
        scan.overlaps, pairs, base.gains, base.offsets, means, reference)
    lo, _ = _corrected_range(scan, GlobalModel(gains, offsets, []))
    used &= lo > 0
    if not used.any():
        return base.gains, base.offsets
    feedback.info(
        "Local matching: the surfaces start from the gains of the overlaps' texture (bands "
        f"{', '.join(str(b + 1) for b in np.flatnonzero(used))}): " + "; ".join(
            " ".join(f"{v:.4g}" for v in row) for row in np.where(used, gains, base.gains)))
    return np.where(used, gains, base.gains), np.where(used, offsets, base.offsets)


def fit_local(
    infos: List[RasterInfo],
    grid: CommonGrid,
    blocks: BlockGrid,
    scan: ScanResult,
    base: GlobalModel,
    fit: LocalFit,
    reference: Optional[int] = None,
    feedback: Optional[Feedback] = None,
    refine_gains: bool = False,
    threads: int = 1,
) -> LocalModel:
    """The surfaces of every image after ``base``, fitted jointly to the overlaps' cells.

    ``refine_gains`` (after a fitted global step, linear form): the surfaces start from the
    gains of the cells' texture (local_texture.py), carried as a factor and a shift.
    ``threads``: how many the solve of the surfaces may use."""
    feedback = feedback or Feedback()
    method = fit.method
    if method not in METHODS:
        raise ValueError(f"unknown local method {method!r}; use one of {METHODS}")
    # Only the overlaps the statistics kept (check_statistics drops those of too few
    # pixels, and says so): an image none of whose overlaps is kept stays as it is, here
    # as in the global step, and takes no part in the central tendency.
    kept = {(o.i, o.j) for o in scan.overlaps}
    pairs = [pb for pb in scan.pair_blocks or [] if (pb.i, pb.j) in kept]
    linked = {k for pair in kept for k in pair}
    gains, offsets = base.gains, base.offsets
    # Texture compares like with like only where every image sits on the common grid: one
    # resampled to it (another CRS or pixel size) has its texture smoothed, and would read
    # as a lower gain (tests/test_mixed_grids.py: 1.6% error to the truth instead of 0.2%).
    same_grid = not grid.native or all(grid.native)
    if refine_gains and method == LINEAR and pairs and same_grid:
        gains, offsets = _texture_base(scan, pairs, base, reference, feedback)
    lo, hi = _corrected_range(scan, GlobalModel(gains, offsets, []))
    if method in (GAMMA, LINEAR) and np.any(lo <= 0):
        bands = ", ".join(str(b + 1) for b in np.flatnonzero(lo <= 0))
        feedback.warning(
            f"Local method '{method}' needs strictly positive values, but band(s) {bands} hold "
            "zero or negative values: the offset form (in + field) is used instead."
        )
        method = OFFSET
        gains, offsets = base.gains, base.offsets
        lo, hi = _corrected_range(scan, base)
    spans = [local_surface.node_span(blocks, p) for p in grid.placements]
    node_counts = [local_surface.on_span(c, footprint(blocks, p), s) if k in linked
                   else np.zeros((c.shape[0],) + tuple(s[2:]))
                   for k, (c, p, s) in enumerate(zip(scan.block_count, grid.placements, spans))]
    scale = gamma_scale(hi)
    min_count = fit.min_valid_fraction * blocks.size * blocks.size
    nodes = local_surface.fit_surfaces(
        blocks, spans, pairs, scan.cells, node_counts, gains,
        offsets, method, scale, reference, min_count, grid.placements, threads,
        scan.left_out)
    for k in range(len(nodes)):
        if k not in linked:
            nodes[k][:] = 0.0
    shifts = None
    changed = (gains != base.gains) | (offsets != base.offsets)
    if changed.any():
        # a' y + b' = c (a y + b + d): the factor c joins the surface (a constant added to
        # every node interpolates to itself), d is the shift.
        factor = np.where(changed, gains / np.where(changed, base.gains, 1.0), 1.0)
        shifts = np.where(changed, offsets / factor - base.offsets, 0.0)
        for k in range(len(nodes)):
            nodes[k] = nodes[k] + np.log(factor[k])[:, None, None]
    cells = scan.cells.size if scan.cells is not None else 0
    feedback.info(
        f"Local matching: blocks of {blocks.size} x {blocks.size} pixels "
        f"({blocks.size * grid.pixel_width:g} map units), a {blocks.cols} x {blocks.rows} block "
        f"grid, one surface node per block, method '{method}'; fitted to the overlaps in cells "
        f"of {cells} x {cells} pixels (membrane {local_surface.SMOOTHNESS:g}, bending "
        f"{local_surface.BENDING:g})."
    )
    return LocalModel(blocks, spans, nodes, method, scale, grid,
                      None if shifts is None else list(shifts))
