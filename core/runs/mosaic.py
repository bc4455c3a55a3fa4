"""The mosaic run, and the mosaic of rasters a matching run has just written."""
from __future__ import annotations

from typing import List, Optional

from ..errors import InputError
from ..feedback import Feedback
from ..grid.inputs import input_paths, prepared_inputs
from ..io.geotiff import check_raster_format
from ..io.parallel import note_thread_cap, run_settings
from ..io.atomic import OutputSet
from ..io.output_plan import OutputPlan
from ..io.writer import check_output_format
from ..mosaic.build import (MosaicResult, check_mosaic_format, mosaic_from_cells,
                            mosaic_pixel_type, mosaic_window)
from ..mosaic.cells import CellImage, cell_statistics, seam_cells
from ..mosaic.layer import cutline_labels
from ..options import MosaicOptions, Streaming
from .plan import mosaic_plan, staged
from .result import RunResult


def run_mosaic(
    inputs: List[str],
    mosaic: MosaicOptions,
    cutlines: Optional[str] = None,
    cutlines_layer: Optional[str] = None,
    pixel_size: Optional[float] = None,
    streaming: Streaming = Streaming(),
    feedback: Optional[Feedback] = None,
) -> RunResult:
    """Mosaic ``inputs`` (usually matched rasters) into one GeoTIFF or VRT.

    Each input is read twice: once for its means on the seamlines' coarse cells, once to
    blend it. The grid: the union of the inputs in the first one's CRS, at the coarsest
    input's pixel size or ``pixel_size`` (map units); inputs already on it are read as they
    are, others through a warped view (averaged where finer, nearest neighbour where
    coarser). ``cutlines`` (a vector file, layer ``cutlines_layer`` or its first) give parts
    of the mosaic to the images their polygons name.
    """
    feedback = feedback or Feedback()
    inputs = input_paths(inputs)
    check_mosaic_format(mosaic)
    note_thread_cap(streaming.threads, feedback)
    check_raster_format(mosaic.raster)
    if pixel_size is not None and not pixel_size > 0:
        raise InputError(f"Pixel size {pixel_size}: must be greater than 0. Fix: give a "
                         "positive size in map units, or none for the inputs' own.")
    plan = OutputPlan(inputs, mosaic_plan(mosaic))
    with staged(plan) as outputs, run_settings(), prepared_inputs(
            inputs, None, pixel_size, 1, threads=streaming.threads) as (infos, grid, _):
        check_output_format(infos[:1], mosaic.raster, [mosaic_pixel_type(infos, mosaic)])
        cells = seam_cells(grid)
        cut = None
        if cutlines:  # read first: a wrong layer fails before the long part
            cut = cutline_labels(cutlines, cutlines_layer, [i.name for i in infos], grid, cells)
        feedback.phase("statistics")
        images = cell_statistics(list(grid.views), grid, cells, mosaic_window(streaming),
                                 streaming.threads, feedback.stage(0.0, 0.3))
        for info, image in zip(infos, images):  # as matching refuses it: it only widened
            if not image.coverage.any():        # the mosaic by an empty area
                raise InputError(f"{info.path}: every pixel of it is no-data, so it adds "
                                 "nothing to a mosaic. Fix: leave it out, or declare the "
                                 "right no-data value.")
        feedback.phase("mosaic")
        result = mosaic_from_cells(infos, grid, cells, images, mosaic, streaming,
                                   feedback.stage(0.3, 1.0), cut, outputs)
        outputs.commit()
    return RunResult([result.output], mosaic=result)


def mosaic_written(paths: List[str], cells_seen: Optional[List[CellImage]],
                   mosaic: MosaicOptions, streaming: Streaming, feedback: Feedback,
                   staged: OutputSet, finals: List[str]) -> MosaicResult:
    """The mosaic of rasters just written (``paths``: staged temporaries that become
    ``finals``), whose cells the writer measured (``cells_seen``; None when the rasters
    needed warping, then the cells are read); written into ``staged``."""
    with run_settings(), prepared_inputs(paths, threads=streaming.threads) as (
            infos, grid, _):
        cells = seam_cells(grid)
        if cells_seen is None or not all(grid.native):
            cells_seen = cell_statistics(list(grid.views), grid, cells,
                                         mosaic_window(streaming), streaming.threads,
                                         feedback.stage(0.0, 0.3))
            feedback = feedback.stage(0.3, 1.0)
        return mosaic_from_cells(infos, grid, cells, cells_seen, mosaic, streaming, feedback,
                                 staged=staged, sources=finals)
