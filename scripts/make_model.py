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


def build() -> QgsProcessingModelAlgorithm:
    model = QgsProcessingModelAlgorithm("Global then local match", "Spectral match")
    model.setHelpContent({
        "ALG_DESC": "Global matching of the input rasters, then local block matching of the "
                    "globally matched rasters: the two steps of Yu et al. (2017) as a model "
                    "that can be opened and extended in the graphical modeler.",
        "INPUT": "Two or more overlapping rasters with the same bands.",
        "BLOCKS": "Target number of blocks per image for the local step.",
    })
    inputs = QgsProcessingParameterMultipleLayers("INPUT", "Input rasters",
                                                  QgsProcessing.TypeRaster)
    model.addModelParameter(inputs, _param("INPUT", 60))
    blocks = QgsProcessingParameterNumber("BLOCKS", "Blocks per image",
                                          QgsProcessingParameterNumber.Integer, 200, False, 1)
    model.addModelParameter(blocks, _param("BLOCKS", 140))

    first = QgsProcessingModelChildAlgorithm("spectralmatch:globalmatch")
    first.setChildId("globalmatch")
    first.setDescription("Global match")
    first.setPosition(QPointF(300, 100))
    first.addParameterSources(
        "INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("INPUT")])
    model.addChildAlgorithm(first)

    second = QgsProcessingModelChildAlgorithm("spectralmatch:localmatch")
    second.setChildId("localmatch")
    second.setDescription("Local match")
    second.setPosition(QPointF(300, 220))
    second.addParameterSources("INPUT", [
        QgsProcessingModelChildParameterSource.fromChildOutput("globalmatch", "OUTPUT_LAYERS")])
    second.addParameterSources(
        "BLOCKS", [QgsProcessingModelChildParameterSource.fromModelParameter("BLOCKS")])
    output = QgsProcessingModelOutput("OUTPUT", "Matched rasters folder")
    output.setChildOutputName("OUTPUT")
    output.setChildId("localmatch")
    output.setPosition(QPointF(520, 260))
    second.setModelOutputs({"OUTPUT": output})
    model.addChildAlgorithm(second)
    model.updateDestinationParameters()
    return model


def build_mosaic_model() -> QgsProcessingModelAlgorithm:
    model = QgsProcessingModelAlgorithm("Match then mosaic", "Spectral match")
    model.setHelpContent({
        "ALG_DESC": "Global and local matching of the input rasters, then one seamless "
                    "mosaic of the matched rasters, with its seamlines as polygons to inspect "
                    "or edit (and give back to Seamless mosaic as cutlines).",
        "INPUT": "Two or more overlapping rasters with the same bands.",
        "FEATHER": "Width over which images are blended across a seam (map units).",
    })
    inputs = QgsProcessingParameterMultipleLayers("INPUT", "Input rasters",
                                                  QgsProcessing.TypeRaster)
    model.addModelParameter(inputs, _param("INPUT", 60))
    feather = QgsProcessingParameterNumber("FEATHER", "Feather width (map units)",
                                           QgsProcessingParameterNumber.Double, 0.0, False, 0.0)
    model.addModelParameter(feather, _param("FEATHER", 140))

    match = QgsProcessingModelChildAlgorithm("spectralmatch:match")
    match.setChildId("match")
    match.setDescription("Global and local match")
    match.setPosition(QPointF(300, 100))
    match.addParameterSources(
        "INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("INPUT")])
    model.addChildAlgorithm(match)

    mosaic = QgsProcessingModelChildAlgorithm("spectralmatch:mosaic")
    mosaic.setChildId("mosaic")
    mosaic.setDescription("Seamless mosaic")
    mosaic.setPosition(QPointF(300, 220))
    mosaic.addParameterSources("INPUT", [
        QgsProcessingModelChildParameterSource.fromChildOutput("match", "OUTPUT_LAYERS")])
    mosaic.addParameterSources(
        "FEATHER", [QgsProcessingModelChildParameterSource.fromModelParameter("FEATHER")])
    outputs = {}
    for name, description, y in (("OUTPUT", "Mosaic", 260), ("SEAMLINES_OUT", "Seamlines", 300)):
        output = QgsProcessingModelOutput(name, description)
        output.setChildOutputName(name)
        output.setChildId("mosaic")
        output.setPosition(QPointF(520, y))
        outputs[name] = output
    mosaic.setModelOutputs(outputs)
    model.addChildAlgorithm(mosaic)
    model.updateDestinationParameters()
    return model


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
