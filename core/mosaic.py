"""One seamless raster from matched images: seamlines, then the mosaic window by window.

``run_mosaic`` reads each image twice: once for its means on the seamlines' coarse cells
(seam_cells.py), once to blend it (mosaic_blend.py). ``mosaic_written`` serves match, which
measures those cells while it writes the matched images, so that it reads them only once.
The mosaic is a GeoTIFF, or a VRT (mosaic_vrt.py) that shows the images along the seams
without copying their pixels. The seamline polygons can be written too, and edited
seamlines read back as cutlines (seamline_layer.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from osgeo import gdal

from .block_grid import BlockGrid
from .errors import InputError
from .feedback import Feedback
from .inputs import prepared_inputs
from .mosaic_blend import Blender, distance_maps, feather_in_cells, margin_for
from .mosaic_grid import MosaicGrid, Placement
from .mosaic_vrt import write_vrt_mosaic
from .parallel import bounded_block_cache, ordered_map, release_freed_memory, thread_count
from .rasters import RasterInfo
from .seam_cells import CellImage, cell_statistics, seam_cells
from .seamline_layer import cutline_labels, write_seamlines
from .seamlines import COST_AWARE, SeamGrid, choose_seams
from .windows import iter_windows, window_count
from .writer import (OutputSet, TILE, create_internal_mask, creation_options,
                     to_output_type)

VRT = ".vrt"


@dataclass
class MosaicResult:
    output: str
    seams: SeamGrid
    seamlines: Optional[str]


@dataclass
class MosaicOptions:
    """What a matching run's mosaic should be (see :func:`run_mosaic`)."""

    output: str
    seamlines: str = COST_AWARE
    feather: float = 0.0
    seamlines_out: Optional[str] = None


def check_mosaic_output(output: str, feather: float, inputs: List[str],
                        matched_folder: Optional[str] = None, suffix: str = "") -> None:
    """A .tif or .vrt path in a folder that can be written, not an input's (nor, for match,
    a matched image's in ``matched_folder``); a VRT only cuts, it cannot blend."""
    lower = output.lower()
    if not lower.endswith((".tif", ".tiff", VRT)):
        raise InputError(f"{output}: the mosaic is written as GeoTIFF (.tif) or VRT (.vrt). "
                         "Fix: give a path ending in .tif or .vrt.")
    if lower.endswith(VRT) and feather > 0:
        raise InputError(f"{output}: a VRT mosaic shows each pixel from one image and cannot "
                         "blend across seams. Fix: set the feather width to 0, or write a "
                         "GeoTIFF (.tif).")
    folder = os.path.dirname(os.path.abspath(output))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: the mosaic's folder cannot be created ({exc.strerror}). "
                         "Fix: choose a folder you can write to.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{output}: its folder is not writable. Fix: choose a folder you "
                         "can write to.")
    taken = {os.path.realpath(p) for p in inputs}
    if matched_folder is not None:
        taken |= {os.path.realpath(os.path.join(
            matched_folder, f"{os.path.splitext(os.path.basename(p))[0]}{suffix}.tif"))
            for p in inputs}
    if os.path.realpath(output) in taken:
        raise InputError(f"{output}: the mosaic would overwrite an input or a matched image. "
                         "Fix: choose another path for the mosaic.")


def run_mosaic(
    inputs: List[str],
    output: str,
    seamlines: str = COST_AWARE,
    feather: float = 0.0,
    seamlines_out: Optional[str] = None,
    feedback: Optional[Feedback] = None,
    window: int = 512,
    threads: Optional[int] = None,
    cutlines: Optional[str] = None,
    pixel_size: Optional[float] = None,
) -> MosaicResult:
    """Mosaic ``inputs`` (usually matched rasters) into one GeoTIFF or VRT at ``output``.

    The grid: the union of the inputs in the first one's CRS, at the coarsest input's pixel
    size or ``pixel_size`` (map units); inputs already on it are read as they are, others
    through a warped view (averaged where finer, nearest neighbour where coarser)."""
    feedback = feedback or Feedback()
    check_mosaic_output(output, feather, inputs)
    if pixel_size is not None and not pixel_size > 0:
        raise InputError(f"Pixel size {pixel_size}: must be greater than 0. Fix: give a "
                         "positive size in map units, or none for the inputs' own.")
    with bounded_block_cache(), prepared_inputs(inputs, None, pixel_size, 1) as (
            infos, grid, _):
        cells = seam_cells(grid)
        cut = None
        if cutlines:  # read first: a wrong layer fails before the long part
            cut = cutline_labels(cutlines, [i.name for i in infos], grid, cells)
        images = cell_statistics(list(grid.views), grid, cells, feedback.stage(0.0, 0.3),
                                 threads, window)
        return mosaic_from_cells(infos, grid, cells, images, output, seamlines, feather,
                                 seamlines_out, feedback.stage(0.3, 1.0), window, threads,
                                 cut)


def mosaic_written(paths: List[str], cells_seen: Optional[List[CellImage]],
                   options: MosaicOptions, feedback: Feedback, window: int = 512,
                   threads: Optional[int] = None) -> MosaicResult:
    """The mosaic of images just written, whose cells the writer measured (``cells_seen``;
    None when the inputs needed warping, then the cells are read)."""
    with bounded_block_cache(), prepared_inputs(paths) as (infos, grid, _):
        cells = seam_cells(grid)
        if cells_seen is None or not all(grid.native):
            cells_seen = cell_statistics(list(grid.views), grid, cells,
                                         feedback.stage(0.0, 0.3), threads, window)
            feedback = feedback.stage(0.3, 1.0)
        return mosaic_from_cells(infos, grid, cells, cells_seen, options.output,
                                 options.seamlines, options.feather, options.seamlines_out,
                                 feedback, window, threads)


def mosaic_from_cells(infos: List[RasterInfo], grid: MosaicGrid, cells: BlockGrid,
                      images: List[CellImage], output: str, mode: str, feather: float,
                      seamlines_out: Optional[str], feedback: Feedback, window: int,
                      threads: Optional[int], cut: Optional[np.ndarray] = None
                      ) -> MosaicResult:
    """The mosaic from each image's cells; ``cut``: the cells cutlines give to an image."""
    names = [info.name for info in infos]
    release_freed_memory()
    seams = choose_seams(images, cells, mode)
    if cut is not None:
        seams = _with_cutlines(seams, cut)
    release_freed_memory()
    feather_cells = feather_in_cells(feather, grid, cells.size)
    maps = distance_maps(seams, grid, margin_for(feather_cells))
    blender = Blender(list(grid.views), grid, maps, cells.size, feather_cells)
    outputs = OutputSet()
    try:
        if output.lower().endswith(VRT):
            write_vrt_mosaic(grid, output, outputs,
                             _blended(blender, grid, feedback, window, threads))
        else:
            _write_geotiff(infos[0], grid, output, outputs,
                           _blended(blender, grid, feedback, window, threads, infos[0]))
        lines = None
        if seamlines_out:
            lines = write_seamlines(seams, grid, names,
                                    outputs.temporary_for(seamlines_out, ".gpkg"))
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


def _blended(blender: Blender, grid: MosaicGrid, feedback: Feedback, window: int,
             threads: Optional[int], first: Optional[RasterInfo] = None):
    """(window, bands, source) over the mosaic in order, blended on ``threads`` threads;
    ``bands``: the values in ``first``'s type and no-data (None without ``first``)."""
    size = max(TILE, (window // TILE) * TILE)
    total = window_count(grid.cols, grid.rows, size)

    def blend(rect):
        feedback.check_cancel()
        win = Placement(*rect)
        values, source = blender(win, values_needed=first is not None)
        if first is None:
            return win, None, source
        valid = source >= 0
        return win, [to_output_type(band, valid, first.numpy_type, first.nodata[0])
                     for band in values], source

    windows = iter_windows(grid.cols, grid.rows, size)
    for done, result in enumerate(ordered_map(blend, windows, thread_count(threads))):
        yield result
        feedback.progress((done + 1) / total)


def _write_geotiff(first: RasterInfo, grid: MosaicGrid, output: str, outputs: OutputSet,
                   windows) -> None:
    """The mosaic as a tiled GeoTIFF with the first input's type and no-data value (or an
    internal mask where it has none)."""
    gdal_type, nodata = first.gdal_type, first.nodata[0]
    tmp = outputs.temporary_for(output)
    dst = gdal.GetDriverByName("GTiff").Create(tmp, grid.cols, grid.rows, first.band_count,
                                               gdal_type, creation_options(gdal_type))
    try:
        dst.SetGeoTransform(grid.geotransform)
        dst.SetProjection(grid.crs_wkt)
        if nodata is not None:
            for b in range(first.band_count):
                dst.GetRasterBand(b + 1).SetNoDataValue(nodata)
        else:
            create_internal_mask(dst)
        for win, bands, source in windows:
            for b, band in enumerate(bands):
                dst.GetRasterBand(b + 1).WriteArray(band, win.col, win.row)
            if nodata is None:
                dst.GetRasterBand(1).GetMaskBand().WriteArray(
                    (source >= 0).astype(np.uint8) * 255, win.col, win.row)
        dst.FlushCache()
    except RuntimeError as exc:  # GDAL: disk full, permission lost, ...
        raise InputError(f"{output}: writing the mosaic failed ({exc}). Fix: check free space "
                         "and permissions of its folder.") from None
    finally:
        dst = None
