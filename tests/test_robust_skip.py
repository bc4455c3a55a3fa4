"""Issue 20 (robust pass linear in the overlaps): the robust pass reads again only the
overlaps whose samples come near the band of agreement; for the others it keeps the first
pass's statistics, which must be what reading them again gives."""
import json

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


def test_a_few_extreme_pixels_no_sample_hit_are_read_again(tmp_path, provider):
    """A 3 x 3 block of 1e30 (a fill value nobody declared) inside a Float32 overlap, on
    pixels the first pass does not sample: the samples look clear, but the overlap's moments
    are the block's. Its spread gives it away: the overlap is read again, the block left out,
    and the gains are those of the clean set (the old code fitted gain 1, offset 1e26)."""
    import processing
    from spectralmatch.core.grid.pairs import overlapping_pairs
    from spectralmatch.core.stats.scan import sample_mask, sample_stride

    gains, offsets = [[1.0] * 4, [1.2] * 4], [[0.0] * 4, [-30.0] * 4]
    for folder in ("clean", "filled"):
        (tmp_path / folder).mkdir()
    clean = S.make_set(str(tmp_path / "clean"), gains, offsets, grid=(1, 2),
                       gdal_type=S.gdal.GDT_Float32, nodata=None)
    tiles = S.make_set(str(tmp_path / "filled"), gains, offsets, grid=(1, 2),
                       gdal_type=S.gdal.GDT_Float32, nodata=None)
    infos, grid, _ = load_inputs([t.path for t in tiles])
    (_, _, rect), = overlapping_pairs(grid.placements)
    sampled = sample_mask(rect, grid.cols, sample_stride(rect.rows * rect.cols))
    free = ~np.lib.stride_tricks.sliding_window_view(sampled, (3, 3)).any(axis=(2, 3))
    r, c = np.argwhere(free)[len(np.argwhere(free)) // 2]  # mid-overlap, hit by no sample
    place = grid.placements[0]
    data, _ = S.read(tiles[0].path)
    data[:, rect.row - place.row + r:][:, :3, rect.col - place.col + c:][:, :, :3] = 1e30
    ds = S.gdal.Open(tiles[0].path, S.gdal.GA_Update)
    for b in range(data.shape[0]):
        ds.GetRasterBand(b + 1).WriteArray(data[b])
    ds = None

    def gains_of(folder, paths):
        out = tmp_path / folder
        processing.run("spectralmatch:match", {"INPUT": paths, "OUTPUT": str(out),
                                               "MODEL_OUT": str(out / "m.json")})
        with open(out / "m.json") as f:
            model = json.load(f)
        return np.array(model["gains"]), np.array(model["offsets"])

    gains_clean, offsets_clean = gains_of("clean_out", [t.path for t in clean])
    gains_filled, offsets_filled = gains_of("filled_out", [t.path for t in tiles])
    np.testing.assert_allclose(gains_filled, gains_clean, rtol=0.01)
    np.testing.assert_allclose(offsets_filled, offsets_clean, rtol=0.01, atol=1.0)
