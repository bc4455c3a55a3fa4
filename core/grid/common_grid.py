"""The common pixel grid that spans all inputs, and where each input sits on it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

import numpy as np
from osgeo import gdal, osr

from ..errors import InputError
from ..io.crs import same_crs, srs_from_wkt
from ..io.rasters import RasterInfo, describe, open_readonly

# A pixel offset within this fraction of a pixel of an integer counts as aligned.
ALIGN_TOLERANCE = 1e-3
# The largest common grid a run takes on (about 100 000 x 100 000 pixels): beyond it a
# chosen pixel size is almost surely a slip of units (0.001 for 30 m data), and the mosaic
# alone would be terabytes.
MAX_GRID_PIXELS = 10_000_000_000


@dataclass(frozen=True)
class Placement:
    """An input's rectangle on the common grid, in grid pixels."""

    col: int
    row: int
    cols: int
    rows: int

    @property
    def col_end(self) -> int:
        return self.col + self.cols

    @property
    def row_end(self) -> int:
        return self.row + self.rows

    def intersect(self, other: "Placement") -> "Placement | None":
        c0, r0 = max(self.col, other.col), max(self.row, other.row)
        c1, r1 = min(self.col_end, other.col_end), min(self.row_end, other.row_end)
        if c1 <= c0 or r1 <= r0:
            return None
        return Placement(c0, r0, c1 - c0, r1 - r0)


@dataclass(frozen=True)
class CommonGrid:
    """A north-up grid covering the union of the inputs; each input is placed on it."""

    origin_x: float
    origin_y: float
    pixel_width: float
    pixel_height: float  # positive; rows go south
    cols: int
    rows: int
    placements: Tuple[Placement, ...]
    crs_wkt: str
    # What the statistics read of each input: the input itself, or a warped view of it.
    views: Tuple[RasterInfo, ...] = ()
    native: Tuple[bool, ...] = ()

    @property
    def geotransform(self) -> Tuple[float, float, float, float, float, float]:
        return (self.origin_x, self.pixel_width, 0.0, self.origin_y, 0.0, -self.pixel_height)


def _bounds_in(info: RasterInfo, crs_wkt: str) -> Tuple[float, float, float, float]:
    """The input's extent in another CRS (its edges densified, as GDAL's warper does)."""
    if same_crs(info.crs_wkt, crs_wkt):
        return info.bounds
    transform = osr.CoordinateTransformation(srs_from_wkt(info.crs_wkt),
                                             srs_from_wkt(crs_wkt))
    xmin, ymin, xmax, ymax = info.bounds
    t = np.linspace(0.0, 1.0, 21)
    xs = np.concatenate([xmin + (xmax - xmin) * t, np.full(21, xmax),
                         xmin + (xmax - xmin) * t, np.full(21, xmin)])
    ys = np.concatenate([np.full(21, ymin), ymin + (ymax - ymin) * t,
                         np.full(21, ymax), ymin + (ymax - ymin) * t])
    out = np.array(transform.TransformPoints(np.column_stack([xs, ys]).tolist()))
    return out[:, 0].min(), out[:, 1].min(), out[:, 0].max(), out[:, 1].max()


def _pixel_size_in(info: RasterInfo, crs_wkt: str) -> float:
    """Side of the input's pixels in another CRS's units (area-preserving estimate)."""
    if same_crs(info.crs_wkt, crs_wkt):
        return max(abs(info.geotransform[1]), abs(info.geotransform[5]))
    xmin, ymin, xmax, ymax = _bounds_in(info, crs_wkt)
    return float(np.sqrt((xmax - xmin) * (ymax - ymin) / (info.width * info.height)))


def build_common_grid(infos: List[RasterInfo], pixel_size: Optional[float] = None
                      ) -> CommonGrid:
    """Place every input on one grid (of ``pixel_size`` map units where given).

    Inputs that share CRS, pixel size and pixel lattice are read as they are. Otherwise the
    grid takes the first input's CRS and lattice origin and the coarsest input's pixel size
    (statistics compare images at the resolution they all have), and every input that does
    not sit on it is seen through a warped VRT in memory (finer inputs averaged to the
    coarser pixels, as a coarser sensor would see them; others by nearest neighbour, which
    keeps their spread, where bilinear would smooth it and bias the gains); each output still
    keeps its own input's grid (see :func:`grid_coords`).
    """
    first = infos[0]
    _check_georeference(infos)
    crs = first.crs_wkt
    x0, y0 = first.geotransform[0], first.geotransform[3]
    boxes = [_extent_in(info, crs, first) for info in infos]
    size = pixel_size or max(_pixel_size_in(info, crs) for info in infos)
    if not np.isfinite(size) or size <= 0:
        raise InputError(
            f"The inputs' pixel sizes cannot be compared in the CRS of {first.path}. "
            "Fix: check the CRS assigned to each file."
        )
    # The union, snapped outwards to the lattice through the first input's corner.
    xmin = x0 + np.floor((min(b[0] for b in boxes) - x0) / size + ALIGN_TOLERANCE) * size
    ymax = y0 + np.ceil((max(b[3] for b in boxes) - y0) / size - ALIGN_TOLERANCE) * size
    _check_grid_size(infos, boxes, size, xmin, ymax, pixel_size is not None)
    placements, views, native = [], [], []
    for info, box in zip(infos, boxes):
        placement = _lattice_placement(info, crs, xmin, ymax, size)
        if placement is not None:
            placements.append(placement)
            views.append(info)
            native.append(True)
            continue
        c0 = int(np.floor((box[0] - xmin) / size + ALIGN_TOLERANCE))
        r0 = int(np.floor((ymax - box[3]) / size + ALIGN_TOLERANCE))
        c1 = int(np.ceil((box[2] - xmin) / size - ALIGN_TOLERANCE))
        r1 = int(np.ceil((ymax - box[1]) / size - ALIGN_TOLERANCE))
        placement = Placement(c0, r0, c1 - c0, r1 - r0)
        finer = _pixel_size_in(info, crs) < size * (1 - ALIGN_TOLERANCE)
        views.append(_warped_view(info, crs, xmin, ymax, size, placement, finer))
        placements.append(placement)
        native.append(False)
    cols = max(p.col_end for p in placements)
    rows = max(p.row_end for p in placements)
    return CommonGrid(xmin, ymax, size, size, cols, rows, tuple(placements), crs,
                      tuple(views), tuple(native))


def _check_georeference(infos: List[RasterInfo]) -> None:
    """Every input has a CRS and rows that run south."""
    for info in infos:
        if not info.crs_wkt:
            raise InputError(
                f"{info.path}: the raster has no coordinate reference system. "
                "Fix: assign its CRS (Raster > Projections > Assign Projection)."
            )
        if info.geotransform[5] > 0:
            raise InputError(
                f"{info.path}: rows run north (positive pixel height). "
                "Fix: warp it to a north-up grid with gdalwarp."
            )


def _extent_in(info: RasterInfo, crs: str, first: RasterInfo) -> Tuple[float, ...]:
    """The input's extent in the grid's CRS, or an error naming it where it has none."""
    try:
        with np.errstate(invalid="ignore"):
            box = _bounds_in(info, crs)
    except RuntimeError:
        box = (np.inf,) * 4
    if not np.all(np.isfinite(box)):
        raise InputError(
            f"{info.path}: its extent cannot be placed in the CRS of {first.path} (are "
            "its coordinates valid for its own CRS?). Fix: check and correct the CRS "
            "assigned to the file."
        )
    return box


def _lattice_placement(info: RasterInfo, crs: str, xmin: float, ymax: float, size: float
                       ) -> Optional[Placement]:
    """Where the input sits on the grid, if its pixels are the grid's; else None."""
    on_lattice = same_crs(info.crs_wkt, crs) and all(
        abs(abs(v) - size) <= ALIGN_TOLERANCE * size
        for v in (info.geotransform[1], info.geotransform[5]))
    if not on_lattice:
        return None
    fc = (info.geotransform[0] - xmin) / size
    fr = (ymax - info.geotransform[3]) / size
    if abs(fc - round(fc)) > ALIGN_TOLERANCE or abs(fr - round(fr)) > ALIGN_TOLERANCE:
        return None
    return Placement(round(fc), round(fr), info.width, info.height)


def _check_grid_size(infos, boxes, size: float, xmin: float, ymax: float, chosen: bool
                     ) -> None:
    """Refuse, before anything is read, a pixel size larger than an input or a grid beyond
    :data:`MAX_GRID_PIXELS`, with the figures."""
    what = f"Pixel size {size:g}" if chosen else f"The inputs' coarsest pixel size {size:g}"
    for info, box in zip(infos, boxes):
        side = min(box[2] - box[0], box[3] - box[1])
        if chosen and size > side:
            raise InputError(
                f"{what} (map units of {infos[0].path}'s CRS) is larger than {info.path}, "
                f"which spans {box[2] - box[0]:.6g} x {box[3] - box[1]:.6g} map units: it "
                f"would be less than one pixel. Fix: give a pixel size below {side:.6g}, or "
                "none (0) for the inputs' own.")
    cols = np.ceil((max(b[2] for b in boxes) - xmin) / size - ALIGN_TOLERANCE)
    rows = np.ceil((ymax - min(b[1] for b in boxes)) / size - ALIGN_TOLERANCE)
    pixels = float(cols) * float(rows)
    if pixels > MAX_GRID_PIXELS:
        least = size * np.sqrt(pixels / MAX_GRID_PIXELS)
        raise InputError(
            f"{what} makes a common grid of {cols:.0f} x {rows:.0f} pixels ({pixels:.3g} "
            f"pixels), more than the {MAX_GRID_PIXELS:.3g} a run takes on. Fix: give a pixel "
            f"size of at least {least:.3g} map units (the inputs' pixels are "
            f"{max(abs(i.geotransform[1]) for i in infos):g} map units of their own CRS), "
            "or none (0) for the inputs' own.")


def _warped_view(info, crs, xmin, ymax, size, place: Placement, finer: bool) -> RasterInfo:
    """A VRT in memory that shows an input on the common grid's lattice, for statistics only."""
    path = f"/vsimem/spectralmatch-view-{uuid.uuid4().hex}.vrt"
    bounds = (xmin + place.col * size, ymax - place.row_end * size,
              xmin + place.col_end * size, ymax - place.row * size)
    nodata = info.nodata[0]
    # Before GDAL 3.7 the warper sees signed bytes as unsigned: averaging -1 (255) and 1
    # would give 127, so they are taken by nearest neighbour.
    average = finer and not info.signed_byte
    options = dict(format="VRT", dstSRS=srs_from_wkt(crs), outputBounds=bounds, xRes=size,
                   yRes=size, resampleAlg="average" if average else "near", multithread=False)
    if nodata is not None:
        options.update(srcNodata=nodata, dstNodata=nodata)
    else:  # validity beyond the input's edge (and of its masks) as an alpha band
        options.update(dstAlpha=True)
    try:
        gdal.Warp(path, open_readonly(info.path), bandList=list(info.data_bands), **options)
    except (RuntimeError, TypeError):  # older bindings: no bandList keyword
        gdal.Warp(path, open_readonly(info.path), **options)
    return replace(describe(path), source=info.path, signed_byte=info.signed_byte)


def release_views(grid: CommonGrid) -> None:
    """Forget the in-memory VRTs of a grid's warped views."""
    for view, native in zip(grid.views, grid.native):
        if not native:
            gdal.Unlink(view.path)


def grid_coords(info: RasterInfo, grid: CommonGrid, row: int, col: int, rows: int,
                cols: int) -> Tuple[np.ndarray, np.ndarray]:
    """Common-grid pixel coordinates (row, col; pixel centres at .5) of a window of an input."""
    x0, dx, _, y0, _, dy = info.geotransform
    xs = x0 + (np.arange(col, col + cols) + 0.5) * dx
    ys = y0 + (np.arange(row, row + rows) + 0.5) * dy
    x, y = np.meshgrid(xs, ys)
    if not same_crs(info.crs_wkt, grid.crs_wkt):
        transform = osr.CoordinateTransformation(srs_from_wkt(info.crs_wkt),
                                                 srs_from_wkt(grid.crs_wkt))
        out = np.array(transform.TransformPoints(np.column_stack([x.ravel(), y.ravel()])))
        x, y = out[:, 0].reshape(x.shape), out[:, 1].reshape(y.shape)
    return (grid.origin_y - y) / grid.pixel_height, (x - grid.origin_x) / grid.pixel_width
