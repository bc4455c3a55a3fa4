"""Checksums of every file under a folder, and the run's own leftovers, for the tests of
issue 15 ("nothing lost, ever")."""
import hashlib
import os
import re

TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8}\.partial")
LOCK = ".spectralmatch.lock"


def snapshot(root) -> dict:
    """{relative path: sha256} of every file under ``root`` (folders as entries too)."""
    state = {}
    for folder, dirs, files in os.walk(str(root)):
        rel = os.path.relpath(folder, str(root))
        for name in dirs:
            state[os.path.normpath(os.path.join(rel, name)) + os.sep] = "folder"
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                state[os.path.normpath(os.path.join(rel, name))] = hashlib.sha256(
                    f.read()).hexdigest()
    return state


def leftovers(root) -> list:
    """Temporaries and locks of the plugin's naming anywhere under ``root``."""
    found = []
    for folder, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            if TEMPORARY.match(name) or name == LOCK:
                found.append(os.path.join(folder, name))
    return found
