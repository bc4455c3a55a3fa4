"""Processing algorithm spectralmatch:mosaic."""
from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterVectorDestination,
    QgsProcessing,
)

from .. import core
from .base import SpectralMatchAlgorithm


class MosaicAlgorithm(SpectralMatchAlgorithm):
    SEAMLINES = "SEAMLINES"
    FEATHER = "FEATHER"
    SEAMLINES_OUT = "SEAMLINES_OUT"
    MODES = ("cost", "centre")  # core.seamlines names, in the order of the enum

    def name(self) -> str:
        return "mosaic"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Seamless mosaic")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Mosaics matched rasters into one GeoTIFF. Each part of the mosaic comes from one "
            "image, chosen on a coarse grid: by default the seams avoid places where the "
            "images disagree (clouds, shadows, change) and the image that carries the cloud "
            "gives way; or centre lines midway through the overlaps. Across seams the "
            "images are blended over Feather map units (0: a hard cut). The seamlines can be "
            "written as polygons, one per image.\n\n"
            "Expects rasters with the same bands; the output grid is the inputs' union at the "
            "coarsest pixel size, in the first input's CRS, with its type and no-data value.\n\n"
        ) + self.citation()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters(with_reference=False)
        self.add(
            QgsProcessingParameterEnum(
                self.SEAMLINES, self.tr("Seamlines"),
                options=[self.tr("Avoid disagreement (clouds, change)"),
                         self.tr("Centre lines of the overlaps")], defaultValue=0),
            self.tr("How the parts of the mosaic are chosen."),
        )
        self.add(
            QgsProcessingParameterNumber(
                self.FEATHER, self.tr("Feather width (map units)"),
                QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0),
            self.tr("Width over which images are blended across a seam; 0 cuts hard."),
        )
        self.add_threads_parameter()
        self.add(
            QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Mosaic")),
            self.tr("The mosaic, a GeoTIFF."),
        )
        self.add(
            QgsProcessingParameterVectorDestination(
                self.SEAMLINES_OUT, self.tr("Seamlines"), QgsProcessing.TypeVectorPolygon,
                optional=True, createByDefault=False),
            self.tr("One polygon per image: the part of the mosaic it shows."),
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        lines = self.parameterAsOutputLayer(parameters, self.SEAMLINES_OUT, context) or None
        mode = self.MODES[self.parameterAsEnum(parameters, self.SEAMLINES, context)]
        feather = self.parameterAsDouble(parameters, self.FEATHER, context)
        threads = self.run_options(parameters, context)["threads"]
        result = self.run_core(lambda: core.run_mosaic(
            inputs, output, mode, feather, lines, self.core_feedback(feedback),
            threads=threads))
        return {self.OUTPUT: result.output, self.SEAMLINES_OUT: result.seamlines}
