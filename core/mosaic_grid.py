"""The common pixel grid that spans all inputs, and where each input sits on it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from osgeo import osr

from .errors import InputError
from .rasters import RasterInfo

# A pixel offset within this fraction of a pixel of an integer counts as aligned.
ALIGN_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Placement:
    """An input's rectangle on the mosaic grid, in mosaic pixels."""

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
class MosaicGrid:
    """A north-up grid covering the union of the inputs; each input is placed on it."""

    origin_x: float
    origin_y: float
    pixel_width: float
    pixel_height: float  # positive; rows go south
    cols: int
    rows: int
    placements: Tuple[Placement, ...]
    crs_wkt: str

    @property
    def geotransform(self) -> Tuple[float, float, float, float, float, float]:
        return (self.origin_x, self.pixel_width, 0.0, self.origin_y, 0.0, -self.pixel_height)


def _same_crs(a: str, b: str) -> bool:
    if a == b:
        return True
    if not a or not b:
        return False
    sa, sb = osr.SpatialReference(), osr.SpatialReference()
    sa.ImportFromWkt(a)
    sb.ImportFromWkt(b)
    return bool(sa.IsSame(sb))


def build_mosaic_grid(infos: List[RasterInfo]) -> MosaicGrid:
    """Place every input on one grid; they must share CRS, pixel size and pixel lattice."""
    first = infos[0]
    x0, dx, _, y0, _, dy = first.geotransform
    if dy > 0:
        raise InputError(
            f"{first.path}: rows run north (positive pixel height). "
            "Fix: warp it to a north-up grid with gdalwarp."
        )
    for info in infos[1:]:
        if not _same_crs(first.crs_wkt, info.crs_wkt):
            raise InputError(
                f"{info.path}: its coordinate reference system differs from that of "
                f"{first.path}. Fix: reproject the inputs to one CRS (Warp (reproject)) first."
            )
        _, idx, _, _, _, idy = info.geotransform
        if abs(idx - dx) > ALIGN_TOLERANCE * abs(dx) or abs(idy - dy) > ALIGN_TOLERANCE * abs(dy):
            raise InputError(
                f"{info.path}: its pixel size ({idx:g} x {-idy:g}) differs from that of "
                f"{first.path} ({dx:g} x {-dy:g}). Fix: resample the inputs to one pixel size "
                "and grid (Warp (reproject) with a target resolution and extent alignment)."
            )
    xmin = min(i.bounds[0] for i in infos)
    ymax = max(i.bounds[3] for i in infos)
    placements = []
    for info in infos:
        ix0, _, _, iy0, _, _ = info.geotransform
        fc, fr = (ix0 - xmin) / dx, (ymax - iy0) / -dy
        col, row = round(fc), round(fr)
        if abs(fc - col) > ALIGN_TOLERANCE or abs(fr - row) > ALIGN_TOLERANCE:
            raise InputError(
                f"{info.path}: its pixels are shifted by a fraction of a pixel against those "
                f"of {first.path}. Fix: resample the inputs onto one pixel grid "
                "(gdalwarp with -tap, or Warp (reproject) with the same extent alignment)."
            )
        placements.append(Placement(col, row, info.width, info.height))
    cols = max(p.col_end for p in placements)
    rows = max(p.row_end for p in placements)
    return MosaicGrid(xmin, ymax, dx, -dy, cols, rows, tuple(placements), first.crs_wkt)


def overlapping_pairs(grid: MosaicGrid) -> List[Tuple[int, int, Placement]]:
    """Every pair (i, j), i < j, whose rectangles share at least one pixel."""
    pairs = []
    ps = grid.placements
    # Sweep along columns so that large sets do not compare every pair.
    order = sorted(range(len(ps)), key=lambda k: ps[k].col)
    active: List[int] = []
    for k in order:
        active = [a for a in active if ps[a].col_end > ps[k].col]
        for a in active:
            inter = ps[a].intersect(ps[k])
            if inter is not None:
                i, j = min(a, k), max(a, k)
                pairs.append((i, j, inter))
        active.append(k)
    pairs.sort(key=lambda t: (t[0], t[1]))
    return pairs
