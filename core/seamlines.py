"""Seamlines on a coarse grid: which image shows where in a mosaic.

The mosaic grid is divided into cells of ``factor`` x ``factor`` pixels. Each image's valid
share and mean per cell come from one streaming read; each cell goes to one image:

* centre lines: the image whose valid footprint is deepest there (the largest distance to
  its own edge), a Voronoi-like partition that puts seams midway through the overlaps;
* cost-aware: the same depth, but where images disagree (a cloud, a shadow, a change), the
  image that carries it gives way (see :func:`culprit_penalty`): seams go around clouds and
  the mosaic takes the clear image there.

Memory is that of the coarse grid, whatever the mosaic's size.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from scipy import ndimage

from .block_grid import BlockGrid, block_sums
from .feedback import Feedback
from .mosaic_grid import MosaicGrid
from .parallel import ThreadDatasets, ordered_map, thread_count
from .rasters import RasterInfo, read_window
from .windows import iter_windows

CENTRE, COST_AWARE = "centre", "cost"
# Most cells of a mosaic side; the cell side follows from it.
MAX_CELLS = 1024
# A culprit's cells lose this many cells of depth: more than any overlap is deep.
PENALTY = 1e6


@dataclass
class SeamGrid:
    """Labels on the coarse grid: -1 where no image has data, else the image index."""

    cells: BlockGrid
    labels: np.ndarray  # (rows, cols) int
    coverage: np.ndarray  # (images, rows, cols) valid share of each cell
    culprit: Optional[np.ndarray] = None  # (images, rows, cols): carries a cloud or change

    def signed_distance(self, k: int) -> np.ndarray:
        """Cells from the edge of image k's part: positive inside, negative outside."""
        inside = self.labels == k
        if not inside.any():
            return np.full(self.labels.shape, -1e9)
        return (ndimage.distance_transform_edt(inside)
                - ndimage.distance_transform_edt(~inside))


def cell_factor(grid: MosaicGrid) -> int:
    return max(1, int(np.ceil(max(grid.cols, grid.rows) / MAX_CELLS)))


def cell_statistics(infos: List[RasterInfo], grid: MosaicGrid, cells: BlockGrid,
                    feedback: Feedback, threads: Optional[int] = None, window: int = 512):
    """Per image: (coverage (rows, cols), mean per band (bands, rows, cols)) on the cells."""
    n_band = infos[0].band_count
    sums = np.zeros((len(infos), n_band) + cells.shape)
    counts = np.zeros((len(infos), n_band) + cells.shape)
    datasets = ThreadDatasets()
    size = max(cells.size, (window // cells.size) * cells.size)

    def read(k):
        info, place = infos[k], grid.placements[k]
        out = []
        for c, r, w, h in iter_windows(place.cols, place.rows, size):
            values, valid = read_window(datasets.get(info.path), info, c, r, w, h)
            out.append(block_sums(cells, values, valid, place.row + r, place.col + c))
        return k, out

    for done, (k, parts) in enumerate(ordered_map(read, range(len(infos)),
                                                  thread_count(threads))):
        feedback.check_cancel()
        for by, bx, s, c in parts:
            sums[k, :, by:by + s.shape[1], bx:bx + s.shape[2]] += s
            counts[k, :, by:by + c.shape[1], bx:bx + c.shape[2]] += c
        feedback.progress((done + 1) / len(infos))
    area = float(cells.size * cells.size)
    coverage = counts.min(axis=1) / area
    means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return coverage, means


def choose_seams(coverage: np.ndarray, means: np.ndarray, cells: BlockGrid,
                 mode: str = COST_AWARE) -> SeamGrid:
    """Give every cell with data to one image (see the module's docstring)."""
    present = coverage > 0
    depth = np.stack([ndimage.distance_transform_edt(p) for p in present])
    score = np.where(present, depth, -np.inf)
    culprit = None
    if mode == COST_AWARE and len(coverage) > 1:
        culprit = culprit_penalty(means, present)
        score = score - PENALTY * culprit
    labels = np.where(present.any(axis=0), np.argmax(score, axis=0), -1)
    return SeamGrid(cells, labels.astype(np.int32), coverage, culprit)


def _brightness_z(means: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per image and cell, how bright it is against its own cells (robust z, band mean)."""
    z = np.zeros(present.shape)
    for k in range(means.shape[0]):
        for band in means[k]:
            values = band[present[k] & np.isfinite(band)]
            if values.size == 0:
                continue
            med = np.median(values)
            spread = 1.4826 * np.median(np.abs(values - med)) + 1e-12
            z[k] += np.nan_to_num((band - med) / spread) / means.shape[1]
    return z


def culprit_penalty(means: np.ndarray, present: np.ndarray,
                    threshold: float = 4.0) -> np.ndarray:
    """Per image and cell, 1 where the image carries what the others do not (a cloud, a
    shadow, a change), else 0.

    For every pair, cells where the two disagree beyond ``threshold`` robust deviations of
    their log ratio form regions. In each region the pixels vote: where image j is brighter,
    either j holds a cloud (j unusually bright for itself) or i a shadow (i unusually dark);
    the larger of the two says which. The region's majority names its culprit, so that a
    bright roof under another image's shadow does not turn the decision around.
    """
    n = means.shape[0]
    z = _brightness_z(means, present)
    penalty = np.zeros(present.shape)
    positive = np.nanmin(means) > 0
    for i in range(n):
        for j in range(i + 1, n):
            both = present[i] & present[j]
            if both.sum() < 4:
                continue
            with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # cells of one image: NaN
                if positive:
                    d = np.nanmean(np.log(means[j] / means[i]), axis=0)
                else:
                    d = np.nanmean(means[j] - means[i], axis=0)
            values = d[both & np.isfinite(d)]
            med = np.median(values)
            spread = 1.4826 * np.median(np.abs(values - med)) + 1e-12
            dev = np.where(both & np.isfinite(d), (d - med) / spread, 0.0)
            regions, count = ndimage.label(ndimage.binary_dilation(np.abs(dev) > threshold))
            if count == 0:
                continue
            # j brighter: j cloud (z_j high) or i shadow (z_i low); j darker: mirror.
            j_guilty = np.where(dev > 0, z[j] > -z[i], -z[j] > z[i])
            vote = np.where(np.abs(dev) > threshold, np.where(j_guilty, 1.0, -1.0), 0.0)
            totals = ndimage.sum(vote, regions, index=np.arange(1, count + 1))
            verdict = np.concatenate([[0.0], np.sign(totals)])[regions]
            inside = regions > 0
            penalty[j] = np.maximum(penalty[j], inside & (verdict > 0))
            penalty[i] = np.maximum(penalty[i], inside & (verdict < 0))
    return penalty
