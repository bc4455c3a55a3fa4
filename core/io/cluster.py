"""A run's maps on a Dask cluster (dask.distributed): tasks out, small results back.

Imported only when a run is given a scheduler, so that Dask stays optional. Workers open the
rasters themselves, at the paths the client gave: the inputs (and the output folder) must be
visible to every worker at the same paths, on a shared file system or as GDAL virtual paths
(``/vsis3/...``, ``/vsicurl/...``). Each task sends back only what the client merges (window
statistics, or nothing but an image's seam-cell sums); each output is written by one task
under its temporary name, and renamed by the client when the whole run has succeeded.

A worker that dies is replaced and its tasks run again (Dask's own recovery; every task
gives the same result wherever it runs). A cancel sets a cluster-wide event that running
tasks check between windows, waits for them to stop, then cancels what is left.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import socket
import sys
import time
import uuid
from concurrent.futures import CancelledError
from contextlib import contextmanager
from functools import partial
from typing import Callable, Iterator, List, Optional, Sequence

from osgeo import gdal

from ..errors import ClusterError, InputError
from ..feedback import Feedback
from .parallel import bounded_block_cache

INSTALL_HINT = (
    "Fix: install Dask's distributed scheduler for the Python that runs QGIS (Debian/Ubuntu: "
    "apt install python3-distributed; pip: pip install \"dask[distributed]\"), or leave the "
    "scheduler empty to run on this computer's threads."
)
SHARED_HINT = (
    "Fix: every worker reads the inputs and writes the outputs at the same paths as this "
    "computer: put them on a file system mounted at the same path on every worker, or give "
    "inputs as GDAL virtual paths (/vsis3/..., /vsicurl/...)."
)
# How long a cancelled or failed run waits for the tasks still running to stop (they check
# for a cancel between windows), before it removes their temporary outputs.
STOP_WAIT_SECONDS = 60.0
# How long the client waits for an unreachable scheduler, at the start or when it is lost
# during a run, before the run fails.
CONNECT_TIMEOUT = "20s"
# A task checks for a cancel at most this often (each check asks the scheduler).
CANCEL_POLL_SECONDS = 0.5
_PACKAGE = __name__.split(".core.")[0]


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "A Dask scheduler was given, but Dask's distributed package is not installed. "
            + INSTALL_HINT) from None
    return distributed


def parse_scheduler(scheduler: str):
    """('local', N) for ``local:N``, else ('address', the address)."""
    text = scheduler.strip()
    if text.lower().startswith("local"):
        count = text[5:].lstrip(":").strip() or "0"
        if not count.isdigit() or int(count) < 1:
            raise InputError(
                f"{scheduler}: not a local cluster size. Fix: write local:N with N worker "
                "processes (e.g. local:4), or a scheduler address such as tcp://host:8786.")
        return "local", int(count)
    if "://" not in text and ":" not in text:
        raise InputError(
            f"{scheduler}: not a Dask scheduler address. Fix: give an address such as "
            "tcp://host:8786 (printed by `dask scheduler`), or local:N.")
    return "address", text


def _python_for_workers() -> Optional[str]:
    """The Python to start local workers with, where ``sys.executable`` is not this Python
    (QGIS and qgis_process embed Python: ``sys.executable`` is then QGIS itself, or the
    first ``python3`` on PATH, which may be another installation)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (os.path.join(sys.exec_prefix, "bin", f"python{version}"),
                      os.path.join(sys.exec_prefix, "bin", "python3"),
                      os.path.join(sys.exec_prefix, "python.exe")):
        if os.path.isfile(candidate):
            same = os.path.realpath(candidate) == os.path.realpath(sys.executable or "")
            return None if same else candidate
    return None


@contextmanager
def connect(scheduler: str, feedback: Feedback):
    """A :class:`DaskCluster` on ``scheduler``; a local cluster is started and stopped here."""
    kind, value = parse_scheduler(scheduler)
    distributed = _distributed()
    cluster = client = None
    try:
        if kind == "local":
            python = _python_for_workers()
            if python:
                multiprocessing.get_context("spawn").set_executable(python)
            feedback.info(f"Starting a local Dask cluster of {value} worker processes.")
            cluster = distributed.LocalCluster(
                n_workers=value, processes=True, threads_per_worker=1,
                dashboard_address=None, silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
            name = "a local cluster"
        else:
            try:
                client = distributed.Client(value, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(
                    f"{value}: the Dask scheduler cannot be reached ({exc}). Fix: start it "
                    f"(`dask scheduler`) and its workers (`dask worker {value}`), check the "
                    "address and the firewall, or leave the scheduler empty.") from None
            name = f"the Dask cluster at {value}"
        workers = len(client.scheduler_info().get("workers", {}))
        if workers == 0:
            client.wait_for_workers(1, timeout=60)
            workers = len(client.scheduler_info().get("workers", {}))
        feedback.info(f"Running on {name} ({workers} workers).")
        yield DaskCluster(client, name)
    except TimeoutError:
        raise ClusterError(f"{scheduler}: the Dask scheduler has no worker. Fix: start "
                           "workers with `dask worker <scheduler address>`.") from None
    finally:
        for part in (client, cluster):
            if part is not None:
                try:
                    part.close()
                except Exception:  # a cluster already lost: nothing left to close
                    pass


class DaskCluster:
    """An executor whose maps run as Dask tasks; results come back in order."""

    distributed = True

    def __init__(self, client, name: str) -> None:
        self.client = client
        self.name = name

    def worker_count(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    # -- checks at the start -----------------------------------------------------------------

    def check_access(self, inputs: Sequence[str] = (), folder: Optional[str] = None) -> None:
        """Every worker imports this plugin, opens every input and sees the output folder;
        else an error naming the file and the worker."""
        missing = self._run(_importable_check(), _PACKAGE)
        for worker, problem in sorted(missing.items()):
            if problem:
                raise ClusterError(
                    f"Worker {worker} cannot import the {_PACKAGE} package ({problem}). Fix: "
                    "start the workers with the plugin folder's parent on PYTHONPATH (e.g. "
                    "PYTHONPATH=~/.local/share/QGIS/QGIS3/profiles/default/python/plugins "
                    "dask worker ...), and GDAL's Python bindings installed.")
        found = self._run(worker_access, list(inputs), folder)
        for worker, (host, problems) in sorted(found.items()):
            for path, reason in problems:
                raise InputError(f"{path}: worker {worker} (host {host}) {reason}. "
                                 + SHARED_HINT)

    def _run(self, fn, *args):
        try:
            return self.client.run(fn, *args)
        except Exception as exc:
            raise ClusterError(f"{self.name}: the workers cannot be reached ({exc}). Fix: "
                               "check the scheduler and its workers.") from None

    # -- the map ---------------------------------------------------------------------------

    def map(self, fn: Callable, items, feedback: Feedback, label: str) -> Iterator:
        """``fn(item, feedback)`` of every item as one task each, results in order.

        Progress counts finished tasks; a cancel (or any failure) stops the tasks still
        running at their next window and drops the rest.
        """
        distributed = _distributed()
        items = list(items)
        total = len(items)
        token = uuid.uuid4().hex[:12]
        event = f"spectralmatch-cancel-{token}"
        task = partial(_run_task, fn, event)
        futures: List = [
            self.client.submit(task, item, key=f"spectralmatch-{label}-{k}-{token}")
            for k, item in enumerate(items)]
        finished = False
        try:
            for k in range(total):
                future = futures[k]
                while not future.done():
                    feedback.check_cancel()
                    try:
                        distributed.wait([future], timeout=0.25)
                    except (TimeoutError, distributed.TimeoutError):
                        pass
                    except (CancelledError, asyncio.CancelledError):
                        break  # a lost cluster cancels its futures: _result says so
                    if self.client.status not in ("running", "connecting", "newly-created"):
                        break
                    done = k + sum(f.done() for f in futures[k:])
                    feedback.progress(done / total)
                result = self._result(future, label)
                futures[k] = None  # the worker may forget it
                feedback.progress((k + 1) / total)
                yield result
            finished = True
        finally:
            if not finished:
                self._stop(event, [f for f in futures if f is not None])

    def _result(self, future, label: str):
        distributed = _distributed()
        if future.status == "finished":
            return future.result()
        if future.status == "error":
            error = future.exception()
            if isinstance(error, distributed.KilledWorker):
                raise ClusterError(
                    f"{self.name}: a {label} task kept killing its workers ({error}); no "
                    "output was kept. Fix: check the workers' memory and logs.") from None
            future.result()  # the task's own error, raised with its message and traceback
        raise ClusterError(
            f"{self.name} was lost during the {label} pass (task {future.status}); no output "
            "was kept. Fix: check the scheduler and its workers, then run again.")

    def _stop(self, event: str, futures: List) -> None:
        """Stop the tasks of a failed or cancelled map before their outputs are removed."""
        if not futures:
            return
        distributed = _distributed()
        try:
            distributed.Event(event, client=self.client).set()
            distributed.wait(futures, timeout=STOP_WAIT_SECONDS)
        except Exception:  # a lost cluster runs nothing more
            pass
        try:
            self.client.cancel(futures)
        except Exception:
            pass


# -- on the workers -------------------------------------------------------------------------


def _run_task(fn: Callable, event: str, item):
    """One task: ``fn(item, feedback)`` with a feedback whose cancel is the run's event."""
    feedback = Feedback(is_canceled=_cancel_check(event))
    feedback.check_cancel()
    with bounded_block_cache():
        return fn(item, feedback)


def _cancel_check(name: str) -> Callable[[], bool]:
    from distributed import Event

    event = Event(name)
    state = {"at": -CANCEL_POLL_SECONDS, "set": False}

    def canceled() -> bool:
        now = time.monotonic()
        if not state["set"] and now - state["at"] >= CANCEL_POLL_SECONDS:
            state["at"] = now
            try:
                state["set"] = event.is_set()
            except Exception:  # a lost scheduler: the client fails the run
                pass
        return state["set"]

    return canceled


def worker_access(inputs: List[str], folder: Optional[str]):
    """(host, [(path, what is wrong)]) as this worker sees the inputs and the output folder."""
    problems = []
    for path in inputs:
        try:
            ds = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
            if ds is None:
                raise RuntimeError("not a raster")
        except RuntimeError as exc:
            problems.append((path, f"cannot open this input ({str(exc).strip()})"))
        ds = None
    if folder is not None:
        if not os.path.isdir(folder):
            problems.append((folder, "does not see the output folder"))
        elif not os.access(folder, os.W_OK | os.X_OK):
            problems.append((folder, "cannot write to the output folder"))
    return socket.gethostname(), problems


_IMPORT_CHECK = '''
def importable(name):
    import importlib
    try:
        importlib.import_module(name + ".core.io.cluster")
    except Exception as exc:
        return repr(exc)
    return None
'''


def _importable_check():
    """A function defined outside any module, so that it travels by value: it must run on
    a worker that cannot import the plugin, to say so."""
    namespace = {"__name__": "spectralmatch_worker_check"}
    exec(_IMPORT_CHECK, namespace)  # noqa: S102 (fixed source above)
    return namespace["importable"]
