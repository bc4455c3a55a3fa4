"""Streamed statistics equal whole-array float64 ones: many windows, odd sizes, no-data."""
import numpy as np
import pytest
from osgeo import gdal

from spectralmatch.core.grid.blocks import make_block_grid
from spectralmatch.core.grid.inputs import load_inputs
from spectralmatch.core.stats.scan import scan_statistics
from synthetic import write_raster


@pytest.mark.parametrize("threads", [1, 2])
def test_streamed_overlap_and_block_statistics_are_exact(tmp_path, threads):
    rng = np.random.default_rng(42)
    # Large values with small spread: a naive sum of squares would lose digits here.
    a = 1e6 + rng.normal(0, 3, (2, 389, 517))
    b = 2e6 + 2 * rng.normal(0, 3, (2, 603, 451))
    a[:, 100:140, 200:260] = -9999.0
    b[:, :50, :] = -9999.0
    b[1, 300:310, 5:9] = np.nan  # one band only
    crs = gdal.osr.SpatialReference()
    crs.ImportFromEPSG(32633)
    pa, pb = str(tmp_path / "a.tif"), str(tmp_path / "b.tif")
    write_raster(pa, a, (0, 1, 0, 0, 0, -1), crs.ExportToWkt(), gdal.GDT_Float64, -9999.0)
    write_raster(pb, b, (211, 1, 0, -97, 0, -1), crs.ExportToWkt(), gdal.GDT_Float64, -9999.0)
    infos, grid, _ = load_inputs([pa, pb])
    blocks = make_block_grid(grid, blocks_per_image=37)
    scan = scan_statistics(infos, grid, blocks, window=64, threads=threads)

    # The same with whole arrays: b starts at column 211, row 97 of a.
    sa = a[:, 97:389, 211:517]
    sb = b[:, :389 - 97, :517 - 211]
    both = (sa != -9999.0) & (sb != -9999.0) & ~np.isnan(sa) & ~np.isnan(sb)
    (o,) = scan.overlaps
    for band in range(2):
        x, y = sa[band][both[band]], sb[band][both[band]]
        assert o.count[band] == x.size
        np.testing.assert_allclose(o.mean_i[band], x.mean(), rtol=1e-12)
        np.testing.assert_allclose(o.mean_j[band], y.mean(), rtol=1e-12)
        np.testing.assert_allclose(o.std_i[band], x.std(), rtol=1e-9)
        np.testing.assert_allclose(o.std_j[band], y.std(), rtol=1e-9)
    valid_a = (a != -9999.0) & ~np.isnan(a)
    np.testing.assert_array_equal(scan.valid_count[0], valid_a.sum(axis=(1, 2)))
    np.testing.assert_array_equal(scan.minimum[0], [a[k][valid_a[k]].min() for k in range(2)])
    # Block sums of image a, block by block.
    size = blocks.size
    for by in range(scan.block_sum[0].shape[1]):
        for bx in range(scan.block_sum[0].shape[2]):
            cell = (slice(None), slice(by * size, (by + 1) * size),
                    slice(bx * size, (bx + 1) * size))
            expect = np.where(valid_a[cell], a[cell], 0).sum(axis=(1, 2))
            np.testing.assert_allclose(scan.block_sum[0][:, by, bx], expect, rtol=1e-12)
