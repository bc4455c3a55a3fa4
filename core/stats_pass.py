"""One streaming pass over the mosaic that gathers every statistic the matching needs.

The mosaic grid is walked window by window; each input that covers a window is read once
there. From those pixels the pass accumulates, per band:

* for every overlapping pair, the count, mean and standard deviation of both images over the
  pixels valid in both (the inputs of the global least-squares system);
* for every image, its valid count, minimum and maximum;
* optionally, for every image, the sum and count of its valid pixels in each block of the
  local-matching grid, and for every overlapping pair, per block, the count and the sums of
  both images over the pixels valid in both; block means of any affine correction of the
  images follow from these without reading them again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from .block_grid import BlockGrid, BlockSummer, block_sums, footprint
from .feedback import Feedback
from .moments import Moments, masked_moments
from .mosaic_grid import MosaicGrid, Placement, overlapping_pairs
from .parallel import ThreadDatasets, ordered_map, thread_count
from .rasters import RasterInfo, read_window
from .windows import iter_windows, window_count, window_size


@dataclass
class OverlapStats:
    """Statistics of images i and j over the pixels valid in both (arrays per band)."""

    i: int
    j: int
    count: np.ndarray
    mean_i: np.ndarray
    std_i: np.ndarray
    mean_j: np.ndarray
    std_j: np.ndarray


@dataclass
class ScanResult:
    overlaps: List[OverlapStats]
    valid_count: np.ndarray  # (images, bands)
    minimum: np.ndarray  # (images, bands), +inf where no valid pixel
    maximum: np.ndarray  # (images, bands), -inf where no valid pixel
    # Per image, over the blocks its rectangle touches (see block_grid.footprint):
    # (bands, block rows, block cols) sums and counts of valid pixels.
    block_sum: Optional[List[np.ndarray]] = None
    block_count: Optional[List[np.ndarray]] = None
    pair_blocks: Optional[List["PairBlocks"]] = None


@dataclass
class PairBlocks:
    """Block sums of images i and j over the pixels valid in both, on the pair's blocks."""

    i: int
    j: int
    span: Tuple[int, int, int, int]  # first block row, first block col, block rows, cols
    count: np.ndarray  # (bands, block rows, block cols)
    sum_i: np.ndarray
    sum_j: np.ndarray


def _local(rect: Placement, origin: Placement) -> Tuple[slice, slice]:
    """Slices of ``rect`` inside an array that holds ``origin``'s rectangle."""
    r0, c0 = rect.row - origin.row, rect.col - origin.col
    return slice(r0, r0 + rect.rows), slice(c0, c0 + rect.cols)


class _Window:
    """What one window contributes; merged into the totals in window order."""

    def __init__(self) -> None:
        self.images: List[tuple] = []  # (k, count, lo, hi, blocks or None)
        self.pairs: List[tuple] = []  # ((i, j), moments i, moments j, blocks or None)


def _pair_block_sums(blocks: BlockGrid, rect: Placement, both, vi, vj) -> tuple:
    summer = BlockSummer(blocks, rect.row, rect.col, rect.rows, rect.cols)
    return (summer.first, summer(both.astype(np.float64)),
            summer(np.where(both, vi, 0.0)), summer(np.where(both, vj, 0.0)))


def _scan_window(win: Placement, infos, grid: MosaicGrid, index: "_PlacementIndex",
                 pair_ids, blocks: Optional[BlockGrid], datasets) -> _Window:
    out = _Window()
    parts: Dict[int, Tuple[Placement, np.ndarray, np.ndarray]] = {}
    for k in index.touching(win):
        place = grid.placements[k]
        rect = place.intersect(win)
        values, valid = read_window(
            datasets.get(infos[k].path), infos[k], rect.col - place.col, rect.row - place.row,
            rect.cols, rect.rows,
        )
        parts[k] = (rect, values, valid)
        lo = np.where(valid, values, np.inf).min(axis=(1, 2))
        hi = np.where(valid, values, -np.inf).max(axis=(1, 2))
        sums = block_sums(blocks, values, valid, rect.row, rect.col) if blocks else None
        out.images.append((k, valid.sum(axis=(1, 2)), lo, hi, sums))
    keys = sorted(parts)
    for a, i in enumerate(keys):
        for j in keys[a + 1:]:
            inter = pair_ids.get((i, j))
            if inter is None:
                continue
            rect = inter.intersect(win)
            if rect is None:
                continue
            ri, vi, mi = parts[i]
            rj, vj, mj = parts[j]
            si, sj = _local(rect, ri), _local(rect, rj)
            both = mi[:, si[0], si[1]] & mj[:, sj[0], sj[1]]
            if not both.any():
                continue
            vi_, vj_ = vi[:, si[0], si[1]], vj[:, sj[0], sj[1]]
            pb = _pair_block_sums(blocks, rect, both, vi_, vj_) if blocks else None
            out.pairs.append(((i, j), masked_moments(vi_, both), masked_moments(vj_, both), pb))
    return out


class _PlacementIndex:
    """Which inputs touch a window, without looping over every input in Python."""

    def __init__(self, grid: MosaicGrid) -> None:
        ps = grid.placements
        self.c0 = np.array([p.col for p in ps])
        self.r0 = np.array([p.row for p in ps])
        self.c1 = np.array([p.col_end for p in ps])
        self.r1 = np.array([p.row_end for p in ps])

    def touching(self, win: Placement) -> np.ndarray:
        hit = ((self.c0 < win.col_end) & (self.c1 > win.col)
               & (self.r0 < win.row_end) & (self.r1 > win.row))
        return np.flatnonzero(hit)


def _add_at(target: np.ndarray, first, span, values: np.ndarray) -> None:
    by, bx = first[0] - span[0], first[1] - span[1]
    target[:, by:by + values.shape[1], bx:bx + values.shape[2]] += values


def scan_statistics(
    infos: List[RasterInfo],
    grid: MosaicGrid,
    blocks: Optional[BlockGrid] = None,
    feedback: Optional[Feedback] = None,
    window: Optional[int] = None,
    threads: Optional[int] = None,
) -> ScanResult:
    """Read every input once, window by window, and return the statistics above."""
    feedback = feedback or Feedback()
    n_img, n_band = len(infos), infos[0].band_count
    pairs = overlapping_pairs(grid)
    pair_ids = {(i, j): inter for i, j, inter in pairs}
    pair_moments = {(i, j): (Moments((n_band,)), Moments((n_band,))) for i, j, _ in pairs}
    valid_count = np.zeros((n_img, n_band))
    minimum = np.full((n_img, n_band), np.inf)
    maximum = np.full((n_img, n_band), -np.inf)
    bsum = bcount = pblocks = spans = None
    if blocks is not None:
        spans = [footprint(blocks, p) for p in grid.placements]
        bsum = [np.zeros((n_band, s[2], s[3])) for s in spans]
        bcount = [np.zeros((n_band, s[2], s[3])) for s in spans]
        pblocks = {}
        for i, j, inter in pairs:
            span = footprint(blocks, inter)
            shape = (n_band, span[2], span[3])
            pblocks[(i, j)] = PairBlocks(i, j, span, *(np.zeros(shape) for _ in range(3)))

    index = _PlacementIndex(grid)
    datasets = ThreadDatasets()
    size = window or window_size([info.block_size for info in infos])
    total = window_count(grid.cols, grid.rows, size)

    def scan(rect):
        feedback.check_cancel()
        return _scan_window(Placement(*rect), infos, grid, index, pair_ids, blocks, datasets)

    windows = iter_windows(grid.cols, grid.rows, size)
    for done, part in enumerate(ordered_map(scan, windows, thread_count(threads))):
        for k, count, lo, hi, sums in part.images:
            valid_count[k] += count
            minimum[k] = np.minimum(minimum[k], lo)
            maximum[k] = np.maximum(maximum[k], hi)
            if sums is not None:
                by0, bx0, s, c = sums
                _add_at(bsum[k], (by0, bx0), spans[k], s)
                _add_at(bcount[k], (by0, bx0), spans[k], c)
        for key, mi, mj, pb_sums in part.pairs:
            pair_moments[key][0].merge(*mi)
            pair_moments[key][1].merge(*mj)
            if pb_sums is not None:
                pb = pblocks[key]
                first, c, s_i, s_j = pb_sums
                _add_at(pb.count, first, pb.span, c)
                _add_at(pb.sum_i, first, pb.span, s_i)
                _add_at(pb.sum_j, first, pb.span, s_j)
        feedback.progress((done + 1) / total)

    overlaps = []
    for i, j, _ in pairs:
        mom_i, mom_j = pair_moments[(i, j)]
        if not mom_i.count.any():
            continue
        overlaps.append(
            OverlapStats(i, j, mom_i.count, mom_i.mean, mom_i.std, mom_j.mean, mom_j.std)
        )
    pair_blocks = list(pblocks.values()) if pblocks is not None else None
    return ScanResult(overlaps, valid_count, minimum, maximum, bsum, bcount, pair_blocks)
