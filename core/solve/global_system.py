"""The global least-squares system: one gain and one offset per image and band.

Yu et al. (2017), "An auto-adapting global-to-local color balancing method for optical
imagery mosaic", ISPRS J. Photogramm. Remote Sens. 132, 1-19, doi 10.1016/j.isprsjprs.2017.08.002:
after correction ``y = a_i x + b_i`` two overlapping images i and j should agree in their
mean and standard deviation over the overlap,

    a_i mu_ij + b_i = a_j mu_ji + b_j          (mean row, weight MEAN_WEIGHT)
    a_i sigma_ij    = a_j sigma_ji             (std row, weight STD_WEIGHT)

where mu_ij, sigma_ij are image i's statistics over its overlap with j. Each overlap's rows are
weighted by the square root of its valid pixel count, so that the squared residuals count in
proportion to the pixels behind them. The system fixes the solution only up to one common
affine map; that freedom is removed by hard constraints: the mean gain is 1 and the mean offset
0 over each connected group of images (the set's own central tendency), or the reference image
keeps gain 1 and offset 0. The constrained problem is solved exactly through its sparse
Karush-Kuhn-Tucker system, so thousands of images stay cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .constrained import solve_constrained


@dataclass
class OverlapRows:
    """One band's statistics of one overlap."""

    i: int
    j: int
    count: float
    mean_i: float
    std_i: float
    mean_j: float
    std_j: float


@dataclass
class BandSolution:
    gains: np.ndarray
    offsets: np.ndarray
    groups: List[List[int]] = field(default_factory=list)  # connected groups of >= 2 images
    isolated: List[int] = field(default_factory=list)  # images that overlap no other
    constant: List[int] = field(default_factory=list)  # images with std 0 in an overlap


def _components(n_images: int, rows: Sequence[OverlapRows]) -> List[List[int]]:
    if not rows:
        return [[k] for k in range(n_images)]
    i = np.array([r.i for r in rows])
    j = np.array([r.j for r in rows])
    adj = sp.coo_matrix((np.ones(len(rows)), (i, j)), shape=(n_images, n_images))
    n, labels = connected_components(adj, directed=False)
    return [list(np.flatnonzero(labels == c)) for c in range(n)]


def _constraints(m: int, reference: int, constant: np.ndarray):
    """Rows C x = d fixing the common gain and offset of a group of ``m`` images.

    The reference (column ``reference``, or -1) keeps gain 1 and offset 0; else the mean gain
    of the images with texture is 1 and the mean offset 0. Constant images keep gain 1.
    """
    rows, cols, vals, d = [], [], [], []
    if reference >= 0:
        rows += [0, 1]
        cols += [reference, m + reference]
        vals += [1.0, 1.0]
        d += [1.0, 0.0]
    else:
        free = np.setdiff1d(np.arange(m), constant)
        if free.size:
            rows += [0] * free.size
            cols += list(free)
            vals += [1.0] * free.size
            d.append(float(free.size))
        n = len(d)
        rows += [n] * m
        cols += list(m + np.arange(m))
        vals += [1.0] * m
        d.append(0.0)
    for c in constant:
        if c != reference:
            rows.append(len(d))
            cols.append(int(c))
            vals.append(1.0)
            d.append(1.0)
    C = sp.csr_matrix((vals, (rows, cols)), shape=(len(d), 2 * m))
    return C, np.array(d)


def _constant_images(sigma, ai, aj, m: int):
    """Overlaps with a constant side, and the images constant in all their overlaps.

    A constant image (std 0 in all its overlaps) says nothing about gains: its std rows would
    force the other images' gains to 0, and its free gain could absorb the mean-gain
    constraint while every other gain collapses to 0. Its rows are left out of the std
    equations and its gain is held at 1; only its offset is fitted.
    """
    flat_side = sigma <= 1e-9
    flat = flat_side.any(axis=1)
    seen = np.zeros(m, dtype=bool)
    textured = np.zeros(m, dtype=bool)
    for side, cols in ((0, ai), (1, aj)):
        seen[cols] = True
        textured[cols[~flat_side[:, side]]] = True
    return flat, np.flatnonzero(seen & ~textured)


def _design(mu, sigma, ai, aj, m: int, wm, ws) -> sp.csr_matrix:
    """The weighted rows of a group: a mean row and a std row per overlap; unknowns are the
    m gains, then the m offsets (columns ai, aj: the overlap's two images)."""
    n = ai.size
    mean_row, std_row = 2 * np.arange(n), 2 * np.arange(n) + 1
    return sp.csr_matrix(
        (
            np.concatenate([wm * mu[:, 0], wm, -wm * mu[:, 1], -wm,
                            ws * sigma[:, 0], -ws * sigma[:, 1]]),
            (np.concatenate([mean_row] * 4 + [std_row] * 2),
             np.concatenate([ai, m + ai, aj, m + aj, ai, aj])),
        ),
        shape=(2 * n, 2 * m),
    )


def solve_band(
    n_images: int,
    rows: Sequence[OverlapRows],
    mean_weight: float = 1.0,
    std_weight: float = 1.0,
    reference: Optional[int] = None,
) -> BandSolution:
    """Gains and offsets of every image for one band."""
    rows = [r for r in rows if r.count > 0]
    # Only the ratio of the weights matters; scaled to at most 1, 1e300 and 1e300 cannot
    # overflow the normal equations.
    top = max(mean_weight, std_weight)
    mean_weight, std_weight = mean_weight / top, std_weight / top
    gains, offsets = np.ones(n_images), np.zeros(n_images)
    solution = BandSolution(gains, offsets)
    if not rows:
        solution.isolated = list(range(n_images))
        return solution

    # Work in units centred and scaled on the overlaps' statistics so that gain and offset
    # columns have comparable size; y' = a x' + b' with x = c + s x'.
    counts = np.array([r.count for r in rows])
    means = np.array([[r.mean_i, r.mean_j] for r in rows])
    stds = np.array([[r.std_i, r.std_j] for r in rows])
    c = float(np.average(means.mean(axis=1), weights=counts))
    s = float(np.average(stds.mean(axis=1), weights=counts))
    if not np.isfinite(s) or s <= 0:
        s = max(abs(c), 1.0)
    mu = (means - c) / s
    sigma = stds / s
    w = np.sqrt(counts / counts.mean())

    first = np.array([r.i for r in rows])
    second = np.array([r.j for r in rows])
    for members in _components(n_images, rows):
        if len(members) == 1:
            solution.isolated.append(int(members[0]))
            continue
        solution.groups.append([int(g) for g in members])
        m = len(members)
        column = np.full(n_images, -1)
        column[members] = np.arange(m)
        sel = np.flatnonzero(column[first] >= 0)
        ai, aj = column[first[sel]], column[second[sel]]  # gain columns; offsets at m + ...
        wm, ws = mean_weight * w[sel], std_weight * w[sel]
        flat, constant = _constant_images(sigma[sel], ai, aj, m)
        ws = np.where(flat, 0.0, ws)
        solution.constant.extend(int(members[c]) for c in constant)
        A = _design(mu[sel], sigma[sel], ai, aj, m, wm, ws)
        normal = (A.T @ A).tocsr()
        C, d = _constraints(m, column[reference] if reference is not None else -1, constant)
        prior = np.concatenate([np.ones(m), np.zeros(m)])  # gain 1, offset 0
        x = solve_constrained(normal, np.zeros(2 * m), C, d, prior)
        a, b_scaled = x[:m], x[m:]
        gains[members] = a
        # Back from scaled units: b = s b' + c - a c.
        offsets[members] = s * b_scaled + c - a * c
        if reference is not None and column[reference] >= 0:
            gains[reference], offsets[reference] = 1.0, 0.0  # exactly, not up to rounding
    return solution


def solve_gains_offsets(
    n_images: int,
    overlaps,
    n_bands: int,
    mean_weight: float = 1.0,
    std_weight: float = 1.0,
    reference: Optional[int] = None,
):
    """Solve every band; ``overlaps`` hold per-band arrays ``count``, ``mean_i``, ``std_i``,
    ``mean_j``, ``std_j`` and the images ``i``, ``j`` (e.g. :class:`stats.scan.OverlapStats`).

    Returns gains and offsets as (images, bands) arrays and the per-band solutions.
    """
    gains = np.ones((n_images, n_bands))
    offsets = np.zeros((n_images, n_bands))
    solutions = []
    for b in range(n_bands):
        rows = [
            OverlapRows(o.i, o.j, float(o.count[b]), float(o.mean_i[b]), float(o.std_i[b]),
                        float(o.mean_j[b]), float(o.std_j[b]))
            for o in overlaps
        ]
        sol = solve_band(n_images, rows, mean_weight, std_weight, reference)
        gains[:, b], offsets[:, b] = sol.gains, sol.offsets
        solutions.append(sol)
    return gains, offsets, solutions
