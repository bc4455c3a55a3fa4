"""The global gains again, from the contrast of texture, before the local surfaces.

The global step equalises each overlap's means and standard deviations (Yu et al. 2017).
Where images carry smooth fields of their own (vignetting, haze, a sun-angle tilt), an
overlap's standard deviation is mostly the field's, not the scene's: across a 40-pixel
strip a +-15% tilt moves a band by more than its texture does, and the gains come out wrong
by factors of two and more (bench/local_seams.py: 0.24-2.0 of the true ratios on the 15%
sets). A smooth local factor cannot repair a wrong gain once the global offset has been set
to match the means with it: the remaining relation between two images is then
``B = s * A + c`` with a large ``c``, which a factor of the cell means turns into a
disagreement that follows every detail of the scene.

Texture is what the fields do not reach: the deviation of each cell of the overlaps
(stats/cells.py) from the mean of its 3 x 3 neighbouring cells, or, where the fields curve
more than the scene varies (cirrus), from the quadratic through its 5 x 5 cells (see
texture_std). Its spread per image and overlap replaces the overlap's standard deviation in
the same least-squares system; the means stay.
The local fit then starts from these gains and offsets, and its surfaces take out the fields.
The refinement is applied as the local model's factor and shift (``(in + d) * exp(x)``), so
the global step's own outputs and numbers stay as they are.

Texture compares like with like: images that are resampled to the common grid (another CRS
or pixel size) are smoothed by it, and fit_local then keeps the global step's gains. Images
of one grid but of different sharpness (sensors of different resolution resampled to one
grid before matching) would read the blurrier as the lower gain; that is not guarded.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from scipy import ndimage
from scipy.sparse.linalg import spsolve


# A cell's texture is read only where at least this many of its 3 x 3 neighbourhood of
# cells are fully observed, and the overlap needs this many such cells per band.
MIN_NEIGHBOURS = 7
MIN_CELLS = 50
# The ratio of two textures is a ratio of gains only where they are the same scene: an
# overlap whose textures correlate less (real change between dates, a different sensor)
# gives no row. Measured: the bench sets of one scene 0.85-1.0 (median 0.997); the demo's
# three real dates 0.35-0.86, whose texture ratios (0.39-1.9) would take its near-infrared
# disagreement from 301 to 357 DN.
MIN_CORRELATION = 0.9


def texture_std(pb) -> np.ndarray:
    """(bands, 4): per band, the spreads (median absolute deviations) of the two images'
    cell texture in one overlap, the number of cells they come from, and the textures'
    correlation. All bands of a pair at once: bands of one valid mask (the usual case)
    share their cells' neighbourhoods.

    Texture is first each cell's departure from the mean of its 3 x 3 cells, which a
    field's slope does not reach but its curvature does. Where that texture does not
    correlate (below MIN_CORRELATION), the departure from the quadratic through its 5 x 5
    cells is tried instead (:func:`_curved_local`), which the curvature does not reach
    either. Why: in a band of almost no texture (cirrus), a bump of +-15% over a tile
    curves by more than the scene varies at the scale of a cell, so the first texture was
    the two images' fields, which differ: on bench/local_seams.py's 3 x 3 35% set its
    correlations were -0.19-0.99 and the band kept the global step's gains, which are
    the fields' there (log gains 0.43 off the truth's, against 0.07 with the second
    texture, whose correlations are 0.99-1.0). Only then: the second texture takes
    neighbours two cells away and loses the cells within two of an overlap's edge, and on
    bands whose first texture correlates it gave no better seams."""
    n_bands = pb.count.shape[0]
    out = np.zeros((n_bands, 4))
    if pb.count[0].size == 0:
        return out
    previous = None
    for band in range(n_bands):
        count = pb.count[band].astype(np.float64)
        if previous is None or not np.array_equal(count, previous[0]):
            previous = (count, _Neighbourhoods(count))
        cells = previous[1]
        out[band] = _texture(cells, pb, band, curved=False)
        if out[band, 3] < MIN_CORRELATION and cells.curved_use().sum() >= MIN_CELLS:
            curved = _texture(cells, pb, band, curved=True)
            if curved[3] >= MIN_CORRELATION:
                out[band] = curved
    return out


class _Neighbourhoods:
    """The cells of one overlap and band mask whose texture can be read: fully observed
    cells with at least MIN_NEIGHBOURS of their 3 x 3 cells fully observed, or (for the
    curved texture, made on demand) all of their 5 x 5 cells."""

    def __init__(self, count: np.ndarray):
        self.full = count >= max(float(count.max()), 1.0)
        self.around = ndimage.convolve(self.full.astype(np.float64), np.ones((3, 3)),
                                       mode="constant")
        self.use = self.full & (self.around >= MIN_NEIGHBOURS)
        self.safe = np.where(self.full, count, 1.0)
        self._curved = None

    def curved_use(self) -> np.ndarray:
        if self._curved is None:
            wide = ndimage.convolve(self.full.astype(np.float64), np.ones((5, 5)),
                                    mode="constant")
            self._curved = self.full & (wide >= 25)
        return self._curved


def _texture(cells: _Neighbourhoods, pb, band: int, curved: bool) -> np.ndarray:
    """(4,) the two spreads, the cells and the correlation of one band's texture."""
    use = cells.curved_use() if curved else cells.use
    out = np.zeros(4)
    out[2] = n = int(use.sum())
    if n < MIN_CELLS:
        return out
    textures = []
    for k, sums in enumerate((pb.sum_i[band], pb.sum_j[band])):
        mean = np.where(cells.full, sums / cells.safe, 0.0)
        local = ndimage.convolve(mean, np.ones((3, 3)), mode="constant") \
            / np.maximum(cells.around, 1.0)
        if curved:
            local = _curved_local(mean, local)
        # A median absolute deviation, not a standard deviation: a cloud's soft edge that
        # the robust pass let through is texture of a hundred times the scene's.
        texture = (mean - local)[use]
        textures.append(texture)
        out[k] = _median(np.abs(texture - _median(texture)))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = float(np.corrcoef(*textures)[0, 1])
    out[3] = r if np.isfinite(r) else 0.0
    return out


def _curved_local(mean: np.ndarray, mean3: np.ndarray) -> np.ndarray:
    """Per cell whose 5 x 5 cells are all observed: the value at its centre of a quadratic
    through them, from the means of its 3 x 3 (``mean3``) and 5 x 5 cells. Of a quadratic
    ``a y^2 + b x^2 + ...`` the 3 x 3 mean is the centre's value plus (2/3)(a + b), the
    5 x 5 mean the centre's plus 2 (a + b) (odd and mixed terms cancel): 1.5 mean3 - 0.5
    mean5 is the centre's value exactly."""
    mean5 = ndimage.convolve(mean, np.ones((5, 5)), mode="constant") / 25.0
    return 1.5 * mean3 - 0.5 * mean5


def _median(values: np.ndarray) -> float:
    """np.median of a 1-D array (the same value: the middle one, or the mean of the middle
    two), without its generic machinery, which was most of its cost on these small arrays
    (1,000 images: 30,000 calls)."""
    half = values.size // 2
    first = half if values.size % 2 else half - 1
    part = np.partition(values, (first, half, -1))  # -1: a NaN, if any, comes last
    return float(np.nan if np.isnan(part[-1]) else np.mean(part[first:half + 1]))


def texture_gains(overlaps: Sequence, pair_cells: Sequence, gains: np.ndarray,
                  offsets: np.ndarray, image_means: np.ndarray, reference: Optional[int]
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gains from the texture, offsets from the overlaps' means, per band; and the bands
    (a boolean per band) where every image is related to the others through texture.

    Gains: least squares on ``log a_i - log a_j = log(t_j / t_i)`` (t the texture's standard
    deviations; weights its cell counts), at the global step's mean log gain (or the
    reference's 1). Offsets: least squares on ``a_i m_i + b_i = a_j m_j + b_j`` (the
    overlap means m, weights their counts), at the global step's mean level
    ``mean_k(a_k M_k + b_k)`` over the images' means M (or the reference's 0). ``gains``,
    ``offsets`` (images, bands) are the global step's; bands without texture keep them.
    """
    n_images, n_bands = gains.shape
    cells = {(pb.i, pb.j): pb for pb in pair_cells}
    new_gains, new_offsets = gains.copy(), offsets.copy()
    used = np.zeros(n_bands, dtype=bool)
    textures = {}  # per overlap, of all bands at once
    for o in overlaps:
        pb, swapped = cells.get((o.i, o.j)), False
        if pb is None:
            pb, swapped = cells.get((o.j, o.i)), True
        if pb is not None:
            textures[(o.i, o.j)] = (texture_std(pb), swapped)
    for b in range(n_bands):
        ratio_rows, mean_rows = [], []
        for o in overlaps:
            count = float(o.count[b])
            if count > 0:
                mean_rows.append((o.i, o.j, float(o.mean_i[b]), float(o.mean_j[b]), count))
            if (o.i, o.j) not in textures:
                continue
            spreads, swapped = textures[(o.i, o.j)]
            ti, tj, n, r = spreads[b]
            if swapped:
                ti, tj = tj, ti
            if n >= MIN_CELLS and ti > 0 and tj > 0 and r >= MIN_CORRELATION:
                ratio_rows.append((o.i, o.j, np.log(tj / ti), float(n)))
        solved = _solve_band(n_images, ratio_rows, mean_rows, gains[:, b], offsets[:, b],
                             image_means[:, b], reference)
        if solved is not None:
            new_gains[:, b], new_offsets[:, b] = solved
            used[b] = True
    return new_gains, new_offsets, used


def _solve_band(n_images, ratio_rows, mean_rows, gains, offsets, image_means, reference):
    if not ratio_rows or not _connected(n_images, ratio_rows) or np.any(gains <= 0):
        return None
    i, j = (np.array([r[k] for r in ratio_rows], dtype=np.int64) for k in (0, 1))
    log_gain = _differences(n_images, i, j, np.array([r[2] for r in ratio_rows]),
                            np.array([r[3] for r in ratio_rows]))
    if reference is None:
        log_gain += float(np.mean(np.log(gains))) - log_gain.mean()
    else:
        log_gain -= log_gain[reference]
    new_gains = np.exp(log_gain)
    if reference is not None:
        new_gains[reference] = 1.0
    # Offsets: the overlaps' means agree, at the global step's level.
    i, j = (np.array([r[k] for r in mean_rows], dtype=np.int64) for k in (0, 1))
    m_i, m_j, weight = (np.array([r[k] for r in mean_rows]) for k in (2, 3, 4))
    if not _connected(n_images, [(a, b, 0, 0) for a, b in zip(i, j)]):
        return None
    new_offsets = _differences(n_images, i, j, new_gains[j] * m_j - new_gains[i] * m_i,
                               weight)
    if reference is None:
        new_offsets += float(np.mean(gains * image_means + offsets
                                     - new_gains * image_means)) - new_offsets.mean()
    else:
        new_offsets -= new_offsets[reference]
    if reference is not None:
        new_offsets[reference] = 0.0
    if not (np.all(np.isfinite(new_gains)) and np.all(np.isfinite(new_offsets))):
        return None
    return new_gains, new_offsets


def _differences(n: int, i: np.ndarray, j: np.ndarray, target: np.ndarray,
                 weight: np.ndarray) -> np.ndarray:
    """Weighted least squares of ``x_i - x_j = target`` over a connected graph of n images,
    up to a common constant (the caller fixes it): the graph Laplacian's normal equations
    with the first image at 0, a sparse solve (a dense least squares of pairs x images took
    0.4 s per call at 1,000 images and grows as the cube of the count)."""
    if n == 1:
        return np.zeros(1)
    rows = np.concatenate([i, j, i, j])
    cols = np.concatenate([i, j, j, i])
    vals = np.concatenate([weight, weight, -weight, -weight])
    laplacian = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    rhs = np.bincount(i, weight * target, n) - np.bincount(j, weight * target, n)
    x = np.zeros(n)
    x[1:] = spsolve(laplacian[1:, 1:].tocsc(), rhs[1:])
    return x


def _connected(n_images: int, rows) -> bool:
    """Whether the texture rows relate every image to every other."""
    parent = list(range(n_images))

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i, j, _, _ in rows:
        parent[find(i)] = find(j)
    return len({find(k) for k in range(n_images)}) == 1
