"""Screenshots for the README: the dialog, and the matched demo rasters (and their mosaic)
loaded in a project.

Real widgets on Qt's offscreen platform: the plugin's dialog with the demo layers, and a
layer tree next to a map canvas after a run of the plugin's task, exactly as the action
leaves them (a layer group named after the run).

usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py docs/
"""
import glob
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build", "plugins"))

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsLayerTreeModel,
    QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsLayerTreeMapCanvasBridge, QgsLayerTreeView, QgsMapCanvas  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication, Qt  # noqa: E402
from qgis.PyQt.QtWidgets import QSplitter  # noqa: E402


def main(target: str) -> None:
    app = QgsApplication([], True)
    app.initQgis()
    from spectralmatch.spectralmatch_plugin.dialog import MatchDialog
    from spectralmatch.spectralmatch_plugin.task import MatchTask

    project = QgsProject.instance()
    inputs = sorted(glob.glob(os.path.join(ROOT, "demo", "data", "*.tif")))
    layers = [QgsRasterLayer(p, os.path.basename(p)[:-4]) for p in inputs]
    for layer in layers:
        renderer = layer.renderer()
        renderer.setRedBand(3)
        renderer.setGreenBand(2)
        renderer.setBlueBand(1)
        for ce in (renderer.redContrastEnhancement(), renderer.greenContrastEnhancement(),
                   renderer.blueContrastEnhancement()):
            ce.setMinimumValue(7000)
            ce.setMaximumValue(14000)
    project.addMapLayers(layers)

    out = tempfile.mkdtemp(prefix="sm-shots-")
    dialog = MatchDialog(project, selected=layers)
    dialog.folder.setFilePath(out)
    dialog.mosaic.setChecked(True)
    dialog.resize(520, 500)
    dialog.show()
    QCoreApplication.processEvents()
    dialog.grab().save(os.path.join(target, "dialog.png"))

    request = dialog.request()
    messages = []
    task = MatchTask(request, project, lambda level, text: messages.append(text))
    done = []
    task.taskCompleted.connect(lambda: done.append(1))
    QgsApplication.taskManager().addTask(task)
    while not done:
        QCoreApplication.processEvents()
        time.sleep(0.02)
    group = project.layerTreeRoot().findGroup(task.group_name)
    for layer in layers:
        project.layerTreeRoot().findLayer(layer.id()).setItemVisibilityChecked(False)

    splitter = QSplitter(Qt.Horizontal)
    view = QgsLayerTreeView()
    model = QgsLayerTreeModel(project.layerTreeRoot())  # kept: the view does not own it
    view.setModel(model)
    view.expandAll()
    canvas = QgsMapCanvas()
    QgsLayerTreeMapCanvasBridge(project.layerTreeRoot(), canvas)
    splitter.addWidget(view)
    splitter.addWidget(canvas)
    splitter.resize(1100, 480)
    splitter.setSizes([330, 770])
    splitter.show()
    QCoreApplication.processEvents()
    canvas.setDestinationCrs(layers[0].crs())
    canvas.setLayers([n.layer() for n in group.findLayers()])
    canvas.zoomToFullExtent()
    canvas.refresh()
    canvas.waitWhileRendering()
    QCoreApplication.processEvents()
    splitter.grab().save(os.path.join(target, "result_in_qgis.png"))
    print("\n".join(messages))
    app.exitQgis()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs"))
