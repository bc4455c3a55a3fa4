"""Local matching and the one-run match in core, on tiles with known smooth fields."""
import numpy as np
import pytest
from osgeo import gdal

import synthetic as S
from spectralmatch.core import (
    Feedback,
    LocalFit,
    Outputs,
    Statistics,
    run_global,
    run_local,
    run_match,
)
from synthetic import GAINS, OFFSETS

TILTS = [(0.15, 0.3), (0.15, 2.0), (0.15, 4.0), (0.15, 5.5)]  # +-15% across each tile


@pytest.fixture(scope="module")
def tilted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tilted")
    tiles = S.make_set(str(folder), GAINS, OFFSETS, fields=TILTS)
    glob = run_global([t.path for t in tiles], Outputs(str(folder / "global"))).outputs
    return folder, tiles, S.affine_error(tiles, glob), S.overlap_mad(tiles, glob)


def test_match_removes_seams_of_smooth_fields(tilted, tmp_path):
    folder, tiles, g_err, g_mad = tilted
    result = run_match([t.path for t in tiles], Outputs(str(tmp_path)))
    mad = S.overlap_mad(tiles, result.outputs)
    err = S.affine_error(tiles, result.outputs)
    # At least 90% less disagreement in the overlaps than global matching alone (over all
    # bands; the red band, whose global gains the +-15% tilt biases most, keeps 85%) ...
    assert mad.mean() <= 0.10 * g_mad.mean(), (mad, g_mad)
    assert np.all(mad <= 0.20 * g_mad), (mad, g_mad)
    # ... without moving further from the truth.
    assert np.all(err <= g_err), (err, g_err)


@pytest.mark.parametrize("method", ["gamma", "linear", "offset"])
def test_each_local_method_reduces_seams(tilted, tmp_path, method):
    folder, tiles, g_err, g_mad = tilted
    result = run_match(
        [t.path for t in tiles], Outputs(str(tmp_path)), local_fit=LocalFit(method=method)
    )
    assert result.local_model.method == method
    assert S.overlap_mad(tiles, result.outputs).mean() <= 0.12 * g_mad.mean()
    assert np.all(S.affine_error(tiles, result.outputs) <= g_err)


def test_local_alone_after_global_equals_match(tilted, tmp_path):
    folder, tiles, _, _ = tilted
    # Without robust statistics: their outlier tests see different images in the two runs.
    glob = run_global(
        [t.path for t in tiles], Outputs(str(tmp_path / "g")), statistics=Statistics(robust=False)
    ).outputs
    local = run_local(
        glob,
        Outputs(str(tmp_path / "local")),
        fit=LocalFit(method="offset"),
        statistics=Statistics(robust=False),
    ).outputs
    matched = run_match(
        [t.path for t in tiles],
        Outputs(str(tmp_path / "m")),
        local_fit=LocalFit(method="offset"),
        statistics=Statistics(robust=False),
    ).outputs
    # Same fields; the one-run match avoids the intermediate rounding to UInt16 only.
    for a, b in zip(local, matched):
        assert np.abs(S.read(a)[0] - S.read(b)[0]).max() <= 2.0
    assert all(p.endswith("_global_local.tif") for p in local)


def test_clean_affine_set_stays_exact(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    result = run_match([t.path for t in tiles], Outputs(str(tmp_path / "out")))
    assert np.all(S.affine_error(tiles, result.outputs) < 0.01)
    assert np.all(S.overlap_mad(tiles, result.outputs) < 1.0)


def test_negative_float_data_switches_to_offset_and_says_so(tmp_path):
    tiles = S.make_set(
        str(tmp_path), GAINS, [[o / 10000 for o in row] for row in OFFSETS], fields=TILTS,
        gdal_type=gdal.GDT_Float32, nodata=None, transform=lambda x: (x - 10000.0) / 10000.0,
    )
    paths = [t.path for t in tiles]
    g_mad = S.overlap_mad(tiles, run_global(paths, Outputs(str(tmp_path / "g"))).outputs)
    warnings = []
    result = run_match(
        paths,
        Outputs(str(tmp_path / "m")),
        local_fit=LocalFit(method="gamma"),
        feedback=Feedback(warning=warnings.append),
    )
    assert result.local_model.method == "offset"
    assert any("offset form" in w for w in warnings)
    # A multiplicative tilt on values around zero is only partly additive: less to gain.
    assert S.overlap_mad(tiles, result.outputs).mean() <= 0.5 * g_mad.mean()
    for path in result.outputs:
        assert np.isfinite(S.read(path)[0]).all()


def test_nodata_border_leaves_no_rim(tmp_path):
    # Tile 1 has a no-data strip along its left edge, inside the overlap with tile 0.
    # No smooth field here, so that any rim stands out against the rounding noise.
    holes = [None, (0, 0, 140, 30), None, None]
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, holes=holes)
    result = run_match([t.path for t in tiles], Outputs(str(tmp_path / "out")))
    out, valid = S.read(result.outputs[1])
    np.testing.assert_array_equal(valid, tiles[1].valid)
    truth = tiles[1].truth
    for b in range(out.shape[0]):
        t, y = truth[b][valid[b]], out[b][valid[b]]
        slope, icpt = np.polyfit(t, y, 1)
        resid = (out[b] - (slope * truth[b] + icpt)) / slope
        rim = resid[:, 30:33]  # the three columns next to the no-data strip
        inside = resid[:, 33:60]
        # No dark or bright rim: the rim's mean residual stays within a fifth of the spread
        # of the interior's (block means taken over unequal parts of a block give 0.6-0.9).
        assert abs(rim.mean() - inside.mean()) < 0.2 * inside.std(), b


def test_match_keeps_reference_and_inputs(tilted, tmp_path):
    folder, tiles, _, _ = tilted
    digests = [S.file_digest(t.path) for t in tiles]
    result = run_match(
        [t.path for t in tiles], Outputs(str(tmp_path)), reference=tiles[0].path, keep_global=True
    )
    assert [S.file_digest(t.path) for t in tiles] == digests
    np.testing.assert_array_equal(S.read(result.outputs[0])[0], S.read(tiles[0].path)[0])
    assert [p.rsplit("/", 1)[1] for p in result.global_outputs] == [
        f"tile_{k}_global.tif" for k in range(4)]
    assert [p.rsplit("/", 1)[1] for p in result.outputs] == [
        f"tile_{k}_matched.tif" for k in range(4)]


def test_explicit_block_size_in_map_units(tilted, tmp_path):
    folder, tiles, _, _ = tilted
    info = []
    result = run_match(
        [t.path for t in tiles],
        Outputs(str(tmp_path)),
        local_fit=LocalFit(block_size=300.0),
        feedback=Feedback(info=info.append),
    )
    assert result.local_model.blocks.size == 10  # 300 m / 30 m pixels
    assert any("blocks of 10 x 10 pixels (300 map units)" in m for m in info)
