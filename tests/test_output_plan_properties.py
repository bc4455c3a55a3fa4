"""Issue 15: random output-path plans (same names, nested folders, collisions with inputs
and with each other) never lose a pre-existing file: a run either refuses before work,
changing nothing, or writes exactly its planned outputs, leaving every other file as it was.
"""
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import synthetic as S
from spectralmatch.core import MosaicOptions, Outputs, SpectralMatchError, run_match
from synthetic import GAINS, OFFSETS
from tree_state import leftovers, snapshot

FOLDERS = ["", "a", "a/sub", "b", "a/m_parts", "out", "out/x_parts"]
NAMES = ["img.tif", "img_matched.tif", "x.json", "x.html", "m.vrt", "m.tif", "s.gpkg",
         "x_parts", "IMG.tif"]


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scene")
    return [t.path for t in S.make_set(str(folder), GAINS[:2], OFFSETS[:2], grid=(1, 2))]


path = st.tuples(st.sampled_from(FOLDERS), st.sampled_from(NAMES))


@seed(15)
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(inputs=st.lists(st.sampled_from(FOLDERS), min_size=2, max_size=2),
       existing=st.lists(path, max_size=4), folder=st.sampled_from(FOLDERS),
       report=st.none() | path, model=st.none() | path, mosaic=st.none() | path,
       seamlines=st.none() | path)
def test_random_output_plans_never_lose_a_file(scene, tmp_path, inputs, existing, folder,
                                               report, model, mosaic, seamlines):
    root = tmp_path / "plan"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    paths = []
    for k, where in enumerate(inputs):  # same-named inputs, maybe in one folder's sub-folder
        target = root / where / "img.tif"
        if target.exists():
            target = root / where / "IMG_other.tif"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(scene[k], target)
        paths.append(str(target))
    for where, name in existing:  # older files, some on the outputs' paths
        target = root / where / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"older {where}/{name}")
    before = snapshot(root)
    full = lambda p: None if p is None else str(root / p[0] / p[1])  # noqa: E731
    mosaic_options = None
    if mosaic is not None:
        name = mosaic[1] if mosaic[1].endswith((".tif", ".vrt")) else "m.tif"
        mosaic_options = MosaicOptions(full((mosaic[0], name)), seamlines_out=full(seamlines))
    try:
        result = run_match(paths, Outputs(str(root / folder), report=full(report),
                                          model_out=full(model)), mosaic=mosaic_options)
    except SpectralMatchError:
        assert snapshot(root) == before  # refused: nothing changed
        assert leftovers(root) == []
        return
    after = snapshot(root)
    written = set(result.outputs)
    for extra in (full(report), full(model)):
        if extra:
            written.add(extra)
    if report:
        written.add(os.path.splitext(full(report))[0] + ".json")
    if mosaic_options:
        written.add(mosaic_options.output)
        if mosaic_options.seamlines_out:
            written.add(mosaic_options.seamlines_out)
    written = {os.path.relpath(p, root) for p in written}
    for rel, digest in before.items():
        if rel in written:
            continue
        if rel.split(os.sep)[0].endswith("_parts") and mosaic_options and \
                os.path.join(str(root), rel).startswith(os.path.splitext(
                    mosaic_options.output)[0] + "_parts"):
            continue  # only reached when the run itself made that parts folder
        assert after.get(rel) == digest, rel  # every other file kept as it was
    for p in paths:
        assert after[os.path.relpath(p, root)] == before[os.path.relpath(p, root)]
    assert leftovers(root) == []
