"""One run at a time into a folder: a lock file holding the run's process id (and, where
the system tells, when that process started: an id can be given to another process later).

A run takes ``.spectralmatch.lock`` in every folder it writes into before it writes anything,
and removes it when it ends. A second run into one of those folders is refused while the
first one's process lives; the lock of a process that is gone (killed, crashed) is stale and
taken over. Holding the lock, a run may remove the temporaries earlier runs left there
(:func:`~.atomic.remove_stale_temporaries`): none of them belongs to a live run.
"""
from __future__ import annotations

import os
import socket
import sys
import time
from typing import List, Optional

from ..errors import InputError
from .atomic import remove_stale_temporaries

LOCK_NAME = ".spectralmatch.lock"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _started(pid: int) -> Optional[str]:
    """When process ``pid`` started (Linux: clock ticks since boot, /proc/<pid>/stat), so
    that a later process that got the same id is not taken for it; None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
        return text[text.rindex(")") + 2:].split()[19]  # field 22, after the command name
    except (OSError, ValueError, IndexError):
        return None


def _holder(path: str) -> Optional[str]:
    """Who holds the lock at ``path``: a description, or None where it is stale."""
    try:
        with open(path, encoding="utf-8") as f:
            fields = f.read().split()
    except FileNotFoundError:
        return None
    except OSError:
        return "an unknown process"
    try:
        pid, host = int(fields[0]), fields[1]
    except (IndexError, ValueError):
        return None  # unreadable: a lock killed while being written
    if host != socket.gethostname():
        return f"process {pid} on {host}"  # cannot be checked from here: taken as live
    if not _pid_alive(pid):
        return None
    # The id may since have gone to another process (after a kill and many others).
    started = fields[2] if len(fields) > 2 and fields[2] != "-" else None
    now = _started(pid)
    if started is not None and now is not None and started != now:
        return None
    return f"process {pid}"


def _ours(path: str) -> bool:
    """A lock file this process made: its id in it, or empty (interrupted before writing)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return False
    return text == "" or text.split(" ")[0] == str(os.getpid())


class FolderLocks:
    """The locks of every folder a run writes into, taken together or not at all."""

    def __init__(self, folders: List[str]) -> None:
        self.folders = sorted({os.path.realpath(f) for f in folders})
        self._held: List[str] = []
        self._creating: Optional[str] = None
        self.taken_at = 0.0

    def acquire(self) -> None:
        self.taken_at = time.time()
        try:
            for folder in self.folders:
                self._take(os.path.join(folder, LOCK_NAME), folder)
        except BaseException:
            self.release()
            raise
        for folder in self.folders:
            remove_stale_temporaries(folder, self.taken_at)

    def _take(self, path: str, folder: str) -> None:
        for attempt in range(2):
            # Set before the lock file exists: an interrupt (SIGINT, SIGTERM) may come at
            # any bytecode, also right after os.open made the file, and release() must
            # still find it.
            self._creating = path
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._creating = None
                holder = _holder(path)
                if holder is None and attempt == 0:  # stale: its process is gone
                    try:
                        os.remove(path)
                    except FileNotFoundError:
                        pass
                    continue
                raise InputError(
                    f"{folder}: another spectralmatch run ({holder or 'just started'}) is "
                    "writing into this folder. Fix: wait until it has finished, or choose "
                    f"another output folder; if no run is going on, delete {path}.") from None
            except OSError as exc:
                self._creating = None
                raise InputError(f"{folder}: the folder cannot be written "
                                 f"({exc.strerror}). Fix: choose a folder you can write "
                                 "to.") from None
            self._held.append(path)
            self._creating = None
            try:
                started = _started(os.getpid()) or "-"
                os.write(fd, f"{os.getpid()} {socket.gethostname()} {started}\n".encode())
            finally:
                os.close(fd)
            return

    def release(self) -> None:
        creating, self._creating = self._creating, None
        if creating is not None and creating not in self._held and _ours(creating):
            self._held.append(creating)
        for path in self._held:
            try:
                os.remove(path)
            except OSError:
                pass
        self._held = []

    def __enter__(self) -> "FolderLocks":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
