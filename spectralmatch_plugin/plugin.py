"""The plugin object QGIS creates through classFactory."""
from __future__ import annotations

from qgis.core import QgsApplication

from .provider import SpectralMatchProvider


class SpectralMatchPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None

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
