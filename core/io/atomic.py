"""Outputs that appear whole or not at all.

Every output is first written under a temporary name beside its final path and renamed only
when the whole run has succeeded; on failure or cancel the temporaries are removed, so a run
never leaves a half-written file behind nor replaces an existing one half-way.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from typing import List, Tuple


class OutputSet:
    """Temporary files that become the outputs together, or vanish together."""

    def __init__(self) -> None:
        self._pending: List[Tuple[str, str]] = []

    def temporary_for(self, final_path: str, extension: str = ".tif") -> str:
        folder, name = os.path.split(final_path)
        tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.partial{extension}")
        self._pending.append((tmp, final_path))
        return tmp

    def commit(self) -> List[str]:
        for tmp, final in self._pending:
            if os.path.isdir(tmp) and os.path.isdir(final):  # a folder replaces a folder
                shutil.rmtree(final)
            os.replace(tmp, final)
        done = [final for _, final in self._pending]
        self._pending = []
        return done

    def discard(self) -> None:
        for tmp, _ in self._pending:
            if os.path.isdir(tmp):
                shutil.rmtree(tmp)
            for path in (tmp, tmp + ".aux.xml", tmp + ".msk"):
                if os.path.exists(path):
                    os.remove(path)
        self._pending = []


def write_text_atomically(path: str, text: str) -> str:
    """Write a text file (its folder created) through a temporary name and one rename."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    outputs = OutputSet()
    tmp = outputs.temporary_for(path, "")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    return path


def file_digest(path: str) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
