"""Processing algorithm spectralmatch:match: global then local in one run."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterBoolean, QgsProcessingParameterRasterDestination

from .. import core
from .base import SpectralMatchAlgorithm


class MatchAlgorithm(SpectralMatchAlgorithm):
    KEEP_GLOBAL = "KEEP_GLOBAL"
    MOSAIC = "MOSAIC"
    SUFFIX = "_matched"

    def name(self) -> str:
        return "match"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Global and local match")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "The usual job in one run: global matching (one gain and offset per raster and "
            "band from the means and standard deviations of all overlaps, in one least-squares "
            "solution) followed by local block matching (smooth differences such as haze and "
            "vignetting), so that a mosaic of the outputs shows no seams.\n\n"
            "Expects two or more overlapping rasters with the same bands, in any CRS and pixel "
            "size; no-data values, masks and NaN are respected; any pixel unit works.\n\n"
            "Each input is read once for all statistics and once to write its output: the "
            "globally corrected rasters are not written unless Keep global outputs is set.\n\n"
            "Writes one GeoTIFF per input, <input name>_matched.tif, with the input's grid, "
            "type and no-data value. The gains and offsets are listed in the log. Mosaic "
            "also writes one seamless mosaic of the matched rasters (as Seamless mosaic "
            "does), in the same run.\n\n"
        ) + self.citation()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters()
        self.add_statistics_parameters()
        self.add_local_parameters()
        self.add_weight_parameters()
        self.add(
            QgsProcessingParameterBoolean(
                self.KEEP_GLOBAL, self.tr("Keep global outputs"), defaultValue=False
            ),
            self.tr("Also write the globally matched rasters, <input name>_global.tif."),
            advanced=True,
        )
        self.add_output_type_parameter()
        self.add_threads_parameter()
        self.add_output_parameters(self.SUFFIX)
        self.add(
            QgsProcessingParameterRasterDestination(
                self.MOSAIC, self.tr("Mosaic"), optional=True, createByDefault=False),
            self.tr("One seamless mosaic of the matched rasters (GeoTIFF, or VRT): seams "
                    "around clouds and through agreement, as Seamless mosaic makes it."),
        )
        self.add_seam_parameters(advanced=True)
        self.add_extra_outputs()

    def algorithm_options(self, parameters, context) -> dict:
        mean_weight, std_weight = self.weights(parameters, context)
        return dict(mean_weight=mean_weight, std_weight=std_weight,
                    keep_global=self.parameterAsBool(parameters, self.KEEP_GLOBAL, context),
                    mosaic=self.mosaic_options(parameters, context),
                    **self.local_options(parameters, context))

    def mosaic_options(self, parameters, context):
        """core.MosaicOptions where a mosaic is asked for, else None."""
        path = self.parameterAsOutputLayer(parameters, self.MOSAIC, context)
        if not path:
            return None
        return core.MosaicOptions(path, **self.seam_options(parameters, context))

    def extra_results(self, options: dict) -> dict:
        mosaic = options.get("mosaic")
        return {self.MOSAIC: mosaic.output if mosaic else None,
                self.SEAMLINES_OUT: mosaic.seamlines_out if mosaic else None}

    def run_matching(self, inputs, folder, **options):
        return core.run_match(inputs, folder, **options).outputs
