"""What the Processing toolbox expects of every algorithm beyond its parameters: search
tags, a one-line description, a help link into the README, stage texts, and that outputs
are files (core writes them itself, so no memory or database outputs)."""
from __future__ import annotations

from typing import List

from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from .metadata import homepage

# README.md section of each algorithm (GitHub's heading anchors), under the homepage of
# metadata.txt, the project's repository.
HELP_ANCHORS = {
    "globalmatch": "algorithms-and-parameters-core-from-python-without-qgis",
    "localmatch": "algorithms-and-parameters-core-from-python-without-qgis",
    "match": "algorithms-and-parameters-core-from-python-without-qgis",
    "applymodel": "report-saved-model-time-series",
    "mosaic": "seamless-mosaic",
}


# Search words of every algorithm, and of each; tags() gives them in English and translated,
# so that a search in English finds the algorithms in any locale.
TAGS = [
    QT_TRANSLATE_NOOP("ToolboxConventions", "radiometric normalisation"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "radiometric normalization"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "relative radiometric correction"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "colour balancing"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "color balancing"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "histogram matching"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "mosaic"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "seamline"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "dodging"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "image matching"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "orthomosaic"),
    QT_TRANSLATE_NOOP("ToolboxConventions", "time series"),
]
_GAIN = [QT_TRANSLATE_NOOP("ToolboxConventions", "gain"),
         QT_TRANSLATE_NOOP("ToolboxConventions", "offset")]
_SMOOTH = [QT_TRANSLATE_NOOP("ToolboxConventions", "haze"),
           QT_TRANSLATE_NOOP("ToolboxConventions", "vignetting")]
OWN_TAGS = {
    "globalmatch": _GAIN + [QT_TRANSLATE_NOOP("ToolboxConventions", "least squares")],
    "localmatch": _SMOOTH + [QT_TRANSLATE_NOOP("ToolboxConventions", "blocks")],
    "match": _GAIN + _SMOOTH,
    "applymodel": [QT_TRANSLATE_NOOP("ToolboxConventions", "saved model"),
                   QT_TRANSLATE_NOOP("ToolboxConventions", "reprocessing")],
    "mosaic": [QT_TRANSLATE_NOOP("ToolboxConventions", "cutline"),
               QT_TRANSLATE_NOOP("ToolboxConventions", "feathering"),
               QT_TRANSLATE_NOOP("ToolboxConventions", "blending"),
               QT_TRANSLATE_NOOP("ToolboxConventions", "clouds"), "VRT"],
}


class ToolboxConventions:
    """Mixed into the algorithms' base class; ``self.tr`` and ``self.name()`` come from it."""

    def tags(self) -> List[str]:
        english = TAGS + OWN_TAGS.get(self.name(), [])
        return list(dict.fromkeys(english + [self.tr(t) for t in english]))

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API)
        return {
            "globalmatch": self.tr("One gain and offset per raster and band so that "
                                   "overlapping rasters agree (radiometric normalisation)."),
            "localmatch": self.tr("Removes smooth differences between overlapping rasters "
                                  "(haze, vignetting) with a block grid."),
            "match": self.tr("Global then local radiometric matching of overlapping "
                             "rasters, optionally with a seamless mosaic."),
            "applymodel": self.tr("Applies a saved radiometric correction again, without "
                                  "fitting."),
            "mosaic": self.tr("One raster from overlapping ones, with seamlines around clouds "
                              "and through agreement."),
        }.get(self.name(), "")

    def helpUrl(self) -> str:  # noqa: N802
        base = homepage()
        anchor = HELP_ANCHORS.get(self.name())
        return f"{base}#{anchor}" if base and anchor else base

    def supportsNonFileBasedOutput(self) -> bool:  # noqa: N802
        return False

    def phase_text(self, key: str) -> str:
        """The progress text of a stage core reports (Feedback.phase)."""
        return {
            "statistics": self.tr("Computing statistics…"),
            "solve": self.tr("Solving the correction…"),
            "writing": self.tr("Writing rasters…"),
            "overviews": self.tr("Building overviews…"),
            "cog": self.tr("Writing Cloud Optimized GeoTIFF…"),
            "mosaic": self.tr("Mosaicking…"),
        }.get(key, key)
