"""Clouds and real change: robust statistics, exclusion polygons, alpha bands."""
import glob
import os

import numpy as np
import pytest
from osgeo import gdal, ogr, osr
from scipy import ndimage

import synthetic as S
from ghosts import ghost_correlations
from spectralmatch.core import Feedback, Outputs, Statistics, run_global, run_match
from synthetic import GAINS, OFFSETS

HERE = os.path.dirname(os.path.abspath(__file__))
SERIES = sorted(glob.glob(os.path.join(HERE, "data", "series", "*.tif")))
TILTS = [(0.15, 0.3), (0.15, 2.0), (0.15, 4.0), (0.15, 5.5)]
# Cumulus and their shadows in the overlaps of tiles 1 and 2 (scene coordinates).
CLOUDS = [(60, 190), (120, 100), (120, 200), (30, 175), (110, 60), (70, 200)]


@pytest.fixture(scope="module", params=[None, TILTS], ids=["affine", "tilted"])
def pair_of_sets(request, tmp_path_factory):
    """The same distorted tiles twice: once clear, once with clouds pasted in."""
    clean = S.make_set(str(tmp_path_factory.mktemp("clean")), GAINS, OFFSETS,
                       fields=request.param)
    cloudy = S.make_set(str(tmp_path_factory.mktemp("cloudy")), GAINS, OFFSETS,
                        fields=request.param)
    clear = S.paste_clouds(cloudy, [1, 2], CLOUDS)
    return clean, cloudy, clear


def judge(tiles, outputs, clear):
    return S.affine_error(tiles, outputs, clear), S.overlap_mad(tiles, outputs, clear)


def test_clouds_do_not_damage_the_clear_pixels(pair_of_sets, tmp_path):
    clean, cloudy, clear = pair_of_sets
    assert 0.02 < 1 - np.mean([c.mean() for c in clear]) < 0.1  # a few % of the scene
    base_err, base_mad = judge(
        clean, run_match([t.path for t in clean], Outputs(str(tmp_path / "clean"))).outputs, clear
    )
    err, mad = judge(
        cloudy,
        run_match([t.path for t in cloudy], Outputs(str(tmp_path / "robust"))).outputs,
        clear,
    )
    # Outside the clouds: the error at most 5% above a cloud-free set's, the overlap
    # disagreement within 20% of it, or, where the cloud-free set agrees to within a few DN
    # (tilted: 6-14 DN since the local step starts from the texture's gains, issue 16), what
    # the clouds add at most 0.2% of the inputs' disagreement (tilted: +0.4-3.2 DN of
    # 1600-2500; before issue 16 the same set was at 29-108 DN, the clouds adding up to 2.7).
    assert np.all(err <= 1.05 * base_err), err / base_err
    inputs = S.overlap_mad(cloudy, [t.path for t in cloudy], clear)
    assert np.all(mad <= np.maximum(1.2 * base_mad, base_mad + 0.002 * inputs)), (
        mad / base_mad, (mad - base_mad) / inputs)
    # The published method (ROBUST off) lets the clouds in: the test can tell.
    off_err, _ = judge(
        cloudy,
        run_match(
            [t.path for t in cloudy],
            Outputs(str(tmp_path / "off")),
            statistics=Statistics(robust=False),
        ).outputs,
        clear,
    )
    assert off_err.max() > 1.3 * base_err.max()


def test_robust_leaves_clean_affine_sets_exact(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    messages = []
    result = run_global(
        [t.path for t in tiles],
        Outputs(str(tmp_path / "out")),
        feedback=Feedback(info=messages.append),
    )
    assert np.all(S.affine_error(tiles, result.outputs) < 0.01)
    summary = next(m for m in messages if m.startswith("Robust statistics"))
    assert "on average 0.0% of each overlap was left out" in summary
    assert sum("left out" in m for m in messages) == 1 + 6  # summary and one per overlap


def test_clear_pixels_at_the_boundary_of_narrow_overlaps_stay_in(tmp_path):
    """Noise-free tiles with smooth fields (15% overlaps): the departures of clear pixels
    from the cell lines grow towards the overlaps' boundaries. Testing each band alone left
    out 3.1% of each overlap, mostly there, and the boundary / interior ratio of the
    outputs' disagreement rose to 1.3-1.7x that of the run without the robust pass (issue
    16); seeded areas (robust_pass.pair_filter) leave out 0.6% and stay within 1.1x."""
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, overlap=0.15, fields=TILTS)
    paths = [t.path for t in tiles]
    messages = []
    robust = run_match(paths, Outputs(str(tmp_path / "robust")),
                       feedback=Feedback(info=messages.append))
    plain = run_match(paths, Outputs(str(tmp_path / "plain")),
                      statistics=Statistics(robust=False))
    summary = next(m for m in messages if m.startswith("Robust statistics"))
    left_out = float(summary.split("on average ")[1].split("%")[0])
    assert left_out <= 1.5, summary
    ratio = S.boundary_ratio(tiles, robust.outputs) / S.boundary_ratio(tiles, plain.outputs)
    assert np.all(ratio <= 1.2), ratio


def test_time_series_clear_dates_do_not_follow_other_dates_clouds(tmp_path):
    """The five real Landsat dates, one footprint: no ghosts of 2022's and 2025's clouds."""
    assert len(SERIES) == 5
    means = {}
    for robust in (True, False):
        result = run_match(
            SERIES, Outputs(str(tmp_path / str(robust))), statistics=Statistics(robust=robust)
        )
        corr = ghost_correlations(SERIES, result.outputs, result.local_model.blocks.size,
                                  blue=0, visible=(0, 1, 2))
        means[robust] = np.mean(list(corr.values()))
    assert means[True] <= 0.15, means
    assert means[False] >= 0.25, means  # the published step does follow the clouds


def write_polygons(path, polygons_xy, epsg):
    """A GeoPackage of polygons, given as lists of (x, y) in EPSG ``epsg``."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("clouds", srs, ogr.wkbPolygon)
    for ring_xy in polygons_xy:
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in ring_xy + [ring_xy[0]]:
            ring.AddPoint_2D(x, y)
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometry(ring)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(poly)
        layer.CreateFeature(feature)
    ds = None


def cloud_squares_in_wgs84(tiles, half=22):
    """Squares around the pasted clouds and shadows, in longitude/latitude."""
    gt = gdal.Open(S.SCENE).GetGeoTransform()
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32605)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_wgs = osr.CoordinateTransformation(utm, wgs)
    squares = []
    for row, col in CLOUDS:
        r, c = row + 5, col + 6  # the middle of cloud and shadow
        corners = [(c - half, r - half), (c + half, r - half), (c + half, r + half),
                   (c - half, r + half)]
        squares.append([to_wgs.TransformPoint(gt[0] + x * gt[1], gt[3] + y * gt[5])[:2]
                        for x, y in corners])
    return squares


def test_exclusion_polygons_in_another_crs_keep_clouds_out(pair_of_sets, tmp_path):
    clean, cloudy, clear = pair_of_sets
    mask = str(tmp_path / "clouds.gpkg")
    write_polygons(mask, cloud_squares_in_wgs84(cloudy), 4326)
    # With the polygons left out of the statistics, the clouds change nothing: the result
    # outside them equals the cloud-free set's with the same polygons left out.
    base = run_match(
        [t.path for t in clean],
        Outputs(str(tmp_path / "c")),
        statistics=Statistics(robust=False, exclude=mask),
    )
    result = run_match(
        [t.path for t in cloudy],
        Outputs(str(tmp_path / "x")),
        statistics=Statistics(robust=False, exclude=mask),
    )
    base_err, _ = judge(clean, base.outputs, clear)
    err, _ = judge(cloudy, result.outputs, clear)
    np.testing.assert_allclose(err, base_err, rtol=0.01)
    without = run_match(
        [t.path for t in cloudy], Outputs(str(tmp_path / "n")), statistics=Statistics(robust=False)
    ).outputs
    assert judge(cloudy, without, clear)[0].max() > 1.3 * base_err.max()
    # Excluded pixels are still corrected: the clouds come out with the tile's correction.
    out, valid = S.read(result.outputs[1])
    raw, _ = S.read(cloudy[1].path)
    assert not np.array_equal(out[valid], raw[valid])


def test_left_out_pixels_are_counted_where_they_lie(pair_of_sets, tmp_path):
    """The local surfaces keep pulling single coverage towards 0 where other images' pixels
    were left out (correct/local_surface.REST_FROM): the statistics count them per block,
    from the robust pass and from EXCLUDE, and nowhere else (not for no-data or edges)."""
    from spectralmatch.core.grid.inputs import prepared_planned_inputs
    from spectralmatch.core.options import LocalFit, Streaming
    from spectralmatch.core.runs.matching import _block_grids
    from spectralmatch.core.stats.gather import gather_statistics

    clean, cloudy, clear = pair_of_sets
    mask = str(tmp_path / "clouds.gpkg")
    write_polygons(mask, cloud_squares_in_wgs84(cloudy), 4326)

    def left_out(tiles, statistics):
        with prepared_planned_inputs([t.path for t in tiles]) as (infos, grid, _, _):
            blocks, cells = _block_grids(grid, LocalFit(), Feedback())
            scan = gather_statistics(infos, grid, blocks, statistics, Streaming(), Feedback(),
                                     robust_cells=cells)
            return scan.left_out[0], blocks

    robust, blocks = left_out(cloudy, Statistics())
    assert robust.shape == (blocks.rows, blocks.cols)
    # Blocks with a cloud or shadow pixel in them, on the mosaic, and their neighbours.
    cloud = np.zeros((blocks.rows * blocks.size, blocks.cols * blocks.size), dtype=bool)
    for t, c in zip(cloudy, clear):
        cloud[t.row:t.row + c.shape[0], t.col:t.col + c.shape[1]] |= ~c
    cloud = cloud.reshape(blocks.rows, blocks.size, blocks.cols, blocks.size).any(axis=(1, 3))
    near = ndimage.binary_dilation(cloud, np.ones((3, 3)))
    assert robust[cloud].sum() > 0.5 * robust.sum() and robust[near].sum() > 0.9 * robust.sum()
    assert left_out(clean, Statistics())[0].sum() < 0.2 * robust.sum()  # clear ones: fewer
    assert left_out(clean, Statistics(robust=False))[0].sum() == 0
    excluded, _ = left_out(clean, Statistics(robust=False, exclude=mask))
    assert excluded[cloud].sum() > 0.5 * excluded.sum() > 0


def test_alpha_band_is_validity_and_is_copied(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, nodata=None)
    rgba = []
    for k, tile in enumerate(tiles):
        data, _ = S.read(tile.path)
        alpha = np.full(data.shape[1:], 255, dtype=np.uint16)
        alpha[:20, :] = 0  # a border without data, garbage under it
        data[:, :20, :] = 65000
        path = str(tmp_path / f"rgba_{k}.tif")
        ds = gdal.GetDriverByName("GTiff").Create(path, data.shape[2], data.shape[1], 5,
                                                  gdal.GDT_UInt16)
        src = gdal.Open(tile.path)
        ds.SetGeoTransform(src.GetGeoTransform())
        ds.SetProjection(src.GetProjection())
        for b in range(4):
            ds.GetRasterBand(b + 1).WriteArray(data[b])
        ds.GetRasterBand(5).WriteArray(alpha)
        ds.GetRasterBand(5).SetColorInterpretation(gdal.GCI_AlphaBand)
        ds = None
        tile.valid[:, :20, :] = False
        rgba.append(path)
    assert gdal.Open(rgba[0]).GetRasterBand(5).GetColorInterpretation() == gdal.GCI_AlphaBand
    result = run_global(rgba, Outputs(str(tmp_path / "out")))
    for tile, path in zip(tiles, result.outputs):
        out = gdal.Open(path)
        assert out.RasterCount == 5
        assert out.GetRasterBand(5).GetColorInterpretation() == gdal.GCI_AlphaBand
        np.testing.assert_array_equal(out.GetRasterBand(5).ReadAsArray()[:20], 0)
    # The garbage under alpha 0 counted in no statistic: exact where alpha > 0.
    where = [tile.valid[0] for tile in tiles]
    assert np.all(S.affine_error(tiles, result.outputs, where) < 0.01)
