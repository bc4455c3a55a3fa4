"""What every spectralmatch Processing algorithm shares: translation, parameters, feedback."""
from __future__ import annotations

import os
from typing import Callable, List, Optional

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterRasterLayer,
    QgsProcessingOutputMultipleLayers,
    QgsProviderRegistry,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..core import Cancelled, Feedback, SpectralMatchError

ICON = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons", "spectralmatch.svg")


class SpectralMatchAlgorithm(QgsProcessingAlgorithm):
    """Base class: one algorithm per file derives from it."""

    INPUT = "INPUT"
    REFERENCE = "REFERENCE"
    OUTPUT_TYPE = "OUTPUT_TYPE"
    OUTPUT = "OUTPUT"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"

    def tr(self, text: str) -> str:
        return QCoreApplication.translate(type(self).__name__, text)

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()

    def group(self) -> str:
        return self.tr("Radiometric matching")

    def groupId(self) -> str:  # noqa: N802
        return "matching"

    def icon(self) -> QIcon:
        return QIcon(ICON)

    # -- parameters -------------------------------------------------------------------------

    def add(self, param, help_text: str, advanced: bool = False) -> None:
        """Add a parameter with its help sentence, flagged Advanced where asked."""
        param.setHelp(help_text)
        if advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(param)

    def add_input_parameters(self) -> None:
        inputs = QgsProcessingParameterMultipleLayers(
            self.INPUT, self.tr("Input rasters"), QgsProcessing.TypeRaster
        )
        inputs.setMinimumNumberInputs(2)
        self.add(
            inputs,
            self.tr(
                "Two or more overlapping rasters with the same bands in the same order, in one "
                "CRS and on one pixel grid. Their no-data values, masks and NaN are respected."
            ),
        )
        self.add(
            QgsProcessingParameterRasterLayer(
                self.REFERENCE, self.tr("Reference raster (optional)"), optional=True
            ),
            self.tr(
                "One of the inputs whose values are kept unchanged; the others are matched to "
                "it. Without one, all rasters move to the set's common central tendency."
            ),
        )

    def add_output_type_parameter(self) -> None:
        self.add(
            QgsProcessingParameterEnum(
                self.OUTPUT_TYPE,
                self.tr("Output data type"),
                options=[self.tr("Same as input"), self.tr("Float32")],
                defaultValue=0,
            ),
            self.tr(
                "Same as input rounds and clips corrected values to the input's type; Float32 "
                "keeps them unrounded."
            ),
            advanced=True,
        )

    def add_output_parameters(self, suffix: str) -> None:
        self.add(
            QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("Output folder")),
            self.tr("Folder for the corrected rasters, named <input name>{}.tif.").format(suffix),
        )
        self.addOutput(
            QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, self.tr("Corrected rasters"))
        )

    # -- reading parameters -----------------------------------------------------------------

    def input_paths(self, parameters, context) -> List[str]:
        layers = self.parameterAsLayerList(parameters, self.INPUT, context)
        return [self.layer_path(layer) for layer in layers]

    def reference_path(self, parameters, context) -> Optional[str]:
        layer = self.parameterAsRasterLayer(parameters, self.REFERENCE, context)
        return self.layer_path(layer) if layer is not None else None

    def layer_path(self, layer) -> str:
        parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
        path = parts.get("path") or layer.source()
        if layer.providerType() != "gdal" or not os.path.isfile(path):
            raise QgsProcessingException(
                self.tr(
                    "{name}: this layer is not a raster file on disk ({source}). "
                    "Fix: save it as a GeoTIFF (Export > Save As) and use that file."
                ).format(name=layer.name(), source=layer.source())
            )
        return path

    def float32(self, parameters, context) -> bool:
        return self.parameterAsEnum(parameters, self.OUTPUT_TYPE, context) == 1

    # -- running core -----------------------------------------------------------------------

    def core_feedback(self, feedback) -> Feedback:
        return Feedback(
            progress=lambda fraction: feedback.setProgress(100.0 * fraction),
            is_canceled=feedback.isCanceled,
            info=feedback.pushInfo,
            warning=feedback.pushWarning,
        )

    def run_core(self, job: Callable[[], object]):
        """Run a core call; its errors become messages that name the file and the fix."""
        try:
            return job()
        except Cancelled as exc:
            raise QgsProcessingException(self.tr("Cancelled: {}").format(exc)) from None
        except SpectralMatchError as exc:
            raise QgsProcessingException(str(exc)) from None
