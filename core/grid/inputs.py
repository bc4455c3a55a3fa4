"""Check the inputs of a run before any pixel is read."""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import List, Optional, Tuple

from ..errors import InputError
from ..io.parallel import ordered_map, thread_count
from ..io.rasters import RasterInfo, describe
from ..options import BandMap
from .band_plan import BandPlan, plan_bands
from .common_grid import CommonGrid, build_common_grid, release_views


def load_inputs(
    paths: List[str], reference: Optional[str] = None, pixel_size: Optional[float] = None,
    minimum: int = 2, same_bands: bool = True, threads: Optional[int] = None,
) -> Tuple[List[RasterInfo], CommonGrid, Optional[int]]:
    """Describe the inputs, place them on one grid and find the reference among them.

    ``pixel_size`` (map units of the first input's CRS) replaces the coarsest input's;
    ``minimum`` is how many inputs the run needs (a mosaic can take one). The inputs must
    have the same number of bands unless ``same_bands`` is False (then the caller chooses the
    bands it reads; see :func:`load_planned_inputs`). ``threads``: how many read the
    headers (None: one per core)."""
    infos, grid, ref_index, _ = _load(paths, reference, pixel_size, minimum, None,
                                      any_bands=not same_bands, threads=threads)
    return infos, grid, ref_index


def load_planned_inputs(
    paths: List[str], reference: Optional[str] = None, band_map: Optional[BandMap] = None,
    threads: Optional[int] = None,
) -> Tuple[List[RasterInfo], CommonGrid, Optional[int], BandPlan]:
    """:func:`load_inputs` for inputs whose bands may differ: also their band plan
    (grid/band_plan.py), checked before the grid is built and before any pixel is read."""
    return _load(paths, reference, None, 2, band_map, planned=True, threads=threads)


def input_paths(paths) -> List[str]:
    """The input rasters as a list of path strings (``pathlib.Path`` items welcome). One
    path given alone was taken letter by letter ("i_matched.tif would be written inside
    the input /")."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise InputError(f"{os.fsdecode(paths)}: the inputs are a list of raster paths, not "
                         "one path. Fix: give a list, e.g. [first, second].")
    return [os.fspath(p) for p in paths]


def _file_key(path: str):
    """What tells files apart: device and inode, so that a hard link of an input is the
    same file (a symbolic link was refused as the same, a hard link was not); the real path
    where the file cannot be read (GDAL's virtual paths, GPKG:file:table)."""
    try:
        st = os.stat(path)
        return (st.st_dev, st.st_ino)
    except OSError:
        return os.path.realpath(path)


def _load(paths, reference, pixel_size, minimum, band_map, planned=False, any_bands=False,
          threads=None):
    paths = input_paths(paths)
    if reference is not None:
        reference = os.fspath(reference)
    if not paths:
        raise InputError("No input raster given. Fix: add the rasters to mosaic.")
    if len(paths) < minimum:
        raise InputError(
            f"{len(paths)} input raster(s) given: matching needs at least two overlapping "
            "rasters. Fix: add the rasters to match."
        )
    seen = {}
    for path in paths:
        key = _file_key(path)
        if key in seen:
            raise InputError(
                f"{path}: this file is given twice (also as {seen[key]}). "
                "Fix: give each raster once."
            )
        seen[key] = path
    # Headers on threads (GDAL releases the GIL): most of a header's time is PROJ building
    # its CRS (0.5 ms a file), 1 s of the setup at 1,000 images on one thread. In order: the
    # first file that fails is the one named.
    threads = thread_count(threads)
    infos = list(ordered_map(describe, paths, threads))
    bands = infos[0].band_count
    plan = plan_bands(infos, band_map, threads) if planned else None
    for info in infos[1:] if not (planned or any_bands) else ():
        if info.band_count != bands:
            raise InputError(
                f"{info.path}: it has {info.band_count} bands, but {infos[0].path} has {bands}. "
                "Fix: give rasters with the same bands in the same order (e.g. select bands "
                "with gdal_translate -b)."
            )
    for info in infos[1:]:
        if not _same_scaling(info, infos[0]):
            raise InputError(
                f"{info.path}: its bands' scale, offset or unit ({_scaling_text(info)}) differ "
                f"from those of {infos[0].path} ({_scaling_text(infos[0])}); their stored "
                "values are not comparable. Fix: give rasters with the same scale and offset "
                "(or unscale them all: gdal_translate -unscale -ot Float32).")
    ref_index = None
    if reference:
        key = os.path.realpath(reference)
        matches = [k for k, p in enumerate(paths) if os.path.realpath(p) == key]
        if not matches:
            raise InputError(
                f"{reference}: the reference image is not among the inputs. "
                "Fix: choose one of the input rasters as reference, or none."
            )
        ref_index = matches[0]
    return infos, build_common_grid(infos, pixel_size), ref_index, plan


def _same_scaling(a: RasterInfo, b: RasterInfo) -> bool:
    """Band by band where the bands are the same; where they differ (another sensor), one
    scale, offset and unit for all bands of both."""
    if a.band_count == b.band_count:
        return a.scaling == b.scaling
    values = [set(i.scaling) or {(1.0, 0.0, "")} for i in (a, b)]
    return len(values[0]) == 1 and values[0] == values[1]


def _scaling_text(info: RasterInfo) -> str:
    if not info.scaling:
        return "none"
    return "; ".join(f"b{b + 1}: x{s:g} {o:+g} {u}".rstrip()
                     for b, (s, o, u) in enumerate(info.scaling))


def note_scaling(infos: List[RasterInfo], feedback) -> None:
    """Say in which unit the correction works where the bands carry a scale or offset."""
    if infos and infos[0].scaling:
        feedback.info(
            f"The inputs' bands carry scale, offset or unit ({_scaling_text(infos[0])}): the "
            "correction works on the stored values, and scale, offset and unit are copied to "
            "the outputs unchanged.")


@contextmanager
def prepared_inputs(paths: List[str], reference: Optional[str] = None,
                    pixel_size: Optional[float] = None, minimum: int = 2,
                    same_bands: bool = True, threads: Optional[int] = None):
    """:func:`load_inputs` for the length of a run; warped views are released after it."""
    infos, grid, ref = load_inputs(paths, reference, pixel_size, minimum, same_bands, threads)
    try:
        yield infos, grid, ref
    finally:
        release_views(grid)


@contextmanager
def prepared_planned_inputs(paths: List[str], reference: Optional[str] = None,
                            band_map: Optional[BandMap] = None, threads: Optional[int] = None):
    """:func:`load_planned_inputs` for the length of a run; warped views are released after."""
    infos, grid, ref, plan = load_planned_inputs(paths, reference, band_map, threads)
    try:
        yield infos, grid, ref, plan
    finally:
        release_views(grid)
