"""Relative radiometric matching of overlapping rasters: numpy, scipy and GDAL only.

This package never imports QGIS; it serves the Processing algorithms, the desktop task and
scripts alike. The runs are imported on first use, so that the plugin can load, and say what
is missing, on a Python without numpy, scipy or GDAL.
"""
from .errors import Cancelled, InputError, SpectralMatchError
from .feedback import Feedback

__all__ = [
    "Cancelled", "Feedback", "InputError", "SpectralMatchError",
    "run_global", "run_local", "run_match", "apply_model", "run_mosaic", "MosaicOptions",
]

_RUNS = {"run_global": "global_match", "run_local": "local_match", "run_match": "match",
         "apply_model": "saved_model", "run_mosaic": "mosaic", "MosaicOptions": "mosaic"}


def __getattr__(name):
    if name in _RUNS:
        from importlib import import_module

        return getattr(import_module(f".{_RUNS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
