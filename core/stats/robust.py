"""Statistics that ignore what is not a radiometric difference: clouds, shadows, real change.

Where the ground is the same, two overlapping images are related by a straight line (a gain
and an offset), which may drift slowly across the overlap (haze, vignetting). Where a cloud,
its shadow or a new building stands in one image only, a pixel departs from that line. The
first pass keeps a small, fixed sample of pixel pairs of every overlap; from it, per cell of a
grid a few blocks wide, straight lines are fitted robustly in both directions (image j from
i and i from j; see :class:`Disagreement`), and per overlap and band the median and median
absolute deviation (MAD, scaled by 1.4826 to a standard deviation) of the departures give a
band of agreement. A pixel departing by more than ``THRESHOLD`` robust standard deviations in
any band is left out where it touches a seed, a pixel whose departures across all bands
reach ``SEED`` band widths (see :func:`robust_pass.pair_filter`). One more read of the
overlaps then gives the exact statistics of all agreeing pixels (robust_pass.py): overlap
moments for the global system, pair block sums and the block means of both images for the
local step. The lines never depend on a global fit, so clouds that would bias such a fit
cannot hide themselves.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Optional, Set, Tuple

import numpy as np

from ..grid.block_maps import fill_empty_blocks
from ..grid.blocks import BlockGrid, footprint
from ..grid.interpolation import interpolate_window, interpolate_with, window_weights
from ..grid.pairs import overlapping_pairs
from .scan import MIN_OVERLAP_PIXELS, ScanResult
from .robust_lines import THRESHOLD, Groups, robust_lines, start_lines
from .spread import MAD_TO_STD

# The robust spread never counts as less than this fraction of the overlap's own spread,
# so that images that agree almost exactly (rounding only) lose no pixels.
MIN_SPREAD = 0.02
MIN_SAMPLES = 20
# Samples whose robust lines are fitted together (all bands): a batch holds them a few times
# over, on each fitting thread. In samples rather than overlaps, so that the memory of a
# batch does not grow with the overlaps' size (16 overlaps of 4,096 samples held 40 MB more
# per thread at 10 x 10 tiles), nor its work per call shrink with it.
SAMPLES_PER_BATCH = 16384
# An overlap none of whose samples departs by more than this fraction of the band of
# agreement is not read again by the robust pass (see Disagreement.unchanged).
CLEAR_WITHIN = 1.0
# ... unless, in some band, its standard deviation over all its pixels (first pass) exceeds
# this many times that of its samples: a few extreme pixels that no sample hit (a 3 x 3
# block of 1e30, a fill value nobody declared as no data) leave the samples alone but made
# the overlap's moments, and every gain and offset after them. Sampling alone moves the
# ratio by a few percent (1,024 samples or more).
CLEAR_SPREAD = 2.0


def _batches(keys, sizes):
    """``keys`` in consecutive batches of about SAMPLES_PER_BATCH samples (``sizes`` each)."""
    batch, held = [], 0
    for key, size in zip(keys, sizes):
        batch.append(key)
        held += size
        if held >= SAMPLES_PER_BATCH:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


class Disagreement:
    """How far two images depart, at a pixel, from what each predicts for the other there.

    Per overlap and band, straight lines relate the two images' values, fitted robustly to
    the samples of each cell of a grid a few blocks wide and interpolated bilinearly between
    cell centres: they absorb whatever gain, offset and smooth field separate the images,
    so that neither the global fit, nor vignetting or haze, nor the brightness of the ground
    enters the test. What departs from the lines is a cloud, a shadow or a real change.
    Both directions are tested, j predicted from i and i from j: a regression flattens
    where texture is faint, and a flat line cannot see an outlier in the image it reads.
    """

    COARSER = 4  # cell side in matching blocks: a cloud rarely covers half a cell
    LEAST = 30  # samples a cell needs for a line of its own

    def __init__(self, blocks, rects, threshold: float = THRESHOLD, background: int = 0):
        """``blocks`` sets the cell size (None: one line per overlap); ``rects`` maps each
        pair to its overlap on the common grid. Samples come in through :meth:`add` (a
        scan.SampleSink) and :meth:`finish`; they are dropped once their lines are fitted,
        on ``background`` threads of their own (True: one; 0: on the caller's thread)."""
        self.cells = None
        self.rects, self.threshold = rects, threshold
        self.lines: Dict[Tuple[int, int], tuple] = {}
        # Per pair: the median and half-width of the band of agreeing disagreements.
        self.limits: Dict[Tuple[int, int], tuple] = {}
        self._samples: Dict[Tuple[int, int], tuple] = {}
        self.clear: Set[Tuple[int, int]] = set()
        self._moments: Dict[Tuple[int, int], tuple] = {}
        self._collected = 0  # samples in self._samples
        self._worker: Optional[ThreadPoolExecutor] = None
        self._pending: deque = deque()
        self._background = background
        if blocks is not None:
            self.cells = BlockGrid(blocks.size * self.COARSER,
                                   -(-blocks.cols // self.COARSER),
                                   -(-blocks.rows // self.COARSER))

    @classmethod
    def from_scan(cls, scan: ScanResult, blocks, rects, threshold: float = THRESHOLD):
        """Lines and limits from the samples a scan kept, for its (checked) overlaps."""
        disagree = cls(blocks, rects, threshold)
        disagree.add(dict(scan.samples),
                     {(o.i, o.j): (o.count, o.std_i, o.std_j) for o in scan.overlaps})
        disagree.finish()
        return disagree

    def add(self, samples, moments) -> None:
        """Samples {pair: (values i, values j, positions)} of finished pairs, with their
        {pair: (count, std i, std j)}; fitted a batch at a time."""
        self._samples.update(samples)
        self._moments.update(moments)
        self._collected += sum(si.shape[1] for si, _, _ in samples.values())
        if self._collected >= SAMPLES_PER_BATCH:
            self._submit()

    def _submit(self) -> None:
        """Fit the collected samples on threads of their own, while the pass reads on."""
        samples, self._samples = self._samples, {}
        moments, self._moments = self._moments, {}
        self._collected = 0
        if not samples:
            return
        if not self._background:
            self._fit(samples, moments)
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(int(self._background),
                                              thread_name_prefix="spectralmatch-lines")
        self._pending.append(self._worker.submit(self._fit, samples, moments))
        # A pass faster than the fits waits: memory stays bounded. Several threads fit
        # batches side by side once the pass has left them the cores (at its end).
        while len(self._pending) > int(self._background):
            self._pending.popleft().result()

    def finish(self) -> None:
        """Fit what :meth:`add` has collected, and wait for every fit."""
        self._submit()
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the fitting thread (after a failed or cancelled pass: without waiting)."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None

    def _fit(self, samples, moments) -> None:
        # Values beyond 1e150 overflow squared deviations; check_statistics refuses them
        # after the first pass, with a message, so the fits may run into inf quietly here.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._fit_all(samples, moments)

    def _fit_all(self, samples, moments) -> None:
        keys = [key for key, (si, _, _) in samples.items() if si.shape[1] >= MIN_SAMPLES]
        # The lines and limits of many overlaps are fitted together; a batch bounds the memory.
        for batch in _batches(keys, [samples[key][0].shape[1] for key in keys]):
            self.lines.update(self._fit_batch(batch, samples, self.rects))
            # Limits only where check_statistics keeps the overlap.
            limited = [key for key in batch
                       if moments.get(key, (np.zeros(1),))[0].min() >= MIN_OVERLAP_PIXELS]
            self.limits.update(self._limits(limited, samples, moments))

    def _limits(self, keys, samples, moments):
        """Per pair of ``keys``: per band and direction, the plane of agreement over the
        overlap and the half-width of the band around it.

        The departures from the cell lines keep what the lines cannot follow inside a cell:
        where a cell is wider than a narrow overlap, the slope of the images' fields across
        the overlap, largest at its boundaries. A plane in the mosaic position, fitted to the
        departures within the band of a first, flat test, takes that slope out before the
        test, so that clear pixels at an overlap's boundary are not left out (on the 15%
        bench set, 14% of them were); clouds stay far outside the band. Only on overlaps
        narrower than two cells (see :meth:`_narrow`). The pairs' medians come from one
        grouped partition (see robust_lines.Groups), as np.median gives them pair by pair."""
        if not keys:
            return {}
        sizes = np.array([samples[key][0].shape[1] for key in keys])
        groups = Groups(np.repeat(np.arange(len(keys)), sizes), sizes)
        xi, xj, where = (np.concatenate([samples[key][n] for key in keys], axis=1)
                         for n in range(3))
        xi, xj = xi.astype(np.float64), xj.astype(np.float64)
        d = self._departures(keys, sizes, xi, xj, where)
        floor = MIN_SPREAD * np.stack([np.concatenate(moments[key][:0:-1]) for key in keys],
                                      axis=1)
        median, band = self._band(d, groups, floor)
        planes = [None] * len(keys)
        for k, key in enumerate(keys):
            if self._narrow(key):
                part = slice(groups.starts[k], groups.starts[k] + sizes[k])
                inlier = np.abs(d[:, part] - median[:, k:k + 1]) <= band[:, k:k + 1]
                planes[k] = _departure_plane(d[:, part], where[:, part], inlier)
                if planes[k] is not None:
                    d[:, part] -= planes[k].at(where[0, part], where[1, part])
        tilted = [k for k, plane in enumerate(planes) if plane is not None]
        if tilted:  # the band again, around the planes
            picked = np.concatenate([np.arange(groups.starts[k], groups.starts[k] + sizes[k])
                                     for k in tilted])
            sub = Groups(np.repeat(np.arange(len(tilted)), sizes[tilted]), sizes[tilted])
            median[:, tilted], band[:, tilted] = self._band(d[:, picked], sub, floor[:, tilted])
        # Overlaps none of whose samples comes near the band's edge (CLEAR_WITHIN of it)
        # are not read again: the robust pass would keep their pixels as the first did.
        near = np.abs(d - groups.each(median)) > CLEAR_WITHIN * groups.each(band)
        near = np.logical_or.reduceat(near.any(axis=0), groups.starts)
        hidden = _hidden_outliers(xi, xj, groups, [moments[key] for key in keys])
        self.clear.update(key for key, n, h in zip(keys, near, hidden) if not (n or h))
        return {key: (median[:, k], band[:, k], planes[k]) for k, key in enumerate(keys)}

    def _band(self, d, groups, floor):
        """Per row and group of departures ``d``: the median, and the half-width of the band
        of agreement (THRESHOLD robust standard deviations, at least ``floor``)."""
        median = groups.median(d)
        mad = groups.median(np.abs(d - groups.each(median)))
        return median, self.threshold * np.maximum(MAD_TO_STD * mad, floor)

    def _departures(self, keys, sizes, xi, xj, where):
        """(2 bands, n) departures at the samples of ``keys`` (``sizes`` of each, one after
        the other): of j from i's prediction, then of i from j's. The cell maps of all pairs
        at their samples come from one bilinear gather."""
        maps, first, shapes = [], [], []
        for key in keys:
            (a_ji, b_ji), (a_ij, b_ij), span = self.lines[key]
            field = np.concatenate([a_ji, b_ji, a_ij, b_ij])
            maps.append(field.reshape(field.shape[0], -1))
            shapes.append(field.shape[1:])
            first.append(span[:2] if span is not None else (0, 0))
        offsets = np.concatenate(([0], np.cumsum([m.shape[1] for m in maps])[:-1]))

        def each(values):  # one row per pair -> one per sample
            return np.repeat(np.asarray(values), sizes, axis=0)

        size = self.cells.size if self.cells is not None else 1
        # A pair without cells has a map of one cell: any position reads its line.
        coords = (where + 0.5) / size - 0.5 - each(first).T
        f = _bilinear_flat(np.concatenate(maps, axis=1), each(offsets), each(shapes).T,
                           coords[0], coords[1])
        a_ji, b_ji, a_ij, b_ij = np.split(f, 4)
        return np.concatenate([xj - (a_ji + b_ji * xi), xi - (a_ij + b_ij * xj)])

    def unchanged(self) -> Set[Tuple[int, int]]:
        """Pairs whose robust statistics are those of the first pass: without limits (too
        few samples or pixels: nothing is left out), or whose samples all lie well inside
        the band of agreement (clear overlaps). The robust pass does not read them again;
        a pixel of such an overlap that was not sampled and departs is then kept."""
        return {key for key in self.rects if key not in self.limits} | self.clear

    def _narrow(self, key) -> bool:
        """Whether an overlap is less than two cells across: the cell lines then have no two
        centres across it to follow a slope with (wider overlaps, e.g. the dates of a time
        series, keep the flat test, which the cell lines alone make)."""
        rect = self.rects.get(key)
        return (self.cells is not None and rect is not None
                and min(rect.rows, rect.cols) < 2 * self.cells.size)

    def _fit_batch(self, keys, samples, rects):
        """(lines j from i, lines i from j, cell span) of each pair of ``keys``."""
        xs = [samples[key][0].astype(np.float64) for key in keys]
        ys = [samples[key][1].astype(np.float64) for key in keys]
        spans, picks, cell_counts = [], [], []
        for key in keys:
            rect = rects.get(key)
            span = footprint(self.cells, rect) if self.cells and rect else None
            spans.append(span)
            if span is None:
                picks.append(np.zeros(0, np.intp))
                cell_counts.append(np.zeros(0, np.intp))
                continue
            where = samples[key][2]
            cell = ((where[0] // self.cells.size - span[0]) * span[3]
                    + where[1] // self.cells.size - span[1])
            counts = np.bincount(cell, minlength=span[2] * span[3])
            counts[counts < self.LEAST] = 0
            # Samples of the cells with a line of their own, cell by cell, in their order.
            order = np.argsort(cell, kind="stable")
            picks.append(order[counts[cell[order]] > 0])
            cell_counts.append(counts)
        per_cell = [c[c > 0] for c in cell_counts]
        # An overlap's own line only stands in where none of its cells has a line of its
        # own (or there are no cells): fitting it for every overlap doubled the work.
        alone = [k for k in range(len(keys)) if not per_cell[k].size]
        whole_ji = whole_ij = None
        if alone:
            sizes = np.array([xs[k].shape[1] for k in alone])
            whole = Groups(np.repeat(np.arange(len(alone)), sizes), sizes)
            x_all = np.concatenate([xs[k] for k in alone], axis=1)
            y_all = np.concatenate([ys[k] for k in alone], axis=1)
            mx, my, sx, sy = start_lines(x_all, y_all, whole)
            whole_ji = robust_lines(x_all, y_all, whole, (mx, my, sx, sy))
            whole_ij = robust_lines(y_all, x_all, whole, (my, mx, sy, sx))
        fitted = np.concatenate(per_cell)
        if fitted.size:
            groups = Groups(np.repeat(np.arange(fitted.size), fitted), fitted)
            xc = np.concatenate([x[:, p] for x, p in zip(xs, picks)], axis=1)
            yc = np.concatenate([y[:, p] for y, p in zip(ys, picks)], axis=1)
            mx, my, sx, sy = start_lines(xc, yc, groups)
            cells_ji = robust_lines(xc, yc, groups, (mx, my, sx, sy))
            cells_ij = robust_lines(yc, xc, groups, (my, mx, sy, sx))
        result, used = {}, 0
        for k, key in enumerate(keys):
            lines = []
            for whole_lines, cell_lines in ((whole_ji, fitted.size and cells_ji),
                                            (whole_ij, fitted.size and cells_ij)):
                line = None
                if k in alone:
                    at = alone.index(k)
                    line = (whole_lines[0][:, at], whole_lines[1][:, at])
                n = per_cell[k].size
                cut = None if not n else tuple(f[:, used:used + n] for f in cell_lines)
                lines.append(self._cell_maps(line, cut, cell_counts[k], spans[k]))
            used += per_cell[k].size
            result[key] = (lines[0], lines[1], spans[k])
        return result

    def _cell_maps(self, whole, fitted, counts, span):
        """Cell maps (bands, rows, cols) of alpha and beta: each cell's own line where it has
        enough samples, else its nearest cell's (the overlap's line ``whole`` where none
        has)."""
        if span is None:
            return whole[0][:, None, None], whole[1][:, None, None]
        bands = fitted[0].shape[0] if fitted is not None else whole[0].shape[0]
        alpha = np.full((bands, span[2] * span[3]), np.nan)
        beta = np.full_like(alpha, np.nan)
        if fitted is not None:
            alpha[:, counts > 0], beta[:, counts > 0] = fitted
        shape = (bands, span[2], span[3])
        alpha, beta = alpha.reshape(shape), beta.reshape(shape)
        if whole is not None and np.isnan(alpha).all():
            alpha[:] = whole[0][:, None, None]
            beta[:] = whole[1][:, None, None]
        if not np.isnan(alpha).any():  # every cell has its line: nothing to fill
            return alpha, beta
        return fill_empty_blocks(alpha, beta)

    def _field(self, field, span, where=None, win=None):
        if span is None:
            return field if where is None else field[:, :, 0]
        if where is not None:
            coords = (where + 0.5) / self.cells.size - 0.5 - np.array(span[:2])[:, None]
            return _bilinear_at(field, coords[0], coords[1])
        return interpolate_window(field, span[:2], self.cells.size, win.row, win.col,
                                  win.rows, win.cols)

    def _residuals(self, key, xi, xj, bands=slice(None), **at):
        (a_ji, b_ji), (a_ij, b_ij), span = self.lines[key]
        a_ji, b_ji, a_ij, b_ij = (f[bands] for f in (a_ji, b_ji, a_ij, b_ij))
        if at.get("where") is not None and span is not None:  # the four fields in one call
            f = self._field(np.concatenate([a_ji, b_ji, a_ij, b_ij]), span, **at)
            a_ji, b_ji, a_ij, b_ij = np.split(f, 4)
            return xj - (a_ji + b_ji * xi), xi - (a_ij + b_ij * xj)
        dj = xj - (self._field(a_ji, span, **at) + self._field(b_ji, span, **at) * xi)
        di = xi - (self._field(a_ij, span, **at) + self._field(b_ij, span, **at) * xj)
        return dj, di

    def at_samples(self, key, xi, xj, where):
        """(2 bands, n): departures of j from i's prediction, then of i from j's."""
        return np.concatenate(self._residuals(key, xi, xj, where=where))

    def on_window(self, key, win, xi, xj, band: int, weights=None):
        """Departures of j and of i, (rows, cols) each, for one band of a window;
        ``weights`` (of :meth:`window_weights`) may be shared by the bands of a window."""
        (a_ji, b_ji), (a_ij, b_ij), span = self.lines[key]
        if span is None:
            dj, di = self._residuals(key, xi[band:band + 1], xj[band:band + 1],
                                     slice(band, band + 1), win=win)
            return dj[0], di[0]
        # The four fields of the band share the interpolation weights: one product for all,
        # with the weights computed once a window, in the values' float type (float32 where
        # the inputs fit it): departures are compared with limits of several standard
        # deviations, far above its precision.
        weights = weights or self.window_weights(key, win, np.result_type(xi.dtype, np.float32))
        f = interpolate_with(weights, np.stack([a_ji[band], b_ji[band], a_ij[band], b_ij[band]]))
        return xj[band] - (f[0] + f[1] * xi[band]), xi[band] - (f[2] + f[3] * xj[band])

    def window_weights(self, key, win, dtype=np.float64):
        """The bilinear weights of a pair's cell maps over a window, in ``dtype`` (None
        without cells)."""
        span = self.lines[key][2]
        if span is None:
            return None
        return window_weights(span[:2], self.cells.size, self.lines[key][0][0].shape[1:],
                              win.row, win.col, win.rows, win.cols, dtype)


def _hidden_outliers(xi: np.ndarray, xj: np.ndarray, groups: Groups, moments) -> np.ndarray:
    """Per group (pair) of samples ``xi``, ``xj`` (bands, n): whether, in some band, the
    standard deviation of all the overlap's pixels (``moments``: (count, std i, std j) per
    pair) exceeds CLEAR_SPREAD times the samples' own."""
    sizes = groups.counts.astype(np.float64)

    def spread(x):
        mean = groups.sums(x) / sizes
        deviation = x - groups.each(mean)
        # Plus the rounding of the first pass's moments (a constant band: 0 against 1e-13).
        return (np.sqrt(groups.sums(deviation * deviation) / sizes)
                + 1e-9 * (np.abs(mean) + 1.0))

    with np.errstate(over="ignore", invalid="ignore"):
        sampled = np.concatenate([spread(xi), spread(xj)])  # (2 bands, pairs)
        full = np.stack([np.concatenate([m[1], m[2]]) for m in moments], axis=1)
        # Written so that a NaN (an overflowing spread) counts as hidden too.
        return ~(full <= CLEAR_SPREAD * sampled).all(axis=0)


def _bilinear_at(field: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(layers, n) bilinear values of a (layers, rows, cols) map at fractional positions,
    continued flat beyond the outermost cell centres (ndimage.map_coordinates with order 1
    and mode "nearest", to rounding; a few array operations for all layers at once)."""
    return _bilinear_flat(field.reshape(field.shape[0], -1), 0, field.shape[1:], rows, cols)


def _bilinear_flat(flat: np.ndarray, offset, shape, rows: np.ndarray,
                   cols: np.ndarray) -> np.ndarray:
    """:func:`_bilinear_at` of many maps at once: ``flat`` (layers, cells of all maps) holds
    them one after the other, row by row; each position reads the map that starts at its
    ``offset``, of ``shape`` (rows, cols): numbers, or arrays of one per position."""
    def axis(coords, n):
        coords = np.clip(coords, 0.0, n - 1)
        lo = np.minimum(np.floor(coords).astype(np.intp), np.maximum(n - 2, 0))
        return lo, np.minimum(lo + 1, n - 1), coords - lo

    y0, y1, ty = axis(rows, shape[0])
    x0, x1, tx = axis(cols, shape[1])
    row0, row1 = offset + y0 * shape[1], offset + y1 * shape[1]
    top = flat[:, row0 + x0] * (1.0 - tx) + flat[:, row0 + x1] * tx
    bottom = flat[:, row1 + x0] * (1.0 - tx) + flat[:, row1 + x1] * tx
    return top * (1.0 - ty) + bottom * ty


class _Plane:
    """Per row (band and direction): ``c0 + c1 * (r - r0) / s + c2 * (c - c0) / s``."""

    def __init__(self, coef: np.ndarray, origin: Tuple[float, float], scale: float):
        self.coef, self.origin, self.scale = coef, origin, scale

    def at(self, rows, cols) -> np.ndarray:
        """(rows of coef, n) at positions ``rows``, ``cols`` (n each)."""
        r = (np.asarray(rows, dtype=np.float64) - self.origin[0]) / self.scale
        c = (np.asarray(cols, dtype=np.float64) - self.origin[1]) / self.scale
        return self.coef[:, :1] + self.coef[:, 1:2] * r[None] + self.coef[:, 2:3] * c[None]

    def on_window(self, k: int, win, dtype) -> np.ndarray:
        """Row ``k`` over a window, (rows, cols)."""
        r = (np.arange(win.row, win.row + win.rows) + 0.0 - self.origin[0]) / self.scale
        c = (np.arange(win.col, win.col + win.cols) + 0.0 - self.origin[1]) / self.scale
        a, b, e = self.coef[k]
        return (a + b * r[:, None] + e * c[None, :]).astype(dtype, copy=False)


def _departure_plane(d: np.ndarray, where: np.ndarray, inlier: np.ndarray
                     ) -> Optional[_Plane]:
    """Least squares planes of the departures ``d`` (rows, n) in the positions ``where``
    (2, n), each on its ``inlier`` samples; None where the samples span no area."""
    rows, cols = where[0].astype(np.float64), where[1].astype(np.float64)
    origin = (float(rows.mean()), float(cols.mean()))
    scale = max(float(rows.std()), float(cols.std()), 1.0)
    x = np.stack([np.ones_like(rows), (rows - origin[0]) / scale, (cols - origin[1]) / scale])
    w = inlier.astype(np.float64)
    # Sums of weighted products as matrix products (einsum over three operands: 10x slower).
    normal = (w @ (x[:, None] * x[None]).reshape(9, -1).T).reshape(-1, 3, 3)
    rhs = (w * d) @ x.T
    # A sliver or a single row of samples has no plane across it: a small ridge keeps the
    # slope there at 0 instead of letting it blow up.
    normal[:, 1, 1] += 1e-3 * w.sum(axis=1)
    normal[:, 2, 2] += 1e-3 * w.sum(axis=1)
    if np.any(w.sum(axis=1) < 3):
        return None
    coef = np.linalg.solve(normal, rhs[:, :, None])[:, :, 0]
    if not np.all(np.isfinite(coef)):
        return None
    return _Plane(coef, origin, scale)


def pair_rects(grid) -> Dict[Tuple[int, int], object]:
    """Each overlapping pair's overlap on the common grid."""
    return {(i, j): inter for i, j, inter in overlapping_pairs(grid.placements)}
