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
            "coarsest pixel size (or Pixel size), in the first input's CRS, with its type and "
            "no-data value; inputs already on that grid are not resampled. "
            "A VRT output (.vrt) refers to the inputs and a small index raster in a folder "
            "<name>_parts beside it, instead of copying the pixels.\n\n"
        ) + self.citation()

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
        self.add_threads_parameter()
        self.add(
            QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Mosaic")),
            self.tr("The mosaic: a GeoTIFF (.tif), or a VRT (.vrt) that cuts without blending."),
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        cutlines = None
        if parameters.get(self.CUTLINES) not in (None, ""):
            cutlines = self.parameterAsCompatibleSourceLayerPath(
                parameters, self.CUTLINES, context, ["gpkg", "shp"], "gpkg", feedback)
        seams = self.seam_options(parameters, context)
        threads = self.run_options(parameters, context)["threads"]
        pixel_size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context) or None
        result = self.run_core(lambda: core.run_mosaic(
            inputs, output, seams["seamlines"], seams["feather"], seams["seamlines_out"],
            self.core_feedback(feedback), threads=threads, cutlines=cutlines or None,
            pixel_size=pixel_size))
        return {self.OUTPUT: result.output, self.SEAMLINES_OUT: result.seamlines}
