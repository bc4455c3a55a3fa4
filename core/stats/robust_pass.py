"""The robust pass: the overlaps read again without the pixels that disagree.

The lines and limits of :class:`robust.Disagreement` (fitted to the first pass's samples)
give, per window of an overlap, each pixel's departures; :func:`pair_filter` leaves out the
disagreeing areas, :func:`robust_rescan` reads the overlaps with it (all but those whose
samples were clear) and :func:`report_excluded` logs what was left out.
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np
from scipy import ndimage

from ..io.rasters import RasterInfo
from .robust import Disagreement, pair_rects
from .scan import PairFilter, ScanResult, rescan_overlaps

# The root mean square over all bands and both directions of a pixel's departures, in
# widths of the band of agreement, from which on it seeds a disagreeing area (pair_filter).
# Measured with bench/local_seams.py (clear pixels left out at overlap boundaries, b/i
# within 1.5 in 81 of 88 set-bands; 74 at 1.0, 80 at 2.0, 61 with no seeds) and the
# five-date series of tests/test_robust.py (ghost correlation 0.105; 0.100 without seeds,
# 0.114 at 2.0); the held-out scene's sets agree (mean b/i 1.16 -> 1.13).
SEED = 1.5
_NARROWEST = 1e-30  # a band of width 0 counts as this wide (no 0 / 0)


def pair_filter(disagree: Disagreement) -> PairFilter:
    """The keep-function of the robust pass: per window of an overlap, the pixels beyond
    the band of agreement in some band, left out where they touch a seed (hysteresis, as in
    Canny's edge detector).

    Clear pixels depart with heavier tails than a normal law: what the cell lines cannot
    follow of the images' smooth fields grows with the pixel's brightness and towards the
    boundary of a narrow overlap. Tested alone, each of the 2 x 11 rows of a Landsat pair
    left out 1-6% of clear pixels, 4-14% together, most of them beyond the band in one or
    two rows only and most at the boundaries of narrow overlaps (bench/local_seams.py), so
    that the local step lost the pixels that show the fields there. A cloud, its shadow or a
    real change departs in most bands at once, far in its core: the seeds are pixels whose
    root mean square departure over all bands (and both directions) exceeds SEED band
    widths, and a disagreeing area is every pixel beyond the band in some band that is
    8-connected, through such pixels, to a seed. Thin cloud edges and haze that show in one
    band only thus still count where they belong to a cloud. For one band, a pixel beyond
    the band is left out where it touches one beyond 1.5 bands. Areas are found within each
    window: a thin part of a cloud cut off by a window's edge from its seeds is kept."""
    limits = disagree.limits

    def keep(i, j, rect, vi, vj, both):
        limit = limits.get((i, j))
        if limit is None:
            return both
        median, width, plane = limit
        n = vi.shape[0]
        dtype = np.result_type(vi.dtype, np.float32)
        beyond = np.zeros(vi.shape[1:], dtype=bool)
        squares = np.zeros(vi.shape[1:], dtype=dtype)  # of departures in band widths
        rows = np.zeros(vi.shape[1:], dtype=np.int32)
        weights = disagree.window_weights((i, j), rect, dtype)
        for b in range(n):  # band by band: a few window-sized arrays at a time
            dj, di = disagree.on_window((i, j), rect, vi, vj, b, weights)
            if plane is not None:
                dj = dj - plane.on_window(b, rect, dj.dtype)
                di = di - plane.on_window(n + b, rect, di.dtype)
            # Python floats: float32 departures stay float32 (numpy 2 promotes for numpy
            # scalars)
            # A constant band has a band of width 0: any departure there is beyond it.
            uj = np.abs(dj - float(median[b])) / max(float(width[b]), _NARROWEST)
            ui = np.abs(di - float(median[n + b])) / max(float(width[n + b]), _NARROWEST)
            beyond |= both[b] & ((uj > 1) | (ui > 1))
            # Extreme values (1e30 in Float32) overflow to inf here: a seed, as they are.
            with np.errstate(over="ignore"):
                squares += np.where(both[b], uj * uj + ui * ui, 0)
            rows += 2 * both[b]
        if not beyond.any():
            return both
        seeds = beyond & (squares > SEED * SEED * rows)
        return both & ~_seeded(beyond, seeds)[None]

    return keep


def _seeded(areas: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The 8-connected parts of the mask ``areas`` that hold a pixel of ``seeds``."""
    if not seeds.any():
        return np.zeros_like(areas)
    labels, count = ndimage.label(areas, structure=np.ones((3, 3), dtype=bool))
    hit = np.zeros(count + 1, dtype=bool)
    hit[labels[seeds]] = True
    hit[0] = False
    return hit[labels]


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
                  threads=None, exclusion=None, cells_from=None, executor=None,
                  disagree: Optional[Disagreement] = None) -> ScanResult:
    """The overlaps read again without their disagreeing pixels; logs what was left out.

    ``blocks`` are accumulated again (None: none). The robust lines are ``disagree``'s, fed
    during the first pass, or else fitted here to the scan's samples on the cells of
    ``cells_from`` (default: ``blocks``).
    """
    if disagree is None:
        disagree = Disagreement.from_scan(scan, cells_from or blocks, pair_rects(grid))
    keep = pair_filter(disagree)
    robust = rescan_overlaps(infos, grid, blocks, scan, keep, feedback, window, threads,
                             exclusion, executor, frozenset(disagree.unchanged()))
    report_excluded(infos, robust, feedback)
    return robust
