"""Global matching in core, on real-scene tiles with known gains and offsets."""
import numpy as np
import pytest
from osgeo import gdal

import synthetic as S
from spectralmatch.core import Feedback, InputError, Outputs, run_global

from synthetic import GAINS, OFFSETS


def run(tiles, out, **kw):
    messages = []
    fb = Feedback(info=messages.append, warning=messages.append)
    result = run_global([t.path for t in tiles], Outputs(str(out)), feedback=fb, **kw)
    return result, messages


def test_uint16_recovers_truth_up_to_one_affine_map(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    before = S.affine_error(tiles, [t.path for t in tiles])
    result, _ = run(tiles, tmp_path / "out")
    after = S.affine_error(tiles, result.outputs)
    # Exact up to the rounding to UInt16: far below 1% of each band's std.
    assert np.all(after < 0.01), after
    assert np.all(after < before / 50)
    assert S.overlap_mad(tiles, result.outputs).max() < 2.0  # DN, rounding only


def test_solution_kept_at_central_tendency(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    result, _ = run(tiles, tmp_path / "out")
    np.testing.assert_allclose(result.global_model.gains.mean(axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(result.global_model.offsets.mean(axis=0), 0.0, atol=1e-6)
    # The exact inverse of the distortion, up to the common map fixed by those constraints.
    g, o = np.array(GAINS), np.array(OFFSETS)
    composed_gain = result.global_model.gains * g
    np.testing.assert_allclose(composed_gain / composed_gain[0], 1.0, rtol=1e-3)
    composed_offset = result.global_model.gains * o + result.global_model.offsets
    np.testing.assert_allclose(composed_offset - composed_offset[0], 0.0, atol=20.0)


def test_float32_with_negative_values_and_nodata_region(tmp_path):
    holes = [None, (10, 20, 30, 40), None, (60, 100, 50, 60)]
    tiles = S.make_set(
        str(tmp_path), GAINS, [[o / 10000 for o in row] for row in OFFSETS],
        gdal_type=gdal.GDT_Float32, nodata=-9999.0, holes=holes,
        transform=lambda x: (x - 10000.0) / 10000.0,
    )
    assert min(t.truth.min() for t in tiles) < 0  # the set really has negative values
    result, _ = run(tiles, tmp_path / "out")
    assert np.all(S.affine_error(tiles, result.outputs) < 1e-4)
    for tile, path in zip(tiles, result.outputs):
        data, valid = S.read(path)
        np.testing.assert_array_equal(valid, tile.valid)  # no-data stays no-data, no more
        assert gdal.Open(path).GetRasterBand(1).DataType == gdal.GDT_Float32


def test_reference_keeps_its_values(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    result, messages = run(tiles, tmp_path / "out", reference=tiles[2].path)
    ref_in, _ = S.read(tiles[2].path)
    ref_out, _ = S.read(result.outputs[2])
    np.testing.assert_array_equal(ref_in, ref_out)
    assert result.global_model.gains[2].tolist() == [1.0] * 4
    assert any("Reference image: tile_2.tif" in m for m in messages)
    # and the others are mapped onto it: the error is measured without any affine freedom
    for k in (0, 1, 3):
        out, valid = S.read(result.outputs[k])
        g, o = np.array(GAINS[2])[:, None, None], np.array(OFFSETS[2])[:, None, None]
        expected = g * tiles[k].truth + o
        rel = np.abs(out - expected)[valid].mean() / tiles[k].truth.std()
        assert rel < 0.01


def test_inputs_unchanged_and_outputs_like_inputs(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    digests = [S.file_digest(t.path) for t in tiles]
    names_before = sorted(p.name for p in tmp_path.iterdir())
    result, _ = run(tiles, tmp_path / "out")
    assert [S.file_digest(t.path) for t in tiles] == digests
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names_before + ["out"])
    for tile, path in zip(tiles, result.outputs):
        src, dst = gdal.Open(tile.path), gdal.Open(path)
        assert path.endswith(f"tile_{tiles.index(tile)}_global.tif")
        assert dst.GetGeoTransform() == src.GetGeoTransform()
        assert dst.GetProjection() == src.GetProjection()
        assert (dst.RasterXSize, dst.RasterYSize, dst.RasterCount) == (
            src.RasterXSize, src.RasterYSize, src.RasterCount)
        band = dst.GetRasterBand(1)
        assert band.DataType == gdal.GDT_UInt16 and band.GetNoDataValue() == 0
        assert dst.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "DEFLATE"
        assert band.GetBlockSize() == [256, 256]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_valid_pixels_never_become_nodata(tmp_path):
    # Tile 1 is much darker: its correction pushes its darkest valid pixels to 0 = no-data.
    gains = [[1.0] * 4, [0.05] * 4, [1.0] * 4, [1.0] * 4]
    offsets = [[0] * 4, [0] * 4, [0] * 4, [0] * 4]
    tiles = S.make_set(str(tmp_path), gains, offsets, nodata=0)
    result, _ = run(tiles, tmp_path / "out")
    for tile, path in zip(tiles, result.outputs):
        data, valid = S.read(path)
        np.testing.assert_array_equal(valid, tile.valid)


def test_isolated_image_is_written_unchanged_with_a_warning(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    ds = gdal.Open(tiles[3].path, gdal.GA_Update)  # move tile 3 far away
    gt = list(ds.GetGeoTransform())
    gt[0] += 30 * 40000
    ds.SetGeoTransform(gt)
    ds = None
    result, messages = run(tiles, tmp_path / "out")
    assert sum("overlaps no other input" in m for m in messages) == 1
    assert any("tile_3.tif: overlaps no other input" in m for m in messages)
    np.testing.assert_array_equal(S.read(tiles[3].path)[0], S.read(result.outputs[3])[0])


def test_no_overlap_at_all_is_an_error(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, grid=(1, 4), overlap=0.0)
    with pytest.raises(InputError) as err:
        run(tiles, tmp_path / "out")
    assert "No two of the inputs overlap" in str(err.value) and "tile_3.tif" in str(err.value)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_two_groups_are_each_solved_at_their_own_centre(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, grid=(2, 2), overlap=0.3)
    # Move tiles 2 and 3 far away: two groups of two.
    for t in tiles[2:]:
        ds = gdal.Open(t.path, gdal.GA_Update)
        gt = list(ds.GetGeoTransform())
        gt[0] += 30 * 40000
        ds.SetGeoTransform(gt)
        ds = None
    result, messages = run(tiles, tmp_path / "out")
    assert any("2 groups" in m for m in messages)
    np.testing.assert_allclose(result.global_model.gains[:2].mean(axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(result.global_model.gains[2:].mean(axis=0), 1.0, atol=1e-9)
    for pair in ((0, 1), (2, 3)):
        sub = [tiles[k] for k in pair]
        assert S.overlap_mad(sub, [result.outputs[k] for k in pair]).max() < 2.0


@pytest.mark.parametrize("case", ["one input", "same file twice", "band count", "not a raster",
                                  "reference not an input", "crs"])
def test_bad_input_names_the_file(tmp_path, case):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    paths = [t.path for t in tiles]
    kw = {}
    if case == "one input":
        paths, culprit = paths[:1], "1 input raster"
    elif case == "same file twice":
        paths, culprit = paths + [paths[0]], paths[0]
    elif case == "band count":
        culprit = str(tmp_path / "three.tif")
        gdal.Translate(culprit, paths[0], bandList=[1, 2, 3])
        paths = paths + [culprit]
    elif case == "not a raster":
        culprit = str(tmp_path / "notes.tif")
        open(culprit, "w").write("not a raster")
        paths = paths + [culprit]
    elif case == "reference not an input":
        culprit = str(tmp_path / "other.tif")
        gdal.Translate(culprit, paths[0])
        kw["reference"] = culprit
    else:
        culprit = str(tmp_path / "wgs84.tif")
        gdal.Translate(culprit, paths[0], outputSRS="EPSG:4326")
        paths = paths + [culprit]
    with pytest.raises(InputError) as err:
        run_global(paths, Outputs(str(tmp_path / "out")), **kw)
    assert culprit in str(err.value) and "Fix:" in str(err.value)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
