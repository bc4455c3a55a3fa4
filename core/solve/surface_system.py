"""The sparse least-squares system of the local correction surfaces, one band at a time.

Unknowns are the node values of every image's surface (log factors, or offsets), node
(r, c) of image k at index ``offset[k] + r * cols[k] + c``. Three kinds of terms:

* observations: per cell of an overlap, ``x_i(p) - x_j(p) = t`` at the cell's centroid p,
  where ``x_k(p)`` is the bilinear interpolation of image k's nodes with exactly the weights
  that apply the correction (grid/interpolation.node_weights), weighted by the cell's count of
  shared pixels. The cells of a pair lie on a regular grid, so the bilinear weights separate
  into row and column weights and every block of the normal matrix is two small matrix
  products (``Wy' diag(.) W Wx``) instead of a sum over cells;
* a membrane between 4-neighbouring nodes of each image, ``smoothness * (x_a - x_b)^2``,
  which carries the surface where no cell observes it (clouds, no-data, single coverage),
  and a bending term on three nodes in a row or column, ``bending * (x_a - 2 x_b + x_c)^2``,
  which keeps it from following blobs at the scale of a cloud;
* the gauge, as exact constraints: at every node of the block grid that two or more images
  cover, the count-weighted mean of their values is 0 (the location keeps its central
  tendency), or the reference image's nodes are 0. Nodes of one image alone are left to
  the smoothness terms, which continue the surface from the overlaps, and a weak pull
  towards 0.

The gauge is exact: it is eliminated, and the reduced system solved by conjugate
gradients (see :class:`ReducedSystem`).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from scipy import ndimage

from scipy.sparse.linalg import splu

from ..io.parallel import steady_heap

# Triplets are summed into the matrix every this many entries.
SUM_EVERY = 1 << 20

Span = Tuple[int, int, int, int]  # first block row, first block col, node rows, node cols
Weights = Tuple[int, np.ndarray]  # first node, (cells, k) weights


class SurfaceSystem:
    """Normal equations of the node values of all images, for one band."""

    # Terms are summed straight into the gauge's basis once :meth:`gauge` ran; off, the
    # full matrix is summed and reduced at the solve (the same values: tests compare both).
    REDUCE_WHILE_SUMMING = True

    def __init__(self, spans: Sequence[Span], matrix: bool = True, bands: int = 0):
        """``matrix`` False gathers right-hand sides only, for bands whose matrix is that
        of a band solved before (see :meth:`solve`); with ``bands``, those of so many bands
        at once: the cells' weights and targets then have a leading axis of bands, and
        ``rhs`` is (bands, n)."""
        self.spans = list(spans)
        self.matrix = matrix
        sizes = [s[2] * s[3] for s in self.spans]
        self.offset = np.concatenate(([0], np.cumsum(sizes)))
        self.n = int(self.offset[-1])
        self.rhs = np.zeros((bands, self.n) if bands else self.n)
        self._rows: List[np.ndarray] = []
        self._cols: List[np.ndarray] = []
        self._vals: List[np.ndarray] = []
        self._pending = 0
        self._summed: Optional[sp.csr_matrix] = None
        self.basis: Optional[sp.csr_matrix] = None  # Z of the gauge, once :meth:`gauge` ran

    def _index(self, k: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.offset[k] + rows[:, None] * self.spans[k][3] + cols[None, :]

    def add_pair(self, i: int, j: int, wy: Sequence[Weights], wx: Sequence[Weights],
                 weight: np.ndarray, target: np.ndarray) -> None:
        """Cells of one pair: ``x_i - x_j = target``, each weighted by ``weight``.

        ``wy[0]``, ``wx[0]`` are image i's row and column weights of the cells' centroids,
        ``wy[1]``, ``wx[1]`` image j's; ``weight`` and ``target`` are (cell rows, cell cols),
        or (bands, cell rows, cell cols) for a system of several bands' right-hand sides.
        """
        terms = ((i, 1.0, wy[0], wx[0]), (j, -1.0, wy[1], wx[1]))
        wt = weight * target
        rows = self.rhs.shape[:-1]  # () or (bands,)
        for k, sign, (ly, my), (lx, mx) in terms:
            idx = self._index(k, ly + np.arange(my.shape[1]), lx + np.arange(mx.shape[1]))
            # Stacked, the products are those of each band alone, bit for bit.
            self.rhs[..., idx.ravel()] += sign * (my.T @ wt @ mx).reshape(rows + (-1,))
        if not self.matrix:
            return
        for a in range(2):
            for b in range(a, 2):
                self._add_block(terms[a], terms[b], weight, symmetric=a != b)

    def add_cells(self, i: int, j: int, at_i, at_j, weight: np.ndarray,
                  target: np.ndarray) -> None:
        """Cells one at a time, each at a position of its own: ``x_i - x_j = target``,
        weighted by ``weight`` (n,). ``at_i``, ``at_j``: per image, the positions' node
        weights as interpolation.point_weights gives them, rows then cols:
        ((first node rows, weights, next weights), (first node cols, weights, next)).
        ``weight``, ``target`` are (bands, n) for several bands' right-hand sides."""
        coef, index = [], []
        for k, sign, ((ry, wy0, wy1), (cx, wx0, wx1)) in ((i, 1.0, at_i), (j, -1.0, at_j)):
            rows, cols = self.spans[k][2], self.spans[k][3]
            for dy, wy in ((0, wy0), (1, wy1)):
                for dx, wx in ((0, wx0), (1, wx1)):
                    index.append(self.offset[k] + np.minimum(ry + dy, rows - 1) * cols
                                 + np.minimum(cx + dx, cols - 1))
                    coef.append(sign * wy * wx)
        coef, index = np.stack(coef, axis=1), np.stack(index, axis=1)  # (cells, 8)
        if self.rhs.ndim == 1:
            np.add.at(self.rhs, index, (weight * target)[:, None] * coef)
        else:
            for rhs, w, t in zip(self.rhs, weight, target):  # as for one band
                np.add.at(rhs, index, (w * t)[:, None] * coef)
        if not self.matrix:
            return
        block = weight[:, None, None] * coef[:, :, None] * coef[:, None, :]
        keep = block != 0
        rows = np.broadcast_to(index[:, :, None], block.shape)
        cols = np.broadcast_to(index[:, None, :], block.shape)
        self._add(rows[keep], cols[keep], block[keep])

    def _add_block(self, ta, tb, weight, symmetric: bool) -> None:
        (k, sk, (lyk, myk), (lxk, mxk)), (m, sm, (lym, mym), (lxm, mxm)) = ta, tb
        ra, rb = _cooccurring(myk, mym)
        ca, cb = _cooccurring(mxk, mxm)
        yy = myk[:, ra] * mym[:, rb]  # (cell rows, row combinations)
        xx = mxk[:, ca] * mxm[:, cb]  # (cell cols, col combinations)
        block = sk * sm * ((yy.T @ weight) @ xx)
        rows = self._index(k, lyk + ra, lxk + ca)
        cols = self._index(m, lym + rb, lxm + cb)
        keep = block != 0
        self._add(rows[keep], cols[keep], block[keep])
        if symmetric:
            self._add(cols[keep], rows[keep], block[keep])

    def _add(self, rows, cols, vals) -> None:
        if not self.matrix:
            return
        self._rows.append(rows.ravel())
        self._cols.append(cols.ravel())
        self._vals.append(vals.ravel())
        self._pending += self._rows[-1].size
        if self._pending >= SUM_EVERY:
            self._sum_pending()

    def _sum_pending(self) -> None:
        """Sum the triplets gathered so far into the matrix, reduced to the gauge's basis
        once it is known (:meth:`gauge`): unsummed, the triplets took 24 bytes per entry,
        several times the matrix (about 300 MB at 1,000 images, as much again while they
        were concatenated), and the full matrix beside the reduced one 130 MB more."""
        if self._rows:
            index = np.int64 if self.n > np.iinfo(np.int32).max else np.int32
            batch = sp.csr_matrix((np.concatenate(self._vals),
                                   (np.concatenate(self._rows).astype(index),
                                    np.concatenate(self._cols).astype(index))),
                                  shape=(self.n, self.n))
            self._rows, self._cols, self._vals = [], [], []
            self._pending = 0
            if self.basis is not None and self.REDUCE_WHILE_SUMMING:
                batch = _upper(self.basis.T @ batch @ self.basis)
            self._summed = batch if self._summed is None else self._summed + batch

    def add_membrane(self, smoothness: float) -> None:
        """``smoothness * (x_a - x_b)^2`` for every pair of 4-neighbouring nodes of an image."""
        if not self.matrix:  # terms of the matrix only
            return
        for k, (_, _, rows, cols) in enumerate(self.spans):
            ids = self.offset[k] + np.arange(rows * cols).reshape(rows, cols)
            for a, b in ((ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])):
                a, b = a.ravel(), b.ravel()
                ones = np.full(a.size, smoothness)
                self._add(np.concatenate([a, b, a, b]), np.concatenate([a, b, b, a]),
                          np.concatenate([ones, ones, -ones, -ones]))

    def add_bending(self, weight: float, outer: Optional[np.ndarray] = None) -> None:
        """``weight * (x_a - 2 x_b + x_c)^2`` for every three nodes in a row or column of an
        image: penalises curvature, not slope, so tilts pass unbent up to an image's edge.
        ``outer`` (a boolean per unknown) marks nodes that no three take part in."""
        if not self.matrix:  # terms of the matrix only
            return
        for k, (_, _, rows, cols) in enumerate(self.spans):
            ids = self.offset[k] + np.arange(rows * cols).reshape(rows, cols)
            for a, b, c in ((ids[:, :-2], ids[:, 1:-1], ids[:, 2:]),
                            (ids[:-2, :], ids[1:-1, :], ids[2:, :])):
                a, b, c = a.ravel(), b.ravel(), c.ravel()
                if outer is not None:
                    keep = ~(outer[a] | outer[b] | outer[c])
                    a, b, c = a[keep], b[keep], c[keep]
                coef = np.array([1.0, -2.0, 1.0])
                nodes = (a, b, c)
                for p in range(3):
                    for q in range(3):
                        self._add(nodes[p], nodes[q], np.full(a.size, weight * coef[p] * coef[q]))

    def normal(self) -> sp.csr_matrix:
        """The normal matrix summed so far: where :meth:`gauge` ran, the upper triangle of
        it in the gauge's basis (unless REDUCE_WHILE_SUMMING is off: then the full one)."""
        self._sum_pending()
        if self._summed is None:
            size = self.n if self.basis is None or not self.REDUCE_WHILE_SUMMING \
                else self.basis.shape[1]
            self._summed = sp.csr_matrix((size, size))
        return self._summed

    def gauge(self, counts: Sequence[np.ndarray], grid_cols: int,
              reference: Optional[int] = None, rest: float = 0.0,
              rest_from: float = 0.0, held: Optional[np.ndarray] = None
              ) -> Optional[sp.csr_matrix]:
        """One row per node of the block grid: the count-weighted mean of the images that
        cover it (``counts[k]``, (node rows, node cols), 0 where an image does not count
        there) is 0; with a ``reference``, its nodes are 0 and constrain their locations.
        Nodes of one image alone get ``rest * x^2`` instead, from ``rest_from`` nodes away
        from the nearest location of two or more images on (see :func:`_fading`), and
        everywhere where ``held`` (block rows, block cols) is True: where the other images'
        pixels were left out. Called before the other terms are added, it lets them be
        summed in the gauge's basis (less memory). A system without ``matrix`` takes its
        gauge with the matrix it reuses: nothing to do."""
        if not self.matrix:
            return None
        ids, unknowns, weights = [], [], []
        for k, (r0, c0, rows, cols) in enumerate(self.spans):
            gy, gx = np.mgrid[r0:r0 + rows, c0:c0 + cols]
            ids.append((gy * grid_cols + gx).ravel())
            unknowns.append(self.offset[k] + np.arange(rows * cols))
            weights.append(np.asarray(counts[k], dtype=float).ravel())
        pulled = rest > 0
        if pulled:
            located = np.concatenate([i[w > 0] for i, w in zip(ids, weights)])
            places, images = np.unique(located, return_counts=True)
            overlapping = places[images > 1]  # where two or more images count, reference or not
        if reference is not None:
            # The reference's locations are its alone: each of its nodes is pinned to 0.
            for k in range(len(ids)):
                weights[k] = np.where(np.isin(ids[k], ids[reference]), 0.0, weights[k])
            ids[reference] = -1 - np.arange(ids[reference].size)
            weights[reference] = np.ones(ids[reference].size)
        ids, unknowns, weights = (np.concatenate(a) for a in (ids, unknowns, weights))
        use = weights > 0
        ids, unknowns, weights = ids[use], unknowns[use], weights[use]
        # A node that one image alone covers is no location of a central tendency: pinning
        # it would bend that image's surface where it reaches into an overlap, at the
        # overlap's boundary; the membrane continues the surface there instead.
        shared, seen = np.unique(ids, return_counts=True)
        keep = np.isin(ids, shared[(seen > 1) | (shared < 0)])
        if pulled and (~keep).any():
            # ... but it relaxes towards 0 (the image as it is) away from the overlaps.
            alone = ids[~keep]
            fading = _fading(alone, overlapping, grid_cols, rest_from)
            if held is not None:
                fading[held.ravel()[alone]] = 1.0
            self._add(unknowns[~keep], unknowns[~keep], rest * fading)
        ids, unknowns, weights = ids[keep], unknowns[keep], weights[keep]
        locations, row = np.unique(ids, return_inverse=True)
        total = np.bincount(row, weights=weights, minlength=locations.size)
        gauge = sp.csr_matrix((weights / total[row], (row, unknowns)),
                              shape=(locations.size, self.n))
        self._sum_pending()  # what came before, in full
        self.basis = _gauge_basis(gauge, self.n)
        if self._summed is not None and self.REDUCE_WHILE_SUMMING:
            self._summed = _upper(self.basis.T @ self._summed @ self.basis)
        return gauge

    def solve(self, reuse: Optional[dict] = None, threads: int = 1,
              rhs: Optional[np.ndarray] = None) -> np.ndarray:
        """The node values: the least-squares minimum under the exact gauge.

        ``reuse`` (a dict the caller keeps across the bands) keeps the reduced system for a
        band whose matrix is the same, as it is where every band has the same valid pixels:
        a system built with ``matrix`` False takes the one ``reuse`` holds. ``threads`` > 1
        lets the iterations use a second thread (see ReducedSystem.solve). ``rhs``: a
        right-hand side gathered elsewhere (of a system of several bands), instead of this
        system's own."""
        rhs = self.rhs if rhs is None else rhs
        if not self.matrix:
            return reuse["reduced"].solve(rhs, threads)
        if self.basis is None:
            raise ValueError("SurfaceSystem.gauge was not called")  # a programming error
        matrix = self.normal()
        self._summed = None  # the reduced system is all the solve needs
        if not self.REDUCE_WHILE_SUMMING:
            matrix = _upper(self.basis.T @ matrix @ self.basis)
        reduced = ReducedSystem(matrix, self.basis)
        if reuse is not None:
            reuse["reduced"] = reduced
        return reduced.solve(rhs, threads)


def _fading(alone: np.ndarray, overlapping: np.ndarray, grid_cols: int,
            start: float) -> np.ndarray:
    """Per location of ``alone`` (ids ``row * grid_cols + col``): 0 up to ``start`` nodes
    from the nearest location of ``overlapping``, rising to 1 one node further on; 1
    everywhere where ``start`` is 0 or nothing overlaps.

    Why: pulled towards 0 right where it leaves an overlap, an image's surface bent there,
    and the bend reached back into the overlap's outer cells, where the two images must
    agree: a band of |A - B| along the overlap's boundary (bench/local_seams.py, the
    boundary up to 1.9x the interior in the bands of least texture)."""
    if start <= 0 or not overlapping.size:
        return np.ones(alone.size)
    rows = int(max(alone.max(), overlapping.max())) // grid_cols + 1
    apart = np.ones((rows, grid_cols), dtype=bool)
    apart.flat[overlapping] = False
    distance = ndimage.distance_transform_edt(apart).ravel()[alone]
    return np.clip(distance - start, 0.0, 1.0)


class ReducedSystem:
    """The normal equations with the gauge eliminated, solved by conjugate gradients.

    Every unknown belongs to one location of the block grid, so the gauge rows (one per
    location: a weighted mean of the values there is 0) share no unknown. Each row is
    solved for its unknown of largest weight, the pivot: ``x = Z y``, where ``y`` are the
    other unknowns and ``Z`` (sparse) writes each pivot as minus the weighted sum of the
    other values at its location, so ``x`` meets the gauge exactly whatever ``y``. The
    reduced matrix ``Z' A Z`` is symmetric positive definite and has the sparsity of A.

    Why not factorise: the lattices of many images fill in as n log n (SuperLU keeps L and
    U: about 1 GB at 1,000 images of 256², 5 s per factorisation), and the gauge as a stiff
    penalty (the way it was solved before) left conjugate gradients without convergence.
    Without the penalty, conjugate gradients with the diagonal as preconditioner converge
    in about 100 iterations to a relative residual of 1e-13, at 2,000 or 260,000 unknowns
    alike: the gauge ties every location's values together, so no mode reaches farther
    than a few nodes (measured on bench/many_images.py and bench/local_seams.py systems;
    the node values then agree with a direct solve of the same system to 1e-12). Should
    they not converge within MAX_ITERATIONS, the reduced system is factorised instead.
    """

    RTOL = 1e-13
    MAX_ITERATIONS = 2000

    def __init__(self, upper: sp.csr_matrix, basis: sp.csr_matrix):
        """``upper`` is the upper triangle (diagonal included) of ``Z' A Z`` for the normal
        matrix A and ``basis`` Z (:func:`_gauge_basis`): the matrix is symmetric, and its
        upper half alone is half the memory (24 MB fewer at 1,000 images, 48 MB fewer at
        the peak, while a batch is summed into it)."""
        self.z = basis
        diag = upper.diagonal()
        # Unknowns that nothing touches (none in practice) keep 0.
        untouched = diag <= 0
        if untouched.any():
            upper = (upper + sp.diags(untouched.astype(np.float64))).tocsr()
            diag = upper.diagonal()
        self.upper = upper
        # The lower half as a matrix of rows too: a product by rows gathers, where one by the
        # upper half's columns scattered (1,000 images: a product on two threads 3.1 ms ->
        # 2.5 ms, for 24 MB; the same sums in the same order, bit for bit).
        self.lower = upper.T.tocsr()
        self.diagonal = diag
        self.factors = None

    def product(self, p: np.ndarray, worker: Optional[ThreadPoolExecutor] = None
                ) -> np.ndarray:
        """``Z' A Z p`` from the upper triangle and its transpose; the lower half on
        ``worker`` (where given) while this thread does the other: the same sums, in the
        same order."""
        if worker is None:
            return self.upper @ p + self.lower @ p - self.diagonal * p
        lower = worker.submit(self.lower.__matmul__, p)
        upper = self.upper @ p
        return upper + lower.result() - self.diagonal * p

    def solve(self, rhs: np.ndarray, threads: int = 1) -> np.ndarray:
        """The values for ``rhs``. With ``threads`` > 1, each product's two halves run on two
        threads (the sparse products release the GIL): the same values, bit for bit, and
        the iterations, which are most of the local fit at 1,000 images, in about 0.55x the
        time on two cores; the fit has the cores to itself."""
        f = self.z.T @ rhs
        y = None
        if self.factors is None:
            worker = ThreadPoolExecutor(1, thread_name_prefix="spectralmatch-cg") \
                if threads > 1 else None
            try:
                with steady_heap():  # its vectors, freed and taken again every iteration
                    y = _conjugate_gradients(lambda p: self.product(p, worker), f,
                                             1.0 / self.diagonal, self.RTOL,
                                             self.MAX_ITERATIONS)
            finally:
                if worker is not None:
                    worker.shutdown(wait=True)
        if y is None:
            if self.factors is None:
                whole = (self.upper + self.upper.T - sp.diags(self.diagonal)).tocsc()
                self.factors = splu(whole, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                    options={"SymmetricMode": True})
            y = self.factors.solve(f)
        return self.z @ y


def _upper(matrix: sp.spmatrix) -> sp.csr_matrix:
    """The upper triangle of a symmetric matrix, diagonal included."""
    return sp.triu(matrix, format="csr")


def _gauge_basis(gauge: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """(n, n - rows) ``Z``: every x = Z y meets ``gauge @ x == 0``; see ReducedSystem."""
    g = gauge.tocoo()
    if g.nnz and np.bincount(g.col, minlength=n).max() > 1:
        raise ValueError("gauge rows share an unknown")  # a programming error
    order = np.lexsort((-g.data, g.row))  # per row, the largest weight first
    row, col, weight = g.row[order], g.col[order], g.data[order]
    first = np.r_[True, row[1:] != row[:-1]] if row.size else np.zeros(0, bool)
    pivot = np.full(gauge.shape[0], -1)
    pivot_weight = np.ones(gauge.shape[0])
    pivot[row[first]] = col[first]
    pivot_weight[row[first]] = weight[first]
    eliminated = np.zeros(n, bool)
    eliminated[pivot[pivot >= 0]] = True
    kept = np.flatnonzero(~eliminated)
    column = np.full(n, -1)
    column[kept] = np.arange(kept.size)
    other = ~first
    rows = np.concatenate([kept, pivot[row[other]]])
    cols = np.concatenate([column[kept], column[col[other]]])
    vals = np.concatenate([np.ones(kept.size), -weight[other] / pivot_weight[row[other]]])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, kept.size))


def _conjugate_gradients(product, f: np.ndarray, inverse_diagonal: np.ndarray,
                         rtol: float, max_iterations: int) -> Optional[np.ndarray]:
    """Preconditioned conjugate gradients (Jacobi) from 0 to ``|f - M y| <= rtol |f|``,
    ``product(p)`` being ``M p``;
    None if that takes more than ``max_iterations`` (the caller then factorises)."""
    y = np.zeros_like(f)
    target = rtol * float(np.linalg.norm(f))
    if target == 0.0:
        return y
    r = f.copy()
    z = inverse_diagonal * r
    p = z.copy()
    rz = float(r @ z)
    for _ in range(max_iterations):
        if np.linalg.norm(r) <= target:
            break
        q = product(p)
        curvature = float(p @ q)
        if not curvature > 0:  # not positive definite in rounding: factorise instead
            break
        alpha = rz / curvature
        y += alpha * p
        r -= alpha * q
        z = inverse_diagonal * r
        rz, previous = float(r @ z), rz
        p = z + (rz / previous) * p
    # The recurrence's residual drifts from the true one: check the true one.
    if np.linalg.norm(f - product(y)) > 10 * target:
        return None
    return y


def _cooccurring(a: np.ndarray, b: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Column pairs (p, q) of two weight matrices that are nonzero on a common cell."""
    together = (a != 0).T.astype(np.float64) @ (b != 0).astype(np.float64)
    return np.nonzero(together)
