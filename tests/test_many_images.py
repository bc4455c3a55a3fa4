"""Issue 20: many images on one machine. A bounded pool of open datasets, robust lines fitted
while the first pass goes on (samples held only for the overlaps under way), and windows of
several images written at once, all without changing a number."""
import os
import threading
from dataclasses import replace

import numpy as np
import pytest
from osgeo import gdal
from scipy import ndimage

import synthetic as S
from spectralmatch.core import Outputs, Streaming, run_match
from spectralmatch.core.correct.local_surface import fit_surfaces
from spectralmatch.core.grid.blocks import footprint, make_block_grid
from spectralmatch.core.grid.inputs import load_inputs
from spectralmatch.core.io.parallel import DatasetPool, ordered_map
from spectralmatch.core.stats.robust import Disagreement, _bilinear_at, pair_rects
from spectralmatch.core.solve.surface_system import SurfaceSystem
from spectralmatch.core.stats.scan import (FEWEST_SAMPLES, SAMPLE_STRIDE, SAMPLES_PER_OVERLAP,
                                           sample_stride, scan_statistics)

GRID = (3, 3)


def _gains_offsets(n):
    rng = np.random.default_rng(20)
    return rng.uniform(0.8, 1.25, (n, 4)).tolist(), rng.uniform(-400, 400, (n, 4)).tolist()


@pytest.fixture(scope="module")
def nine_tiles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nine")
    gains, offsets = _gains_offsets(GRID[0] * GRID[1])
    tiles = S.make_set(str(folder), gains, offsets, grid=GRID)
    S.paste_clouds(tiles, [1, 4], [(150, 160), (170, 120)])
    return [t.path for t in tiles]


def test_dataset_pool_keeps_few_handles_open_and_reads_right(nine_tiles):
    pool = DatasetPool(limit=3)
    most = [0]
    lock = threading.Lock()
    expected = {p: gdal.Open(p).ReadAsArray(0, 0, 40, 30) for p in nine_tiles}

    def read(path):
        with pool.reading(path) as ds:
            with lock:
                most[0] = max(most[0], pool.open_count)
            return path, ds.ReadAsArray(0, 0, 40, 30)

    for path, values in ordered_map(read, nine_tiles * 4, threads=2):
        np.testing.assert_array_equal(values, expected[path])
    # Two threads hold at most two handles; idle ones beyond the limit are closed.
    assert 1 <= most[0] <= 3
    assert pool.open_count <= 3
    pool.close()
    assert pool.open_count == 0


def test_samples_go_to_the_robust_lines_as_the_pass_leaves_each_overlap(nine_tiles):
    infos, grid, _ = load_inputs(nine_tiles)
    blocks = make_block_grid(grid)
    kept = scan_statistics(infos, grid, blocks, window=64, threads=2)
    handed, calls = {}, []

    def sink(samples, moments):
        calls.append(len(samples))
        for key, arrays in samples.items():
            assert key not in handed  # each pair once
            handed[key] = arrays
            assert np.all(moments[key][0] > 0)

    streamed = scan_statistics(infos, grid, blocks, window=64, threads=2, samples_to=sink)
    assert streamed.samples == {}
    assert len(calls) > 2  # handed over during the pass, not all at its end
    assert sorted(handed) == sorted(kept.samples)
    for key, arrays in kept.samples.items():
        for a, b in zip(arrays, handed[key]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("background", [False, True])
def test_lines_fitted_during_the_pass_equal_lines_fitted_after_it(nine_tiles, background):
    infos, grid, _ = load_inputs(nine_tiles)
    blocks = make_block_grid(grid)
    rects = pair_rects(grid)
    kept = scan_statistics(infos, grid, blocks, window=64, threads=2)
    after = Disagreement.from_scan(kept, blocks, rects)
    during = Disagreement(blocks, rects, background=background)
    scan_statistics(infos, grid, blocks, window=64, threads=2, samples_to=during.add)
    during.finish()
    assert sorted(during.lines) == sorted(after.lines) and len(after.lines) >= 12
    assert sorted(during.limits) == sorted(after.limits)
    for key, (ji, ij, span) in after.lines.items():
        assert during.lines[key][2] == span
        for mine, theirs in zip(during.lines[key][:2], (ji, ij)):
            for a, b in zip(mine, theirs):
                np.testing.assert_allclose(a, b, rtol=1e-12)
        (median, width, plane), (median2, width2, plane2) = during.limits[key], after.limits[key]
        np.testing.assert_allclose(median, median2, rtol=1e-9)
        np.testing.assert_allclose(width, width2, rtol=1e-9)
        np.testing.assert_allclose(plane.coef, plane2.coef, rtol=1e-9, atol=1e-9)


def test_writing_several_small_images_at_once_changes_no_pixel(nine_tiles, tmp_path):
    # Windows of 128 pixels: each tile has a few, and two threads work on two tiles at once.
    one = run_match(nine_tiles, Outputs(str(tmp_path / "one")), streaming=Streaming(128, 1))
    two = run_match(nine_tiles, Outputs(str(tmp_path / "two")), streaming=Streaming(128, 2))
    assert len(one.outputs) == len(nine_tiles)
    for a, b in zip(one.outputs, two.outputs):
        np.testing.assert_array_equal(gdal.Open(a).ReadAsArray(), gdal.Open(b).ReadAsArray())


def test_robust_samples_grow_with_the_overlap_up_to_a_cap(nine_tiles):
    """The robust lines cost per sample: an overlap keeps about one in SAMPLE_STRIDE of its
    pixels (at least FEWEST_SAMPLES, at most SAMPLES_PER_OVERLAP), not a fixed number."""
    assert sample_stride(10_000_000) == 10_000_000 // SAMPLES_PER_OVERLAP  # large: capped
    between = SAMPLE_STRIDE * (FEWEST_SAMPLES + SAMPLES_PER_OVERLAP) // 2
    assert sample_stride(between) == SAMPLE_STRIDE  # in proportion to the pixels
    assert sample_stride(FEWEST_SAMPLES // 2) == 1  # tiny: every pixel
    infos, grid, _ = load_inputs(nine_tiles)
    rects = pair_rects(grid)
    scan = scan_statistics(infos, grid, make_block_grid(grid), window=64, threads=2)
    assert len(scan.samples) >= 12
    for key, (values_i, _, _) in scan.samples.items():
        pixels = rects[key].rows * rects[key].cols
        expected = pixels / sample_stride(pixels)
        assert min(pixels, FEWEST_SAMPLES) <= expected <= 2 * SAMPLES_PER_OVERLAP
        assert expected >= min(pixels, SAMPLES_PER_OVERLAP, pixels / SAMPLE_STRIDE)
        # The mask is a hash of the mosaic position: within 15% of the expected count
        # (fewer where clouds or no-data leave pixels out of both images).
        assert 0.6 * expected <= values_i.shape[1] <= 1.15 * expected


def _surfaces_band_by_band(nine_tiles, monkeypatch, gains, edit=None):
    """fit_surfaces of the nine tiles' four bands together, with the kinds of systems
    solved in order (True: a matrix built, False: one reused), checked against each band
    fitted alone; ``edit`` may change the pairs' cells first."""
    infos, grid, _ = load_inputs(nine_tiles)
    blocks = make_block_grid(grid)
    scan = scan_statistics(infos, grid, blocks, window=64, threads=2)
    spans = [footprint(blocks, p) for p in grid.placements]
    pairs = [edit(pb) if edit else pb for pb in scan.pair_blocks]
    offsets = np.zeros(gains.shape)
    scale = np.full(gains.shape[1], 10000.0)
    calls = []
    original = SurfaceSystem.solve

    def counting(system, reuse=None, threads=1, rhs=None):
        calls.append(system.matrix)
        return original(system, reuse, threads, rhs)

    monkeypatch.setattr(SurfaceSystem, "solve", counting)
    together = fit_surfaces(blocks, spans, pairs, scan.cells, scan.block_count, gains,
                            offsets, "linear", scale)
    monkeypatch.setattr(SurfaceSystem, "solve", original)
    for b in range(gains.shape[1]):
        one = [replace(pb, count=pb.count[b:b + 1], sum_i=pb.sum_i[b:b + 1],
                       sum_j=pb.sum_j[b:b + 1]) for pb in pairs]
        alone = fit_surfaces(blocks, spans, one, scan.cells,
                             [c[b:b + 1] for c in scan.block_count], gains[:, b:b + 1],
                             offsets[:, b:b + 1], "linear", scale[b:b + 1])
        for k in range(len(infos)):
            np.testing.assert_array_equal(together[k][b], alone[k][0])
    return calls


def test_bands_with_the_same_weights_share_one_matrix(nine_tiles, monkeypatch):
    """The local surfaces of four bands with the same valid pixels come from one matrix
    (reduced once) and right-hand sides gathered for all bands in one go: the same nodes
    as each band solved alone."""
    calls = _surfaces_band_by_band(nine_tiles, monkeypatch, np.full((9, 4), 1.0))
    assert calls == [True, False, False, False]  # one matrix, four right-hand sides


def test_bands_whose_weights_differ_build_their_own_matrix_from_every_cell(nine_tiles,
                                                                          monkeypatch):
    """Where a band's cells count other pixels (its own no-data), it builds a matrix of its
    own, from every pair's cells (they are freed only after the last such band), and the
    bands after it that share its weights reuse it: each band's nodes as it alone gives."""
    def fewer_cells(pb):  # bands 2 and 3 lose some cells, alike
        count = pb.count.copy()
        count[2:, ::2, ::3] = 0
        return replace(pb, count=count)

    gains = np.random.default_rng(5).uniform(0.9, 1.1, (9, 4))
    calls = _surfaces_band_by_band(nine_tiles, monkeypatch, gains, fewer_cells)
    assert calls == [True, False, True, False]  # a matrix for band 0, another for band 2


def test_robust_maps_at_the_samples_as_scipy_interpolates_them():
    """The cell maps at the samples, all layers at once: bilinear, flat beyond the outermost
    cell centres, as ndimage.map_coordinates (order 1, mode nearest) gives them."""
    rng = np.random.default_rng(20)
    for shape in [(8, 1, 1), (8, 1, 5), (8, 4, 1), (8, 3, 7)]:
        field = rng.normal(size=shape)
        rows = rng.uniform(-1.5, shape[1] + 0.5, 2000)
        cols = rng.uniform(-1.5, shape[2] + 0.5, 2000)
        expected = np.stack([ndimage.map_coordinates(f, np.stack([rows, cols]), order=1,
                                                     mode="nearest") for f in field])
        np.testing.assert_allclose(_bilinear_at(field, rows, cols), expected, rtol=0,
                                   atol=1e-12)


def test_local_surfaces_meet_the_gauge_exactly_and_solve_the_constrained_least_squares(
        nine_tiles, monkeypatch):
    """The surfaces' system is solved with the gauge eliminated, by conjugate gradients: the
    node values are those of the exactly constrained least squares (its KKT system, solved
    directly here), the gauge holds to rounding, terms summed in the gauge's basis give the
    values of the full matrix reduced at the end, and the direct fallback (taken when the
    iterations do not converge) gives the same values; the iterations on two threads give
    those of one, bit for bit."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve
    from spectralmatch.core.solve import surface_system

    infos, grid, _ = load_inputs(nine_tiles)
    blocks = make_block_grid(grid)
    scan = scan_statistics(infos, grid, blocks, window=64, threads=2)
    spans = [footprint(blocks, p) for p in grid.placements]
    n_img, n_band = len(infos), infos[0].band_count
    rng = np.random.default_rng(3)
    gains = rng.uniform(0.9, 1.1, (n_img, n_band))
    offsets = np.zeros((n_img, n_band))
    scale = np.full(n_band, 10000.0)
    seen, gauges = [], []
    original_solve, original_gauge = SurfaceSystem.solve, SurfaceSystem.gauge

    def keeping_gauge(system, *args):
        gauges.append(original_gauge(system, *args))
        return gauges[-1]

    def keeping(system, reuse=None, threads=1, rhs=None):
        if system.matrix:
            # The right-hand side gathered for all bands at once is the band's own.
            np.testing.assert_array_equal(rhs, system.rhs)
            seen.append((system.normal(), gauges[-1], rhs.copy()))
        x = original_solve(system, reuse, threads, rhs)
        if system.matrix:
            seen[-1] += (x,)
        return x

    def fit():
        return fit_surfaces(blocks, spans, scan.pair_blocks, scan.cells, scan.block_count,
                            gains[:, :1], offsets[:, :1], "linear", scale[:1])

    monkeypatch.setattr(surface_system, "SUM_EVERY", 5000)  # many batches, as at scale
    summed_reduced = fit()  # the terms summed in the gauge's basis, as runs do
    monkeypatch.setattr(SurfaceSystem, "REDUCE_WHILE_SUMMING", False)  # the full matrix
    monkeypatch.setattr(SurfaceSystem, "solve", keeping)
    monkeypatch.setattr(SurfaceSystem, "gauge", keeping_gauge)
    summed_full = fit()
    normal, gauge, rhs, x = seen[0]
    n, m = normal.shape[0], gauge.shape[0]
    assert m > 0 and n > 100
    kkt = sp.bmat([[normal, gauge.T], [gauge, None]]).tocsc()
    exact = spsolve(kkt, np.concatenate([rhs, np.zeros(m)]))[:n]
    scale_x = np.abs(exact).max()
    assert scale_x > 1e-3  # the gains above leave something to correct
    np.testing.assert_allclose(x, exact, rtol=0, atol=1e-9 * scale_x)
    assert np.abs(gauge @ x).max() <= 1e-14 * scale_x
    for k in range(n_img):
        np.testing.assert_allclose(summed_reduced[k], summed_full[k], rtol=0,
                                   atol=1e-11 * scale_x)

    basis = surface_system._gauge_basis(gauge, n)
    reduced = surface_system.ReducedSystem(sp.triu(basis.T @ normal @ basis, format="csr"),
                                           basis)
    # The products' halves on two threads: the same sums in the same order, bit for bit.
    assert np.array_equal(reduced.solve(rhs, threads=2), reduced.solve(rhs, threads=1))

    monkeypatch.setattr(surface_system.ReducedSystem, "MAX_ITERATIONS", 1)
    fallback = reduced.solve(rhs)
    assert reduced.factors is not None  # one iteration cannot converge: it factorised
    np.testing.assert_allclose(fallback, exact, rtol=0, atol=1e-9 * scale_x)


def test_headers_read_on_threads_still_find_sidecars_and_name_the_first_bad_file(tmp_path):
    """Headers are read on threads and without GDAL listing the folder on every open (the
    listing cost 0.4 ms an open among 1,000 tiles): a world file and an external mask beside
    a tile are still found, and of several bad files the first given is the one named."""
    import small_rasters as R
    from spectralmatch.core import InputError

    folder = str(tmp_path / "in")
    paths = R.tiles(folder, n=4, nodata=None)
    for k in range(40):  # a folder of many files, as a tiled set has
        open(os.path.join(folder, f"other{k}.txt"), "w").close()
    # t1: its georeference in a world file, its CRS in the .aux.xml.
    plain = os.path.join(folder, "t1.tif")
    ds = gdal.Open(paths[1])
    gt, data = ds.GetGeoTransform(), ds.ReadAsArray()
    ds = None
    ds = gdal.GetDriverByName("GTiff").Create(plain, data.shape[2], data.shape[1], 2,
                                              gdal.GDT_UInt16, ["PROFILE=BASELINE"])
    ds.WriteRaster(0, 0, data.shape[2], data.shape[1], data.tobytes())
    ds.SetProjection(R.utm_wkt())  # not in a baseline TIFF: into its .aux.xml
    ds = None
    assert os.path.exists(plain + ".aux.xml")
    with open(os.path.join(folder, "t1.tfw"), "w") as handle:
        handle.write("\n".join(str(v) for v in (gt[1], 0, 0, gt[5], gt[0] + gt[1] / 2,
                                                 gt[3] + gt[5] / 2)))
    # t2: an external mask (.msk) that leaves its first rows out.
    gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "NO")
    try:
        ds = gdal.Open(paths[2], gdal.GA_Update)
        ds.CreateMaskBand(gdal.GMF_PER_DATASET)
        mask = np.full((ds.RasterYSize, ds.RasterXSize), 255, np.uint8)
        mask[:5] = 0
        ds.GetRasterBand(1).GetMaskBand().WriteArray(mask)
        ds = None
    finally:
        gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
    assert os.path.exists(paths[2] + ".msk")
    infos, grid, _ = load_inputs(paths, threads=2)
    assert infos[1].geotransform == pytest.approx(gt)
    assert infos[2].mask_flags[0] & gdal.GMF_PER_DATASET
    # Two unreadable files among good ones: the first in the list is named, on any thread.
    bad = []
    for name in ("bad_a.tif", "bad_b.tif"):
        bad.append(os.path.join(folder, name))
        with open(bad[-1], "wb") as handle:
            handle.write(b"not a raster")
    for _ in range(5):
        with pytest.raises(InputError, match="bad_a.tif: GDAL cannot open"):
            load_inputs(paths[:3] + [bad[0]] + paths[3:] + [bad[1]], threads=2)
