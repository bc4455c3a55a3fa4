"""Write corrected rasters window by window, all of a run's outputs or none (atomic.py)."""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal

from ..errors import InputError
from ..feedback import Feedback
from ..options import RasterFormat, Streaming
from .atomic import OutputSet
from .executor import default_executor
from .geotiff import (TILE, OutputRaster, PixelType, check_nodata_fits, check_raster_format,
                      create_internal_mask, pixel_type, probe_raster_format, set_nodata,
                      to_output_type, type_range)
from .output_plan import unique_stems
from .parallel import DatasetPool, ThreadDatasets
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


class _ImageWriter:
    """The windows of one input: read and corrected on the streaming threads (``compute``),
    written in order on the calling thread (``write``) into the rasters of ``targets``;
    overviews or the COG conversion follow its last window (``finish``)."""

    def __init__(self, info: RasterInfo, targets: Sequence[Tuple[OutputRaster, Correction]],
                 window: Optional[int], datasets, observer=None):
        self.info, self.targets = info, targets
        self.rasters = [raster for raster, _ in targets]
        self.ptype = self.rasters[0].ptype
        self.dtype = self.ptype.numpy_type
        # An output type of a narrower range than the input's (Float64 as Float32, UInt16 as
        # Byte): values beyond its range are clipped, and counted.
        self.range = type_range(self.dtype)
        within = type_range(info.numpy_type)
        self.narrowing = self.range[0] > within[0] or self.range[1] < within[1]
        self.keep_infinite = info.is_float and not self.ptype.is_integer
        self.infinite = self.clipped = 0
        self.datasets, self.observer = datasets, observer
        self.size = bounded_window(window or window_size([info.block_size, (TILE, TILE)]))
        self.windows = list(iter_windows(info.width, info.height, self.size))
        self.dsts = None

    def compute(self, win):
        info = self.info
        col, row, cols, rows = win
        with self.datasets.reading(info.path) as ds:
            values, valid = read_window(ds, info, col, row, cols, rows)
            alpha = None
            if info.alpha_band is not None:  # copied as it is
                alpha = ds.GetRasterBand(info.alpha_band).ReadAsArray(col, row, cols, rows)
        infinite = np.isinf(values) if info.is_float else None
        # Integers round first: beyond the range is beyond half a step past its ends.
        half = 0.5 if self.ptype.is_integer else 0.0
        lo, hi = self.range[0] - half, self.range[1] + half
        outs, seen, clipped = [], None, 0
        for _, correct in self.targets:
            corrected = correct(values, valid, row, col)
            if self.observer is not None and seen is None:
                seen = self.observer.measure(corrected, valid, row, col)
            if self.narrowing:
                beyond = (corrected < lo) | (corrected > hi)
                if infinite is not None:  # +-inf are no data, copied as they are
                    beyond &= ~infinite
                clipped += int(np.count_nonzero(valid & beyond))
            own = not np.may_share_memory(corrected, values)  # else the next one needs it
            bands = [to_output_type(corrected[b], valid[b], self.dtype, info.nodata[b], own)
                     for b in range(info.band_count)]
            if self.keep_infinite and infinite.any():  # +-inf: no data, kept as it was
                for b in range(info.band_count):
                    bands[b][infinite[b]] = values[b][infinite[b]]
            outs.append(bands)
        counts = (int(infinite.sum()) if infinite is not None else 0, clipped)
        mask = (valid.all(axis=0) * 255).astype(np.uint8) if _uses_mask(info) else None
        return col, row, outs, mask, alpha, seen, counts

    def write(self, result) -> None:
        info = self.info
        if self.dsts is None:
            src = open_readonly(info.path)
            self.dsts = [_create_like(info, src, raster) for raster in self.rasters]
            src = None
        col, row, outs, mask, alpha, seen, (infinite, clipped) = result
        self.infinite += infinite
        self.clipped += clipped
        if seen is not None:
            self.observer.add(seen)
        for dst, bands in zip(self.dsts, outs):
            for number, out in zip(info.data_bands, bands):
                dst.GetRasterBand(number).WriteArray(self.ptype.for_writing(out), col, row)
            if mask is not None:
                dst.GetRasterBand(1).GetMaskBand().WriteArray(mask, col, row)
            if alpha is not None:
                dst.GetRasterBand(info.alpha_band).WriteArray(
                    self.ptype.for_writing(_alpha_as(alpha, self.dtype)), col, row)

    def flush(self) -> None:
        """Write GDAL's cached blocks (their compression): on a thread of its own, once the
        last window is written, while the next images' windows go on."""
        _flush_all(self.dsts or [])

    def finish(self, feedback: Feedback) -> None:
        """Close the rasters, then their overviews or COG conversion (``feedback``: that
        part's own progress)."""
        _flush_all(self.dsts or [])
        # Closes the files: no other reference may remain (a loop variable here kept the last
        # one open, and a COG was then translated from a scratch file whose overviews were
        # still in GDAL's cache: all zero).
        self.dsts = None
        _report_counts(self.info, self.infinite, self.clipped, len(self.targets), feedback,
                       self.ptype.name, self.range)
        if self.observer is not None:
            self.observer.result()  # its means now, so that only one image's sums are alive
        for k, raster in enumerate(self.rasters):
            share = 1.0 / len(self.rasters)
            raster.finish(feedback.stage(k * share, (k + 1) * share))

    def close(self) -> None:
        self.dsts = None
        for raster in self.rasters:
            raster.close()


def _flush_all(datasets) -> None:
    for ds in datasets:
        ds.FlushCache()


def _alpha_as(alpha: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """An alpha band copied into the output type (0..255 clipped where the type is smaller)."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(alpha, max(info.min, 0), info.max).astype(dtype)
    return alpha.astype(dtype)


def _report_counts(info: RasterInfo, infinite: int, clipped: int, outputs: int,
                   feedback: Feedback, type_name: str = "Float32",
                   limits: Tuple[float, float] = (-3.4e38, 3.4e38)) -> None:
    """Warn of +-inf pixels (no data, copied unchanged) and of values clipped to the range
    of a narrower output type."""
    pixels = info.width * info.height * info.band_count
    if infinite:
        feedback.warning(
            f"{info.path}: {100.0 * infinite / pixels:.3g}% of its values ({infinite}) are "
            "+inf or -inf; they count as no data (left out of every statistic) and are "
            "copied to the outputs unchanged.")
    if clipped:
        feedback.warning(
            f"{info.path}: {100.0 * clipped / (pixels * outputs):.3g}% of the corrected values "
            f"({clipped}) lie beyond the range of {type_name} ({limits[0]:.6g} to "
            f"{limits[1]:.6g}) and were clipped to it. Fix: write the input's own type "
            f"({gdal.GetDataTypeName(info.gdal_type)}) instead of {type_name}.")


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

    Each input is read once for all its corrections; the windows of every image go through
    one stream, so that many small images keep the threads busy. Returns the final paths per
    suffix. ``raster``: the format, creation options, overviews and type of every output.
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
    outputs = staged if staged is not None else OutputSet()
    datasets = DatasetPool()
    writers: Dict[int, _ImageWriter] = {}
    flushing: deque = deque()  # (k, writer, future of its flush)

    def targets_of(k):
        return [(OutputRaster(outputs, group[k], raster, types[k], streaming.threads),
                 correction_for(k))
                for group, (_, correction_for) in zip(paths, corrections)]

    def writer(k: int) -> _ImageWriter:
        if k not in writers:  # a few images ahead of the one being written, at most
            writers[k] = _ImageWriter(infos[k], targets_of(k), streaming.window, datasets,
                                      observers[k] if observers else None)
        return writers[k]

    def tasks():
        # Windows of every image in one stream: many small images keep all threads busy.
        for k in range(len(infos)):
            w = writer(k)
            for n, win in enumerate(w.windows):
                yield k, n == len(w.windows) - 1, win

    def compute(task):
        k, last, win = task
        return k, last, writers[k].compute(win)

    k = 0
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
                size = [bounded_window(streaming.window
                                       or window_size([i.block_size, (TILE, TILE)]))
                        for i in infos]
                total = sum(window_count(i.width, i.height, z) for i, z in zip(infos, size))
                # Overviews and COG conversions report no progress of their own here: the
                # windows of all images are the run's measure.
                quiet = Feedback(is_canceled=feedback.is_canceled, info=feedback.info,
                                 warning=feedback.warning, phase=feedback.phase)
                with ThreadPoolExecutor(1, thread_name_prefix="spectralmatch-flush") as flusher:
                    for k, last, result in stream_windows(compute, tasks(), total, feedback,
                                                          streaming.threads):
                        writers[k].write(result)
                        if last:
                            w = writers.pop(k)
                            flushing.append((k, w, flusher.submit(w.flush)))
                        _finish_flushed(flushing, quiet, FLUSHING)
                    _finish_flushed(flushing, quiet, 0)
        except RuntimeError as exc:  # GDAL: disk full, permission lost, ...
            k = getattr(exc, "image", k)
            raise InputError(
                f"{paths[0][k]}: writing failed ({exc}). "
                "Fix: check free space and permissions of the output folder."
            ) from None
        if staged is None:
            outputs.commit()
        return paths
    except BaseException:
        for w in list(writers.values()) + [w for _, w, _ in flushing]:
            w.close()
        outputs.discard()
        raise
    finally:
        datasets.close()


# Images whose last window is written and whose blocks are being compressed and written
# beside the next images' windows, at most (each holds its rasters open). At 400 tiles of
# 240² the main thread spent 3.0 of its 4.2 s of writing in GDAL's FlushCache.
FLUSHING = 2


def _finish_flushed(flushing: deque, feedback: Feedback, keep: int) -> None:
    """Finish (close, overviews, COG) the images of ``flushing`` whose flush is done, in
    order, and wait for the oldest while more than ``keep`` remain. A GDAL error carries
    its image's index (``image``), for a message naming that output."""
    while flushing and (len(flushing) > keep or flushing[0][2].done()):
        k, w, flushed = flushing[0]
        try:
            flushed.result()  # its GDAL error, if any, here
            flushing.popleft()
            w.finish(feedback)
        except RuntimeError as exc:
            exc.image = k  # not the image whose windows are under way
            raise


def write_image(info: RasterInfo, targets: Sequence[Tuple[OutputRaster, Correction]],
                streaming: Streaming, feedback: Feedback, observer=None) -> None:
    """Write each correction of ``targets`` (raster, correction) of one input, reading it
    once; its windows on the streaming threads (a task of a cluster's writing pass)."""
    feedback.phase("writing")
    datasets = ThreadDatasets()
    w = _ImageWriter(info, targets, streaming.window, datasets, observer)
    finishing = any(r.has_finishing_for(info.width, info.height) for r in w.rasters)
    try:
        for result in stream_windows(w.compute, w.windows, len(w.windows),
                                     feedback.stage(0.0, 0.75 if finishing else 1.0),
                                     streaming.threads):
            w.write(result)
        w.finish(feedback.stage(0.75 if finishing else 1.0, 1.0))
    finally:
        w.close()
        datasets.close()


def _write_task(job, feedback: Feedback, streaming: Streaming):
    """A task of the writing pass on a worker: one image, all its outputs; its observer back."""
    info, targets, observer = job
    write_image(info, targets, streaming, feedback, observer)
    return observer
