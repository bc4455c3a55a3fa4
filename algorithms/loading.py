"""Outputs handed to QGIS to load when an algorithm ends (toolbox, model, not qgis_process).

``processAlgorithm`` runs on a worker thread from the toolbox, so it only registers the
files with the context; everything that touches the project or a layer's renderer happens in
the post-processor, which QGIS calls on the main thread once the layer is loaded.
"""
from __future__ import annotations

import os
from typing import List

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
)

# Post-processors must outlive the algorithm run that creates them.
_POST_PROCESSORS: List["SameRendering"] = []


class SameRendering(QgsProcessingLayerPostProcessorInterface):
    """Gives a loaded output the band rendering of the project's layer of its input."""

    def __init__(self, source_path: str):
        super().__init__()
        self.source = os.path.realpath(source_path)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (main thread)
        project = context.project()
        if isinstance(layer, QgsRasterLayer) and project is not None:
            for candidate in project.mapLayers().values():
                if (isinstance(candidate, QgsRasterLayer) and candidate.renderer() is not None
                        and os.path.realpath(candidate.source().split("|")[0]) == self.source):
                    layer.setRenderer(candidate.renderer().clone())
                    layer.triggerRepaint()
                    break
        if self in _POST_PROCESSORS:
            _POST_PROCESSORS.remove(self)


def load_on_completion(context, outputs: List[str], inputs: List[str], output_name: str) -> None:
    """Ask QGIS to load the written rasters when the run ends; each is drawn like the
    project's layer of its input, where there is one."""
    project = context.project()
    if project is None:
        return
    for out, src in zip(outputs, inputs):
        name = os.path.splitext(os.path.basename(out))[0]
        details = QgsProcessingContext.LayerDetails(name, project, output_name)
        post = SameRendering(src)
        _POST_PROCESSORS.append(post)
        details.setPostProcessor(post)
        context.addLayerToLoadOnCompletion(out, details)
