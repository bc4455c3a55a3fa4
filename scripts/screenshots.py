"""Screenshots for the README, from the real QGIS desktop on a virtual X display.

usage: python3 scripts/screenshots.py [docs/]

Starts Xvfb, then the ``qgis`` binary with a fresh profile of its own (under a temporary
folder) in which this checkout is the installed and enabled plugin ``spectralmatch``, and lets
QGIS run this same file as its startup code (``--code``). Inside QGIS it loads the demo tiles
(drawn in true colour, each with QGIS's own stretch), then takes three pictures of the whole
screen:

- ``dialog.png``: the plugin's dialog over the main window, the demo layers checked;
- ``result_in_qgis.png``: the main window after the dialog's run (global and local, no
  mosaic): the matched set in its group, drawn with its one shared stretch, inputs hidden;
- ``toolbox_log.png``: the Processing toolbox and the algorithm dialog of Global and local
  match after a run, on its Log tab.

Needs Debian's xvfb, qgis and imagemagick (``convert`` counts each picture's colours, so that
a blank one shows).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

# QGIS runs this file through exec(), without __file__: it learns the checkout from outside.
ROOT = os.environ.get("SM_SHOTS_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))
SIZE = (1440, 900)
SHOTS = ("dialog.png", "result_in_qgis.png", "toolbox_log.png")


# -- outside QGIS: a display, a profile, the qgis binary ---------------------------------------


def make_profile(base: str) -> str:
    """A fresh QGIS profile with this checkout as the enabled plugin; returns its folder."""
    profile = os.path.join(base, "profiles", "default")
    plugins = os.path.join(profile, "python", "plugins")
    os.makedirs(plugins)
    os.symlink(ROOT, os.path.join(plugins, "spectralmatch"))
    os.makedirs(os.path.join(profile, "QGIS"))
    with open(os.path.join(profile, "QGIS", "QGIS3.ini"), "w", encoding="utf-8") as f:
        f.write("[PythonPlugins]\nspectralmatch=true\n\n"
                "[qgis]\nshowTips=false\ncheckVersion=false\n"
                "[UI]\nshowStartupPage=false\n"
                "[locale]\noverrideFlag=true\nuserLocale=en_US\n")
    return base


def main(target: str) -> None:
    target = os.path.abspath(target)
    work = tempfile.mkdtemp(prefix="sm-shots-")
    display = ":97"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        env = dict(os.environ, DISPLAY=display, SM_SHOTS_TARGET=target, SM_SHOTS_WORK=work,
                   SM_SHOTS_INSIDE="1", SM_SHOTS_ROOT=ROOT, QT_QPA_PLATFORM="xcb")
        env.pop("QGIS_PLUGINPATH", None)
        # QGIS's embedded Python finds its home through PATH: Debian's, not a pyenv's or a
        # venv's that may have started this script.
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if ".pyenv" not in p and ".venv" not in p)
        for name in [k for k in env if k.startswith(("PYENV", "PYTHONHOME", "VIRTUAL_ENV"))]:
            env.pop(name)
        log = open(os.path.join(work, "qgis.log"), "w")
        qgis = subprocess.Popen(
            ["qgis", "--profiles-path", make_profile(os.path.join(work, "config")),
             "--profile", "default", "--nologo", "--noversioncheck",
             "--code", os.path.abspath(__file__)],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        done = os.path.join(work, "done")
        end = time.time() + 600
        while not os.path.exists(done) and qgis.poll() is None and time.time() < end:
            time.sleep(1)
        time.sleep(1)
        if qgis.poll() is None:
            qgis.terminate()
            qgis.wait(30)
        log.close()
        if not os.path.exists(done):
            print(open(os.path.join(work, "qgis.log"), encoding="utf-8").read()[-4000:])
            raise SystemExit(f"screenshots: QGIS ended ({qgis.returncode}) before the pictures "
                             "were taken")
        print(open(done, encoding="utf-8").read())
    finally:
        xvfb.terminate()
        xvfb.wait()
        shutil.rmtree(work, ignore_errors=True)
    for name in SHOTS:
        path = os.path.join(target, name)
        colours = subprocess.run(["convert", path, "-format", "%k", "info:"],
                                 capture_output=True, text=True).stdout.strip()
        print(f"screenshots: {path} ({colours} colours)")


# -- inside QGIS: the run of the pictures -------------------------------------------------------


def inside_qgis() -> None:
    """Driven by timers, so that QGIS draws between the steps."""
    import glob

    from qgis.core import QgsProject, QgsRasterLayer
    from qgis.PyQt.QtCore import Qt, QTimer
    from qgis.PyQt.QtWidgets import QApplication, QDockWidget
    from qgis.utils import iface, plugins

    target = os.environ["SM_SHOTS_TARGET"]
    work = os.environ["SM_SHOTS_WORK"]
    notes = []
    state = {}

    def say(text: str) -> None:
        print("screenshots:", text, flush=True)

    def shot(name: str) -> None:
        QApplication.processEvents()
        screen = QApplication.primaryScreen()
        screen.grabWindow(0).save(os.path.join(target, name))
        notes.append(f"{name} taken")
        say(f"{name} taken")

    def later(ms, step):
        QTimer.singleShot(ms, step)

    def until(condition, step, ms=200, limit=120.0):
        end = time.time() + limit

        def poll():
            if condition() or time.time() > end:
                step()
            else:
                QTimer.singleShot(ms, poll)
        poll()

    def collapse_legends():
        for node in QgsProject.instance().layerTreeRoot().findLayers():
            node.setExpanded(False)

    def start():
        window = iface.mainWindow()
        window.setGeometry(0, 0, *SIZE)  # no window manager: place it by hand
        for name in ("Browser", "Browser2"):
            dock = window.findChild(QDockWidget, name)
            if dock is not None:
                dock.hide()
        layers_dock = window.findChild(QDockWidget, "Layers")
        if layers_dock is not None:
            window.resizeDocks([layers_dock], [400], Qt.Horizontal)
        project = QgsProject.instance()
        layers = []
        for path in sorted(glob.glob(os.path.join(ROOT, "demo", "data", "*.tif"))):
            layer = QgsRasterLayer(path, os.path.basename(path)[:-4])
            renderer = layer.renderer()  # true colour, each input with its own stretch
            renderer.setRedBand(3)
            renderer.setBlueBand(1)
            layer.setDefaultContrastEnhancement()
            layers.append(layer)
        project.addMapLayers(layers)
        state["inputs"] = layers
        collapse_legends()
        iface.mapCanvas().setDestinationCrs(layers[0].crs())
        iface.mapCanvas().zoomToFullExtent()
        iface.layerTreeView().setCurrentLayer(layers[0])
        view = iface.layerTreeView()
        model = view.layerTreeModel()
        selection = view.selectionModel()
        for layer in layers:
            index = model.node2index(project.layerTreeRoot().findLayer(layer.id()))
            selection.select(index, selection.Select | selection.Rows)
        later(1500, open_dialog)

    def open_dialog():
        from spectralmatch.spectralmatch_plugin.dialog import MatchDialog

        plugin = plugins["spectralmatch"]
        state["plugin"] = plugin
        dialog = MatchDialog(QgsProject.instance(), iface.layerTreeView().selectedLayers(),
                             iface.mainWindow())
        dialog.method.setCurrentIndex(0)
        dialog.mosaic.setChecked(False)
        dialog.folder.setFilePath(os.path.join(work, "matched"))
        dialog.show()
        # Beside the inputs, each drawn with its own stretch: they do not look alike.
        dialog.setGeometry(780, 170, 600, 480)
        state["dialog"] = dialog
        later(1000, take_dialog)

    def take_dialog():
        shot("dialog.png")
        dialog = state["dialog"]
        request = dialog.request()
        dialog.accept()
        state["task"] = state["plugin"].start(request)
        until(lambda: not state["plugin"].tasks, show_result)

    def show_result():
        project = QgsProject.instance()
        for layer in state["inputs"]:
            project.layerTreeRoot().findLayer(layer.id()).setItemVisibilityChecked(False)
        group = project.layerTreeRoot().findGroup(state["task"].group_name)
        collapse_legends()
        iface.layerTreeView().setCurrentLayer(group.findLayers()[0].layer())
        canvas = iface.mapCanvas()
        canvas.zoomToFullExtent()
        canvas.refresh()
        later(3000, take_result)

    def take_result():
        shot("result_in_qgis.png")
        say("opening the toolbox")
        iface.messageBar().clearWidgets()
        toolbox = iface.mainWindow().findChild(QDockWidget, "ProcessingToolbox")
        if toolbox is not None:
            toolbox.show()
            toolbox.raise_()
            if hasattr(toolbox, "searchBox"):
                toolbox.searchBox.setText("match")
            tree = getattr(toolbox, "algorithmTree", None)
            if tree is not None:
                model = tree.model()
                hits = model.match(model.index(0, 0), Qt.DisplayRole, "Global and local match",
                                   1, Qt.MatchRecursive | Qt.MatchExactly)
                if hits:
                    tree.setCurrentIndex(hits[0])
        import processing

        params = {"INPUT": [layer.id() for layer in state["inputs"]],
                  "OUTPUT": os.path.join(work, "toolbox")}
        dialog = processing.createAlgorithmDialog("spectralmatch:match", params)
        from processing.core.ProcessingConfig import ProcessingConfig

        ProcessingConfig.setSettingValue(ProcessingConfig.KEEP_DIALOG_OPEN, True)
        dialog.show()
        # Over the map, between the Layers panel and the Processing toolbox.
        dialog.setGeometry(410, 150, 720, 660)
        state["alg_dialog"] = dialog
        later(1000, run_toolbox)

    def run_toolbox():
        dialog = state["alg_dialog"]
        say("running the algorithm dialog")
        dialog.runAlgorithm()
        loaded = len(QgsProject.instance().mapLayers()) + len(state["inputs"])
        until(lambda: len(QgsProject.instance().mapLayers()) >= loaded,
              lambda: later(2500, take_toolbox), limit=60)

    def take_toolbox():
        shot("toolbox_log.png")
        with open(os.path.join(work, "done"), "w", encoding="utf-8") as f:
            f.write("\n".join(notes))
        QgsProject.instance().setDirty(False)
        iface.actionExit().trigger()

    later(3000, start)


if os.environ.get("SM_SHOTS_INSIDE"):  # QGIS runs this file as its startup code
    inside_qgis()
elif __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs"))
