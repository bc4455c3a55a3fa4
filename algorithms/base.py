"""What every spectralmatch Processing algorithm shares: translation, parameters, feedback."""
from __future__ import annotations

import os
from typing import Callable, List, Optional

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingOutputMultipleLayers,
    QgsMapLayer,
    QgsProcessingUtils,
    QgsProviderRegistry,
    QgsRasterLayer,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..core import Cancelled, Feedback, SpectralMatchError
from ..spectralmatch_plugin.dependencies import dependency_message
from ..core import defaults

ICON = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons", "spectralmatch.svg")


# Post-processors must outlive the algorithm run that creates them.
_POST_PROCESSORS: List["SameRendering"] = []


class SameRendering(QgsProcessingLayerPostProcessorInterface):
    """Gives a loaded output the band rendering of the input it was made from."""

    def __init__(self, renderer):
        super().__init__()
        self.renderer = renderer

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        if isinstance(layer, QgsRasterLayer) and self.renderer is not None:
            layer.setRenderer(self.renderer.clone())
            layer.triggerRepaint()
        if self in _POST_PROCESSORS:
            _POST_PROCESSORS.remove(self)


class SpectralMatchAlgorithm(QgsProcessingAlgorithm):
    """Base class: one algorithm per file derives from it."""

    INPUT = "INPUT"
    REFERENCE = "REFERENCE"
    OUTPUT_TYPE = "OUTPUT_TYPE"
    OUTPUT = "OUTPUT"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    MEAN_WEIGHT = "MEAN_WEIGHT"
    STD_WEIGHT = "STD_WEIGHT"
    BLOCKS = "BLOCKS"
    BLOCK_SIZE = "BLOCK_SIZE"
    METHOD = "METHOD"
    MIN_VALID_FRACTION = "MIN_VALID_FRACTION"
    THREADS = "THREADS"
    ROBUST = "ROBUST"
    EXCLUDE = "EXCLUDE"
    METHODS = defaults.LOCAL_METHODS  # in the order of the METHOD enum

    def tr(self, text: str) -> str:
        """Translate in the context of the class that wrote the string (as pylupdate5 files it)."""
        for cls in type(self).__mro__:
            if cls is QgsProcessingAlgorithm:
                break
            translated = QCoreApplication.translate(cls.__name__, text)
            if translated != text:
                return translated
        return text

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()

    def group(self) -> str:
        return self.tr("Radiometric matching")

    def groupId(self) -> str:  # noqa: N802
        return "matching"

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def canExecute(self):  # noqa: N802
        message = dependency_message()
        return (not message, self.tr(message) if message else "")

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802
        ok, message = self.canExecute()
        if not ok:  # qgis_process runs algorithms without asking canExecute
            raise QgsProcessingException(message)
        return True

    def citation(self) -> str:
        return self.tr(
            "Method: Yu et al. (2017), An auto-adapting global-to-local color balancing method "
            "for optical imagery mosaic. ISPRS Journal of Photogrammetry and Remote Sensing "
            "132, 1-19, doi:10.1016/j.isprsjprs.2017.08.002."
        )

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
                "Two or more overlapping rasters with the same bands in the same order, in any "
                "CRS and pixel size. Their no-data values, masks and NaN are respected."
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

    def add_local_parameters(self) -> None:
        self.add(
            QgsProcessingParameterNumber(
                self.BLOCKS, self.tr("Blocks per image"), QgsProcessingParameterNumber.Integer,
                defaultValue=defaults.BLOCKS_PER_IMAGE, minValue=1,
            ),
            self.tr(
                "Target number of blocks per image for the local correction: the block side "
                "is chosen so that an average image holds about this many blocks. More blocks "
                "follow finer spatial differences."
            ),
        )
        self.add(
            QgsProcessingParameterNumber(
                self.BLOCK_SIZE, self.tr("Block size (map units, optional)"),
                QgsProcessingParameterNumber.Double, optional=True, minValue=0.0,
            ),
            self.tr("Side of the square blocks in map units; when set, overrides Blocks per image."),
        )
        self.add(
            QgsProcessingParameterEnum(
                self.METHOD, self.tr("Local correction"),
                options=[self.tr("Gamma (Yu et al. 2017)"), self.tr("Linear (ratio)"),
                         self.tr("Offset (difference)")],
                defaultValue=self.METHODS.index(defaults.LOCAL_METHOD),
            ),
            self.tr(
                "How a pixel moves with its local mean: gamma, out = in ^ (log ref / log local); "
                "linear, out = in * ref / local; offset, out = in + ref - local. Gamma and linear "
                "need positive values; on data with zero or negative values offset is used."
            ),
        )
        self.add(
            QgsProcessingParameterNumber(
                self.MIN_VALID_FRACTION, self.tr("Minimum valid fraction of a block"),
                QgsProcessingParameterNumber.Double,
                defaultValue=defaults.MIN_VALID_FRACTION, minValue=0.0, maxValue=1.0,
            ),
            self.tr(
                "A block where an image has fewer valid pixels than this fraction of the block "
                "counts as empty and takes the values of its nearest block with data."
            ),
            advanced=True,
        )

    def local_options(self, parameters, context) -> dict:
        size = self.parameterAsDouble(parameters, self.BLOCK_SIZE, context) \
            if parameters.get(self.BLOCK_SIZE) not in (None, "") else 0.0
        return dict(
            blocks_per_image=self.parameterAsInt(parameters, self.BLOCKS, context),
            block_size=size or None,
            method=self.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
            min_valid_fraction=self.parameterAsDouble(parameters, self.MIN_VALID_FRACTION, context),
        )

    def add_statistics_parameters(self) -> None:
        """EXCLUDE and ROBUST: what counts in the statistics."""
        self.add(
            QgsProcessingParameterFeatureSource(
                self.EXCLUDE, self.tr("Exclusion mask (optional)"),
                [QgsProcessing.TypeVectorPolygon], optional=True,
            ),
            self.tr(
                "Polygons (clouds, water, a known change; any CRS) whose pixels count in no "
                "statistic. They are still corrected in the outputs."
            ),
        )
        self.add(
            QgsProcessingParameterBoolean(
                self.ROBUST, self.tr("Robust statistics (ignore clouds and change)"),
                defaultValue=True,
            ),
            self.tr(
                "Leave pixels where the images disagree beyond what a smooth correction "
                "explains (clouds, shadows, real change) out of all statistics; costs one "
                "more read of the overlaps. Off reproduces the published method."
            ),
            advanced=True,
        )

    def statistics_options(self, parameters, context, feedback) -> dict:
        exclude = None
        if parameters.get(self.EXCLUDE) not in (None, ""):
            exclude = self.parameterAsCompatibleSourceLayerPath(
                parameters, self.EXCLUDE, context, ["gpkg", "shp"], "gpkg", feedback)
        return dict(robust=self.parameterAsBool(parameters, self.ROBUST, context),
                    exclude=exclude or None)

    def add_threads_parameter(self) -> None:
        self.add(
            QgsProcessingParameterNumber(
                self.THREADS, self.tr("Threads"), QgsProcessingParameterNumber.Integer,
                defaultValue=0, minValue=0,
            ),
            self.tr("How many windows are processed at once; 0 uses all cores."),
            advanced=True,
        )

    def run_options(self, parameters, context) -> dict:
        """Options every run takes: output type and threads."""
        return dict(
            float32=self.float32(parameters, context),
            threads=self.parameterAsInt(parameters, self.THREADS, context) or None,
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
    # Raster inputs are resolved to file paths without loading them as QGIS layers: loading a
    # layer computes a histogram for its renderer and GDAL saves it as an .aux.xml beside the
    # input, and inputs are never to be touched.

    def checkParameterValues(self, parameters, context):  # noqa: N802
        for param in self.parameterDefinitions():
            name = param.name()
            value = parameters.get(name)
            if name in (self.INPUT, self.REFERENCE):
                try:
                    self.raster_sources(value, context, optional=name == self.REFERENCE)
                except QgsProcessingException as exc:
                    return False, str(exc)
            elif not param.checkValueIsAcceptable(value, context):
                return False, self.tr("Incorrect parameter value for {}").format(name)
        paths = self.raster_sources(parameters.get(self.INPUT), context)
        if len(paths) < 2:
            return False, self.tr(
                "{} input raster(s) given: matching needs at least two overlapping rasters. "
                "Fix: add the rasters to match."
            ).format(len(paths))
        return True, ""

    def raster_sources(self, value, context, optional: bool = False) -> List[str]:
        """File paths of a layer parameter's value: layers, layer ids or paths."""
        if value is None or value == "" or value == []:
            if optional:
                return []
            raise QgsProcessingException(self.tr("No input rasters given."))
        items = value if isinstance(value, (list, tuple)) else [value]
        paths = []
        for item in items:
            if isinstance(item, QgsMapLayer):
                paths.append(self.layer_path(item))
                continue
            text = str(item)
            layer = QgsProcessingUtils.mapLayerFromString(text, context, False)
            if layer is not None:
                paths.append(self.layer_path(layer))
            elif os.path.isfile(text):
                paths.append(text)
            else:
                raise QgsProcessingException(
                    self.tr(
                        "{}: no such raster file or layer. Fix: check the path, or choose a "
                        "raster layer of the project."
                    ).format(text)
                )
        return paths

    def input_paths(self, parameters, context) -> List[str]:
        return self.raster_sources(parameters.get(self.INPUT), context)

    def reference_path(self, parameters, context) -> Optional[str]:
        found = self.raster_sources(parameters.get(self.REFERENCE), context, optional=True)
        return found[0] if found else None

    def layer_path(self, layer) -> str:
        parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
        path = parts.get("path") or layer.source()
        if not isinstance(layer, QgsRasterLayer) or layer.providerType() != "gdal" \
                or not os.path.isfile(path):
            raise QgsProcessingException(
                self.tr(
                    "{name}: this layer is not a raster file on disk ({source}). "
                    "Fix: save it as a GeoTIFF (Export > Save As) and use that file."
                ).format(name=layer.name(), source=layer.source())
            )
        return path

    def float32(self, parameters, context) -> bool:
        return self.parameterAsEnum(parameters, self.OUTPUT_TYPE, context) == 1

    # -- results on the map ------------------------------------------------------------------

    def load_on_completion(self, context, outputs: List[str], inputs: List[str]) -> None:
        """Ask QGIS to load the written rasters when the run ends (toolbox, not qgis_process).

        Where an input is a layer of the project, its output gets the same band rendering.
        """
        project = context.project()
        if project is None:
            return
        by_source = {}
        for layer in project.mapLayers().values():
            if isinstance(layer, QgsRasterLayer):
                by_source.setdefault(os.path.realpath(layer.source().split("|")[0]), layer)
        for out, src in zip(outputs, inputs):
            name = os.path.splitext(os.path.basename(out))[0]
            details = QgsProcessingContext.LayerDetails(name, project, self.OUTPUT_LAYERS)
            source_layer = by_source.get(os.path.realpath(src))
            if source_layer is not None and source_layer.renderer() is not None:
                post = SameRendering(source_layer.renderer().clone())
                _POST_PROCESSORS.append(post)
                details.setPostProcessor(post)
            context.addLayerToLoadOnCompletion(out, details)

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
