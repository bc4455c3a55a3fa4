"""Run a match in the background as a QgsTask, then put the results on the map.

The task gets a plain :class:`MatchRequest`; its ``run()`` works on files only and never
touches layers, the project or widgets. ``finished()`` runs on the main thread: it adds the
written rasters (and the mosaic, on top, where one was asked for) to the project in a group
named after the run, or reports why there are none.
"""
from __future__ import annotations

import os
import time
from typing import Callable, List, Optional

from qgis.core import Qgis, QgsProject, QgsRasterLayer, QgsTask

from ..algorithms.metadata import plugin_version
from ..core import Cancelled, Feedback, SpectralMatchError
from .dialog import MatchRequest

# (level, message) -> None: shows a message to the user (the message bar in QGIS).
Notify = Callable[[Qgis.MessageLevel, str], None]


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
        self.error: Optional[str] = None
        self.log: List[str] = []

    def run(self) -> bool:  # worker thread: files only
        from .. import core  # numpy, scipy and GDAL only when a run starts

        r = self.request
        feedback = Feedback(
            progress=lambda fraction: self.setProgress(100.0 * fraction),
            is_canceled=self.isCanceled,
            info=self.log.append,
            warning=lambda text: self.log.append(self.tr("Warning: ") + text),
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
                                         feedback=feedback.stage(0.0, 0.8 if mosaic else 1.0))
                if mosaic:
                    try:
                        core.run_mosaic(result.outputs, mosaic,
                                        feedback=feedback.stage(0.8, 1.0))
                    except Cancelled:
                        raise Cancelled("", kept=result.outputs) from None
            self.outputs = result.outputs
            self.mosaic = mosaic.output if mosaic else None
            return True
        except Cancelled as exc:
            self.error = None
            self.outputs = exc.kept
            return False
        except SpectralMatchError as exc:
            self.error = str(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - reported in finished(), never raised here
            self.error = self.tr("Unexpected error: {}").format(exc)
            return False

    def finished(self, result: bool) -> None:  # main thread
        if not result:
            if self.error:
                self.notify(Qgis.Critical, self.error)
            elif self.outputs:
                self.notify(Qgis.Info, self.tr(
                    "Spectral match was cancelled while mosaicking; the {} matched rasters in "
                    "{} are complete and kept, no mosaic was written.").format(
                        len(self.outputs), self.request.folder))
            else:
                self.notify(Qgis.Info, self.tr("Spectral match was cancelled; no output was kept."))
            return
        root = self.project.layerTreeRoot()
        group = root.insertGroup(0, self.group_name)
        sources = {}
        for layer in self.project.mapLayers().values():
            if isinstance(layer, QgsRasterLayer):
                sources.setdefault(os.path.realpath(layer.source().split("|")[0]), layer)
        pairs = list(zip(self.outputs, self.request.paths))
        if self.mosaic:  # on top, drawn like the first input
            pairs.insert(0, (self.mosaic, self.request.paths[0]))
        for path, src in pairs:
            layer = QgsRasterLayer(path, os.path.splitext(os.path.basename(path))[0], "gdal")
            source = sources.get(os.path.realpath(src))
            if source is not None and source.renderer() is not None:
                layer.setRenderer(source.renderer().clone())  # the same band rendering
            self.project.addMapLayer(layer, False)
            group.addLayer(layer)
        warnings = [line for line in self.log if line.startswith(self.tr("Warning: "))]
        level = Qgis.Warning if warnings else Qgis.Success
        text = self.tr("{} matched rasters written to {}").format(
            len(self.outputs), self.request.folder)
        if self.mosaic:
            text += self.tr(", with their mosaic")
        self.notify(level, "; ".join([text] + warnings))
