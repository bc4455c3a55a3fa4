"""Statistics that ignore what is not a radiometric difference: clouds, shadows, real change.

Where the ground is the same, two overlapping images are related by a straight line (a gain
and an offset), which may drift slowly across the overlap (haze, vignetting). Where a cloud,
its shadow or a new building stands in one image only, a pixel departs from that line. The
first pass keeps a small, fixed sample of pixel pairs of every overlap; from it, per cell of a
grid a few blocks wide, straight lines are fitted robustly in both directions (image j from
i and i from j; see :class:`Disagreement`), and per overlap and band the median and median
absolute deviation (MAD, scaled by 1.4826 to a standard deviation) of the departures give a
band of agreement. A pixel departing by more than ``THRESHOLD`` robust standard deviations in
any band is left out. One more read of the overlaps then gives the exact statistics of all
agreeing pixels: overlap moments for the global system, pair block sums and the block means of
both images for the local step. The lines never depend on a global fit, so clouds that would
bias such a fit cannot hide themselves.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np
from scipy import ndimage

from ..grid.block_maps import fill_empty_blocks
from ..grid.blocks import BlockGrid, footprint
from ..grid.interpolation import interpolate_window
from ..grid.pairs import overlapping_pairs
from ..io.rasters import RasterInfo
from .scan import PairFilter, ScanResult, rescan_overlaps
from .spread import MAD_TO_STD

THRESHOLD = 4.0
# The robust spread never counts as less than this fraction of the overlap's own spread,
# so that images that agree almost exactly (rounding only) lose no pixels.
MIN_SPREAD = 0.02
MIN_SAMPLES = 20
_TINY = 1e-12


def _robust_line(x: np.ndarray, y: np.ndarray, rounds: int = 4):
    """Per band, y ~ alpha + beta x fitted to (bands, n) samples, ignoring outliers.

    Starts from medians and median absolute deviations (unmoved by anything that covers
    less than half the samples), then least squares on the samples within THRESHOLD robust
    standard deviations of the line, a few times.
    """
    mx, my = np.median(x, axis=1), np.median(y, axis=1)
    sx = np.median(np.abs(x - mx[:, None]), axis=1)
    sy = np.median(np.abs(y - my[:, None]), axis=1)
    beta = np.where(sx > 0, sy / np.where(sx > 0, sx, 1.0), 1.0)
    alpha = my - beta * mx
    for _ in range(rounds):
        resid = y - alpha[:, None] - beta[:, None] * x
        med = np.median(resid, axis=1)
        mad = MAD_TO_STD * np.median(np.abs(resid - med[:, None]), axis=1)
        inlier = np.abs(resid - med[:, None]) <= THRESHOLD * np.maximum(mad, _TINY)[:, None]
        for b in range(x.shape[0]):
            xb, yb = x[b, inlier[b]], y[b, inlier[b]]
            if xb.size < 3 or np.ptp(xb) == 0:
                continue
            beta[b], alpha[b] = np.polyfit(xb, yb, 1)
    return alpha, beta


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

    def __init__(self, scan: ScanResult, blocks, rects):
        """``blocks`` sets the cell size (None: one line per overlap); ``rects`` maps each
        pair to its overlap on the common grid."""
        self.cells = None
        self.lines: Dict[Tuple[int, int], tuple] = {}
        if blocks is not None:
            self.cells = BlockGrid(blocks.size * self.COARSER,
                                   -(-blocks.cols // self.COARSER),
                                   -(-blocks.rows // self.COARSER))
        for key, (si, sj, where) in scan.samples.items():
            if si.shape[1] < MIN_SAMPLES:
                continue
            si, sj = si.astype(np.float64), sj.astype(np.float64)
            rect = rects.get(key)
            span = footprint(self.cells, rect) if self.cells and rect else None
            self.lines[key] = (self._lines(si, sj, where, span),
                               self._lines(sj, si, where, span), span)

    def _lines(self, x, y, where, span):
        """Cell maps (bands, rows, cols) of alpha and beta for y ~ alpha + beta x."""
        whole = _robust_line(x, y)
        if span is None:
            return whole[0][:, None, None], whole[1][:, None, None]
        cell = ((where[0] // self.cells.size - span[0]) * span[3]
                + where[1] // self.cells.size - span[1])
        alpha = np.full((x.shape[0], span[2] * span[3]), np.nan)
        beta = np.full_like(alpha, np.nan)
        for c in np.flatnonzero(np.bincount(cell, minlength=alpha.shape[1]) >= self.LEAST):
            sel = cell == c
            alpha[:, c], beta[:, c] = _robust_line(x[:, sel], y[:, sel])
        shape = (x.shape[0], span[2], span[3])
        alpha, beta = alpha.reshape(shape), beta.reshape(shape)
        if np.isnan(alpha).all():
            alpha[:] = whole[0][:, None, None]
            beta[:] = whole[1][:, None, None]
        return fill_empty_blocks(alpha, beta)

    def _field(self, field, span, where=None, win=None):
        if span is None:
            return field if where is None else field[:, :, 0]
        if where is not None:
            coords = (where + 0.5) / self.cells.size - 0.5 - np.array(span[:2])[:, None]
            return np.stack([ndimage.map_coordinates(band, coords, order=1, mode="nearest")
                             for band in field])
        return interpolate_window(field, span[:2], self.cells.size, win.row, win.col,
                                  win.rows, win.cols)

    def _residuals(self, key, xi, xj, bands=slice(None), **at):
        (a_ji, b_ji), (a_ij, b_ij), span = self.lines[key]
        a_ji, b_ji, a_ij, b_ij = (f[bands] for f in (a_ji, b_ji, a_ij, b_ij))
        dj = xj - (self._field(a_ji, span, **at) + self._field(b_ji, span, **at) * xi)
        di = xi - (self._field(a_ij, span, **at) + self._field(b_ij, span, **at) * xj)
        return dj, di

    def at_samples(self, key, xi, xj, where):
        """(2 bands, n): departures of j from i's prediction, then of i from j's."""
        return np.concatenate(self._residuals(key, xi, xj, where=where))

    def on_window(self, key, win, xi, xj, band: int):
        """Departures of j and of i, (rows, cols) each, for one band of a window."""
        dj, di = self._residuals(key, xi[band:band + 1], xj[band:band + 1],
                                 slice(band, band + 1), win=win)
        return dj[0], di[0]


def _sample_limits(scan, disagree: Disagreement, threshold):
    """Per pair: the median and half-width of the band of agreeing disagreements."""
    spread = {(o.i, o.j): np.concatenate([o.std_j, o.std_i]) for o in scan.overlaps}
    result = {}
    for key, (si, sj, where) in scan.samples.items():
        if key not in disagree.lines or key not in spread:
            continue
        d = disagree.at_samples(key, si.astype(np.float64), sj.astype(np.float64), where)
        median = np.median(d, axis=1)
        mad = np.median(np.abs(d - median[:, None]), axis=1)
        band = threshold * np.maximum(MAD_TO_STD * mad, MIN_SPREAD * spread[key])
        result[key] = (median, band)
    return result


def pair_filter(scan: ScanResult, blocks, rects, threshold: float = THRESHOLD) -> PairFilter:
    """The keep-function of the robust pass."""
    disagree = Disagreement(scan, blocks, rects)
    limits = _sample_limits(scan, disagree, threshold)

    def keep(i, j, rect, vi, vj, both):
        limit = limits.get((i, j))
        if limit is None:
            return both
        median, width = limit
        n = vi.shape[0]
        bad = np.zeros(vi.shape[1:], dtype=bool)
        for b in range(n):  # band by band: a few window-sized arrays at a time
            dj, di = disagree.on_window((i, j), rect, vi, vj, b)
            bad |= both[b] & ((np.abs(dj - median[b]) > width[b])
                              | (np.abs(di - median[n + b]) > width[n + b]))
        return both & ~bad[None]

    return keep


def report_excluded(infos: List[RasterInfo], scan: ScanResult, feedback, most: int = 30) -> None:
    """Log what fraction of each overlap was left out (the largest first, at most ``most``)."""
    rows = []
    for o in scan.overlaps:
        if o.excluded is None:
            continue
        total = o.count + o.excluded
        fraction = float((o.excluded / np.maximum(total, 1)).mean())
        rows.append((fraction, infos[o.i].name, infos[o.j].name))
    if not rows:
        return
    rows.sort(reverse=True)
    overall = np.mean([r[0] for r in rows])
    feedback.info(
        f"Robust statistics: on average {100 * overall:.1f}% of each overlap was left out as "
        "disagreeing (clouds, shadows, change); per overlap:"
    )
    for fraction, a, b in rows[:most]:
        feedback.info(f"  {a} / {b}: {100 * fraction:.1f}% left out")
    if len(rows) > most:
        feedback.info(f"  ... and {len(rows) - most} more overlaps, each below "
                      f"{100 * rows[most - 1][0]:.1f}%")


def robust_rescan(infos, grid, blocks, scan: ScanResult, feedback, window=None,
                  threads=None, exclusion=None, cells_from=None, executor=None) -> ScanResult:
    """The overlaps read again without their disagreeing pixels; logs what was left out.

    ``blocks`` are accumulated again (None: none); the cells of the robust lines follow
    ``cells_from`` (default: ``blocks``).
    """
    rects = {(i, j): inter for i, j, inter in overlapping_pairs(grid.placements)}
    keep = pair_filter(scan, cells_from or blocks, rects)
    robust = rescan_overlaps(infos, grid, blocks, scan, keep, feedback, window, threads,
                             exclusion, executor)
    report_excluded(infos, robust, feedback)
    return robust
