"""One seamless mosaic: seams that avoid clouds, feathering, seamline polygons."""
import numpy as np
import pytest
from osgeo import gdal, ogr

import synthetic as S
from spectralmatch.core import MosaicOptions, Outputs, run_global, run_match, run_mosaic
from synthetic import GAINS, OFFSETS

TILTS = [(0.15, angle) for angle in (0.3, 2.0, 4.0, 5.5)]


def errors(path, cloud):
    """Per band, RMS error to the truth (one affine map fitted off the clouds) on cloud pixels
    and on the others, in units of the truth."""
    out = gdal.Open(path).ReadAsArray().astype(float)
    truth = S.scene_crop(path)
    cloud = S.scene_crop(path, cloud)
    valid = (out > 0).all(axis=0)
    result = []
    for b in range(out.shape[0]):
        fit = valid & ~cloud
        slope, icpt = np.polyfit(truth[b][fit], out[b][fit], 1)
        resid = (out[b] - (slope * truth[b] + icpt)) / slope
        result.append((np.sqrt(np.mean(resid[valid & cloud] ** 2)),
                       np.sqrt(np.mean(resid[valid & ~cloud] ** 2))))
    return np.array(result)


@pytest.fixture(scope="module")
def cloudy_pair(tmp_path_factory):
    """Two matched tiles; tile 1 carries cumulus and shadows where tile 0 is clear."""
    folder = tmp_path_factory.mktemp("mosaic")
    tiles = S.make_set(str(folder), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    middle = (tiles[1].col + tiles[0].col + tiles[0].truth.shape[2]) // 2
    clear = S.paste_clouds(tiles, [1], [(40, middle), (150, middle + 5)])
    matched = run_match([t.path for t in tiles], Outputs(str(folder / "m"))).outputs
    scene, _, _ = S.load_scene()
    cloud = np.zeros(scene.shape[1:], dtype=bool)  # in scene coordinates
    t1 = tiles[1]
    h, w = clear[1].shape
    cloud[t1.row:t1.row + h, t1.col:t1.col + w] = ~clear[1]
    return folder, tiles, matched, cloud


@pytest.mark.parametrize("feather", [0.0, 300.0])
def test_mosaic_takes_the_clear_image_under_a_cloud(cloudy_pair, feather):
    folder, _, matched, cloud = cloudy_pair
    out = run_mosaic(
        matched,
        MosaicOptions(str(folder / f"cost_{feather:g}.tif"), seamlines="cost", feather=feather),
    ).mosaic.output
    e = errors(out, cloud)
    # On the cloud's pixels as good as elsewhere (within 10%): the clear image was taken.
    assert np.all(e[:, 0] <= 1.1 * e[:, 1]), e
    # A plain VRT (the last image on top) and a blind feather across centre lines show it.
    gdal.Translate(str(folder / "plain.tif"), gdal.BuildVRT("", matched))
    assert np.all(errors(str(folder / "plain.tif"), cloud)[:, 0] > 10 * e[:, 1])
    blind = run_mosaic(
        matched, MosaicOptions(str(folder / "blind.tif"), seamlines="centre", feather=300.0)
    ).mosaic.output
    assert np.all(errors(blind, cloud)[:, 0] > 10 * e[:, 1])


@pytest.mark.parametrize("local", [False, True])
def test_seams_add_less_gradient_than_a_plain_vrt(tmp_path, local):
    """Tiles with a +-15% tilt each, matched globally only (seams present) or globally and
    locally: the excess gradient of the default mosaic, over all bands, is below that of a
    plain VRT of the same matched tiles, with the map fitted to each mosaic and with one map
    for the whole set (bench/mosaic_seams.py prints the table, per band too)."""
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, fields=TILTS)
    paths = [t.path for t in tiles]
    matched = (run_match(paths, Outputs(str(tmp_path / "m"))).outputs if local
               else run_global(paths, Outputs(str(tmp_path / "g"))).outputs)
    gdal.Translate(str(tmp_path / "plain.tif"), gdal.BuildVRT("", matched))
    mosaic = run_mosaic(matched, MosaicOptions(str(tmp_path / "mosaic.tif"))).mosaic.output
    slopes = S.gradient_slopes(matched)
    for fit in (None, slopes):
        _, plain = S.excess_gradient(str(tmp_path / "plain.tif"), fit)
        _, ours = S.excess_gradient(mosaic, fit)
        assert ours < plain, (fit, ours, plain)


def test_seamlines_are_one_polygon_per_image_covering_the_mosaic(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    path = str(tmp_path / "seams.gpkg")
    result = run_mosaic(
        [t.path for t in tiles],
        MosaicOptions(
            str(tmp_path / "mosaic.tif"), seamlines="cost", feather=0.0, seamlines_out=path
        ),
    )
    source = ogr.Open(path)  # kept: a layer dies with its dataset
    features = list(source.GetLayer(0))
    assert sorted(f.GetField("image") for f in features) == [f"tile_{k}.tif" for k in range(4)]
    geoms = [f.GetGeometryRef().Clone() for f in features]
    union = geoms[0]
    for g in geoms[1:]:
        union = union.Union(g)
    cell = result.mosaic.seams.cells.size * 30.0
    covered = (result.mosaic.seams.labels >= 0).sum() * cell * cell
    assert union.GetArea() == pytest.approx(covered, rel=1e-9)  # no gaps
    for a in range(4):
        for b in range(a + 1, 4):
            assert geoms[a].Intersection(geoms[b]).GetArea() == pytest.approx(0.0, abs=1e-6)


def test_mosaic_through_processing_and_qgis_process(provider, qgis_process, tmp_path):
    import processing

    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    res = processing.run("spectralmatch:mosaic", {
        "INPUT": [t.path for t in tiles], "FEATHER": 120.0,
        "OUTPUT": str(tmp_path / "m.tif"), "SEAMLINES_OUT": str(tmp_path / "s.gpkg")})
    assert gdal.Open(res["OUTPUT"]).RasterXSize > tiles[0].truth.shape[2]
    lines = ogr.Open(res["SEAMLINES_OUT"])
    assert lines.GetLayer(0).GetFeatureCount() == 2
    proc = qgis_process("run", "spectralmatch:mosaic", "--",
                        *[f"INPUT={t.path}" for t in tiles], f"OUTPUT={tmp_path / 'q.tif'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert gdal.Open(str(tmp_path / "q.tif")) is not None
