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
from scipy.sparse.linalg import spsolve

# A ridge this small (relative to the system's diagonal) changes a well-posed solution by far
# less than float rounding of the output, yet keeps degenerate groups (constant images, std 0)
# solvable, pulling their undetermined gains towards 1.
RIDGE = 1e-10


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


def _components(n_images: int, rows: Sequence[OverlapRows]) -> List[List[int]]:
    if not rows:
        return [[k] for k in range(n_images)]
    i = np.array([r.i for r in rows])
    j = np.array([r.j for r in rows])
    adj = sp.coo_matrix((np.ones(len(rows)), (i, j)), shape=(n_images, n_images))
    n, labels = connected_components(adj, directed=False)
    return [list(np.flatnonzero(labels == c)) for c in range(n)]


def solve_band(
    n_images: int,
    rows: Sequence[OverlapRows],
    mean_weight: float = 1.0,
    std_weight: float = 1.0,
    reference: Optional[int] = None,
) -> BandSolution:
    """Gains and offsets of every image for one band."""
    rows = [r for r in rows if r.count > 0]
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

    for members in _components(n_images, rows):
        if len(members) == 1:
            solution.isolated.append(int(members[0]))
            continue
        solution.groups.append([int(m) for m in members])
        local = {int(g): k for k, g in enumerate(members)}
        sel = [q for q, r in enumerate(rows) if r.i in local]
        m = len(members)
        a_col = lambda img: local[img]  # noqa: E731
        b_col = lambda img: m + local[img]  # noqa: E731
        ri, ci, vals = [], [], []
        for n, q in enumerate(sel):
            r = rows[q]
            wm, ws = mean_weight * w[q], std_weight * w[q]
            # mean row 2n, std row 2n+1
            ri += [2 * n] * 4 + [2 * n + 1] * 2
            ci += [a_col(r.i), b_col(r.i), a_col(r.j), b_col(r.j), a_col(r.i), a_col(r.j)]
            vals += [wm * mu[q, 0], wm, -wm * mu[q, 1], -wm, ws * sigma[q, 0], -ws * sigma[q, 1]]
        A = sp.csr_matrix((vals, (ri, ci)), shape=(2 * len(sel), 2 * m))
        normal = (A.T @ A).tocsr()
        ridge = RIDGE * max(float(normal.diagonal().max()), 1.0)
        normal = normal + ridge * sp.identity(2 * m, format="csr")
        rhs = np.concatenate([np.full(m, ridge), np.zeros(m)])

        if reference is not None and reference in local:
            C = sp.csr_matrix(
                ([1.0, 1.0], ([0, 1], [a_col(reference), b_col(reference)])), shape=(2, 2 * m)
            )
            d = np.array([1.0, 0.0])
        else:
            C = sp.csr_matrix(
                (np.ones(2 * m), (np.repeat([0, 1], m), np.arange(2 * m))), shape=(2, 2 * m)
            )
            d = np.array([float(m), 0.0])
        kkt = sp.bmat([[normal, C.T], [C, None]], format="csc")
        x = spsolve(kkt, np.concatenate([rhs, d]))[: 2 * m]
        a, b_scaled = x[:m], x[m:]
        idx = np.array(members)
        gains[idx] = a
        # Back from scaled units: b = s b' + c - a c.
        offsets[idx] = s * b_scaled + c - a * c
        if reference is not None and reference in local:
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
    """Solve every band; ``overlaps`` are :class:`stats_pass.OverlapStats`.

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
