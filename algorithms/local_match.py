"""Processing algorithm spectralmatch:localmatch."""
from __future__ import annotations

from .. import core
from .base import SpectralMatchAlgorithm


class LocalMatchAlgorithm(SpectralMatchAlgorithm):

    def name(self) -> str:
        return "localmatch"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Local match")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Removes smooth radiometric differences between overlapping rasters (haze, "
            "vignetting, a sun-angle gradient) that one gain and offset per raster cannot.\n\n"
            "A grid of square blocks covers all inputs. The correction of each raster is a "
            "smooth surface with one node per block, interpolated bilinearly to every pixel "
            "and applied by gamma, linear or offset correction. The nodes of all rasters are "
            "fitted together, by least squares, to what every pair of rasters shows on the "
            "pixels both have, in cells of a few pixels at their true positions, with a "
            "smoothness term that carries the surfaces across clouds and no-data; each place "
            "keeps the rasters' central tendency (or a reference raster's values). Overlaps "
            "therefore agree up to their edges.\n\n"
            "Expects rasters that already agree globally (run Global match first, or use "
            "Global and local match), with the same bands (or corresponding bands, see below), in "
            "any CRS and pixel size.\n\n"
            "Writes one GeoTIFF per input, <input name>_local.tif, with the input's grid, "
            "type and no-data value.\n\n"
        ) + self.bands_help() + self.citation()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters()
        self.add_statistics_parameters()
        self.add_band_map_parameter()
        self.add_local_parameters()
        self.add_raster_format_parameters()
        self.add_threads_parameter()
        self.add_scheduler_parameter()
        self.add_output_parameters("_local")
        self.add_extra_outputs()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        outputs = self.outputs(parameters, context)
        fit = self.local_fit(parameters, context)
        reference = self.reference_path(parameters, context)
        statistics = self.statistics(parameters, context, feedback)
        streaming = self.streaming(parameters, context)
        band_map = self.band_map(parameters, context)
        result = self.run_core(lambda: core.run_local(
            inputs, outputs, fit, reference, statistics, streaming,
            self.core_feedback(feedback), band_map=band_map))
        return self.results(context, result, outputs, inputs)
