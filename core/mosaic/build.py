"""One seamless raster from images on their cells: seamlines, then the mosaic window by window.

Each image's means on the seamlines' coarse cells (cells.py) decide the seams
(seamlines.py); the images are then blended window by window (blend.py) into a GeoTIFF, or
shown through a VRT (vrt.py) along the seams without copying their pixels. The seamline
polygons can be written too, and edited seamlines read back as cutlines (layer.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from ..errors import InputError
from ..feedback import Feedback
from ..grid.blocks import BlockGrid
from ..grid.common_grid import CommonGrid, Placement
from ..io.atomic import OutputSet
from ..io.geotiff import (TILE, OutputRaster, PixelType, check_nodata_fits, pixel_type,
                          to_output_type, type_name_of)
from ..io.parallel import release_freed_memory
from ..io.rasters import RasterInfo
from ..io.windows import bounded_window, iter_windows, stream_windows, window_count
from ..options import MosaicOptions, Streaming
from .blend import Blender, distance_maps, feather_in_cells, margin_for
from .cells import CellImage
from .layer import write_seamlines
from .seamlines import SeamGrid, choose_seams
from .vrt import write_vrt_mosaic

VRT = ".vrt"
# Mosaic windows are whole GeoTIFF tiles: this side unless Streaming says otherwise.
MOSAIC_WINDOW = 512


def mosaic_window(streaming: Streaming) -> int:
    return bounded_window(streaming.window or MOSAIC_WINDOW)


@dataclass
class MosaicResult:
    output: str
    seams: SeamGrid
    seamlines: Optional[str]


def check_mosaic_format(mosaic: MosaicOptions) -> None:
    """A .tif or .vrt path; a VRT only cuts, it cannot blend. (Where it goes is checked
    with every other output of the run, by the run's output plan.)"""
    output, feather = mosaic.output, mosaic.feather
    lower = output.lower()
    if not lower.endswith((".tif", ".tiff", VRT)):
        raise InputError(f"{output}: the mosaic is written as GeoTIFF (.tif) or VRT (.vrt). "
                         "Fix: give a path ending in .tif or .vrt.")
    lines = mosaic.seamlines_out
    if lines and not lines.lower().endswith(".gpkg"):
        raise InputError(f"{lines}: seamlines are written as a GeoPackage. Fix: give a path "
                         "ending in .gpkg.")
    if lower.endswith(VRT) and feather > 0:
        raise InputError(f"{output}: a VRT mosaic shows each pixel from one image and cannot "
                         "blend across seams. Fix: set the feather width to 0, or write a "
                         "GeoTIFF (.tif).")


def mosaic_from_cells(infos: List[RasterInfo], grid: CommonGrid, cells: BlockGrid,
                      images: List[CellImage], mosaic: MosaicOptions, streaming: Streaming,
                      feedback: Feedback, cut: Optional[np.ndarray] = None,
                      staged: Optional[OutputSet] = None,
                      sources: Optional[List[str]] = None) -> MosaicResult:
    """The mosaic from each image's cells; ``cut``: the cells cutlines give to an image.

    ``staged``: the run's output set the mosaic and seamlines are written into (the run
    commits it; without one they are committed here); ``sources``: the paths the images
    will have once committed (they may be read from staged temporaries), which a VRT
    refers to and the seamlines name (default: the images' own)."""
    sources = list(sources) if sources is not None else [info.path for info in infos]
    output, feather, seamlines_out = mosaic.output, mosaic.feather, mosaic.seamlines_out
    window, threads = mosaic_window(streaming), streaming.threads
    names = [os.path.basename(p) for p in sources]
    release_freed_memory()
    seams = choose_seams(images, cells, mosaic.seamlines)
    if cut is not None:
        seams = _with_cutlines(seams, cut)
    release_freed_memory()
    feather_cells = feather_in_cells(feather, grid, cells.size)
    maps = distance_maps(seams, grid, margin_for(feather_cells))
    blender = Blender(list(grid.views), grid, maps, cells.size, feather_cells)
    outputs = staged if staged is not None else OutputSet()
    try:
        dtype = mosaic_type(infos)
        if output.lower().endswith(VRT):
            write_vrt_mosaic(grid, output, outputs,
                             _blended(blender, grid, feedback, window, threads),
                             dict(zip((i.path for i in infos), sources)), dtype)
        else:
            ptype = mosaic_pixel_type(infos, mosaic)
            raster = OutputRaster(outputs, output, mosaic.raster, ptype, threads)
            finishing = feedback.stage(0.8, 1.0)
            _write_geotiff(infos[0], grid, output, raster,
                           _blended(blender, grid, feedback.stage(0.0, 0.8), window, threads,
                                    infos[0], ptype), finishing)
        lines = None
        if seamlines_out:
            try:
                lines = write_seamlines(seams, grid, names,
                                        outputs.temporary_for(seamlines_out, ".gpkg"))
            except (RuntimeError, OSError) as exc:  # GDAL or the disk: full, read-only
                raise InputError(f"{seamlines_out}: writing the seamlines failed ({exc}). "
                                 "Fix: check free space and permissions of its folder.") from None
        if staged is None:
            outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    feedback.info(f"Mosaic of {len(infos)} rasters, {grid.cols} x {grid.rows} pixels, seams "
                  f"on cells of {cells.size} pixels, feather {feather:g} map units: {output}")
    return MosaicResult(output, seams, seamlines_out if lines else None)


def _with_cutlines(seams: SeamGrid, cut: np.ndarray) -> SeamGrid:
    """Cells the cutlines give to an image with data there go to it; the user decides
    there, so no cloud rule overrides them."""
    labels = seams.labels.copy()
    for k, image in enumerate(seams.images):
        take = (cut[image.on_grid] == k) & (image.coverage > 0)
        labels[image.on_grid] = np.where(take, k, labels[image.on_grid])
    return SeamGrid(seams.cells, labels, seams.images, None)


def mosaic_type(infos: List[RasterInfo]) -> np.dtype:
    """The type of the mosaic: the narrowest that holds every input's values (Byte and
    UInt16 make UInt16, Int8 and Byte Int16), so that no input is clipped to another's range."""
    return np.result_type(*[info.numpy_type for info in infos])


def mosaic_pixel_type(infos: List[RasterInfo], mosaic: MosaicOptions) -> PixelType:
    """The mosaic's type: the one asked (OUTPUT_TYPE), else :func:`mosaic_type`; refuses a
    no-data value it cannot hold."""
    name = mosaic.raster.data_type or type_name_of(mosaic_type(infos))
    ptype = pixel_type(name, infos[0].gdal_type)
    check_nodata_fits(infos[0].nodata, ptype, infos[0].path)
    return ptype


def _blended(blender: Blender, grid: CommonGrid, feedback: Feedback, window: int,
             threads: Optional[int], first: Optional[RasterInfo] = None,
             ptype: Optional[PixelType] = None):
    """(window, bands, source) over the mosaic in order, blended on ``threads`` threads;
    ``bands``: the values in type ``ptype`` with ``first``'s no-data (None without
    ``first``)."""
    size = max(TILE, (window // TILE) * TILE)
    total = window_count(grid.cols, grid.rows, size)

    def blend(win: Placement):
        values, source = blender(win, values_needed=first is not None)
        if first is None:
            return win, None, source
        valid = source >= 0
        return win, [ptype.for_writing(to_output_type(band, valid, ptype.numpy_type,
                                                      first.nodata[0], in_place=True))
                     for band in values], source

    windows = (Placement(*rect) for rect in iter_windows(grid.cols, grid.rows, size))
    return stream_windows(blend, windows, total, feedback, threads)


def _write_geotiff(first: RasterInfo, grid: CommonGrid, output: str, raster: OutputRaster,
                   windows, finishing: Feedback) -> None:
    """The mosaic as a tiled GeoTIFF (or COG) with the first input's no-data value (or an
    internal mask where it has none), in the raster's type."""
    nodata = first.nodata[0]
    dst = raster.create(grid.cols, grid.rows, first.band_count, grid.geotransform,
                        grid.crs_wkt, [nodata] * first.band_count, internal_mask=nodata is None,
                        scaling=first.scaling)
    try:
        for win, bands, source in windows:
            for b, band in enumerate(bands):
                dst.GetRasterBand(b + 1).WriteArray(band, win.col, win.row)
            if nodata is None:
                dst.GetRasterBand(1).GetMaskBand().WriteArray(
                    (source >= 0).astype(np.uint8) * 255, win.col, win.row)
        dst = None
        raster.finish(finishing)
    except RuntimeError as exc:  # GDAL: disk full, permission lost, ...
        raise InputError(f"{output}: writing the mosaic failed ({exc}). Fix: check free space "
                         "and permissions of its folder.") from None
    finally:
        dst = None
        raster.close()
