"""Issue 15, points 1, 2, 3 and 5: every output path checked before any pixel is read, and no
file the run did not make is ever lost.

Every refused case compares the checksums of every file under the test's folder (inputs and
older outputs) before and after, and looks for temporaries or locks left behind.
"""
import os
import subprocess
import shutil
import sys
import time

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException, QgsProcessingFeedback

import spectralmatch
import synthetic as S
from spectralmatch.core import InputError, MosaicOptions, Outputs, run_global, run_mosaic
from spectralmatch.core.io.atomic import MARKER, OutputSet, remove_stale_temporaries
from spectralmatch.core.io.output_plan import unique_stems
from synthetic import GAINS, OFFSETS
from tree_state import leftovers, snapshot


@pytest.fixture
def tiles(tmp_path):
    (tmp_path / "in").mkdir()
    return S.make_set(str(tmp_path / "in"), GAINS[:3], OFFSETS[:3], grid=(1, 3))


def refused(tmp_path, algorithm, params, *expected):
    """Run through processing.run, expect a refusal naming ``expected``; nothing changed."""
    import processing

    before = snapshot(tmp_path)
    with pytest.raises(QgsProcessingException) as err:
        processing.run(f"spectralmatch:{algorithm}", params, feedback=QgsProcessingFeedback())
    message = str(err.value)
    for text in expected:
        assert str(text) in message, message
    assert "Fix:" in message, message
    assert snapshot(tmp_path) == before
    assert leftovers(tmp_path) == []
    return message


def test_vrt_mosaic_refuses_inputs_inside_its_parts_folder(provider, tiles, tmp_path):
    """Issue 15 case 1: the parts folder held the inputs and was deleted with them."""
    v = tmp_path / "v"
    (v / "mosaic_parts").mkdir(parents=True)
    inputs = []
    for k, name in enumerate(("A.tif", "B.tif")):
        inputs.append(str(v / "mosaic_parts" / name))
        shutil.copy(tiles[k].path, inputs[-1])
    refused(tmp_path, "mosaic", {"INPUT": inputs, "OUTPUT": str(v / "mosaic.vrt")},
            v / "mosaic_parts")


def test_match_into_the_mosaics_parts_folder_is_refused(provider, tiles, tmp_path):
    x = tmp_path / "x"
    refused(tmp_path, "match", {"INPUT": [t.path for t in tiles], "OUTPUT": str(x / "m_parts"),
                                "MOSAIC": str(x / "m.vrt")}, x / "m_parts", "parts folder")


def test_a_parts_folder_the_run_did_not_make_is_never_replaced(provider, tiles, tmp_path):
    x = tmp_path / "x"
    (x / "m_parts").mkdir(parents=True)
    (x / "m_parts" / "notes.txt").write_text("mine")
    paths = [t.path for t in tiles]
    refused(tmp_path, "mosaic", {"INPUT": paths, "OUTPUT": str(x / "m.vrt")},
            x / "m_parts", "not made by a spectralmatch run")
    # A parts folder a run made is replaced by the next run of the same name, whole.
    shutil.rmtree(x / "m_parts")
    run_mosaic(paths, MosaicOptions(str(x / "m.vrt")))
    assert (x / "m_parts" / MARKER).is_file()
    (x / "m_parts" / "part_9.vrt").write_text("stale part")
    run_mosaic(paths, MosaicOptions(str(x / "m.vrt")))
    assert not (x / "m_parts" / "part_9.vrt").exists()
    assert gdal.Open(str(x / "m.vrt")).ReadAsArray().any()
    assert leftovers(tmp_path) == []


def collision(name, tiles, tmp_path):
    """(algorithm, extra parameters, texts the message names) of one colliding plan."""
    paths = [t.path for t in tiles]
    out = tmp_path / "out"
    if name == "report and model share a name":  # the report's JSON is x.json
        return "match", {"REPORT": str(tmp_path / "x.html"),
                         "MODEL_OUT": str(tmp_path / "x.json")}, [tmp_path / "x.json", "report"]
    if name == "report is its own JSON":
        return "match", {"REPORT": str(tmp_path / "r.json")}, [tmp_path / "r.json"]
    if name == "model is an input":
        return "match", {"MODEL_OUT": paths[0]}, [paths[0], "model"]
    if name == "report is an input":
        return "match", {"REPORT": paths[1]}, [paths[1], "report"]
    if name == "report's JSON is an input":
        shutil.copy(paths[0], tmp_path / "in" / "r.json")
        return "match", {"INPUT": paths[:2] + [str(tmp_path / "in" / "r.json")],
                         "REPORT": str(tmp_path / "in" / "r.html")}, ["r.json"]
    if name == "seamlines are an input":
        return "match", {"MOSAIC": str(tmp_path / "m.tif"), "SEAMLINES_OUT": paths[2]}, [
            paths[2], "seamline"]
    if name == "seamlines are the mosaic":
        return "mosaic", {"OUTPUT": str(tmp_path / "m.tif"),
                          "SEAMLINES_OUT": str(tmp_path / "m.tif")}, [tmp_path / "m.tif"]
    if name == "mosaic is a global output":
        return "match", {"KEEP_GLOBAL": True, "MOSAIC": str(out / "tile_0_global.tif")}, [
            out / "tile_0_global.tif"]
    if name == "output name is an existing folder":
        (out / "tile_1_matched.tif").mkdir(parents=True)
        return "match", {}, [out / "tile_1_matched.tif", "existing folder"]
    if name == "model is an existing folder":
        (tmp_path / "model.json").mkdir()
        return "match", {"MODEL_OUT": str(tmp_path / "model.json")}, [tmp_path / "model.json"]
    if name == "report under a file":
        (tmp_path / "afile").write_text("x")
        return "match", {"REPORT": str(tmp_path / "afile" / "r.html")}, [tmp_path / "afile"]
    if name == "model through a symbolic link to an input":
        os.symlink(paths[0], tmp_path / "link.json")
        return "match", {"MODEL_OUT": str(tmp_path / "link.json")}, [tmp_path / "link.json"]
    if name == "model on a hard link of an input":
        os.link(paths[0], tmp_path / "hard.json")
        return "match", {"MODEL_OUT": str(tmp_path / "hard.json")}, [tmp_path / "hard.json"]
    if name == "output folder is a link to the inputs' folder":
        os.symlink(tmp_path / "in", tmp_path / "linked")
        shutil.copy(paths[0], tmp_path / "in" / "tile_1_matched.tif")  # an input of that name
        return "match", {"INPUT": [str(tmp_path / "in" / "tile_1_matched.tif")] + paths[1:],
                         "OUTPUT": str(tmp_path / "linked")}, ["tile_1_matched.tif", "input"]
    if name == "model on an input's sidecar":
        (tmp_path / "in" / "tile_0.tif.aux.xml").write_text("<PAMDataset/>")
        return "match", {"MODEL_OUT": str(tmp_path / "in" / "tile_0.tif.aux.xml")}, [
            "tile_0.tif.aux.xml", "input"]
    raise ValueError(name)


COLLISIONS = ["report and model share a name", "report is its own JSON", "model is an input",
              "report is an input", "report's JSON is an input", "seamlines are an input",
              "seamlines are the mosaic", "mosaic is a global output",
              "output name is an existing folder", "model is an existing folder",
              "report under a file", "model through a symbolic link to an input",
              "model on a hard link of an input", "output folder is a link to the inputs' folder",
              "model on an input's sidecar"]


@pytest.mark.parametrize("name", COLLISIONS)
def test_colliding_outputs_are_refused_before_work(provider, tiles, tmp_path, name):
    algorithm, extra, expected = collision(name, tiles, tmp_path)
    params = {"INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "out"), **extra}
    refused(tmp_path, algorithm, params, *expected)


def test_same_names_in_different_folders_get_a_number_and_the_model_tells_them_apart(
        provider, tmp_path):
    """d1/img.tif and d2/img.tif: img_matched.tif and img_2_matched.tif; the saved model,
    applied to the same files in another order, gives each its own correction."""
    import processing

    (tmp_path / "src").mkdir()
    tiles = S.make_set(str(tmp_path / "src"), GAINS[:3], OFFSETS[:3], grid=(1, 3))
    paths = []
    for k, folder in enumerate(("d1", "d2", "d3")):
        (tmp_path / folder).mkdir()
        paths.append(str(tmp_path / folder / ("img.tif" if k < 2 else "IMG.tif")))
        shutil.copy(tiles[k].path, paths[-1])
    before = snapshot(tmp_path / "src")
    result = processing.run("spectralmatch:match", {
        "INPUT": paths, "OUTPUT": str(tmp_path / "out"), "BLOCKS": 20,
        "MODEL_OUT": str(tmp_path / "m.json"), "REPORT": str(tmp_path / "r.html")})
    names = [os.path.basename(p) for p in result["OUTPUT_LAYERS"]]
    assert names == ["img_matched.tif", "img_2_matched.tif", "IMG_3_matched.tif"]
    again = processing.run("spectralmatch:applymodel", {
        "INPUT": paths[::-1], "MODEL": str(tmp_path / "m.json"),
        "OUTPUT": str(tmp_path / "again")})
    assert [os.path.basename(p) for p in again["OUTPUT_LAYERS"]] == names[::-1]
    for first, second in zip(result["OUTPUT_LAYERS"], again["OUTPUT_LAYERS"][::-1]):
        np.testing.assert_array_equal(gdal.Open(first).ReadAsArray(),
                                      gdal.Open(second).ReadAsArray())
    # The two images really differ, so a swap would have shown.
    a, b = (gdal.Open(p).ReadAsArray() for p in result["OUTPUT_LAYERS"][:2])
    assert a.shape != b.shape or not np.array_equal(a, b)
    assert snapshot(tmp_path / "src") == before and leftovers(tmp_path) == []


def test_unique_stems():
    assert unique_stems(["d1/img.tif", "d2/img.tif", "img_2.tif", "d3/IMG.TIF", "a.jp2"]) == [
        "img", "img_3", "img_2", "IMG_4", "a"]


def test_help_says_how_same_names_are_written(provider):
    from qgis.core import QgsApplication

    for name in ("globalmatch", "localmatch", "match"):
        alg = QgsApplication.processingRegistry().algorithmById(f"spectralmatch:{name}")
        assert "_2" in alg.parameterDefinition("OUTPUT").help()


def test_a_failed_commit_puts_the_older_files_back(tmp_path):
    """Staged outputs whose commit fails half-way (a folder appeared at the last path):
    the outputs already renamed go, the older files are back, no temporary is left."""
    finals = [tmp_path / f"o{k}.tif" for k in range(3)]
    for k, path in enumerate(finals[:2]):
        path.write_text(f"older {k}")
    outputs = OutputSet()
    for path in finals:
        with open(outputs.temporary_for(str(path)), "w") as f:
            f.write("new")
    finals[2].mkdir()
    (finals[2] / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="did not make"):
        outputs.commit()
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items()} == {
        k: v for k, v in before.items() if ".partial" not in k}
    assert [p.read_text() for p in finals[:2]] == ["older 0", "older 1"]
    assert leftovers(tmp_path) == []


def test_a_replaced_rasters_older_sidecar_goes_with_it(tiles, tmp_path, monkeypatch):
    """QGIS writes ``<raster>.aux.xml`` (statistics) when it closes a layer it drew, as the
    plugin's dialog does before it replaces a run's outputs: left beside the newer raster,
    GDAL read the older one's statistics for it. It goes with the older raster; a sidecar
    of another name stays."""
    monkeypatch.setenv("GDAL_PAM_ENABLED", "YES")
    out = tmp_path / "out"
    run_global([t.path for t in tiles], Outputs(str(out)))
    first = str(out / "tile_0_global.tif")
    ds = gdal.Open(first)
    ds.GetRasterBand(1).SetStatistics(1.0, 2.0, 1.5, 0.1)  # as if drawn: stale for the next
    ds = None
    assert os.path.exists(first + ".aux.xml")
    (out / "notes.aux.xml").write_text("mine")
    run_global([t.path for t in tiles[:2]] + [tiles[2].path], Outputs(str(out)),
               reference=tiles[1].path)
    assert not os.path.exists(first + ".aux.xml")
    ds = gdal.Open(first)
    stats = ds.GetRasterBand(1).GetStatistics(False, True)
    ds = None
    assert stats[3] > 1.0, stats  # computed from the newer raster, not the older 0.1
    assert (out / "notes.aux.xml").read_text() == "mine"
    assert leftovers(tmp_path) == []


def test_a_failed_commit_puts_an_older_sidecar_back(tmp_path):
    finals = [tmp_path / f"o{k}.tif" for k in range(2)]
    finals[0].write_text("older 0")
    (tmp_path / "o0.tif.aux.xml").write_text("older statistics")
    outputs = OutputSet()
    for path in finals:
        with open(outputs.temporary_for(str(path)), "w") as f:
            f.write("new")
    finals[1].mkdir()  # in the way of the last rename
    with pytest.raises(InputError, match="did not make"):
        outputs.commit()
    assert finals[0].read_text() == "older 0"
    assert (tmp_path / "o0.tif.aux.xml").read_text() == "older statistics"
    assert leftovers(tmp_path) == []


def test_stale_temporaries_are_removed_by_the_next_run_and_nothing_else(tiles, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale = [out / ".tile_0_global.tif.0123abcd.partial.tif",
             out / ".r.json.89abcdef.partial"]
    kept = [out / "notes.partial.tif", out / ".hidden.partial", out / ".x.tif.nothex12.partial"]
    for path in stale + kept:
        path.write_text("left")
    (out / ".tile_9_global.tif.00ff00ff.partial.bak").write_text("an older file, set aside")
    old = 1_000_000_000
    for path in out.iterdir():
        os.utime(path, (old, old))
    run_global([t.path for t in tiles], Outputs(str(out)))
    assert not any(p.exists() for p in stale)
    assert all(p.read_text() == "left" for p in kept)
    # A backup whose final file went missing (a commit killed half-way) is put back.
    assert (out / "tile_9_global.tif").read_text() == "an older file, set aside"
    assert leftovers(tmp_path) == []
    # A temporary newer than the lock (a run that started since) is not touched.
    young = out / ".tile_1_global.tif.fedcba98.partial.tif"
    young.write_text("being written")
    assert remove_stale_temporaries(str(out), older_than=0.0) == []
    assert young.exists()


@pytest.fixture
def caseless_folder(tmp_path):
    """A folder on a file system that ignores case: SPECTRALMATCH_CASELESS_DIR, or a FAT
    image mounted with fusefat (Debian's fusefat and dosfstools, which the set-up installs;
    FUSE needs /dev/fuse). Skipped only where neither can be had."""
    given = os.environ.get("SPECTRALMATCH_CASELESS_DIR")
    if given:
        yield given
        return
    image, mount = tmp_path / "fat.img", tmp_path / "fat"
    mount.mkdir()
    try:
        with open(image, "wb") as f:
            f.truncate(32 * 1024 * 1024)
        subprocess.run(["mkfs.vfat", str(image)], check=True, capture_output=True)
        subprocess.run(["fusefat", "-o", "rw+", str(image), str(mount)], check=True,
                       capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"no case-insensitive file system here ({exc}); set "
                    "SPECTRALMATCH_CASELESS_DIR to a folder on one (macOS, Windows, FAT)")
    try:
        yield str(mount)
    finally:
        for command in (["fusermount3", "-u"], ["fusermount", "-u"], ["umount"]):
            try:
                if subprocess.run(command + [str(mount)], capture_output=True).returncode == 0:
                    break
            except OSError:
                continue


def test_names_that_differ_only_in_case_collide_where_the_folder_ignores_case(
        caseless_folder):
    from spectralmatch.core.io.output_plan import OutputPlan, Planned

    folder = os.path.join(caseless_folder, f"sm-{os.getpid()}")
    os.makedirs(folder)
    try:
        open(os.path.join(folder, "Input.tif"), "w").close()
        plan = OutputPlan([os.path.join(folder, "Input.tif")],
                          [Planned(os.path.join(folder, "m.json"), "the model", "fix"),
                           Planned(os.path.join(folder, "M.JSON"), "the report", "fix")])
        with pytest.raises(InputError, match="same file"):
            plan.check()
        plan = OutputPlan([os.path.join(folder, "Input.tif")],
                          [Planned(os.path.join(folder, "INPUT.TIF"), "the model", "fix")])
        with pytest.raises(InputError, match="overwrite an input"):
            plan.check()
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("mixed", [False, True])
def test_a_vrt_mosaic_of_a_match_refers_to_the_final_rasters(tiles, tmp_path, mixed,
                                                             monkeypatch):
    """The mosaic reads the matched rasters while they are staged under temporary names;
    the VRT and its parts must name the files they become (also through a warped view),
    wherever it is opened from: here the inputs and the output are given relative to the
    working folder (a warped view's source was the working folder joined twice)."""
    from spectralmatch.core import run_match

    monkeypatch.chdir(tmp_path)
    paths = [os.path.relpath(t.path) for t in tiles]
    if mixed:  # another pixel size: that image enters the VRT through a warped view
        gt = gdal.Open(paths[2]).GetGeoTransform()
        coarse = str(tmp_path / "in" / "coarse.tif")
        gdal.Warp(coarse, paths[2], xRes=gt[1] * 1.5, yRes=-gt[5] * 1.5)
        paths[2] = coarse
    out = tmp_path / "out"
    result = run_match(paths, Outputs("out"), mosaic=MosaicOptions(os.path.join("out", "m.vrt")))
    monkeypatch.chdir(tmp_path / "in")  # read from elsewhere
    texts = [(out / "m.vrt").read_text()] + [
        p.read_text() for p in (out / "m_parts").iterdir() if p.suffix == ".vrt"]
    assert not any(".partial" in text for text in texts)
    assert all(os.path.basename(p) in "".join(texts) for p in result.outputs)
    assert any("view_" in text for text in texts) == mixed
    ds = gdal.Open(str(out / "m.vrt"))
    values = ds.ReadAsArray()
    ds = None
    assert values.any() and leftovers(tmp_path) == []


_KILLED_COMMIT = """
import os, sys
sys.path.insert(0, sys.argv[1])
from spectralmatch.core.io import atomic
folder, kill_at = sys.argv[2], int(sys.argv[3])
outputs = atomic.OutputSet()
for name in ("new.tif", "a.tif", "b.tif", "c.tif"):
    with open(outputs.temporary_for(os.path.join(folder, name)), "w") as f:
        f.write("newer " + name)
renames = [0]
replace = os.replace
def dying_replace(src, dst):
    if src.endswith(".partial.tif"):  # a temporary into place (not the journal's own)
        renames[0] += 1
        if renames[0] == kill_at:
            os._exit(9)  # killed outright: no Python clean-up runs
    replace(src, dst)
atomic.os.replace = dying_replace
outputs.commit()
"""


@pytest.mark.parametrize("kill_at", [1, 2, 4])
def test_a_commit_killed_half_way_is_undone_by_the_next_run(tmp_path, kill_at):
    """The process dies between two renames of the commit (os._exit: nothing of Python's
    runs): the folder holds some newer and some older files. The next run into it, before
    writing, puts the older set back whole, newer files and temporaries gone."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.tif", "b.tif", "c.tif"):
        (out / name).write_text("older " + name)
    (out / "a.tif.aux.xml").write_text("older statistics")  # goes with a.tif (no newer one)
    script = tmp_path / "commit.py"
    script.write_text(_KILLED_COMMIT)
    plugins = os.path.dirname(os.path.dirname(spectralmatch.__file__))
    done = subprocess.run([sys.executable, str(script), plugins, str(out), str(kill_at)],
                          capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    newer = [n for n in ("a.tif", "b.tif", "c.tif") if (out / n).read_text().startswith("newer")]
    assert len(newer) == max(kill_at - 2, 0)  # a mix, as a kill leaves it
    assert (out / "new.tif").exists() == (kill_at > 1)
    assert [p.name for p in out.iterdir() if "commit" in p.name]  # its journal is there
    remove_stale_temporaries(str(out), older_than=time.time() + 1)
    assert sorted(p.name for p in out.iterdir()) == ["a.tif", "a.tif.aux.xml", "b.tif",
                                                      "c.tif"]
    assert (out / "a.tif.aux.xml").read_text() == "older statistics"
    assert [(out / n).read_text() for n in ("a.tif", "b.tif", "c.tif")] == [
        "older a.tif", "older b.tif", "older c.tif"]
