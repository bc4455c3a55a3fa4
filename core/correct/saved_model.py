"""The saved-model file: a fitted correction as JSON (applying it is runs/apply.py).

The file holds everything the corrections need: per image the gains and offsets and, for
local matching, the common grid, the block grid and the node values of every image's
surfaces. Floats are written with Python's shortest exact representation, so that applying a
saved model reproduces the run that saved it bit for bit.

A run on inputs whose bands differ (grid/band_plan.py) adds the band plan and the models of
the further band groups. The format is 3 since the local step fits surfaces (issue 16), 4
since its linear form also shifts each image before the factor (format 3 files, without
shifts, are read as they were written); files of formats 1 and 2 (block maps) are still
read where they hold no local model, and refused with a message where they do.
"""
from __future__ import annotations

import json
import os
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..errors import InputError
from .model_check import check_model
from ..grid.band_plan import BandPlan
from ..grid.blocks import BlockGrid
from ..grid.common_grid import CommonGrid, Placement
from ..io.atomic import OutputSet, file_digest, write_text_atomically
from ..io.output_plan import unique_stems
from ..io.rasters import RasterInfo
from .global_model import GlobalModel
from .local_model import LocalModel

FORMAT = "spectralmatch-model/4"  # local surfaces with shifts; a band plan where bands differ
# Earlier files: 1 single-sensor, 2 with a band plan; their local models are block maps;
# 3 local surfaces without shifts.
BLOCK_MAP_FORMATS = ("spectralmatch-model/1", "spectralmatch-model/2")
FORMATS = (FORMAT, "spectralmatch-model/3") + BLOCK_MAP_FORMATS

# The models of a band group: global, and local where the run had a local step.
GroupModels = Tuple[GlobalModel, Optional[LocalModel]]


def save_model(path: str, infos: List[RasterInfo], suffix: str, float32: bool,
               global_model: GlobalModel, local_model: Optional[LocalModel] = None,
               producer: Optional[str] = None, plan: Optional[BandPlan] = None,
               groups: Sequence[GroupModels] = (), staged: Optional[OutputSet] = None,
               stems: Optional[List[str]] = None, data_type: Optional[str] = None) -> str:
    """Write the model of a run as JSON at ``path``; ``producer`` names the software that
    fitted it (e.g. the plugin and its version). ``plan`` (where the inputs' bands differ)
    and ``groups``, the models of its band groups after the first, are saved with it.
    ``staged``: the run's output set, committed with the rest; ``stems``: the stems of the
    run's output names; ``data_type`` the outputs' type name where one was chosen
    (``float32`` stays for readers of older models).

    Each image is kept with its file name, the name of its folder, its checksum and its
    output stem, so that images of the same name in different folders stay apart."""
    mixed = plan is not None and not plan.is_uniform(infos)
    stems = stems or unique_stems([info.path for info in infos])
    data = {
        "format": FORMAT,
        "plugin_version": producer or "unknown",
        "suffix": suffix,
        "float32": float32 or data_type == "Float32",
        "data_type": data_type,
        "images": [
            {"name": info.name, "sha256": file_digest(info.file), "output_stem": stem,
             "folder": os.path.basename(os.path.dirname(os.path.abspath(info.file))),
             "bands": info.band_count,
             "width": info.width, "height": info.height,
             "geotransform": list(info.geotransform), "crs_wkt": info.crs_wkt}
            for info, stem in zip(infos, stems)
        ],
        "gains": global_model.gains.tolist(),
        "offsets": global_model.offsets.tolist(),
        "local": _local_dict(local_model, len(infos)),
    }
    if mixed:
        data["band_plan"] = plan.to_dict()
        data["groups"] = [
            {"gains": models[0].gains.tolist(), "offsets": models[0].offsets.tolist(),
             "local": _local_dict(models[1], len(group.images))}
            for group, models in zip(plan.groups[1:], groups)]
    return write_text_atomically(path, json.dumps(data), staged)


def _local_dict(local_model: Optional[LocalModel], n_images: int) -> Optional[dict]:
    if local_model is None:
        return None
    g = local_model.grid
    return {
        "method": local_model.method,
        "scale": local_model.scale.tolist(),
        "blocks": [local_model.blocks.size, local_model.blocks.cols, local_model.blocks.rows],
        "grid": {"origin": [g.origin_x, g.origin_y], "pixel": [g.pixel_width, g.pixel_height],
                 "size": [g.cols, g.rows], "crs_wkt": g.crs_wkt,
                 "placements": [[p.col, p.row, p.cols, p.rows] for p in g.placements],
                 "native": list(g.native) if g.native else [True] * n_images},
        "spans": [list(s) for s in local_model.spans],
        "nodes": [m.tolist() for m in local_model.nodes],
        "shifts": (None if local_model.shifts is None
                   else [np.asarray(d, dtype=np.float64).tolist() for d in local_model.shifts]),
    }


def load_model(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: the model cannot be read ({exc}). Fix: give a model file "
                         "written by MODEL_OUT.") from None
    found = data.get("format") if isinstance(data, dict) else None
    if found not in FORMATS:
        newer = isinstance(found, str) and found.startswith("spectralmatch-model/")
        raise InputError(
            f"{path}: this is a {found} file, newer than this plugin reads. Fix: update the "
            "plugin." if newer else f"{path}: this is not a spectralmatch model. Fix: give a "
            "model file written by MODEL_OUT.")
    if found in BLOCK_MAP_FORMATS and any(
            d.get("local") is not None for d in [data] + list(data.get("groups", []))):
        raise InputError(
            f"{path}: this model was saved by an older version of the plugin "
            f"({data.get('plugin_version', 'unknown')}), whose local correction was a block "
            "map; this version applies fitted surfaces and cannot reproduce it. Fix: run the "
            "matching again with MODEL_OUT to save a current model.")
    check_model(path, data)
    return data


def band_plan_of(data: dict) -> Optional[BandPlan]:
    """The band plan of a file saved from inputs whose bands differ, or None (every
    input's bands, in order)."""
    return BandPlan.from_dict(data["band_plan"]) if data.get("band_plan") else None


def group_models_of(data: dict) -> List[GroupModels]:
    """The models of the band groups after the first."""
    return [(global_model_of(g), local_model_of(g)) for g in data.get("groups", [])]


def global_model_of(data: dict) -> GlobalModel:
    """The global model a loaded file holds."""
    return GlobalModel(np.array(data["gains"]), np.array(data["offsets"]), [])


def local_model_of(data: dict) -> Optional[LocalModel]:
    """The local model a loaded file holds, or None for a global-only run."""
    loc = data.get("local")
    if loc is None:
        return None
    g = loc["grid"]
    grid = CommonGrid(g["origin"][0], g["origin"][1], g["pixel"][0], g["pixel"][1],
                      g["size"][0], g["size"][1],
                      tuple(Placement(*p) for p in g["placements"]), g["crs_wkt"],
                      (), tuple(g["native"]))
    nodes = [np.array(m, dtype=np.float64) for m in loc["nodes"]]
    shifts = loc.get("shifts")
    return LocalModel(BlockGrid(*loc["blocks"]), [tuple(s) for s in loc["spans"]], nodes,
                      loc["method"], np.array(loc["scale"]), grid,
                      None if shifts is None else [np.array(d, dtype=np.float64)
                                                   for d in shifts])
