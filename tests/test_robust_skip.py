"""Issue 20 (robust pass linear in the overlaps): the robust pass reads again only the
overlaps whose samples come near the band of agreement; for the others it keeps the first
pass's statistics, which must be what reading them again gives."""
import numpy as np
import pytest

import synthetic as S
import spectralmatch.core.stats.robust as R
from spectralmatch.core.feedback import Feedback
from spectralmatch.core.grid.blocks import make_block_grid
from spectralmatch.core.grid.inputs import load_inputs
from spectralmatch.core.options import Statistics, Streaming
from spectralmatch.core.stats.gather import gather_statistics

GRID = (3, 3)
UNCHANGED = R.Disagreement.unchanged


@pytest.fixture(scope="module")
def cloudy_tiles(tmp_path_factory):
    """Nine tiles, clouds pasted into two of them: some overlaps cloudy, the others clear."""
    rng = np.random.default_rng(21)
    n = GRID[0] * GRID[1]
    gains, offsets = rng.uniform(0.8, 1.25, (n, 4)).tolist(), rng.uniform(-400, 400, (n, 4))
    tiles = S.make_set(str(tmp_path_factory.mktemp("skip")), gains, offsets.tolist(),
                       grid=GRID)
    S.paste_clouds(tiles, [1, 4], [(150, 160), (170, 120)])
    return [t.path for t in tiles]


def _robust_statistics(paths, monkeypatch, clear_within):
    monkeypatch.setattr(R, "CLEAR_WITHIN", clear_within)
    seen = {}

    def recorded(self):
        seen["unchanged"], seen["clear"] = UNCHANGED(self), set(self.clear)
        return seen["unchanged"]

    monkeypatch.setattr(R.Disagreement, "unchanged", recorded)
    infos, grid, _ = load_inputs(paths)
    blocks = make_block_grid(grid)
    scan = gather_statistics(infos, grid, blocks, Statistics(robust=True),
                             Streaming(window=64, threads=2), Feedback())
    return scan, seen


def test_clear_overlaps_keep_what_reading_them_again_gives(cloudy_tiles, monkeypatch):
    skipped, seen = _robust_statistics(cloudy_tiles, monkeypatch, R.CLEAR_WITHIN)
    read, none = _robust_statistics(cloudy_tiles, monkeypatch, -1.0)  # every overlap read
    assert not none["clear"]
    clear, pairs = seen["clear"], {(o.i, o.j) for o in read.overlaps}
    # The test means something: clear overlaps skipped, cloudy ones read again.
    assert 4 <= len(clear) <= len(pairs) - 2, (len(clear), len(pairs))
    cloudy = {(o.i, o.j) for o in read.overlaps if o.excluded.sum() > 0}
    assert cloudy and not cloudy & clear
    # The same statistics, to the bit: overlap moments, left-out counts, block sums and the
    # pairs' cell sums, in the same order.
    assert [(o.i, o.j) for o in skipped.overlaps] == [(o.i, o.j) for o in read.overlaps]
    for a, b in zip(skipped.overlaps, read.overlaps):
        for name in ("count", "mean_i", "std_i", "mean_j", "std_j", "excluded"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for ours, theirs in ((skipped.block_sum, read.block_sum),
                         (skipped.block_count, read.block_count)):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
    assert len(skipped.pair_blocks) == len(read.pair_blocks)
    for a, b in zip(skipped.pair_blocks, read.pair_blocks):
        assert (a.i, a.j, a.span) == (b.i, b.j, b.span)
        for name in ("count", "sum_i", "sum_j"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
