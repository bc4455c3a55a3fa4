"""Vector layers read by a run (exclusion polygons, cutlines): opened read-only, one way."""
from __future__ import annotations

from typing import Optional

from osgeo import gdal

from ..errors import InputError


def open_layer(path: str, layer_name: Optional[str], unreadable: str):
    """(dataset, layer) of layer ``layer_name`` (None: the first) of a vector file.

    ``unreadable`` is the message, after the path, where GDAL cannot read the file as vector
    data; it says what the file is for and the fix. Keep the dataset: its layers die with it.
    """
    try:
        source = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    except RuntimeError as exc:
        raise InputError(f"{path}: {unreadable} (GDAL: {exc})") from None
    if source is None or source.GetLayerCount() == 0:
        raise InputError(f"{path}: {unreadable}")
    layer = source.GetLayerByName(layer_name) if layer_name else source.GetLayer(0)
    if layer is None:
        raise InputError(f"{path}: has no layer '{layer_name}'. Fix: name one of its layers.")
    return source, layer
