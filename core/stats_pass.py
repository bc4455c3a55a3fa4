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
from .rasters import RasterInfo, open_readonly, read_window
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


def _add_pair_blocks(pb: PairBlocks, blocks: BlockGrid, rect: Placement, both: np.ndarray,
                     vi: np.ndarray, vj: np.ndarray) -> None:
    summer = BlockSummer(blocks, rect.row, rect.col, rect.rows, rect.cols)
    count = summer(both.astype(np.float64))
    by, bx = summer.first[0] - pb.span[0], summer.first[1] - pb.span[1]
    at = (slice(None), slice(by, by + count.shape[1]), slice(bx, bx + count.shape[2]))
    pb.count[at] += count
    pb.sum_i[at] += summer(np.where(both, vi, 0.0))
    pb.sum_j[at] += summer(np.where(both, vj, 0.0))


def scan_statistics(
    infos: List[RasterInfo],
    grid: MosaicGrid,
    blocks: Optional[BlockGrid] = None,
    feedback: Optional[Feedback] = None,
    window: Optional[int] = None,
) -> ScanResult:
    """Read every input once, window by window, and return the statistics above."""
    feedback = feedback or Feedback()
    n_img, n_band = len(infos), infos[0].band_count
    pairs = overlapping_pairs(grid)
    pair_moments = {(i, j): (Moments((n_band,)), Moments((n_band,))) for i, j, _ in pairs}
    valid_count = np.zeros((n_img, n_band))
    minimum = np.full((n_img, n_band), np.inf)
    maximum = np.full((n_img, n_band), -np.inf)
    bsum = bcount = pblocks = None
    if blocks is not None:
        spans = [footprint(blocks, p) for p in grid.placements]
        bsum = [np.zeros((n_band, s[2], s[3])) for s in spans]
        bcount = [np.zeros((n_band, s[2], s[3])) for s in spans]
        pblocks = {}
        for i, j, inter in pairs:
            span = footprint(blocks, inter)
            shape = (n_band, span[2], span[3])
            pblocks[(i, j)] = PairBlocks(i, j, span, *(np.zeros(shape) for _ in range(3)))

    datasets = [open_readonly(info.path) for info in infos]
    size = window or window_size([info.block_size for info in infos])
    total = window_count(grid.cols, grid.rows, size)
    for done, (wc, wr, ww, wh) in enumerate(iter_windows(grid.cols, grid.rows, size)):
        feedback.check_cancel()
        win = Placement(wc, wr, ww, wh)
        parts: Dict[int, Tuple[Placement, np.ndarray, np.ndarray]] = {}
        for k, place in enumerate(grid.placements):
            rect = place.intersect(win)
            if rect is None:
                continue
            values, valid = read_window(
                datasets[k], infos[k], rect.col - place.col, rect.row - place.row,
                rect.cols, rect.rows,
            )
            parts[k] = (rect, values, valid)
            valid_count[k] += valid.sum(axis=(1, 2))
            if valid.any():
                lo = np.where(valid, values, np.inf).min(axis=(1, 2))
                hi = np.where(valid, values, -np.inf).max(axis=(1, 2))
                minimum[k] = np.minimum(minimum[k], lo)
                maximum[k] = np.maximum(maximum[k], hi)
            if blocks is not None:
                by0, bx0, s, c = block_sums(blocks, values, valid, rect.row, rect.col)
                by0, bx0 = by0 - spans[k][0], bx0 - spans[k][1]
                bsum[k][:, by0:by0 + s.shape[1], bx0:bx0 + s.shape[2]] += s
                bcount[k][:, by0:by0 + s.shape[1], bx0:bx0 + s.shape[2]] += c
        for i, j, inter in pairs:
            if i not in parts or j not in parts:
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
            mom_i, mom_j = pair_moments[(i, j)]
            mom_i.merge(*masked_moments(vi[:, si[0], si[1]], both))
            mom_j.merge(*masked_moments(vj[:, sj[0], sj[1]], both))
            if blocks is not None:
                _add_pair_blocks(pblocks[(i, j)], blocks, rect, both,
                                 vi[:, si[0], si[1]], vj[:, sj[0], sj[1]])
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

