"""The matching runs: global, local, and global then local, all one way through.

Every run reads each input once for all statistics (overlap moments, and block sums where a
local step needs them; block means of a globally corrected image follow from the raw sums
and its gains, so a global result is never written and read back), adds one read of the
overlaps with robust statistics, fits its models, and reads each input once more to write
all of its outputs. A run of match can also mosaic what it wrote: the images' means on the
seam cells are taken while they are written, so the mosaic reads each of them once more, to
blend it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..correct.band_groups import combined_correction
from ..correct.fit_global import check_global_fit, fit_global
from ..correct.fit_local import fit_local
from ..correct.global_model import GlobalModel, identity_model
from ..correct.local_model import LocalModel
from ..correct.local_surface import local_block_grid
from ..correct.saved_model import save_model
from ..errors import Cancelled, InputError, Interrupted
from ..feedback import Feedback
from ..grid.band_plan import BandPlan, group_inputs
from ..grid.blocks import BlockGrid, make_block_grid
from ..grid.common_grid import CommonGrid
from ..grid.inputs import input_paths, note_scaling, prepared_planned_inputs
from ..io.executor import open_executor
from ..io.parallel import (mapped_large_arrays, note_thread_cap, release_freed_memory,
                           run_settings, thread_count)
from ..io.rasters import RasterInfo
from ..io.geotiff import check_raster_format
from ..io.writer import Correction, check_output_format, write_outputs
from ..io.atomic import OutputSet
from ..io.output_plan import OutputPlan, unique_stems
from ..mosaic.build import check_mosaic_format
from ..mosaic.cells import CellSums, seam_cells
from ..options import (BandMap, GlobalFit, LocalFit, MosaicOptions, Outputs, Statistics,
                       Streaming)
from ..quality.report import build_report, write_report
from ..stats.gather import gather_statistics
from ..stats.scan import ScanResult
from .mosaic import mosaic_written
from .plan import extra_plan, mosaic_plan, raster_plan, staged
from .result import RunResult


@dataclass
class Fitted:
    """What a fit gives the writer: (suffix, correction of image k) per kind of output, the
    run's own outputs first, and the models behind them."""

    corrections: List[Tuple[str, Callable[[int], Correction]]]
    global_model: GlobalModel
    local_model: Optional[LocalModel] = None
    fitted_gains: bool = True  # False: the global model is the identity, not a fit
    scan: Optional[ScanResult] = None  # the statistics it was fitted on


# (inputs, grid, blocks or None, statistics, reference index, feedback) -> Fitted
Fit = Callable[[List[RasterInfo], CommonGrid, Optional[BlockGrid], ScanResult, Optional[int],
                Feedback], Fitted]


def run_global(
    inputs: List[str],
    outputs: Outputs,
    fit: GlobalFit = GlobalFit(),
    reference: Optional[str] = None,
    statistics: Statistics = Statistics(),
    streaming: Streaming = Streaming(),
    feedback: Optional[Feedback] = None,
    band_map: Optional[BandMap] = None,
    mosaic: Optional[MosaicOptions] = None,
) -> RunResult:
    """Global matching: one gain and offset per image and band, ``<stem>_global.tif``;
    ``mosaic`` the seamless mosaic of the matched rasters, committed with them.

    ``band_map`` says which bands correspond where the inputs' bands differ (see
    grid/band_plan.py; without it, band metadata or band positions)."""
    outputs = outputs.with_suffix("_global")
    check_global_fit(fit)

    def fitted(infos, grid, blocks, scan, ref, feedback) -> Fitted:
        model = fit_global(infos, scan, fit, ref, feedback)
        return Fitted([(outputs.suffix, model.correction)], model)

    return _matching_run("Global match", inputs, outputs, None, fitted, reference,
                         statistics, streaming, feedback, mosaic, band_map)


def run_local(
    inputs: List[str],
    outputs: Outputs,
    fit: LocalFit = LocalFit(),
    reference: Optional[str] = None,
    statistics: Statistics = Statistics(),
    streaming: Streaming = Streaming(),
    feedback: Optional[Feedback] = None,
    band_map: Optional[BandMap] = None,
) -> RunResult:
    """Local matching alone (on rasters that already agree globally), ``<stem>_local.tif``;
    ``band_map`` as for :func:`run_global`."""
    outputs = outputs.with_suffix("_local")

    def fitted(infos, grid, blocks, scan, ref, feedback) -> Fitted:
        base = identity_model(len(infos), infos[0].band_count)
        model = fit_local(infos, grid, blocks, scan, base, fit, ref, feedback,
                          threads=thread_count(streaming.threads))
        return Fitted(
            [(outputs.suffix, lambda k: model.correction(k, base.correction(k), infos[k]))],
            base, model, fitted_gains=False)

    return _matching_run("Local match", inputs, outputs, fit, fitted, reference, statistics,
                         streaming, feedback, band_map=band_map)


def run_match(
    inputs: List[str],
    outputs: Outputs,
    global_fit: GlobalFit = GlobalFit(),
    local_fit: LocalFit = LocalFit(),
    reference: Optional[str] = None,
    statistics: Statistics = Statistics(),
    streaming: Streaming = Streaming(),
    keep_global: bool = False,
    mosaic: Optional[MosaicOptions] = None,
    feedback: Optional[Feedback] = None,
    band_map: Optional[BandMap] = None,
) -> RunResult:
    """Global then local matching, ``<stem>_matched.tif``; ``keep_global`` also writes
    ``<stem>_global.tif``, ``mosaic`` the seamless mosaic of the matched rasters;
    ``band_map`` as for :func:`run_global`."""
    outputs = outputs.with_suffix("_matched")
    check_global_fit(global_fit)

    def fitted(infos, grid, blocks, scan, ref, feedback) -> Fitted:
        base = fit_global(infos, scan, global_fit, ref, feedback)
        model = fit_local(infos, grid, blocks, scan, base, local_fit, ref, feedback,
                          refine_gains=True, threads=thread_count(streaming.threads))
        corrections = [
            (outputs.suffix, lambda k: model.correction(k, base.correction(k), infos[k]))]
        if keep_global:
            corrections.append(("_global", base.correction))
        return Fitted(corrections, base, model)

    return _matching_run("Global and local match", inputs, outputs, local_fit, fitted,
                         reference, statistics, streaming, feedback, mosaic, band_map,
                         [outputs.suffix] + (["_global"] if keep_global else []))


def _matching_run(title: str, inputs: List[str], outputs: Outputs, local: Optional[LocalFit],
                  fit: Fit, reference: Optional[str], statistics: Statistics,
                  streaming: Streaming, feedback: Optional[Feedback],
                  mosaic: Optional[MosaicOptions] = None,
                  band_map: Optional[BandMap] = None,
                  suffixes: Sequence[str] = ()) -> RunResult:
    """The one way through: the output plan checked, statistics (with block sums where
    ``local`` asks for them), the fit, the outputs, the report and model, and the mosaic
    where asked for, all staged and committed together at the end. ``suffixes``: those of
    the rasters the fit writes (the run's own first).

    Each band group of the inputs' band plan (grid/band_plan.py) is gathered and fitted on
    its own, among the inputs that have its bands; a single-sensor set has one group."""
    feedback = feedback or Feedback()
    inputs = input_paths(inputs)
    raster = _checked_formats(outputs, mosaic)
    stems = unique_stems(inputs)
    suffixes = list(suffixes) or [outputs.suffix]
    output_plan = OutputPlan(inputs, raster_plan(outputs.folder, stems, suffixes)
                             + extra_plan(outputs) + mosaic_plan(mosaic))
    with staged(output_plan) as staging:
        with run_settings(), prepared_planned_inputs(inputs, reference, band_map,
                                                          streaming.threads) as (
                infos, grid, ref, plan), open_executor(streaming, feedback) as executor:
            plan = _checked_inputs(inputs, infos, grid, plan, raster, mosaic, streaming,
                                   executor, feedback)
            blocks, robust_cells = _block_grids(grid, local, feedback)
            fits = _fit_groups(plan, infos, grid, blocks, statistics, streaming, fit, ref,
                               feedback.stage(0.0, 0.45), executor, robust_cells,
                               outputs.data_type == "Float32")
            fitted = fits[0]
            # The plan was checked for exactly these rasters.
            assert [suffix for suffix, _ in fitted.corrections] == suffixes
            observers = None
            if mosaic is not None and all(grid.native):
                cells = seam_cells(grid)
                observers = [CellSums(cells, place, info.band_count)
                             for info, place in zip(infos, grid.placements)]
            end = 1.0 if mosaic is None else 0.8
            feedback.phase("writing")
            written = write_outputs(infos, outputs.folder, _corrections(plan, infos, fits),
                                    raster, streaming, feedback.stage(0.45, end), observers,
                                    staging, stems, executor)
            _write_report_and_model(title, infos, written[0], outputs, plan, fits, feedback,
                                    staging, stems, streaming.threads)
        result = RunResult(written[0], written[1] if len(written) > 1 else [],
                           fitted.global_model, fitted.local_model, fitted.scan,
                           band_plan=plan,
                           group_models=[(f.global_model, f.local_model) for f in fits])
        if mosaic is not None:
            seen = [o.result() for o in observers] if observers else None
            result.mosaic = _mosaic_of_written(written[0], seen, mosaic, streaming,
                                               feedback.stage(end, 1.0), staging,
                                               outputs.folder)
        staging.commit()
    return result


def _checked_formats(outputs: Outputs, mosaic: Optional[MosaicOptions]):
    """The rasters' format with the type asked for; refused before anything is opened where
    a format or creation option cannot be written."""
    raster = replace(outputs.raster, data_type=outputs.data_type)
    check_raster_format(raster)
    if mosaic is not None:
        check_mosaic_format(mosaic)
        check_raster_format(mosaic.raster)
    return raster


def _checked_inputs(inputs, infos, grid, plan: BandPlan, raster, mosaic, streaming,
                    executor, feedback: Feedback) -> BandPlan:
    """The output types against the inputs, the band plan against a mosaic, a cluster's
    access to the inputs; what the log says of the inputs. Returns the band plan of the
    inputs that overlap."""
    check_output_format(infos, raster)
    if mosaic is not None:
        check_output_format(infos[:1], mosaic.raster)
    plan = plan.overlapping(grid.placements)
    uniform = plan.is_uniform(infos)
    if mosaic is not None and not uniform:
        raise InputError(
            f"{mosaic.output}: a mosaic needs the same bands in every input, but these "
            "inputs' bands differ. Fix: leave Mosaic empty, and mosaic the outputs of "
            "each sensor (or the common bands, gdal_translate -b) with Seamless mosaic.")
    feedback.info(f"{len(infos)} inputs on a {grid.cols} x {grid.rows} pixel common grid.")
    if executor.distributed:
        executor.check_access(inputs)
    note_scaling(infos, feedback)
    note_thread_cap(streaming.threads, feedback)
    if not uniform:
        for line in plan.lines(infos):
            feedback.info(f"Bands: {line}")
    return plan


def _block_grids(grid: CommonGrid, local: Optional[LocalFit], feedback: Feedback):
    """(surface nodes, cells of the robust test) of a run with a local step; (None, None)
    without one. The robust test keeps the cells of the block size asked for; only the
    surface nodes come closer where overlaps are narrow."""
    if local is None:
        return None, None
    robust_cells = make_block_grid(grid, local.blocks_per_image, local.block_size)
    blocks = local_block_grid(grid, local.blocks_per_image, local.block_size, feedback)
    return blocks, robust_cells


def _corrections(plan: BandPlan, infos: List[RasterInfo], fits: List[Fitted]):
    """(suffix, correction_for) of each kind of output: the first band group's, or, where
    the inputs' bands differ, every group's on its own bands."""
    fitted = fits[0]
    if plan.is_uniform(infos):
        return fitted.corrections
    return [(suffix, _combined(plan, infos, [f.corrections[s][1] for f in fits]))
            for s, (suffix, _) in enumerate(fitted.corrections)]


def _mosaic_of_written(written: List[str], seen, mosaic: MosaicOptions, streaming: Streaming,
                       feedback: Feedback, staging: OutputSet, folder: str):
    """The mosaic of the staged rasters, staged with them. A cancel keeps the complete
    rasters (committed) and writes no mosaic, unless a mosaic or its seamlines are there
    from an earlier run: they would not show the rasters kept beside them, so nothing new is
    kept. A signal or failure keeps nothing new."""
    release_freed_memory()
    feedback.phase("mosaic")
    mosaic_staging = OutputSet()
    try:
        result = mosaic_written([staging.temporary_of(p) for p in written], seen, mosaic,
                                streaming, feedback, mosaic_staging, written)
    except Interrupted:  # a signal: stop now, leave nothing new
        mosaic_staging.discard()
        raise
    except Cancelled:
        mosaic_staging.discard()
        older = [p for p in (mosaic.output, mosaic.seamlines_out) if p and os.path.lexists(p)]
        if older:
            staging.discard()
            raise Cancelled(f"while mosaicking; {older[0]} is an earlier run's, which the new "
                            "rasters would not match: no output was kept, the older outputs "
                            "are as they were") from None
        # The matched rasters, report and model are complete: they are kept.
        staging.commit()
        raise Cancelled(f"while mosaicking; the {len(written)} matched rasters are complete "
                        f"and kept in {folder}, no mosaic was written", kept=written) from None
    except BaseException:
        mosaic_staging.discard()
        raise
    staging.adopt(mosaic_staging)
    return result


def _fit_groups(plan: BandPlan, infos: List[RasterInfo], grid: CommonGrid,
                blocks: Optional[BlockGrid], statistics: Statistics, streaming: Streaming,
                fit: Fit, ref: Optional[int], feedback: Feedback,
                executor=None, robust_cells: Optional[BlockGrid] = None,
                float32: bool = False) -> List[Fitted]:
    """Statistics and fit of every band group, each among the inputs that have its bands
    (and overlap another that has them: BandPlan.overlapping); ``float32``: the outputs are
    Float32, refused where an input's values are beyond its range."""
    fits: List[Fitted] = []
    share = 1.0 / len(plan.groups)
    for n, group in enumerate(plan.groups):
        stage = feedback.stage(n * share, (n + 1) * share)
        members, sub = group_inputs(infos, grid, group)
        if n > 0:
            feedback.info(f"Band group {n + 1} ({', '.join(group.labels)}): matched among "
                          f"{', '.join(m.name for m in members)}.")
        feedback.phase("statistics")
        scan = gather_statistics(list(sub.views), sub, blocks, statistics, streaming, stage,
                                 executor, robust_cells)
        if float32:
            _check_float32_range(members, scan)
        group_ref = group.images.index(ref) if ref in group.images else None
        feedback.phase("solve")
        with mapped_large_arrays():
            fitted = fit(members, sub, blocks, scan, group_ref, feedback)
            scan.pair_blocks = None  # the overlaps' cells served the fit; free them
        fitted.scan = scan
        fits.append(fitted)
    return fits


def _combined(plan: BandPlan, infos: List[RasterInfo], per_group):
    """correction_for(k) of the whole input from those of its band groups."""
    return lambda k: combined_correction(plan, k, infos[k], per_group)


def _check_float32_range(infos: List[RasterInfo], scan: ScanResult) -> None:
    """Refuse Float32 outputs of inputs whose values Float32 cannot hold."""
    limit = float(np.finfo(np.float32).max)
    for k, info in enumerate(infos):
        magnitude = max(np.abs(scan.minimum[k]).max(), np.abs(scan.maximum[k]).max())
        if magnitude > limit:
            raise InputError(
                f"{info.path}: values reach {magnitude:.3g}, beyond the range of Float32 "
                f"({limit:.3g}); written as Float32 they would all be clipped. Fix: write "
                "the input's own type (OUTPUT_TYPE: same as input), or rescale the data.")


def _write_report_and_model(title: str, infos: List[RasterInfo], written: List[str],
                            outputs: Outputs, plan: BandPlan, fits: List[Fitted],
                            feedback: Feedback, staging: OutputSet, stems: List[str],
                            threads: Optional[int] = None) -> None:
    """The saved model and the quality report, where ``outputs`` asks for them, staged
    with the rasters (the report reads the staged rasters, on ``threads``)."""
    fitted = fits[0]
    model = fitted.global_model
    groups = [(f.global_model, f.local_model) for f in fits[1:]]
    if outputs.model_out:
        save_model(outputs.model_out, infos, outputs.suffix, outputs.float32, model,
                   fitted.local_model, outputs.producer, plan, groups, staging, stems,
                   outputs.data_type)
    if outputs.report:
        gains = (model.gains, model.offsets) if fitted.fitted_gains else (None, None)
        mixed = None
        if not plan.is_uniform(infos):
            mixed = (plan, [(f.global_model.gains, f.global_model.offsets)
                            if f.fitted_gains else None for f in fits])
        numbers = build_report(title, [i.path for i in infos],
                               [staging.temporary_of(p) for p in written], *gains,
                               bands=mixed, output_names=written, threads=threads)
        write_report(numbers, outputs.report, staging)
        before, after = (numbers["summary"][w]["mean"] for w in ("before", "after"))
        feedback.info(
            f"Mean overlap disagreement: {before:.6g} before, {after:.6g} after "
            f"({100 * after / max(before, 1e-300):.1f}%). Report: {outputs.report}"
        )
    if outputs.model_out:
        feedback.info(f"Model saved to {outputs.model_out} (with the outputs, at the end).")
