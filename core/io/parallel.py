"""Windows processed on several threads, results consumed in order.

numpy and GDAL's Python bindings release the GIL for their heavy work (array arithmetic,
block decoding and encoding), so threads share the cores without copying data between
processes. GDAL datasets are not thread-safe: every thread opens its own read-only handles.
"""
from __future__ import annotations

import ctypes
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, Optional, TypeVar

from osgeo import gdal

from .rasters import open_readonly

T = TypeVar("T")
R = TypeVar("R")

# Blocks are read once each; a large block cache only holds memory. This bounds GDAL's
# cache during a run (it is never raised, and restored afterwards).
RUN_CACHE_BYTES = 32 * 1024 * 1024


def thread_count(threads: Optional[int]) -> int:
    """``threads`` if given and positive, else all cores; never more than the cores (each
    thread holds its windows in memory, and more threads than cores only add memory)."""
    cores = os.cpu_count() or 1
    return min(threads, cores) if threads and threads > 0 else cores


def note_thread_cap(threads: Optional[int], feedback) -> None:
    """Say so where more threads were asked for than there are cores."""
    cores = os.cpu_count() or 1
    if threads and threads > cores:
        feedback.info(f"THREADS={threads} is more than the {cores} cores of this machine; "
                      f"{cores} threads are used.")


def _openblas():
    """The OpenBLAS library numpy has loaded (Linux), or None."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line and "/" in line}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            if hasattr(lib, "openblas_set_num_threads"):
                return lib
    except OSError:
        pass
    return None


@contextmanager
def single_threaded_blas():
    """BLAS on one thread while the windows are on ours: OpenBLAS's own threads on top of
    the window threads oversubscribe the cores (the per-window interpolation's small matrix
    products took 2.3x as long with them, measured on 2 cores). A no-op without OpenBLAS."""
    lib = _openblas()
    previous = lib.openblas_get_num_threads() if lib is not None else 1
    if previous > 1:
        lib.openblas_set_num_threads(1)
    try:
        yield
    finally:
        if previous > 1:
            lib.openblas_set_num_threads(previous)


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], threads: int, ahead: Optional[int] = None
) -> Iterator[R]:
    """``map(fn, items)`` on ``threads`` threads, in order, with few results held at once."""
    if threads <= 1:
        for item in items:
            yield fn(item)
        return
    ahead = ahead or 2 * threads
    with single_threaded_blas(), ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="spectralmatch") as pool:
        pending: deque = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


class ThreadDatasets:
    """Read-only GDAL datasets opened once per thread and path."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, path: str) -> gdal.Dataset:
        cache: Dict[str, gdal.Dataset] = getattr(self._local, "datasets", None)
        if cache is None:
            cache = self._local.datasets = {}
        if path not in cache:
            cache[path] = open_readonly(path)
        return cache[path]


@contextmanager
def bounded_block_cache(limit: int = RUN_CACHE_BYTES):
    previous = gdal.GetCacheMax()
    if previous > limit:
        gdal.SetCacheMax(limit)
    try:
        yield
    finally:
        if gdal.GetCacheMax() != previous:
            gdal.SetCacheMax(previous)


def release_freed_memory() -> None:
    """Hand the memory numpy has freed back to the system between the phases of a run.

    glibc keeps freed heap memory for reuse, and fragmentation leaves much of it unusable
    for the next phase's differently sized arrays: one phase's peak would then add to the
    next one's. A no-op where the C library is not glibc.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
