"""Build the example models shipped with the plugin, in models/.

global_then_local.model3 chains spectralmatch:globalmatch's OUTPUT_LAYERS into
spectralmatch:localmatch's INPUT; match_then_mosaic.model3 chains spectralmatch:match's
OUTPUT_LAYERS into spectralmatch:mosaic, with the mosaic and its seamlines as outputs.
Run with the plugin importable (e.g. after make setup):
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_model.py
"""
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsProcessing,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QPointF

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build", "plugins"))


def chained_model(title: str, help_content: dict, number, first: tuple, second: tuple,
                  outputs: tuple) -> QgsProcessingModelAlgorithm:
    """A model of two algorithms: INPUT (rasters) into the first, its OUTPUT_LAYERS into
    the second, which also takes the model's number parameter ``number``; ``first`` and
    ``second`` are (algorithm id, child id, description), ``outputs`` the second's outputs
    the model offers, as (name, description)."""
    model = QgsProcessingModelAlgorithm(title, "Spectral match")
    model.setHelpContent(help_content)
    inputs = QgsProcessingParameterMultipleLayers("INPUT", "Input rasters",
                                                  QgsProcessing.TypeRaster)
    model.addModelParameter(inputs, _param("INPUT", 60))
    model.addModelParameter(number, _param(number.name(), 140))
    children = []
    for (alg_id, child_id, description), y in ((first, 100), (second, 220)):
        child = QgsProcessingModelChildAlgorithm(alg_id)
        child.setChildId(child_id)
        child.setDescription(description)
        child.setPosition(QPointF(300, y))
        children.append(child)
    children[0].addParameterSources(
        "INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("INPUT")])
    children[1].addParameterSources("INPUT", [
        QgsProcessingModelChildParameterSource.fromChildOutput(first[1], "OUTPUT_LAYERS")])
    children[1].addParameterSources(number.name(), [
        QgsProcessingModelChildParameterSource.fromModelParameter(number.name())])
    offered = {}
    for k, (name, description) in enumerate(outputs):
        output = QgsProcessingModelOutput(name, description)
        output.setChildOutputName(name)
        output.setChildId(second[1])
        output.setPosition(QPointF(520, 260 + 40 * k))
        offered[name] = output
    children[1].setModelOutputs(offered)
    for child in children:
        _defaults(child)
        model.addChildAlgorithm(child)
    model.updateDestinationParameters()
    return model


def _defaults(child: QgsProcessingModelChildAlgorithm) -> None:
    """Every other parameter of ``child`` at its algorithm's default, as the modeler sets
    it when an algorithm is added: without a value, a parameter that is not optional makes
    the modeler show the model as invalid, and ask before each run."""
    child.setAlgorithmId(child.algorithmId())  # the algorithm itself, from the registry
    algorithm = child.algorithm()
    assert algorithm is not None, child.algorithmId()
    for definition in algorithm.parameterDefinitions():
        if definition.isDestination() or definition.name() in child.parameterSources():
            continue
        child.addParameterSources(definition.name(), [
            QgsProcessingModelChildParameterSource.fromStaticValue(definition.defaultValue())])


def build() -> QgsProcessingModelAlgorithm:
    return chained_model(
        "Global then local match",
        {"ALG_DESC": "Global matching of the input rasters, then local block matching of the "
                     "globally matched rasters: the two steps of Yu et al. (2017) as a model "
                     "that can be opened and extended in the graphical modeler.",
         "INPUT": "Two or more overlapping rasters with the same bands.",
         "BLOCKS": "Target number of blocks per image for the local step."},
        QgsProcessingParameterNumber("BLOCKS", "Blocks per image",
                                     QgsProcessingParameterNumber.Integer, 200, False, 1),
        ("spectralmatch:globalmatch", "globalmatch", "Global match"),
        ("spectralmatch:localmatch", "localmatch", "Local match"),
        (("OUTPUT", "Matched rasters folder"),))


def build_mosaic_model() -> QgsProcessingModelAlgorithm:
    return chained_model(
        "Match then mosaic",
        {"ALG_DESC": "Global and local matching of the input rasters, then one seamless "
                     "mosaic of the matched rasters, with its seamlines as polygons to inspect "
                     "or edit (and give back to Seamless mosaic as cutlines).",
         "INPUT": "Two or more overlapping rasters with the same bands.",
         "FEATHER": "Width over which images are blended across a seam (map units)."},
        QgsProcessingParameterNumber("FEATHER", "Feather width (map units)",
                                     QgsProcessingParameterNumber.Double, 0.0, False, 0.0),
        ("spectralmatch:match", "match", "Global and local match"),
        ("spectralmatch:mosaic", "mosaic", "Seamless mosaic"),
        (("OUTPUT", "Mosaic"), ("SEAMLINES_OUT", "Seamlines")))


def _param(name: str, y: float) -> QgsProcessingModelParameter:
    p = QgsProcessingModelParameter(name)
    p.setPosition(QPointF(80, y))
    return p


def main() -> None:
    app = QgsApplication([], False)
    app.initQgis()
    from spectralmatch.spectralmatch_plugin.provider import SpectralMatchProvider

    provider = SpectralMatchProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    for model, name in ((build(), "global_then_local"),
                        (build_mosaic_model(), "match_then_mosaic")):
        target = os.path.join(ROOT, "models", f"{name}.model3")
        assert model.toFile(target), target
        print(target, [p.name() for p in model.parameterDefinitions()])


if __name__ == "__main__":
    main()
