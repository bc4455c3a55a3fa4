"""What each run writes, as one output plan, and the staging every run writes through.

The plan is checked before any pixel is read (:mod:`..io.output_plan`); then the folders are
made, locked against a second run (:mod:`..io.locks`) and cleared of stale temporaries, and
every output is staged in one :class:`~..io.atomic.OutputSet` that the run commits at its
end, or discards on failure, cancel or SIGINT/SIGTERM (:mod:`.interrupts`).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import List, Optional, Sequence

from .interrupts import interrupts_cancel_the_run
from ..io.atomic import OutputSet
from ..io.locks import FolderLocks
from ..io.output_plan import OutputPlan, Planned, parts_folder, report_json
from ..options import MosaicOptions, Outputs

FOLDER_FIX = "choose another output folder"


def raster_paths(folder: str, stems: Sequence[str], suffix: str) -> List[str]:
    return [os.path.join(folder, f"{stem}{suffix}.tif") for stem in stems]


def raster_plan(folder: str, stems: Sequence[str], suffixes: Sequence[str]) -> List[Planned]:
    """The rasters of a matching or apply run, ``<stem><suffix>.tif`` in ``folder``."""
    return [Planned(path, f"the output raster {os.path.basename(path)}", FOLDER_FIX)
            for suffix in suffixes for path in raster_paths(folder, stems, suffix)]


def extra_plan(outputs: Outputs) -> List[Planned]:
    """The report, its JSON and the model, where asked for."""
    plan = []
    if outputs.report:
        plan.append(Planned(outputs.report, "the report", "choose another report path"))
        plan.append(Planned(report_json(outputs.report),
                            "the report's numbers (JSON, beside the report)",
                            "give the report another name (its numbers go beside it as "
                            "<report name>.json); name it .html"))
    if outputs.model_out:
        plan.append(Planned(outputs.model_out, "the saved model",
                            "choose another path for the model (e.g. <name>_model.json)"))
    return plan


def mosaic_plan(mosaic: Optional[MosaicOptions]) -> List[Planned]:
    """The mosaic, its parts folder (a VRT's) and its seamlines, where asked for."""
    if mosaic is None:
        return []
    fix = "choose another path for the mosaic"
    plan = [Planned(mosaic.output, "the mosaic", fix)]
    if mosaic.output.lower().endswith(".vrt"):
        plan.append(Planned(parts_folder(mosaic.output), "the VRT mosaic's parts folder",
                            fix, folder=True))
    if mosaic.seamlines_out:
        plan.append(Planned(mosaic.seamlines_out, "the seamline layer",
                            "choose another path for the seamlines"))
    return plan


@contextmanager
def staged(plan: OutputPlan):
    """Check ``plan``, then yield the output set the run stages everything in; the run
    commits it. On any failure, cancel or interrupt the set's temporaries go, with the
    folders made for them; the locks are released in every case."""
    plan.check()
    outputs = OutputSet()
    locks = None
    with interrupts_cancel_the_run():
        try:
            for folder in plan.folders:
                outputs.make_folders(folder)
            locks = FolderLocks(plan.folders)
            locks.acquire()
            yield outputs
        except BaseException:
            outputs.discard()
            raise
        finally:
            if locks is not None:
                locks.release()
            outputs.discard()  # the folders made for a failed run, now without their lock
