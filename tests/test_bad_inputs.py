"""Bad and unusual inputs through the toolbox path (processing.run) and qgis_process.

Every row of docs/bad_inputs.md is one case here: either a message that names the file and
the fix, with nothing written, or a run that works and says what it did.
"""
import os
import shutil
import subprocess

import numpy as np
import pytest
from osgeo import gdal, ogr, osr
from qgis.core import QgsProcessingException, QgsProcessingFeedback

import synthetic as S
from spectralmatch.core import InputError, Outputs, Statistics, run_match
from synthetic import GAINS, OFFSETS


@pytest.fixture
def tiles(tmp_path):
    return S.make_set(str(tmp_path), GAINS, OFFSETS)


def copy(path, target, **options):
    gdal.Translate(target, path, **options)
    return target


def edit(path, fn):
    ds = gdal.Open(path, gdal.GA_Update)
    fn(ds)
    ds = None
    return path


def fill(path, value):
    def set_all(ds):
        for b in range(ds.RasterCount):
            band = ds.GetRasterBand(b + 1)
            band.WriteArray(np.full((ds.RasterYSize, ds.RasterXSize), value,
                                    dtype=band.ReadAsArray(0, 0, 1, 1).dtype))
    return edit(path, set_all)


def float_copy(path, target, value=None):
    copy(path, target, outputType=gdal.GDT_Float64, noData="none")
    return fill(target, value) if value is not None else target


def bad_case(name, tiles, tmp_path):
    """(inputs, extra parameters, the text the message must contain)."""
    paths = [t.path for t in tiles]
    p = lambda n: str(tmp_path / n)  # noqa: E731
    if name == "same file twice":
        return paths + [paths[0]], {}, paths[0]
    if name == "different band counts":
        return paths + [copy(paths[0], p("three.tif"), bandList=[1, 2, 3])], {}, p("three.tif")
    if name == "not a raster":
        open(p("notes.tif"), "w").write("not a raster")
        return paths + [p("notes.tif")], {}, p("notes.tif")
    if name == "corrupted GeoTIFF":
        data = open(paths[1], "rb").read()
        open(p("cut.tif"), "wb").write(data[: len(data) // 3])
        return [paths[0], p("cut.tif")], {}, p("cut.tif")
    if name == "missing file":
        return paths + [p("gone.tif")], {}, p("gone.tif")
    if name == "no georeference":
        plain = gdal.GetDriverByName("GTiff").Create(p("plain.tif"), 50, 40, 4, gdal.GDT_UInt16)
        plain.FlushCache()
        return paths + [p("plain.tif")], {}, p("plain.tif")
    if name == "no CRS":
        target = copy(paths[1], p("nocrs.tif"))
        edit(target, lambda ds: ds.SetProjection(""))
        return [paths[0], target], {}, target
    if name == "rotated grid":
        target = copy(paths[1], p("rotated.tif"))
        gt = gdal.Open(target).GetGeoTransform()
        edit(target, lambda ds: ds.SetGeoTransform((gt[0], gt[1], 2.0, gt[3], 1.0, gt[5])))
        return [paths[0], target], {}, target
    if name == "all no-data":
        return [paths[0], fill(copy(paths[1], p("empty.tif")), 0)], {}, p("empty.tif")
    if name == "float band all NaN":
        return [float_copy(paths[0], p("f0.tif")),
                float_copy(paths[1], p("nan.tif"), np.nan)], {}, p("nan.tif")
    if name == "no overlap at all":
        far = copy(paths[1], p("far.tif"))
        gt = gdal.Open(far).GetGeoTransform()
        edit(far, lambda ds: ds.SetGeoTransform((gt[0] + 3e6, *gt[1:])))
        return [paths[0], far], {}, "No two of the inputs overlap"
    if name == "reference not an input":
        return paths, {"REFERENCE": copy(paths[0], p("other.tif"))}, p("other.tif")
    if name == "output folder cannot be created":
        open(p("a_file"), "w").write("")
        return paths, {"OUTPUT": p("a_file/out")}, p("a_file/out")
    if name == "output would overwrite an input":
        clash = copy(paths[1], p("tile_0_global.tif"))
        return [paths[0], clash], {"OUTPUT": str(tmp_path)}, clash
    if name == "values beyond float64 statistics":
        return [float_copy(paths[0], p("f0.tif")),
                float_copy(paths[1], p("huge.tif"), 1e200)], {}, p("huge.tif")
    if name == "weights of zero":
        return paths, {"MEAN_WEIGHT": 0.0}, "MEAN_WEIGHT and STD_WEIGHT must both be greater"
    raise ValueError(name)


BAD = ["same file twice", "different band counts", "not a raster", "corrupted GeoTIFF",
       "missing file", "no georeference", "no CRS", "rotated grid", "all no-data",
       "float band all NaN", "no overlap at all", "reference not an input",
       "output folder cannot be created", "output would overwrite an input",
       "values beyond float64 statistics", "weights of zero"]


@pytest.mark.parametrize("name", BAD)
def test_bad_input_stops_with_the_file_and_the_fix(provider, tiles, tmp_path, name):
    import processing

    inputs, extra, expected = bad_case(name, tiles, tmp_path)
    out = str(tmp_path / "out")
    params = {"INPUT": inputs, "OUTPUT": out, **extra}
    before = {p: S.file_digest(p) for p in inputs if os.path.isfile(p)}
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:globalmatch", params, feedback=QgsProcessingFeedback())
    message = str(err.value)
    assert expected in message, message
    assert "Fix:" in message or name == "weights of zero" or "at least two" in message
    assert not os.path.isdir(out) or not os.listdir(out)
    assert {p: S.file_digest(p) for p in before} == before  # inputs untouched


def test_one_input_is_refused_before_the_run(provider, tiles, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:match", {"INPUT": [tiles[0].path],
                                               "OUTPUT": str(tmp_path / "o")})
    assert "at least two overlapping rasters" in str(err.value)


def test_a_name_too_long_for_its_temporary_is_refused_before_the_run(provider, tiles,
                                                                      tmp_path):
    """A legal input name (230 bytes) whose output name is legal too (243) but whose
    temporary (38 more) is not: refused before any pixel is read, with the fix; one of
    200 bytes goes through."""
    import processing

    for length, refused in ((230, True), (200, False)):
        paths = [shutil.copy(t.path, tmp_path / ("z" * length + f"{k}.tif"))
                 for k, t in enumerate(tiles[:2])]
        out = tmp_path / f"out{length}"
        if refused:
            with pytest.raises(QgsProcessingException) as err:
                processing.run("spectralmatch:match", {"INPUT": [str(p) for p in paths],
                                                       "OUTPUT": str(out)})
            assert "shorten the input's file name" in str(err.value)
            assert not out.exists()
        else:
            processing.run("spectralmatch:match", {"INPUT": [str(p) for p in paths],
                                                   "OUTPUT": str(out)})
            assert len(list(out.glob("*_matched.tif"))) == 2


@pytest.mark.parametrize("name", ["not a raster", "no CRS", "no overlap at all"])
def test_bad_input_exits_non_zero_from_qgis_process(qgis_process, tiles, tmp_path, name):
    inputs, extra, expected = bad_case(name, tiles, tmp_path)
    args = [f"INPUT={p}" for p in inputs] + [f"{k}={v}" for k, v in extra.items()]
    proc = qgis_process("run", "spectralmatch:match", "--", *args,
                        f"OUTPUT={tmp_path / 'cli'}")
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr


def test_exclusion_of_points_is_refused(tiles, tmp_path):
    path = str(tmp_path / "points.gpkg")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32605)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("points", srs, ogr.wkbPoint)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt("POINT (205000 2215000)"))
    layer.CreateFeature(feature)
    ds = None
    with pytest.raises(InputError) as err:
        run_match(
            [t.path for t in tiles],
            Outputs(str(tmp_path / "o")),
            statistics=Statistics(exclude=path),
        )
    assert path in str(err.value) and "polygons" in str(err.value)


# -- unusual inputs that work -----------------------------------------------------------------

def test_tiny_overlap_is_ignored_with_a_warning(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS[:3], OFFSETS[:3], grid=(1, 3), overlap=0.3)
    # Tile 2 moved so that it shares a 3 x 3 corner with tile 1 only.
    ds = gdal.Open(tiles[2].path, gdal.GA_Update)
    gt = list(ds.GetGeoTransform())
    src = gdal.Open(tiles[1].path).GetGeoTransform()
    gt[0] = src[0] + (gdal.Open(tiles[1].path).RasterXSize - 3) * src[1]
    gt[3] = src[3] + (gdal.Open(tiles[1].path).RasterYSize - 3) * src[5]
    ds.SetGeoTransform(gt)
    ds = None
    warnings = []
    from spectralmatch.core import Feedback
    result = run_match(
        [t.path for t in tiles],
        Outputs(str(tmp_path / "o")),
        feedback=Feedback(warning=warnings.append),
    )
    assert any("share only 9 valid pixels" in w for w in warnings)
    assert any("tile_2.tif: overlaps no other input" in w for w in warnings)
    assert all(np.isfinite(S.read(p)[0]).all() for p in result.outputs)
    # As the log says: written with gain 1 and offset 0, and no local field either (the
    # ignored corner pulled it towards tile 1 before).
    np.testing.assert_array_equal(S.read(result.outputs[2])[0], S.read(tiles[2].path)[0])


def test_constant_image_gives_finite_gains_and_a_warning(tmp_path):
    from spectralmatch.core import Feedback, run_global

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    fill(tiles[1].path, 9000)
    warnings = []
    result = run_global(
        [t.path for t in tiles],
        Outputs(str(tmp_path / "o")),
        feedback=Feedback(warning=warnings.append),
    )
    assert (
        np.isfinite(result.global_model.gains).all()
        and np.isfinite(result.global_model.offsets).all()
    )
    assert any("tile_1.tif: band 1 is constant" in w for w in warnings)
    # The constant image does not drag the others' gains to 0: they still match each other.
    others = [tiles[k] for k in (0, 2, 3)]
    assert np.all(S.affine_error(others, [result.outputs[k] for k in (0, 2, 3)]) < 0.05)
    for path in result.outputs:
        assert np.isfinite(S.read(path)[0]).all()


def test_values_at_the_type_limits(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, nodata=None)
    for k, tile in enumerate(tiles):
        def extremes(ds, k=k):
            for b in range(ds.RasterCount):
                data = ds.GetRasterBand(b + 1).ReadAsArray()
                data[:5, :5] = 0
                data[-5:, -5:] = 65535
                ds.GetRasterBand(b + 1).WriteArray(data)
        edit(tile.path, extremes)
    result = run_match([t.path for t in tiles], Outputs(str(tmp_path / "o")))
    for path in result.outputs:
        data = gdal.Open(path).ReadAsArray()
        assert data.dtype == np.uint16 and data.max() <= 65535


def test_very_large_float64_values_give_finite_results(tmp_path):
    """Values around 1e100 (within what float64 statistics can square) match like any."""
    scale = 1e96
    tiles = S.make_set(str(tmp_path), GAINS, [[o * scale for o in row] for row in OFFSETS],
                       gdal_type=gdal.GDT_Float64, nodata=None, transform=lambda x: x * scale)
    result = run_match([t.path for t in tiles], Outputs(str(tmp_path / "o")))
    assert np.isfinite(result.global_model.gains).all()
    for path in result.outputs:
        assert np.isfinite(S.read(path)[0]).all()
    assert np.all(S.affine_error(tiles, result.outputs, scale=scale) < 0.01)


def test_disk_full_mid_run_leaves_nothing(qgis_process, tmp_path):
    """qgis_process under a file-size limit: the write fails part-way; nothing remains."""
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    out = tmp_path / "out"
    out.mkdir()
    (out / "tile_0_matched.tif").write_bytes(b"an older result")
    env_cmd = " ".join(["qgis_process.bin", "run", "spectralmatch:match", "--"]
                       + [f"INPUT={t.path}" for t in tiles] + [f"OUTPUT={out}"])
    # Outputs of ~150 kB each exceed a 40 kB limit (ulimit -f counts 1 kB blocks); the
    # inputs were written before the limit, so only writing fails.
    import os as _os
    env = dict(_os.environ)
    proc = subprocess.run(["bash", "-c", f"trap '' XFSZ; ulimit -f 40; {env_cmd}"],
                          capture_output=True, text=True, timeout=300,
                          env={**env, **_qgis_env(qgis_process)})
    assert proc.returncode != 0, proc.stdout
    assert "writing failed" in proc.stdout + proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["tile_0_matched.tif"]
    assert (out / "tile_0_matched.tif").read_bytes() == b"an older result"


def _qgis_env(qgis_process):
    """The environment the qgis_process fixture runs with (plugin path, own profile)."""
    return qgis_process.env


def test_fill_values_nobody_declared_are_named(tmp_path):
    """Float32 tiles, one holding a block of 9.96921e36 (NetCDF's fill value) with no
    no-data value declared: the run goes on, and warns with the band and the fix."""
    from spectralmatch.core import Feedback

    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2),
                       gdal_type=gdal.GDT_Float32, nodata=None)
    ds = gdal.Open(tiles[0].path, gdal.GA_Update)
    band = ds.GetRasterBand(2)
    values = band.ReadAsArray()
    values[5:8, 5:8] = 9.96921e36
    band.WriteArray(values)
    ds = None
    warnings = []
    run_match([t.path for t in tiles], Outputs(str(tmp_path / "o")),
              feedback=Feedback(warning=warnings.append))
    named = [w for w in warnings if "far beyond any measurement" in w]
    assert len(named) == 1 and named[0].startswith(tiles[0].path), warnings
    assert "band(s) 2 hold values up to 9.96921e+36" in named[0] and "-a_nodata" in named[0]
