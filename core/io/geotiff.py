"""New GeoTIFFs: one way to create them, and values brought into their type."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal

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


def create_geotiff(path: str, cols: int, rows: int, bands: int, gdal_type: int,
                   geotransform: Sequence[float], crs_wkt: str,
                   nodata: Sequence[Optional[float]] = (), internal_mask: bool = False,
                   signed_byte: bool = False, scaling: Sequence[Tuple[float, float, str]] = ()
                   ) -> gdal.Dataset:
    """A tiled, compressed GeoTIFF on a grid; ``nodata`` per band (None: none), or an
    ``internal_mask`` for validity; ``signed_byte``: a Byte type holds signed values (GDAL
    before 3.7); ``scaling``: (scale, offset, unit) per band, copied as they are."""
    options = creation_options(gdal_type)
    if signed_byte and gdal_type == gdal.GDT_Byte:
        options.append("PIXELTYPE=SIGNEDBYTE")
    dst = gdal.GetDriverByName("GTiff").Create(path, cols, rows, bands, gdal_type, options)
    dst.SetGeoTransform(tuple(geotransform))
    dst.SetProjection(crs_wkt)
    for b, value in enumerate(nodata):
        if value is not None:
            dst.GetRasterBand(b + 1).SetNoDataValue(value)
    for b, (scale, offset, unit) in enumerate(scaling):
        band = dst.GetRasterBand(b + 1)
        band.SetScale(scale)
        band.SetOffset(offset)
        band.SetUnitType(unit)
    if internal_mask:
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


def gdal_type_of(dtype: np.dtype) -> Tuple[int, bool]:
    """(GDAL type, signed byte) that holds a numpy type: int8 is GDAL's Int8 from 3.7 on,
    before it a Byte band marked PIXELTYPE=SIGNEDBYTE."""
    from osgeo import gdal_array

    dtype = np.dtype(dtype)
    if dtype == np.int8:
        int8 = getattr(gdal, "GDT_Int8", None)
        return (int8, False) if int8 is not None else (gdal.GDT_Byte, True)
    return gdal_array.NumericTypeCodeToGDALTypeCode(dtype), False


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
