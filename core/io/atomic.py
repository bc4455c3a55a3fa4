"""Outputs that appear whole, together, or not at all; and never at the cost of a file the
run did not make.

Every output is first written under a temporary name beside its final path,
``.<name>.<8 hex>.partial<extension>``; only when the whole run has succeeded are all of
them renamed into place (:meth:`OutputSet.commit`). A file already at a final path is kept
as a backup (``.<name>.<8 hex>.partial.bak``) until every rename has succeeded, so that a
failure half-way through the commit puts the older files back. A folder is only ever
replaced when the run itself made it and marked it (the mosaic's ``<name>_parts``). On
failure, cancel or an interrupt the temporaries are removed; a run killed outright leaves
them, and the next run into that folder removes them (:func:`remove_stale_temporaries`).
A run killed during the commit itself leaves a journal in each folder it was committing
into (``.spectralmatch-commit.<8 hex>.partial.journal``): the next run into that folder
undoes the renames it lists, so that the folder holds the older set whole, never a mix of
older and newer files.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from typing import List, Optional, Tuple

from ..errors import InputError

# Inside a folder the run made (a VRT mosaic's parts): only such folders are ever replaced.
MARKER = ".spectralmatch-parts"
# GDAL may write these beside a raster; they follow their raster.
SIDECARS = (".aux.xml", ".msk")
_TEMPORARY = re.compile(r"^\.(?P<final>.+)\.[0-9a-f]{8}\.partial(?P<rest>.*)$")
# The journal of a commit under way (see OutputSet.commit), in each folder it renames in.
_JOURNAL = "spectralmatch-commit"
_JOURNAL_REST = ".journal"


# The most a temporary's name adds to its final name (the longest extension the run uses,
# a COG's scratch file, and a sidecar of it): ".<name>.<8 hex>.partial.scratch.tif.aux.xml".
TEMPORARY_EXTRA = len("..01234567.partial.scratch.tif.aux.xml")


def temporary_name(final_path: str, extension: str = "") -> str:
    """A fresh temporary path beside ``final_path``, of the plugin's own naming."""
    folder, name = os.path.split(final_path)
    return os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.partial{extension}")


def is_marked_folder(path: str) -> bool:
    """A folder a spectralmatch run made (it holds the marker file)."""
    return (os.path.isdir(path) and not os.path.islink(path)
            and os.path.isfile(os.path.join(path, MARKER)))


def _remove(path: str) -> None:
    """Remove a file, or a folder the run made; anything else is left alone."""
    if os.path.islink(path) or os.path.isfile(path):
        os.remove(path)
    elif is_marked_folder(path):
        shutil.rmtree(path)


class OutputSet:
    """Temporary files that become the outputs together, or vanish together."""

    def __init__(self) -> None:
        self._pending: List[Tuple[str, str, bool]] = []  # (temporary, final, is a folder)
        self._made_folders: List[str] = []
        self._scratch: List[str] = []  # temporaries never committed (a COG's source)

    def make_folders(self, folder: str) -> None:
        """Create ``folder`` and its missing parents; the ones made go again on discard
        when they are still empty."""
        missing = []
        folder = os.path.abspath(folder)
        while folder and not os.path.lexists(folder):
            missing.append(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:
                continue
            except OSError as exc:
                raise InputError(f"{path}: the folder cannot be created ({exc.strerror}). "
                                 "Fix: choose a folder you can write to.") from None
            self._made_folders.append(path)

    def temporary_for(self, final_path: str, extension: str = ".tif") -> str:
        """A temporary file path that becomes ``final_path`` on commit."""
        self.make_folders(os.path.dirname(os.path.abspath(final_path)))
        tmp = temporary_name(final_path, extension)
        self._pending.append((tmp, final_path, False))
        return tmp

    def temporary_folder_for(self, final_path: str) -> str:
        """A temporary folder, created and marked as the run's, that becomes ``final_path``."""
        self.make_folders(os.path.dirname(os.path.abspath(final_path)))
        tmp = temporary_name(final_path)
        try:
            os.mkdir(tmp)
            self._pending.append((tmp, final_path, True))
            with open(os.path.join(tmp, MARKER), "w", encoding="utf-8") as f:
                f.write("Made by a spectralmatch run; the next run of the same name "
                        "replaces it.\n")
        except OSError as exc:
            raise InputError(f"{final_path}: the folder cannot be written ({exc.strerror}). "
                             "Fix: check free space and permissions of its folder.") from None
        return tmp

    def scratch_for(self, final_path: str, extension: str = ".tif") -> str:
        """A temporary beside ``final_path`` that is never committed (e.g. the GeoTIFF a COG
        is made from); removed by ``remove_scratch``, ``commit`` and ``discard``, and named
        like every temporary, so that a run killed outright leaves it to the next run's
        clean-up."""
        self.make_folders(os.path.dirname(os.path.abspath(final_path)))
        tmp = temporary_name(final_path, ".scratch" + extension)
        self._scratch.append(tmp)
        return tmp

    def remove_scratch(self) -> None:
        for tmp in self._scratch:
            for path in [tmp, tmp + ".ovr"] + [tmp + ext for ext in SIDECARS]:
                try:
                    if os.path.lexists(path):
                        os.remove(path)
                except OSError:
                    pass
        self._scratch = []

    def temporary_of(self, final_path: str) -> Optional[str]:
        """The temporary that becomes ``final_path``, if one is pending."""
        for tmp, final, _ in self._pending:
            if final == final_path:
                return tmp
        return None

    def adopt(self, other: "OutputSet") -> None:
        """Take over the temporaries of ``other``, to commit them with these."""
        self._pending.extend(other._pending)
        self._scratch.extend(other._scratch)
        other._pending, other._scratch = [], []

    @property
    def finals(self) -> List[str]:
        return [final for _, final, _ in self._pending]

    def _moves(self):
        """(temporary, final, is a folder) of every rename, sidecars included. A sidecar of
        the older file that the new one lacks comes as (None, its path, False): it goes with
        the older file (kept with it until the commit succeeds).

        Why: QGIS writes ``<raster>.aux.xml`` (statistics, histograms) when it closes a layer
        it drew; left beside a replaced raster, GDAL and QGIS read the older file's
        statistics for the newer file."""
        for tmp, final, folder in self._pending:
            yield tmp, final, folder
            if not folder:
                for ext in SIDECARS:
                    if os.path.exists(tmp + ext):
                        yield tmp + ext, final + ext, False
                    elif os.path.lexists(final + ext) and not os.path.isdir(final + ext):
                        yield None, final + ext, False

    def commit(self) -> List[str]:
        """Rename every temporary into place; on any failure put the older files back.

        Each folder gets a journal of its renames first: killed outright half-way, the
        commit is undone by the next run into the folder (remove_stale_temporaries). The
        journals go once every rename has succeeded, before the backups do."""
        self.remove_scratch()
        backups: List[Tuple[str, str]] = []  # (final, its backup)
        placed: List[str] = []
        moves = list(self._moves())
        journals: List[str] = []
        try:
            journals = _write_journals(moves)
            for tmp, final, folder in moves:
                if os.path.lexists(final):
                    is_dir = os.path.isdir(final) and not os.path.islink(final)
                    if is_dir and not (folder and is_marked_folder(final)):
                        raise InputError(
                            f"{final}: a folder is in the way, and this run did not make it. "
                            "Fix: move or rename that folder, or choose another output name.")
                    if folder and not is_dir:
                        raise InputError(f"{final}: a file is where the run's folder goes. "
                                         "Fix: move or rename that file.")
                    backup = temporary_name(final, ".bak")
                    # An older sidecar without a newer one is moved, not linked: it goes.
                    _set_aside(final, backup, move=is_dir or tmp is None)
                    backups.append((final, backup))
                if tmp is not None:
                    os.replace(tmp, final)
                    placed.append(final)
        except BaseException:
            _roll_back(placed, backups)
            self.discard()
            _remove_files(journals)
            raise
        _remove_files(journals)
        for _, backup in backups:
            try:
                _remove(backup)
            except OSError:  # left for the next run's clean-up
                pass
        done = [final for _, final, _ in self._pending]
        self._pending, self._made_folders = [], []
        return done

    def discard(self) -> None:
        """Remove every temporary (and the folders made for them, where empty)."""
        self.remove_scratch()
        for tmp, _, folder in self._pending:
            for path in [tmp] + ([] if folder else [tmp + ext for ext in SIDECARS]):
                try:
                    if folder and os.path.isdir(path):
                        shutil.rmtree(path)
                    elif os.path.lexists(path):
                        os.remove(path)
                except OSError:
                    pass
        for path in reversed(self._made_folders):
            try:
                os.rmdir(path)  # only when empty (a lock still in it: tried again later)
            except OSError:
                pass
        self._pending = []


def _write_journals(moves) -> List[str]:
    """One journal per folder of ``moves``: the (temporary, final, is a folder) names of
    its renames, each written whole (through a temporary) before any rename."""
    by_folder: dict = {}
    for tmp, final, folder in moves:
        by_folder.setdefault(os.path.dirname(os.path.abspath(final)), []).append(
            [tmp and os.path.basename(tmp), os.path.basename(final), folder])
    journals: List[str] = []
    try:
        for where, entries in by_folder.items():
            journal = temporary_name(os.path.join(where, _JOURNAL), _JOURNAL_REST)
            with open(journal + ".tmp", "w", encoding="utf-8") as f:
                json.dump(entries, f)
            os.replace(journal + ".tmp", journal)
            journals.append(journal)
    except OSError as exc:
        _remove_files(journals + [j + ".tmp" for j in journals])
        raise InputError(f"{where}: the outputs cannot be put in place ({exc.strerror}). "
                         "Fix: check free space and permissions of that folder.") from None
    return journals


def _remove_files(paths: List[str]) -> None:
    for path in paths:
        try:
            os.remove(path)
        except OSError:
            pass


def _is_journal(name: str) -> bool:
    match = _TEMPORARY.match(name)
    return match is not None and match["final"] == _JOURNAL and match["rest"] == _JOURNAL_REST


def _backup_of(name: str) -> Optional[str]:
    """The final name whose older file ``name`` keeps, if it is such a backup."""
    match = _TEMPORARY.match(name)
    return match["final"] if match is not None and match["rest"] == ".bak" else None


def _undo_journal(folder: str, journal: str) -> None:
    """Undo the renames of a commit killed half-way, as its journal lists them: a final
    whose temporary is gone is the newer file; its backup (the older one) is put back, or,
    where there was none, it is removed. Temporaries still there are left to the caller's
    clean-up (their renames never happened). An older sidecar that was only to go (no
    temporary) is put back where it went, and left where it did not."""
    try:
        with open(journal, encoding="utf-8") as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return  # written through a temporary: a journal that cannot be read is no journal
    names = os.listdir(folder)
    for tmp, final, is_folder in entries:
        if tmp is not None and os.path.lexists(os.path.join(folder, tmp)):
            continue
        final_path = os.path.join(folder, final)
        backup = next((n for n in names if _backup_of(n) == final), None)
        try:
            if tmp is None and os.path.lexists(final_path):
                continue  # not gone yet: the older sidecar is where it was
            if os.path.lexists(final_path):
                if is_folder:
                    _remove(final_path)  # only a folder the run made and marked
                else:
                    os.remove(final_path)
            if backup is not None:
                os.replace(os.path.join(folder, backup), final_path)
        except OSError:
            continue


def _set_aside(final: str, backup: str, move: bool) -> None:
    """Keep ``final`` as ``backup``: a second hard link where the file system has them (the
    final path never goes missing), else, or where ``move`` (a folder, a file that is to go),
    a rename."""
    if not move:
        try:
            os.link(final, backup, follow_symlinks=False)
            return
        except (OSError, NotImplementedError):
            pass
    os.rename(final, backup)


def _roll_back(placed: List[str], backups: List[Tuple[str, str]]) -> None:
    """Undo a commit that failed: remove what was placed, restore the older files."""
    for final in reversed(placed):
        try:
            if os.path.isdir(final) and not os.path.islink(final):
                shutil.rmtree(final)
            else:
                os.remove(final)
        except OSError:
            pass
    for final, backup in reversed(backups):
        try:
            os.replace(backup, final)
        except OSError:  # the next run into this folder restores it (stale clean-up)
            pass


def remove_stale_temporaries(folder: str, older_than: float) -> List[str]:
    """Remove the plugin's own temporaries in ``folder`` last changed before ``older_than``
    (a time stamp; the caller holds the folder's lock, so no live run writes them). A
    backup whose final file is missing (a commit killed half-way) is put back instead."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    journals = [entry for entry in entries if _is_journal(entry.name)]
    for entry in journals:
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= older_than:
                continue
        except OSError:
            continue
        _undo_journal(folder, entry.path)
    if journals:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None:
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= older_than:
                continue
            final = os.path.join(folder, match["final"])
            if match["rest"] == ".bak" and not os.path.lexists(final):
                os.replace(entry.path, final)
                continue
            if entry.is_dir(follow_symlinks=False) and not is_marked_folder(entry.path):
                continue
            _remove(entry.path)
            removed.append(entry.path)
        except OSError:
            continue
    return removed


def write_text_atomically(path: str, text: str, staged: Optional[OutputSet] = None) -> str:
    """Write a text file through a temporary name: renamed at once, or, with ``staged``,
    together with the rest of that output set when it is committed."""
    outputs = staged if staged is not None else OutputSet()
    tmp = outputs.temporary_for(path, "")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        outputs.discard()
        raise InputError(f"{path}: writing failed ({exc.strerror or exc}). Fix: check free "
                         "space and permissions of its folder.") from None
    except BaseException:
        outputs.discard()
        raise
    if staged is None:
        outputs.commit()
    return path


def file_digest(path: str) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
