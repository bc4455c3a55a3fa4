"""One seamless raster from matched images: seamlines, feathered blending, window by window.

Each image's part of the mosaic comes from seamlines.py. Across a seam, the images are
blended over ``feather`` map units: each pixel weighs the images by how far inside their
part it lies (the coarse signed distance, interpolated bilinearly to the pixel); 0 gives a
hard cut. A pixel whose own image has no data there takes the valid image whose part is
nearest. The seamline polygons can be written too, one (multi)polygon per image.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from osgeo import gdal, ogr, osr

from .block_grid import BlockGrid
from .errors import InputError
from .feedback import Feedback
from .inputs import prepared_inputs
from .interpolation import interpolate_window
from .mosaic_grid import MosaicGrid, Placement
from .parallel import ThreadDatasets, bounded_block_cache, ordered_map, thread_count
from .rasters import read_window
from .seamlines import COST_AWARE, SeamGrid, cell_factor, cell_statistics, choose_seams
from .windows import iter_windows, window_count
from .writer import OutputSet, TILE, creation_options, to_output_type


@dataclass
class MosaicResult:
    output: str
    seams: SeamGrid
    seamlines: Optional[str]


def _distance_maps(seams: SeamGrid, grid: MosaicGrid, margin: int):
    """Per image, its signed distance (cells) on the cells around its footprint."""
    maps = []
    size = seams.cells.size
    for k, p in enumerate(grid.placements):
        r0, c0 = max(p.row // size - margin, 0), max(p.col // size - margin, 0)
        r1 = min(-(-p.row_end // size) + margin, seams.labels.shape[0])
        c1 = min(-(-p.col_end // size) + margin, seams.labels.shape[1])
        sub = SeamGrid(seams.cells, seams.labels[r0:r1, c0:c1], seams.coverage)
        distance = sub.signed_distance(k)
        if seams.culprit is not None:  # never blend in an image where it carries a cloud
            distance[seams.culprit[k, r0:r1, c0:c1] > 0] = -1e6
        maps.append((r0, c0, distance[None].astype(np.float64)))
    return maps


def write_seamlines(seams: SeamGrid, grid: MosaicGrid, names: List[str], path: str) -> str:
    """One (multi)polygon per image, the parts of the mosaic it shows, as a GeoPackage."""
    size = seams.cells.size
    rows, cols = seams.labels.shape
    mem = gdal.GetDriverByName("MEM").Create("", cols, rows, 1, gdal.GDT_Int32)
    mem.SetGeoTransform((grid.origin_x, grid.pixel_width * size, 0.0, grid.origin_y, 0.0,
                         -grid.pixel_height * size))
    mem.SetProjection(grid.crs_wkt)
    band = mem.GetRasterBand(1)
    band.WriteArray(seams.labels)
    band.SetNoDataValue(-1)
    srs = osr.SpatialReference()
    srs.ImportFromWkt(grid.crs_wkt)
    scratch = ogr.GetDriverByName("Memory").CreateDataSource("")
    parts = scratch.CreateLayer("parts", srs, ogr.wkbPolygon)
    parts.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    gdal.Polygonize(band, band.GetMaskBand(), parts, 0)
    pieces = {}
    for feature in parts:
        pieces.setdefault(feature.GetField("label"), []).append(
            feature.GetGeometryRef().Clone())
    tmp = path + ".partial.gpkg"
    if os.path.exists(tmp):
        os.remove(tmp)
    out = ogr.GetDriverByName("GPKG").CreateDataSource(tmp)
    layer = out.CreateLayer("seamlines", srs, ogr.wkbMultiPolygon)
    layer.CreateField(ogr.FieldDefn("image", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("image_index", ogr.OFTInteger))
    for label in sorted(pieces):
        union = ogr.Geometry(ogr.wkbMultiPolygon)
        for geom in pieces[label]:
            union.AddGeometry(geom)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("image", names[label])
        feature.SetField("image_index", int(label))
        feature.SetGeometry(ogr.ForceToMultiPolygon(union.UnionCascaded()))
        layer.CreateFeature(feature)
    out = None
    os.replace(tmp, path)
    return path


def run_mosaic(
    inputs: List[str],
    output: str,
    seamlines: str = COST_AWARE,
    feather: float = 0.0,
    seamlines_out: Optional[str] = None,
    feedback: Optional[Feedback] = None,
    window: int = 512,
    threads: Optional[int] = None,
) -> MosaicResult:
    """Mosaic ``inputs`` (usually matched rasters) into one GeoTIFF at ``output``."""
    feedback = feedback or Feedback()
    if not output.lower().endswith((".tif", ".tiff")):
        raise InputError(f"{output}: the mosaic is written as GeoTIFF. Fix: give a .tif path.")
    with bounded_block_cache(), prepared_inputs(inputs) as (infos, grid, _):
        views = list(grid.views)
        cells = BlockGrid(cell_factor(grid), -(-grid.cols // cell_factor(grid)),
                          -(-grid.rows // cell_factor(grid)))
        coverage, means = cell_statistics(views, grid, cells, feedback.stage(0.0, 0.3),
                                          threads)
        seams = choose_seams(coverage, means, cells, seamlines)
        feather_cells = feather / (cells.size * grid.pixel_width)
        maps = _distance_maps(seams, grid, int(np.ceil(feather_cells)) + 2)
        written = _write_mosaic(views, grid, seams, maps, feather_cells, output,
                                feedback.stage(0.3, 1.0), window, threads)
        lines = None
        if seamlines_out:
            lines = write_seamlines(seams, grid, [i.name for i in infos], seamlines_out)
    feedback.info(f"Mosaic of {len(infos)} rasters, {grid.cols} x {grid.rows} pixels, seams "
                  f"on cells of {cells.size} pixels, feather {feather:g} map units: {written}")
    return MosaicResult(written, seams, lines)


def _write_mosaic(views, grid, seams, maps, feather_cells, output, feedback, window, threads):
    first = views[0]
    dtype, gdal_type, nodata = first.numpy_type, first.gdal_type, first.nodata[0]
    outputs = OutputSet()
    tmp = outputs.temporary_for(output)
    dst = gdal.GetDriverByName("GTiff").Create(tmp, grid.cols, grid.rows, first.band_count,
                                               gdal_type, creation_options(gdal_type))
    try:
        dst.SetGeoTransform(grid.geotransform)
        dst.SetProjection(grid.crs_wkt)
        for b in range(first.band_count):
            if nodata is not None:
                dst.GetRasterBand(b + 1).SetNoDataValue(nodata)
        datasets = ThreadDatasets()
        size = max(TILE, (window // TILE) * TILE)
        total = window_count(grid.cols, grid.rows, size)

        def blend(rect):
            feedback.check_cancel()
            win = Placement(*rect)
            acc = np.zeros((first.band_count, win.rows, win.cols))
            weight = np.zeros((win.rows, win.cols))
            best = np.full((win.rows, win.cols), -np.inf)
            fallback = np.zeros_like(acc)
            for k, place in enumerate(grid.placements):
                part = place.intersect(win)
                if part is None:
                    continue
                values, valid = read_window(datasets.get(views[k].path), views[k],
                                            part.col - place.col, part.row - place.row,
                                            part.cols, part.rows)
                ok = valid.all(axis=0)
                r0, c0, dist = maps[k]
                sd = interpolate_window(dist, (r0, c0), seams.cells.size, part.row,
                                        part.col, part.rows, part.cols)[0]
                rs = slice(part.row - win.row, part.row_end - win.row)
                cs = slice(part.col - win.col, part.col_end - win.col)
                if feather_cells > 0:
                    w = np.clip(0.5 + sd / feather_cells, 0.0, 1.0)
                else:
                    w = (sd > 0).astype(float)
                w = np.where(ok, w, 0.0)
                acc[:, rs, cs] += w * values
                weight[rs, cs] += w
                better = ok & (sd > best[rs, cs])
                best[rs, cs] = np.where(better, sd, best[rs, cs])
                fallback[:, rs, cs] = np.where(better, values, fallback[:, rs, cs])
            has = weight > 0
            out = np.where(has, acc / np.where(has, weight, 1.0), fallback)
            valid = (has | np.isfinite(best))[None].repeat(first.band_count, axis=0)
            bands = [to_output_type(out[b], valid[b], dtype, nodata)
                     for b in range(first.band_count)]
            return win, bands

        windows = iter_windows(grid.cols, grid.rows, size)
        for done, (win, bands) in enumerate(ordered_map(blend, windows, thread_count(threads))):
            for b, data in enumerate(bands):
                dst.GetRasterBand(b + 1).WriteArray(data, win.col, win.row)
            feedback.progress((done + 1) / total)
        dst.FlushCache()
        dst = None
        outputs.commit()
        return output
    except BaseException:
        dst = None
        outputs.discard()
        raise
