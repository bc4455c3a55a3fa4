"""Write corrected rasters window by window, safely.

Every output is first written under a temporary name in the output folder and renamed only
when the whole run has succeeded; on failure or cancel the temporary files are removed, so a
run never leaves a half-written raster behind nor replaces an existing file half-way.
"""
from __future__ import annotations

import os
import shutil
import uuid
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal

from .errors import InputError
from .feedback import Feedback
from .parallel import ThreadDatasets, ordered_map, thread_count
from .rasters import RasterInfo, open_readonly, read_window
from .windows import iter_windows, window_count, window_size

# (values, valid, row, col) on the input's own pixel grid -> corrected float64 values
Correction = Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]

TILE = 256


def creation_options(gdal_type: int) -> List[str]:
    """Tiled, compressed GeoTIFF; the predictor suits the type."""
    predictor = "3" if gdal_type in (gdal.GDT_Float32, gdal.GDT_Float64) else "2"
    return [
        "TILED=YES",
        f"BLOCKXSIZE={TILE}",
        f"BLOCKYSIZE={TILE}",
        "COMPRESS=DEFLATE",
        f"PREDICTOR={predictor}",
        "BIGTIFF=IF_SAFER",
        "NUM_THREADS=ALL_CPUS",
    ]


def _type_range(dtype: np.dtype) -> Tuple[float, float]:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
    else:
        info = np.finfo(dtype)
    return float(info.min), float(info.max)


def to_output_type(
    values: np.ndarray, valid: np.ndarray, dtype: np.dtype, nodata: Optional[float]
) -> np.ndarray:
    """Round and clip to the type's range; keep valid pixels off the no-data value."""
    lo, hi = _type_range(dtype)
    if np.issubdtype(dtype, np.integer):
        out = np.clip(np.rint(np.nan_to_num(values, nan=lo)), lo, hi)
    else:
        out = np.clip(np.nan_to_num(values, nan=0.0, posinf=hi, neginf=lo), lo, hi)
    if nodata is not None and not np.isnan(nodata):
        clash = valid & (out == nodata)
        if clash.any():
            if np.issubdtype(dtype, np.integer):
                step = 1.0 if nodata < hi else -1.0
                out[clash] = nodata + step
            else:
                away = np.inf if nodata < hi else -np.inf
                out[clash] = np.nextafter(np.asarray(nodata, dtype=dtype), away)
        out[~valid] = nodata
    elif not np.issubdtype(dtype, np.integer):
        out[~valid] = np.nan
    else:
        out[~valid] = 0
    return out.astype(dtype)


class OutputSet:
    """Temporary files that become the outputs together, or vanish together."""

    def __init__(self) -> None:
        self._pending: List[Tuple[str, str]] = []

    def temporary_for(self, final_path: str, extension: str = ".tif") -> str:
        folder, name = os.path.split(final_path)
        tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.partial{extension}")
        self._pending.append((tmp, final_path))
        return tmp

    def commit(self) -> List[str]:
        for tmp, final in self._pending:
            if os.path.isdir(tmp) and os.path.isdir(final):  # a folder replaces a folder
                shutil.rmtree(final)
            os.replace(tmp, final)
        done = [final for _, final in self._pending]
        self._pending = []
        return done

    def discard(self) -> None:
        for tmp, _ in self._pending:
            if os.path.isdir(tmp):
                shutil.rmtree(tmp)
            for path in (tmp, tmp + ".aux.xml", tmp + ".msk"):
                if os.path.exists(path):
                    os.remove(path)
        self._pending = []


def check_output_folder(folder: str, inputs: List[RasterInfo], names: List[str]) -> None:
    """Create the folder; refuse one that cannot be written or outputs that would hit inputs."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{folder}: the output folder cannot be created ({exc.strerror}). "
            "Fix: choose a folder you can write to."
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            f"{folder}: the output folder is not writable. Fix: choose a folder you can write to."
        )
    sources = {os.path.realpath(i.path) for i in inputs}
    for name in names:
        target = os.path.realpath(os.path.join(folder, name))
        if target in sources:
            raise InputError(
                f"{target}: this output would overwrite an input. "
                "Fix: choose another output folder."
            )


def _create_like(info: RasterInfo, src: gdal.Dataset, path: str, float32: bool) -> gdal.Dataset:
    """A new tiled GeoTIFF with the input's grid, CRS, bands, no-data and band metadata."""
    gdal_type = gdal.GDT_Float32 if float32 else info.gdal_type
    dst = gdal.GetDriverByName("GTiff").Create(
        path, info.width, info.height, info.total_bands, gdal_type, creation_options(gdal_type)
    )
    dst.SetGeoTransform(info.geotransform)
    dst.SetProjection(info.crs_wkt)
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


def create_internal_mask(dst: gdal.Dataset) -> None:
    """A per-dataset mask band inside the GeoTIFF, not as a .msk beside it that the final
    rename would leave behind."""
    previous = gdal.GetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
    gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")
    try:
        dst.CreateMaskBand(gdal.GMF_PER_DATASET)
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", previous)


def _uses_mask(info: RasterInfo) -> bool:
    """A mask band of its own, where validity is neither a no-data value nor an alpha band."""
    return info.needs_mask_band and info.nodata[0] is None and info.alpha_band is None


def write_image(
    info: RasterInfo,
    targets: Sequence[Tuple[str, Correction]],
    float32: bool = False,
    feedback: Optional[Feedback] = None,
    window: Optional[int] = None,
    threads: Optional[int] = None,
    observer=None,
) -> None:
    """Write each correction of ``targets`` (path, correction) of one input, reading it once.

    Windows are read and corrected on ``threads`` threads; this thread writes them in order.
    An ``observer`` (seam_cells.CellSums) also sees the first correction's values.
    """
    feedback = feedback or Feedback()
    dtype = np.dtype(np.float32) if float32 else info.numpy_type
    src = open_readonly(info.path)
    datasets = ThreadDatasets()
    dsts = [_create_like(info, src, path, float32) for path, _ in targets]
    try:
        size = window or window_size([info.block_size, (TILE, TILE)])
        total = window_count(info.width, info.height, size)

        def compute(win):
            feedback.check_cancel()
            col, row, cols, rows = win
            values, valid = read_window(datasets.get(info.path), info, col, row, cols, rows)
            outs, seen = [], None
            for _, correct in targets:
                corrected = correct(values, valid, row, col)
                if observer is not None and seen is None:
                    seen = observer.measure(corrected, valid, row, col)
                outs.append([to_output_type(corrected[b], valid[b], dtype, info.nodata[b])
                             for b in range(info.band_count)])
            mask = (valid.all(axis=0) * 255).astype(np.uint8) if _uses_mask(info) else None
            alpha = None
            if info.alpha_band is not None:  # copied as it is
                ds = datasets.get(info.path)
                alpha = ds.GetRasterBand(info.alpha_band).ReadAsArray(col, row, cols, rows)
            return col, row, outs, mask, alpha, seen

        windows = iter_windows(info.width, info.height, size)
        for done, (col, row, outs, mask, alpha, seen) in enumerate(
            ordered_map(compute, windows, thread_count(threads))
        ):
            if seen is not None:
                observer.add(seen)
            for dst, bands in zip(dsts, outs):
                for number, out in zip(info.data_bands, bands):
                    dst.GetRasterBand(number).WriteArray(out, col, row)
                if mask is not None:
                    dst.GetRasterBand(1).GetMaskBand().WriteArray(mask, col, row)
                if alpha is not None:
                    dst.GetRasterBand(info.alpha_band).WriteArray(
                        alpha.astype(np.float32) if dtype == np.float32 else alpha, col, row)
            feedback.progress((done + 1) / total)
        for dst in dsts:
            dst.FlushCache()
        if observer is not None:
            observer.result()  # its means now, so that only one image's sums are alive
    finally:
        dsts = None


def write_outputs(
    infos: List[RasterInfo],
    folder: str,
    corrections: Sequence[Tuple[str, Callable[[int], Correction]]],
    float32: bool = False,
    feedback: Optional[Feedback] = None,
    window: Optional[int] = None,
    threads: Optional[int] = None,
    observers: Optional[Sequence] = None,
) -> List[List[str]]:
    """Write ``<stem><suffix>.tif`` per input and (suffix, correction_for); all or none.

    Each input is read once for all its corrections. Returns the paths per suffix.
    ``observers`` (one per input) see the first correction's values as they are written.
    """
    feedback = feedback or Feedback()
    names = [[f"{info.stem}{suffix}.tif" for info in infos] for suffix, _ in corrections]
    check_output_folder(folder, infos, [n for group in names for n in group])
    pixels = np.array([info.width * info.height for info in infos], dtype=float)
    edges = np.concatenate(([0.0], np.cumsum(pixels) / pixels.sum()))
    outputs = OutputSet()
    try:
        for k, info in enumerate(infos):
            targets = [
                (outputs.temporary_for(os.path.join(folder, group[k])), correction_for(k))
                for group, (_, correction_for) in zip(names, corrections)
            ]
            try:
                write_image(info, targets, float32, feedback.stage(edges[k], edges[k + 1]),
                            window, threads, observers[k] if observers else None)
            except RuntimeError as exc:  # GDAL: disk full, permission lost, ...
                raise InputError(
                    f"{os.path.join(folder, names[0][k])}: writing failed ({exc}). "
                    "Fix: check free space and permissions of the output folder."
                ) from None
        outputs.commit()
        return [[os.path.join(folder, n) for n in group] for group in names]
    except BaseException:
        outputs.discard()
        raise
