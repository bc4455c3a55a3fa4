"""New output rasters: their format (GeoTIFF or COG), creation options, overviews and type,
checked before any pixel is read, and values brought into their type."""
from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal

from .. import defaults
from ..errors import InputError
from ..feedback import Feedback
from ..options import RasterFormat
from .atomic import OutputSet
from .gdal_calls import cache_at_most, closing_quietly, gdal_call, thread_config
from .parallel import release_freed_memory

TILE = 256
COG_BLOCK = 512  # the COG driver's default tile side
# Compressions that take a PREDICTOR (the default one is dropped for the others).
_PREDICTED = {"DEFLATE", "LZW", "ZSTD", "LZMA"}


# -- pixel types ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PixelType:
    """An output type: GDAL's, numpy's, and whether it is Int8 stored as signed Byte (GDAL
    before 3.7 has no GDT_Int8, GeoTIFF then writes PIXELTYPE=SIGNEDBYTE)."""

    name: str
    gdal_type: int
    numpy_type: np.dtype
    signed_byte: bool = False

    @property
    def is_integer(self) -> bool:
        return np.issubdtype(self.numpy_type, np.integer)

    def for_writing(self, values: np.ndarray) -> np.ndarray:
        """The array as GDAL takes it for this type."""
        return values.view(np.uint8) if self.signed_byte else values


def pixel_type(name: Optional[str], input_gdal_type: int) -> PixelType:
    """The type named (one of ``defaults.OUTPUT_TYPES``), or the input's where None."""
    if name is None:
        name = gdal.GetDataTypeName(input_gdal_type)
    if name not in defaults.OUTPUT_TYPES:
        raise InputError(f"Output type {name!r}: not a type an output can take. Fix: choose "
                         f"one of {', '.join(defaults.OUTPUT_TYPES)}, or the input's.")
    if name == "Int8" and not hasattr(gdal, "GDT_Int8"):
        return PixelType(name, gdal.GDT_Byte, np.dtype(np.int8), signed_byte=True)
    gdal_type = gdal.GetDataTypeByName(name)
    from osgeo import gdal_array

    return PixelType(name, gdal_type, np.dtype(gdal_array.GDALTypeCodeToNumericTypeCode(gdal_type)))


def gdal_type_of(dtype: np.dtype) -> Tuple[int, bool]:
    """(GDAL type, signed byte) that holds a numpy type: int8 is GDAL's Int8 from 3.7 on,
    before it a Byte band marked PIXELTYPE=SIGNEDBYTE."""
    from osgeo import gdal_array

    dtype = np.dtype(dtype)
    if dtype == np.int8:
        int8 = getattr(gdal, "GDT_Int8", None)
        return (int8, False) if int8 is not None else (gdal.GDT_Byte, True)
    return gdal_array.NumericTypeCodeToGDALTypeCode(dtype), False


def type_name_of(dtype: np.dtype) -> str:
    """The name (as ``defaults.OUTPUT_TYPES``) of the GDAL type that holds a numpy type."""
    if np.dtype(dtype) == np.int8:
        return "Int8"
    return gdal.GetDataTypeName(gdal_type_of(dtype)[0])


def check_nodata_fits(nodata: Sequence[Optional[float]], ptype: PixelType, path: str) -> None:
    """Refuse a no-data value the output type cannot hold (valid pixels would take it)."""
    for value in nodata:
        if value is None:
            continue
        lo, hi = type_range(ptype.numpy_type)
        if ptype.is_integer:
            fits = np.isfinite(value) and float(value).is_integer() and lo <= value <= hi
        else:
            fits = not np.isfinite(value) or lo <= value <= hi
        if not fits:
            raise InputError(
                f"{path}: its no-data value {value:g} cannot be represented in {ptype.name}. "
                "Fix: choose an output type that holds it (e.g. the input's), or give the "
                "input another no-data value (gdal_translate -a_nodata)."
            )


def type_range(dtype: np.dtype) -> Tuple[float, float]:
    """The type's range as floats that cast back into it (64-bit integers' maxima are not
    floats: the largest float below them)."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        lo, hi = float(info.min), float(info.max)
        if int(hi) > info.max:
            hi = float(np.nextafter(hi, 0.0))
        return lo, hi
    info = np.finfo(dtype)
    return float(info.min), float(info.max)


def to_output_type(
    values: np.ndarray, valid: np.ndarray, dtype: np.dtype, nodata: Optional[float],
    in_place: bool = False,
) -> np.ndarray:
    """Round and clip to the type's range; keep valid pixels off the no-data value.

    ``in_place``: ``values`` (float, not needed afterwards) is the work array and is
    overwritten, one temporary less per window and band."""
    dtype = np.dtype(dtype)
    lo, hi = type_range(dtype)
    reuse = in_place and values.dtype.kind == "f" and values.flags.writeable
    out = values if reuse else values.astype(np.float64)
    integer = np.issubdtype(dtype, np.integer)
    if integer:
        np.rint(out, out=out)
        # fmax/fmin take the number where the other is NaN: NaN becomes the lowest value,
        # +-inf and everything beyond the range its ends (two passes, not nan_to_num's six)
        np.fmax(out, lo, out=out)
        np.fmin(out, hi, out=out)
    else:
        np.nan_to_num(out, copy=False, nan=0.0, posinf=hi, neginf=lo)
        np.clip(out, lo, hi, out=out)
    if nodata is not None and not np.isnan(nodata):
        clash = valid & (out == nodata)
        if clash.any():
            if integer:
                step = 1.0 if nodata < hi else -1.0
                out[clash] = nodata + step
            else:
                away = np.inf if nodata < hi else -np.inf
                out[clash] = np.nextafter(np.asarray(nodata, dtype=dtype), away)
        out[~valid] = nodata
    elif not integer:
        out[~valid] = np.nan
    else:
        out[~valid] = 0
    return out.astype(dtype)


# -- creation options ----------------------------------------------------------------------

def _driver_options(driver: str) -> Dict[str, Tuple[str, List[str]]]:
    """{name: (type, allowed values)} from the driver's creation option list."""
    xml = gdal.GetDriverByName(driver).GetMetadataItem("DMD_CREATIONOPTIONLIST") or "<x/>"
    found = {}
    for option in ET.fromstring(xml).iter("Option"):
        values = [v.text or "" for v in option.iter("Value")]
        values += [v.get("alias") for v in option.iter("Value") if v.get("alias")]
        found[option.get("name").upper()] = (option.get("type", "string"), values)
    return found


def _parse_items(items: Sequence[str]) -> List[Tuple[str, str, str]]:
    parsed = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(
                f"Creation option {item!r}: not of the form KEY=VALUE. Fix: give options as "
                "KEY=VALUE items separated by |, e.g. COMPRESS=ZSTD|ZSTD_LEVEL=1.")
        parsed.append((item, key.strip().upper(), value.strip()))
    return parsed


def check_raster_format(fmt: RasterFormat) -> None:
    """Refuse an unknown format, type or creation option (naming it) before any work."""
    if fmt.driver not in defaults.OUTPUT_FORMATS:
        raise InputError(f"Output format {fmt.driver!r}: not offered. Fix: choose one of "
                         f"{', '.join(defaults.OUTPUT_FORMATS)}.")
    if fmt.data_type is not None:
        pixel_type(fmt.data_type, gdal.GDT_Float32)
    known = _driver_options(fmt.driver)
    for item, key, value in _parse_items(fmt.creation_options):
        if key not in known:
            other = [d for d in defaults.OUTPUT_FORMATS
                     if d != fmt.driver and key in _driver_options(d)]
            hint = f" (it is one of the {other[0]} driver's)" if other else ""
            raise InputError(
                f"Creation option {item!r}: {key} is not a creation option of GDAL's "
                f"{fmt.driver} driver{hint}. Fix: remove it, or use one of "
                f"{', '.join(sorted(known))}.")
        kind, allowed = known[key]
        if kind == "string-select" and allowed and value.upper() not in \
                {a.upper() for a in allowed}:
            raise InputError(
                f"Creation option {item!r}: {value!r} is not a value of {key} here. Fix: use "
                f"one of {', '.join(a for a in allowed)}.")
        if kind == "int" and not _is_number(value, int):
            raise InputError(f"Creation option {item!r}: {key} takes a whole number. Fix: "
                             f"give one, e.g. {key}=1.")
        if kind == "float" and not _is_number(value, float):
            raise InputError(f"Creation option {item!r}: {key} takes a number. Fix: give one.")
        if kind == "boolean" and value.upper() not in \
                {"YES", "NO", "TRUE", "FALSE", "ON", "OFF", "1", "0"}:
            raise InputError(f"Creation option {item!r}: {key} takes YES or NO. Fix: give "
                             "one of them.")


def _is_number(text: str, kind) -> bool:
    try:
        kind(text)
        return True
    except ValueError:
        return False


def _merged(defaults_: List[str], user: Sequence[str]) -> List[str]:
    """The defaults with the user's items added or replacing them (by key)."""
    items: Dict[str, str] = {}
    for item in list(defaults_) + list(user):
        key, _, value = item.partition("=")
        items[key.strip().upper()] = value.strip()
    compress = items.get("COMPRESS", "NONE").upper()
    user_keys = {k for _, k, _ in _parse_items(user)}
    if "PREDICTOR" not in user_keys and compress not in _PREDICTED:
        items.pop("PREDICTOR", None)
    if items.get("TILED", "YES").upper() in ("NO", "FALSE", "OFF", "0") \
            and "BLOCKXSIZE" not in user_keys:
        items.pop("BLOCKXSIZE", None)
    return [f"{k}={v}" for k, v in items.items()]


def _threads(threads: Optional[int]) -> str:
    return str(threads) if threads and threads > 0 else "ALL_CPUS"


def geotiff_options(ptype: PixelType, fmt: RasterFormat = RasterFormat(),
                    threads: Optional[int] = None) -> List[str]:
    """A GeoTIFF's creation options: tiled, DEFLATE with the predictor that suits the type,
    compressed on ``threads`` threads, then the user's options over these."""
    predictor = "2" if ptype.is_integer else "3"
    base = ["TILED=YES", f"BLOCKXSIZE={TILE}", f"BLOCKYSIZE={TILE}", "COMPRESS=DEFLATE",
            f"PREDICTOR={predictor}", "BIGTIFF=IF_SAFER", f"NUM_THREADS={_threads(threads)}"]
    user = fmt.creation_options if fmt.driver == "GTiff" else ()
    options = _merged(base, user)
    if ptype.signed_byte:
        options.append("PIXELTYPE=SIGNEDBYTE")
    return options


def cog_options(fmt: RasterFormat, threads: Optional[int] = None) -> List[str]:
    """The COG driver's options: DEFLATE with a predictor, averaged overviews (none where
    ``fmt.overviews`` is False), then the user's options over these."""
    base = ["COMPRESS=DEFLATE", "PREDICTOR=YES", "BIGTIFF=IF_SAFER",
            f"NUM_THREADS={_threads(threads)}", "OVERVIEW_RESAMPLING=AVERAGE",
            "OVERVIEWS=" + ("NONE" if fmt.overviews is False else "AUTO")]
    return _merged(base, fmt.creation_options)


def _scratch_options(fmt: RasterFormat, ptype: PixelType) -> List[str]:
    """The GeoTIFF a COG is made from: tiled as the COG will be, uncompressed (it is read
    once, right after, mostly from the page cache)."""
    block = next((v for _, k, v in _parse_items(fmt.creation_options) if k == "BLOCKSIZE"),
                 str(COG_BLOCK))
    options = ["TILED=YES", f"BLOCKXSIZE={block}", f"BLOCKYSIZE={block}", "BIGTIFF=IF_SAFER"]
    if ptype.signed_byte:
        options.append("PIXELTYPE=SIGNEDBYTE")
    return options


def probe_raster_format(fmt: RasterFormat, ptype: PixelType, bands: int) -> None:
    """Create a tiny raster in memory with these options: what GDAL refuses only on creation
    or on writing (JPEG of 16-bit data, NBITS beyond the type, ...) is refused before any
    pixel is read."""
    path = f"/vsimem/spectralmatch-probe-{os.getpid()}-{id(fmt)}.tif"
    handler = _Collect()
    gdal.PushErrorHandler(handler)
    # Closing the probe raises GDAL's error once more, inside the dataset's destructor,
    # where Python can only print it ("Exception ignored in: delete_Dataset", a traceback):
    # collected with the others instead.
    unraisable = sys.unraisablehook
    sys.unraisablehook = lambda report: handler.messages.append(str(report.exc_value))
    try:
        if fmt.driver == "COG":
            src = gdal.GetDriverByName("MEM").Create("", 16, 16, bands, ptype.gdal_type)
            if ptype.signed_byte:
                src.GetRasterBand(1).SetMetadataItem("PIXELTYPE", "SIGNEDBYTE",
                                                     "IMAGE_STRUCTURE")
            done = gdal.Translate(path, src, format="COG", creationOptions=cog_options(fmt, 1))
        else:
            done = gdal.GetDriverByName("GTiff").Create(path, 16, 16, bands, ptype.gdal_type,
                                                        geotiff_options(ptype, fmt, 1))
            done.GetRasterBand(1).Fill(1)
            done.FlushCache()
        made = done is not None
        done = None
    except RuntimeError as exc:
        made = False
        handler.messages.append(str(exc))
    finally:
        sys.unraisablehook = unraisable
        gdal.PopErrorHandler()
        gdal.Unlink(path)
    if not made or handler.messages:
        raise InputError(
            f"Creation options {'|'.join(fmt.creation_options)!r} for {fmt.driver} "
            f"{ptype.name}: GDAL refuses them "
            f"({'; '.join(dict.fromkeys(handler.messages)) or 'no reason given'}). "
            "Fix: change or remove the option it names.")


class _Collect:
    def __init__(self) -> None:
        self.messages: List[str] = []

    def __call__(self, level, number, message) -> None:
        if level >= gdal.CE_Failure:
            self.messages.append(message)


# -- creating and finishing ----------------------------------------------------------------

def create_geotiff(path: str, cols: int, rows: int, bands: int, gdal_type: int,
                   geotransform: Sequence[float], crs_wkt: str,
                   nodata: Sequence[Optional[float]] = (), internal_mask: bool = False,
                   options: Optional[List[str]] = None,
                   scaling: Sequence[Tuple[float, float, str]] = ()) -> gdal.Dataset:
    """A tiled, compressed GeoTIFF on a grid (``options``: its creation options, default
    :func:`geotiff_options`); ``nodata`` per band (None: none), or an ``internal_mask``;
    ``scaling``: (scale, offset, unit) per band, copied as they are."""
    if options is None:
        options = geotiff_options(pixel_type(None, gdal_type))
    dst = gdal.GetDriverByName("GTiff").Create(path, cols, rows, bands, gdal_type, options)
    dst.SetGeoTransform(tuple(geotransform))
    dst.SetProjection(crs_wkt)
    for b, value in enumerate(nodata):
        if value is not None:
            set_nodata(dst.GetRasterBand(b + 1), value)
    for b, (scale, offset, unit) in enumerate(scaling):
        band = dst.GetRasterBand(b + 1)
        band.SetScale(scale)
        band.SetOffset(offset)
        band.SetUnitType(unit)
    if internal_mask:
        create_internal_mask(dst)
    return dst


def set_nodata(band: gdal.Band, value: float) -> None:
    """The band's no-data value; 64-bit integer bands take it as an integer."""
    if band.DataType == getattr(gdal, "GDT_Int64", -1):
        band.SetNoDataValueAsInt64(int(value))
    elif band.DataType == getattr(gdal, "GDT_UInt64", -1):
        band.SetNoDataValueAsUInt64(int(value))
    else:
        band.SetNoDataValue(value)


def create_internal_mask(dst: gdal.Dataset) -> None:
    """A per-dataset mask band inside the GeoTIFF, not as a .msk beside it that the final
    rename would leave behind."""
    previous = gdal.GetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
    gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")
    try:
        dst.CreateMaskBand(gdal.GMF_PER_DATASET)
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", previous)


def nearest_mask_overviews(dst: gdal.Dataset) -> None:
    """Overviews of an internal mask or an alpha band by nearest neighbour: they are
    categories (valid or not, opacity steps), which an average would blend into values no
    pixel has. Data bands keep their averaged overviews (GDAL averages valid pixels only)."""
    first = dst.GetRasterBand(1)
    pairs = []
    if first.GetMaskFlags() == gdal.GMF_PER_DATASET:  # an internal mask, not no-data/alpha
        pairs.append((first.GetMaskBand(), [first.GetOverview(k).GetMaskBand()
                                            for k in range(first.GetOverviewCount())]))
    for number in range(1, dst.RasterCount + 1):
        band = dst.GetRasterBand(number)
        if band.GetColorInterpretation() == gdal.GCI_AlphaBand:
            pairs.append((band, [band.GetOverview(k) for k in range(band.GetOverviewCount())]))
    for source, overviews in pairs:
        if overviews:
            gdal.RegenerateOverviews(source, overviews, "NEAREST")
            for band in overviews:
                band.FlushCache()


def overview_factors(cols: int, rows: int, tile: int = TILE) -> List[int]:
    """2, 4, 8, ... until the smallest overview fits in one tile (at least 2, as asked)."""
    factors, side, f = [2], max(cols, rows), 4
    while -(-side // (f // 2)) > tile:
        factors.append(f)
        f *= 2
    return factors if side > 1 else []


def wants_overviews(fmt: RasterFormat, cols: int, rows: int) -> bool:
    if fmt.overviews is None:
        return max(cols, rows) > defaults.OVERVIEW_MIN_SIDE
    return bool(fmt.overviews) and bool(overview_factors(cols, rows))


class OutputRaster:
    """One output raster in the asked format, written window by window into ``dataset``.

    A GeoTIFF is written straight into its registered temporary (``target``) and gets its
    overviews at ``finish``; a COG is written as a tiled GeoTIFF scratch file, which
    ``finish`` converts with GDAL's COG driver (streaming, block by block) into the target
    and removes. Both temporaries belong to the run's :class:`OutputSet`, so a failure or a
    cancel at any point leaves neither.
    """

    def __init__(self, outputs: OutputSet, final_path: str, fmt: RasterFormat,
                 ptype: PixelType, threads: Optional[int] = None) -> None:
        self.final, self.fmt, self.ptype, self.threads = final_path, fmt, ptype, threads
        self.target = outputs.temporary_for(final_path)
        self.path = outputs.scratch_for(final_path) if fmt.driver == "COG" else self.target
        self.dataset: Optional[gdal.Dataset] = None

    def create(self, cols: int, rows: int, bands: int, geotransform: Sequence[float],
               crs_wkt: str, nodata: Sequence[Optional[float]] = (),
               internal_mask: bool = False,
               scaling: Sequence[Tuple[float, float, str]] = ()) -> gdal.Dataset:
        options = _scratch_options(self.fmt, self.ptype) if self.fmt.driver == "COG" \
            else geotiff_options(self.ptype, self.fmt, self.threads)
        self.dataset = create_geotiff(self.path, cols, rows, bands, self.ptype.gdal_type,
                                      geotransform, crs_wkt, nodata, internal_mask, options,
                                      scaling)
        return self.dataset

    @property
    def has_finishing(self) -> bool:
        """Work left after the last window: overviews, or the COG."""
        ds = self.dataset
        return ds is not None and self.has_finishing_for(ds.RasterXSize, ds.RasterYSize)

    def has_finishing_for(self, cols: int, rows: int) -> bool:
        return self.fmt.driver == "COG" or wants_overviews(self.fmt, cols, rows)

    def finish(self, feedback: Feedback) -> None:
        """Flush; build the overviews or the COG; close. Raises Cancelled on a cancel.

        GDAL's block cache is held at ``FINISH_CACHE_BYTES`` meanwhile: each block is read
        or written once here, and a larger cache only adds to the peak memory."""
        dst, self.dataset = self.dataset, None
        dst.FlushCache()
        cols, rows = dst.RasterXSize, dst.RasterYSize
        if self.has_finishing_for(cols, rows):
            release_freed_memory()  # the windows' buffers, before GDAL's own peak
        try:
            with cache_at_most(FINISH_CACHE_BYTES), \
                    thread_config("GDAL_NUM_THREADS", _threads(self.threads)):
                if self.fmt.driver == "GTiff" and wants_overviews(self.fmt, cols, rows):
                    feedback.phase("overviews")
                    gdal_call(lambda cb: dst.BuildOverviews(
                        "AVERAGE", overview_factors(cols, rows), callback=cb), feedback)
                    nearest_mask_overviews(dst)
                if self.fmt.driver == "COG":
                    feedback.phase("cog")
                    options = self._cog_overviews(dst, cols, rows, feedback.stage(0.0, 0.25))
                    with closing_quietly() as closed:
                        dst = None  # closed before the COG driver reads it
                    closed.raise_any()
                    self._translate_to_cog(options, feedback.stage(0.25, 1.0))
        finally:
            # Closed here also on a cancel or a signal, not whenever the exception's
            # traceback (which keeps this frame and the lambda's reference) is let go.
            with closing_quietly() as closed:
                dst = None
        closed.raise_any()  # (not reached where an exception is on its way already)

    def _cog_overviews(self, dst: gdal.Dataset, cols: int, rows: int,
                       feedback: Feedback) -> List[str]:
        """The COG's overviews, built into the scratch GeoTIFF to be copied as they are
        (OVERVIEWS=FORCE_USE_EXISTING); returns the COG's creation options. The COG driver's
        own overview pass took 93 MB above the process's baseline on a 4000 x 4000 x 4
        UInt16 raster, these two steps at most 54 MB, in the same time."""
        options = dict(_parse_items_lenient(cog_options(self.fmt, self.threads)))
        block = int(options.get("BLOCKSIZE", COG_BLOCK))
        if options.get("OVERVIEWS", "AUTO").upper() in ("AUTO", "IGNORE_EXISTING") \
                and max(cols, rows) > block:
            factors = overview_factors(cols, rows, block)
            if "OVERVIEW_COUNT" in options:
                factors = factors[:max(int(options["OVERVIEW_COUNT"]), 0)]
            resampling = options.get("OVERVIEW_RESAMPLING", options.get("RESAMPLING", "AVERAGE"))
            if factors:
                gdal_call(lambda cb: dst.BuildOverviews(resampling, factors, callback=cb),
                           feedback)
                nearest_mask_overviews(dst)
            options["OVERVIEWS"] = "FORCE_USE_EXISTING" if factors else "NONE"
        dst.FlushCache()
        return [f"{k}={v}" for k, v in options.items()]

    def _translate_to_cog(self, options: List[str], feedback: Feedback) -> None:
        gdal_call(lambda cb: gdal.Translate(
            self.target, self.path, format="COG", creationOptions=options, callback=cb),
            feedback)
        for path in (self.path, self.path + ".msk"):  # free the disk now
            if os.path.exists(path):
                os.remove(path)

    def close(self) -> None:
        """Drop the dataset, after a failure: GDAL's error in flushing it again (a full
        disk) was printed from its destructor, where Python cannot raise it."""
        with closing_quietly():
            self.dataset = None


FINISH_CACHE_BYTES = 8 * 1024 * 1024


def _parse_items_lenient(items: Sequence[str]) -> List[Tuple[str, str]]:
    return [(k.strip().upper(), v.strip()) for k, _, v in (i.partition("=") for i in items)]
