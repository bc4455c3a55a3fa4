"""Write corrected rasters window by window, all of a run's outputs or none (atomic.py)."""
from __future__ import annotations

import os
from dataclasses import replace
from functools import partial
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal

from ..errors import InputError
from ..feedback import Feedback
from .atomic import OutputSet
from .executor import default_executor
from .geotiff import (TILE, OutputRaster, PixelType, check_nodata_fits, check_raster_format,
                      create_internal_mask, pixel_type, probe_raster_format, set_nodata,
                      to_output_type)
from .output_plan import unique_stems
from .parallel import ThreadDatasets
from ..options import RasterFormat, Streaming
from .rasters import RasterInfo, open_readonly, read_window
from .windows import (bounded_window, iter_windows, stream_windows, window_count,
                      window_size)

# (values, valid, row, col) on the input's own pixel grid -> corrected float64 values
Correction = Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]


def _create_like(info: RasterInfo, src: gdal.Dataset, target: OutputRaster) -> gdal.Dataset:
    """A new raster with the input's grid, CRS, bands, no-data and band metadata."""
    # Scale, offset and unit are copied as they are: the correction works on stored values.
    dst = target.create(info.width, info.height, info.total_bands, info.geotransform,
                        info.crs_wkt, scaling=info.scaling)
    for k, number in enumerate(info.data_bands):
        sband, dband = src.GetRasterBand(number), dst.GetRasterBand(number)
        if info.nodata[k] is not None:
            set_nodata(dband, info.nodata[k])
        dband.SetDescription(sband.GetDescription())
        dband.SetColorInterpretation(sband.GetColorInterpretation())
    if info.alpha_band is not None:
        dst.GetRasterBand(info.alpha_band).SetColorInterpretation(gdal.GCI_AlphaBand)
    if _uses_mask(info):
        create_internal_mask(dst)
    return dst


def check_output_format(infos: List[RasterInfo], raster: RasterFormat,
                        types: Optional[List[PixelType]] = None) -> None:
    """Refuse a format, creation option, type or no-data value that would fail or lose data,
    before any pixel is read: each option by name, then a tiny raster made with them
    (``types``: the outputs' types where not each input's, e.g. a mosaic's)."""
    check_raster_format(raster)
    if types is None:
        types = output_pixel_types(infos, raster)
    for ptype, bands in {(t, i.total_bands) for t, i in zip(types, infos)}:
        probe_raster_format(raster, ptype, bands)


def output_pixel_types(infos: List[RasterInfo], raster: RasterFormat) -> List[PixelType]:
    """Each input's output type; refuses a no-data value the type cannot hold (before any
    pixel is read)."""
    types = [pixel_type(raster.data_type or ("Int8" if info.signed_byte else None),
                        info.gdal_type) for info in infos]
    for info, ptype in zip(infos, types):
        check_nodata_fits(info.nodata, ptype, info.path)
    return types


def _uses_mask(info: RasterInfo) -> bool:
    """A mask band of its own, where validity is neither a no-data value nor an alpha band."""
    return info.needs_mask_band and info.nodata[0] is None and info.alpha_band is None


def write_image(
    info: RasterInfo,
    targets: Sequence[Tuple[OutputRaster, Correction]],
    streaming: Streaming,
    feedback: Feedback,
    observer=None,
) -> None:
    """Write each correction of ``targets`` (raster, correction) of one input, reading it once.

    Windows are read and corrected on the streaming threads; this thread writes them in order.
    An ``observer`` (e.g. mosaic.cells.CellSums) also sees the first correction's values.
    Overviews or the COG conversion follow the last window.
    """
    feedback.phase("writing")
    ptype = targets[0][0].ptype
    dtype = ptype.numpy_type
    # Float64 written as Float32: values beyond its range are clipped, and counted.
    narrowing = dtype == np.float32 and info.numpy_type == np.float64
    limit = float(np.finfo(np.float32).max)
    keep_infinite = info.is_float and not ptype.is_integer
    src = open_readonly(info.path)
    datasets = ThreadDatasets()
    rasters = [raster for raster, _ in targets]
    dsts = [_create_like(info, src, raster) for raster in rasters]
    finishing = any(r.has_finishing for r in rasters)
    windows_feedback = feedback.stage(0.0, 0.75 if finishing else 1.0)
    try:
        size = bounded_window(streaming.window or window_size([info.block_size, (TILE, TILE)]))
        total = window_count(info.width, info.height, size)

        def compute(win):
            col, row, cols, rows = win
            values, valid = read_window(datasets.get(info.path), info, col, row, cols, rows)
            infinite = np.isinf(values) if info.is_float else None
            outs, seen, clipped = [], None, 0
            for _, correct in targets:
                corrected = correct(values, valid, row, col)
                if observer is not None and seen is None:
                    seen = observer.measure(corrected, valid, row, col)
                if narrowing:
                    clipped += int(np.count_nonzero(valid & (np.abs(corrected) > limit)))
                own = not np.may_share_memory(corrected, values)  # else the next one needs it
                bands = [to_output_type(corrected[b], valid[b], dtype, info.nodata[b], own)
                         for b in range(info.band_count)]
                if keep_infinite and infinite.any():  # +-inf: no data, kept as it was
                    for b in range(info.band_count):
                        bands[b][infinite[b]] = values[b][infinite[b]]
                outs.append(bands)
            counts = (int(infinite.sum()) if infinite is not None else 0, clipped)
            mask = (valid.all(axis=0) * 255).astype(np.uint8) if _uses_mask(info) else None
            alpha = None
            if info.alpha_band is not None:  # copied as it is
                ds = datasets.get(info.path)
                alpha = ds.GetRasterBand(info.alpha_band).ReadAsArray(col, row, cols, rows)
            return col, row, outs, mask, alpha, seen, counts

        windows = iter_windows(info.width, info.height, size)
        results = stream_windows(compute, windows, total, windows_feedback, streaming.threads)
        infinite_total = clipped_total = 0
        for col, row, outs, mask, alpha, seen, (infinite, clipped) in results:
            infinite_total += infinite
            clipped_total += clipped
            if seen is not None:
                observer.add(seen)
            for dst, bands in zip(dsts, outs):
                for number, out in zip(info.data_bands, bands):
                    dst.GetRasterBand(number).WriteArray(ptype.for_writing(out), col, row)
                if mask is not None:
                    dst.GetRasterBand(1).GetMaskBand().WriteArray(mask, col, row)
                if alpha is not None:
                    dst.GetRasterBand(info.alpha_band).WriteArray(
                        ptype.for_writing(_alpha_as(alpha, dtype)), col, row)
        dsts = dst = None
        _report_counts(info, infinite_total, clipped_total, len(targets), feedback)
        if observer is not None:
            observer.result()  # its means now, so that only one image's sums are alive
        for k, raster in enumerate(rasters):
            share = 0.25 / len(rasters)
            raster.finish(feedback.stage(0.75 + k * share, 0.75 + (k + 1) * share))
    finally:
        dsts = dst = None
        for raster in rasters:
            raster.close()


def _alpha_as(alpha: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """An alpha band copied into the output type (0..255 clipped where the type is smaller)."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(alpha, max(info.min, 0), info.max).astype(dtype)
    return alpha.astype(dtype)


def _report_counts(info: RasterInfo, infinite: int, clipped: int, outputs: int,
                   feedback: Feedback) -> None:
    """Warn of +-inf pixels (no data, copied unchanged) and of values clipped to Float32."""
    pixels = info.width * info.height * info.band_count
    if infinite:
        feedback.warning(
            f"{info.path}: {100.0 * infinite / pixels:.3g}% of its values ({infinite}) are "
            "+inf or -inf; they count as no data (left out of every statistic) and are "
            "copied to the outputs unchanged.")
    if clipped:
        feedback.warning(
            f"{info.path}: {100.0 * clipped / (pixels * outputs):.3g}% of the corrected values "
            f"({clipped}) lie beyond the range of Float32 (3.4e38) and were clipped to it. "
            "Fix: write the input's own type (Float64) instead of Float32.")


def write_outputs(
    infos: List[RasterInfo],
    folder: str,
    corrections: Sequence[Tuple[str, Callable[[int], Correction]]],
    raster: RasterFormat,
    streaming: Streaming,
    feedback: Feedback,
    observers: Optional[List] = None,
    staged: Optional[OutputSet] = None,
    stems: Optional[Sequence[str]] = None,
    executor=None,
) -> List[List[str]]:
    """Write ``<stem><suffix>.tif`` per input and (suffix, correction_for); all or none.

    Each input is read once for all its corrections. Returns the final paths per suffix.
    ``raster``: the format, creation options, overviews and type of every output.
    ``observers`` (one per input) see the first correction's values as they are written.
    ``staged``: the run's output set, which the run commits (else they are committed here);
    ``stems``: the output names' stems (default: the inputs', see
    :func:`~.output_plan.unique_stems`). ``executor`` (io/executor.py; None: threads as
    ``streaming`` asks): a cluster writes each image in one task, and ``observers`` are
    replaced by the workers' copies.
    """
    executor = default_executor(streaming, executor)
    types = output_pixel_types(infos, raster)
    stems = list(stems) if stems is not None else unique_stems([i.path for i in infos])
    paths = [[os.path.join(folder, f"{stem}{suffix}.tif") for stem in stems]
             for suffix, _ in corrections]
    pixels = np.array([info.width * info.height for info in infos], dtype=float)
    edges = np.concatenate(([0.0], np.cumsum(pixels) / pixels.sum()))
    outputs = staged if staged is not None else OutputSet()
    k = 0

    def targets_of(k):
        return [(OutputRaster(outputs, group[k], raster, types[k], streaming.threads),
                 correction_for(k))
                for group, (_, correction_for) in zip(paths, corrections)]

    try:
        try:
            if executor.distributed:
                executor.check_access(folder=folder)
                jobs = [(info, targets_of(k), observers[k] if observers else None)
                        for k, info in enumerate(infos)]
                task = partial(_write_task,
                               streaming=replace(streaming, threads=1, scheduler=None))
                results = executor.map(task, jobs, feedback, "writing")
                try:
                    for k in range(len(infos)):
                        observer = next(results)
                        if observers:
                            observers[k] = observer
                finally:
                    results.close()  # a failure stops the tasks still writing
            else:
                for k, info in enumerate(infos):
                    write_image(info, targets_of(k), streaming,
                                feedback.stage(edges[k], edges[k + 1]),
                                observers[k] if observers else None)
        except RuntimeError as exc:  # GDAL: disk full, permission lost, ...
            raise InputError(
                f"{paths[0][k]}: writing failed ({exc}). "
                "Fix: check free space and permissions of the output folder."
            ) from None
        if staged is None:
            outputs.commit()
        return paths
    except BaseException:
        outputs.discard()
        raise


def _write_task(job, feedback: Feedback, streaming: Streaming):
    """A task of the writing pass on a worker: one image, all its outputs; its observer back."""
    info, targets, observer = job
    write_image(info, targets, streaming, feedback, observer)
    return observer
