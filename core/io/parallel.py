"""Windows processed on several threads, results consumed in order.

numpy and GDAL's Python bindings release the GIL for their heavy work (array arithmetic,
block decoding and encoding), so threads share the cores without copying data between
processes. GDAL datasets are not thread-safe: a thread borrows a read-only handle from a
bounded pool (DatasetPool) and gives it back after its read.
"""
from __future__ import annotations

import ctypes
import os
import threading
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Optional, Tuple, TypeVar

from osgeo import gdal

from .rasters import open_readonly

T = TypeVar("T")
R = TypeVar("R")

# Blocks are read once each; a large block cache only holds memory. This bounds GDAL's
# cache during a run (it is never raised, and restored afterwards). 16 MB: the same speed
# as 32 MB on the 2 x 2 x 4000² and the 1,000-tile sets, 16 MB less peak at 1,000 tiles.
RUN_CACHE_BYTES = 16 * 1024 * 1024
# Open read-only datasets a pass keeps for reuse (see DatasetPool): enough for the inputs
# that touch a few windows in flight, whatever the number of inputs.
OPEN_DATASETS = 24


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
    """Read-only GDAL datasets opened once per thread and path (a cluster worker's: its
    tasks come and go on threads of its own)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, path: str) -> gdal.Dataset:
        cache = getattr(self._local, "datasets", None)
        if cache is None:
            cache = self._local.datasets = {}
        if path not in cache:
            cache[path] = open_readonly(path)
        return cache[path]

    @contextmanager
    def reading(self, path: str) -> Iterator[gdal.Dataset]:
        yield self.get(path)

    def close(self) -> None:
        """Close every thread's datasets: a thread-local store left to the end of the
        interpreter is freed after GDAL (a crash at exit)."""
        self._local = threading.local()


class DatasetPool:
    """Read-only GDAL datasets shared by the threads of a run, at most ``limit`` kept open.

    A GDAL dataset serves one thread at a time: :meth:`reading` lends a free handle of the
    path (opening one if none is free) and takes it back afterwards. Handles nobody holds are
    closed least recently used first once more than ``limit`` are open, so that memory stays
    flat in the number of inputs (an open GeoTIFF costs about a megabyte of buffers).
    """

    def __init__(self, limit: int = OPEN_DATASETS) -> None:
        self.limit = max(1, limit)
        self._lock = threading.Lock()
        self._idle: "OrderedDict[int, Tuple[str, gdal.Dataset]]" = OrderedDict()
        self._busy = 0

    @property
    def open_count(self) -> int:
        """Handles open now: lent out or idle."""
        with self._lock:
            return len(self._idle) + self._busy

    @contextmanager
    def reading(self, path: str) -> Iterator[gdal.Dataset]:
        ds = self._take(path)
        try:
            yield ds
        finally:
            self._give_back(path, ds)

    def _take(self, path: str) -> gdal.Dataset:
        with self._lock:
            for key, (held, ds) in reversed(self._idle.items()):
                if held == path:
                    del self._idle[key]
                    self._busy += 1
                    return ds
            self._busy += 1
            closing = self._over_limit()
        del closing  # closed here, outside the lock
        try:
            return open_readonly(path)  # outside the lock: opening reads the header
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise

    def _give_back(self, path: str, ds: gdal.Dataset) -> None:
        with self._lock:
            self._busy -= 1
            self._idle[id(ds)] = (path, ds)
            closing = self._over_limit()
        del closing

    def _over_limit(self) -> list:
        """Take the least recently used idle handles beyond the limit out of the pool."""
        closing = []
        while self._idle and len(self._idle) + self._busy > self.limit:
            closing.append(self._idle.popitem(last=False)[1][1])
        return closing

    def close(self) -> None:
        with self._lock:
            self._idle.clear()


@contextmanager
def bounded_block_cache(limit: int = RUN_CACHE_BYTES):
    """One bounded GDAL block cache for the whole run."""
    previous = gdal.GetCacheMax()
    if previous > limit:
        gdal.SetCacheMax(limit)
    try:
        yield
    finally:
        if gdal.GetCacheMax() != previous:
            gdal.SetCacheMax(previous)


# glibc's mallopt parameters and its defaults (malloc(3)).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_DEFAULT_THRESHOLD = 128 * 1024
# During a run, window-sized arrays (a few MB each) come from the heap and freed ones are
# reused: by default glibc maps each of them fresh and unmaps it when freed, so that every
# temporary array costs its pages' faults and zeroing by the kernel (measured on the 2x2
# 4000² bench: 3.8-4.5 s of system time, 0.6-0.7 s with these; process CPU -17%).
_RUN_MMAP_THRESHOLD = 64 * 1024 * 1024
_RUN_TRIM_THRESHOLD = 128 * 1024 * 1024


def _glibc(function: str):
    """glibc, where it has ``function`` (None elsewhere)."""
    try:
        lib = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return lib if hasattr(lib, function) else None


@contextmanager
def _heap_thresholds(during: int, trim_during: int, after: int, trim_after: int):
    """glibc's mmap and trim thresholds ``during`` the block and ``after`` it, the freed
    memory handed back at the end (glibc only; elsewhere a no-op)."""
    lib = _glibc("mallopt")
    if lib is not None:
        lib.mallopt(_M_MMAP_THRESHOLD, during)
        lib.mallopt(_M_TRIM_THRESHOLD, trim_during)
    try:
        yield
    finally:
        if lib is not None:
            lib.mallopt(_M_MMAP_THRESHOLD, after)
            lib.mallopt(_M_TRIM_THRESHOLD, trim_after)
            release_freed_memory()


def steady_heap():
    """Window-sized temporaries reuse the heap during a run (glibc only; elsewhere a no-op).

    Afterwards glibc's default thresholds are set again and the freed memory is handed back
    (:func:`release_freed_memory`), so that the process (e.g. the QGIS desktop) keeps no
    more than it did. Inside :func:`mapped_large_arrays` (whose thresholds are those
    defaults) it serves a loop whose large arrays all have one size, the conjugate gradients
    of the local surfaces: freed arrays are reused instead of mapped and zeroed afresh, which
    at 1,000 images took 3x the time of the iterations' sparse products."""
    return _heap_thresholds(_RUN_MMAP_THRESHOLD, _RUN_TRIM_THRESHOLD,
                            _DEFAULT_THRESHOLD, _DEFAULT_THRESHOLD)


def mapped_large_arrays():
    """Within a run's steady heap, glibc's defaults again: every array beyond 128 kB mapped
    on its own and unmapped when freed (glibc only; elsewhere a no-op).

    For the fit between the passes: its arrays are few, large and of ever-changing sizes
    (the sparse matrices of the local surfaces are summed batch by batch), and on the run's
    heap their freed space fragmented it: at 1,000 images the fit's peak was 280 MB above
    its live data. What the pass before it freed is handed back first."""
    release_freed_memory()
    return _heap_thresholds(_DEFAULT_THRESHOLD, _DEFAULT_THRESHOLD,
                            _RUN_MMAP_THRESHOLD, _RUN_TRIM_THRESHOLD)


@contextmanager
def run_settings():
    """The settings of a run: one bounded GDAL block cache, a steady heap, and BLAS on one
    thread. The run has threads of its own (the passes' windows, the lines beside the first
    pass, the halves of the surfaces' products); OpenBLAS's threads on top of them spun on
    the cores they needed: at 1,000 images the surfaces' conjugate gradients took 4.8 s
    (9.7 s of CPU) instead of 3.5 s (5.4 s), their dot products over 180,000 unknowns
    being large enough for OpenBLAS to split."""
    with bounded_block_cache(), steady_heap(), single_threaded_blas():
        yield


def release_freed_memory() -> None:
    """Hand the memory numpy has freed back to the system between the phases of a run.

    glibc keeps freed heap memory for reuse, and fragmentation leaves much of it unusable
    for the next phase's differently sized arrays: one phase's peak would then add to the
    next one's. A no-op where the C library is not glibc.
    """
    lib = _glibc("malloc_trim")
    if lib is not None:
        lib.malloc_trim(0)
