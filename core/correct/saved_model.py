"""The saved-model file: a fitted correction as JSON (applying it is runs/apply.py).

The file holds everything the corrections need: per image the gains and offsets and, for
local matching, the common grid, the block grid and the filled block maps. Floats are written
with Python's shortest exact representation, so that applying a saved model reproduces the
run that saved it bit for bit.
"""
from __future__ import annotations

import json
from typing import List, Optional

import numpy as np

from ..errors import InputError
from ..grid.blocks import BlockGrid
from ..grid.common_grid import CommonGrid, Placement
from ..io.atomic import file_digest, write_text_atomically
from ..io.rasters import RasterInfo
from .global_model import GlobalModel
from .local_model import LocalModel

FORMAT = "spectralmatch-model/1"


def save_model(path: str, infos: List[RasterInfo], suffix: str, float32: bool,
               global_model: GlobalModel, local_model: Optional[LocalModel] = None,
               producer: Optional[str] = None) -> str:
    """Write the model of a run as JSON at ``path``; ``producer`` names the software that
    fitted it (e.g. the plugin and its version)."""
    data = {
        "format": FORMAT,
        "plugin_version": producer or "unknown",
        "suffix": suffix,
        "float32": float32,
        "images": [
            {"name": info.name, "sha256": file_digest(info.path), "bands": info.band_count,
             "width": info.width, "height": info.height,
             "geotransform": list(info.geotransform), "crs_wkt": info.crs_wkt}
            for info in infos
        ],
        "gains": global_model.gains.tolist(),
        "offsets": global_model.offsets.tolist(),
        "local": None,
    }
    if local_model is not None:
        g = local_model.grid
        data["local"] = {
            "method": local_model.method,
            "scale": local_model.scale.tolist(),
            "blocks": [local_model.blocks.size, local_model.blocks.cols, local_model.blocks.rows],
            "grid": {"origin": [g.origin_x, g.origin_y], "pixel": [g.pixel_width, g.pixel_height],
                     "size": [g.cols, g.rows], "crs_wkt": g.crs_wkt,
                     "placements": [[p.col, p.row, p.cols, p.rows] for p in g.placements],
                     "native": list(g.native) if g.native else [True] * len(infos)},
            "spans": [list(s) for s in local_model.spans],
            "maps": [[m.tolist() for m in pair] for pair in local_model.maps],
        }
    return write_text_atomically(path, json.dumps(data))


def load_model(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: the model cannot be read ({exc}). Fix: give a model file "
                         "written by MODEL_OUT.") from None
    if data.get("format") != FORMAT:
        raise InputError(f"{path}: this is not a spectralmatch model. Fix: give a model file "
                         "written by MODEL_OUT.")
    return data


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
    maps = [tuple(np.array(m, dtype=np.float64) for m in pair) for pair in loc["maps"]]
    return LocalModel(BlockGrid(*loc["blocks"]), [tuple(s) for s in loc["spans"]], maps,
                      loc["method"], np.array(loc["scale"]), grid)
