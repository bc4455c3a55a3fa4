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
    raised = []

    def handler(signum, frame):
        if raised:  # already unwinding: let the clean-up finish
            return
        raised.append(signum)
        raise Interrupted(f"interrupted by {signal.Signals(signum).name}; the run's "
                          "temporary files were removed and older outputs are unchanged")

    previous = {}
    for sig in SIGNALS:
        try:
            previous[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main interpreter, or not allowed
            continue
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
