"""Issue 15, points 3 to 6: interrupted, concurrent and disk-full runs leave nothing partial,
and older outputs intact; no exception escapes checkParameterValues.

The qgis_process runs of one test go in parallel (each in a folder of its own), so that
QGIS's start-up is paid about once.
"""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from osgeo import gdal

import synthetic as S
from spectralmatch.core import (Feedback, InputError, Outputs, Streaming,
                                run_global, run_match)
from synthetic import GAINS, OFFSETS
from tree_state import LOCK, TEMPORARY, leftovers, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def big_tiles(folder, factor=2):
    """The test scene's four tiles, each ``factor`` times larger, so that every stage of a
    run lasts long enough to be caught."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for tile in S.make_set(folder, GAINS, OFFSETS):
        path = tile.path.replace(".tif", "_big.tif")
        ds = gdal.Open(tile.path)
        gdal.Translate(path, ds, width=ds.RasterXSize * factor, height=ds.RasterYSize * factor,
                       creationOptions=["TILED=YES", "COMPRESS=DEFLATE"])
        ds = None
        os.remove(tile.path)
        paths.append(path)
    return paths


def _moment_reached(out, moment):
    """Whether a run into ``out`` has reached ``moment``: "lock" (statistics), "raster"
    (writing its rasters), "mosaic" (writing its mosaic)."""
    try:
        names = os.listdir(out)
    except OSError:
        return False
    if moment == "lock":
        return LOCK in names
    prefix = ".m.tif." if moment == "mosaic" else ".tile_"
    return any(TEMPORARY.match(n) and n.startswith(prefix) for n in names)


# (signal, moment, through): qgis_process for the command line, and the same core run from
# a plain Python script (a second's start-up instead of QGIS's) for the other moments.
MOMENTS = [(signal.SIGTERM, "raster", "qgis_process"), (signal.SIGINT, "mosaic", "qgis_process"),
           (signal.SIGTERM, "lock", "python"), (signal.SIGTERM, "mosaic", "python"),
           (signal.SIGINT, "lock", "python"), (signal.SIGINT, "raster", "python")]

SCRIPT_RUN = """
import sys
sys.path.insert(0, {plugins!r})
from spectralmatch.core import *
try:
    run_match({inputs!r}, Outputs({out!r}, model_out={model!r}),
              mosaic=MosaicOptions({mosaic!r}), streaming=Streaming(threads=1))
except Cancelled as exc:
    print("Cancelled:", exc)
    sys.exit(1)
"""


def test_sigterm_and_sigint_at_several_moments_leave_nothing(qgis_process, tmp_path):
    import conftest

    inputs = big_tiles(str(tmp_path / "in"))
    env = dict(qgis_process.env, GDAL_PAM_ENABLED="NO")
    before_inputs = snapshot(tmp_path / "in")
    runs = []
    for sig, moment, through in MOMENTS:
        out = tmp_path / f"{sig.name}_{moment}_{through}"
        out.mkdir()
        (out / "tile_0_big_matched.tif").write_text("an older output")
        (out / "m.tif").write_text("an older mosaic")
        (out / "m.json").write_text("an older model")
        before = snapshot(out)
        if through == "qgis_process":
            args = (["qgis_process.bin", "run", "spectralmatch:match", "--"]
                    + [f"INPUT={p}" for p in inputs]
                    + [f"OUTPUT={out}", f"MOSAIC={out / 'm.tif'}",
                       f"MODEL_OUT={out / 'm.json'}", "THREADS=1"])
        else:
            args = [sys.executable, "-c", SCRIPT_RUN.format(
                plugins=conftest.PLUGINS, inputs=inputs, out=str(out),
                model=str(out / "m.json"), mosaic=str(out / "m.tif"))]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        runs.append([sig, moment, out, before, proc, False])
    deadline = time.time() + 240
    while time.time() < deadline and any(r[4].poll() is None for r in runs):
        for run in runs:
            sig, moment, out, _, proc, sent = run
            if not sent and proc.poll() is None and _moment_reached(out, moment):
                proc.send_signal(sig)
                run[5] = True
        time.sleep(0.002)
    for sig, moment, out, before, proc, sent in runs:
        stdout, stderr = proc.communicate(timeout=60)
        text = stdout + stderr
        assert sent, (sig, moment, text)
        assert proc.returncode != 0, (sig, moment, text)
        assert f"interrupted by {sig.name}" in text, (sig, moment, text)
        assert "Traceback" not in text
        assert snapshot(out) == before, (sig, moment)  # older outputs intact, nothing new
        assert leftovers(out) == [], (sig, moment)
    assert snapshot(tmp_path / "in") == before_inputs


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    """Two runs at once into one folder (here: two threads of one process, the desktop's
    case; another process is refused the same way): the second is refused with a clear
    message while the first goes on, and the first's outputs are complete."""
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    paths = [t.path for t in tiles]
    out = tmp_path / "out"
    writing, go_on = threading.Event(), threading.Event()

    def paused():
        if any(TEMPORARY.match(n) for n in os.listdir(out)):
            writing.set()
            go_on.wait(60)
        return False

    result = {}
    first = threading.Thread(target=lambda: result.setdefault("first", run_global(
        paths, Outputs(str(out), report=str(out / "r.html")), streaming=Streaming(window=64),
        feedback=Feedback(is_canceled=paused))))
    first.start()
    assert writing.wait(60)
    before = snapshot(tmp_path)
    with pytest.raises(InputError) as err:
        run_match(paths, Outputs(str(out), model_out=str(tmp_path / "model.json")))
    assert "another spectralmatch run" in str(err.value) and str(out) in str(err.value)
    # Nothing of the second run: the same files, and the same bytes but in the first run's
    # temporaries, which its flush thread may still be writing (only the thread that asks
    # whether to cancel is paused).
    after = snapshot(tmp_path)
    assert after.keys() == before.keys()
    assert {k: v for k, v in after.items() if not TEMPORARY.match(os.path.basename(k))} == {
        k: v for k, v in before.items() if not TEMPORARY.match(os.path.basename(k))}
    go_on.set()
    first.join(60)
    assert [os.path.basename(p) for p in result["first"].outputs] == [
        f"tile_{k}_global.tif" for k in range(4)]
    assert sorted(os.listdir(out)) == ["r.html", "r.json"] + [
        f"tile_{k}_global.tif" for k in range(4)]


@pytest.fixture
def live_lock_holder(tmp_path):
    """Two tiles, an empty output folder, and a live process of the test's own (killed at
    the end) whose id the tests write into the folder's lock."""
    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    out = tmp_path / "out"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield [t.path for t in tiles], out, sleeper
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_lock_of_a_live_process_refuses_and_a_dead_ones_is_taken_over(tmp_path,
                                                                         live_lock_holder):
    import socket

    paths, out, sleeper = live_lock_holder
    (out / LOCK).write_text(f"{sleeper.pid} {socket.gethostname()}\n")
    with pytest.raises(InputError, match=f"process {sleeper.pid}.*Fix: wait"):
        run_global(paths, Outputs(str(out)))
    assert os.listdir(out) == [LOCK]
    sleeper.kill()
    sleeper.wait()
    result = run_global(paths, Outputs(str(out)))  # its process is gone: stale
    assert len(result.outputs) == 2 and leftovers(tmp_path) == []


def test_a_lock_whose_process_id_went_to_another_process_is_taken_over(tmp_path,
                                                                       live_lock_holder):
    """A run killed outright leaves its lock; its process id may later belong to another,
    unrelated process. The lock records when its process started: a live process of that id
    that started at another time does not hold it."""
    import socket

    paths, out, sleeper = live_lock_holder
    with open(f"/proc/{sleeper.pid}/stat") as f:
        started = f.read().rsplit(")", 1)[1].split()[19]
    (out / LOCK).write_text(f"{sleeper.pid} {socket.gethostname()} {started}\n")
    with pytest.raises(InputError, match=f"process {sleeper.pid}"):
        run_global(paths, Outputs(str(out)))  # the same process: held
    (out / LOCK).write_text(f"{sleeper.pid} {socket.gethostname()} {int(started) - 7}\n")
    result = run_global(paths, Outputs(str(out)))  # another process of that id: stale
    assert len(result.outputs) == 2 and leftovers(tmp_path) == []


# -- disk full, for each kind of output ---------------------------------------------------

DISK_FULL = {
    # kind: (limit in kB, what the run writes); the limit lets the smaller outputs through
    "report": (1500, "run_global(paths, Outputs(out, report=os.path.join(out, 'r.html')))"),
    # (2000 blocks per image: a model of about 760 kB, one surface of node values per image)
    "model": (400, "run_match(paths, Outputs(out, model_out=os.path.join(out, 'm.json')), "
                    "local_fit=LocalFit(blocks_per_image=2000))"),
    "mosaic": (400, "run_mosaic(paths, MosaicOptions(os.path.join(out, 'm.tif')))"),
    "VRT mosaic": (2, "run_mosaic(paths, MosaicOptions(os.path.join(out, 'm.vrt')))"),
    "seamlines": (60, "run_mosaic(paths, MosaicOptions(os.path.join(out, 'm.vrt'), "
                      "seamlines_out=os.path.join(out, 's.gpkg')))"),
}

SCRIPT = """
import os, resource, signal, sys
sys.path.insert(0, {plugins!r})
from spectralmatch.core import *
paths, out = {paths!r}, {out!r}
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit} * 1024, {limit} * 1024))
try:
    {call}
except InputError as exc:
    print("REFUSED", exc)
else:
    print("WRITTEN")
"""


def test_disk_full_for_each_kind_of_output_leaves_nothing(tmp_path):
    """Each output kind hits a full disk (a file size limit smaller than it, larger than
    the others): a message naming the file, nothing new, the older outputs intact. (The
    rasters' case through qgis_process: test_bad_inputs::test_disk_full_mid_run_leaves_nothing.)"""
    import conftest

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    paths = [t.path for t in tiles]
    procs = {}
    befores = {}
    try:
        import plotly  # noqa: F401 - without it the report is small, and cannot fill a disk
        kinds = DISK_FULL
    except ImportError:
        kinds = {k: v for k, v in DISK_FULL.items() if k != "report"}
    for kind, (limit, call) in kinds.items():
        out = tmp_path / kind.replace(" ", "_")
        out.mkdir()
        for name in ("r.html", "m.json", "m.tif", "s.gpkg", "tile_0_global.tif"):
            (out / name).write_text(f"an older {name}")
        befores[kind] = snapshot(out)
        script = SCRIPT.format(plugins=conftest.PLUGINS, paths=paths, out=str(out),
                               limit=limit, call=call)
        procs[kind] = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
    before_inputs = {p: S.file_digest(p) for p in paths}
    for kind, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=240)
        out = tmp_path / kind.replace(" ", "_")
        assert stdout.startswith("REFUSED"), (kind, stdout, stderr)
        assert "failed" in stdout and "Fix: check free space" in stdout, (kind, stdout)
        assert "Exception ignored" not in stderr and "Traceback" not in stderr, (kind, stderr)
        assert snapshot(out) == befores[kind], kind
        assert leftovers(out) == [], kind
    assert {p: S.file_digest(p) for p in paths} == before_inputs


# -- no exception escapes checkParameterValues ----------------------------------------------

def test_check_parameter_values_never_raises(provider, tmp_path):
    from qgis.core import QgsProcessingContext

    context = QgsProcessingContext()
    missing = str(tmp_path / "gone.tif")
    for alg in provider.algorithms():
        for params in ({}, {"INPUT": missing}, {"INPUT": [missing, missing]},
                       {"INPUT": [missing], "MODEL": missing, "OUTPUT": str(tmp_path)},
                       {"INPUT": 12, "REFERENCE": object()}):
            ok, message = alg.checkParameterValues(params, context)
            assert ok is False and message, (alg.id(), params)


def test_applymodel_with_a_missing_input_exits_with_a_message(qgis_process, tmp_path):
    """Issue 15, point 8's crash: exit 134 from an exception in checkParameterValues."""
    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    model = str(tmp_path / "m.json")
    run_global([t.path for t in tiles], Outputs(str(tmp_path / "o"), model_out=model))
    proc = qgis_process("run", "spectralmatch:applymodel", "--",
                        f"INPUT={tmp_path / 'gone.tif'}", f"MODEL={model}",
                        f"OUTPUT={tmp_path / 'again'}")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "gone.tif" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "again").exists()


def test_a_lock_interrupted_while_being_taken_is_released(tmp_path):
    """An interrupt can come right after the lock file is made and before it is written:
    release() removes it all the same, and never a lock another process holds."""
    from spectralmatch.core.io.locks import LOCK_NAME, FolderLocks

    path = tmp_path / LOCK_NAME
    locks = FolderLocks([str(tmp_path)])
    locks._creating = str(path)  # os.open made the file; the interrupt came before the write
    path.write_text("")
    locks.release()
    assert not path.exists()
    path.write_text(f"{os.getpid() + 1} otherhost\n")  # another run's lock, never ours
    locks._creating = str(path)
    locks.release()
    assert path.exists()


@pytest.mark.parametrize("driver", ["GTiff", "COG"])
def test_a_signal_while_gdal_builds_overviews_is_an_interruption(tmp_path, driver):
    """SIGTERM arrives while GDAL builds a mosaic's overviews (or converts it to a COG): the
    only Python code running then is GDAL's progress callback. The interruption raised there
    was printed as an ignored exception, GDAL failed with "User terminated", and the run
    said "writing the mosaic failed ... check free space"."""
    from spectralmatch.core import Interrupted, MosaicOptions, RasterFormat, run_mosaic

    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    (tmp_path / "m.tif").write_text("an older mosaic")
    stage = []
    sent = []

    def progress(fraction):
        if stage and stage[-1] in ("overviews", "cog") and not sent:
            sent.append(fraction)
            os.kill(os.getpid(), signal.SIGTERM)

    feedback = Feedback(progress=progress, phase=stage.append)
    with pytest.raises(Interrupted, match="interrupted by SIGTERM"):
        run_mosaic([t.path for t in tiles], MosaicOptions(
            str(tmp_path / "m.tif"), raster=RasterFormat(driver=driver, overviews=True)),
            feedback=feedback)
    assert sent
    assert (tmp_path / "m.tif").read_text() == "an older mosaic"
    assert leftovers(tmp_path) == []


def test_a_full_disk_met_again_as_the_mosaic_is_closed_prints_no_traceback(tmp_path):
    """A mosaic larger than GDAL's block cache, uncompressed, on a disk that fills up: the
    write fails (reported), and GDAL meets the full disk once more as the dataset is
    dropped, in its destructor, which Python printed as an exception it ignored, with a
    traceback on stderr."""
    import conftest

    paths = big_tiles(str(tmp_path / "in"), factor=6)
    out = tmp_path / "out"
    out.mkdir()
    call = ("run_mosaic(paths, MosaicOptions(os.path.join(out, 'm.tif'), "
            "raster=RasterFormat(creation_options=('COMPRESS=NONE',))))")
    script = SCRIPT.format(plugins=conftest.PLUGINS, paths=paths, out=str(out), limit=8000,
                           call=call)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=240)
    assert done.stdout.startswith("REFUSED") and "Fix: check free space" in done.stdout, (
        done.stdout, done.stderr)
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr, \
        done.stderr
    assert os.listdir(out) == []


def test_a_signal_while_a_thread_starts_is_taken_up_once_it_has(monkeypatch):
    """Raised inside threading.Thread.start (a pool starting a worker), the interruption
    left the new thread to find itself gone from threading's books: "KeyError: <Thread
    (spectralmatch-flush_0 ...)>" and a traceback on stderr (seen in CI, at random)."""
    from spectralmatch.core.errors import Interrupted
    from spectralmatch.core.runs.interrupts import interrupts_cancel_the_run

    name = ("_start_new_thread" if hasattr(threading, "_start_new_thread")
            else "_start_joinable_thread")
    original = getattr(threading, name)

    def starting(*args, **kwargs):  # the signal comes while Thread.start runs
        os.kill(os.getpid(), signal.SIGTERM)
        return original(*args, **kwargs)

    errors, done = [], []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    with pytest.raises(Interrupted, match="interrupted by SIGTERM"):
        with interrupts_cancel_the_run():
            monkeypatch.setattr(threading, name, starting)
            thread = threading.Thread(target=done.append, args=(1,))
            thread.start()
            monkeypatch.setattr(threading, name, original)
            done.append("started")
            time.sleep(5)  # taken up here, a moment later
    thread.join(5)
    assert "started" in done and 1 in done and errors == []
