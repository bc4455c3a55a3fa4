"""Global then local matching in one run: one statistics pass, one write per image."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from .block_grid import DEFAULT_BLOCKS_PER_IMAGE, make_block_grid
from .feedback import Feedback
from .global_match import GlobalModel, fit_global
from .inputs import load_inputs
from .local_match import DEFAULT_METHOD, DEFAULT_MIN_VALID_FRACTION, LocalModel, fit_local
from .stats_pass import ScanResult, scan_statistics
from .writer import write_outputs


@dataclass
class MatchResult:
    outputs: List[str]
    global_outputs: List[str]
    global_model: GlobalModel
    local_model: LocalModel
    scan: ScanResult


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
) -> MatchResult:
    """Global and local matching; ``keep_global`` also writes ``<stem>_global.tif``."""
    feedback = feedback or Feedback()
    infos, grid, ref = load_inputs(inputs, reference)
    feedback.info(f"{len(infos)} inputs on a {grid.cols} x {grid.rows} pixel mosaic grid.")
    blocks = make_block_grid(grid, blocks_per_image, block_size)
    # One read of every input gives both the overlap and the block statistics.
    scan = scan_statistics(infos, grid, blocks, feedback.stage(0.0, 0.35), window)
    feedback.info(f"{len(scan.overlaps)} overlapping pairs.")
    global_model = fit_global(infos, scan, mean_weight, std_weight, ref, feedback)
    local_model = fit_local(
        infos, grid, blocks, scan, global_model, method, ref, min_valid_fraction, feedback
    )
    write_stage = feedback.stage(0.35, 1.0)
    global_outputs: List[str] = []
    if keep_global:
        global_outputs = write_outputs(
            infos, output_folder, "_global", global_model.correction, float32,
            write_stage.stage(0.0, 0.5), window,
        )
        write_stage = write_stage.stage(0.5, 1.0)
    outputs = write_outputs(
        infos, output_folder, suffix,
        lambda k: local_model.correction(k, global_model.correction(k)), float32, write_stage,
        window,
    )
    return MatchResult(outputs, global_outputs, global_model, local_model, scan)
