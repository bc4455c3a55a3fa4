"""A fitted correction saved as JSON, and applied again to the same or same-named files.

The file holds everything the corrections need: per image the gains and offsets and, for
local matching, the mosaic grid, the block grid and the filled block maps. Floats are written
with Python's shortest exact representation, so that applying a saved model reproduces the
run that saved it bit for bit.
"""
from __future__ import annotations

import configparser
import hashlib
import json
import os
from typing import List, Optional

import numpy as np

from .block_grid import BlockGrid
from .errors import InputError
from .feedback import Feedback
from .global_match import GlobalModel
from .local_match import LocalModel
from .mosaic_grid import MosaicGrid, Placement
from .rasters import RasterInfo, describe
from .writer import write_outputs

FORMAT = "spectralmatch-model/1"


def plugin_version() -> str:
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(os.path.join(os.path.dirname(os.path.dirname(__file__)), "metadata.txt"),
              encoding="utf-8")
    return meta.get("general", "version", fallback="unknown")


def file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_model(path: str, infos: List[RasterInfo], suffix: str, float32: bool,
               global_model: GlobalModel, local_model: Optional[LocalModel] = None) -> str:
    """Write the model of a run as JSON at ``path``."""
    data = {
        "format": FORMAT,
        "plugin_version": plugin_version(),
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
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)
    return path


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


def _local_model(data: dict) -> Optional[LocalModel]:
    loc = data.get("local")
    if loc is None:
        return None
    g = loc["grid"]
    grid = MosaicGrid(g["origin"][0], g["origin"][1], g["pixel"][0], g["pixel"][1],
                      g["size"][0], g["size"][1],
                      tuple(Placement(*p) for p in g["placements"]), g["crs_wkt"],
                      (), tuple(g["native"]))
    maps = [tuple(np.array(m, dtype=np.float64) for m in pair) for pair in loc["maps"]]
    return LocalModel(BlockGrid(*loc["blocks"]), [tuple(s) for s in loc["spans"]], maps,
                      loc["method"], np.array(loc["scale"]), grid)


def apply_model(model_path: str, inputs: List[str], output_folder: str,
                feedback: Optional[Feedback] = None, window: Optional[int] = None,
                threads: Optional[int] = None) -> List[str]:
    """Apply a saved model to ``inputs``: the files it was fitted on, or files of the same
    names (a reprocessed product, another folder). Writes the file names of the run that
    saved it."""
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
    gains, offsets = np.array(data["gains"]), np.array(data["offsets"])
    base = GlobalModel(gains, offsets, [])
    local = _local_model(data)

    def correction_for(n):
        k = index[n]
        if local is None:
            return base.correction(k)
        return local.correction(k, base.correction(k), infos[n])

    # Same input names and the saved suffix: the file names of the run that saved the model.
    (outputs,) = write_outputs(infos, output_folder, [(data["suffix"], correction_for)],
                               data["float32"], feedback, window, threads)
    return outputs
