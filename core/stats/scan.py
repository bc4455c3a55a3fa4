"""Streaming passes over the mosaic that gather every statistic the matching needs.

The common grid is walked window by window; each input that covers a window is read once
there. The first pass accumulates, per band:

* for every overlapping pair, the count, mean and standard deviation of both images over the
  pixels valid in both (the inputs of the global least-squares system), and a small,
  deterministic sample of those pixel pairs (for robust statistics);
* for every image, its valid count, minimum and maximum;
* optionally, for every image, the sum and count of its valid pixels in each block of the
  local-matching grid, and for every overlapping pair, per small cell (cells.py), the count
  and the sums of both images over the pixels valid in both; cell means of any affine
  correction of the images follow from these without reading them again.

The robust pass (see robust.py) reads the overlaps once more and recomputes the pair
statistics without the pixels a :class:`PairFilter` rejects.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from ..feedback import Feedback
from ..grid.blocks import BlockGrid, BlockSummer, block_sums, footprint
from ..grid.common_grid import CommonGrid, Placement
from ..grid.pairs import overlapping_pairs
from ..io.executor import Threads
from ..io.memory_files import memory_file_bytes, restore_memory_files
from ..io.parallel import DatasetPool, ThreadDatasets
from ..io.rasters import RasterInfo, read_window
from ..io.windows import bounded_window, iter_windows, window_count, window_size
from .cells import overlap_cell_grid
from .moments import Moments, masked_moments

# Pixel pairs sampled per overlap for robust statistics: one in SAMPLE_STRIDE of its pixels,
# so that fitting the robust lines costs per overlap pixel, as reading them does (a fixed
# number per overlap cost more than the reads where overlaps are small: issue 20), but at
# least FEWEST_SAMPLES and at most SAMPLES_PER_OVERLAP, enough for a median and a median
# absolute deviation to a few percent. One in 20: the 92,000-pixel overlaps of
# bench/cloud_ghosts.py's Landsat series keep their 4,096 (as with one in 16; one in 32 gave
# them 2,868, and their ghosts grew from +0.06 to +0.11), and the 20,000-pixel overlaps of
# 1,000 tiles of 256² keep 1,037 instead of 1,232 (the lines cost per sample).
# The floor: the small overlaps of tests/test_robust.py keep their clouds out with 1,024 as
# with 2,048 (clear pixels' error 1.017x a cloud-free set's with either, bound 1.05x; overlap
# disagreement at 0.49 of its bound, 0.58 with 2,048, and the same with one in 20); at 400
# tiles of 240² the lines took 40% less than with 2,048 (on earlier code, 1,024 let one
# band's disagreement pass the bound). On bench/local_seams.py's narrow overlaps (2 x 2
# tiles, 15%) the seams are as good or better: the boundary's |A - B| in the last two bands
# 0.36 and 0.16 of the peer's instead of 1.04 and 0.48 (their boundary / interior ratio
# rises, 4.4x instead of 1.1x, because the interior agrees 4x better still).
SAMPLE_STRIDE = 20
FEWEST_SAMPLES = 1024
SAMPLES_PER_OVERLAP = 4096
# An overlap with fewer valid pixels than this (in any band) says too little to count.
MIN_OVERLAP_PIXELS = 25
# Windows in one task of a cluster run at most: tasks long enough to outweigh their
# scheduling, many enough to balance the workers.
WINDOWS_PER_TASK = 64


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
    excluded: Optional[np.ndarray] = None  # per band, pixels left out as outliers


@dataclass
class PairBlocks:
    """Cell sums of images i and j over the pixels valid in both, on the pair's cells."""

    i: int
    j: int
    span: Tuple[int, int, int, int]  # first cell row, first cell col, cell rows, cols
    count: np.ndarray  # (bands, cell rows, cell cols), float32 (float64 for Float64 inputs)
    sum_i: np.ndarray
    sum_j: np.ndarray
    rect: Placement  # the pair's overlap on the common grid
    # (2, cell rows, cell cols) float32: the sums of the row and the column offsets within
    # their cell (0 .. side - 1) of the pixels that count in the first band, whose centroid
    # is the cell's where pixels are missing (no-data, clouds: see local_surface). None
    # where a caller made the cells without them (they are then at their centres).
    offsets: Optional[np.ndarray] = None


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
    pair_blocks: Optional[List[PairBlocks]] = None  # on the grid ``cells``
    # Per pair: sampled values (bands, n) of i and j at pixels valid in both, all bands, and
    # their mosaic positions (2, n): rows, cols.
    samples: Dict[Tuple[int, int], Tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict)
    cells: Optional[BlockGrid] = None
    # (1, block rows, block cols): pixels per block that the exclusion polygons (mosaic
    # pixels) or the robust pass (per image, its most in any band) left out of the block
    # counts: where an image counts too little for being left out, not for lying beyond
    # its edge or in its no-data (correct/local_surface.REST_FROM).
    left_out: Optional[np.ndarray] = None


# A function (i, j, rect, values of i, values of j, valid in both) -> pixels to keep.
PairFilter = Callable[[int, int, Placement, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _local(rect: Placement, origin: Placement) -> Tuple[slice, slice]:
    """Slices of ``rect`` inside an array that holds ``origin``'s rectangle."""
    r0, c0 = rect.row - origin.row, rect.col - origin.col
    return slice(r0, r0 + rect.rows), slice(c0, c0 + rect.cols)


def sample_stride(pixels: int) -> int:
    """One in how many pixels of an overlap of ``pixels`` is sampled."""
    wanted = min(SAMPLES_PER_OVERLAP, max(FEWEST_SAMPLES, pixels // SAMPLE_STRIDE))
    return max(1, pixels // wanted)


def sample_mask(rect: Placement, grid_cols: int, stride: int) -> np.ndarray:
    """Pseudo-random but fixed pixels of the mosaic, about one in ``stride``.

    A pixel's fate depends on its mosaic position alone, never on windows or threads: the
    low 32 bits of (row * grid columns + column) * 2654435761 (Knuth's multiplicative hash),
    below 2^32 / stride. Unsigned 32-bit arithmetic wraps modulo 2^32, so it gives those bits
    directly (4x faster than 64-bit products and a modulo).
    """
    if stride <= 1:
        return np.ones((rect.rows, rect.cols), dtype=bool)
    rows = np.arange(rect.row, rect.row_end, dtype=np.uint32)[:, None]
    cols = np.arange(rect.col, rect.col_end, dtype=np.uint32)[None, :]
    hashed = (rows * np.uint32(grid_cols % (1 << 32)) + cols) * np.uint32(2654435761)
    return hashed < np.uint32((1 << 32) // stride)


class _PlacementIndex:
    """Which inputs touch a window, without looping over every input in Python."""

    def __init__(self, grid: CommonGrid) -> None:
        ps = grid.placements
        self.c0 = np.array([p.col for p in ps])
        self.r0 = np.array([p.row for p in ps])
        self.c1 = np.array([p.col_end for p in ps])
        self.r1 = np.array([p.row_end for p in ps])

    def touching(self, win: Placement) -> np.ndarray:
        hit = ((self.c0 < win.col_end) & (self.c1 > win.col)
               & (self.r0 < win.row_end) & (self.r1 > win.row))
        return np.flatnonzero(hit)


class _Window:
    """What one window contributes; merged into the totals in window order."""

    def __init__(self, row: int = 0) -> None:
        self.row = row  # the window's first mosaic row
        self.images: List[tuple] = []  # (k, count, lo, hi, block sums or None)
        self.pairs: List[tuple] = []  # (key, moments i, moments j, block sums, excluded)
        self.samples: List[tuple] = []  # (key, values i, values j)
        self.flagged: List[tuple] = []  # (k, block sums of left-out pixels)
        self.excluded: Optional[tuple] = None  # block sums of the exclusion's pixels


class _Pass:
    """The shared machinery of a pass: inputs, grid, pairs, reading, threads."""

    def __init__(self, infos, grid: CommonGrid, blocks: Optional[BlockGrid], exclusion=None,
                 pair_cells: bool = True):
        self.infos, self.grid, self.blocks = infos, grid, blocks
        self.exclusion = exclusion
        self.pairs = overlapping_pairs(grid.placements)
        self.cells = None
        if blocks is not None and pair_cells:
            self.cells = overlap_cell_grid(grid, self.pairs, infos[0].band_count)
        # Cell sums in float32 halve their memory; Float64 inputs may need float64's range.
        wide = any(info.numpy_type == np.float64 for info in infos)
        self.cell_type = np.float64 if wide else np.float32
        self.pair_rects = {(i, j): inter for i, j, inter in self.pairs}
        self.index = _PlacementIndex(grid)
        self.datasets = DatasetPool()
        self.stride = {key: sample_stride(r.rows * r.cols) for key, r in self.pair_rects.items()}

    def __getstate__(self):
        """For a Dask worker: no open datasets, but the in-memory warped views."""
        state = dict(self.__dict__, datasets=None)
        state["memory_files"] = memory_file_bytes(info.path for info in self.infos)
        return state

    def __setstate__(self, state):
        restore_memory_files(state.pop("memory_files"))
        self.__dict__.update(state, datasets=ThreadDatasets())

    def read(self, win: Placement, overlaps_only: bool, only=None):
        """{image: (rect, values, valid)} of the inputs that touch ``win`` (of ``only``, an
        array of image indices, where given)."""
        touching = self.index.touching(win)
        if only is not None:
            touching = touching[np.isin(touching, only)]
        if overlaps_only and len(touching) < 2:
            return {}
        parts = {}
        excluded = self.exclusion.window(win) if self.exclusion is not None else None
        for k in touching:
            place = self.grid.placements[k]
            rect = place.intersect(win)
            info = self.infos[k]
            with self.datasets.reading(info.path) as ds:  # exact in float32 where it can be
                values, valid = read_window(ds, info, rect.col - place.col,
                                            rect.row - place.row, rect.cols, rect.rows,
                                            info.exact_float_type)
            if excluded is not None:  # left out of every statistic, still corrected later
                sl = _local(rect, win)
                valid &= ~excluded[sl][None]
            parts[k] = (rect, values, valid)
        return parts

    def pair_views(self, win: Placement, parts):
        """(key, rect, values i, values j, valid in both) for every pair in the window."""
        keys = sorted(parts)
        for a, i in enumerate(keys):
            for j in keys[a + 1:]:
                inter = self.pair_rects.get((i, j))
                rect = inter.intersect(win) if inter is not None else None
                if rect is None:
                    continue
                ri, vi, mi = parts[i]
                rj, vj, mj = parts[j]
                si, sj = _local(rect, ri), _local(rect, rj)
                both = mi[:, si[0], si[1]] & mj[:, sj[0], sj[1]]
                if both.any():
                    yield (i, j), rect, vi[:, si[0], si[1]], vj[:, sj[0], sj[1]], both

    def pair_block_sums(self, rect: Placement, keep, vi, vj) -> Optional[tuple]:
        if self.cells is None:
            return None
        summer = BlockSummer(self.cells, rect.row, rect.col, rect.rows, rect.cols)
        size = self.cells.size
        rows = (np.arange(rect.row, rect.row_end) % size).astype(np.float32)
        cols = (np.arange(rect.col, rect.col_end) % size).astype(np.float32)
        if keep[0].all():  # every pixel counts (most windows): the sums separate
            ones_r, ones_c = np.ones_like(rows), np.ones_like(cols)
            offsets = np.stack([summer.outer(rows, ones_c), summer.outer(ones_r, cols)])
        else:
            first = keep[0].astype(np.float32)
            offsets = summer(np.stack([first * rows[:, None], first * cols[None, :]]))
        return (summer.first, summer(keep.astype(self.cell_type)),
                summer(np.where(keep, vi, 0.0)).astype(self.cell_type),
                summer(np.where(keep, vj, 0.0)).astype(self.cell_type), offsets)

    def run(self, fn, feedback: Feedback, window: Optional[int], threads: Optional[int],
            executor=None):
        """``fn`` of every window of the grid, in order: on ``threads`` threads, or on
        ``executor`` (io/executor.py); a cluster runs consecutive windows as one task."""
        try:  # the pass's datasets are closed with it, not whenever Python frees them
            yield from self._run(fn, feedback, window, threads, executor)
        finally:
            self.datasets.close()

    def _run(self, fn, feedback, window, threads, executor):
        executor = executor or Threads(threads)
        size = bounded_window(window or window_size([info.block_size for info in self.infos]))
        total = window_count(self.grid.cols, self.grid.rows, size)
        windows = (Placement(*rect) for rect in iter_windows(self.grid.cols, self.grid.rows, size))
        if not executor.distributed:
            return executor.map(fn, windows, total, feedback)
        per_task = min(WINDOWS_PER_TASK, max(1, total // (4 * executor.worker_count())))
        windows = list(windows)
        bands = [windows[k:k + per_task] for k in range(0, total, per_task)]
        results = executor.map(partial(_band_of_windows, fn), bands, feedback, "statistics")
        return (part for band in results for part in band)


def _band_of_windows(fn, windows, feedback: Feedback) -> list:
    """A task of the statistics pass on a worker: ``fn`` of consecutive windows."""
    out = []
    for win in windows:
        feedback.check_cancel()
        out.append(fn(win))
    return out


def _add_at(target: np.ndarray, first, span, values: np.ndarray) -> None:
    by, bx = first[0] - span[0], first[1] - span[1]
    target[:, by:by + values.shape[1], bx:bx + values.shape[2]] += values


def _new_pair_blocks(ctx, n_band):
    result = {}
    for i, j, inter in ctx.pairs:
        span = footprint(ctx.cells, inter)
        shape = (n_band, span[2], span[3])
        result[(i, j)] = PairBlocks(i, j, span,
                                    *(np.zeros(shape, ctx.cell_type) for _ in range(3)), inter,
                                    np.zeros((2, span[2], span[3]), np.float32))
    return result


def _merge_pair(part_pair, pair_moments, pblocks, excluded) -> None:
    key, mi, mj, sums, dropped = part_pair
    pair_moments[key][0].merge(*mi)
    pair_moments[key][1].merge(*mj)
    if sums is not None:
        pb = pblocks[key]
        first, c, s_i, s_j, offsets = sums
        _add_at(pb.count, first, pb.span, c)
        _add_at(pb.sum_i, first, pb.span, s_i)
        _add_at(pb.sum_j, first, pb.span, s_j)
        _add_at(pb.offsets, first, pb.span, offsets)
    if dropped is not None:
        excluded[key] += dropped


def _overlap_list(pairs, pair_moments, excluded=None) -> List[OverlapStats]:
    out = []
    for i, j, _ in pairs:
        mom_i, mom_j = pair_moments[(i, j)]
        if not mom_i.count.any():
            continue
        out.append(OverlapStats(i, j, mom_i.count, mom_i.mean, mom_i.std, mom_j.mean,
                                mom_j.std, None if excluded is None else excluded[(i, j)]))
    return out


def _sample_type(infos: List[RasterInfo]) -> np.dtype:
    """A type that holds every input value exactly and takes little memory: the inputs' own
    where they are integers of up to 16 bits, else float32, or float64 for Float64 inputs
    (which may need its range)."""
    types = {info.numpy_type for info in infos}
    if all(np.issubdtype(t, np.integer) and t.itemsize <= 2 for t in types):
        return np.result_type(*types)
    return np.float64 if any(t == np.float64 for t in types) else np.float32


# Takes the samples of finished pairs: {key: (values i, values j, positions)} and
# {key: (count, std i, std j)}.
SampleSink = Callable[[Dict[Tuple[int, int], tuple], Dict[Tuple[int, int], tuple]], None]


def _joined(parts: list) -> tuple:
    return tuple(np.concatenate([p[n] for p in parts], axis=1) for n in range(3))


def _hand_over(keys, samples, pair_moments, sink: SampleSink) -> None:
    if not keys:
        return
    taken = {key: _joined(samples.pop(key)) for key in keys if samples.get(key)}
    moments = {key: (pair_moments[key][0].count, pair_moments[key][0].std,
                     pair_moments[key][1].std) for key in taken}
    sink(taken, moments)


def scan_statistics(
    infos: List[RasterInfo],
    grid: CommonGrid,
    blocks: Optional[BlockGrid] = None,
    feedback: Optional[Feedback] = None,
    window: Optional[int] = None,
    threads: Optional[int] = None,
    exclusion=None,
    executor=None,
    pair_cells: bool = True,
    samples_to: Optional[SampleSink] = None,
    sampling: bool = True,
) -> ScanResult:
    """Read every input once, window by window, and return the statistics above.

    Pixels an :class:`exclusion.Exclusion` covers count in no statistic; ``executor``
    (io/executor.py) runs the windows where not on ``threads`` threads here. ``pair_cells``
    False leaves out the cell sums of the pairs (a robust pass will gather them). Without
    ``sampling`` no pixel pairs are sampled; with ``samples_to``, the samples of each pair go
    there as soon as the pass has left the pair's overlap (with its count and standard
    deviations) instead of into the result, so that only the overlaps under way hold samples.
    """
    feedback = feedback or Feedback()
    n_img, n_band = len(infos), infos[0].band_count
    ctx = _Pass(infos, grid, blocks, exclusion, pair_cells)
    pair_moments = {key: (Moments((n_band,)), Moments((n_band,))) for key in ctx.pair_rects}
    valid_count = np.zeros((n_img, n_band))
    minimum = np.full((n_img, n_band), np.inf)
    maximum = np.full((n_img, n_band), -np.inf)
    samples: Dict[tuple, list] = {key: [] for key in ctx.pair_rects} if sampling else {}
    # Pairs by the last mosaic row of their overlap: complete once the pass is below it.
    ending = sorted(ctx.pair_rects, key=lambda key: ctx.pair_rects[key].row_end)
    ended = 0
    # Samples in float32 halve their memory; Float64 inputs may need the range of float64.
    sample_type = _sample_type(infos)
    bsum = bcount = pblocks = spans = left_out = None
    if blocks is not None:
        left_out = np.zeros((1, blocks.rows, blocks.cols))
        spans = [footprint(blocks, p) for p in grid.placements]
        bsum = [np.zeros((n_band, s[2], s[3])) for s in spans]
        bcount = [np.zeros((n_band, s[2], s[3])) for s in spans]
        pblocks = _new_pair_blocks(ctx, n_band) if ctx.cells else None

    def scan(win: Placement) -> _Window:
        out = _Window(win.row)
        parts = ctx.read(win, overlaps_only=False)
        if blocks is not None and exclusion is not None and parts:
            polygons = exclusion.window(win)
            if polygons is not None:
                out.excluded = block_sums(blocks, polygons[None], polygons[None], win.row,
                                          win.col)
        for k, (rect, values, valid) in parts.items():
            lo = np.min(values, axis=(1, 2), where=valid, initial=np.inf)
            hi = np.max(values, axis=(1, 2), where=valid, initial=-np.inf)
            sums = block_sums(blocks, values, valid, rect.row, rect.col) if blocks else None
            out.images.append((k, valid.sum(axis=(1, 2)), lo, hi, sums))
        for key, rect, vi, vj, both in ctx.pair_views(win, parts):
            sums = ctx.pair_block_sums(rect, both, vi, vj) if pblocks is not None else None
            out.pairs.append((key, masked_moments(vi, both), masked_moments(vj, both), sums,
                              None))
            if not sampling:
                continue
            pick = both.all(axis=0) & sample_mask(rect, grid.cols, ctx.stride[key])
            if pick.any():
                rows, cols = np.nonzero(pick)
                where = np.stack([rows + rect.row, cols + rect.col]).astype(np.int32)
                out.samples.append((key, vi[:, pick].astype(sample_type),
                                    vj[:, pick].astype(sample_type), where))
        return out

    # Values beyond 1e150 overflow squared deviations; check_statistics refuses them after
    # this pass, with a message, so the arithmetic may run into inf here quietly.
    with np.errstate(over="ignore", invalid="ignore"):
        for part in ctx.run(scan, feedback, window, threads, executor):
            if samples_to is not None:  # windows come row by row: what ends above is done
                done = ended
                while done < len(ending) and ctx.pair_rects[ending[done]].row_end <= part.row:
                    done += 1
                _hand_over(ending[ended:done], samples, pair_moments, samples_to)
                ended = done
            for k, count, lo, hi, sums in part.images:
                valid_count[k] += count
                minimum[k] = np.minimum(minimum[k], lo)
                maximum[k] = np.maximum(maximum[k], hi)
                if sums is not None:
                    by0, bx0, s, c = sums
                    _add_at(bsum[k], (by0, bx0), spans[k], s)
                    _add_at(bcount[k], (by0, bx0), spans[k], c)
            if part.excluded is not None:
                by0, bx0, _, count = part.excluded
                _add_at(left_out, (by0, bx0), (0, 0), count)
            for pair in part.pairs:
                _merge_pair(pair, pair_moments, pblocks, None)
            for key, *arrays in part.samples:
                samples[key].append(arrays)

    if samples_to is not None:
        _hand_over(ending[ended:], samples, pair_moments, samples_to)
    merged = {key: _joined(parts) for key, parts in samples.items() if parts}
    return ScanResult(_overlap_list(ctx.pairs, pair_moments), valid_count, minimum, maximum,
                      bsum, bcount,
                      list(pblocks.values()) if pblocks is not None else None, merged,
                      ctx.cells, left_out)


def rescan_overlaps(
    infos: List[RasterInfo],
    grid: CommonGrid,
    blocks: Optional[BlockGrid],
    first: ScanResult,
    keep: PairFilter,
    feedback: Optional[Feedback] = None,
    window: Optional[int] = None,
    threads: Optional[int] = None,
    exclusion=None,
    executor=None,
    unchanged=frozenset(),
) -> ScanResult:
    """Read the overlaps again; pair statistics and block means use only kept pixels.

    A pixel ``keep`` rejects in any pair is left out of that pair's statistics and of the
    block means of both images. Windows covered by a single input are not read, nor are the
    overlaps of the pairs ``unchanged`` (whose pixels ``keep`` would all keep): their
    statistics and cell sums are the first pass's (``first`` must hold the cell sums of the
    pairs where ``blocks`` are given; the result takes them over).
    """
    feedback = feedback or Feedback()
    n_band = infos[0].band_count
    ctx = _Pass(infos, grid, blocks, exclusion)
    if blocks is not None and first.pair_blocks is None:
        unchanged = frozenset()  # without the first pass's cell sums, every pair is read
    again = [(i, j, rect) for i, j, rect in ctx.pairs if (i, j) not in unchanged]
    pair_moments = {(i, j): (Moments((n_band,)), Moments((n_band,))) for i, j, _ in again}
    excluded = {(i, j): np.zeros(n_band) for i, j, _ in again}
    pblocks = None
    if blocks is not None and first.pair_blocks is None:
        pblocks = _new_pair_blocks(ctx, n_band)
    elif blocks is not None:  # the first pass's cells, emptied where pairs are read again
        pblocks = {(pb.i, pb.j): pb for pb in first.pair_blocks}
        for i, j, _ in again:
            pb = pblocks[(i, j)]
            for cells in (pb.count, pb.sum_i, pb.sum_j, pb.offsets):
                cells[:] = 0
    spans = [footprint(blocks, p) for p in grid.placements] if blocks is not None else None
    flag_sum = [np.zeros_like(s) for s in first.block_sum] if blocks is not None else None
    flag_count = [np.zeros_like(s) for s in first.block_sum] if blocks is not None else None
    rects = np.array([[r.row, r.row_end, r.col, r.col_end] for _, _, r in again]).reshape(-1, 4)
    members = np.array([(i, j) for i, j, _ in again], dtype=np.intp).reshape(-1, 2)

    def scan(win: Placement) -> _Window:
        out = _Window()
        hit = ((rects[:, 0] < win.row_end) & (rects[:, 1] > win.row)
               & (rects[:, 2] < win.col_end) & (rects[:, 3] > win.col))
        if not hit.any():
            return out
        parts = ctx.read(win, overlaps_only=True, only=np.unique(members[hit]))
        flagged = {k: np.zeros(v.shape, dtype=bool) for k, (_, v, _) in parts.items()}
        for (i, j), rect, vi, vj, both in ctx.pair_views(win, parts):
            if (i, j) in unchanged:
                continue
            kept = keep(i, j, rect, vi, vj, both)
            dropped = both & ~kept
            out.pairs.append(((i, j), masked_moments(vi, kept), masked_moments(vj, kept),
                              ctx.pair_block_sums(rect, kept, vi, vj),
                              dropped.sum(axis=(1, 2))))
            for k in (i, j):
                r, _, _ = parts[k]
                sl = _local(rect, r)
                flagged[k][:, sl[0], sl[1]] |= dropped
        if blocks is not None:
            for k, mask in flagged.items():
                if mask.any():
                    rect, values, _ = parts[k]
                    out.flagged.append((k, block_sums(blocks, values, mask, rect.row, rect.col)))
        return out

    for part in ctx.run(scan, feedback, window, threads, executor):
        for pair in part.pairs:
            _merge_pair(pair, pair_moments, pblocks, excluded)
        for k, (by0, bx0, s, c) in part.flagged:
            _add_at(flag_sum[k], (by0, bx0), spans[k], s)
            _add_at(flag_count[k], (by0, bx0), spans[k], c)

    bsum = bcount = left_out = None
    if blocks is not None:
        bsum = [s - f for s, f in zip(first.block_sum, flag_sum)]
        bcount = [c - f for c, f in zip(first.block_count, flag_count)]
        left_out = (first.left_out.copy() if first.left_out is not None
                    else np.zeros((1, blocks.rows, blocks.cols)))
        for f, (by0, bx0, _, _) in zip(flag_count, spans):
            _add_at(left_out, (by0, bx0), (0, 0), f.max(axis=0, keepdims=True))
    before = {(o.i, o.j): o for o in first.overlaps}
    overlaps = []
    for i, j, _ in ctx.pairs:  # in the order of the pairs, as a full read gives them
        if (i, j) not in unchanged:
            overlaps += _overlap_list([(i, j, None)], pair_moments, excluded)
        elif (i, j) in before:
            overlaps.append(replace(before[(i, j)], excluded=np.zeros(n_band)))
    return ScanResult(overlaps, first.valid_count, first.minimum, first.maximum, bsum, bcount,
                      [pblocks[(i, j)] for i, j, _ in ctx.pairs] if pblocks is not None
                      else None, first.samples, ctx.cells, left_out)
