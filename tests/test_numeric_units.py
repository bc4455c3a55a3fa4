"""Pure-array unit tests of the numeric modules: seeded arrays in, exact or stated tolerances.

No raster, no QGIS: interpolation of block maps, the local forms, mergeable moments, block
sums and maps, the overlap finder, and the seamlines on coarse cells.
"""
import numpy as np
import pytest

from spectralmatch.core.correct.local_forms import apply_local, gamma_scale
from spectralmatch.core.grid.block_maps import fill_empty_blocks
from spectralmatch.core.grid.blocks import BlockGrid, BlockSummer, block_sums, footprint
from spectralmatch.core.grid.common_grid import Placement
from spectralmatch.core.grid.interpolation import interpolate_window, surface_at, surface_window
from spectralmatch.core.grid.pairs import overlapping_pairs
from spectralmatch.core.mosaic.cells import CellImage
from spectralmatch.core.mosaic.seamlines import CENTRE, COST_AWARE, choose_seams
from spectralmatch.core.stats.moments import Moments, masked_moments

RNG = np.random.default_rng(20261129)


# -- interpolation -------------------------------------------------------------------------

def test_interpolation_reproduces_a_plane_between_block_centres():
    size, rows, cols = 8, 5, 7
    by, bx = np.mgrid[0:rows, 0:cols]
    plane = (3.0 + 0.5 * by - 0.25 * bx)[None]  # values at block centres
    field = interpolate_window(plane, (0, 0), size, 0, 0, rows * size, cols * size)[0]
    # Pixel centres inside the outermost block centres lie on the same plane.
    py = (np.arange(rows * size) + 0.5) / size - 0.5
    px = (np.arange(cols * size) + 0.5) / size - 0.5
    inside = np.ix_((py >= 0) & (py <= rows - 1), (px >= 0) & (px <= cols - 1))
    expected = 3.0 + 0.5 * py[:, None] - 0.25 * px[None, :]
    np.testing.assert_allclose(field[inside], expected[inside], atol=1e-12)
    # Beyond them the field continues flat (no extrapolated rim).
    np.testing.assert_allclose(field[0, :], field[size // 2 - 1, :], atol=1e-12)
    np.testing.assert_allclose(field[:, -1], field[:, -size // 2], atol=1e-12)


def test_interpolation_does_not_depend_on_the_windows():
    size = 6
    block_map = RNG.normal(size=(3, 9, 11))
    first = (2, 3)  # the map starts at block (2, 3) of the grid
    r0, c0, h, w = first[0] * size, first[1] * size, 9 * size, 11 * size
    whole = interpolate_window(block_map, first, size, r0, c0, h, w)
    for top, left, rows, cols in ((0, 0, 17, 23), (13, 29, 31, 5), (50, 60, 4, 6)):
        part = interpolate_window(block_map, first, size, r0 + top, c0 + left, rows, cols)
        np.testing.assert_allclose(part, whole[:, top:top + rows, left:left + cols],
                                   atol=1e-12)


# -- local forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["gamma", "linear", "offset"])
def test_each_local_form_moves_a_mean_onto_another_by_the_fits_target(method):
    local = RNG.uniform(200, 800, (2, 4, 5))
    ref = local * RNG.uniform(0.8, 1.2, local.shape)
    scale = gamma_scale(np.array([1000.0, 1000.0]))[:, None, None]
    # The field the fit gives where the image shows ``local`` and the others ``ref``
    # (correct/local_surface.cell_targets).
    x = {"linear": np.log(ref / local), "offset": ref - local,
         "gamma": np.log(np.log(ref / scale) / np.log(local / scale))}[method]
    np.testing.assert_allclose(apply_local(local, x, method, scale), ref, rtol=1e-12)


def test_local_forms_with_a_zero_field_change_nothing():
    values = RNG.uniform(1, 900, (2, 6, 6))
    scale = gamma_scale(np.array([1000.0, 1000.0]))[:, None, None]
    for method in ("gamma", "linear", "offset"):
        np.testing.assert_allclose(apply_local(values, np.zeros_like(values), method, scale),
                                   values, rtol=1e-12)


def test_offset_form_on_negative_values_and_linear_as_a_factor():
    values = RNG.normal(-50, 20, (1, 3, 3))
    np.testing.assert_allclose(apply_local(values, np.full_like(values, 10.0), "offset", None),
                               values + 10.0)
    pos = np.abs(values)
    np.testing.assert_allclose(apply_local(pos, np.full_like(pos, np.log(1.5)), "linear",
                                           None), 1.5 * pos)
    with pytest.raises(ValueError, match="unknown local method"):
        apply_local(values, values, "cubic", None)


def test_surfaces_reproduce_a_plane_up_to_the_image_edge_and_split_into_windows():
    size, rows, cols = 8, 5, 7
    by, bx = np.mgrid[0:rows, 0:cols]
    nodes = (3.0 + 0.5 * by - 0.25 * bx)[None]  # values at block centres
    field = surface_window(nodes, (2, 3), size, 2 * size, 3 * size, rows * size, cols * size)
    # Every pixel of the blocks, the outer half blocks included, lies on the plane.
    py = (np.arange(rows * size) + 0.5) / size - 0.5
    px = (np.arange(cols * size) + 0.5) / size - 0.5
    np.testing.assert_allclose(field[0], 3.0 + 0.5 * py[:, None] - 0.25 * px[None], atol=1e-12)
    part = surface_window(nodes, (2, 3), size, 2 * size + 13, 3 * size + 5, 9, 11)
    np.testing.assert_allclose(part, field[:, 13:22, 5:16], atol=1e-12)
    rr, cc = np.mgrid[0:rows * size, 0:cols * size]
    np.testing.assert_allclose(surface_at(nodes, (2, 3), size, rr + 2 * size, cc + 3 * size),
                               field, atol=1e-12)


def test_gamma_scale_keeps_local_means_below_one_half():
    maximum = np.array([255.0, 0.0, 1e-300])
    scale = gamma_scale(maximum)
    assert np.all(scale > 0) and scale[0] == 510.0
    assert np.all(maximum / scale <= 0.5)


# -- moments -------------------------------------------------------------------------------

def test_merged_moments_equal_those_of_all_values_at_once():
    values = RNG.normal(1e4, 3.0, (3, 5000))  # a large mean: a naive sum of squares cancels
    valid = RNG.random(values.shape) > 0.3
    total = Moments((3,))
    for chunk in np.array_split(np.arange(values.shape[1]), 7):
        total.merge(*masked_moments(values[:, chunk], valid[:, chunk]))
    for b in range(3):
        v = values[b][valid[b]]
        assert total.count[b] == v.size
        np.testing.assert_allclose(total.mean[b], v.mean(), rtol=1e-14)
        np.testing.assert_allclose(total.std[b], v.std(), rtol=1e-10)


def test_moments_of_nothing_are_zero_not_nan():
    count, mean, m2 = masked_moments(np.ones((2, 4, 4)), np.zeros((2, 4, 4), dtype=bool))
    assert count.tolist() == [0, 0] and mean.tolist() == [0, 0] and m2.tolist() == [0, 0]
    m = Moments((2,))
    m.merge(count, mean, m2)
    assert m.std.tolist() == [0.0, 0.0]


# -- blocks and block maps -----------------------------------------------------------------

def test_block_sums_equal_a_loop_over_pixels():
    blocks = BlockGrid(5, 10, 10)
    values = RNG.normal(size=(2, 13, 17))
    valid = RNG.random(values.shape) > 0.2
    row, col = 7, 3  # the window's place on the grid: it starts inside block (1, 0)
    by0, bx0, sums, counts = block_sums(blocks, values, valid, row, col)
    assert (by0, bx0) == (1, 0)
    expected = np.zeros_like(sums)
    expected_n = np.zeros_like(counts)
    for b in range(2):
        for r in range(13):
            for c in range(17):
                if valid[b, r, c]:
                    ky, kx = (row + r) // 5 - by0, (col + c) // 5 - bx0
                    expected[b, ky, kx] += values[b, r, c]
                    expected_n[b, ky, kx] += 1
    np.testing.assert_allclose(sums, expected, atol=1e-12)
    np.testing.assert_array_equal(counts, expected_n)
    summer = BlockSummer(blocks, row, col, 13, 17)
    np.testing.assert_allclose(summer(np.where(valid, values, 0.0)), expected, atol=1e-12)
    # Of an outer product, from the sums of its two factors: the same numbers, exactly,
    # where they are small integers (the cells' pixel offsets, scan.pair_block_sums).
    by_row = (np.arange(row, row + 13) % 5).astype(np.float32)
    by_col = (np.arange(col, col + 17) % 5).astype(np.float32)
    whole = summer((by_row[:, None] * by_col[None, :])[None])[0]
    assert np.array_equal(summer.outer(by_row, by_col), whole)


def test_footprint_counts_every_touched_block():
    blocks = BlockGrid(10, 20, 20)
    assert footprint(blocks, Placement(col=25, row=0, cols=10, rows=30)) == (0, 2, 3, 2)
    assert footprint(blocks, Placement(col=20, row=10, cols=10, rows=10)) == (1, 2, 1, 1)


def test_empty_blocks_take_the_nearest():
    means = np.array([[[2.0, np.nan, np.nan]]])
    local, filled = fill_empty_blocks(means, means * 1.5)
    np.testing.assert_array_equal(local, [[[2.0, 2.0, 2.0]]])
    np.testing.assert_array_equal(filled, [[[3.0, 3.0, 3.0]]])
    # A band without any usable block gets no local correction (local = ref = 1).
    local, filled = fill_empty_blocks(np.full((1, 2, 2), np.nan), np.full((1, 2, 2), np.nan))
    assert (local == 1).all() and (filled == 1).all()


# -- the overlap finder --------------------------------------------------------------------

def test_overlapping_pairs_equal_a_brute_force_comparison():
    rects = [Placement(int(c), int(r), int(w), int(h)) for c, r, w, h in
             zip(RNG.integers(0, 200, 60), RNG.integers(0, 200, 60),
                 RNG.integers(1, 40, 60), RNG.integers(1, 40, 60))]
    expected = [(i, j, rects[i].intersect(rects[j])) for i in range(60) for j in range(i + 1, 60)
                if rects[i].intersect(rects[j]) is not None]
    assert overlapping_pairs(rects) == expected
    assert len(expected) > 10  # the sample holds overlaps to find


# -- seamlines -----------------------------------------------------------------------------

def _image(col, cols, rows, means):
    return CellImage(0, col, np.ones((rows, cols), np.float32),
                     np.asarray(means, np.float32).reshape(1, rows, cols))


def test_centre_lines_cut_an_overlap_in_the_middle():
    # Two images of 10 x 12 cells overlapping over cells 8..11 of a 20-cell-wide grid.
    left = _image(0, 12, 10, np.full((10, 12), 100.0))
    right = _image(8, 12, 10, np.full((10, 12), 100.0))
    seams = choose_seams([left, right], BlockGrid(1, 20, 10), CENTRE)
    assert (seams.labels[:, :8] == 0).all() and (seams.labels[:, 12:] == 1).all()
    row = seams.labels[5]
    assert (row[8:10] == 0).all() and (row[10:12] == 1).all()  # midway through the overlap


def test_the_image_that_carries_a_cloud_gives_way():
    rows, width = 30, 40
    ground = 100.0 + RNG.normal(0, 5, (rows, 60))
    left = _image(0, width, rows, ground[:, :width])
    cloudy = ground[:, 20:60].copy()
    cloudy[10:16, 5:12] += 400.0  # cells 25..31 of the grid, inside the overlap 20..39
    right = _image(20, width, rows, cloudy)
    cells = BlockGrid(1, 60, rows)
    blind = choose_seams([left, right], cells, CENTRE)
    assert (blind.labels[10:16, 30:32] == 1).any()  # centre lines would show the cloud
    seams = choose_seams([left, right], cells, COST_AWARE)
    assert (seams.labels[10:16, 25:32] == 0).all()
    assert seams.culprit is not None and seams.culprit[1][10:16, 5:12].all()
    assert not seams.culprit[0].any()


def test_covered_centres_count_the_images_over_each_block_centre():
    from spectralmatch.core.correct.local_surface import covered_centres, outer_nodes

    class Place:
        def __init__(self, row, col, rows, cols):
            self.row, self.col, self.row_end, self.col_end = row, col, row + rows, col + cols

    blocks = BlockGrid(10, 5, 4)
    places = [Place(0, 0, 20, 30), Place(10, 20, 30, 30)]
    covered = covered_centres(blocks, places)
    rows = (np.arange(4) + 0.5)[:, None] * 10
    cols = (np.arange(5) + 0.5)[None, :] * 10
    expected = sum(((rows >= p.row) & (rows <= p.row_end) & (cols >= p.col)
                    & (cols <= p.col_end)).astype(int) for p in places)
    np.testing.assert_array_equal(covered, expected)
    # Image 0's nodes outside it: only those the other image covers are "outer" (a seam),
    # not those beyond the border of the set, where no image goes on.
    span = (0, 0, 3, 4)
    outside = outer_nodes(blocks, span, places[0])
    seam = outer_nodes(blocks, span, places[0], covered)
    assert outside.sum() > seam.sum() > 0
    assert not (seam & ~outside).any()


@pytest.mark.parametrize("size", [1, 3, 8, 9, 100])
@pytest.mark.parametrize("row, col", [(0, 0), (2, 7), (99, 101)])
def test_block_summer_matches_a_sum_over_each_block(size, row, col):
    rng = np.random.default_rng(size + row + col)
    values = rng.random((2, 37, 45)).astype(np.float32)
    summer = BlockSummer(BlockGrid(size, 1000, 1000), row, col, 37, 45)
    sums = summer(values, np.float64)
    by, bx = row // size, col // size
    gy = (np.arange(row, row + 37) // size - by)[:, None]
    gx = (np.arange(col, col + 45) // size - bx)[None, :]
    where = (np.broadcast_to(gy, (37, 45)), np.broadcast_to(gx, (37, 45)))

    def brute(array):
        out = np.zeros((2, gy.max() + 1, gx.max() + 1))
        for b in range(2):
            np.add.at(out[b], where, array[b].astype(np.float64))
        return out

    assert summer.first == (by, bx) and sums.dtype == np.float64
    np.testing.assert_allclose(sums, brute(values), rtol=1e-12)
    # booleans are counted, not or-ed
    np.testing.assert_array_equal(summer(values > 0.5), brute(values > 0.5))


@pytest.mark.parametrize("size", [9, 13, 100])
@pytest.mark.parametrize("row, col", [(0, 0), (2, 7), (99, 101)])
@pytest.mark.parametrize("kind", ["float32 in float64", "float64", "float32"])
def test_block_summer_adds_as_a_sum_of_each_block_alone(size, row, col, kind):
    """Bit for bit: whole blocks summed together (one reshaped sum) add in the order of a
    sum over that block's slice alone, rows then columns, so the statistics, and every
    output, stay those of summing block by block."""
    rng = np.random.default_rng(size * 7 + row + col)
    values = rng.normal(size=(3, 61, 74)) * 1e4
    dtype = None
    if kind != "float64":
        values = values.astype(np.float32)
        dtype = np.float64 if kind == "float32 in float64" else None
    sums = BlockSummer(BlockGrid(size, 1000, 1000), row, col, 61, 74)(values, dtype)

    def edges(start, n):
        cuts = np.arange(start // size * size, start + n + size, size) - start
        cuts = np.unique(np.clip(cuts, 0, n))
        return list(zip(cuts[:-1], cuts[1:]))

    rows = np.stack([values[:, lo:hi].sum(axis=1, dtype=dtype) for lo, hi in edges(row, 61)],
                    axis=1)
    expected = np.stack([rows[:, :, lo:hi].sum(axis=2) for lo, hi in edges(col, 74)], axis=2)
    assert sums.dtype == expected.dtype
    assert sums.tobytes() == expected.tobytes()


def test_the_pull_of_single_coverage_fades_in_away_from_the_overlaps():
    from spectralmatch.core.solve.surface_system import _fading

    overlapping = np.array([0, 1, 2])  # columns 0-2 of a grid of 1 x 10 locations
    alone = np.arange(3, 10)  # 1 to 7 nodes from the overlap
    assert _fading(alone, overlapping, 10, 3.0).tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert _fading(alone, overlapping, 10, 1.5).tolist() == [0, 0.5, 1, 1, 1, 1, 1]
    assert _fading(alone, overlapping, 10, 0.0).tolist() == [1] * 7  # everywhere
    assert _fading(alone, np.array([], int), 10, 3.0).tolist() == [1] * 7  # no overlap
