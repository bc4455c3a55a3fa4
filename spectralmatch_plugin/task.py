"""Run a match in the background as a QgsTask, then put the results on the map.

The task gets a plain :class:`MatchRequest`; its ``run()`` works on files only and never
touches layers, the project or widgets. ``finished()`` runs on the main thread: it adds the
written rasters (and the mosaic, on top, where one was asked for) to the project in a group
named after the run, all drawn with one shared stretch, or reports why there are none. Every
line of the run's log goes to the log panel (tab "Spectral match") as it comes, and the one
message of the run carries it all under "Details".
"""
from __future__ import annotations

import os
import time
from typing import Callable, List, Optional

from qgis.core import Qgis, QgsMessageLog, QgsProject, QgsRasterLayer, QgsTask

from ..algorithms.loading import MatchedSet
from ..algorithms.metadata import plugin_version
from ..core import Cancelled, Feedback, SpectralMatchError
from .dialog import MatchRequest

LOG_TAG = "Spectral match"

# (level, message, details) -> None: shows the run's one message to the user (the message
# bar in QGIS); details is the full text behind its "Details" button.
Notify = Callable[[Qgis.MessageLevel, str, str], None]


class MatchTask(QgsTask):
    def __init__(self, request: MatchRequest, project: QgsProject, notify: Notify):
        super().__init__("", QgsTask.CanCancel)
        self.setDescription(self.tr("Spectral match of {} rasters").format(len(request.paths)))
        self.request = request
        self.project = project
        self.notify = notify
        self.group_name = self.tr("Spectral match {}").format(time.strftime("%Y-%m-%d %H:%M:%S"))
        self.outputs: List[str] = []
        self.mosaic: Optional[str] = None
        self.kept = False  # cancelled while mosaicking: the matched rasters stay
        self.error: Optional[str] = None
        self.log: List[str] = []

    def _log(self, text: str, level=Qgis.Info) -> None:
        self.log.append(text)
        QgsMessageLog.logMessage(text, LOG_TAG, level)  # thread-safe: the log panel, live

    def run(self) -> bool:  # worker thread: files only
        from .. import core  # numpy, scipy and GDAL only when a run starts

        r = self.request
        feedback = Feedback(
            progress=lambda fraction: self.setProgress(100.0 * fraction),
            is_canceled=self.isCanceled,
            info=self._log,
            warning=lambda text: self._log(self.tr("Warning: ") + text, Qgis.Warning),
        )
        mosaic = core.MosaicOptions(os.path.join(r.folder, "mosaic.tif")) if r.mosaic else None
        outputs = core.Outputs(r.folder, producer=plugin_version())
        try:
            if r.local:
                local_fit = core.LocalFit(blocks_per_image=r.blocks_per_image, method=r.method)
                result = core.run_match(r.paths, outputs, local_fit=local_fit,
                                        reference=r.reference, mosaic=mosaic,
                                        feedback=feedback)
            else:
                result = core.run_global(r.paths, outputs, reference=r.reference,
                                         mosaic=mosaic, feedback=feedback)
            self.outputs = result.outputs
            self.mosaic = mosaic.output if mosaic else None
            return True
        except Cancelled as exc:
            self.error = None
            self.outputs = exc.kept
            # Complete matched rasters are a result: finished() loads them. QGIS reports every
            # terminated task as "Task failed", so a run that keeps them completes; it stays
            # cancelled (isCanceled()) and its message says so.
            self.kept = bool(exc.kept)
            return self.kept
        except SpectralMatchError as exc:
            self.error = str(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - reported in finished(), never raised here
            self.error = self.tr("Unexpected error: {}").format(exc)
            return False

    def details(self, headline: str) -> str:
        """The full text behind the message's Details: the message, then the run's log."""
        return "\n".join([headline, ""] + self.log) if self.log else headline

    def finished(self, result: bool) -> None:  # main thread
        if not result:
            if self.error:
                QgsMessageLog.logMessage(self.error, LOG_TAG, Qgis.Critical)
                self.notify(Qgis.Critical, self.error, self.details(self.error))
            else:
                text = self.tr("Spectral match was cancelled; no output was kept.")
                self.notify(Qgis.Info, text, self.details(text))
            return
        matched = MatchedSet(self.outputs, self.request.paths, self.group_name,
                             mosaic=self.mosaic)
        for path in matched.paths():
            layer = QgsRasterLayer(path, os.path.splitext(os.path.basename(path))[0], "gdal")
            matched.add_layer(layer, self.project, path)
        if matched.group is not None:
            self.group_name = matched.group.name()
        if self.kept:
            text = self.tr(
                "Spectral match was cancelled while mosaicking; the {} matched rasters in "
                "{} are complete and kept (loaded), no mosaic was written.").format(
                    len(self.outputs), self.request.folder)
            self.notify(Qgis.Info, text, self.details(text))
            return
        warnings = [line for line in self.log if line.startswith(self.tr("Warning: "))]
        level = Qgis.Warning if warnings else Qgis.Success
        text = self.tr("{} matched rasters written to {}").format(
            len(self.outputs), self.request.folder)
        if self.mosaic:
            text += self.tr(", with their mosaic")
        if warnings:
            text += self.tr("; {} warning(s), see Details").format(len(warnings))
        self.notify(level, text, self.details(text))
