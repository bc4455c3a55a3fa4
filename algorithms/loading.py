"""Matched outputs on the map: one look for one matched set, one group per run, seamlines as
outlines.

A matched set only looks as consistent as it is when every raster of it is drawn with the same
bands and the same stretch; QGIS's default (each layer stretched to its own statistics) makes
seamless rasters look mismatched. The stretch is the 2-98% cumulative cut of the combined
values of the set's matched rasters, read with GDAL from the files; the mosaic of the set takes
the same stretch.

Everything that touches layers or the project runs on the main thread: in a layer
post-processor (toolbox, models; QGIS calls it while loading the results) or in the desktop
task's ``finished()``. ``processAlgorithm`` only registers the outputs through
:func:`register_outputs`, which reads nothing from the project.
"""
from __future__ import annotations

import math
import os
from typing import Dict, List, Optional, Sequence, Tuple

from qgis.core import (
    QgsContrastEnhancement,
    QgsProcessing,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterMultipleLayers,
    QgsFillSymbol,
    QgsLayerTreeGroup,
    QgsLayerTreeLayer,
    QgsMultiBandColorRenderer,
    QgsPalLayerSettings,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingUtils,
    QgsProject,
    QgsRasterLayer,
    QgsSingleBandGrayRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QColor

CUMULATIVE_CUT = (0.02, 0.98)
SAMPLES = 1_000_000  # values per band read for the stretch, over the whole set (decimated)
SEAMLINE_COLOUR = "255,221,0"
RUN_GROUP = "spectralmatch/run"  # custom property of a run's layer group
UNRANKED = 1 << 30  # the place of a layer that is not of the set: after it

Bands = Tuple[int, ...]
Stretch = List[Tuple[float, float]]


# -- what is drawn ---------------------------------------------------------------------------


def display_bands(layer: QgsRasterLayer, template: Optional[QgsRasterLayer] = None) -> Bands:
    """The bands to draw: those of ``template`` (an input layer the user styled) where its
    renderer names them, else those QGIS chose for ``layer``; (red, green, blue) or (grey,)."""
    count = layer.bandCount()
    for source in (template, layer):
        renderer = source.renderer() if source is not None else None
        if isinstance(renderer, QgsMultiBandColorRenderer):
            bands = (renderer.redBand(), renderer.greenBand(), renderer.blueBand())
        elif isinstance(renderer, QgsSingleBandGrayRenderer):
            bands = (renderer.grayBand(),)
        else:
            continue
        if all(1 <= b <= count for b in bands):
            return bands
    return (1, 2, 3) if count >= 3 else (1,)


def set_stretch(paths: Sequence[str], bands: Bands, cut=CUMULATIVE_CUT) -> Stretch:
    """Per band (low, high): the ``cut`` quantiles of the valid values of all ``paths`` together.

    Every raster is read once for all ``bands``, at one common decimation (so each weighs by
    its area), valid where GDAL's mask says so (no-data value, mask band, alpha) and not NaN.
    Reading writes no .aux.xml.
    """
    import numpy as np
    from osgeo import gdal

    datasets = []
    for path in paths:
        ds = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
        if ds is not None and max(bands) <= ds.RasterCount:
            datasets.append(ds)
    total = sum(ds.RasterXSize * ds.RasterYSize for ds in datasets)
    step = max(1.0, math.sqrt(total / SAMPLES)) if total else 1.0
    values: List[list] = [[] for _ in bands]
    for ds in datasets:
        cols = max(1, int(round(ds.RasterXSize / step)))
        rows = max(1, int(round(ds.RasterYSize / step)))
        data = ds.ReadAsArray(band_list=list(bands), buf_xsize=cols, buf_ysize=rows)
        data = data.reshape(len(bands), rows, cols).astype(np.float64)
        for k, band_number in enumerate(bands):
            valid = np.isfinite(data[k]) & _valid(ds.GetRasterBand(band_number), data[k],
                                                  cols, rows)
            values[k].append(data[k][valid])
    stretch = []
    for parts in values:
        joined = np.concatenate(parts) if parts else np.empty(0)
        if joined.size == 0:
            stretch.append((0.0, 1.0))
            continue
        low, high = np.quantile(joined, cut)
        stretch.append((float(low), float(high) if high > low else float(low) + 1.0))
    return stretch


def _valid(band, data, cols: int, rows: int):
    """Where ``band`` (read as ``data``) has data: from its no-data value when that is all its
    mask is (no second read), else from its mask band."""
    from osgeo import gdal

    flags = band.GetMaskFlags()
    if flags & gdal.GMF_ALL_VALID:
        return True
    if flags & gdal.GMF_NODATA:
        nodata = band.GetNoDataValue()
        return data != nodata
    return band.GetMaskBand().ReadAsArray(buf_xsize=cols, buf_ysize=rows) > 0


def shared_renderer(layer: QgsRasterLayer, bands: Bands, stretch: Stretch):
    """A renderer for ``layer`` that draws ``bands`` stretched linearly over ``stretch``."""
    provider = layer.dataProvider()

    def enhancement(band: int, low_high: Tuple[float, float]) -> QgsContrastEnhancement:
        ce = QgsContrastEnhancement(provider.dataType(band))
        ce.setContrastEnhancementAlgorithm(QgsContrastEnhancement.StretchToMinimumMaximum)
        ce.setMinimumValue(low_high[0])
        ce.setMaximumValue(low_high[1])
        return ce

    if len(bands) == 3:
        renderer = QgsMultiBandColorRenderer(provider, *bands)
        renderer.setRedContrastEnhancement(enhancement(bands[0], stretch[0]))
        renderer.setGreenContrastEnhancement(enhancement(bands[1], stretch[1]))
        renderer.setBlueContrastEnhancement(enhancement(bands[2], stretch[2]))
    else:
        renderer = QgsSingleBandGrayRenderer(provider, bands[0])
        renderer.setContrastEnhancement(enhancement(bands[0], stretch[0]))
    return renderer


def style_seamlines(layer: QgsVectorLayer) -> None:
    """Seamline polygons as outlines over the mosaic, each labelled with its image."""
    symbol = QgsFillSymbol.createSimple({
        "style": "no", "outline_color": SEAMLINE_COLOUR, "outline_width": "0.6",
        "outline_width_unit": "MM"})
    layer.renderer().setSymbol(symbol)
    field = "image" if layer.fields().indexOf("image") >= 0 else ""
    if field:
        settings = QgsPalLayerSettings()
        settings.fieldName = field
        text = QgsTextFormat()
        text.setColor(QColor(SEAMLINE_COLOUR))
        text.setSize(9)
        buffer = QgsTextBufferSettings()
        buffer.setEnabled(True)
        buffer.setColor(QColor("black"))
        buffer.setSize(0.8)
        text.setBuffer(buffer)
        settings.setFormat(text)
        layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
        layer.setLabelsEnabled(True)
    layer.triggerRepaint()


def unique_name(project: QgsProject, name: str, group: bool = False,
                exclude: str = "") -> str:
    """``name``, or ``name (2)``, ``name (3)``… where the project already has a layer (or a
    group) of that name, so that the layers of several runs can be told apart; the layer of
    id ``exclude`` does not count."""
    if group:
        taken = {g.name() for g in _groups(project.layerTreeRoot())}
    else:
        taken = {layer.name() for lid, layer in project.mapLayers().items() if lid != exclude}
    if name not in taken:
        return name
    k = 2
    while f"{name} ({k})" in taken:
        k += 1
    return f"{name} ({k})"


def _groups(node) -> List[QgsLayerTreeGroup]:
    found = []
    for child in node.children():
        if isinstance(child, QgsLayerTreeGroup):
            found.append(child)
            found.extend(_groups(child))
    return found


def remove_layers(project: QgsProject, layers: Sequence) -> None:
    """Remove ``layers`` from the project, and the run groups (of earlier runs) that they
    leave empty: a run that replaces an earlier one's files left an empty group behind."""
    root = project.layerTreeRoot()
    groups = set()
    for layer in layers:
        node = root.findLayer(layer.id())
        parent = node.parent() if node is not None else None
        while isinstance(parent, QgsLayerTreeGroup) and parent.customProperty(RUN_GROUP):
            groups.add(parent)
            parent = parent.parent()
    project.removeMapLayers([layer.id() for layer in layers])
    for group in sorted(groups, key=_depth, reverse=True):  # inner groups first
        if not group.children() and group.parent() is not None:
            group.parent().removeChildNode(group)


def _depth(node) -> int:
    depth = 0
    while node.parent() is not None:
        node, depth = node.parent(), depth + 1
    return depth


def stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


# -- one run's outputs -----------------------------------------------------------------------


class MatchedSet:
    """The outputs of one run: drawn alike, loaded together in one group.

    ``rasters`` are the matched rasters (their combined values set the stretch), ``inputs``
    the files they come from (an input loaded as a layer lends its band choice), ``mosaic``
    and ``seamlines`` the optional mosaic of the set and its seamline polygons.
    """

    def __init__(self, rasters: Sequence[str], inputs: Sequence[str] = (), title: str = "",
                 mosaic: Optional[str] = None, seamlines: Optional[str] = None):
        self.rasters = list(rasters)
        self.inputs = list(inputs)
        self.title = title
        self.mosaic = mosaic
        self.seamlines = seamlines
        self.group: Optional[QgsLayerTreeGroup] = None
        self._look: Optional[Tuple[Bands, Stretch]] = None
        self._ranks: Dict[str, int] = {}

    def paths(self) -> List[str]:
        """Every file of the set, in the order they stand in the group (top first)."""
        return [p for p in (self.seamlines, self.mosaic) if p] + self.rasters

    def rank(self, path: str) -> int:
        key = os.path.realpath(path)
        for k, p in enumerate(self.paths()):
            if os.path.realpath(p) == key:
                return k
        return len(self.paths())

    def look(self, layer: QgsRasterLayer, project: Optional[QgsProject]) -> Tuple[Bands, Stretch]:
        """The set's bands and stretch, computed once (from the first raster loaded)."""
        if self._look is None:
            bands = display_bands(layer, self._styled_input(project))
            stretch = set_stretch(self.rasters or [layer.source()], bands)
            self._look = (bands, stretch)
        return self._look

    def _styled_input(self, project: Optional[QgsProject]) -> Optional[QgsRasterLayer]:
        if project is None:
            return None
        wanted = [os.path.realpath(p) for p in self.inputs]
        found = {}
        for candidate in project.mapLayers().values():
            if isinstance(candidate, QgsRasterLayer):
                path = os.path.realpath(candidate.source().split("|")[0])
                found.setdefault(path, candidate)
        for path in wanted:
            if path in found:
                return found[path]
        return None

    def style(self, layer, project: Optional[QgsProject]) -> None:
        if isinstance(layer, QgsRasterLayer):
            bands, stretch = self.look(layer, project)
            if max(bands) <= layer.bandCount():
                layer.setRenderer(shared_renderer(layer, bands, stretch))
        elif isinstance(layer, QgsVectorLayer):
            style_seamlines(layer)
        layer.triggerRepaint()

    def name_of(self, path: str) -> str:
        """The file's stem; a temporary mosaic or seamlines file is named after its
        parameter (MOSAIC, SEAMLINES_OUT, OUTPUT), and gets a readable name instead."""
        name = stem(path)
        if name in ("MOSAIC", "SEAMLINES_OUT", "OUTPUT"):
            for output, label in (
                    (self.mosaic, QCoreApplication.translate("LoadIntoSet", "Mosaic")),
                    (self.seamlines, QCoreApplication.translate("LoadIntoSet", "Seamlines"))):
                if output and os.path.normpath(output) == os.path.normpath(path):
                    return label
        return name

    def add_layer(self, layer, project: QgsProject, path: Optional[str] = None) -> None:
        """Style ``layer``, name it so that runs can be told apart, and put it in the run's
        group at its place (seamlines, mosaic, then the rasters in input order)."""
        path = path or layer.source().split("|")[0]
        self.style(layer, project)
        layer.setName(unique_name(project, self.name_of(path), exclude=layer.id()))
        if layer.id() not in project.mapLayers():
            project.addMapLayer(layer, False)
        node = project.layerTreeRoot().findLayer(layer.id())
        group = self._group(project, node)
        rank = self.rank(path)
        self._ranks[layer.id()] = rank
        # Before the first node of a higher rank; the layer's own node (where QGIS put it)
        # does not count. The new node goes in before the old one goes: a layer without a
        # node in the tree would leave the project.
        children = group.children()
        later_nodes = [i for i, child in enumerate(children)
                       if isinstance(child, QgsLayerTreeLayer) and child.layerId() != layer.id()
                       and self._ranks.get(child.layerId(), UNRANKED) > rank]
        group.insertLayer(later_nodes[0] if later_nodes else len(children), layer)
        if node is not None and node.parent() is not None:
            node.parent().removeChildNode(node)

    def _group(self, project: QgsProject, node) -> QgsLayerTreeGroup:
        """The run's group: created once, beside where QGIS put the first layer, but never
        inside the group of another run."""
        if self.group is not None:
            try:
                self.group.name()
                return self.group
            except RuntimeError:  # deleted by the user meanwhile
                self.group = None
        parent = node.parent() if node is not None and node.parent() is not None \
            else project.layerTreeRoot()
        anchor = node
        while parent.customProperty(RUN_GROUP) and parent.parent() is not None:
            anchor, parent = parent, parent.parent()
        children = parent.children()
        index = children.index(anchor) if anchor in children else 0
        self.group = parent.insertGroup(index, unique_name(project, self.title, group=True))
        self.group.setCustomProperty(RUN_GROUP, True)
        return self.group


# -- the toolbox: outputs registered on the context, styled when QGIS loads them --------------

_PENDING: List["LoadIntoSet"] = []  # the Python side of post-processors not yet called


class LoadIntoSet(QgsProcessingLayerPostProcessorInterface):
    """Called by QGIS on the main thread when one output of a run is loaded. One per output:
    the context owns (and deletes) each post-processor it is given."""

    def __init__(self, matched: MatchedSet, project: QgsProject):
        super().__init__()
        self.matched = matched
        self.project = project

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        project = self.project or context.project() or QgsProject.instance()
        self.matched.add_layer(layer, project)
        if self in _PENDING:
            _PENDING.remove(self)


def passed_on(output) -> bool:
    """Whether the OUTPUT folder a run was given is an in-between result of a model: a
    temporary destination the model made (``<temporary folder>/<32 hex>/OUTPUT``) for an
    output it passes on to the next algorithm and does not offer. Those are not loaded, as
    QGIS loads no in-between result of its own algorithms (a run of the model loaded the
    first step's rasters beside the model's results). A run given ``TEMPORARY_OUTPUT`` (the
    toolbox's temporary folder) makes its folder itself and loads it."""
    if not isinstance(output, str) or not output or output == QgsProcessing.TEMPORARY_OUTPUT:
        return False
    parent = os.path.dirname(os.path.abspath(output))
    return (len(os.path.basename(parent)) == 32
            and all(c in "0123456789abcdef" for c in os.path.basename(parent))
            and os.path.dirname(parent) == os.path.abspath(QgsProcessingUtils.tempFolder()))


def register_outputs(context: QgsProcessingContext, matched: MatchedSet,
                     output_name: str) -> None:
    """Have QGIS load a run's outputs when it ends (toolbox and models, not qgis_process):
    the rasters as raster layers (no probing by OGR), and the mosaic and seamlines, which
    Processing registered through their destination parameters, into the run's group.
    Reads nothing from the project: runs from ``processAlgorithm`` on a worker thread."""
    project = context.project()
    if project is None:
        return

    def post() -> LoadIntoSet:
        made = LoadIntoSet(matched, project)
        _PENDING.append(made)
        return made

    for path in matched.rasters:
        details = QgsProcessingContext.LayerDetails(stem(path), project, output_name)
        details.layerTypeHint = QgsProcessingUtils.LayerHint.Raster
        details.setPostProcessor(post())
        context.addLayerToLoadOnCompletion(path, details)
    for path in (matched.mosaic, matched.seamlines):
        if path and context.willLoadLayerOnCompletion(path):
            context.layerToLoadOnCompletionDetails(path).setPostProcessor(post())


class RasterInputs(QgsProcessingParameterMultipleLayers):
    """Multiple raster layers. A model logs each child's parameters, and QGIS 3.22 turns files
    into text by loading them as layers without a type hint: OGR tries each raster first and
    logs "Cannot open" for every matched raster handed to the next step. Files stay text here
    (the text QGIS would write: their normalised paths)."""

    def __init__(self, name: str, description: str):
        super().__init__(name, description, QgsProcessing.TypeRaster)

    def checkValueIsAcceptable(self, value, context=None):  # noqa: N802 (QGIS API)
        """Accept without loading: QGIS's own check loads every file as a layer (about 4 MB
        each), so that qgis_process would need gigabytes before a run of thousands of inputs
        starts. The algorithms resolve and check the files themselves (base.raster_sources)."""
        if value is None or value == "" or value == []:
            return bool(self.flags() & QgsProcessingParameterDefinition.FlagOptional)
        return True

    def valueAsPythonString(self, value, context):  # noqa: N802 (QGIS API)
        items = value if isinstance(value, (list, tuple)) else [value]
        if items and all(isinstance(v, str) and os.path.isfile(v) for v in items):
            return "[" + ",".join(
                QgsProcessingUtils.stringToPythonLiteral(QgsProcessingUtils.normalizeLayerSource(v))
                for v in items) + "]"
        return super().valueAsPythonString(value, context)
