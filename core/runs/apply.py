"""Apply a saved model: the correction of an earlier run, without fitting anything again."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from ..correct.band_groups import combined_correction
from ..correct.saved_model import (band_plan_of, global_model_of, group_models_of, load_model,
                                   local_model_of)
from ..errors import InputError
from ..feedback import Feedback
from ..grid.band_plan import select_bands
from ..io.atomic import file_digest
from ..io.rasters import describe
from ..io.writer import write_outputs
from ..options import Outputs, Streaming
from .result import RunResult


def apply_model(model_path: str, inputs: List[str], outputs: Outputs,
                streaming: Streaming = Streaming(),
                feedback: Optional[Feedback] = None) -> RunResult:
    """Apply a saved model to ``inputs``: the files it was fitted on, or files of the same
    names (a reprocessed product, another folder). Writes into ``outputs.folder`` the file
    names and the data type of the run that saved it."""
    feedback = feedback or Feedback()
    data = load_model(model_path)
    by_name = {im["name"]: k for k, im in enumerate(data["images"])}
    infos, index = [], []
    for path in inputs:
        info = describe(path)
        k = by_name.get(info.name)
        if k is None:
            raise InputError(
                f"{path}: no image of this name is in the model {model_path} (it holds "
                f"{', '.join(by_name)}). Fix: give the files the model was fitted on, or "
                "files of the same names."
            )
        image = data["images"][k]
        if info.band_count != image["bands"]:
            raise InputError(f"{path}: it has {info.band_count} bands, the model's "
                             f"{image['name']} had {image['bands']}. Fix: give the same bands.")
        if data["local"] is not None and (
                (info.width, info.height) != (image["width"], image["height"])
                or not np.allclose(info.geotransform, image["geotransform"])):
            raise InputError(
                f"{path}: its grid differs from that of the image the local model was "
                "fitted on. Fix: give a file on the same grid (local corrections are maps)."
            )
        if file_digest(path) != image["sha256"]:
            feedback.info(f"{info.name}: differs from the file the model was fitted on; "
                          "the saved correction is applied to it as it is.")
        infos.append(info)
        index.append(k)
    base = global_model_of(data)
    local = local_model_of(data)
    plan = band_plan_of(data)
    if plan is not None:
        for line in plan.lines([_Named(im["name"]) for im in data["images"]]):
            feedback.info(f"Bands: {line}")

    def correction_for(n):
        k = index[n]
        if plan is None:
            if local is None:
                return base.correction(k)
            return local.correction(k, base.correction(k), infos[n])
        info = infos[n]

        def group_correction(group, models):
            g_base, g_local = models

            def correction(m):
                if g_local is None:
                    return g_base.correction(m)
                view = select_bands(info, info, group.bands[m])
                return g_local.correction(m, g_base.correction(m), view)
            return correction

        models = [(base, local)] + group_models_of(data)
        return combined_correction(plan, k, info, [group_correction(g, mod) for g, mod
                                                   in zip(plan.groups, models)])

    (written,) = write_outputs(infos, outputs.folder, [(data["suffix"], correction_for)],
                               data["float32"], streaming, feedback)
    return RunResult(written, global_model=base, local_model=local)


class _Named:
    """A model's image, as far as the log of its band plan needs it."""

    def __init__(self, name: str) -> None:
        self.name = name
