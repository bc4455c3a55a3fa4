"""The plugin object QGIS creates through classFactory."""
from __future__ import annotations

import os

from qgis.core import QgsApplication, QgsMessageOutput, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QPushButton

from .provider import SpectralMatchProvider

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _locale() -> str:
    """QGIS's user interface language, e.g. 'de' (QGIS may follow the system's)."""
    settings = QgsSettings()
    name = ""
    if not settings.value("locale/overrideFlag", False, type=bool):
        name = QLocale.system().name()
    name = name or settings.value("locale/userLocale", "", type=str) or QLocale().name()
    return name[:2]


def _menu() -> str:
    return QCoreApplication.translate("SpectralMatchPlugin", "Spectral match")


class SpectralMatchPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.translator = None
        self.action = None
        self.toolbar = None
        self.message = None  # the message bar item of the last run
        self.details = ""  # the full text behind its Details button
        self.tasks = []  # running tasks; Python must keep them alive
        path = os.path.join(PLUGIN_DIR, "i18n", f"spectralmatch_{_locale()}.qm")
        if os.path.exists(path):
            self.translator = QTranslator()
            if self.translator.load(path):
                QCoreApplication.installTranslator(self.translator)

    def initProcessing(self) -> None:  # noqa: N802 (called by QGIS and qgis_process)
        if self.provider is None:
            self.provider = SpectralMatchProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()
        icon = QIcon(os.path.join(PLUGIN_DIR, "icons", "spectralmatch.svg"))
        label = QCoreApplication.translate("SpectralMatchPlugin", "Match selected rasters…")
        self.action = QAction(icon, label, self.iface.mainWindow())
        self.action.setObjectName("spectralmatchMatchSelected")
        self.action.setToolTip(QCoreApplication.translate(
            "SpectralMatchPlugin", "Make the selected rasters radiometrically consistent"))
        self.action.triggered.connect(self.open_dialog)
        self.iface.addPluginToRasterMenu(_menu(), self.action)
        # A toolbar of its own: QGIS shows a new toolbar, while a fresh profile hides the
        # Raster toolbar.
        self.toolbar = self.iface.addToolBar(_menu())
        self.toolbar.setObjectName("spectralmatchToolbar")
        self.toolbar.addAction(self.action)

    def open_dialog(self) -> None:
        from .dialog import MatchDialog

        selected = self.iface.layerTreeView().selectedLayers()
        dialog = MatchDialog(QgsProject.instance(), selected, self.iface.mainWindow())
        if dialog.exec_():
            self.start(dialog.request())

    def start(self, request):
        """Run a request as a background task; the results arrive on the map. Layers that
        show a file the run replaces are removed from the project first (the dialog asked)."""
        from ..algorithms.loading import remove_layers
        from .dialog import layers_of_files
        from .task import MatchTask

        project = QgsProject.instance()
        stale = layers_of_files(project, [p for p in request.planned_outputs()
                                          if os.path.exists(p)])
        if stale:
            remove_layers(project, stale)
        task = MatchTask(request, project, self.notify)
        self.tasks.append(task)
        task.taskCompleted.connect(lambda: self._forget(task))
        task.taskTerminated.connect(lambda: self._forget(task))
        QgsApplication.taskManager().addTask(task)
        return task

    def _forget(self, task) -> None:
        if task in self.tasks:
            self.tasks.remove(task)

    def notify(self, level, text: str, details: str = "") -> None:
        """The run's one message: the previous run's message goes, the full text (error and
        log) sits behind "Details"."""
        bar = self.iface.messageBar()
        if self.message is not None:
            try:
                bar.popWidget(self.message)
            except RuntimeError:  # closed by the user
                pass
            self.message = None
        widget = bar.createMessage(_menu(), text.split("\n")[0])
        self.details = details or text
        if self.details:
            button = QPushButton(QCoreApplication.translate("SpectralMatchPlugin", "Details"))
            button.setObjectName("spectralmatchDetails")
            button.clicked.connect(lambda: self.show_details(self.details))
            widget.layout().addWidget(button)
        self.message = bar.pushWidget(widget, level, 0)

    def show_details(self, details: str) -> None:
        output = QgsMessageOutput.createMessageOutput()
        output.setTitle(_menu())
        output.setMessage(details, QgsMessageOutput.MessageText)
        output.showMessage()

    def unload(self) -> None:
        if self.action is not None:
            self.iface.removePluginRasterMenu(_menu(), self.action)
            self.action = None
        if self.toolbar is not None:
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
