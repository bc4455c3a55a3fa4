"""Where the maps of a run execute: this process's threads (the default) or a Dask cluster.

A run has two maps, both over plain, picklable work items: the statistics pass (windows of
the common grid) and the writing pass (images). :class:`Threads` runs them here, through the
one threaded window loop; a cluster (cluster.py, only imported when a scheduler is asked for,
so that Dask stays optional) sends bands of windows and whole images to its workers, which
open the rasters themselves and send back only small results.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Optional, TypeVar

from ..feedback import Feedback
from ..options import Streaming
from .windows import stream_windows

W = TypeVar("W")
R = TypeVar("R")


class Threads:
    """Today's in-process execution: ``threads`` threads (None: all cores)."""

    distributed = False

    def __init__(self, threads: Optional[int] = None) -> None:
        self.threads = threads

    def map(self, fn: Callable[[W], R], items: Iterable[W], total: int,
            feedback: Feedback) -> Iterator[R]:
        """``fn`` of every item, results in order (see :func:`.windows.stream_windows`)."""
        return stream_windows(fn, items, total, feedback, self.threads)


def default_executor(streaming: Streaming, executor=None):
    """``executor`` where given, else threads as ``streaming`` asks."""
    return executor if executor is not None else Threads(streaming.threads)


@contextmanager
def open_executor(streaming: Streaming, feedback: Feedback):
    """The executor of a run: threads, or a client of the Dask cluster ``streaming.scheduler``
    names (started here for ``local:N``, closed after the run)."""
    if not streaming.scheduler:
        yield Threads(streaming.threads)
        return
    from .cluster import connect  # Dask only when asked for

    with connect(streaming.scheduler, feedback) as cluster:
        yield cluster
