"""Global matching: fit one gain and offset per image and band, and apply them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from .feedback import Feedback
from .inputs import prepared_inputs
from .least_squares import BandSolution, solve_gains_offsets
from .block_grid import make_block_grid
from .parallel import bounded_block_cache
from .extras import write_extras
from .gather import gather_statistics
from .rasters import RasterInfo
from .stats_pass import ScanResult
from .writer import write_outputs


@dataclass
class GlobalModel:
    gains: np.ndarray  # (images, bands)
    offsets: np.ndarray  # (images, bands)
    solutions: List[BandSolution]

    def correction(self, k: int):
        a = self.gains[k][:, None, None]
        b = self.offsets[k][:, None, None]

        def apply(values, valid, row, col):
            return values * a + b

        return apply


def identity_model(n_images: int, n_bands: int) -> GlobalModel:
    """Gain 1 and offset 0 everywhere: the base of local matching on its own."""
    return GlobalModel(np.ones((n_images, n_bands)), np.zeros((n_images, n_bands)), [])


@dataclass
class RunResult:
    outputs: List[str]
    model: GlobalModel
    scan: ScanResult


def fit_global(
    infos: List[RasterInfo],
    scan: ScanResult,
    mean_weight: float = 1.0,
    std_weight: float = 1.0,
    reference: Optional[int] = None,
    feedback: Optional[Feedback] = None,
    report: bool = True,
) -> GlobalModel:
    """Solve the least-squares system from the overlap statistics; report what it found."""
    feedback = feedback or Feedback()
    n_bands = infos[0].band_count
    gains, offsets, solutions = solve_gains_offsets(
        len(infos), scan.overlaps, n_bands, mean_weight, std_weight, reference
    )
    if not report:
        return GlobalModel(gains, offsets, solutions)
    _report_structure(infos, solutions, reference, feedback)
    for k, info in enumerate(infos):
        pairs = ", ".join(
            f"b{b + 1}: {gains[k, b]:.6g} x {offsets[k, b]:+.6g}" for b in range(n_bands)
        )
        feedback.info(f"{info.name}: gain x offset per band: {pairs}")
    return GlobalModel(gains, offsets, solutions)


def _report_structure(infos, solutions, reference, feedback) -> None:
    first = solutions[0]
    isolated = sorted(set().union(*(s.isolated for s in solutions)))
    for k in isolated:
        feedback.warning(
            f"{infos[k].path}: overlaps no other input (in at least one band); it is written "
            "with gain 1 and offset 0 there. Fix: check that it belongs to this set."
        )
    if len(first.groups) > 1:
        names = "; ".join(
            "[" + ", ".join(infos[k].name for k in group) + "]" for group in first.groups
        )
        feedback.warning(
            f"The inputs form {len(first.groups)} groups that do not overlap each other: "
            f"{names}. Each group is matched on its own, at its own central tendency."
        )
    for b, solution in enumerate(solutions):
        for k in sorted(set(solution.constant)):
            feedback.warning(
                f"{infos[k].name}: band {b + 1} is constant where it overlaps others (std 0), "
                "so its gain cannot be fitted; it keeps gain near 1 and only its offset is "
                "matched."
            )
    if reference is not None:
        feedback.info(f"Reference image: {infos[reference].name} keeps gain 1 and offset 0.")


def run_global(
    inputs: List[str],
    output_folder: str,
    reference: Optional[str] = None,
    mean_weight: float = 1.0,
    std_weight: float = 1.0,
    float32: bool = False,
    feedback: Optional[Feedback] = None,
    suffix: str = "_global",
    window: Optional[int] = None,
    threads: Optional[int] = None,
    robust: bool = True,
    exclude: Optional[str] = None,
    report: Optional[str] = None,
    model_out: Optional[str] = None,
) -> RunResult:
    """Global matching of ``inputs``, writing ``<stem><suffix>.tif`` into ``output_folder``.

    ``window`` is the side of the square windows that stream the rasters (default: about
    512 pixels, a whole number of the inputs' tiles), ``threads`` how many windows are
    processed at once (default: all cores). ``robust`` leaves pixels that disagree (clouds,
    change) out of the statistics, at the cost of one more read of the overlaps; the
    polygons of ``exclude`` (a vector file, any CRS) count in no statistic. ``report`` (an
    HTML path) and ``model_out`` (a JSON path) ask for a quality report and the saved model.
    """
    feedback = feedback or Feedback()
    with bounded_block_cache(), prepared_inputs(inputs, reference) as (infos, grid, ref):
        feedback.info(f"{len(infos)} inputs on a {grid.cols} x {grid.rows} pixel mosaic grid.")
        # Robust statistics compare the images cell by cell on a block grid; no block sums
        # are needed for a global fit.
        cells = make_block_grid(grid) if robust else None
        scan = gather_statistics(list(grid.views), grid, None, feedback.stage(0.0, 0.45),
                                 window, threads, robust, exclude, cells)
        model = fit_global(infos, scan, mean_weight, std_weight, ref, feedback)
        (outputs,) = write_outputs(
            infos, output_folder, [(suffix, model.correction)], float32,
            feedback.stage(0.45, 1.0), window, threads,
        )
        write_extras("Global match", infos, outputs, suffix, float32, model, None, report,
                     model_out, feedback)
    return RunResult(outputs, model, scan)
