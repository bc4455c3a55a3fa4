"""The mosaic's pixels, window by window: which image, and how much of it, at each pixel.

Each image's part of the mosaic is a set of coarse cells (seamlines.py). Its signed
distance to the edge of that part (positive inside) is interpolated bilinearly to every
pixel. With a feather width of f cells, an image weighs ``clip(0.5 + distance / f, 0, 1)``,
so that across a seam the weights go from one image to the next over f; with f = 0 the
pixel comes from the image whose part it lies deepest in. Only images with valid data at a
pixel count there; where none of them has a weight, the pixel takes the valid image whose
part is nearest. Memory: one window of each image at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from scipy import ndimage

from ..grid.common_grid import CommonGrid, Placement
from ..grid.interpolation import interpolate_window
from ..io.parallel import DatasetPool
from ..io.rasters import RasterInfo, read_window
from .seamlines import SeamGrid

# Signed distance given to an image's cells where it carries a cloud: never blended in.
NEVER = -1e6


@dataclass
class DistanceMap:
    """Signed distance (cells) of one image's part, on the cells around its footprint."""

    row: int
    col: int
    distance: np.ndarray  # (1, rows, cols) float64


def distance_maps(seams: SeamGrid, grid: CommonGrid, margin: int) -> List[DistanceMap]:
    """Per image, the signed distance to its part, ``margin`` cells beyond its footprint."""
    maps = []
    size = seams.cells.size
    rows, cols = seams.labels.shape
    for k, p in enumerate(grid.placements):
        r0, c0 = max(p.row // size - margin, 0), max(p.col // size - margin, 0)
        r1 = min(-(-p.row_end // size) + margin, rows)
        c1 = min(-(-p.col_end // size) + margin, cols)
        inside = seams.labels[r0:r1, c0:c1] == k
        if inside.any():
            distance = (ndimage.distance_transform_edt(inside)
                        - ndimage.distance_transform_edt(~inside))
        else:
            distance = np.full(inside.shape, -1e9)
        distance[seams.culprit_in(k, Placement(c0, r0, c1 - c0, r1 - r0))] = NEVER
        maps.append(DistanceMap(r0, c0, distance[None]))
    return maps


class Blender:
    """Blends the images of a mosaic in one window; safe to call from several threads."""

    def __init__(self, views: List[RasterInfo], grid: CommonGrid, maps: List[DistanceMap],
                 cell_size: int, feather_cells: float):
        self.views, self.grid, self.maps = views, grid, maps
        self.cell_size, self.feather = cell_size, feather_cells
        self.datasets = DatasetPool()
        # Float32 holds every value of 8- and 16-bit and float32 rasters exactly (and their
        # blends closely enough): half the memory of float64 in every window in flight.
        widest = np.result_type(*[view.numpy_type for view in views])
        small = widest.itemsize <= 2 or widest == np.float32
        self.work = np.float32 if small else np.float64

    def __call__(self, win: Placement, values_needed: bool = True
                 ) -> Tuple[Optional[np.ndarray], np.ndarray]:
        """(values (bands, rows, cols) in the working float type, or None where not
        ``values_needed`` (a VRT only needs the sources); source (rows, cols) int32: the
        image the pixel comes from or lies deepest in, -1 where no image has data)."""
        bands = self.views[0].band_count
        shape = (win.rows, win.cols)
        best = np.full(shape, -np.inf, dtype=np.float32)
        source = np.full(shape, -1, dtype=np.int32)
        chosen = np.zeros((bands,) + shape, dtype=self.work) if values_needed else None
        if self.feather > 0:
            acc = np.zeros((bands,) + shape, dtype=self.work)
            weight = np.zeros(shape, dtype=self.work)
        for k, place in enumerate(self.grid.placements):
            part = place.intersect(win)
            if part is None:
                continue
            view = self.views[k]
            with self.datasets.reading(view.path) as ds:
                values, valid = read_window(ds, view, part.col - place.col,
                                            part.row - place.row, part.cols, part.rows,
                                            self.work)
            ok = valid.all(axis=0)
            del valid
            m = self.maps[k]
            sd = interpolate_window(m.distance, (m.row, m.col), self.cell_size, part.row,
                                    part.col, part.rows, part.cols)[0]
            at = (slice(part.row - win.row, part.row_end - win.row),
                  slice(part.col - win.col, part.col_end - win.col))
            if self.feather > 0:
                w = np.where(ok, np.clip(0.5 + sd / self.feather, 0.0, 1.0), 0.0).astype(
                    self.work)
                acc[(slice(None),) + at] += w * values
                weight[at] += w
            deeper = ok & (sd > best[at])
            np.copyto(best[at], sd, where=deeper)
            source[at][deeper] = k
            if values_needed:
                np.copyto(chosen[(slice(None),) + at], values, where=deeper[None])
        if self.feather > 0:
            has = weight > 0
            np.divide(acc, weight, out=chosen, where=has[None])
        return chosen, source


def feather_in_cells(feather: float, grid: CommonGrid, cell_size: int) -> float:
    """A feather width in map units, in cells of the seam grid."""
    return feather / (cell_size * grid.pixel_width)


def margin_for(feather_cells: float) -> int:
    return int(np.ceil(feather_cells)) + 2
