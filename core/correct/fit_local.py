"""The local fit: block means of every image after the global correction, and per block the
consensus they are moved onto (solve/block_system.py)."""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from ..feedback import Feedback
from ..grid.block_maps import block_means, fill_empty_blocks, nearest_fill_indices
from ..grid.blocks import BlockGrid, footprint
from ..grid.common_grid import CommonGrid
from ..io.rasters import RasterInfo
from ..options import LocalFit
from ..solve.block_system import consensus_corrections
from ..stats.scan import ScanResult
from .global_model import GlobalModel
from .local_forms import GAMMA, LINEAR, METHODS, OFFSET, gamma_scale
from .local_model import LocalModel


def _fill_unconstrained(shifts, spans, blocks: BlockGrid, scan: ScanResult) -> None:
    """Give every block its local factor (in place).

    A block that another image also covers but where no pair had enough agreeing pixels
    (clouds, a sliver, no-data) takes the value of the image's nearest constrained block, as
    empty blocks do; a block that only this image covers keeps it as it is (0).
    """
    covered = [np.zeros(s[2:], dtype=bool) for s in spans]
    for pb in scan.pair_blocks or []:
        fy, fx, h, w = footprint(blocks, pb.rect)
        for k in (pb.i, pb.j):
            by, bx = fy - spans[k][0], fx - spans[k][1]
            covered[k][max(by, 0):by + h, max(bx, 0):bx + w] = True
    for x, cover in zip(shifts, covered):
        for b in range(x.shape[0]):
            solved = ~np.isnan(x[b])
            missing = cover & ~solved
            if missing.any():
                found = nearest_fill_indices(solved)
                if found is not None:
                    rows, cols = found
                    x[b][missing] = x[b][rows, cols][missing]
            x[b][np.isnan(x[b])] = 0.0


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
    """Block maps of every image after ``base``, and the reference map they are moved onto."""
    feedback = feedback or Feedback()
    method = fit.method
    if method not in METHODS:
        raise ValueError(f"unknown local method {method!r}; use one of {METHODS}")
    lo, hi = _corrected_range(scan, base)
    if method in (GAMMA, LINEAR) and np.any(lo <= 0):
        bands = ", ".join(str(b + 1) for b in np.flatnonzero(lo <= 0))
        feedback.warning(
            f"Local method '{method}' needs strictly positive values, but band(s) {bands} hold "
            "zero or negative values: the offset form (in + reference - local) is used instead."
        )
        method = OFFSET
    spans = [footprint(blocks, p) for p in grid.placements]
    min_count = fit.min_valid_fraction * blocks.size * blocks.size
    means = []
    for k in range(len(infos)):
        raw = block_means(scan.block_sum[k], scan.block_count[k], min_count)
        means.append(base.gains[k][:, None, None] * raw + base.offsets[k][:, None, None])
    multiplicative = method != OFFSET
    shifts = consensus_corrections(
        blocks.shape, spans, means, scan.block_count, scan.pair_blocks,
        base.gains, base.offsets, multiplicative, min_count, reference,
    )
    _fill_unconstrained(shifts, spans, blocks, scan)
    maps = []
    for m, x in zip(means, shifts):
        ref = m * np.exp(x) if multiplicative else m + x
        maps.append(fill_empty_blocks(m, ref))
    empty = sum(int(np.isnan(m).sum()) for m in means)
    total = sum(m.size for m in means)
    feedback.info(
        f"Local matching: blocks of {blocks.size} x {blocks.size} pixels "
        f"({blocks.size * grid.pixel_width:g} map units), a {blocks.cols} x {blocks.rows} block "
        f"grid, method '{method}'; {empty} of {total} image blocks were empty or below the "
        "valid-pixel threshold and take their nearest neighbour's value."
    )
    return LocalModel(blocks, spans, maps, method, gamma_scale(hi), grid)
