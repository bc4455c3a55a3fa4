"""Global then local matching in one run: one statistics pass, one read to write each image."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from .block_grid import DEFAULT_BLOCKS_PER_IMAGE, make_block_grid
from .errors import Cancelled
from .feedback import Feedback
from .global_match import GlobalModel, fit_global
from .inputs import prepared_inputs
from .local_match import DEFAULT_METHOD, DEFAULT_MIN_VALID_FRACTION, LocalModel, fit_local
from .parallel import bounded_block_cache, release_freed_memory
from .extras import write_extras
from .gather import gather_statistics
from .stats_pass import ScanResult
from .mosaic import MosaicOptions, MosaicResult, check_mosaic_output, mosaic_written
from .seam_cells import CellSums, seam_cells
from .writer import write_outputs


@dataclass
class MatchResult:
    outputs: List[str]
    global_outputs: List[str]
    global_model: GlobalModel
    local_model: LocalModel
    scan: ScanResult
    mosaic: Optional[MosaicResult] = None


def run_match(
    inputs: List[str],
    output_folder: str,
    reference: Optional[str] = None,
    mean_weight: float = 1.0,
    std_weight: float = 1.0,
    blocks_per_image: float = DEFAULT_BLOCKS_PER_IMAGE,
    block_size: Optional[float] = None,
    method: str = DEFAULT_METHOD,
    min_valid_fraction: float = DEFAULT_MIN_VALID_FRACTION,
    float32: bool = False,
    keep_global: bool = False,
    feedback: Optional[Feedback] = None,
    suffix: str = "_matched",
    window: Optional[int] = None,
    threads: Optional[int] = None,
    robust: bool = True,
    exclude: Optional[str] = None,
    report: Optional[str] = None,
    model_out: Optional[str] = None,
    mosaic: Optional[MosaicOptions] = None,
) -> MatchResult:
    """Global and local matching; ``keep_global`` also writes ``<stem>_global.tif``.

    Every input is read twice in all: once for the overlap and block statistics (block
    means of the globally corrected images follow from the raw block sums and the gains),
    once to write its outputs; ``robust`` adds one read of the overlaps (robust.py).
    ``mosaic`` also mosaics the matched images: their means on the seam cells are taken
    while they are written, so the mosaic reads each of them once more, to blend it.
    """
    feedback = feedback or Feedback()
    if mosaic is not None:
        check_mosaic_output(mosaic.output, mosaic.feather, inputs, output_folder, suffix)
    with bounded_block_cache(), prepared_inputs(inputs, reference) as (infos, grid, ref):
        feedback.info(f"{len(infos)} inputs on a {grid.cols} x {grid.rows} pixel mosaic grid.")
        blocks = make_block_grid(grid, blocks_per_image, block_size)
        scan = gather_statistics(list(grid.views), grid, blocks, feedback.stage(0.0, 0.45),
                                 window, threads, robust, exclude)
        global_model = fit_global(infos, scan, mean_weight, std_weight, ref, feedback)
        local_model = fit_local(
            infos, grid, blocks, scan, global_model, method, ref, min_valid_fraction, feedback
        )
        corrections = [
            (suffix, lambda k: local_model.correction(k, global_model.correction(k), infos[k]))
        ]
        if keep_global:
            corrections.append(("_global", global_model.correction))
        observers = None
        if mosaic is not None and all(grid.native):
            cells = seam_cells(grid)
            observers = [CellSums(cells, place, info.band_count)
                         for info, place in zip(infos, grid.placements)]
        end = 1.0 if mosaic is None else 0.8
        written = write_outputs(
            infos, output_folder, corrections, float32, feedback.stage(0.45, end), window,
            threads, observers,
        )
        write_extras("Global and local match", infos, written[0], suffix, float32,
                     global_model, local_model, report, model_out, feedback)
    mosaicked = None
    if mosaic is not None:
        seen = [o.result() for o in observers] if observers else None
        release_freed_memory()
        try:
            mosaicked = mosaic_written(written[0], seen, mosaic, feedback.stage(end, 1.0),
                                       window or 512, threads)
        except Cancelled:
            raise Cancelled(f"while mosaicking; the {len(written[0])} matched rasters are "
                            f"complete and kept in {output_folder}, no mosaic was written",
                            kept=written[0]) from None
    return MatchResult(written[0], written[1] if keep_global else [], global_model,
                       local_model, scan, mosaicked)
