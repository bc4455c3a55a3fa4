"""Describe input rasters and read their pixels with a validity mask.

Inputs are always opened read-only, and GDAL's auxiliary ``.aux.xml`` files are never written
next to them: nothing here calls a function that would persist statistics.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from osgeo import gdal

from ..errors import InputError
from .value_kinds import band_scaling, is_signed_byte, value_kind_problem

gdal.UseExceptions()


@dataclass(frozen=True)
class RasterInfo:
    """What core needs to know about one input raster."""

    path: str
    width: int
    height: int
    band_count: int  # data bands: every band but an alpha band
    geotransform: Tuple[float, float, float, float, float, float]
    crs_wkt: str
    gdal_type: int
    nodata: Tuple[Optional[float], ...]
    mask_flags: Tuple[int, ...]
    block_size: Tuple[int, int]
    data_bands: Tuple[int, ...] = ()  # GDAL band numbers (1-based) of the data bands
    alpha_band: Optional[int] = None  # GDAL band number of an alpha band, copied unchanged
    source: Optional[str] = None  # for a warped view: the file it shows
    # Byte bands that hold signed values (PIXELTYPE=SIGNEDBYTE; GDAL < 3.7 has no Int8 type)
    signed_byte: bool = False
    # Per data band: (scale, offset, unit) where any band has one; carried to the outputs
    scaling: Tuple[Tuple[float, float, str], ...] = ()

    @property
    def total_bands(self) -> int:
        return self.band_count + (self.alpha_band is not None)

    @property
    def name(self) -> str:
        return os.path.basename(self.source or self.path)

    @property
    def stem(self) -> str:
        return raster_stem(self.source or self.path)

    @property
    def file(self) -> str:
        """The file on disk (for GPKG:<file>:<table>, the GeoPackage)."""
        return file_of(self.source or self.path)

    @property
    def numpy_type(self) -> np.dtype:
        if self.signed_byte:
            return np.dtype(np.int8)
        return np.dtype(gdal_array_type(self.gdal_type))

    @property
    def exact_float_type(self) -> np.dtype:
        """The narrowest float type that holds every value of the input exactly: float32 for
        integers of up to 16 bits and for Float32, else float64. Statistics passes read in
        it (half the memory traffic of float64) and accumulate in float64."""
        t = self.numpy_type
        if t == np.float32 or (np.issubdtype(t, np.integer) and t.itemsize <= 2):
            return np.dtype(np.float32)
        return np.dtype(np.float64)

    @property
    def is_float(self) -> bool:
        return np.issubdtype(self.numpy_type, np.floating)

    @property
    def needs_mask_band(self) -> bool:
        """True where validity comes from a mask or alpha band rather than a no-data value."""
        return any(
            not (f & gdal.GMF_ALL_VALID) and not (f & gdal.GMF_NODATA) for f in self.mask_flags
        )

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in map units."""
        x0, dx, _, y0, _, dy = self.geotransform
        xs = (x0, x0 + dx * self.width)
        ys = (y0, y0 + dy * self.height)
        return min(xs), min(ys), max(xs), max(ys)


def gdal_array_type(gdal_type: int) -> type:
    from osgeo import gdal_array

    return gdal_array.GDALTypeCodeToNumericTypeCode(gdal_type)


def raster_stem(path: str) -> str:
    """The file name without extension; for GPKG:<file>:<table>, <file>_<table>."""
    base, _, table = os.path.basename(path).partition(":")
    stem = os.path.splitext(base)[0]
    return f"{stem}_{table}" if table else stem


def file_of(path: str) -> str:
    """The file behind a raster name GDAL opens: the path itself, or for a connection string
    such as GPKG:<file>:<table>, the file in it."""
    if os.path.exists(path):
        return path
    parts = path.split(":")
    if len(parts) >= 3:
        inner = ":".join(parts[1:-1])
        if os.path.isfile(inner):
            return inner
    return path


def raster_opens(path: str) -> bool:
    """True where GDAL opens ``path`` (a file or a connection string) as a raster."""
    try:
        ds = open_readonly(path)
    except InputError:
        return False
    count = ds.RasterCount
    ds = None
    return count > 0


def open_readonly(path: str) -> gdal.Dataset:
    """Open a raster for reading, with an error that names the file."""
    # A georeference may live in the .aux.xml beside the file (a JPEG, a PNG): it is read
    # even where GDAL_PAM_ENABLED=NO keeps QGIS from writing such files. Nothing here
    # changes a dataset's metadata, so nothing is written back.
    # GDAL lists a file's whole folder on every open, to find sidecar files: 0.4 ms per open
    # in a folder of 1,000 tiles, which a run opens about 5,500 times (2 s, and quadratic in
    # the tiles of one folder). Without the listing it asks for each sidecar by name, and
    # finds the same ones (GDAL_DISABLE_READDIR_ON_OPEN=TRUE, not EMPTY_DIR).
    previous = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
    gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "YES")
    listing = gdal.GetThreadLocalConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", None)
    gdal.SetThreadLocalConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "TRUE")
    try:
        ds = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError as exc:
        raise InputError(
            f"{path}: GDAL cannot open this file as a raster ({exc}). "
            "Fix: check that the file exists, is readable and is a complete raster."
        ) from None
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", previous)
        gdal.SetThreadLocalConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", listing)
    if ds is None:
        raise InputError(f"{path}: GDAL cannot open this file as a raster.")
    return ds


def describe(path: str) -> RasterInfo:
    """Read the header of one raster (no pixels)."""
    ds = open_readonly(path)
    if ds.RasterCount == 0:
        tables = [name for key, name in (ds.GetMetadata("SUBDATASETS") or {}).items()
                  if key.endswith("_NAME")]
        ds = None
        if tables:
            raise InputError(f"{path}: the file holds {len(tables)} rasters "
                             f"({', '.join(tables)}). Fix: give one of them by that name.")
        raise InputError(f"{path}: the file has no raster band. Fix: give a raster with bands.")
    gt = ds.GetGeoTransform(can_return_null=True)
    if gt is None or (gt[2] != 0 or gt[4] != 0):
        raise InputError(
            f"{path}: the raster has no north-up georeference (geotransform). "
            "Fix: georeference it, or warp it to a north-up grid with gdalwarp."
        )
    # An alpha band, by GDAL's convention the last band, is validity rather than data.
    last = ds.RasterCount
    alpha = [last] if last > 1 and \
        ds.GetRasterBand(last).GetColorInterpretation() == gdal.GCI_AlphaBand else []
    data = tuple(b for b in range(1, ds.RasterCount + 1) if b not in alpha)
    if not data:
        raise InputError(f"{path}: the file has only an alpha band. Fix: give a raster with data.")
    problem = value_kind_problem(path, ds, data)
    if problem:
        ds = None
        raise InputError(problem)
    band = ds.GetRasterBand(data[0])
    nodata = tuple(ds.GetRasterBand(b).GetNoDataValue() for b in data)
    flags = tuple(ds.GetRasterBand(b).GetMaskFlags() for b in data)
    info = RasterInfo(
        path=path,
        width=ds.RasterXSize,
        height=ds.RasterYSize,
        band_count=len(data),
        geotransform=tuple(gt),
        crs_wkt=ds.GetProjection() or "",
        gdal_type=band.DataType,
        nodata=nodata,
        mask_flags=flags,
        block_size=tuple(band.GetBlockSize()),
        data_bands=data,
        alpha_band=alpha[0] if alpha else None,
        signed_byte=is_signed_byte(band),
        scaling=band_scaling(ds, data),
    )
    return info


def valid_mask(
    values: np.ndarray, info: RasterInfo, mask_bands: Optional[np.ndarray] = None
) -> np.ndarray:
    """Boolean array, True where a pixel holds data, for a (bands, rows, cols) block."""
    valid = np.ones(values.shape, dtype=bool)
    for b in range(values.shape[0]):
        nd = info.nodata[b]
        if nd is not None:
            if np.isnan(nd):
                pass  # NaN is handled below for every float band
            else:
                valid[b] &= values[b] != nd
    if info.is_float:  # NaN and +-inf are no data values: left out, copied unchanged
        valid &= np.isfinite(values)
    if mask_bands is not None:
        valid &= mask_bands > 0
    return valid


def read_window(
    ds: gdal.Dataset, info: RasterInfo, col: int, row: int, cols: int, rows: int,
    dtype=np.float64,
) -> Tuple[np.ndarray, np.ndarray]:
    """Read the data bands of a window as float64 (or ``dtype``) with their validity mask."""
    try:
        return _read_window(ds, info, col, row, cols, rows, dtype)
    except RuntimeError as exc:
        raise InputError(
            f"{info.source or info.path}: reading pixels failed ({exc}). Fix: the file is "
            "damaged or incomplete; re-create or re-download it."
        ) from None


def _read_window(ds, info, col, row, cols, rows, dtype=np.float64):
    raw = ds.ReadAsArray(col, row, cols, rows, band_list=list(info.data_bands))
    if raw.ndim == 2:
        raw = raw[np.newaxis]
    if info.signed_byte and raw.dtype == np.uint8:  # a view (VRT) that lost the pixel type
        raw = raw.view(np.int8)
    masks = None
    if info.alpha_band is not None:  # whatever GDAL's mask flags make of it
        alpha = ds.GetRasterBand(info.alpha_band).ReadAsArray(col, row, cols, rows)
        masks = np.broadcast_to(alpha[None], raw.shape)
    elif info.needs_mask_band:
        masks = np.stack(
            [
                ds.GetRasterBand(b).GetMaskBand().ReadAsArray(col, row, cols, rows)
                for b in info.data_bands
            ]
        )
    valid = valid_mask(raw, info, masks)
    return raw.astype(dtype, copy=False), valid
