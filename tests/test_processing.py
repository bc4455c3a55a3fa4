"""The algorithms through Processing: processing.run and qgis_process.bin."""
import os

import numpy as np
import pytest
from qgis.core import QgsApplication, QgsProcessingException, QgsRasterLayer

import synthetic as S
from synthetic import GAINS, OFFSETS


@pytest.fixture
def tiles(tmp_path):
    return S.make_set(str(tmp_path), GAINS, OFFSETS)


def test_processing_run_with_paths(provider, tiles, tmp_path):
    import processing

    digests = [S.file_digest(t.path) for t in tiles]
    out = tmp_path / "out"
    result = processing.run(
        "spectralmatch:globalmatch", {"INPUT": [t.path for t in tiles], "OUTPUT": str(out)}
    )
    assert result["OUTPUT"] == str(out)
    assert result["OUTPUT_LAYERS"] == [str(out / f"tile_{k}_global.tif") for k in range(4)]
    assert np.all(S.affine_error(tiles, result["OUTPUT_LAYERS"]) < 0.01)
    assert [S.file_digest(t.path) for t in tiles] == digests
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"tile_{k}.tif" for k in range(4)] + ["out"])  # no .aux.xml beside the inputs


def test_processing_run_with_layers_reference_and_float32(provider, tiles, tmp_path):
    import processing

    layers = [QgsRasterLayer(t.path, f"t{k}") for k, t in enumerate(tiles)]
    result = processing.run(
        "spectralmatch:globalmatch",
        {"INPUT": layers, "REFERENCE": layers[1], "OUTPUT_TYPE": 1,
         "OUTPUT": str(tmp_path / "out")},
    )
    ref_out, _ = S.read(result["OUTPUT_LAYERS"][1])
    np.testing.assert_array_equal(ref_out, S.read(tiles[1].path)[0])
    layer = QgsRasterLayer(result["OUTPUT_LAYERS"][0], "o")
    assert layer.isValid() and layer.dataProvider().dataType(1) == 6  # Qgis.Float32


def test_processing_errors_name_the_file(provider, tiles, tmp_path):
    import processing

    bad = tmp_path / "broken.tif"
    bad.write_bytes(b"II*\x00 truncated")
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:globalmatch",
                       {"INPUT": [tiles[0].path, str(bad)], "OUTPUT": str(tmp_path / "out")})
    assert str(bad) in str(err.value)
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:globalmatch",
                       {"INPUT": [tiles[0].path], "OUTPUT": str(tmp_path / "out")})
    assert "at least two" in str(err.value)


def test_qgis_process_run(qgis_process, tiles, tmp_path):
    out = tmp_path / "cli"
    args = ["run", "spectralmatch:globalmatch", "--"]
    args += [f"INPUT={t.path}" for t in tiles] + [f"REFERENCE={tiles[0].path}", f"OUTPUT={out}"]
    proc = qgis_process(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = [str(out / f"tile_{k}_global.tif") for k in range(4)]
    assert f"OUTPUT_LAYERS:\t{', '.join(outputs)}" in proc.stdout
    assert "tile_1.tif: gain x offset per band: b1: 0.833" in proc.stdout  # 1 / 1.2
    assert np.all(S.affine_error(tiles, outputs) < 0.01)


def test_qgis_process_error_exits_non_zero(qgis_process, tiles, tmp_path):
    missing = tmp_path / "missing.tif"
    proc = qgis_process("run", "spectralmatch:globalmatch", "--", f"INPUT={tiles[0].path}",
                        f"INPUT={missing}", f"OUTPUT={tmp_path / 'cli'}")
    assert proc.returncode != 0
    assert str(missing) in proc.stdout + proc.stderr


TILTS = [(0.15, 0.3), (0.15, 2.0), (0.15, 4.0), (0.15, 5.5)]


@pytest.fixture
def tilted(tmp_path):
    return S.make_set(str(tmp_path), GAINS, OFFSETS, fields=TILTS)


def test_processing_run_match_and_localmatch(provider, tilted, tmp_path):
    import processing

    paths = [t.path for t in tilted]
    glob = processing.run("spectralmatch:globalmatch",
                          {"INPUT": paths, "OUTPUT": str(tmp_path / "g")})["OUTPUT_LAYERS"]
    matched = processing.run(
        "spectralmatch:match",
        {"INPUT": paths, "OUTPUT": str(tmp_path / "m"), "KEEP_GLOBAL": True, "METHOD": 2},
    )
    assert matched["OUTPUT_LAYERS"] == [str(tmp_path / "m" / f"tile_{k}_matched.tif")
                                        for k in range(4)]
    assert (tmp_path / "m" / "tile_0_global.tif").exists()
    g_mad = S.overlap_mad(tilted, glob).mean()
    assert S.overlap_mad(tilted, matched["OUTPUT_LAYERS"]).mean() < 0.12 * g_mad
    local = processing.run(
        "spectralmatch:localmatch",
        {"INPUT": glob, "OUTPUT": str(tmp_path / "l"), "BLOCK_SIZE": 600.0},
    )
    assert local["OUTPUT_LAYERS"][0].endswith("tile_0_global_local.tif")
    assert S.overlap_mad(tilted, local["OUTPUT_LAYERS"]).mean() < 0.3 * g_mad


def test_qgis_process_match(qgis_process, tilted, tmp_path):
    out = tmp_path / "cli"
    args = ["run", "spectralmatch:match", "--"] + [f"INPUT={t.path}" for t in tilted]
    args += ["BLOCKS=100", "METHOD=0", f"OUTPUT={out}"]
    proc = qgis_process(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = [str(out / f"tile_{k}_matched.tif") for k in range(4)]
    assert f"OUTPUT_LAYERS:\t{', '.join(outputs)}" in proc.stdout
    assert "method 'gamma'" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == [f"tile_{k}_matched.tif" for k in range(4)]
    glob = S.overlap_mad(tilted, [t.path for t in tilted])
    assert S.overlap_mad(tilted, outputs).mean() < 0.1 * glob.mean()


def test_qgis_process_exclude_and_robust_switch(qgis_process, tmp_path):
    from test_robust import CLOUDS, cloud_squares_in_wgs84, write_polygons

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    clear = S.paste_clouds(tiles, [1, 2], CLOUDS)
    mask = str(tmp_path / "clouds.gpkg")
    write_polygons(mask, cloud_squares_in_wgs84(tiles), 4326)
    inputs = [f"INPUT={t.path}" for t in tiles]
    off = qgis_process("run", "spectralmatch:globalmatch", "--", *inputs, "ROBUST=false",
                       f"OUTPUT={tmp_path / 'off'}")
    assert off.returncode == 0 and "Robust statistics" not in off.stdout
    masked = qgis_process("run", "spectralmatch:globalmatch", "--", *inputs, "ROBUST=false",
                          f"EXCLUDE={mask}", f"OUTPUT={tmp_path / 'masked'}")
    assert masked.returncode == 0, masked.stdout + masked.stderr
    robust = qgis_process("run", "spectralmatch:globalmatch", "--", *inputs,
                          f"OUTPUT={tmp_path / 'robust'}")
    assert "Robust statistics: on average" in robust.stdout
    err = {name: S.affine_error(tiles, sorted(str(p) for p in (tmp_path / name).iterdir()),
                                clear).max() for name in ("off", "masked", "robust")}
    assert err["masked"] < 0.02 and err["robust"] < 0.02 and err["off"] > 0.1, err


def test_qgis_process_says_what_a_refused_value_takes(qgis_process, provider, tiles,
                                                      tmp_path):
    """Values QGIS itself refuses (out of range, another type, not a layer): the message
    names the parameter, what it takes and the fix, where QGIS says only "Incorrect
    parameter value for X"; and a saved model renamed to .txt is read."""
    inputs = [f"INPUT={t.path}" for t in tiles]
    for param, value, takes in (("BLOCKS", "0", "of at least 1"), ("MIN_VALID_FRACTION", "5",
                                                                "from 0 to 1"),
                                ("THREADS", "-3", "a whole number"),
                                ("BLOCK_SIZE", "nan", "of at least"),
                                ("FEATHER", "nan", "of at least"),
                                ("MIN_VALID_FRACTION", "nan", "from 0 to 1"),
                                ("EXCLUDE", str(tmp_path / "none.gpkg"), "no vector layer")):
        algorithm = QgsApplication.processingRegistry().algorithmById("spectralmatch:match")
        assert algorithm.parameterDefinition(param) is not None, param  # declared
        proc = qgis_process("run", "spectralmatch:match", "--", *inputs,
                            f"OUTPUT={tmp_path / 'out'}", f"{param}={value}")
        text = proc.stdout + proc.stderr
        assert proc.returncode != 0, text
        assert f"({param})" in text and takes in text and "Fix:" in text, text
        assert "Traceback" not in text
    model = tmp_path / "model.json"
    done = qgis_process("run", "spectralmatch:globalmatch", "--", *inputs,
                        f"OUTPUT={tmp_path / 'g'}", f"MODEL_OUT={model}")
    assert done.returncode == 0, done.stdout + done.stderr
    renamed = tmp_path / "model.txt"
    model.rename(renamed)
    applied = qgis_process("run", "spectralmatch:applymodel", "--", *inputs,
                           f"MODEL={renamed}", f"OUTPUT={tmp_path / 'again'}")
    assert applied.returncode == 0, applied.stdout + applied.stderr


def test_qgis_process_takes_an_empty_reference_as_none(qgis_process, provider, tiles, tmp_path):
    """``REFERENCE=`` reaches the algorithm as a null value: it was refused as "NULL: no such
    raster file or layer"."""
    algorithm = QgsApplication.processingRegistry().algorithmById("spectralmatch:globalmatch")
    assert algorithm.parameterDefinition("REFERENCE") is not None
    proc = qgis_process("run", "spectralmatch:globalmatch", "--",
                        *[f"INPUT={t.path}" for t in tiles], "REFERENCE=",
                        f"OUTPUT={tmp_path / 'out'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(os.listdir(tmp_path / "out")) == len(tiles)
