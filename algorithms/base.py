"""What every spectralmatch Processing algorithm shares: translation, parameters, feedback."""
from __future__ import annotations

import math
import os
import time
from typing import Callable, List, Optional

from qgis.core import (
    QgsMapLayer,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorLayer,
    QgsProcessingUtils,
    QgsProviderRegistry,
    QgsRasterLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QVariant
from qgis.PyQt.QtGui import QIcon

from ..core import Cancelled, Feedback, SpectralMatchError
from ..core.io.rasters import raster_opens
from .dependencies import dependency_message
from .conventions import ToolboxConventions
from .loading import MatchedSet, passed_on, register_outputs
from .parameters import MatchingParameters

ICON = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons", "spectralmatch.svg")


def _not_a_number(param, value) -> bool:
    """A number parameter given NaN, which QGIS's range check lets pass (no comparison with
    it is true): it ended in a traceback (a node spacing of NaN) or changed outputs quietly."""
    if not isinstance(param, QgsProcessingParameterNumber) or value is None or value == "":
        return False
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):  # a data-defined property, text QGIS refuses itself
        return False


class SpectralMatchAlgorithm(ToolboxConventions, MatchingParameters, QgsProcessingAlgorithm):
    """Base class: one algorithm per file derives from it, declares its parameters
    (``initAlgorithm``) and, in ``processAlgorithm``, reads them into core's options objects
    and makes one call of core."""

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
        self._passed_on = passed_on(parameters.get(self.OUTPUT))
        return True

    def citation(self) -> str:
        """The method behind the algorithm, cited at the end of its help."""
        return self.tr(
            "Method: Yu et al. (2017), An auto-adapting global-to-local color balancing method "
            "for optical imagery mosaic. ISPRS Journal of Photogrammetry and Remote Sensing "
            "132, 1-19, doi:10.1016/j.isprsjprs.2017.08.002."
        )

    def bands_help(self) -> str:
        """How inputs whose bands differ are matched, in the help of the matching algorithms."""
        return self.tr(
            "Inputs whose bands differ (sensors, e.g. an 11-band Landsat scene beside a 4-band "
            "blue, green, red, NIR image) are matched band by corresponding band. Which bands "
            "correspond is given by Band correspondence (BAND_MAP), else by the bands' "
            "wavelength metadata (CENTRAL_WAVELENGTH_UM) or names (Blue, Green, Red, NIR, "
            "SWIR1...); the log and the report list it. Bands that some inputs share but not "
            "all are matched among those inputs where they overlap; bands that no overlapping "
            "input shares are written unchanged. Every output keeps its input's bands, order, "
            "type and band descriptions.\n\n"
        )

    # -- reading parameters -----------------------------------------------------------------
    # Raster inputs are resolved to file paths without loading them as QGIS layers: loading a
    # layer computes a histogram for its renderer and GDAL saves it as an .aux.xml beside the
    # input, and inputs are never to be touched.

    MINIMUM_INPUTS = 2  # a mosaic can take one

    def checkParameterValues(self, parameters, context):  # noqa: N802
        """QGIS's check before a run; never raises (an exception escaping it aborts
        qgis_process): every problem becomes (False, message)."""
        try:
            return self.check_values(parameters, context)
        except QgsProcessingException as exc:
            return False, str(exc)
        except Exception as exc:  # noqa: BLE001 - reported as a message, never raised
            return False, self.tr("The parameters cannot be checked ({}). Fix: check the "
                                  "inputs and outputs given.").format(exc)

    def check_values(self, parameters, context):
        """(ok, message) for the parameter values; may raise QgsProcessingException."""
        for param in self.parameterDefinitions():
            name = param.name()
            value = parameters.get(name)
            if name in (self.INPUT, self.REFERENCE):
                try:
                    self.raster_sources(value, context, optional=name == self.REFERENCE)
                except QgsProcessingException as exc:
                    return False, str(exc)
            elif not param.checkValueIsAcceptable(value, context) or _not_a_number(param,
                                                                                   value):
                return False, self._refusal(param, value)
        paths = self.raster_sources(parameters.get(self.INPUT), context)
        if len(paths) < self.MINIMUM_INPUTS:
            return False, self.tr(
                "{} input raster(s) given: matching needs at least two overlapping rasters. "
                "Fix: add the rasters to match."
            ).format(len(paths))
        return self.check_raster_format(parameters, context)

    def _refusal(self, param, value) -> str:
        """Why a value QGIS does not accept for ``param`` is refused, and the fix (QGIS's
        own message names the parameter only)."""
        label, name = param.description(), param.name()
        if value is None or value == "":
            return self.tr("{} ({}) needs a value. Fix: give one.").format(label, name)
        if isinstance(param, QgsProcessingParameterNumber):
            lo, hi = param.minimum(), param.maximum()
            if lo > -1e300 and hi < 1e300:
                bounds = self.tr("from {:g} to {:g}").format(lo, hi)
            elif lo > -1e300:
                bounds = self.tr("of at least {:g}").format(lo)
            else:
                bounds = self.tr("of at most {:g}").format(hi)
            kind = self.tr("a whole number") if param.dataType() == \
                QgsProcessingParameterNumber.Integer else self.tr("a number")
            return self.tr("{} ({}): {!r} is not accepted; it takes {} {}. Fix: give a value "
                           "in that range.").format(label, name, value, kind, bounds)
        if isinstance(param, QgsProcessingParameterEnum):
            return self.tr("{} ({}): {!r} is not accepted; it takes one of {} (or its number, "
                           "from 0). Fix: give one of those.").format(
                label, name, value, ", ".join(param.options()))
        if isinstance(param, (QgsProcessingParameterVectorLayer,
                              QgsProcessingParameterFeatureSource)):
            return self.tr("{} ({}): no vector layer opens from {!r}. Fix: give the file of a "
                           "polygon layer that exists (GeoPackage, Shapefile, GeoJSON).").format(
                label, name, value)
        if isinstance(param, QgsProcessingParameterFile):
            return self.tr("{} ({}): {!r} is no file. Fix: give the path of an existing "
                           "file.").format(label, name, value)
        return self.tr("{} ({}): {!r} is not accepted. Fix: see this algorithm's help "
                       "(qgis_process help spectralmatch:{}).").format(
            label, name, value, self.name())

    def raster_sources(self, value, context, optional: bool = False) -> List[str]:
        """File paths of a layer parameter's value: layers, layer ids or paths."""
        # (qgis_process passes "REFERENCE=" as a null QVariant, which read as "NULL")
        if value is None or value == "" or value == [] or (
                isinstance(value, QVariant) and value.isNull()):
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
            elif os.path.isfile(text) or raster_opens(text):  # also GPKG:<file>:<table>
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
        if parts.get("layerName"):  # one raster table of a GeoPackage: GPKG:<file>:<table>
            return layer.source()
        return path

    # -- results on the map ------------------------------------------------------------------

    def run_title(self) -> str:
        """The name of this run's layer group: the algorithm and the time it ran."""
        return f"{self.displayName()} {time.strftime('%Y-%m-%d %H:%M:%S')}"

    # -- running core -----------------------------------------------------------------------

    def results(self, context, result, outputs, inputs: List[str], mosaic=None) -> dict:
        """The outputs dict of a matching run. Its rasters (and ``mosaic``'s files) load when
        the run ends, as one set: one group, one stretch."""
        matched = MatchedSet(result.outputs, inputs, self.run_title())
        if mosaic is not None:
            matched.mosaic, matched.seamlines = mosaic.output, mosaic.seamlines_out
        if not getattr(self, "_passed_on", False):
            register_outputs(context, matched, self.OUTPUT_LAYERS)
        declared = {p.name() for p in self.outputDefinitions()}
        found = {self.OUTPUT: outputs.folder, self.OUTPUT_LAYERS: result.outputs,
                 self.REPORT: outputs.report, self.MODEL_OUT: outputs.model_out}
        return {key: value for key, value in found.items() if key in declared}

    def core_feedback(self, feedback) -> Feedback:
        return Feedback(
            progress=lambda fraction: feedback.setProgress(100.0 * fraction),
            is_canceled=feedback.isCanceled,
            info=feedback.pushInfo,
            warning=feedback.pushWarning,
            phase=lambda key: feedback.setProgressText(self.phase_text(key)),
        )

    def run_core(self, job: Callable[[], object]):
        """Run a core call; its errors become messages that name the file and the fix."""
        try:
            return job()
        except Cancelled as exc:
            raise QgsProcessingException(self.tr("Cancelled: {}").format(exc)) from None
        except SpectralMatchError as exc:
            raise QgsProcessingException(str(exc)) from None
