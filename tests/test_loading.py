"""Toolbox and model runs in the project: outputs load as one matched set (one group, one
stretch), as rasters without OGR probing, seamlines as labelled outlines; the labels and
outputs the toolbox shows."""
import os

import numpy as np
import pytest
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsContrastEnhancement,
    QgsLayerTreeGroup,
    QgsLayerTreeRegistryBridge,
    QgsMultiBandColorRenderer,
    QgsProcessingModelAlgorithm,
    QgsProcessingOutputHtml,
    QgsProcessingParameterDefinition,
    QgsProject,
    QgsRasterLayer,
    QgsSingleBandGrayRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication

import synthetic as S
from spectralmatch.algorithms.loading import set_stretch
from synthetic import GAINS, OFFSETS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOSAIC_MODEL = os.path.join(ROOT, "models", "match_then_mosaic.model3")


class Log:
    """Every message of QgsApplication.messageLog() while it is open."""

    def __init__(self):
        self.messages = []

    def __enter__(self):
        QgsApplication.messageLog().messageReceived.connect(self.keep)
        return self

    def keep(self, message, tag, level):
        self.messages.append((tag, level, message))

    def __exit__(self, *exc):
        QCoreApplication.processEvents()
        QgsApplication.messageLog().messageReceived.disconnect(self.keep)

    def ogr(self):
        return [m for m in self.messages if m[0] == "OGR" or "Cannot open" in m[2]]


@pytest.fixture
def clean_project():
    project = QgsProject.instance()
    project.removeAllMapLayers()
    project.layerTreeRoot().removeAllChildren()
    yield project
    project.removeAllMapLayers()
    project.layerTreeRoot().removeAllChildren()


def looks(layers):
    """(bands, per band (min, max)) of each layer's renderer."""
    out = []
    for layer in layers:
        r = layer.renderer()
        if isinstance(r, QgsMultiBandColorRenderer):
            ces = (r.redContrastEnhancement(), r.greenContrastEnhancement(),
                   r.blueContrastEnhancement())
            bands = (r.redBand(), r.greenBand(), r.blueBand())
        else:
            assert isinstance(r, QgsSingleBandGrayRenderer), type(r)
            ces, bands = (r.contrastEnhancement(),), (r.grayBand(),)
        out.append((bands, [(ce.minimumValue(), ce.maximumValue()) for ce in ces]))
    return out


def added_groups(project, before):
    return [n for n in project.layerTreeRoot().children()
            if isinstance(n, QgsLayerTreeGroup) and n.name() not in before]


def test_toolbox_match_loads_one_set_in_one_group_with_one_stretch(provider, clean_project,
                                                                   tmp_path):
    import processing

    project = clean_project
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    inputs = [QgsRasterLayer(t.path, f"in{k}") for k, t in enumerate(tiles)]
    # The user draws the first input in true colour (bands 3, 2, 1 of blue, green, red, NIR).
    renderer = QgsMultiBandColorRenderer(inputs[0].dataProvider(), 3, 2, 1)
    enhancement = QgsContrastEnhancement(Qgis.UInt16)
    enhancement.setMinimumValue(7000)
    enhancement.setMaximumValue(13000)
    renderer.setRedContrastEnhancement(enhancement)
    inputs[0].setRenderer(renderer)
    project.addMapLayers(inputs)
    aux_before = sorted(f for f in os.listdir(tmp_path) if f.endswith(".aux.xml"))
    before = {n.name() for n in project.layerTreeRoot().children()}
    with Log() as log:
        result = processing.runAndLoadResults("spectralmatch:match", {
            "INPUT": [layer.id() for layer in inputs], "OUTPUT": str(tmp_path / "out"),
            "MOSAIC": str(tmp_path / "mosaic.tif"),
            "SEAMLINES_OUT": str(tmp_path / "seams.gpkg")})
    # Every output was opened as what it is: not one OGR warning ("Cannot open ...tif").
    assert log.ogr() == []
    groups = added_groups(project, before)
    assert len(groups) == 1 and groups[0].name().startswith("Global and local match ")
    layers = [node.layer() for node in groups[0].findLayers()]
    assert [layer.name() for layer in layers] == ["seams", "mosaic"] + [
        f"tile_{k}_matched" for k in range(4)]
    # Nothing of the run loaded outside the group.
    assert len(project.mapLayers()) == len(inputs) + 6
    seams, rasters = layers[0], layers[1:]
    # One look for the matched set and its mosaic: the input's bands, one stretch.
    seen = looks(rasters)
    assert all(look == seen[0] for look in seen), seen
    bands, minmax = seen[0]
    assert bands == (3, 2, 1)
    np.testing.assert_allclose(minmax, S.combined_cut(result["OUTPUT_LAYERS"], bands),
                               rtol=0, atol=1e-6)
    # The inputs stay as they were; nothing was written beside them.
    assert inputs[0].renderer().redContrastEnhancement().maximumValue() == 13000
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".aux.xml")) == aux_before
    # Seamlines: outlines only, labelled with their image.
    assert isinstance(seams, QgsVectorLayer) and seams.featureCount() == 4
    fill = seams.renderer().symbol().symbolLayer(0)
    assert fill.brushStyle() == 0  # Qt.NoBrush
    assert seams.labelsEnabled() and seams.labeling().settings().fieldName == "image"


def test_temporary_mosaic_and_seamlines_get_readable_names(provider, clean_project,
                                                          tmp_path):
    """Left as temporary outputs, they were named after their parameters in the Layers
    panel: MOSAIC and SEAMLINES_OUT."""
    import processing

    project = clean_project
    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    before = {n.name() for n in project.layerTreeRoot().children()}
    processing.runAndLoadResults("spectralmatch:match", {
        "INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "out"),
        "MOSAIC": "TEMPORARY_OUTPUT", "SEAMLINES_OUT": "TEMPORARY_OUTPUT"})
    groups = added_groups(project, before)
    names = [node.layer().name() for node in groups[0].findLayers()]
    assert names[:2] == ["Seamlines", "Mosaic"], names


def test_toolbox_runs_are_told_apart_and_global_loads_likewise(provider, clean_project,
                                                               tmp_path):
    import processing

    project = clean_project
    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    before = set()
    names = []
    for folder in ("a", "b"):
        if before:  # as in the desktop after a click on the last run: new layers go in there
            first = project.layerTreeRoot().findGroup(next(iter(before)))
            project.layerTreeRegistryBridge().setLayerInsertionPoint(
                QgsLayerTreeRegistryBridge.InsertionPoint(first, 0))
        with Log() as log:
            processing.runAndLoadResults("spectralmatch:globalmatch", {
                "INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / folder)})
        assert log.ogr() == []
        groups = added_groups(project, before)
        assert len(groups) == 1  # a group of its own, at the top level
        group = groups[0]
        before.add(group.name())
        layers = [node.layer() for node in group.findLayers()]
        names.append([layer.name() for layer in layers])
        assert len({str(look) for look in looks(layers)}) == 1
    assert names == [["tile_0_global", "tile_1_global"],
                     ["tile_0_global (2)", "tile_1_global (2)"]]
    assert len(before) == 2  # two groups of two names
    project.layerTreeRegistryBridge().setLayerInsertionPoint(
        QgsLayerTreeRegistryBridge.InsertionPoint(project.layerTreeRoot(), 0))


def test_model_outputs_load_as_sets_without_ogr_warnings(provider, clean_project, tmp_path):
    """The example model match -> mosaic from the toolbox: the matched rasters of its first
    step share one stretch in their group, the mosaic and seamlines load in theirs."""
    import processing

    project = clean_project
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    inputs = [QgsRasterLayer(t.path, f"in{k}") for k, t in enumerate(tiles)]
    project.addMapLayers(inputs)
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(MOSAIC_MODEL)
    with Log() as log:
        # The project's layers, as the toolbox passes them (files given to a model's own
        # input are probed by QGIS 3.22 itself, OGR first).
        result = processing.runAndLoadResults(model, {
            "INPUT": [layer.id() for layer in inputs], "FEATHER": 60.0,
            "mosaic:OUTPUT": str(tmp_path / "mosaic.tif"),
            "mosaic:SEAMLINES_OUT": str(tmp_path / "seams.gpkg")})
    assert log.ogr() == [], "\n".join(m[2] for m in log.ogr())
    assert result["mosaic:OUTPUT"] == str(tmp_path / "mosaic.tif")
    loaded = {os.path.basename(layer.source().split("|")[0]): layer
              for layer in project.mapLayers().values() if layer not in inputs}
    # The model's outputs only: the matched rasters it passes on to the mosaic are an
    # in-between result, which QGIS does not load (they were loaded too, in a group of their
    # own, from the model's temporary folder).
    assert sorted(loaded) == ["mosaic.tif", "seams.gpkg"]
    groups = {node.layer().id(): node.parent().name()
              for node in project.layerTreeRoot().findLayers()}
    assert groups[loaded["mosaic.tif"].id()] == groups[loaded["seams.gpkg"].id()]
    assert groups[loaded["mosaic.tif"].id()].startswith("Seamless mosaic ")
    assert loaded["seams.gpkg"].labelsEnabled()


def test_only_a_models_in_between_folder_counts_as_passed_on(provider, tmp_path):
    from qgis.core import QgsProcessing, QgsProcessingUtils

    from spectralmatch.algorithms.loading import passed_on

    made = os.path.join(QgsProcessingUtils.tempFolder(), "0123456789abcdef0123456789abcdef",
                        "OUTPUT")
    assert passed_on(made)
    assert not passed_on(QgsProcessing.TEMPORARY_OUTPUT)  # the toolbox's temporary folder
    assert not passed_on(str(tmp_path / "out"))
    assert not passed_on(os.path.join(QgsProcessingUtils.tempFolder(), "mine", "OUTPUT"))


def test_qgis_process_still_runs_the_mosaic_model(qgis_process, tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    proc = qgis_process("run", MOSAIC_MODEL, "--", *[f"INPUT={t.path}" for t in tiles],
                        f"mosaic:OUTPUT={tmp_path / 'cli.vrt'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert QgsRasterLayer(str(tmp_path / "cli.vrt"), "cli").isValid()


def test_set_stretch_is_the_cut_of_all_valid_values_together(tmp_path):
    """Float32 with NaN no-data and a hole, Float32 without no-data, and UInt16 whose validity
    is an internal mask band: only valid pixels count, every raster by its area."""
    from osgeo import gdal

    rng = np.random.default_rng(7)
    a = rng.normal(100.0, 10.0, (2, 60, 80)).astype(np.float32)
    a[:, 10:20, 10:30] = np.nan
    b = rng.normal(300.0, 30.0, (2, 30, 40)).astype(np.float32)
    c = rng.integers(150, 250, (2, 50, 50)).astype(np.uint16)
    c_valid = np.ones((50, 50), dtype=bool)
    c_valid[:, :25] = False
    c[:, ~c_valid] = 60000  # far outside: would move the cut if the mask were ignored
    gt, crs = (0, 1, 0, 0, 0, -1), ""
    S.write_raster(str(tmp_path / "a.tif"), a, gt, crs, gdal.GDT_Float32, nodata=float("nan"))
    S.write_raster(str(tmp_path / "b.tif"), b, gt, crs, gdal.GDT_Float32)
    S.write_raster(str(tmp_path / "c.tif"), c, gt, crs, gdal.GDT_UInt16)
    ds = gdal.Open(str(tmp_path / "c.tif"), gdal.GA_Update)
    ds.CreateMaskBand(gdal.GMF_PER_DATASET)
    ds.GetRasterBand(1).GetMaskBand().WriteArray(c_valid.astype(np.uint8) * 255)
    ds = None
    paths = [str(tmp_path / n) for n in ("a.tif", "b.tif", "c.tif")]
    aux_before = sorted(f for f in os.listdir(tmp_path) if f.endswith(".aux.xml"))
    got = set_stretch(paths, (2,))
    values = np.concatenate([a[1][np.isfinite(a[1])], b[1].ravel(), c[1][c_valid]])
    np.testing.assert_allclose(got, [tuple(np.quantile(values, (0.02, 0.98)))], rtol=1e-6)
    assert got[0][1] < 1000
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".aux.xml")) == aux_before


ALGORITHMS = ["globalmatch", "localmatch", "match", "applymodel", "mosaic"]


@pytest.mark.parametrize("name", ALGORITHMS)
def test_labels_and_outputs_the_toolbox_shows(provider, name):
    alg = QgsApplication.processingRegistry().algorithmById(f"spectralmatch:{name}")
    # QGIS adds "[optional]" itself; the descriptions do not say it again.
    for param in alg.parameterDefinitions():
        if param.flags() & QgsProcessingParameterDefinition.FlagOptional:
            assert "optional" not in param.description().lower(), param.description()
    descriptions = [p.description() for p in alg.parameterDefinitions()]
    assert len(descriptions) == len(set(descriptions)), descriptions
    # No HTML output: the toolbox would say "HTML output has been generated" after every run.
    assert not alg.hasHtmlOutputs()
    assert not [o for o in alg.outputDefinitions() if isinstance(o, QgsProcessingOutputHtml)]


def test_report_is_still_written_and_returned(provider, tmp_path):
    import processing

    tiles = S.make_set(str(tmp_path), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    result = processing.run("spectralmatch:globalmatch", {
        "INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "out"),
        "REPORT": str(tmp_path / "report.html")})
    assert result["REPORT"] == str(tmp_path / "report.html")
    assert "<html" in open(result["REPORT"], encoding="utf-8").read().lower()


def test_toolbox_run_cancelled_while_writing_leaves_no_folder(provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    out = tmp_path / "out"
    feedback = QgsProcessingFeedback()
    seen = []

    def cancel_when_writing(progress):
        if out.exists() and not seen:
            seen.append(progress)
            feedback.cancel()

    feedback.progressChanged.connect(cancel_when_writing)
    with pytest.raises(QgsProcessingException, match="ancel"):
        processing.run("spectralmatch:match", {"INPUT": [t.path for t in tiles],
                                               "OUTPUT": str(out)}, feedback=feedback)
    assert seen, "the run was not cancelled while writing"
    assert not out.exists()
