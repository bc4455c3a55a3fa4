"""Processing algorithm spectralmatch:match: global then local in one run."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterBoolean, QgsProcessingParameterRasterDestination

from .. import core
from .base import SpectralMatchAlgorithm


class MatchAlgorithm(SpectralMatchAlgorithm):
    KEEP_GLOBAL = "KEEP_GLOBAL"
    MOSAIC = "MOSAIC"

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
            "Expects two or more overlapping rasters with the same bands (or corresponding "
            "bands, see below), in any CRS and pixel size; no-data values, masks and NaN are respected; any pixel unit works.\n\n"
            "Each input is read once for all statistics and once to write its output: the "
            "globally corrected rasters are not written unless Keep global outputs is set.\n\n"
            "Writes one GeoTIFF per input, <input name>_matched.tif, with the input's grid, "
            "type and no-data value. The gains and offsets are listed in the log. Mosaic "
            "also writes one seamless mosaic of the matched rasters (as Seamless mosaic "
            "does), in the same run.\n\n"
        ) + self.bands_help() + self.citation()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters()
        self.add_statistics_parameters()
        self.add_band_map_parameter()
        self.add_local_parameters()
        self.add_weight_parameters()
        self.add(
            QgsProcessingParameterBoolean(
                self.KEEP_GLOBAL, self.tr("Keep global outputs"), defaultValue=False
            ),
            self.tr("Also write the globally matched rasters, <input name>_global.tif."),
            advanced=True,
        )
        self.add_raster_format_parameters()
        self.add_threads_parameter()
        self.add_scheduler_parameter()
        self.add_output_parameters("_matched")
        self.add(
            QgsProcessingParameterRasterDestination(
                self.MOSAIC, self.tr("Mosaic"), optional=True, createByDefault=False),
            self.tr("One seamless mosaic of the matched rasters (GeoTIFF, or VRT): seams "
                    "around clouds and through agreement, as Seamless mosaic makes it."),
        )
        self.add_seam_parameters(advanced=True)
        self.add_extra_outputs()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        outputs = self.outputs(parameters, context)
        global_fit = self.global_fit(parameters, context)
        local_fit = self.local_fit(parameters, context)
        reference = self.reference_path(parameters, context)
        statistics = self.statistics(parameters, context, feedback)
        streaming = self.streaming(parameters, context)
        band_map = self.band_map(parameters, context)
        keep_global = self.parameterAsBool(parameters, self.KEEP_GLOBAL, context)
        mosaic = self.mosaic(parameters, self.MOSAIC, context)
        result = self.run_core(lambda: core.run_match(
            inputs, outputs, global_fit, local_fit, reference, statistics, streaming,
            keep_global, mosaic, self.core_feedback(feedback), band_map=band_map))
        return {**self.results(context, result, outputs, inputs, mosaic),
                self.MOSAIC: mosaic.output if mosaic else None,
                self.SEAMLINES_OUT: mosaic.seamlines_out if mosaic else None}
