"""An exclusion mask from polygons: pixels that count in no statistic, yet are corrected.

Users draw or derive polygons over clouds, water or a known change; they may be in any CRS.
The polygons are reprojected once to the common grid's CRS, into memory, and rasterised
window by window, so the mask never exists at the size of the common grid.
"""
from __future__ import annotations

import threading
import uuid
from typing import Callable, Optional

import numpy as np
from osgeo import gdal, ogr

from ..errors import InputError
from ..io.crs import srs_from_wkt
from ..io.memory_files import memory_file_bytes, restore_memory_files
from ..io.vectors import open_layer
from .common_grid import CommonGrid, Placement

ogr.UseExceptions()


class Exclusion:
    """The polygons of layer ``layer_name`` (None: the first) of the vector file ``path``."""

    def __init__(self, path: str, grid: CommonGrid, layer_name: Optional[str] = None,
                 warning: Optional[Callable[[str], None]] = None):
        source = f"{path} (layer {layer_name})" if layer_name else path
        src, layer = open_layer(path, layer_name, "the exclusion mask cannot be opened as "
                                "vector data. Fix: give a polygon layer (GeoPackage, "
                                "Shapefile, ...).")
        kind = ogr.GT_Flatten(layer.GetGeomType())
        if kind not in (ogr.wkbPolygon, ogr.wkbMultiPolygon, ogr.wkbUnknown):
            raise InputError(
                f"{source}: the exclusion mask holds {ogr.GeometryTypeToName(kind)} "
                "geometries. Fix: give polygons (buffer points or lines first)."
            )
        self.grid, self.source = grid, source
        warning = warning or (lambda text: None)
        options = dict(dstSRS=srs_from_wkt(grid.crs_wkt))
        if layer.GetSpatialRef() is None:  # e.g. a Shapefile without its .prj
            options["srcSRS"] = options["dstSRS"]
            warning(f"{source}: the exclusion mask has no coordinate reference system (a "
                    "Shapefile without its .prj?); its coordinates are taken to be in the CRS "
                    "of the inputs' common grid. Fix: if they are not, assign its CRS "
                    "(Vector > Data Management Tools > Assign Projection).")
        self.path = f"/vsimem/spectralmatch-exclude-{uuid.uuid4().hex}.gpkg"
        try:
            gdal.VectorTranslate(self.path, src, layers=[layer.GetName()], format="GPKG",
                                 layerName="exclude", geometryType="PROMOTE_TO_MULTI",
                                 **options)
        except RuntimeError as exc:
            raise InputError(f"{source}: the exclusion mask cannot be brought into the "
                             f"inputs' CRS ({exc}). Fix: check the CRS assigned to it.") from None
        self._local = threading.local()
        xmin, xmax, ymin, ymax = self._layer().GetExtent()
        self.extent = (xmin, ymin, xmax, ymax)
        gx1 = grid.origin_x + grid.cols * grid.pixel_width
        gy0 = grid.origin_y - grid.rows * grid.pixel_height
        if xmax < grid.origin_x or xmin > gx1 or ymax < gy0 or ymin > grid.origin_y:
            warning(f"{source}: the exclusion polygons lie outside all inputs; nothing is "
                    "excluded. Fix: check the layer and its CRS.")

    def __getstate__(self):
        """For a Dask worker: the reprojected polygons' bytes, no open dataset."""
        state = dict(self.__dict__, _local=None)
        state["memory_files"] = memory_file_bytes([self.path])
        return state

    def __setstate__(self, state):
        restore_memory_files(state.pop("memory_files"))
        self.__dict__.update(state, _local=threading.local())

    def _layer(self):
        ds = getattr(self._local, "ds", None)
        if ds is None:
            ds = self._local.ds = gdal.OpenEx(self.path, gdal.OF_VECTOR | gdal.OF_READONLY)
        return ds.GetLayer(0)

    def window(self, win: Placement) -> Optional[np.ndarray]:
        """(rows, cols) True where a polygon covers the pixel centre; None if none does."""
        g = self.grid
        x0 = g.origin_x + win.col * g.pixel_width
        y0 = g.origin_y - win.row * g.pixel_height
        x1, y1 = x0 + win.cols * g.pixel_width, y0 - win.rows * g.pixel_height
        xmin, ymin, xmax, ymax = self.extent
        if x1 < xmin or x0 > xmax or y0 < ymin or y1 > ymax:
            return None
        mem = gdal.GetDriverByName("MEM").Create("", win.cols, win.rows, 1, gdal.GDT_Byte)
        mem.SetGeoTransform((x0, g.pixel_width, 0.0, y0, 0.0, -g.pixel_height))
        mem.SetProjection(g.crs_wkt)
        gdal.RasterizeLayer(mem, [1], self._layer(), burn_values=[1])
        mask = mem.ReadAsArray().astype(bool)
        return mask if mask.any() else None

    def covers(self, place: Placement, side: int = 1024) -> bool:
        """True where the polygons cover every pixel of ``place`` (read window by window)."""
        for row in range(place.row, place.row_end, side):
            for col in range(place.col, place.col_end, side):
                win = Placement(col, row, min(side, place.col_end - col),
                                min(side, place.row_end - row))
                mask = self.window(win)
                if mask is None or not mask.all():
                    return False
        return True

    def close(self) -> None:
        """Close every thread's dataset (dropping the thread-local store frees them now; a
        store left to the end of the interpreter freed the main thread's after GDAL had
        gone: a crash at exit) and remove the reprojected polygons."""
        self._local = threading.local()
        gdal.Unlink(self.path)
