"""GDAL calls under a run's rules: stopped by a cancel or a signal, with a bounded block cache
and a thread setting of their own, and datasets closed without tracebacks on stderr."""
from __future__ import annotations

import sys

from osgeo import gdal

from ..feedback import Feedback


class closing_quietly:
    """GDAL datasets dropped meanwhile: an error their destructor meets in writing the last
    blocks (a full disk) is kept in ``errors``, not printed by Python as an exception
    ignored in ``delete_Dataset`` with a traceback on stderr; :meth:`raise_any` raises it
    where no other failure was reported."""

    def __enter__(self):
        self.errors = []
        self._hook = sys.unraisablehook
        sys.unraisablehook = lambda report: self.errors.append(str(report.exc_value))
        return self

    def __exit__(self, *exc) -> None:
        sys.unraisablehook = self._hook

    def raise_any(self) -> None:
        if self.errors:
            raise RuntimeError(self.errors[0])


class cache_at_most:
    """GDAL's block cache lowered to ``limit`` bytes meanwhile (never raised)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __enter__(self):
        self.previous = gdal.GetCacheMax()
        if self.previous > self.limit:
            gdal.SetCacheMax(self.limit)

    def __exit__(self, *exc):
        if gdal.GetCacheMax() != self.previous:
            gdal.SetCacheMax(self.previous)


class thread_config:
    """A GDAL configuration option of this thread (``GDAL_NUM_THREADS``) set meanwhile."""

    def __init__(self, key: str, value: str) -> None:
        self.key, self.value = key, value

    def __enter__(self):
        self.previous = gdal.GetThreadLocalConfigOption(self.key, None)
        gdal.SetThreadLocalConfigOption(self.key, self.value)

    def __exit__(self, *exc):
        gdal.SetThreadLocalConfigOption(self.key, self.previous)


def gdal_call(call, feedback: Feedback) -> None:
    """A GDAL call with a progress callback that reports and stops it on a cancel.

    A signal's Interrupted (runs/interrupts.py) is raised in whatever Python code runs, and
    during a long GDAL call that is this callback: GDAL printed it as an ignored exception
    and failed with "User terminated", which read as a failed write. It is kept, GDAL is
    stopped, and it is raised again once GDAL has returned."""
    stopped = []

    def progress(fraction, _message, _data):
        try:
            feedback.progress(fraction)
            return 0 if feedback.is_canceled() else 1
        except BaseException as exc:  # noqa: BLE001 - raised again after the call
            stopped.append(exc.with_traceback(None))  # (not the frames of GDAL's call)
            return 0

    # Raised from the list, never from a name of this frame: the exception's traceback
    # holds this frame, and a frame that held the exception made a cycle that only the
    # garbage collector frees, with the run's GDAL datasets in it (freed after GDAL itself
    # at the end of a test session: a crash).
    try:
        result = call(progress)
    except RuntimeError:
        if stopped:
            raise stopped.pop() from None
        feedback.check_cancel()
        raise
    if stopped:
        raise stopped.pop()
    feedback.check_cancel()
    if result is None or result == gdal.CE_Failure:
        raise RuntimeError("GDAL gave no result")
    if isinstance(result, gdal.Dataset):
        result.FlushCache()
    del result
