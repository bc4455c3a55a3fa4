"""Each image on the seamlines' coarse cells: its valid share and band means per cell.

The common grid is divided into cells of ``size`` x ``size`` pixels (at most ``MAX_CELLS``
per side). An image's cells are kept only over its own footprint, so memory grows with the
images' areas on the coarse grid, never with the mosaic's pixel count. The sums come either
from one streaming read (:func:`cell_statistics`) or from the windows another pass already
holds in memory (:class:`CellSums`, used by match to mosaic what it writes).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..feedback import Feedback
from ..grid.blocks import BlockGrid, BlockSummer, footprint
from ..grid.common_grid import CommonGrid, Placement
from ..io.parallel import DatasetPool
from ..io.rasters import RasterInfo, read_window
from ..io.windows import bounded_window, iter_windows, stream_windows, window_count

# Most cells along a side of the mosaic; the cell side follows from it.
MAX_CELLS = 1024


def seam_cells(grid: CommonGrid) -> BlockGrid:
    """The coarse cell grid of a mosaic."""
    size = max(1, int(np.ceil(max(grid.cols, grid.rows) / MAX_CELLS)))
    return BlockGrid(size, -(-grid.cols // size), -(-grid.rows // size))


@dataclass
class CellImage:
    """One image on the cells of its footprint, which starts at cell (row, col)."""

    row: int
    col: int
    coverage: np.ndarray  # (rows, cols) float32: share of the cell where all bands are valid
    means: np.ndarray  # (bands, rows, cols) float32, NaN where the image has no data

    @property
    def shape(self) -> Tuple[int, int]:
        return self.coverage.shape

    @property
    def on_grid(self) -> Tuple[slice, slice]:
        """Where its cells lie in an array of the whole cell grid: ``grid[image.on_grid]``."""
        return (slice(self.row, self.row + self.shape[0]),
                slice(self.col, self.col + self.shape[1]))

    @property
    def rect(self) -> Placement:
        return Placement(self.col, self.row, self.shape[1], self.shape[0])

    def crop(self, array: np.ndarray, rect: Placement) -> np.ndarray:
        """The part of an array on this image's cells that ``rect`` (within them) covers."""
        r, c = rect.row - self.row, rect.col - self.col
        return array[..., r:r + rect.rows, c:c + rect.cols]


class CellSums:
    """Sums and counts of one image's valid values per cell, filled window by window."""

    def __init__(self, cells: BlockGrid, place: Placement, bands: int):
        self.cells, self.place, self.bands = cells, place, bands
        self.row, self.col, self.rows, self.cols = footprint(cells, place)
        self.sums = self.counts = None  # allocated by the first window
        self._result: Optional[CellImage] = None

    def measure(self, values: np.ndarray, valid: np.ndarray, row: int, col: int):
        """Partial sums of a window at pixel (row, col) of the image; thread-safe, adds
        nothing (:meth:`add` does, in one thread). Band by band: the temporary arrays are
        those of one band, also while match writes its outputs."""
        summer = BlockSummer(self.cells, self.place.row + row, self.place.col + col,
                             values.shape[1], values.shape[2])
        sums = np.concatenate([summer(np.where(v, x, 0.0)[None])
                               for x, v in zip(values, valid)])
        counts = np.concatenate([summer(v[None].astype(np.float32)) for v in valid])
        return summer.first[0], summer.first[1], sums, counts

    def _allocate(self) -> None:
        if self.sums is None:
            self.sums = np.zeros((self.bands, self.rows, self.cols))
            self.counts = np.zeros((self.bands, self.rows, self.cols),
                                   dtype=np.float32)  # exact to 2**24

    def add(self, part) -> None:
        self._allocate()
        by, bx, s, c = part
        r, q = by - self.row, bx - self.col
        self.sums[:, r:r + s.shape[1], q:q + s.shape[2]] += s
        self.counts[:, r:r + c.shape[1], q:q + c.shape[2]] += c

    def result(self) -> CellImage:
        """The image on its cells; the sums are dropped (only the means are kept)."""
        if self._result is None:
            self._result = self._means()
            self.sums = self.counts = None
        return self._result

    def _means(self) -> CellImage:
        self._allocate()  # no window seen: no data anywhere
        area = float(self.cells.size * self.cells.size)
        coverage = (self.counts.min(axis=0) / area).astype(np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(self.counts > 0, self.sums / self.counts, np.nan)
        return CellImage(self.row, self.col, coverage, means.astype(np.float32))


def cell_window(cell: int, window: int) -> int:
    """The window side that reads cells of side ``cell``: whole cells per window where a cell
    fits in one; larger cells are summed over several windows (the sums add up), so a window
    never grows with the cell (a fine mosaic grid has cells of thousands of pixels)."""
    window = bounded_window(window)
    return (window // cell) * cell if cell <= window else window


def cell_statistics(infos: List[RasterInfo], grid: CommonGrid, cells: BlockGrid,
                    window: int, threads: Optional[int], feedback: Feedback
                    ) -> List[CellImage]:
    """Every image on the cells, from one read of each (windows on ``threads`` threads)."""
    datasets = DatasetPool()
    size = cell_window(cells.size, window)
    totals = np.array([window_count(p.cols, p.rows, size) for p in grid.placements], float)
    edges = np.concatenate(([0.0], np.cumsum(totals) / totals.sum()))
    out = []
    for k, (info, place) in enumerate(zip(infos, grid.placements)):
        sums = CellSums(cells, place, info.band_count)

        def read(win, info=info, sums=sums):
            c, r, w, h = win
            with datasets.reading(info.path) as ds:
                values, valid = read_window(ds, info, c, r, w, h)
            return sums.measure(values, valid, r, c)

        for part in stream_windows(read, iter_windows(place.cols, place.rows, size),
                                   int(totals[k]), feedback.stage(edges[k], edges[k + 1]),
                                   threads):
            sums.add(part)
        out.append(sums.result())
    return out
