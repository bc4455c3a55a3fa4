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
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
)

from ..core import defaults

SETTINGS = "spectralmatch/dialog/"
MOSAIC_NAME = "mosaic.tif"
DEFAULT_FOLDER = "spectralmatch"  # beside the first checked raster, when none was chosen yet
SHOWN_FILES = 8  # files named in the overwrite question; the rest are counted


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

    @property
    def suffix(self) -> str:
        return "_matched" if self.local else "_global"

    def planned_outputs(self) -> List[str]:
        """The files the run writes (core names them ``<input stem><suffix>.tif``)."""
        files = [os.path.join(self.folder, os.path.splitext(os.path.basename(p))[0]
                              + self.suffix + ".tif") for p in self.paths]
        if self.mosaic:
            files.append(os.path.join(self.folder, MOSAIC_NAME))
        return files


def raster_file(layer) -> Optional[str]:
    """The file behind a GDAL raster layer, or None."""
    if not isinstance(layer, QgsRasterLayer) or layer.providerType() != "gdal":
        return None
    path = layer.source().split("|")[0]
    return path if os.path.isfile(path) else None


def layers_of_files(project: QgsProject, paths: Sequence[str]) -> list:
    """The project's layers that show one of ``paths``."""
    wanted = {os.path.realpath(p) for p in paths}
    return [layer for layer in project.mapLayers().values()
            if os.path.realpath(layer.source().split("|")[0]) in wanted]


class MatchDialog(QDialog):
    def __init__(self, project: QgsProject, selected: Sequence = (), parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Spectral match: match rasters"))
        self.project = project
        settings = QgsSettings()
        self._auto_folder = ""  # the default the folder field shows until the user edits it

        self.layers = QListWidget()
        rasters = [(layer, raster_file(layer)) for layer in project.mapLayers().values()]
        rasters = [(layer, path) for layer, path in rasters if path is not None]
        chosen = self._initially_checked(rasters, selected, settings)
        for layer, path in rasters:
            item = QListWidgetItem(layer.name())
            item.setData(Qt.UserRole, layer.id())
            item.setToolTip(path)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if layer.id() in chosen else Qt.Unchecked)
            self.layers.addItem(item)
        self.hint = QLabel(self.tr("Check at least two overlapping rasters to match."))
        self.hint.setStyleSheet("color: #b00020;")

        self.method = QComboBox()
        self.method.addItem(self.tr("Global and local (one gain and offset, then a smooth "
                                    "local correction)"), True)
        self.method.addItem(self.tr("Global only (one gain and offset per raster)"), False)
        self.method.setCurrentIndex(0 if settings.value(SETTINGS + "local", True, bool) else 1)

        self.local_method = QComboBox()
        labels = (self.tr("Gamma"), self.tr("Linear (ratio)"), self.tr("Offset (difference)"))
        for name, label in zip(defaults.LOCAL_METHODS, labels):
            self.local_method.addItem(label, name)
        saved = settings.value(SETTINGS + "method", defaults.LOCAL_METHOD, str)
        self.local_method.setCurrentIndex(max(0, self.local_method.findData(saved)))
        tips = (self.tr("A power of the values, as Yu et al. (2017): bends dark and bright "
                        "values differently. Positive data only."),
                self.tr("A factor that changes smoothly across the image: for haze, "
                        "vignetting, sun angle. Positive data only."),
                self.tr("A value added that changes smoothly across the image: for data "
                        "with zero or negative values (reflectance differences, heights)."))
        for index, tip in enumerate(tips):
            self.local_method.setItemData(index, tip, Qt.ToolTipRole)
        self.local_method.setToolTip(self.tr(
            "How the smooth local correction acts on the values (hover an entry)."))

        self.blocks = QSpinBox()
        self.blocks.setRange(1, 100000)
        self.blocks.setValue(settings.value(SETTINGS + "blocks", defaults.BLOCKS_PER_IMAGE, int))
        self.blocks.setToolTip(self.tr(
            "How finely the local correction can vary: about this many surface nodes per "
            "image (more where an overlap is narrow). More follows smaller variations, "
            "fewer smooths more."))
        self.method.setToolTip(self.tr(
            "Global only corrects each raster by one gain and offset per band; global and "
            "local also removes differences that vary across the images."))

        self.reference = QComboBox()
        self.reference.addItem(self.tr("None: the set's central tendency"), None)
        self.reference.setToolTip(self.tr(
            "A raster that stays exactly as it is; the others are matched to it. None: every "
            "raster moves towards the set's common level."))
        for i in range(self.layers.count()):
            item = self.layers.item(i)
            self.reference.addItem(item.text(), item.data(Qt.UserRole))

        self.mosaic = QCheckBox(self.tr("Also write their seamless mosaic (mosaic.tif)"))
        self.mosaic.setToolTip(self.tr(
            "One raster of the matched rasters, with seams that go around clouds and cross "
            "where the images agree, written to the output folder."))
        self.mosaic.setChecked(settings.value(SETTINGS + "mosaic", False, bool))

        self.folder = QgsFileWidget()
        self.folder.setStorageMode(QgsFileWidget.GetDirectory)
        self.folder.setFilePath(settings.value(SETTINGS + "folder", "", str))
        self.writes = QLabel()
        self.writes.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Method"), self.method)
        form.addRow(self.tr("Local correction"), self.local_method)
        form.addRow(self.tr("Blocks per image"), self.blocks)
        form.addRow(self.tr("Reference raster"), self.reference)
        form.addRow("", self.mosaic)
        form.addRow(self.tr("Output folder"), self.folder)
        form.addRow("", self.writes)
        self.method.currentIndexChanged.connect(self._update)
        self.mosaic.toggled.connect(self._update)
        self.folder.fileChanged.connect(self._update)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.layers.itemChanged.connect(self._update)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Rasters to match (two or more that overlap):")))
        layout.addWidget(self.layers)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._update()

    @staticmethod
    def _initially_checked(rasters, selected, settings) -> set:
        """The layers selected in the Layers panel where they are two or more rasters; else
        those checked in the last run (remembered by file), so that reopening the dialog after
        an error finds them checked again."""
        ids = {layer.id() for layer, _ in rasters}
        chosen = {layer.id() for layer in selected if layer.id() in ids}
        if len(chosen) >= 2:
            return chosen
        remembered = {os.path.realpath(p) for p in
                      settings.value(SETTINGS + "checked", "", str).split("\n") if p}
        again = {layer.id() for layer, path in rasters if os.path.realpath(path) in remembered}
        return again if len(again) >= 2 else chosen

    def checked_layer_ids(self) -> List[str]:
        return [self.layers.item(i).data(Qt.UserRole) for i in range(self.layers.count())
                if self.layers.item(i).checkState() == Qt.Checked]

    def _update(self, *_args) -> None:
        local = bool(self.method.currentData())
        self.local_method.setEnabled(local)
        self.blocks.setEnabled(local)
        checked = self.checked_layer_ids()
        self.hint.setVisible(len(checked) < 2)
        if self.layers.count() < 2:  # nothing to check: say where rasters come from
            self.hint.setText(self.tr(
                "The project holds fewer than two rasters. Add the overlapping rasters to "
                "match (Layer > Add Layer > Add Raster Layer), then open this dialog again."))
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(len(checked) >= 2)
        # A default folder, shown in the field: beside the first checked raster.
        current = self.folder.filePath()
        if checked and (not current or current == self._auto_folder):
            path = raster_file(self.project.mapLayer(checked[0]))
            self._auto_folder = os.path.join(os.path.dirname(path), DEFAULT_FOLDER)
            if current != self._auto_folder:
                self.folder.setFilePath(self._auto_folder)  # calls _update again
                return
        suffix = "_matched" if local else "_global"
        text = self.tr("Writes <raster name>{}.tif for each checked raster").format(suffix)
        if self.mosaic.isChecked():
            text += self.tr(", and their seamless mosaic {}").format(MOSAIC_NAME)
        self.writes.setText(text + self.tr(", into the output folder."))

    def request(self) -> MatchRequest:
        """The run the dialog describes, as plain data; remembers the settings."""
        layers = [self.project.mapLayer(i) for i in self.checked_layer_ids()]
        folder = self.folder.filePath() or os.path.join(
            os.path.dirname(raster_file(layers[0])), DEFAULT_FOLDER)
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
        # A folder of the default's name belongs beside its rasters, not to the next set.
        settings.setValue(SETTINGS + "folder", folder if folder != self._auto_folder
                          and os.path.basename(os.path.normpath(folder)) != DEFAULT_FOLDER
                          else "")
        settings.setValue(SETTINGS + "mosaic", request.mosaic)
        settings.setValue(SETTINGS + "checked", "\n".join(request.paths))
        return request

    def accept(self) -> None:
        """OK: where outputs exist already, ask before they are replaced."""
        request = self.request()
        existing = [p for p in request.planned_outputs() if os.path.exists(p)]
        if existing and not self.confirm_overwrite(request, existing):
            return
        super().accept()

    def confirm_overwrite(self, request: MatchRequest, existing: List[str]) -> bool:
        loaded = layers_of_files(self.project, existing)
        names = [os.path.basename(p) for p in existing[:SHOWN_FILES]]
        if len(existing) > SHOWN_FILES:
            names.append(self.tr("… and {} more").format(len(existing) - SHOWN_FILES))
        text = self.tr("{} of the files this run writes exist already in {} and will be "
                       "replaced:").format(len(existing), request.folder)
        text += "\n\n" + "\n".join(names)
        if loaded:
            text += "\n\n" + self.tr("{} of them are layers of this project; they are removed "
                                     "from it before the run.").format(len(loaded))
        box = QMessageBox(QMessageBox.Question, self.tr("Replace existing outputs?"), text,
                          QMessageBox.Yes | QMessageBox.No, self)
        box.button(QMessageBox.Yes).setText(self.tr("Replace"))
        box.setDefaultButton(QMessageBox.No)
        return box.exec_() == QMessageBox.Yes
