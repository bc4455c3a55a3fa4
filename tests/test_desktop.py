"""The plugin in the desktop: its dialog, the background task, results on the map."""
import os
import time

import pytest
from qgis.core import Qgis, QgsApplication, QgsProject, QgsRasterLayer, QgsTask
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import QCoreApplication, Qt

import synthetic as S
from spectralmatch.spectralmatch_plugin.dialog import MatchDialog, MatchRequest
from spectralmatch.spectralmatch_plugin.task import MatchTask
from synthetic import GAINS, OFFSETS


@pytest.fixture
def project(tmp_path):
    """A real project holding the four tiles as layers."""
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    project = QgsProject()
    layers = [QgsRasterLayer(t.path, f"tile {k}") for k, t in enumerate(tiles)]
    project.addMapLayers(layers)
    yield project, layers, tiles
    project.clear()


class Messages:
    """Notifications go to a real QgsMessageBar; the test reads them back."""

    def __init__(self):
        self.bar = QgsMessageBar()
        self.seen = []

    def __call__(self, level, text):
        self.bar.pushMessage("Spectral match", text, level, 0)
        self.seen.append((level, text))


def wait_for(task, timeout=120):
    """Run the event loop until the task has finished and reported."""
    done = []
    task.taskCompleted.connect(lambda: done.append("completed"))
    task.taskTerminated.connect(lambda: done.append("terminated"))
    QgsApplication.taskManager().addTask(task)
    end = time.time() + timeout
    while not done and time.time() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    assert done, "the task did not finish in time"
    return done[0]


def request_for(tiles, folder, **kw):
    args = dict(paths=[t.path for t in tiles], names=[f"t{k}" for k in range(len(tiles))],
                local=True, folder=str(folder), reference=None, blocks_per_image=200,
                method="linear")
    args.update(kw)
    return MatchRequest(**args)


def test_dialog_lists_rasters_with_the_selected_checked(project, tmp_path):
    project, layers, tiles = project
    dialog = MatchDialog(project, selected=[layers[0], layers[2]])
    states = {dialog.layers.item(i).text(): dialog.layers.item(i).checkState()
              for i in range(dialog.layers.count())}
    assert states == {"tile 0": Qt.Checked, "tile 1": Qt.Unchecked, "tile 2": Qt.Checked,
                      "tile 3": Qt.Unchecked}
    ok = dialog.buttons.button(dialog.buttons.Ok)
    assert ok.isEnabled()
    dialog.layers.item(2).setCheckState(Qt.Unchecked)
    assert not ok.isEnabled()  # one raster is not enough
    dialog.layers.item(3).setCheckState(Qt.Checked)
    dialog.folder.setFilePath(str(tmp_path / "out"))
    dialog.method.setCurrentIndex(1)
    request = dialog.request()
    assert request.paths == [tiles[0].path, tiles[3].path] and not request.local
    # The dialog remembers its settings.
    again = MatchDialog(project)
    assert again.folder.filePath() == str(tmp_path / "out")
    assert again.method.currentIndex() == 1
    again.method.setCurrentIndex(0)
    again.request()


def test_task_writes_files_and_adds_a_layer_group(project, tmp_path):
    project, layers, tiles = project
    messages = Messages()
    task = MatchTask(request_for(tiles, tmp_path / "out"), project, messages)
    assert wait_for(task) == "completed"
    names = sorted(os.listdir(tmp_path / "out"))
    assert names == [f"tile_{k}_matched.tif" for k in range(4)]
    group = project.layerTreeRoot().findGroup(task.group_name)
    assert group is not None and task.group_name.startswith("Spectral match ")
    assert sorted(layer.name() for layer in group.findLayers()) == [n[:-4] for n in names]
    assert all(node.layer().isValid() for node in group.findLayers())
    # Outputs are drawn like the layers they come from.
    by_name = {node.layer().name(): node.layer() for node in group.findLayers()}
    assert by_name["tile_2_matched"].renderer().type() == layers[2].renderer().type()
    level, text = messages.seen[-1]
    assert level == Qgis.Success and str(tmp_path / "out") in text
    assert messages.bar.currentItem() is not None


def test_cancelling_the_task_leaves_no_files_and_no_layers(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    project = QgsProject()
    messages = Messages()
    task = MatchTask(request_for(tiles, tmp_path / "out"), project, messages)
    # Progress is reported from the worker thread: cancel as soon as the run is under way.
    task.progressChanged.connect(lambda p: task.cancel() if p > 0 else None)
    assert wait_for(task) == "terminated"
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []
    assert project.layerTreeRoot().children() == []
    assert messages.seen == [(Qgis.Info, "Spectral match was cancelled; no output was kept.")]


@pytest.mark.parametrize("local", [True, False])
def test_task_with_the_mosaic_puts_it_on_top(project, tmp_path, local):
    project, layers, tiles = project
    dialog = MatchDialog(project, selected=layers)
    dialog.mosaic.setChecked(True)
    dialog.folder.setFilePath(str(tmp_path / "out"))
    request = dialog.request()
    assert request.mosaic
    from dataclasses import replace
    task = MatchTask(replace(request, local=local), project, Messages())
    assert wait_for(task) == "completed"
    assert "mosaic.tif" in os.listdir(tmp_path / "out")
    group = project.layerTreeRoot().findGroup(task.group_name)
    assert [node.layer().name() for node in group.findLayers()][0] == "mosaic"
    assert group.findLayers()[0].layer().isValid()
    assert MatchDialog(project).mosaic.isChecked()  # remembered


def test_cancelling_while_mosaicking_keeps_the_matched_rasters_and_says_so(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    project = QgsProject()
    messages = Messages()

    class CancelledInTheMosaic(MatchTask):
        """Cancelled once the matched rasters are written (80%: the mosaic's part begins),
        from the worker thread itself: a cancel() queued from the progress signal can
        arrive after so short a run."""

        def isCanceled(self):  # noqa: N802
            return self.progress() > 79.5

    task = CancelledInTheMosaic(request_for(tiles, tmp_path / "out", mosaic=True), project,
                                messages)
    assert wait_for(task) == "terminated"
    assert sorted(os.listdir(tmp_path / "out")) == [f"tile_{k}_matched.tif" for k in range(4)]
    level, text = messages.seen[-1]
    assert level == Qgis.Info and "while mosaicking" in text and "kept" in text
    assert project.layerTreeRoot().children() == []


def test_input_deleted_after_the_dialog_ends_in_a_message(project, tmp_path):
    project, layers, tiles = project
    dialog = MatchDialog(project, selected=layers)
    dialog.folder.setFilePath(str(tmp_path / "out"))
    request = dialog.request()
    os.remove(tiles[1].path)
    messages = Messages()
    task = MatchTask(request, project, messages)
    assert wait_for(task) == "terminated"
    level, text = messages.seen[-1]
    assert level == Qgis.Critical and tiles[1].path in text and "Fix:" in text
    assert "Traceback" not in text
    assert project.layerTreeRoot().findGroup(task.group_name) is None


def test_plugin_action_in_raster_menu_and_task_through_the_plugin(qgis_iface, project, tmp_path):
    import spectralmatch

    project, layers, tiles = project
    plugin = spectralmatch.classFactory(qgis_iface)
    registry = QgsApplication.processingRegistry()
    if registry.providerById("spectralmatch") is not None:
        registry.removeProvider(registry.providerById("spectralmatch"))
    plugin.initGui()
    try:
        assert plugin.action.text() == "Match selected rasters…"
        assert not plugin.action.icon().isNull()
        qgis_iface.addPluginToRasterMenu.assert_called_once_with("Spectral match", plugin.action)
        qgis_iface.addRasterToolBarIcon.assert_called_once_with(plugin.action)
        task = plugin.start(request_for(tiles[:2], tmp_path / "out", local=False))
        end = time.time() + 60
        while task.status() not in (QgsTask.Complete, QgsTask.Terminated) or plugin.tasks:
            QCoreApplication.processEvents()
            time.sleep(0.01)
            assert time.time() < end
        assert sorted(os.listdir(tmp_path / "out")) == ["tile_0_global.tif", "tile_1_global.tif"]
    finally:
        plugin.unload()


MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models",
                     "global_then_local.model3")


def test_model_chains_global_into_local(provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingModelAlgorithm

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, fields=[(0.15, a) for a in (0.3, 2, 4, 5.5)])
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(MODEL)
    assert [c.algorithmId() for c in model.childAlgorithms().values()].count(
        "spectralmatch:localmatch") == 1
    out = tmp_path / "model_out"
    result = processing.run(model, {"INPUT": [t.path for t in tiles], "BLOCKS": 200,
                                    "localmatch:OUTPUT": str(out)})
    assert result["localmatch:OUTPUT"] == str(out)
    files = sorted(os.listdir(out))
    assert files == [f"tile_{k}_global_local.tif" for k in range(4)]
    glob_mad = S.overlap_mad(tiles, [t.path for t in tiles]).mean()
    assert S.overlap_mad(tiles, [str(out / f) for f in files]).mean() < 0.1 * glob_mad


def test_qgis_process_runs_the_model_file(qgis_process, tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    out = tmp_path / "cli"
    proc = qgis_process("run", MODEL, "--", f"INPUT={tiles[0].path}", f"INPUT={tiles[1].path}",
                        f"localmatch:OUTPUT={out}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(os.listdir(out)) == ["tile_0_global_local.tif", "tile_1_global_local.tif"]


MOSAIC_MODEL = os.path.join(os.path.dirname(MODEL), "match_then_mosaic.model3")


def test_mosaic_model_and_its_outputs_load_in_the_project(provider, qgis_process, tmp_path):
    """The example model match -> mosaic, run from the toolbox (its mosaic and seamlines
    load as layers) and by qgis_process.bin."""
    import processing
    from qgis.core import QgsProcessingModelAlgorithm

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(MOSAIC_MODEL)
    project = QgsProject.instance()
    before = set(project.mapLayers())
    try:
        result = processing.runAndLoadResults(model, {
            "INPUT": [t.path for t in tiles], "FEATHER": 60.0,
            "mosaic:OUTPUT": str(tmp_path / "mosaic.tif"),
            "mosaic:SEAMLINES_OUT": str(tmp_path / "seams.gpkg")})
        QCoreApplication.processEvents()
        added = [project.mapLayer(i) for i in set(project.mapLayers()) - before]
        sources = sorted(os.path.basename(layer.source().split("|")[0]) for layer in added)
        # The matched rasters of the first step load too, as every matching run's do.
        assert sources == ["mosaic.tif", "seams.gpkg"] + [
            f"tile_{k}_matched.tif" for k in range(4)], sources
        seams = next(layer for layer in added if layer.source().startswith(str(tmp_path /
                                                                                "seams")))
        assert seams.featureCount() == 4
        assert result["mosaic:OUTPUT"] == str(tmp_path / "mosaic.tif")
    finally:
        project.removeAllMapLayers()
    proc = qgis_process("run", MOSAIC_MODEL, "--", *[f"INPUT={t.path}" for t in tiles],
                        f"mosaic:OUTPUT={tmp_path / 'cli.vrt'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert QgsRasterLayer(str(tmp_path / "cli.vrt"), "cli").isValid()


def test_toolbox_run_loads_outputs_with_the_inputs_rendering(provider, tmp_path):
    import processing
    from qgis.core import QgsContrastEnhancement, QgsMultiBandColorRenderer

    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    project = QgsProject.instance()
    layers = [QgsRasterLayer(t.path, f"in{k}") for k, t in enumerate(tiles)]
    renderer = QgsMultiBandColorRenderer(layers[0].dataProvider(), 3, 2, 1)
    enhancement = QgsContrastEnhancement(Qgis.UInt16)
    enhancement.setMinimumValue(7000)
    enhancement.setMaximumValue(13000)
    renderer.setRedContrastEnhancement(enhancement)
    layers[0].setRenderer(renderer)
    project.addMapLayers(layers)
    try:
        before = set(project.mapLayers())
        result = processing.runAndLoadResults(
            "spectralmatch:globalmatch",
            {"INPUT": [layer.id() for layer in layers], "OUTPUT": str(tmp_path / "out")})
        QCoreApplication.processEvents()
        added = [project.mapLayer(i) for i in set(project.mapLayers()) - before]
        assert sorted(layer.name() for layer in added) == ["tile_0_global", "tile_1_global"]
        first = next(layer for layer in added if layer.name() == "tile_0_global")
        assert isinstance(first.renderer(), QgsMultiBandColorRenderer)
        assert first.renderer().redBand() == 3
        assert first.renderer().redContrastEnhancement().maximumValue() == 13000
        assert result["OUTPUT_LAYERS"][0] == str(tmp_path / "out" / "tile_0_global.tif")
    finally:
        project.removeAllMapLayers()
