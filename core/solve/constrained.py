"""Least squares under exact linear constraints, through the sparse Karush-Kuhn-Tucker system."""
from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import MatrixRankWarning, spsolve

# Used only where the exact system is singular (constant images, std 0; blocks whose images
# form separate groups): a ridge this small, relative to the system's diagonal, pulls the
# undetermined unknowns towards their prior and leaves the determined ones as they are.
RIDGE = 1e-10


def solve_constrained(normal, rhs, C, d, prior: np.ndarray) -> np.ndarray:
    """Minimise the least-squares problem with normal equations (normal, rhs) under C x = d.

    Solves the Karush-Kuhn-Tucker system exactly; only if it is singular, again with a tiny
    ridge towards ``prior``.
    """
    n = normal.shape[0]
    kkt = sp.bmat([[normal, C.T], [C, None]], format="csc")
    with warnings.catch_warnings():
        warnings.simplefilter("error", MatrixRankWarning)
        try:
            # The KKT matrix is symmetric: a symmetric fill-reducing order halves the time.
            x = spsolve(kkt, np.concatenate([rhs, d]), permc_spec="MMD_AT_PLUS_A")[:n]
            if np.all(np.isfinite(x)):
                return x
        except (MatrixRankWarning, RuntimeError):
            pass
    ridge = RIDGE * max(float(normal.diagonal().max()), 1.0)
    kkt = sp.bmat([[normal + ridge * sp.identity(n, format="csr"), C.T], [C, None]],
                  format="csc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MatrixRankWarning)
        return spsolve(kkt, np.concatenate([rhs + ridge * prior, d]),
                       permc_spec="MMD_AT_PLUS_A")[:n]
