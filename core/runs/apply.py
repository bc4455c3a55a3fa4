"""Apply a saved model: the correction of an earlier run, without fitting anything again."""
from __future__ import annotations

import os
from dataclasses import replace
from typing import List, Optional

import numpy as np

from ..correct.band_groups import combined_correction
from ..correct.saved_model import (band_plan_of, global_model_of, group_models_of, load_model,
                                   local_model_of)
from ..errors import InputError
from ..feedback import Feedback
from ..grid.band_plan import select_bands
from ..grid.inputs import input_paths
from ..io.atomic import file_digest
from ..io.crs import same_crs
from ..io.executor import open_executor
from ..io.output_plan import OutputPlan
from ..io.geotiff import check_raster_format
from ..io.parallel import note_thread_cap, run_settings
from ..io.rasters import describe, file_of
from ..io.writer import check_output_format, write_outputs
from ..options import Outputs, Streaming
from .plan import raster_plan, staged
from .result import RunResult


def _image_of(path: str, name: str, digest: str, images: List[dict], model_path: str) -> int:
    """Which image of the model ``path`` is: by file name; where the model holds several of
    that name (``d1/img.tif``, ``d2/img.tif``), by checksum, else by the folder's name."""
    candidates = [k for k, image in enumerate(images) if image["name"] == name]
    if not candidates:
        raise InputError(
            f"{path}: no image of this name is in the model {model_path} (it holds "
            f"{', '.join(sorted({im['name'] for im in images}))}). Fix: give the files the "
            "model was fitted on, or files of the same names."
        )
    if len(candidates) == 1:
        return candidates[0]
    folder = os.path.basename(os.path.dirname(os.path.abspath(file_of(path))))
    for key, value in (("sha256", digest), ("folder", folder)):
        found = [k for k in candidates if images[k].get(key) == value]
        if len(found) == 1:
            return found[0]
    folders = ", ".join(str(images[k].get("folder")) for k in candidates)
    raise InputError(
        f"{path}: the model {model_path} holds {len(candidates)} images named {name} (from "
        f"folders {folders}) and this file is none of them exactly. Fix: give the files the "
        "model was fitted on, or keep each in a folder of the same name as its original.")


def apply_model(model_path: str, inputs: List[str], outputs: Outputs,
                streaming: Streaming = Streaming(),
                feedback: Optional[Feedback] = None) -> RunResult:
    """Apply a saved model to ``inputs``: the files it was fitted on, or files of the same
    names (a reprocessed product, another folder). Writes into ``outputs.folder`` the file
    names and the data type of the run that saved it; images of the same name in different
    folders are told apart by checksum, else by the name of their folder."""
    feedback = feedback or Feedback()
    if not isinstance(model_path, (str, os.PathLike)):
        raise InputError("apply_model takes the model's path first, then the inputs: "
                         "apply_model(model_path, inputs, outputs). Fix: give them in that "
                         "order.")
    model_path = os.fspath(model_path)
    inputs = input_paths(inputs)
    note_thread_cap(streaming.threads, feedback)
    check_raster_format(outputs.raster)
    data = load_model(model_path)
    images = data["images"]
    infos, index, digests, taken = [], [], [], {}
    for path in inputs:
        info = describe(path)
        digest = file_digest(info.file)
        k = _image_of(path, info.name, digest, images, model_path)
        if k in taken:
            raise InputError(f"{path}: it and {taken[k]} are both the model's image "
                             f"{images[k]['name']}. Fix: give each image once.")
        taken[k] = path
        image = images[k]
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
        if data["local"] is not None and image.get("crs_wkt") and info.crs_wkt \
                and not same_crs(info.crs_wkt, image["crs_wkt"]):
            raise InputError(
                f"{path}: its coordinate reference system differs from that of the image "
                "the local model was fitted on, so its pixels are other places. Fix: give "
                "the file in the CRS it was matched in (local corrections are maps).")
        infos.append(info)
        index.append(k)
        digests.append(digest)
    stems = [images[k].get("output_stem") or os.path.splitext(images[k]["name"])[0]
             for k in index]
    output_plan = OutputPlan(inputs, raster_plan(outputs.folder, stems, [data["suffix"]]))
    # the type of the run that saved the model
    raster = replace(outputs.raster, data_type=data.get("data_type")
                     or ("Float32" if data["float32"] else None))
    check_output_format(infos, raster)
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

    with staged(output_plan) as staging, run_settings(), open_executor(streaming,
                                                                    feedback) as executor:
        if executor.distributed:
            executor.check_access(inputs)
        for info, k, digest in zip(infos, index, digests):
            if digest != images[k]["sha256"]:
                feedback.info(f"{info.name}: differs from the file the model was fitted on; "
                              "the saved correction is applied to it as it is.")
        feedback.phase("writing")
        (written,) = write_outputs(infos, outputs.folder, [(data["suffix"], correction_for)],
                                   raster, streaming, feedback, staged=staging, stems=stems,
                                   executor=executor)
        staging.commit()
    return RunResult(written, global_model=base, local_model=local)


class _Named:
    """A model's image, as far as the log of its band plan needs it."""

    def __init__(self, name: str) -> None:
        self.name = name
