"""What a saved model file must hold before any of it is used (saved_model.load_model).

A model is JSON that a user can open and edit; Apply saved model writes files named after
it. Every field it reads is checked here for its kind, shape and range, so that an edited or
damaged file ends in a message naming it, not in a traceback half-way through a run, not in
outputs of NaN and not in files written outside the output folder (an output stem of
``../x`` or ``/tmp/x``).
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np

from ..defaults import LOCAL_METHODS
from ..errors import InputError


class _Damaged(Exception):
    """What is wrong with the file, in a few words."""


def check_model(path: str, data: dict) -> None:
    """Raise InputError, naming ``path`` and what is wrong, unless ``data`` (a loaded model
    file) is whole and its values usable."""
    try:
        _check(data)
    except _Damaged as exc:
        raise InputError(f"{path}: {exc}; the file was edited or is damaged. Fix: give the "
                         "model file as MODEL_OUT wrote it, or save it again with "
                         "MODEL_OUT.") from None


def plain_name(text) -> bool:
    """A file name without any folder: no separator, not ``.`` or ``..``, not empty."""
    return (isinstance(text, str) and text not in ("", ".", "..") and "\0" not in text
            and not any(sep in text for sep in ("/", "\\", os.sep))
            and not os.path.isabs(text))


def _check(data: dict) -> None:
    images = data.get("images")
    if not isinstance(images, list) or not images:
        raise _Damaged("it lists no images")
    for k, image in enumerate(images, start=1):
        if not isinstance(image, dict):
            raise _Damaged(f"image {k} is not a record")
        for key in ("sha256", "name"):
            if not isinstance(image.get(key), str):
                raise _Damaged(f"image {k} has no {key}")
        if not plain_name(image["name"]):
            raise _Damaged(f"image {k}'s name {image['name']!r} is not a file name")
        stem = image.get("output_stem")
        if stem is not None and not plain_name(stem):
            raise _Damaged(f"image {k}'s output stem {stem!r} is not a file name (outputs "
                           "are written into the output folder only)")
        for key in ("bands", "width", "height"):
            if not _count(image.get(key)):
                raise _Damaged(f"image {k} has no valid {key}")
        _numbers(image.get("geotransform"), f"image {k}'s geotransform", (6,))
    suffix = data.get("suffix")
    if not isinstance(suffix, str) or (suffix and not plain_name(suffix)):
        raise _Damaged(f"its suffix {suffix!r} is not part of a file name")
    if not isinstance(data.get("float32"), bool):
        raise _Damaged("its float32 is not true or false")
    if data.get("data_type") is not None and not isinstance(data["data_type"], str):
        raise _Damaged("its data type is not a type name")
    bands = [image["bands"] for image in images]
    plan = data.get("band_plan")
    if plan is None:
        if len(set(bands)) != 1:
            raise _Damaged("its images' band counts differ, and it holds no band plan")
        members = [list(range(len(images)))]
        widths = [bands[0]]
    else:
        members, widths = _plan(plan, len(images))
    groups = [data] + list(data.get("groups") or [])
    if len(groups) != len(members):
        raise _Damaged("it holds models for another number of band groups than its plan")
    for g, (group, images_of, width) in enumerate(zip(groups, members, widths)):
        where = "its" if g == 0 else f"band group {g + 1}'s"
        shape = (len(images_of), width)
        _numbers(group.get("gains"), f"{where} gains", shape)
        _numbers(group.get("offsets"), f"{where} offsets", shape)
        _local(group.get("local"), where, len(images_of), width)


def _plan(plan, n_images: int):
    try:
        groups = plan["groups"]
        members = [list(g["images"]) for g in groups]
        widths = [len(g["labels"]) for g in groups]
        for g, images in zip(groups, members):
            if not images or any(not isinstance(k, int) or not 0 <= k < n_images
                                 for k in images) or len(g["bands"]) != len(images):
                raise _Damaged("its band plan names images it does not hold")
            if any(len(b) != len(g["labels"]) or not all(_count(n) for n in b)
                   for b in g["bands"]):
                raise _Damaged("its band plan's band numbers do not fit its bands")
        if not groups or len(plan["unmatched"]) != n_images or not isinstance(
                plan["source"], str):
            raise _Damaged("its band plan is incomplete")
    except (KeyError, TypeError) as exc:
        raise _Damaged(f"its band plan is incomplete ({exc})") from None
    return members, widths


def _local(local, where: str, n_images: int, bands: int) -> None:
    if local is None:
        return
    if not isinstance(local, dict):
        raise _Damaged(f"{where} local model is not a record")
    if local.get("method") not in LOCAL_METHODS:
        raise _Damaged(f"{where} local method {local.get('method')!r} is none of "
                       f"{', '.join(LOCAL_METHODS)}")
    _numbers(local.get("scale"), f"{where} local scale", (bands,))
    blocks = local.get("blocks")
    if not isinstance(blocks, list) or len(blocks) != 3 or not all(_count(b) for b in blocks):
        raise _Damaged(f"{where} local blocks are not three positive whole numbers")
    grid = local.get("grid")
    if not isinstance(grid, dict):
        raise _Damaged(f"{where} local grid is missing")
    _numbers(grid.get("origin"), f"{where} grid origin", (2,))
    pixel = _numbers(grid.get("pixel"), f"{where} grid pixel size", (2,))
    size = grid.get("size")
    if not (isinstance(size, list) and len(size) == 2 and all(_count(n) for n in size)) \
            or not np.all(pixel != 0):
        raise _Damaged(f"{where} local grid has no size")
    places = grid.get("placements")
    if not isinstance(places, list) or len(places) != n_images or not all(
            isinstance(p, list) and len(p) == 4 and all(_whole(v) for v in p)
            and _count(p[2]) and _count(p[3]) for p in places):
        raise _Damaged(f"{where} local grid does not place each of its images")
    native = grid.get("native")
    if not isinstance(native, list) or len(native) != n_images:
        raise _Damaged(f"{where} local grid does not say which images are on it")
    spans, nodes = local.get("spans"), local.get("nodes")
    if not isinstance(spans, list) or not isinstance(nodes, list) \
            or len(spans) != n_images or len(nodes) != n_images:
        raise _Damaged(f"{where} local model does not hold a surface for each image")
    for k, (span, node) in enumerate(zip(spans, nodes), start=1):
        if not (isinstance(span, list) and len(span) == 4 and all(_whole(v) for v in span)
                and span[0] >= 0 and span[1] >= 0 and _count(span[2]) and _count(span[3])):
            raise _Damaged(f"{where} surface {k} has no valid span")
        _numbers(node, f"{where} surface {k}", (bands, span[2], span[3]))
    shifts = local.get("shifts")
    if shifts is not None and (not isinstance(shifts, list) or len(shifts) != n_images):
        raise _Damaged(f"{where} local shifts do not fit its images")
    for k, shift in enumerate(shifts or [], start=1):
        _numbers(shift, f"{where} shift {k}", None)


def _numbers(value, what: str, shape: Optional[tuple]) -> np.ndarray:
    """``value`` as a float64 array of ``shape`` (None: any), every number finite."""
    expected = " x ".join(map(str, shape)) + " numbers" if shape else "numbers"
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Damaged(f"{what}: not {expected}") from None
    if value is None or (shape is not None and array.shape != shape):
        raise _Damaged(f"{what}: not {expected}")
    if not np.all(np.isfinite(array)):
        raise _Damaged(f"{what}: a value is not a finite number")
    return array


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value) -> bool:
    return _whole(value) and value > 0

