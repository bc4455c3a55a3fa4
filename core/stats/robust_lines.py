"""Robust straight lines of many groups of samples at once (stats/robust.py's cells).

Per band and group, ``y ~ alpha + beta x``, started from medians and median absolute
deviations and refitted by least squares on the samples within THRESHOLD robust standard
deviations of the line. The groups are contiguous runs of one sample array, so that the
lines of every cell of many overlaps take a few array operations, and their medians one
partition per size class (:class:`Groups`).
"""
from __future__ import annotations

import numpy as np

from .spread import MAD_TO_STD

# A sample departing by more than this many robust standard deviations is no inlier.
THRESHOLD = 4.0
_TINY = 1e-12


class Groups:
    """Samples in contiguous groups (``ids`` non-decreasing, ``counts`` per group), so that
    the robust lines of every cell of many overlaps are fitted by a few array operations.

    For their medians, the groups are laid out as the rows of one array per size class, each
    row a group's values with -inf before and +inf after them, so that the middle of every
    group of a class falls on the same two columns: one partition finds them all. Classes of
    sizes within a factor of two pad to at most twice the work; all classes share one buffer,
    filled by one scatter."""

    def __init__(self, ids: np.ndarray, counts: np.ndarray):
        self.ids = ids
        self.counts = counts
        self.starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp)
        size_class = np.log2(np.maximum(counts, 1)).astype(int)
        # Per class: (members, first column in the buffer, rows, columns, middle, kth, odd).
        self.classes = []
        base = np.empty(counts.size, np.intp)  # where each group's values start, less its start
        templates, offset = [], 0
        for c in np.unique(size_class):
            members = np.flatnonzero(size_class == c)
            n = counts[members]
            odd = n % 2 == 1
            lower = np.where(odd, n // 2, n // 2 - 1)
            middle = int(lower.max())
            lead = middle - lower
            width = int((lead + n).max()) + 1
            columns = np.arange(width)[None, :]
            templates.append(np.where(columns < lead[:, None], -np.inf, np.inf).ravel())
            base[members] = (offset + np.arange(members.size) * width + lead
                             - self.starts[members])
            # Where every group has an odd count, the middle value alone is the median.
            kth = middle if odd.all() else (middle, middle + 1)
            self.classes.append((members, offset, members.size, width, middle, kth, odd))
            offset += members.size * width
        self.template = np.concatenate(templates)
        # Of each value: its place in the buffer's rows.
        self.destination = np.repeat(base, counts) + np.arange(ids.size)
        self._flat = {}  # per number of bands: each value's place in the flat buffer

    def median(self, values: np.ndarray) -> np.ndarray:
        """(bands, groups) medians of (bands, n) values, as np.median computes them: the
        middle value, or the mean of the middle two."""
        bands = values.shape[0]
        # A copy by assignment and a scatter to flat places: the same buffer as
        # np.repeat and padded[:, destination] = values, in half the time, and without
        # holding the GIL that the pass's threads need meanwhile.
        padded = np.empty((bands, self.template.size))
        padded[:] = self.template
        flat = self._flat.get(bands)
        if flat is None:
            flat = self._flat[bands] = (np.arange(bands)[:, None] * self.template.size
                                        + self.destination).ravel()
        padded.reshape(-1)[flat] = values.ravel()
        out = np.empty((bands, len(self.counts)))
        for members, offset, rows, width, middle, kth, odd in self.classes:
            part = padded[:, offset:offset + rows * width].reshape(bands, rows, width)
            part.partition(kth, axis=2)
            lo, hi = part[:, :, middle], part[:, :, middle + 1]
            out[:, members] = np.where(odd, lo, (lo + hi) / 2.0)
        return out

    def sums(self, values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, self.starts, axis=1)

    def each(self, values: np.ndarray) -> np.ndarray:
        """(bands, n): each sample's value of its group, of (bands, groups) ``values``:
        np.take, 3-4x faster than np.repeat or values[:, ids], and without the GIL."""
        return np.take(values, self.ids, axis=1)


def start_lines(x: np.ndarray, y: np.ndarray, groups: Groups):
    """Medians and median absolute deviations of x and y per band and group: where the
    robust lines start, in both directions."""
    mx, my = groups.median(x), groups.median(y)
    sx = groups.median(np.abs(x - groups.each(mx)))
    sy = groups.median(np.abs(y - groups.each(my)))
    return mx, my, sx, sy


def robust_lines(x: np.ndarray, y: np.ndarray, groups: Groups, start, rounds: int = 4):
    """Per band and group, y ~ alpha + beta x fitted to (bands, n) samples, ignoring outliers.

    Starts from medians and median absolute deviations (``start``, of start_lines: unmoved
    by anything that covers less than half the samples), then least squares on the samples
    within THRESHOLD robust standard deviations of the line, a few times; a group whose
    samples stay the same has its line. Returns (bands, groups) alpha and beta.
    """
    mx, my, sx, sy = start
    beta = np.where(sx > 0, sy / np.where(sx > 0, sx, 1.0), 1.0)
    alpha = my - beta * mx
    active = np.arange(len(groups.counts))
    previous = None
    for _ in range(rounds):
        g = groups.ids
        resid = y - groups.each(alpha[:, active]) - groups.each(beta[:, active]) * x
        med = groups.median(resid)
        dev = np.abs(resid - groups.each(med))
        mad = MAD_TO_STD * groups.median(dev)
        inlier = dev <= THRESHOLD * groups.each(np.maximum(mad, _TINY))
        if previous is not None:
            moved = np.logical_or.reduceat(inlier != previous, groups.starts, axis=1).any(axis=0)
            if not moved.all():  # the same samples would give the same lines: those are done
                if not moved.any():
                    break
                keep = moved[g]
                x, y, inlier = x[:, keep], y[:, keep], inlier[:, keep]
                active = active[moved]
                groups = Groups(np.cumsum(np.diff(g[keep], prepend=-1) > 0) - 1,
                                 groups.counts[moved])
                g = groups.ids
        previous = inlier
        # Least squares on centred values (the line of np.polyfit, to rounding). Products
        # with the inlier mask stand for np.where(inlier, v, 0): the same sums, at a
        # fraction of the cost.
        n = np.add.reduceat(inlier, groups.starts, axis=1, dtype=np.float64)
        safe = np.maximum(n, 1.0)
        cx = groups.sums(x * inlier) / safe
        cy = groups.sums(y * inlier) / safe
        dx = (x - groups.each(cx)) * inlier
        dy = (y - groups.each(cy)) * inlier
        sxx, sxy = groups.sums(dx * dx), groups.sums(dx * dy)
        fit = (n >= 3) & (sxx > 0) & _spread(x, inlier, groups, n, cx, sxx)
        slope = sxy / np.where(fit, sxx, 1.0)
        beta[:, active] = np.where(fit, slope, beta[:, active])
        alpha[:, active] = np.where(fit, cy - slope * cx, alpha[:, active])
    return alpha, beta


def _spread(x, inlier, groups, n, cx, sxx) -> np.ndarray:
    """Per band and group: whether the inliers' x differ. Equal values leave only the
    rounding of their mean in ``sxx`` (each deviation within n ulp of x): groups well above
    that need no look at their values."""
    rounding = n * (1e-9 * (np.abs(cx) + 1.0)) ** 2
    if np.all(sxx > rounding):
        return np.ones(sxx.shape, dtype=bool)
    return (np.maximum.reduceat(np.where(inlier, x, -np.inf), groups.starts, axis=1)
            - np.minimum.reduceat(np.where(inlier, x, np.inf), groups.starts, axis=1)) > 0
