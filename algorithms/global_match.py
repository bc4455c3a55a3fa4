"""Processing algorithm spectralmatch:globalmatch."""
from __future__ import annotations

from qgis.core import QgsProcessingException, QgsProcessingParameterNumber

from ..core import run_global
from .base import SpectralMatchAlgorithm


class GlobalMatchAlgorithm(SpectralMatchAlgorithm):
    MEAN_WEIGHT = "MEAN_WEIGHT"
    STD_WEIGHT = "STD_WEIGHT"
    SUFFIX = "_global"

    def name(self) -> str:
        return "globalmatch"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Global match")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Makes overlapping rasters radiometrically consistent with one gain and one offset "
            "per raster and band, found in a single least-squares solution that equalises the "
            "mean and standard deviation of every overlap.\n\n"
            "Expects two or more rasters that overlap, with the same bands, in one CRS and on "
            "one pixel grid. Only pixels valid in both rasters of an overlap count (no-data "
            "value, mask band, NaN). Any pixel unit works, negative values included.\n\n"
            "Without a reference, the set keeps its own central tendency (mean gain 1, mean "
            "offset 0); with one, the reference keeps its values. Rasters that overlap no other "
            "are written unchanged, with a warning.\n\n"
            "Writes one GeoTIFF per input, <input name>_global.tif, on the input's grid with "
            "its type and no-data value. The gains and offsets are listed in the log.\n\n"
            "Method: Yu et al. (2017), An auto-adapting "
            "global-to-local color balancing method for optical imagery mosaic. ISPRS Journal "
            "of Photogrammetry and Remote Sensing 132, 1-19, doi:10.1016/j.isprsjprs.2017.08.002."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters()
        self.add_weight_parameters()
        self.add_output_type_parameter()
        self.add_output_parameters(self.SUFFIX)

    def add_weight_parameters(self) -> None:
        for name, label, help_text in (
            (self.MEAN_WEIGHT, self.tr("Weight of overlap means"),
             self.tr("Weight of the equations that equalise overlap means.")),
            (self.STD_WEIGHT, self.tr("Weight of overlap standard deviations"),
             self.tr("Weight of the equations that equalise overlap standard deviations.")),
        ):
            self.add(
                QgsProcessingParameterNumber(
                    name, label, QgsProcessingParameterNumber.Double, defaultValue=1.0, minValue=0.0
                ),
                help_text,
                advanced=True,
            )

    def weights(self, parameters, context):
        mean_w = self.parameterAsDouble(parameters, self.MEAN_WEIGHT, context)
        std_w = self.parameterAsDouble(parameters, self.STD_WEIGHT, context)
        if mean_w <= 0 or std_w <= 0:
            raise QgsProcessingException(
                self.tr(
                    "MEAN_WEIGHT and STD_WEIGHT must both be greater than 0 (given {} and {}). "
                    "Fix: use positive weights; 1 and 1 reproduce the published method."
                ).format(mean_w, std_w)
            )
        return mean_w, std_w

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        reference = self.reference_path(parameters, context)
        mean_w, std_w = self.weights(parameters, context)
        folder = self.parameterAsString(parameters, self.OUTPUT, context)
        result = self.run_core(
            lambda: run_global(
                inputs, folder, reference, mean_w, std_w,
                self.float32(parameters, context), self.core_feedback(feedback), self.SUFFIX,
            )
        )
        return {self.OUTPUT: folder, self.OUTPUT_LAYERS: result.outputs}
