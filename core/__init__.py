"""Relative radiometric matching of overlapping rasters: numpy, scipy and GDAL only.

This package never imports QGIS; it serves the Processing algorithms, the desktop task and
scripts alike. The errors, the feedback and the options objects import nothing heavy; the
runs (and their result type) are imported on first use, so that the plugin can load, and say
what is missing, on a Python without numpy, scipy or GDAL. See ``core/README.md``.
"""
from .errors import Cancelled, InputError, Interrupted, SpectralMatchError
from .feedback import Feedback
from .options import (GlobalFit, LocalFit, MosaicOptions, Outputs, RasterFormat, Statistics,
                      Streaming, parse_band_map)

__all__ = [
    "Cancelled", "Feedback", "InputError", "Interrupted", "SpectralMatchError",
    "GlobalFit", "LocalFit", "MosaicOptions", "Outputs", "RasterFormat", "Statistics",
    "Streaming",
    "parse_band_map",
    "RunResult", "run_global", "run_local", "run_match", "apply_model", "run_mosaic",
]

_RUNS = {"run_global": "matching", "run_local": "matching", "run_match": "matching",
         "apply_model": "apply", "run_mosaic": "mosaic", "RunResult": "result"}


def __getattr__(name):
    if name in _RUNS:
        from importlib import import_module

        return getattr(import_module(f".runs.{_RUNS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
