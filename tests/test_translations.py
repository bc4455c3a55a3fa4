"""Every string the plugin shows through tr() or translate() has a German translation."""
import ast
import os
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TS = os.path.join(ROOT, "i18n", "spectralmatch_de.ts")


def translatable(tiers=("algorithms", "spectralmatch_plugin")):
    """(file, line, source text) of every literal given to tr() or translate()."""
    for tier in tiers:
        for folder, _, files in os.walk(os.path.join(ROOT, tier)):
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read(), path)
                for node in ast.walk(tree):
                    if not isinstance(node, ast.Call):
                        continue
                    func = node.func
                    called = func.attr if isinstance(func, ast.Attribute) else \
                        getattr(func, "id", None)
                    index = {"tr": 0, "translate": 1}.get(called)
                    if index is not None and len(node.args) > index \
                            and isinstance(node.args[index], ast.Constant):
                        yield os.path.relpath(path, ROOT), node.lineno, node.args[index].value


def test_every_shown_string_has_a_german_translation():
    messages = {m.findtext("source"): m.findtext("translation")
                for m in ET.parse(TS).iter("message")}
    found = list(translatable())
    assert len(found) > 100  # the walk sees the algorithms, the dialog and the task
    missing = [f"{path}:{line}: {text!r}" for path, line, text in found
               if not messages.get(text)]
    assert not missing, "no German translation in i18n/spectralmatch_de.ts for:\n" + \
        "\n".join(missing)
