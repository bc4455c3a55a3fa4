"""Progress, cancel and log callbacks that core reports through, free of any GUI.

The Processing algorithms, the desktop task and scripts each pass their own callables.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from .errors import Cancelled

_log = logging.getLogger("spectralmatch")


def _nothing(*_args) -> None:
    return None


def _never() -> bool:
    return False


@dataclass
class Feedback:
    progress: Callable[[float], None] = _nothing  # fraction of the whole run, 0..1
    is_canceled: Callable[[], bool] = _never
    info: Callable[[str], None] = field(default=_log.info)
    warning: Callable[[str], None] = field(default=_log.warning)
    # the stage a run enters, by key: statistics, solve, writing, overviews, cog, mosaic
    phase: Callable[[str], None] = _nothing

    def check_cancel(self) -> None:
        if self.is_canceled():
            raise Cancelled("The run was cancelled; no output was kept.")

    def stage(self, start: float, end: float) -> "Feedback":
        """A view whose progress 0..1 maps onto start..end of this one."""
        outer = self.progress

        def scaled(fraction: float) -> None:
            outer(start + (end - start) * min(max(fraction, 0.0), 1.0))

        return Feedback(scaled, self.is_canceled, self.info, self.warning, self.phase)
