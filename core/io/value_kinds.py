"""What kind of values an input holds, and the kinds a run would damage, refused up front.

Matching shifts and stretches values, so it needs continuous, real values whose validity
every output can carry exactly as the input had it. Refused, each with the fix:

* complex values (an output in the same type would lose the imaginary part);
* a colour table, a palette or a thematic attribute table (class numbers: any correction
  changes the classes);
* bands with different no-data values: a GeoTIFF holds one no-data value for all its bands,
  so the outputs could not keep them;
* masks of their own per band (a GeoTIFF holds one internal mask for all bands, and a mask
  shared by all bands would turn pixels valid in one band into no data in the others).

Kept: signed bytes (``PIXELTYPE=SIGNEDBYTE`` on a Byte band, GDAL's way before its Int8 type
of 3.7) are read and written as signed values; scale, offset and unit of the bands are copied
to the outputs unchanged, and the correction works on the stored values.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

from osgeo import gdal



def is_signed_byte(band: gdal.Band) -> bool:
    """A Byte band whose values are signed (GDAL < 3.7 reports Int8 GeoTIFFs this way)."""
    return band.DataType == gdal.GDT_Byte and \
        band.GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE"


def band_scaling(ds: gdal.Dataset, bands: Sequence[int]) -> Tuple[Tuple[float, float, str], ...]:
    """(scale, offset, unit) per band where any band has one, else ()."""
    found = []
    for number in bands:
        band = ds.GetRasterBand(number)
        scale, offset = band.GetScale(), band.GetOffset()
        found.append((1.0 if scale is None else float(scale),
                      0.0 if offset is None else float(offset), band.GetUnitType() or ""))
    if all(item == (1.0, 0.0, "") for item in found):
        return ()
    return tuple(found)


def _same(a: Optional[float], b: Optional[float]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b or (math.isnan(a) and math.isnan(b))


def _has_own_mask(flags: int) -> bool:
    return not flags & (gdal.GMF_ALL_VALID | gdal.GMF_NODATA)


def value_kind_problem(path: str, ds: gdal.Dataset, bands: Sequence[int]) -> Optional[str]:
    """Why an input is refused (see the module), or None. A message rather than an
    exception: the caller closes the dataset first, so that no traceback keeps GDAL objects
    alive."""
    for number in bands:
        band = ds.GetRasterBand(number)
        if gdal.DataTypeIsComplex(band.DataType):
            return (
                f"{path}: band {number} holds complex values "
                f"({gdal.GetDataTypeName(band.DataType)}); matching works on real values and "
                "would lose the imaginary part. Fix: convert to real values first, e.g. the "
                "amplitude (Raster Calculator: abs) or gdal_translate -ot Float32.")
        rat = band.GetDefaultRAT()
        thematic = rat is not None and rat.GetTableType() == gdal.GRTT_THEMATIC
        if band.GetColorTable() is not None or thematic or \
                band.GetColorInterpretation() == gdal.GCI_PaletteIndex:
            return (
                f"{path}: band {number} is a paletted or categorical raster (a colour table "
                "or class table); matching would change its class values. Fix: give "
                "continuous values (e.g. expand the palette to RGB with gdal_translate "
                "-expand rgb), or leave this raster out.")
    first = ds.GetRasterBand(bands[0])
    nodata = first.GetNoDataValue()
    for number in bands[1:]:
        other = ds.GetRasterBand(number).GetNoDataValue()
        if not _same(nodata, other):
            return (
                f"{path}: its bands have different no-data values (band {bands[0]}: {nodata}, "
                f"band {number}: {other}); a GeoTIFF output holds one no-data value for all "
                "bands, so validity could not be kept. Fix: give all bands one no-data value "
                "(gdal_translate -a_nodata), or process the bands as separate rasters.")
    flags = [ds.GetRasterBand(b).GetMaskFlags() for b in bands]
    own = [_has_own_mask(f) for f in flags]
    if any(own) and (not all(own) or not all(f & gdal.GMF_PER_DATASET for f in flags)):
        return (
            f"{path}: its bands have masks of their own (per band); a GeoTIFF output holds "
            "one mask for all bands, so validity could not be kept exactly. Fix: give one "
            "mask for all bands (e.g. gdal_translate -mask 1), or a no-data value.")
    return None
