"""Local matching (Yu et al. 2017): block means, a reference block map, per-pixel correction.

The block statistics come from the same streaming pass as the overlap statistics (raw sums
per block); block means of a globally corrected image follow from them exactly, as
``gain * mean + offset``, so the global result is never written and read back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from scipy import ndimage

from .block_grid import DEFAULT_BLOCKS_PER_IMAGE, BlockGrid, footprint, make_block_grid
from . import defaults
from .block_consensus import consensus_corrections
from .block_map import block_means, fill_empty_blocks, nearest_fill_indices
from .feedback import Feedback
from .global_match import GlobalModel, identity_model
from .inputs import prepared_inputs
from .interpolation import interpolate_window
from .local_correction import GAMMA, LINEAR, METHODS, OFFSET, apply_local, gamma_scale
from .mosaic_grid import MosaicGrid, mosaic_coords
from .parallel import bounded_block_cache
from .extras import write_extras
from .gather import gather_statistics
from .rasters import RasterInfo
from .stats_pass import ScanResult
from .writer import Correction, write_outputs

DEFAULT_METHOD = defaults.LOCAL_METHOD
DEFAULT_MIN_VALID_FRACTION = defaults.MIN_VALID_FRACTION


@dataclass
class LocalModel:
    blocks: BlockGrid
    spans: List[Tuple[int, int, int, int]]
    maps: List[Tuple[np.ndarray, np.ndarray]]  # per image: filled (local, reference) maps
    method: str
    scale: np.ndarray  # per band, for gamma
    grid: MosaicGrid

    def correction(self, k: int, base: Correction, info: Optional[RasterInfo] = None
                   ) -> Correction:
        """The image's correction: ``base`` (e.g. global) followed by the local one.

        ``info`` is the input as written; where it does not sit on the mosaic grid (another
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
            mrow, mcol = mosaic_coords(info, self.grid, row, col, rows, cols)
            coords = np.stack([(mrow + 0.5) / size - 0.5 - by, (mcol + 0.5) / size - 0.5 - bx])
            return tuple(np.stack([ndimage.map_coordinates(m, coords, order=1, mode="nearest")
                                   for m in maps]) for maps in (local, ref))

        def apply(values, valid, row, col):
            corrected = base(values, valid, row, col)
            local_field, ref_field = fields(row, col, values.shape[1], values.shape[2])
            return apply_local(corrected, local_field, ref_field, method, scale)

        return apply


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
    grid: MosaicGrid,
    blocks: BlockGrid,
    scan: ScanResult,
    base: GlobalModel,
    method: str = DEFAULT_METHOD,
    reference: Optional[int] = None,
    min_valid_fraction: float = DEFAULT_MIN_VALID_FRACTION,
    feedback: Optional[Feedback] = None,
) -> LocalModel:
    """Block maps of every image after ``base``, and the reference map they are moved onto."""
    feedback = feedback or Feedback()
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
    min_count = min_valid_fraction * blocks.size * blocks.size
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


def run_local(
    inputs: List[str],
    output_folder: str,
    blocks_per_image: float = DEFAULT_BLOCKS_PER_IMAGE,
    block_size: Optional[float] = None,
    method: str = DEFAULT_METHOD,
    reference: Optional[str] = None,
    min_valid_fraction: float = DEFAULT_MIN_VALID_FRACTION,
    float32: bool = False,
    feedback: Optional[Feedback] = None,
    suffix: str = "_local",
    window: Optional[int] = None,
    threads: Optional[int] = None,
    robust: bool = True,
    exclude: Optional[str] = None,
    report: Optional[str] = None,
    model_out: Optional[str] = None,
):
    """Local matching alone, writing ``<stem><suffix>.tif`` into ``output_folder``."""
    feedback = feedback or Feedback()
    with bounded_block_cache(), prepared_inputs(inputs, reference) as (infos, grid, ref):
        blocks = make_block_grid(grid, blocks_per_image, block_size)
        scan = gather_statistics(list(grid.views), grid, blocks, feedback.stage(0.0, 0.45),
                                 window, threads, robust, exclude)
        base = identity_model(len(infos), infos[0].band_count)
        model = fit_local(infos, grid, blocks, scan, base, method, ref, min_valid_fraction,
                          feedback)
        (outputs,) = write_outputs(
            infos, output_folder,
            [(suffix, lambda k: model.correction(k, base.correction(k), infos[k]))],
            float32, feedback.stage(0.45, 1.0), window, threads,
        )
        write_extras("Local match", infos, outputs, suffix, float32, base, model, report,
                     model_out, feedback, fitted_gains=False)
    return outputs, model
