"""The Processing provider "Spectral match" (id ``spectralmatch``)."""
from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..algorithms.base import ICON
from ..algorithms.apply_model import ApplyModelAlgorithm
from ..algorithms.global_match import GlobalMatchAlgorithm
from ..algorithms.local_match import LocalMatchAlgorithm
from ..algorithms.match import MatchAlgorithm
from ..algorithms.mosaic import MosaicAlgorithm


class SpectralMatchProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "spectralmatch"

    def name(self) -> str:
        return QCoreApplication.translate("SpectralMatchProvider", "Spectral match")

    def longName(self) -> str:  # noqa: N802
        return self.name()

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def supportedOutputRasterLayerExtensions(self):  # noqa: N802
        """Mosaics are written as GeoTIFF, or as a VRT that cuts along the seams."""
        return ["tif", "vrt"]

    def defaultRasterFileExtension(self) -> str:  # noqa: N802
        return "tif"

    def loadAlgorithms(self) -> None:  # noqa: N802
        for alg in (GlobalMatchAlgorithm(), LocalMatchAlgorithm(), MatchAlgorithm(),
                    ApplyModelAlgorithm(), MosaicAlgorithm()):
            self.addAlgorithm(alg)
