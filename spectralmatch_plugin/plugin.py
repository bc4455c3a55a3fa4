"""The plugin object QGIS creates through classFactory."""
from __future__ import annotations

import os

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

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


class SpectralMatchPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.translator = None
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

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
