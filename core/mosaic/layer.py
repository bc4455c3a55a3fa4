"""Seamlines as polygons: written for the user to inspect and edit, read back as cutlines.

The layer has one (multi)polygon per image, the part of the mosaic it shows, with the
image's file name (``image``) and its position among the inputs (``image_index``). Read
back as cutlines, each polygon gives its cells (those whose centre it covers) to the image
it names, by file name first, else by index; cells no polygon covers, or whose image has no
data there, keep the automatic seams.
"""
from __future__ import annotations

import os
from typing import List, Optional

import numpy as np
from osgeo import gdal, ogr, osr

from ..errors import InputError
from ..grid.common_grid import CommonGrid
from ..io.crs import srs_from_wkt
from ..io.vectors import open_layer
from .seamlines import SeamGrid

NAME_FIELD, INDEX_FIELD = "image", "image_index"


def _cell_raster(labels_shape, grid: CommonGrid, size: int) -> gdal.Dataset:
    rows, cols = labels_shape
    mem = gdal.GetDriverByName("MEM").Create("", cols, rows, 1, gdal.GDT_Int32)
    mem.SetGeoTransform((grid.origin_x, grid.pixel_width * size, 0.0, grid.origin_y, 0.0,
                         -grid.pixel_height * size))
    mem.SetProjection(grid.crs_wkt)
    return mem


def write_seamlines(seams: SeamGrid, grid: CommonGrid, names: List[str], path: str) -> str:
    """One (multi)polygon per image, the parts of the mosaic it shows, as a GeoPackage at
    ``path`` (a temporary name of the run's output set)."""
    mem = _cell_raster(seams.labels.shape, grid, seams.cells.size)
    band = mem.GetRasterBand(1)
    band.WriteArray(seams.labels)
    band.SetNoDataValue(-1)
    srs = srs_from_wkt(grid.crs_wkt)
    scratch = ogr.GetDriverByName("Memory").CreateDataSource("")
    parts = scratch.CreateLayer("parts", srs, ogr.wkbPolygon)
    parts.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    gdal.Polygonize(band, band.GetMaskBand(), parts, 0)
    pieces = {}
    for feature in parts:
        pieces.setdefault(feature.GetField("label"), []).append(
            feature.GetGeometryRef().Clone())
    out = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = out.CreateLayer("seamlines", srs, ogr.wkbMultiPolygon)
    layer.CreateField(ogr.FieldDefn(NAME_FIELD, ogr.OFTString))
    layer.CreateField(ogr.FieldDefn(INDEX_FIELD, ogr.OFTInteger))
    for label in sorted(pieces):
        union = ogr.Geometry(ogr.wkbMultiPolygon)
        for geom in pieces[label]:
            union.AddGeometry(geom)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField(NAME_FIELD, names[label])
        feature.SetField(INDEX_FIELD, int(label))
        feature.SetGeometry(ogr.ForceToMultiPolygon(union.UnionCascaded()))
        layer.CreateFeature(feature)
    out = None
    return path


def _image_of(feature, names: List[str], path: str) -> int:
    """Which input a cutline polygon names: by file name (or stem), else by index."""
    defn = feature.GetDefnRef()
    if defn.GetFieldIndex(NAME_FIELD) >= 0 and feature.IsFieldSetAndNotNull(NAME_FIELD):
        value = os.path.basename(str(feature.GetField(NAME_FIELD)))
        for k, name in enumerate(names):
            if value in (name, os.path.splitext(name)[0]):
                return k
        raise InputError(
            f"{path}: feature {feature.GetFID()} names image '{value}', which is not among "
            f"the inputs ({', '.join(names)}). Fix: correct its '{NAME_FIELD}' field.")
    if defn.GetFieldIndex(INDEX_FIELD) >= 0 and feature.IsFieldSetAndNotNull(INDEX_FIELD):
        k = feature.GetFieldAsInteger(INDEX_FIELD)
        if 0 <= k < len(names):
            return k
        raise InputError(
            f"{path}: feature {feature.GetFID()} has {INDEX_FIELD} {k}, but there are "
            f"{len(names)} inputs. Fix: correct its '{INDEX_FIELD}' field.")
    raise InputError(
        f"{path}: feature {feature.GetFID()} names no image. Fix: give each polygon the "
        f"input's file name in a field '{NAME_FIELD}' (or its position in '{INDEX_FIELD}').")


def cutline_labels(path: str, layer_name: Optional[str], names: List[str], grid: CommonGrid,
                   cells) -> np.ndarray:
    """Per cell, the image the cutlines (layer ``layer_name`` of ``path``, None: the first)
    give it to; -1 where no polygon covers it."""
    source, layer = open_layer(path, layer_name, "cutlines must be a polygon layer GDAL can "
                               "read. Fix: give the seamline layer a mosaic wrote (a "
                               "GeoPackage), or one like it.")
    srs = srs_from_wkt(grid.crs_wkt)
    layer_srs = layer.GetSpatialRef()
    transform = None
    if layer_srs is not None and not layer_srs.IsSame(srs):
        layer_srs = layer_srs.Clone()
        layer_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        transform = osr.CoordinateTransformation(layer_srs, srs)
    scratch = ogr.GetDriverByName("Memory").CreateDataSource("")
    burn = scratch.CreateLayer("cutlines", srs, ogr.wkbMultiPolygon)
    burn.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    for feature in layer:
        geom = feature.GetGeometryRef()
        if geom is None or geom.IsEmpty():
            continue
        if ogr.GT_Flatten(geom.GetGeometryType()) not in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
            raise InputError(f"{path}: feature {feature.GetFID()} is not a polygon. Fix: "
                             "cutlines are polygons, one or more per image.")
        geom = geom.Clone()
        if transform is not None:
            geom.Transform(transform)
        out = ogr.Feature(burn.GetLayerDefn())
        out.SetField("label", _image_of(feature, names, path))
        out.SetGeometry(geom)
        burn.CreateFeature(out)
    mem = _cell_raster(cells.shape, grid, cells.size)
    mem.GetRasterBand(1).Fill(-1)
    gdal.RasterizeLayer(mem, [1], burn, options=["ATTRIBUTE=label"])
    del source
    return mem.GetRasterBand(1).ReadAsArray().astype(np.int32)
