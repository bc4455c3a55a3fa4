"""The global least-squares system on synthetic statistics (no rasters): exact and sparse."""
import numpy as np

from spectralmatch.core.solve.global_system import OverlapRows, solve_band, solve_gains_offsets
from spectralmatch.core.stats.scan import OverlapStats


def grid_overlaps(rows, cols, gains, offsets, seed=1):
    """8-neighbour overlaps of a rows x cols grid of images distorted by gains and offsets.

    Each overlap has its own true ground statistics (mean, std) and pixel count; image k
    sees them as ``gain_k * x + offset_k``.
    """
    rng = np.random.default_rng(seed)
    out = []
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < rows and 0 <= cc < cols:
                    i, j = r * cols + c, rr * cols + cc
                    mean, std = rng.uniform(500, 3000), rng.uniform(50, 400)
                    n = rng.integers(100, 10**6)
                    out.append(OverlapRows(i, j, float(n), gains[i] * mean + offsets[i],
                                           gains[i] * std, gains[j] * mean + offsets[j],
                                           gains[j] * std))
    return out


def test_thousand_images_recovered_exactly():
    rows, cols = 25, 40
    rng = np.random.default_rng(0)
    gains, offsets = rng.uniform(0.7, 1.4, rows * cols), rng.uniform(-300, 300, rows * cols)
    overlaps = grid_overlaps(rows, cols, gains, offsets)
    assert len(overlaps) == 3807
    sol = solve_band(rows * cols, overlaps)
    assert sol.groups == [list(range(1000))] and sol.isolated == []
    # Corrected = a_k (g_k x + o_k) + b_k must be one common map of x for every image.
    common_gain = sol.gains * gains
    common_offset = sol.gains * offsets + sol.offsets
    np.testing.assert_allclose(common_gain, common_gain[0], rtol=1e-8)
    np.testing.assert_allclose(common_offset, common_offset[0], rtol=1e-8, atol=1e-6)
    # ... at the set's central tendency.
    assert abs(sol.gains.mean() - 1) < 1e-9 and abs(sol.offsets.mean()) < 1e-6


def test_reference_image_keeps_gain_one_offset_zero():
    gains, offsets = np.array([1.0, 1.3, 0.8]), np.array([0.0, 100.0, -50.0])
    overlaps = grid_overlaps(1, 3, gains, offsets)
    sol = solve_band(3, overlaps, reference=1)
    assert sol.gains[1] == 1.0 and sol.offsets[1] == 0.0
    np.testing.assert_allclose(sol.gains * gains, gains[1], rtol=1e-9)


def test_overlap_weight_follows_pixel_count():
    # Two overlaps that disagree: the one with 100x the pixels must dominate the gain.
    big = OverlapRows(0, 1, 1e6, 1000.0, 100.0, 1000.0, 100.0)
    sliver = OverlapRows(0, 1, 1e4, 1000.0, 100.0, 1000.0, 200.0)
    sol = solve_band(2, [big, sliver])
    ratio = sol.gains[1] / sol.gains[0]
    assert 0.9 < ratio < 1.0  # close to the large overlap's 1.0, not halfway to 0.5


def test_degenerate_constant_images_give_finite_gains():
    gains, offsets, solutions = solve_gains_offsets(
        2, [OverlapStats(0, 1, np.array([100.0]), np.array([500.0]), np.array([0.0]),
                         np.array([700.0]), np.array([0.0]))], 1)
    assert np.isfinite(gains).all() and np.isfinite(offsets).all()
    # Constant images keep gain 1; only their offsets are matched, to the common mean.
    np.testing.assert_allclose(gains[:, 0], 1.0)
    np.testing.assert_allclose(gains[0] * 500 + offsets[0], gains[1] * 700 + offsets[1])
    assert solutions[0].constant == [0, 1]
    # The same statistics given as rows of one band give the same solution.
    sol = solve_band(2, [OverlapRows(0, 1, 100.0, 500.0, 0.0, 700.0, 0.0)])
    np.testing.assert_array_equal(sol.gains, gains[:, 0])
    np.testing.assert_array_equal(sol.offsets, offsets[:, 0])
