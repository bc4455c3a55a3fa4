"""The plugin object QGIS creates through classFactory."""
from __future__ import annotations

import os

from qgis.core import QgsApplication, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

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
        self.iface.addRasterToolBarIcon(self.action)

    def open_dialog(self) -> None:
        from .dialog import MatchDialog

        selected = self.iface.layerTreeView().selectedLayers()
        dialog = MatchDialog(QgsProject.instance(), selected, self.iface.mainWindow())
        if dialog.exec_():
            self.start(dialog.request())

    def start(self, request):
        """Run a request as a background task; the results arrive on the map."""
        from .task import MatchTask

        task = MatchTask(request, QgsProject.instance(), self.notify)
        self.tasks.append(task)
        task.taskCompleted.connect(lambda: self._forget(task))
        task.taskTerminated.connect(lambda: self._forget(task))
        QgsApplication.taskManager().addTask(task)
        return task

    def _forget(self, task) -> None:
        if task in self.tasks:
            self.tasks.remove(task)

    def notify(self, level, text: str) -> None:
        self.iface.messageBar().pushMessage(_menu(), text, level, 0)

    def unload(self) -> None:
        if self.action is not None:
            self.iface.removePluginRasterMenu(_menu(), self.action)
            self.iface.removeRasterToolBarIcon(self.action)
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
