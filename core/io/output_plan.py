"""Every path a run will write, resolved and checked before any pixel is read.

A run lists what it writes (its rasters, a mosaic and its parts folder, seamlines, a report
and the report's JSON, a model) as :class:`Planned` paths. :meth:`OutputPlan.check` resolves
them as the file system will (symbolic links, hard links, file systems that ignore case)
and refuses, naming both paths and the fix: an output that is an input, or holds one; two
outputs on one path, or one inside another; a folder where a file goes (or a file where a
folder goes); a folder that cannot be written. A parts folder that exists is only replaced
when a run made it (:func:`~.atomic.is_marked_folder`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import InputError
from .atomic import TEMPORARY_EXTRA, is_marked_folder
from .rasters import file_of, raster_stem


@dataclass(frozen=True)
class Planned:
    """One path a run writes: ``role`` names it in messages (e.g. "the model"), ``fix``
    says which parameter to change, ``folder`` marks a folder the run makes whole."""

    path: str
    role: str
    fix: str
    folder: bool = False


def parts_folder(output: str) -> str:
    """The folder beside a VRT mosaic that holds its index and part VRTs."""
    return os.path.splitext(output)[0] + "_parts"


def report_json(report: str) -> str:
    """The JSON file that holds a report's numbers, beside it."""
    return os.path.splitext(report)[0] + ".json"


def unique_stems(paths: Sequence[str]) -> List[str]:
    """Output stems, one per input: its file name without extension; where two inputs share
    a stem (``d1/img.tif``, ``d2/img.tif``, or ``a.tif`` and ``A.TIF``), the second and
    later ones get ``_2``, ``_3``, ... in input order."""
    stems = [raster_stem(p) for p in paths]
    taken = {s.casefold() for s in stems}
    seen: Dict[str, int] = {}
    out = []
    for stem in stems:
        key = stem.casefold()
        if key not in seen:
            seen[key] = 1
            out.append(stem)
            continue
        n = seen[key]
        while True:
            n += 1
            candidate = f"{stem}_{n}"
            if candidate.casefold() not in taken:
                break
        seen[key] = n
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _existing_ancestor(path: str) -> str:
    folder = os.path.dirname(path)
    while folder and not os.path.lexists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def _folder_ignores_case(folder: str, cache: Dict[str, bool]) -> bool:
    """Whether names in ``folder`` (which exists) are compared without case: an entry with
    letters found under its name with the case swapped. Looks, never writes. Without such
    an entry, the folder's own name in its parent decides (usually the same file system)."""
    if folder in cache:
        return cache[folder]
    answer = False
    probe = folder
    while True:
        found = None
        try:
            with os.scandir(probe) as entries:
                for n, entry in enumerate(entries):
                    if entry.name.swapcase() != entry.name:
                        found = entry.path
                        break
                    if n > 50:
                        break
        except OSError:
            pass
        if found is not None:
            head, tail = os.path.split(found)
            other = tail.swapcase()
            # The swapped name opens although no entry has it: the folder ignores case.
            # (Inode numbers cannot tell: FUSE file systems such as fusefat number each
            # lookup anew.)
            try:
                answer = os.path.lexists(os.path.join(head, other)) and \
                    other not in os.listdir(head)
            except OSError:
                answer = False
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    cache[folder] = answer
    return answer


@dataclass
class _Resolved:
    original: str
    key: str  # os.path.normcase of the real path
    folded: Optional[str]  # casefolded key where the folder ignores case
    inode: Optional[Tuple[int, int]]

    def same(self, other: "_Resolved") -> bool:
        if self.key == other.key:
            return True
        if self.inode is not None and self.inode == other.inode:
            return True
        if self.folded is not None or other.folded is not None:
            return self.key.casefold() == other.key.casefold()
        return False

    def inside(self, folder: "_Resolved") -> bool:
        """This path lies somewhere under ``folder``."""
        if self.key.startswith(folder.key.rstrip(os.sep) + os.sep):
            return True
        if self.folded is not None or folder.folded is not None:
            return self.key.casefold().startswith(folder.key.casefold().rstrip(os.sep) + os.sep)
        return False


def _resolve(path: str, cache: Dict[str, bool]) -> _Resolved:
    real = os.path.realpath(os.path.abspath(path))
    inode = None
    try:
        st = os.stat(real)
        inode = (st.st_dev, st.st_ino)
    except OSError:
        pass
    ancestor = _existing_ancestor(real)
    key = os.path.normcase(real)
    folded = key.casefold() if ancestor and _folder_ignores_case(ancestor, cache) else None
    return _Resolved(path, key, folded, inode)


class OutputPlan:
    """The outputs of one run against its inputs; :meth:`check` before any work."""

    def __init__(self, inputs: Sequence[str], outputs: Sequence[Planned]) -> None:
        self.inputs = list(inputs)
        self.outputs = list(outputs)

    @property
    def folders(self) -> List[str]:
        """The folders the outputs go into (each locked for the run)."""
        seen = []
        for out in self.outputs:
            folder = os.path.dirname(os.path.abspath(out.path))
            if folder not in seen:
                seen.append(folder)
        return seen

    def check(self) -> None:
        """Refuse the plan, naming both paths and the fix, where it would lose a file."""
        cache: Dict[str, bool] = {}
        for out in self.outputs:
            _check_place(out)
        files = [file_of(p) for p in self.inputs]  # GPKG:<file>:<table>: the GeoPackage
        inputs = _Index([_resolve(p, cache) for p in files + _sidecars(files)])
        outputs = [(out, _resolve(out.path, cache)) for out in self.outputs]
        for out, r in outputs:
            i = inputs.same(r)
            if i is not None:
                raise InputError(
                    f"{out.path}: {out.role} would overwrite an input ({i.original}). "
                    f"Fix: {out.fix}.")
            if out.folder:
                i = next((i for i in inputs.items if i.inside(r)), None)
                if i is not None:
                    raise InputError(
                        f"{i.original}: this input lies in {out.path}, which the run writes "
                        f"as {out.role} (replacing it whole). Fix: {out.fix}, or move the "
                        "inputs out of that folder.")
            i = inputs.containing(r)
            if i is not None:
                raise InputError(f"{out.path}: {out.role} would be written inside the "
                                 f"input {i.original}. Fix: {out.fix}.")
        index = _Index([r for _, r in outputs])
        by_resolved = {id(r): out for out, r in outputs}
        for n, (a, ra) in enumerate(outputs):
            b = index.same(ra, before=n)
            if b is not None:
                first = by_resolved[id(b)]
                raise InputError(
                    f"{first.path}: {first.role} and {a.role} ({a.path}) would be written to "
                    f"the same file. Fix: {a.fix}.")
        for inner, rinner in outputs:
            router = index.containing(rinner)
            if router is not None:
                outer = by_resolved[id(router)]
                raise InputError(
                    f"{inner.path}: {inner.role} would be written inside "
                    f"{outer.path}, {outer.role}. Fix: {inner.fix}.")


class _Index:
    """Resolved paths by key, inode and case-folded key, and their folders, so that a check
    of n outputs against m inputs costs n + m lookups, not n x m comparisons (at 1,000
    images those took 2 s, at 10,000 they would take minutes)."""

    def __init__(self, items: Sequence[_Resolved]) -> None:
        self.items = list(items)
        self.position = {id(r): n for n, r in enumerate(self.items)}
        self.key: Dict[str, List[_Resolved]] = {}
        self.inode: Dict[Tuple[int, int], List[_Resolved]] = {}
        self.folded: Dict[str, List[_Resolved]] = {}  # every item, by key.casefold()
        self.folder: Dict[str, List[_Resolved]] = {}  # key without a trailing separator
        self.folder_folded: Dict[str, List[_Resolved]] = {}
        for r in self.items:
            self.key.setdefault(r.key, []).append(r)
            if r.inode is not None:
                self.inode.setdefault(r.inode, []).append(r)
            self.folded.setdefault(r.key.casefold(), []).append(r)
            self.folder.setdefault(r.key.rstrip(os.sep), []).append(r)
            self.folder_folded.setdefault(r.key.casefold().rstrip(os.sep), []).append(r)

    def _first(self, candidates, r: _Resolved, before: Optional[int], test):
        for c in candidates:
            if c is not r and (before is None or self.position[id(c)] < before) and test(c):
                return c
        return None

    def same(self, r: _Resolved, before: Optional[int] = None) -> Optional[_Resolved]:
        """An item that is the same file as ``r`` (:meth:`_Resolved.same`); with ``before``,
        among the items before that position only."""
        found = [self.key.get(r.key, []), self.inode.get(r.inode, []) if r.inode else [],
                 self.folded.get(r.key.casefold(), [])]
        hits = [c for group in found for c in group]
        hits.sort(key=lambda c: self.position[id(c)])
        return self._first(hits, r, before, r.same)

    def containing(self, r: _Resolved) -> Optional[_Resolved]:
        """An item that ``r`` lies inside (:meth:`_Resolved.inside`)."""
        hits = []
        for ancestor in _ancestors(r.key):
            hits += self.folder.get(ancestor, [])
            hits += self.folder_folded.get(ancestor.casefold(), [])
        hits.sort(key=lambda c: self.position[id(c)])
        return self._first(hits, r, None, r.inside)


def _ancestors(key: str) -> List[str]:
    """Every proper prefix of ``key`` that ends before a separator, without it ('' for the
    root): the keys of the folders ``key`` lies in, as :meth:`_Resolved.inside` reads them."""
    out = []
    at = key.find(os.sep)
    while at != -1:
        out.append(key[:at].rstrip(os.sep))
        at = key.find(os.sep, at + 1)
    return out


# Files GDAL reads with a raster: they belong to the input as much as the raster does.
SIDECAR_SUFFIXES = (".aux.xml", ".msk", ".ovr")
WORLD_FILES = (".tfw", ".tifw", ".wld", ".prj", ".jgw", ".pgw")


def _sidecars(inputs: Sequence[str]) -> List[str]:
    """The existing sidecar files of the inputs (``<input>.aux.xml``, a world file, ...)."""
    found = []
    for path in inputs:
        stem = os.path.splitext(path)[0]
        for candidate in [path + s for s in SIDECAR_SUFFIXES] + [stem + w for w in WORLD_FILES]:
            if os.path.isfile(candidate):
                found.append(candidate)
    return found


def _longest_name(folder: str) -> int:
    """The longest file name, in bytes, the file system of ``folder`` takes."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):
        return 255


def _check_place(out: Planned) -> None:
    """The path's type and its folder: writable, a folder, not a file in the way."""
    path = os.path.abspath(out.path)
    if os.path.lexists(path):
        is_dir = os.path.isdir(path)
        if out.folder and not is_dir:
            raise InputError(f"{path}: a file is where the run writes {out.role} (a folder). "
                             f"Fix: move or rename that file, or {out.fix}.")
        if out.folder and not is_marked_folder(path):
            raise InputError(
                f"{path}: this folder exists and was not made by a spectralmatch run; the run "
                f"would replace it with {out.role}. Fix: move or rename that folder, or "
                f"{out.fix}.")
        if not out.folder and is_dir:
            raise InputError(f"{path}: this is an existing folder, where the run writes "
                             f"{out.role} (a file). Fix: {out.fix}.")
    ancestor = _existing_ancestor(path)
    if not ancestor:
        return
    longest = _longest_name(ancestor) - TEMPORARY_EXTRA
    if len(os.path.basename(path).encode("utf-8", "surrogateescape")) > longest:
        raise InputError(
            f"{path}: the name is {len(os.path.basename(path))} characters long; written "
            f"first under a temporary name {TEMPORARY_EXTRA} characters longer, it would pass "
            f"the file system's limit of {longest + TEMPORARY_EXTRA} bytes. Fix: shorten the "
            "input's file name (or the output's), or choose a shorter SUFFIX.")
    if not os.path.isdir(ancestor):
        raise InputError(f"{ancestor}: this is a file, so {out.role} ({path}) cannot be "
                         f"written under it. Fix: {out.fix}.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(f"{ancestor}: this folder is not writable, so {out.role} ({path}) "
                         f"cannot be written. Fix: {out.fix} in a folder you can write to.")
