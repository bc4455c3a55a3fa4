"""Files in GDAL's memory file system (/vsimem), carried along when an object is pickled.

Warped views and the exclusion layer live in the client's /vsimem, which a Dask worker (a
process of its own) cannot see: their bytes travel with the object, and the worker writes
them to the same path in its own /vsimem the first time it needs them.
"""
from __future__ import annotations

from typing import Dict, Iterable

from osgeo import gdal

PREFIX = "/vsimem/"


def memory_file_bytes(paths: Iterable[str]) -> Dict[str, bytes]:
    """The bytes of those of ``paths`` that are /vsimem files."""
    found = {}
    for path in paths:
        if not path.startswith(PREFIX) or gdal.VSIStatL(path) is None:
            continue
        handle = gdal.VSIFOpenL(path, "rb")
        try:
            gdal.VSIFSeekL(handle, 0, 2)
            size = gdal.VSIFTellL(handle)
            gdal.VSIFSeekL(handle, 0, 0)
            found[path] = bytes(gdal.VSIFReadL(1, size, handle))
        finally:
            gdal.VSIFCloseL(handle)
    return found


def restore_memory_files(files: Dict[str, bytes]) -> None:
    """Write those files into this process's /vsimem where they are not yet."""
    for path, data in files.items():
        if gdal.VSIStatL(path) is None:
            gdal.FileFromMemBuffer(path, data)
