"""Processing algorithm spectralmatch:applymodel."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterFile

from .. import core
from .base import SpectralMatchAlgorithm


class ApplyModelAlgorithm(SpectralMatchAlgorithm):
    MODEL = "MODEL"

    def name(self) -> str:
        return "applymodel"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Apply saved model")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Applies a correction saved by Global match, Local match or Global and local match "
            "(their Saved model output) without fitting anything again: to the same files, "
            "which reproduces that run's outputs exactly, or to files of the same names in "
            "another folder (a reprocessed product, say).\n\n"
            "Each input must carry the name of an image of the model and its bands; for a "
            "model with local correction, also its grid. Writes the file names of the run that "
            "saved the model.\n\n"
        ) + self.citation()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_input_parameters(with_reference=False)
        self.add(
            # A filter, not an extension: a model renamed (model.txt) is still read, and a
            # file that is no model is refused with a message of its own.
            QgsProcessingParameterFile(
                self.MODEL, self.tr("Saved model"),
                fileFilter=self.tr("Saved models (*.json);;All files (*)")),
            self.tr("A model file written by the Saved model output of a matching run."),
        )
        self.add_raster_format_parameters(with_type=False)
        self.add_threads_parameter()
        self.add_scheduler_parameter()
        self.add_output_parameters("")

    def check_values(self, parameters, context):
        # One input is enough here: nothing is fitted.
        for param in self.parameterDefinitions():
            if param.name() == self.INPUT:
                continue
            if not param.checkValueIsAcceptable(parameters.get(param.name()), context):
                return False, self.tr("Incorrect parameter value for {}").format(param.name())
        self.raster_sources(parameters.get(self.INPUT), context)
        return self.check_raster_format(parameters, context)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = self.input_paths(parameters, context)
        model = self.parameterAsFile(parameters, self.MODEL, context)
        outputs = self.outputs(parameters, context)
        streaming = self.streaming(parameters, context)
        result = self.run_core(lambda: core.apply_model(
            model, inputs, outputs, streaming, self.core_feedback(feedback)))
        return self.results(context, result, outputs, inputs)
