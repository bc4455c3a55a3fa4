"""Per-block consensus of overlapping images, measured on the pixels they share.

Yu et al. (2017) take the reference of a block as the count-weighted mean of the block means
of the images that cover it. Where two images cover different parts of a block (every block
on the edge of an overlap), those means describe different ground, and the difference of
terrain is then "corrected" as if it were radiometric: on images that already agree, the
published step creates seams at the overlap edges. Here the comparison is made on the pixels
both images share: in each block, pair (k, j) gives the ratio (or difference) of their means
over the common pixels, and one small least-squares problem per block finds a factor (or
offset) per image,

    x_k - x_j = log(m_jk / m_kj)   (or m_jk - m_kj),   weighted by sqrt(common count),

constrained so that the images' count-weighted mean of x is 0 (the block keeps its central
tendency), or so that a reference image keeps x = 0. Images that agree get x = 0 exactly;
blocks seen by one image only are left as they are. All blocks and images are solved at once
in one sparse, block-diagonal Karush-Kuhn-Tucker system.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

from .constrained import solve_constrained

Span = Tuple[int, int, int, int]


def consensus_corrections(
    grid_shape: Tuple[int, int],
    spans: Sequence[Span],
    own_means: Sequence[np.ndarray],
    own_counts: Sequence[np.ndarray],
    pair_blocks,
    gains: np.ndarray,
    offsets: np.ndarray,
    multiplicative: bool,
    min_count: float,
    reference: Optional[int] = None,
) -> List[np.ndarray]:
    """Per image, (bands, block rows, block cols) of x: log factors, or offsets.

    NaN where no pair constrains the image's block (the caller decides: 0 inside an image,
    the neighbours' value inside an overlap).

    ``own_means`` are the images' block means after the global correction (NaN where empty);
    pair block sums are raw and are corrected here with ``gains`` and ``offsets``.
    """
    n_bands = own_means[0].shape[0]
    result = [np.full_like(m, np.nan) for m in own_means]
    for b in range(n_bands):
        _solve_band(b, grid_shape, spans, own_means, own_counts, pair_blocks, gains, offsets,
                    multiplicative, min_count, reference, result)
    return result


def _solve_band(b, grid_shape, spans, own_means, own_counts, pair_blocks, gains, offsets,
                multiplicative, min_count, reference, result) -> None:
    index = [np.full(m.shape[1:], -1, dtype=np.int64) for m in own_means]
    n_unknowns = 0
    rows = []  # per pair: (unknown i, unknown j, weight, target)
    for pb in pair_blocks:
        i, j = pb.i, pb.j
        count = pb.count[b]
        gy, gx = np.nonzero(count >= max(min_count, 1.0))
        if gy.size == 0:
            continue
        n = count[gy, gx]
        m_i = gains[i, b] * pb.sum_i[b][gy, gx] / n + offsets[i, b]
        m_j = gains[j, b] * pb.sum_j[b][gy, gx] / n + offsets[j, b]
        gy, gx = gy + pb.span[0], gx + pb.span[1]  # grid block coordinates
        li = (gy - spans[i][0], gx - spans[i][1])
        lj = (gy - spans[j][0], gx - spans[j][1])
        ok = ~np.isnan(own_means[i][b][li]) & ~np.isnan(own_means[j][b][lj])
        if multiplicative:
            ok &= (m_i > 0) & (m_j > 0)
        if not ok.any():
            continue
        li, lj = (li[0][ok], li[1][ok]), (lj[0][ok], lj[1][ok])
        n, m_i, m_j = n[ok], m_i[ok], m_j[ok]
        for k, loc in ((i, li), (j, lj)):
            fresh = index[k][loc] < 0
            index[k][loc[0][fresh], loc[1][fresh]] = np.arange(
                n_unknowns, n_unknowns + int(fresh.sum())
            )
            n_unknowns += int(fresh.sum())
        target = np.log(m_j / m_i) if multiplicative else m_j - m_i
        rows.append((index[i][li], index[j][lj], np.sqrt(n), target))
    if n_unknowns == 0:
        return

    ui = np.concatenate([r[0] for r in rows])
    uj = np.concatenate([r[1] for r in rows])
    w = np.concatenate([r[2] for r in rows])
    w = w / w.mean()
    target = np.concatenate([r[3] for r in rows])
    n_rows = ui.size
    A = sp.csr_matrix(
        (np.concatenate([w, -w]), (np.tile(np.arange(n_rows), 2), np.concatenate([ui, uj]))),
        shape=(n_rows, n_unknowns),
    )
    rhs = A.T @ (w * target)

    # One constraint per grid block that has unknowns.
    owner = np.empty(n_unknowns, dtype=np.int64)
    block_id = np.empty(n_unknowns, dtype=np.int64)
    weight = np.empty(n_unknowns)
    for k, idx in enumerate(index):
        ly, lx = np.nonzero(idx >= 0)
        u = idx[ly, lx]
        owner[u] = k
        block_id[u] = (ly + spans[k][0]) * grid_shape[1] + (lx + spans[k][1])
        weight[u] = own_counts[k][b][ly, lx]
    blocks, con = np.unique(block_id, return_inverse=True)
    if reference is not None:
        ref_blocks = np.zeros(blocks.size, dtype=bool)
        ref_blocks[con[owner == reference]] = True
        in_ref_block = ref_blocks[con]
        weight = np.where(in_ref_block, (owner == reference).astype(float), weight)
    total = np.bincount(con, weights=weight, minlength=blocks.size)
    C = sp.csr_matrix((weight / total[con], (con, np.arange(n_unknowns))),
                      shape=(blocks.size, n_unknowns))
    normal = (A.T @ A).tocsr()
    x = solve_constrained(normal, rhs, C, np.zeros(blocks.size), np.zeros(n_unknowns))
    for k, idx in enumerate(index):
        ly, lx = np.nonzero(idx >= 0)
        result[k][b][ly, lx] = x[idx[ly, lx]]
