"""SIGINT and SIGTERM during a run: stop it the way a cancel does, leaving nothing behind.

Python turns SIGINT into KeyboardInterrupt already, but SIGTERM (what a job scheduler, a
container or ``kill`` sends) ends the process at once, leaving the run's temporaries. While
a run goes on in the main thread (``qgis_process``, a script), both signals raise
:class:`~..errors.Interrupted` there instead, so the run unwinds through its clean-up; the
previous handlers are restored when it ends. In other threads (the toolbox, the desktop
task) signals cannot be handled and nothing is changed.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from ..errors import Interrupted

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


@contextmanager
def interrupts_cancel_the_run():
    """For the length of the block (main thread only), SIGINT and SIGTERM raise
    :class:`Interrupted`; a second signal while the run cleans up is ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised, deferred = [], []
    # Raised inside threading.Thread.start (a pool starting a worker), the exception leaves
    # the new thread to find itself gone from threading's books: a KeyError and its
    # traceback on stderr. There the signal is taken up again a moment later (SIGALRM).
    retry = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")

    def handler(signum, frame):
        if raised:  # already unwinding: let the clean-up finish
            return
        if retry and _inside_thread_start(frame):
            deferred.append(signum)
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
        raised.append(signum)
        raise Interrupted(f"interrupted by {signal.Signals(signum).name}; the run's "
                          "temporary files were removed and older outputs are unchanged")

    def again(_signum, frame):
        if deferred:
            handler(deferred.pop(), frame)

    previous = {}
    for sig, take in [(sig, handler) for sig in SIGNALS] + (
            [(signal.SIGALRM, again)] if retry else []):
        try:
            previous[sig] = signal.signal(sig, take)
        except (ValueError, OSError):  # not the main interpreter, or not allowed
            continue
    try:
        yield
    finally:
        if retry and signal.SIGALRM in previous:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def _inside_thread_start(frame) -> bool:
    start = threading.Thread.start.__code__
    while frame is not None:
        if frame.f_code is start:
            return True
        frame = frame.f_back
    return False
