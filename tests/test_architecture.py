"""The tiers of the code hold: every import of the plugin's Python files, walked with ast.

core's packages import only packages of a lower rank (core/README.md), core never imports
QGIS, and the plugin's own tiers go one way: spectralmatch_plugin -> algorithms -> core.
"""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RANK = {"base": 0, "io": 1, "grid": 2, "stats": 3, "solve": 3, "correct": 4, "mosaic": 4,
        "quality": 4, "runs": 5}
BASE = ("errors", "feedback", "defaults", "options")  # single modules, one package: the base
TIER = {"core": 0, "algorithms": 1, "spectralmatch_plugin": 2}
FORBIDDEN_IN_CORE = ("qgis", "PyQt5", "PyQt6", "processing")


def modules():
    """(dotted name inside the plugin, path) of every Python file of the plugin's tiers."""
    for tier in TIER:
        for folder, _, files in os.walk(os.path.join(ROOT, tier)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    yield rel[:-len(".__init__")] if rel.endswith(".__init__") else rel, path


def imports(name, path):
    """The modules a file imports: plugin-internal ones as dotted names inside the plugin,
    others by their top-level name (with the line, for messages)."""
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, False
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module, node.lineno, False
                continue
            base = package.split(".")
            base = base[:len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # from . import x: each name may be a module
                for alias in node.names:
                    yield f"{target}.{alias.name}", node.lineno, True
            else:
                yield target, node.lineno, True


def core_package(dotted):
    """'core.stats.scan' -> 'stats'; 'core.errors' -> 'base'; 'core' -> None."""
    parts = dotted.split(".")
    if len(parts) < 2 or parts[0] != "core":
        return None
    return "base" if parts[1] in BASE else parts[1]


def known(dotted, names):
    while dotted and dotted not in names:
        dotted = dotted.rpartition(".")[0]
    return dotted


def test_the_walk_sees_every_tier():
    names = dict(modules())
    assert {"core.runs.matching", "core.io.windows", "algorithms.base",
            "spectralmatch_plugin.plugin"} <= set(names)
    assert len(names) > 50


def test_core_imports_only_downwards_and_never_qgis():
    names = dict(modules())
    bad = []
    for name, path in names.items():
        if not name.startswith("core"):
            continue
        own = core_package(name)
        for target, line, internal in imports(name, path):
            where = f"{os.path.relpath(path, ROOT)}:{line} imports {target}"
            if not internal:
                if target.split(".")[0] in FORBIDDEN_IN_CORE:
                    bad.append(f"{where}: core never imports QGIS")
                continue
            if name == "core":  # the facade re-exports the base and reaches runs lazily
                continue
            other = core_package(known(target, names) or target)
            if other is None or other == own:
                continue
            if RANK[other] >= RANK[own]:
                bad.append(f"{where}: rank {RANK[other]} from rank {RANK[own]}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    names = dict(modules())
    graph = {name: {known(t, names) for t, _, internal in imports(name, path) if internal}
             - {None, "", name} for name, path in names.items()}
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    # A package's __init__ importing its own submodules is not a cycle of code.
    cycles = [c for c in cycles if not any(c[k + 1].startswith(c[k] + ".")
                                           for k in range(len(c) - 1))]
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_plugin_tiers_import_one_way():
    names = dict(modules())
    bad = []
    for name, path in names.items():
        own = TIER[name.split(".")[0]]
        for target, line, internal in imports(name, path):
            top = target.split(".")[0]
            if internal and top in TIER and TIER[top] > own:
                bad.append(f"{os.path.relpath(path, ROOT)}:{line} imports {target}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("source, message", [
    ("from ..runs.matching import run_match", "rank 5 from rank 3"),
    ("from ..mosaic.cells import CellImage", "rank 4 from rank 3"),
    ("import qgis.core", "never imports QGIS"),
])
def test_the_check_fails_on_a_bad_import(tmp_path, monkeypatch, source, message):
    """The walk is not vacuous: a planted upward or QGIS import in stats is caught."""
    planted = tmp_path / "core" / "stats" / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(source + "\n")
    real = dict(modules())
    real["core.stats.planted"] = str(planted)
    monkeypatch.setattr(__import__(__name__), "modules", lambda: iter(real.items()))
    with pytest.raises(AssertionError, match=message):
        test_core_imports_only_downwards_and_never_qgis()


def test_the_cycle_check_fails_on_a_cycle(tmp_path, monkeypatch):
    folder = tmp_path / "core" / "io"
    folder.mkdir(parents=True)
    (folder / "ping.py").write_text("from .pong import b\n")
    (folder / "pong.py").write_text("from .ping import a\n")
    real = dict(modules())
    real.update({"core.io.ping": str(folder / "ping.py"), "core.io.pong": str(folder / "pong.py")})
    monkeypatch.setattr(__import__(__name__), "modules", lambda: iter(real.items()))
    with pytest.raises(AssertionError, match="core.io.ping -> core.io.pong -> core.io.ping"):
        test_no_import_cycles()
