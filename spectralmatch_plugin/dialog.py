"""The "Match selected rasters" dialog: which layers, which method, where to write."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Sequence

from qgis.core import QgsProject, QgsRasterLayer, QgsSettings
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
)

from ..core import defaults

SETTINGS = "spectralmatch/dialog/"


@dataclass(frozen=True)
class MatchRequest:
    """Plain data for one run, built on the main thread; the task needs nothing else."""

    paths: List[str]
    names: List[str]
    local: bool  # global and local; else global only
    folder: str
    reference: Optional[str]
    blocks_per_image: int
    method: str
    mosaic: bool = False  # also mosaic.tif in the folder: the seamless mosaic of the outputs


def raster_file(layer) -> Optional[str]:
    """The file behind a GDAL raster layer, or None."""
    if not isinstance(layer, QgsRasterLayer) or layer.providerType() != "gdal":
        return None
    path = layer.source().split("|")[0]
    return path if os.path.isfile(path) else None


class MatchDialog(QDialog):
    def __init__(self, project: QgsProject, selected: Sequence = (), parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Spectral match: match rasters"))
        self.project = project
        settings = QgsSettings()
        chosen_ids = {layer.id() for layer in selected}

        self.layers = QListWidget()
        for layer in project.mapLayers().values():
            path = raster_file(layer)
            if path is None:
                continue
            item = QListWidgetItem(layer.name())
            item.setData(Qt.UserRole, layer.id())
            item.setToolTip(path)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if layer.id() in chosen_ids else Qt.Unchecked)
            self.layers.addItem(item)

        self.method = QComboBox()
        self.method.addItem(self.tr("Global and local (seamless mosaic)"), True)
        self.method.addItem(self.tr("Global only (one gain and offset per raster)"), False)
        self.method.setCurrentIndex(0 if settings.value(SETTINGS + "local", True, bool) else 1)

        self.local_method = QComboBox()
        labels = (self.tr("Gamma"), self.tr("Linear (ratio)"), self.tr("Offset (difference)"))
        for name, label in zip(defaults.LOCAL_METHODS, labels):
            self.local_method.addItem(label, name)
        saved = settings.value(SETTINGS + "method", defaults.LOCAL_METHOD, str)
        self.local_method.setCurrentIndex(max(0, self.local_method.findData(saved)))

        self.blocks = QSpinBox()
        self.blocks.setRange(1, 100000)
        self.blocks.setValue(settings.value(SETTINGS + "blocks", defaults.BLOCKS_PER_IMAGE, int))

        self.reference = QComboBox()
        self.reference.addItem(self.tr("None: the set's central tendency"), None)
        for i in range(self.layers.count()):
            item = self.layers.item(i)
            self.reference.addItem(item.text(), item.data(Qt.UserRole))

        self.mosaic = QCheckBox(self.tr("Also write the seamless mosaic (mosaic.tif)"))
        self.mosaic.setToolTip(self.tr(
            "One raster of the matched rasters, with seams that go around clouds and cross "
            "where the images agree, written to the output folder."))
        self.mosaic.setChecked(settings.value(SETTINGS + "mosaic", False, bool))

        self.folder = QgsFileWidget()
        self.folder.setStorageMode(QgsFileWidget.GetDirectory)
        self.folder.setFilePath(settings.value(SETTINGS + "folder", "", str))

        form = QFormLayout()
        form.addRow(self.tr("Method"), self.method)
        form.addRow(self.tr("Local correction"), self.local_method)
        form.addRow(self.tr("Blocks per image"), self.blocks)
        form.addRow(self.tr("Reference raster"), self.reference)
        form.addRow(self.tr("Output folder"), self.folder)
        form.addRow("", self.mosaic)
        self.method.currentIndexChanged.connect(self._update)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.layers.itemChanged.connect(self._update)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Rasters to match (two or more that overlap):")))
        layout.addWidget(self.layers)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._update()

    def checked_layer_ids(self) -> List[str]:
        return [self.layers.item(i).data(Qt.UserRole) for i in range(self.layers.count())
                if self.layers.item(i).checkState() == Qt.Checked]

    def _update(self, *_args) -> None:
        local = bool(self.method.currentData())
        self.local_method.setEnabled(local)
        self.blocks.setEnabled(local)
        ok = len(self.checked_layer_ids()) >= 2
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ok)

    def request(self) -> MatchRequest:
        """The run the dialog describes, as plain data; remembers the settings."""
        layers = [self.project.mapLayer(i) for i in self.checked_layer_ids()]
        folder = self.folder.filePath() or os.path.join(
            os.path.dirname(raster_file(layers[0])), "spectralmatch")
        ref_id = self.reference.currentData()
        ref_layer = self.project.mapLayer(ref_id) if ref_id else None
        request = MatchRequest(
            paths=[raster_file(layer) for layer in layers],
            names=[layer.name() for layer in layers],
            local=bool(self.method.currentData()),
            folder=folder,
            reference=raster_file(ref_layer) if ref_layer is not None else None,
            blocks_per_image=self.blocks.value(),
            method=self.local_method.currentData(),
            mosaic=self.mosaic.isChecked(),
        )
        settings = QgsSettings()
        settings.setValue(SETTINGS + "local", request.local)
        settings.setValue(SETTINGS + "method", request.method)
        settings.setValue(SETTINGS + "blocks", request.blocks_per_image)
        settings.setValue(SETTINGS + "folder", self.folder.filePath())
        settings.setValue(SETTINGS + "mosaic", request.mosaic)
        return request
