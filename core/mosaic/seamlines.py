"""Seamlines on the coarse cells: which image shows where in a mosaic.

Every cell with data goes to one image (cells.py gives each image's cells):

* centre lines: the image whose valid footprint is deepest there (the largest distance to
  its own edge), a Voronoi-like partition that puts seams midway through the overlaps;
* cost-aware: first, where images disagree beyond chance (a cloud, a shadow, a change), the
  image that carries it gives way (:func:`culprit_cells`); then the seams between the images
  left are drawn where they agree best (:mod:`.agreement`), so that what differs between
  them shows as little as possible along the seam.

Memory is that of the coarse grid and of each image's cells, whatever the mosaic's size.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from scipy import ndimage

from ..defaults import SEAMLINE_MODES
from ..grid.blocks import BlockGrid
from ..grid.common_grid import Placement
from ..grid.pairs import overlapping_pairs
from ..stats.spread import MAD_TO_STD
from .agreement import agreement_seams
from .cells import CellImage

COST_AWARE, CENTRE = SEAMLINE_MODES
# A culprit's cells lose this many cells of depth: more than any overlap is deep.
PENALTY = 1e6


@dataclass
class SeamGrid:
    """Labels on the coarse cells: -1 where no image has data, else the image's index."""

    cells: BlockGrid
    labels: np.ndarray  # (rows, cols) int32
    images: List[CellImage]
    culprit: Optional[List[np.ndarray]] = None  # per image, on its cells: carries a cloud

    def culprit_in(self, k: int, rect: Placement) -> np.ndarray:
        """Image k's culprit cells within ``rect`` of the grid (False outside its cells)."""
        out = np.zeros((rect.rows, rect.cols), dtype=bool)
        if self.culprit is None:
            return out
        part = self.images[k].rect.intersect(rect)
        if part is not None:
            out[part.row - rect.row:part.row_end - rect.row,
                part.col - rect.col:part.col_end - rect.col] = \
                self.images[k].crop(self.culprit[k], part)
        return out


def image_depth(image: CellImage) -> np.ndarray:
    """Cells from the edge of the image's own valid footprint (0 outside it)."""
    present = np.pad(image.coverage > 0, 1)
    return ndimage.distance_transform_edt(present)[1:-1, 1:-1]


def choose_seams(images: List[CellImage], cells: BlockGrid,
                 mode: str = COST_AWARE) -> SeamGrid:
    """Give every cell with data to one image (see the module's docstring)."""
    pairs = overlapping_pairs([image.rect for image in images])
    culprit = None
    if mode == COST_AWARE and len(images) > 1:
        culprit = culprit_cells(images, pairs)
    best = np.full(cells.shape, -np.inf, dtype=np.float32)
    second = np.full(cells.shape, -np.inf, dtype=np.float32)
    labels = np.full(cells.shape, -1, dtype=np.int32)
    for k, image in enumerate(images):
        score = image_depth(image)
        if culprit is not None:
            score = score - PENALTY * culprit[k]
        score = np.where(image.coverage > 0, score, -np.inf)
        at = image.on_grid
        better = score > best[at]
        second[at] = np.where(better, best[at], np.maximum(second[at], score))
        labels[at] = np.where(better, k, labels[at])
        best[at] = np.where(better, score, best[at])
    if culprit is not None:
        with np.errstate(invalid="ignore"):  # cells of one image or none: no second
            advantage = np.where(np.isfinite(second), best - second, np.inf)
        labels = agreement_seams(images, pairs, culprit, labels, advantage)
    return SeamGrid(cells, labels, images, culprit)


def _brightness_z(image: CellImage) -> np.ndarray:
    """How bright each cell of an image is against its own cells (robust z, band mean)."""
    z = np.zeros(image.shape)
    present = image.coverage > 0
    for band in image.means:
        values = band[present & np.isfinite(band)]
        if values.size == 0:
            continue
        med = np.median(values)
        spread = MAD_TO_STD * np.median(np.abs(values - med)) + 1e-12
        z += np.nan_to_num((band - med) / spread) / image.means.shape[0]
    return z


def culprit_cells(images: List[CellImage], pairs, threshold: float = 4.0) -> List[np.ndarray]:
    """Per image, on its cells: True where it carries what the others do not (a cloud, a
    shadow, a change).

    For every overlapping pair, cells where the two disagree beyond ``threshold`` robust
    deviations of their log ratio (difference, for data that is not positive) form regions.
    In each region the cells vote: where image j is brighter, either j holds a cloud (j
    unusually bright for itself) or i a shadow (i unusually dark); the larger of the two
    says which. The region's majority names its culprit, so that a bright roof under
    another image's shadow does not turn the decision around.
    """
    z = [_brightness_z(image) for image in images]
    penalty = [np.zeros(image.shape, dtype=bool) for image in images]
    positive = all(np.nanmin(image.means, initial=np.inf) > 0 for image in images)
    for i, j, rect in pairs:
        a, b = images[i], images[j]
        both = (a.crop(a.coverage, rect) > 0) & (b.crop(b.coverage, rect) > 0)
        if both.sum() < 4:
            continue
        mi, mj = a.crop(a.means, rect).astype(float), b.crop(b.means, rect).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # cells of one image: NaN
            d = np.nanmean(np.log(mj / mi) if positive else mj - mi, axis=0)
        ok = both & np.isfinite(d)
        values = d[ok]
        med = np.median(values)
        spread = MAD_TO_STD * np.median(np.abs(values - med)) + 1e-12
        dev = np.where(ok, (d - med) / spread, 0.0)
        regions, count = ndimage.label(ndimage.binary_dilation(np.abs(dev) > threshold))
        if count == 0:
            continue
        zi, zj = a.crop(z[i], rect), b.crop(z[j], rect)
        # j brighter: j cloud (z_j high) or i shadow (z_i low); j darker: mirror.
        j_guilty = np.where(dev > 0, zj > -zi, -zj > zi)
        vote = np.where(np.abs(dev) > threshold, np.where(j_guilty, 1.0, -1.0), 0.0)
        totals = ndimage.sum(vote, regions, index=np.arange(1, count + 1))
        verdict = np.concatenate([[0.0], np.sign(totals)])[regions]
        inside = regions > 0
        a.crop(penalty[i], rect)[...] |= inside & (verdict < 0)
        b.crop(penalty[j], rect)[...] |= inside & (verdict > 0)
    return penalty
