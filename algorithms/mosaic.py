"""Processing algorithm spectralmatch:mosaic."""
from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from .. import core
from .base import SpectralMatchAlgorithm
from .loading import MatchedSet, register_outputs


class MosaicAlgorithm(SpectralMatchAlgorithm):
    CUTLINES = "CUTLINES"
    PIXEL_SIZE = "PIXEL_SIZE"
    MINIMUM_INPUTS = 1

    def name(self) -> str:
        return "mosaic"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Seamless mosaic")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Mosaics matched rasters into one GeoTIFF, or a VRT. Each part of the mosaic comes "
            "from one image, chosen on a coarse grid: by default the seams go around places "
            "only one image shows (clouds, shadows, change), the image that carries the cloud "
            "giving way, and cross where the images agree best; or centre lines midway through "
            "the overlaps. Across seams the images are blended over Feather map units (0: a "
            "hard cut). The seamlines can be written as polygons, one per image, edited and "
            "given back as Cutlines.\n\n"
            "Expects rasters with the same bands; the output grid is the inputs' union at the "
            "coarsest pixel size (or Pixel size), in the first input's CRS, with its no-data "
            "value and the narrowest type that holds every input's values (Byte and UInt16 "
            "inputs make a UInt16 mosaic); inputs already on that grid are not resampled. "
            "A VRT output (.vrt) refers to the inputs and a small index raster in a folder "
            "<name>_parts beside it, instead of copying the pixels.\n\n"
        ) + self.citation()

    def citation(self) -> str:
        return self.tr(
            "Method: seamlines are watershed lines (image foresting transform, Falcao et al. "
            "(2004), IEEE Transactions on Pattern Analysis and Machine Intelligence 26(1), "
            "19-29, doi:10.1109/TPAMI.2004.1261076) of a relief that is high where the images "
            "agree, as seamline methods follow least-cost paths through a difference image "
            "(Kerschner (2001), ISPRS Journal of Photogrammetry and Remote Sensing 56(1), "
            "53-64, doi:10.1016/S0924-2716(01)00033-8)."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters(with_reference=False)
        self.add_seam_parameters()
        self.add(
            QgsProcessingParameterFeatureSource(
                self.CUTLINES, self.tr("Cutlines"), [QgsProcessing.TypeVectorPolygon],
                optional=True),
            self.tr("Polygons that give parts of the mosaic to an image, named in a field "
                    "image (its file name) or image_index (its position among the inputs), "
                    "such as an edited Seamlines layer. Where no polygon lies, or the image "
                    "named has no data, the automatic seams stay."),
        )
        self.add(
            QgsProcessingParameterNumber(
                self.PIXEL_SIZE, self.tr("Pixel size (map units, 0: the inputs')"),
                QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0),
            self.tr("The mosaic's pixel size in the first input's CRS; 0 takes the coarsest "
                    "input's. Inputs on another grid are averaged where finer, taken by "
                    "nearest neighbour where coarser."),
        )
        self.add_raster_format_parameters()
        self.add_threads_parameter()
        self.add(
            QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Mosaic")),
            self.tr("The mosaic: a GeoTIFF (.tif), or a VRT (.vrt) that cuts without blending."),
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        mosaic = self.mosaic(parameters, self.OUTPUT, context)
        cutlines, cutlines_layer = self.vector_file(parameters, self.CUTLINES, context, feedback)
        pixel_size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context) or None
        streaming = self.streaming(parameters, context)
        result = self.run_core(lambda: core.run_mosaic(
            inputs, mosaic, cutlines, cutlines_layer, pixel_size, streaming,
            self.core_feedback(feedback)))
        register_outputs(context, MatchedSet([], inputs, self.run_title(),
                                             mosaic=result.mosaic.output,
                                             seamlines=result.mosaic.seamlines), self.OUTPUT)
        return {self.OUTPUT: result.mosaic.output, self.SEAMLINES_OUT: result.mosaic.seamlines}
