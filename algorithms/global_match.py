"""Processing algorithm spectralmatch:globalmatch."""
from __future__ import annotations

from .. import core
from .base import SpectralMatchAlgorithm


class GlobalMatchAlgorithm(SpectralMatchAlgorithm):

    def name(self) -> str:
        return "globalmatch"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Global match")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Makes overlapping rasters radiometrically consistent with one gain and one offset "
            "per raster and band, found in a single least-squares solution that equalises the "
            "mean and standard deviation of every overlap.\n\n"
            "Expects two or more rasters that overlap, with the same bands (or corresponding "
            "bands, see below), in any CRS and pixel size. Only pixels valid in both rasters of an overlap count (no-data "
            "value, mask band, NaN). Any pixel unit works, negative values included.\n\n"
            "Without a reference, the set keeps its own central tendency (mean gain 1, mean "
            "offset 0); with one, the reference keeps its values. Rasters that overlap no other "
            "are written unchanged, with a warning.\n\n"
            "Writes one GeoTIFF per input, <input name>_global.tif, on the input's grid with "
            "its type and no-data value. The gains and offsets are listed in the log.\n\n"
        ) + self.bands_help() + self.citation()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters()
        self.add_statistics_parameters()
        self.add_band_map_parameter()
        self.add_weight_parameters()
        self.add_raster_format_parameters()
        self.add_threads_parameter()
        self.add_scheduler_parameter()
        self.add_output_parameters("_global")
        self.add_extra_outputs()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        outputs = self.outputs(parameters, context)
        fit = self.global_fit(parameters, context)
        reference = self.reference_path(parameters, context)
        statistics = self.statistics(parameters, context, feedback)
        streaming = self.streaming(parameters, context)
        band_map = self.band_map(parameters, context)
        result = self.run_core(lambda: core.run_global(
            inputs, outputs, fit, reference, statistics, streaming,
            self.core_feedback(feedback), band_map=band_map))
        return self.results(context, result, outputs, inputs)
