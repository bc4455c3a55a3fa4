"""The same runs on a Dask cluster (issue 19): bit-identical outputs, faults, cancel, checks.

One LocalCluster of two worker processes serves the module; the tests through Processing
and qgis_process start their own with ``local:2``, as users do.
"""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

import synthetic as S
from spectralmatch.core import (Cancelled, Feedback, InputError, Outputs, Statistics,
                                Streaming, apply_model, run_global, run_local, run_match)
from spectralmatch.core.errors import ClusterError
from spectralmatch.core.io.atomic import file_digest
from synthetic import GAINS, OFFSETS

distributed = pytest.importorskip("distributed")  # scripts/setup.sh installs it

pytestmark = pytest.mark.dask
WINDOW = Streaming(window=64)  # several windows per input: several tasks per pass


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, for the whole module."""
    local = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                     dashboard_address=None, silence_logs=50)
    client = distributed.Client(local)
    yield client
    client.close()
    local.close()


@pytest.fixture(scope="module")
def tiles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    tiles = S.make_set(str(folder), GAINS, OFFSETS)
    # One input in another CRS and pixel size: its statistics read a warped view in memory.
    other = str(folder / "tile_3_utm4.tif")
    gdal.Warp(other, tiles[3].path, dstSRS="EPSG:32604", xRes=45.0, yRes=45.0,
              resampleAlg="average", srcNodata=0, dstNodata=0, creationOptions=["TILED=YES"])
    return [t.path for t in tiles[:3]] + [other]


def on(client, **kw):
    return Streaming(window=64, scheduler=client.scheduler.address, **kw)


def same_files(a, b):
    assert [os.path.basename(p) for p in a] == [os.path.basename(p) for p in b]
    for x, y in zip(a, b):
        assert file_digest(x) == file_digest(y), x


def only_outputs(folder, names):
    """The folder holds exactly ``names``: no temporary left, now or a moment later."""
    for _ in range(2):  # a folder the run made is removed with its outputs
        found = os.listdir(folder) if os.path.exists(folder) or names else []
        assert sorted(found) == sorted(names)
        time.sleep(0.5)


def write_polygon(path, tile_path):
    """A square over the middle of a tile, in WGS 84, as an exclusion layer."""
    ds = gdal.Open(tile_path)
    gt, w, h = ds.GetGeoTransform(), ds.RasterXSize, ds.RasterYSize
    src = osr.SpatialReference(wkt=ds.GetProjection())
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to = osr.CoordinateTransformation(src, wgs)
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7), (0.3, 0.3)]:
        ring.AddPoint_2D(*to.TransformPoint(gt[0] + x * w * gt[1], gt[3] + y * h * gt[5])[:2])
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    out = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = out.CreateLayer("clouds", wgs, ogr.wkbPolygon)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(poly)
    layer.CreateFeature(feature)
    out = None


def test_runs_on_the_cluster_write_the_same_bytes(cluster, tiles, tmp_path):
    """match (robust, mosaic off), globalmatch (with exclusion polygons), localmatch and
    applymodel: every output byte for byte as the in-process run writes it."""
    mask = str(tmp_path / "clouds.gpkg")
    write_polygon(mask, tiles[0])
    runs = {
        "match": lambda s, o: run_match(tiles, Outputs(o, model_out=o + ".json"), streaming=s,
                                        keep_global=True),
        "global": lambda s, o: run_global(tiles, Outputs(o), streaming=s,
                                          statistics=Statistics(exclude=mask)),
        "local": lambda s, o: run_local(tiles, Outputs(o), streaming=s,
                                        statistics=Statistics(robust=False)),
    }
    for name, run in runs.items():
        here = run(WINDOW, str(tmp_path / f"{name}_here"))
        there = run(on(cluster), str(tmp_path / f"{name}_there"))
        same_files(here.outputs + here.global_outputs, there.outputs + there.global_outputs)
        np.testing.assert_array_equal(here.global_model.gains, there.global_model.gains)
        only_outputs(tmp_path / f"{name}_there", [os.path.basename(p) for p in
                                                  there.outputs + there.global_outputs])
    model = str(tmp_path / "match_here.json")
    here = apply_model(model, tiles, Outputs(str(tmp_path / "apply_here")), WINDOW)
    there = apply_model(model, tiles, Outputs(str(tmp_path / "apply_there")), on(cluster))
    same_files(here.outputs, there.outputs)
    same_files(here.outputs, [str(tmp_path / "match_here" / os.path.basename(p))
                              for p in here.outputs])


class KillOnce(distributed.diagnostics.plugin.WorkerPlugin):
    """Kills the worker process running the first task of a pass, once (a marker file)."""

    def __init__(self, prefix, marker, delay):
        self.prefix, self.marker, self.delay = prefix, marker, delay

    def transition(self, key, start, finish, **kwargs):
        if not str(key).startswith(self.prefix) or finish != "executing":
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return
        threading.Timer(self.delay, os._exit, (1,)).start()


@pytest.mark.parametrize("stage, delay", [("statistics", 0.2), ("writing", 0.05)])
def test_a_worker_killed_mid_run_changes_nothing(cluster, tiles, tmp_path, stage, delay):
    expected = run_match(tiles, Outputs(str(tmp_path / "here")), streaming=WINDOW)
    marker = str(tmp_path / "killed")
    name = f"kill-{stage}"
    cluster.register_worker_plugin(KillOnce(f"spectralmatch-{stage}-", marker, delay), name)
    try:
        result = run_match(tiles, Outputs(str(tmp_path / "there")), streaming=on(cluster))
    finally:
        cluster.unregister_worker_plugin(name)
        cluster.wait_for_workers(2, timeout=60)
    assert os.path.exists(marker)  # a worker did die
    same_files(expected.outputs, result.outputs)
    only_outputs(tmp_path / "there", [os.path.basename(p) for p in result.outputs])


def test_cancel_while_writing_on_the_cluster_leaves_nothing(cluster, tiles, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "tile_0_matched.tif").write_bytes(b"an older result")
    progress = [0.0]
    feedback = Feedback(progress=lambda f: progress.__setitem__(0, f),
                        is_canceled=lambda: progress[0] > 0.5)  # the writing pass: 0.45..1
    with pytest.raises(Cancelled):
        run_match(tiles, Outputs(str(out)), streaming=on(cluster), feedback=feedback)
    only_outputs(out, ["tile_0_matched.tif"])
    assert (out / "tile_0_matched.tif").read_bytes() == b"an older result"


def test_an_input_a_worker_cannot_open_is_named_with_the_worker(cluster, tiles, tmp_path):
    # A file in this process's memory file system: here it opens, on a worker it does not.
    local = "/vsimem/only_here.tif"
    gdal.Translate(local, tiles[0])
    try:
        with pytest.raises(InputError) as err:
            run_global([local] + tiles[1:], Outputs(str(tmp_path / "out")),
                       streaming=on(cluster))
    finally:
        gdal.Unlink(local)
    message = str(err.value)
    assert message.startswith(f"{local}: worker tcp://") and "same paths" in message
    only_outputs(tmp_path / "out", [])


def test_a_lost_cluster_fails_the_run_cleanly(tiles, tmp_path, monkeypatch):
    """The scheduler goes away while images are written: a message, and no output."""
    from spectralmatch.core.io import cluster as dask_cluster

    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT", "2s")  # how long it waits to see
    local = distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1,
                                     dashboard_address=None, silence_logs=50)
    out = tmp_path / "out"

    def progress(fraction):
        if fraction > 0.5 and local.status.name == "running":
            local.close()

    try:
        with pytest.raises(ClusterError, match="lost|cannot be reached|killing"):
            run_global(tiles, Outputs(str(out)), streaming=Streaming(
                window=64, scheduler=local.scheduler_address), feedback=Feedback(progress))
    finally:
        local.close()
    only_outputs(out, [])


def test_scheduler_strings_and_a_missing_dask_give_clear_errors(tiles, tmp_path):
    with pytest.raises(InputError, match="local:N"):
        run_global(tiles, Outputs(str(tmp_path / "a")), streaming=Streaming(scheduler="local:x"))
    # Without Dask: the plugin's algorithms still load, and a scheduler says what to install.
    code = (
        "import sys; sys.modules['distributed'] = None; sys.path[:0] = sys.argv[1:3]\n"
        "import spectralmatch.algorithms.match\n"
        "from spectralmatch.core import Outputs, Streaming, run_global\n"
        "try:\n"
        "    run_global(sys.argv[3:], Outputs(sys.argv[3] + '.out'), "
        "streaming=Streaming(scheduler='local:2'))\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    plugins = [p for p in sys.path if "spectralmatch-plugins-" in p]
    done = subprocess.run([sys.executable, "-c", code, plugins[0], plugins[0], *tiles],
                          capture_output=True, text=True, timeout=120)
    assert "ClusterError" in done.stdout, done.stdout + done.stderr
    assert "apt install python3-distributed" in done.stdout
    assert 'pip install "dask[distributed]"' in done.stdout


ALGORITHMS = ("match", "globalmatch", "localmatch", "applymodel")


def test_processing_run_with_a_local_cluster(provider, tiles, tmp_path):
    import processing
    from qgis.core import QgsApplication, QgsProcessingParameterDefinition

    for name in ALGORITHMS:
        alg = QgsApplication.processingRegistry().algorithmById(f"spectralmatch:{name}")
        param = alg.parameterDefinition("SCHEDULER")
        assert param is not None, name
        assert param.flags() & QgsProcessingParameterDefinition.FlagAdvanced
        assert "same paths" in param.help()
    outputs = {}
    for scheduler in ("", "local:2"):
        out = tmp_path / f"out{scheduler.replace(':', '')}"
        result = processing.run("spectralmatch:localmatch", {
            "INPUT": tiles, "OUTPUT": str(out), "BLOCKS": 16, "SCHEDULER": scheduler})
        outputs[scheduler] = result["OUTPUT_LAYERS"]
    same_files(outputs[""], outputs["local:2"])


def test_qgis_process_with_a_local_cluster(qgis_process, tiles, tmp_path):
    expected = run_global(tiles, Outputs(str(tmp_path / "here")))
    out = tmp_path / "cli"
    args = ["run", "spectralmatch:globalmatch", "--"] + [f"INPUT={p}" for p in tiles]
    proc = qgis_process(*args, f"OUTPUT={out}", "SCHEDULER=local:2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "local Dask cluster of 2 worker processes" in proc.stdout
    same_files(expected.outputs, [str(out / os.path.basename(p)) for p in expected.outputs])
    only_outputs(out, [os.path.basename(p) for p in expected.outputs])


def test_a_scheduler_nobody_listens_at_is_named_in_the_fix(monkeypatch):
    """Nothing listens at the address (a real client, a shortened timeout): the message
    names the address in the commands it suggests, not a placeholder."""
    import spectralmatch.core.io.cluster as cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(ClusterError) as err:
        with cluster.connect("tcp://127.0.0.1:1", Feedback()):
            pass
    message = str(err.value)
    assert "cannot be reached" in message and "{value}" not in message
    assert "`dask worker tcp://127.0.0.1:1`" in message
