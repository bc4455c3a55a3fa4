"""Write corrected rasters window by window, all of a run's outputs or none (atomic.py)."""
from __future__ import annotations

import os
from dataclasses import replace
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal

from ..errors import InputError
from ..feedback import Feedback
from ..options import Streaming
from .atomic import OutputSet
from .executor import default_executor
from .geotiff import TILE, create_geotiff, create_internal_mask, to_output_type
from .output_plan import unique_stems
from .parallel import DatasetPool, ThreadDatasets
from .rasters import RasterInfo, open_readonly, read_window
from .windows import (bounded_window, iter_windows, stream_windows, window_count,
                      window_size)

# (values, valid, row, col) on the input's own pixel grid -> corrected float64 values
Correction = Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]


def _create_like(info: RasterInfo, src: gdal.Dataset, path: str, float32: bool) -> gdal.Dataset:
    """A new tiled GeoTIFF with the input's grid, CRS, bands, no-data and band metadata."""
    gdal_type = gdal.GDT_Float32 if float32 else info.gdal_type
    # Scale, offset and unit are copied as they are: the correction works on stored values.
    dst = create_geotiff(path, info.width, info.height, info.total_bands, gdal_type,
                         info.geotransform, info.crs_wkt,
                         signed_byte=info.signed_byte and not float32, scaling=info.scaling)
    for k, number in enumerate(info.data_bands):
        sband, dband = src.GetRasterBand(number), dst.GetRasterBand(number)
        if info.nodata[k] is not None:
            dband.SetNoDataValue(info.nodata[k])
        dband.SetDescription(sband.GetDescription())
        dband.SetColorInterpretation(sband.GetColorInterpretation())
    if info.alpha_band is not None:
        dst.GetRasterBand(info.alpha_band).SetColorInterpretation(gdal.GCI_AlphaBand)
    if _uses_mask(info):
        create_internal_mask(dst)
    return dst


def _uses_mask(info: RasterInfo) -> bool:
    """A mask band of its own, where validity is neither a no-data value nor an alpha band."""
    return info.needs_mask_band and info.nodata[0] is None and info.alpha_band is None


class _ImageWriter:
    """The windows of one input: read and corrected on the streaming threads (``compute``),
    written in order on the calling thread (``write``) into the outputs of ``targets``."""

    def __init__(self, info: RasterInfo, targets: Sequence[Tuple[str, Correction]],
                 float32: bool, window: Optional[int], datasets: DatasetPool, observer=None):
        self.info, self.targets, self.float32 = info, targets, float32
        self.dtype = np.dtype(np.float32) if float32 else info.numpy_type
        # Float64 written as Float32: values beyond its range are clipped, and counted.
        self.narrowing = float32 and info.numpy_type == np.float64
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
        limit = float(np.finfo(np.float32).max)
        outs, seen, clipped = [], None, 0
        for _, correct in self.targets:
            corrected = correct(values, valid, row, col)
            if self.observer is not None and seen is None:
                seen = self.observer.measure(corrected, valid, row, col)
            if self.narrowing:
                clipped += int(np.count_nonzero(valid & (np.abs(corrected) > limit)))
            bands = [to_output_type(corrected[b], valid[b], self.dtype, info.nodata[b])
                     for b in range(info.band_count)]
            if infinite is not None and infinite.any():  # +-inf: no data, kept as it was
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
            self.dsts = [_create_like(info, src, path, self.float32) for path, _ in self.targets]
            src = None
        col, row, outs, mask, alpha, seen, (infinite, clipped) = result
        self.infinite += infinite
        self.clipped += clipped
        if seen is not None:
            self.observer.add(seen)
        for dst, bands in zip(self.dsts, outs):
            for number, out in zip(info.data_bands, bands):
                dst.GetRasterBand(number).WriteArray(out, col, row)
            if mask is not None:
                dst.GetRasterBand(1).GetMaskBand().WriteArray(mask, col, row)
            if alpha is not None:
                dst.GetRasterBand(info.alpha_band).WriteArray(
                    alpha.astype(np.float32) if self.dtype == np.float32 else alpha, col, row)

    def finish(self, feedback: Feedback) -> None:
        for dst in self.dsts or []:
            dst.FlushCache()
        self.dsts = None  # closes the files
        _report_counts(self.info, self.infinite, self.clipped, len(self.targets), feedback)
        if self.observer is not None:
            self.observer.result()  # its means now, so that only one image's sums are alive

    def close(self) -> None:
        self.dsts = None


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
    float32: bool,
    streaming: Streaming,
    feedback: Feedback,
    observers: Optional[List] = None,
    staged: Optional[OutputSet] = None,
    stems: Optional[Sequence[str]] = None,
    executor=None,
) -> List[List[str]]:
    """Write ``<stem><suffix>.tif`` per input and (suffix, correction_for); all or none.

    Each input is read once for all its corrections. Returns the final paths per suffix.
    ``observers`` (one per input) see the first correction's values as they are written.
    ``staged``: the run's output set, which the run commits (else they are committed here);
    ``stems``: the output names' stems (default: the inputs', see
    :func:`~.output_plan.unique_stems`). ``executor`` (io/executor.py; None: threads as
    ``streaming`` asks): a cluster writes each image in one task, and ``observers`` are
    replaced by the workers' copies.
    """
    executor = default_executor(streaming, executor)
    stems = list(stems) if stems is not None else unique_stems([i.path for i in infos])
    paths = [[os.path.join(folder, f"{stem}{suffix}.tif") for stem in stems]
             for suffix, _ in corrections]
    outputs = staged if staged is not None else OutputSet()
    datasets = DatasetPool()
    writers: Dict[int, _ImageWriter] = {}

    def targets_of(k):
        return [(outputs.temporary_for(group[k]), correction_for(k))
                for group, (_, correction_for) in zip(paths, corrections)]

    def writer(k: int) -> _ImageWriter:
        if k not in writers:  # a few images ahead of the one being written, at most
            writers[k] = _ImageWriter(infos[k], targets_of(k), float32, streaming.window,
                                      datasets, observers[k] if observers else None)
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
                task = partial(_write_task, float32=float32,
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
                for k, last, result in stream_windows(compute, tasks(), total, feedback,
                                                      streaming.threads):
                    writers[k].write(result)
                    if last:
                        writers.pop(k).finish(feedback)
        except RuntimeError as exc:  # GDAL: disk full, permission lost, ...
            raise InputError(
                f"{paths[0][k]}: writing failed ({exc}). "
                "Fix: check free space and permissions of the output folder."
            ) from None
        if staged is None:
            outputs.commit()
        return paths
    except BaseException:
        for w in writers.values():
            w.close()
        outputs.discard()
        raise
    finally:
        datasets.close()


def write_image(info: RasterInfo, targets: Sequence[Tuple[str, Correction]], float32: bool,
                streaming: Streaming, feedback: Feedback, observer=None) -> None:
    """Write each correction of ``targets`` (path, correction) of one input, reading it once;
    its windows on the streaming threads (a task of a cluster's writing pass)."""
    datasets = ThreadDatasets()
    w = _ImageWriter(info, targets, float32, streaming.window, datasets, observer)
    try:
        for result in stream_windows(w.compute, w.windows, len(w.windows), feedback,
                                     streaming.threads):
            w.write(result)
        w.finish(feedback)
    finally:
        w.close()
        datasets.close()


def _write_task(job, feedback: Feedback, float32: bool, streaming: Streaming):
    """A task of the writing pass on a worker: one image, all its outputs; its observer back."""
    info, targets, observer = job
    write_image(info, targets, float32, streaming, feedback, observer)
    return observer
