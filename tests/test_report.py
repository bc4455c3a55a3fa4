"""The quality report, the saved model and applying it again."""
import json
import os
import re
import shutil

import numpy as np
import pytest
from qgis.core import QgsProcessingException

import synthetic as S
from synthetic import GAINS, OFFSETS

TILTS = [(0.15, 0.3), (0.15, 2.0), (0.15, 4.0), (0.15, 5.5)]


@pytest.fixture(scope="module")
def matched(tmp_path_factory, qgis_processing):
    """A match run from the toolbox path with REPORT and MODEL_OUT."""
    import processing
    from conftest import register_provider

    register_provider()
    folder = tmp_path_factory.mktemp("report")
    tiles = S.make_set(str(folder), GAINS, OFFSETS, fields=TILTS)
    result = processing.run("spectralmatch:match", {
        "INPUT": [t.path for t in tiles], "OUTPUT": str(folder / "out"),
        "REPORT": str(folder / "report.html"), "MODEL_OUT": str(folder / "model.json")})
    return folder, tiles, result


def whole_array_agreement(a_tile, b_tile, a_path, b_path):
    """MAD, means and stds of two rasters over the pixels valid in both: plain numpy."""
    a, am = S.read(a_path)
    b, bm = S.read(b_path)
    r0, c0 = max(a_tile.row, b_tile.row), max(a_tile.col, b_tile.col)
    r1 = min(a_tile.row + a.shape[1], b_tile.row + b.shape[1])
    c1 = min(a_tile.col + a.shape[2], b_tile.col + b.shape[2])
    def window(tile):
        return (slice(None), slice(r0 - tile.row, r1 - tile.row),
                slice(c0 - tile.col, c1 - tile.col))

    sa, sb = window(a_tile), window(b_tile)
    both = am[sa] & bm[sb]
    out = {"mad": [], "mean_i": [], "mean_j": [], "std_i": [], "std_j": []}
    for band in range(a.shape[0]):
        x, y = a[sa][band][both[band]], b[sb][band][both[band]]
        out["mad"].append(np.abs(x - y).mean())
        out["mean_i"].append(x.mean())
        out["mean_j"].append(y.mean())
        out["std_i"].append(x.std())
        out["std_j"].append(y.std())
    return out


def test_report_numbers_equal_a_whole_array_computation(matched):
    folder, tiles, result = matched
    assert result["REPORT"] == str(folder / "report.html")
    numbers = json.load(open(folder / "report.json"))
    by_name = {os.path.basename(t.path): k for k, t in enumerate(tiles)}
    assert len(numbers["overlaps"]) == 6
    for o in numbers["overlaps"]:
        i, j = by_name[o["a"]], by_name[o["b"]]
        for when, paths in (("before", [t.path for t in tiles]),
                            ("after", result["OUTPUT_LAYERS"])):
            expect = whole_array_agreement(tiles[i], tiles[j], paths[i], paths[j])
            got = o[when]
            np.testing.assert_allclose(got["mean_abs_difference"], expect["mad"], rtol=1e-9)
            np.testing.assert_allclose(got["mean_i"], expect["mean_i"], rtol=1e-9)
            np.testing.assert_allclose(got["std_j"], expect["std_j"], rtol=1e-9)
    # The gains and offsets in the report are those of the run (as its saved model has them).
    model = json.load(open(folder / "model.json"))
    assert [im["gain"] for im in numbers["images"]] == model["gains"]
    assert [im["offset"] for im in numbers["images"]] == model["offsets"]
    s = numbers["summary"]
    assert s["after"]["mean"] < 0.1 * s["before"]["mean"]


def test_report_html_opens_offline_and_has_the_plots(matched):
    folder, _, _ = matched
    text = open(folder / "report.html", encoding="utf-8").read()
    assert not re.search(r"<script[^>]+src=", text)  # every script inline
    assert not re.search(r"<link[^>]+href=[\"']?https?:", text)
    assert "Plotly.newPlot" in text and text.count('class="plotly-graph-div"') == 3
    assert "Mean overlap disagreement" in text and "tile_3.tif" in text


def test_applying_the_model_reproduces_the_run_bit_for_bit(matched, tmp_path):
    import processing

    folder, tiles, result = matched
    again = processing.run("spectralmatch:applymodel", {
        "INPUT": [t.path for t in tiles], "MODEL": str(folder / "model.json"),
        "OUTPUT": str(tmp_path / "again")})
    assert [os.path.basename(p) for p in again["OUTPUT_LAYERS"]] == [
        os.path.basename(p) for p in result["OUTPUT_LAYERS"]]
    for a, b in zip(result["OUTPUT_LAYERS"], again["OUTPUT_LAYERS"]):
        assert S.file_digest(a) == S.file_digest(b)
    # The same names in another folder (two of the four): applied as they are.
    other = tmp_path / "copies"
    other.mkdir()
    for t in tiles[:2]:
        shutil.copy(t.path, other)
    part = processing.run("spectralmatch:applymodel", {
        "INPUT": [str(other / "tile_0.tif"), str(other / "tile_1.tif")],
        "MODEL": str(folder / "model.json"), "OUTPUT": str(tmp_path / "part")})
    assert S.file_digest(part["OUTPUT_LAYERS"][1]) == S.file_digest(result["OUTPUT_LAYERS"][1])


def test_apply_model_refuses_files_that_do_not_fit(matched, tmp_path):
    import processing
    from osgeo import gdal

    folder, tiles, _ = matched
    stranger = str(tmp_path / "stranger.tif")
    gdal.Translate(stranger, tiles[0].path)
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:applymodel", {
            "INPUT": [stranger], "MODEL": str(folder / "model.json"),
            "OUTPUT": str(tmp_path / "o")})
    assert "no image of this name is in the model" in str(err.value) and "Fix:" in str(err.value)
    cropped = tmp_path / "crop"
    cropped.mkdir()
    gdal.Translate(str(cropped / "tile_0.tif"), tiles[0].path, srcWin=[0, 0, 50, 50])
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:applymodel", {
            "INPUT": [str(cropped / "tile_0.tif")], "MODEL": str(folder / "model.json"),
            "OUTPUT": str(tmp_path / "o2")})
    assert "its grid differs" in str(err.value)


def test_apply_model_refuses_a_local_model_on_another_crs(matched, tmp_path):
    """The same grid numbers in another CRS are other places: the local model was applied
    to them silently."""
    import processing
    from osgeo import gdal

    folder, tiles, _ = matched
    (tmp_path / "other").mkdir()
    moved = str(tmp_path / "other" / "tile_0.tif")
    gdal.Translate(moved, tiles[0].path, outputSRS="EPSG:32604")
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:applymodel", {
            "INPUT": [moved], "MODEL": str(folder / "model.json"),
            "OUTPUT": str(tmp_path / "o")})
    assert "coordinate reference system differs" in str(err.value), str(err.value)


def test_qgis_process_writes_the_report(qgis_process, tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    proc = qgis_process("run", "spectralmatch:globalmatch", "--",
                        *[f"INPUT={t.path}" for t in tiles], f"OUTPUT={tmp_path / 'o'}",
                        f"REPORT={tmp_path / 'r.html'}", f"MODEL_OUT={tmp_path / 'm.json'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Mean overlap disagreement" in proc.stdout
    assert (tmp_path / "r.html").exists() and (tmp_path / "r.json").exists()
    assert json.load(open(tmp_path / "m.json"))["local"] is None


def test_apply_model_refuses_a_block_map_model_of_an_older_version(matched, tmp_path):
    import json

    import processing

    folder, tiles, _ = matched
    data = json.load(open(folder / "model.json", encoding="utf-8"))
    assert data["format"] == "spectralmatch-model/4" and "nodes" in data["local"]
    data["format"] = "spectralmatch-model/1"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:applymodel", {
            "INPUT": [t.path for t in tiles], "MODEL": str(old), "OUTPUT": str(tmp_path / "o")})
    assert "older version of the plugin" in str(err.value) and "Fix:" in str(err.value)


def _edited(model, edit):
    data = json.loads(json.dumps(model))
    edit(data)
    return data


EDITS = {
    "an output stem that climbs out of the folder":
        (lambda d: d["images"][0].update(output_stem="../victim/important"), "output stem"),
    "an absolute output stem":
        (lambda d: d["images"][0].update(output_stem="/tmp/sm_escape"), "output stem"),
    "a suffix with a folder": (lambda d: d.update(suffix="/../x"), "suffix"),
    "a NaN gain": (lambda d: d["gains"][0].__setitem__(0, float("nan")), "finite"),
    "gains of fewer images": (lambda d: d["gains"].pop(), "gains"),
    "a gain that is text": (lambda d: d["gains"][0].__setitem__(0, "abc"), "gains"),
    "no offsets": (lambda d: d.pop("offsets"), "offsets"),
    "an image without its bands": (lambda d: d["images"][1].pop("bands"), "bands"),
    "an unknown local method": (lambda d: d["local"].update(method="bogus"), "local method"),
    "a surface too few": (lambda d: d["local"]["nodes"].pop(), "surface"),
    "negative blocks": (lambda d: d["local"].update(blocks=[-1, 0, 5]), "blocks"),
    "float32 as text": (lambda d: d.update(float32="yes"), "float32"),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edited_or_damaged_model_is_refused_before_anything_is_written(matched, tmp_path,
                                                                          case):
    """A model is JSON a user can edit: every field Apply saved model uses is checked first.
    An output stem of ../victim/important wrote ../victim/important_matched.tif over a file
    outside the output folder; others ended in tracebacks, or NaN outputs with exit 0."""
    import processing

    folder, tiles, _ = matched
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "important_matched.tif").write_text("keep me")
    edit, named = EDITS[case]
    path = tmp_path / "out" / "edited.json"
    path.parent.mkdir()
    path.write_text(json.dumps(_edited(json.load(open(folder / "model.json")), edit)))
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:applymodel", {
            "INPUT": [t.path for t in tiles], "MODEL": str(path),
            "OUTPUT": str(tmp_path / "out")})
    message = str(err.value)
    assert str(path) in message and named in message and "Fix:" in message, message
    assert (victim / "important_matched.tif").read_text() == "keep me"
    assert sorted(os.listdir(tmp_path / "out")) == ["edited.json"]
    assert not os.path.exists("/tmp/sm_escape_matched.tif")


def test_qgis_process_refuses_a_model_that_writes_outside_its_folder(matched, qgis_process,
                                                                   tmp_path):
    folder, tiles, _ = matched
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "important_matched.tif").write_text("keep me")
    path = tmp_path / "out" / "edited.json"
    path.parent.mkdir()
    path.write_text(json.dumps(_edited(json.load(open(folder / "model.json")),
                                       EDITS["an output stem that climbs out of the folder"][0])))
    proc = qgis_process("run", "spectralmatch:applymodel", "--",
                        *[f"INPUT={t.path}" for t in tiles], f"MODEL={path}",
                        f"OUTPUT={tmp_path / 'out'}")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "output stem" in proc.stdout + proc.stderr
    assert (tmp_path / "victim" / "important_matched.tif").read_text() == "keep me"
