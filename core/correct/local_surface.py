"""Fit of the local correction surfaces: node values from the cells of the overlaps.

Per image and band the local correction is a surface on a lattice of nodes, one per block
(the block centres), interpolated bilinearly to every pixel: log factors for the linear and
gamma forms, offsets for the offset form. Its node values are fitted jointly for all images
to what the overlaps show cell by cell (stats/cells.py), each cell placed at its centroid
through the same bilinear weights that apply the correction, with a membrane and a bending
term between neighbouring nodes (solve/surface_system.py). A cell compares the two images' means after the
global correction, ``m_i`` and ``m_j``:

* linear, ``out = in * exp(x)``: ``x_i - x_j = log(m_j / m_i)``;
* gamma, ``out = s * (in / s) ** exp(x)`` with the fixed scale s (local_forms.py):
  ``x_i - x_j = log(log(m_j / s) / log(m_i / s))``;
* offset, ``out = in + x``: ``x_i - x_j = m_j - m_i``.

Cells weigh by their count of shared pixels; pixels left out by the robust pass or EXCLUDE
never enter a cell, and the surfaces bridge them.
"""
from __future__ import annotations

import hashlib
import math
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..grid.blocks import BlockGrid, make_block_grid
from ..grid.common_grid import CommonGrid
from ..grid.interpolation import node_weights, point_weights
from ..grid.pairs import overlapping_pairs
from ..solve.surface_system import SurfaceSystem
from ..stats.cells import cell_centroids, partial_cells
from .local_forms import GAMMA, OFFSET

# The weights of the surfaces' smoothness, relative to a node whose block is fully observed
# (cell weights are pixel counts over the block area), chosen by measurement: held-out sets
# of bench/local_seams.py --smoothness (from a scene no reported set uses) and the
# time-series ghost measure of tests/ghosts.py (tests/test_robust.py, bound 0.15).
# - SMOOTHNESS, a membrane between 4-neighbouring nodes, penalises slope: it carries a
#   surface where no cell sees it, but flattens the field at the boundaries of overlaps
#   (boundary/interior ratio 1.12 at 0.001, 1.16 at 0.01, 1.42 at 0.1, 1.66 at 0.3; error to
#   the truth 0.41 throughout). Alone, no weight keeps the boundaries seamless and the clear
#   dates of a time series free of the other dates' clouds (ghosts 0.29 at 0.01, 0.16 at 1).
# - BENDING, on second differences along rows and columns, penalises curvature: tilts pass
#   unbent up to an image's edge, bumps the size of a cloud do not (ghosts 0.13 at 0.03, 0.12
#   at 0.05, 0.11 at 0.1, 0.08 at 1; boundary ratio 1.19, -, 1.29, 1.59). 0.03 is the largest
#   measured weight within 5% of the best boundary ratio and overlap disagreement (0.025);
#   on the full scenes of bench/cloud_ghosts.py the ghosts are then -0.01 (before: +0.02).
# - Since the surfaces start from the texture's gains (local_texture.py), the interior of the
#   overlaps agrees 3-20x better than before (1.4-50x the rounding floor of UInt16 outputs),
#   and the weights above left the boundaries 2.7x the interior on the held-out sets. Measured again (membrane:rest:bending;
#   held-out dis, b/i, err; ghosts): 0.001:0.01:0.03 .005 2.59 .374, 0.121;
#   0.0003:0.01:0.01 .004 2.29 .375; 0.0001:0.01:0.003 .004 2.03 .376, 0.100;
#   0.0001:0.001:0.0003 .004 1.74 .375, 0.182 (ghosts beyond 0.15). Chosen: the weakest
#   weights whose ghosts stay within the bound.
# - Since the surfaces reach one node beyond each image edge (node_span, outer_nodes), the
#   held-out b/i is 1.42 at the chosen weights (.003 dis, .376 err) and 1.36 at
#   0.0001:0.001:0.0003: the weights no longer decide the boundaries; kept.
SMOOTHNESS = 0.0001
BENDING = 0.003
# Pull of the nodes that one image covers alone towards 0, relative like SMOOTHNESS: the
# surface continues from an overlap and fades to the image as it is over a few nodes.
# Without it, an image's own field, which no overlap sees, is carried across its single
# coverage (tests/test_local_core.py: the red band's error to the truth ends 4% above the
# global step's); 0.01 keeps every band below it (blue 4.96 against 5.27 there; 0.001: 5.29),
# at 1-2% of boundary ratio.
REST = 0.01
# ... from this many nodes beyond the nearest location of two or more images on (full one
# node further): nearer, the surface continues the overlap's unbent, where pulling it to 0
# bent it back into the overlap's outer cells (bench/local_seams.py: b/i within 1.5 in 87
# of 88 set-bands, at seams alone in 88; 81 and 83 with the pull from the overlaps on;
# 1 and 2 nodes gave fewer; held-out sets b/i 1.13 -> 1.10, error to the truth 0.376 ->
# 0.373). Not where the other images' pixels were left out (the robust pass, EXCLUDE;
# ScanResult.left_out): there the pull keeps a time series' clear dates from following
# other dates' clouds (tests/ghosts.py 0.105 as before; 0.110 at 1, 0.140 at 2 and 0.158
# at 4 nodes without that exception). At 1,000 tiles of 256², whose single coverage lies
# within 3 nodes of an overlap, the solve takes 208 iterations per band instead of 127.
REST_FROM = 3.0
# Cells that count only some of their pixels (at a no-data edge inside an overlap, around a
# cloud, where the robust pass left pixels out) enter one by one, at the centroid of those
# pixels (stats/cells.partial_cells), not at the cell's centre with the others. Where two
# fields differ steeply (bench/local_seams.py's 15% set: the log ratio of two tiles changes
# by 3e-3 per pixel) a cell cut by a diagonal no-data edge, whose pixels sit up to 1.4 px
# from its centre, was a target placed wrongly by up to 4e-3, and the surfaces followed it:
# |A - B| within 4 px of the no-data edge 3.6-6.0x the interior, 2.0-3.4x now (bands 1, 10,
# 11). The bench's b/i within 1.5 in 88 of 88 set-bands (87 before); held-out sets b/i 1.11
# -> 1.07. False: at the cells' centres, as before (a test compares the two).
PARTIAL_CELLS = True
# An overlap holds at least this many nodes across, unless the user fixed BLOCK_SIZE ...
NODES_ACROSS = 3
# ... but nodes come no closer than this, nor more than 4x closer than BLOCKS asks.
MIN_NODE_SPACING = 6
MAX_REFINEMENT = 4


def node_spacing(grid: CommonGrid, size: int, fixed: bool) -> Tuple[int, str]:
    """The block side (node spacing) in pixels, and a sentence for the log.

    ``size`` follows from BLOCKS or BLOCK_SIZE; unless ``fixed`` (BLOCK_SIZE given), it
    shrinks until the narrowest overlap holds NODES_ACROSS nodes across.
    """
    pairs = overlapping_pairs(grid.placements)
    widths = [min(r.rows, r.cols) for _, _, r in pairs]
    if fixed or not widths:
        return size, ""
    floor = max(MIN_NODE_SPACING, int(math.ceil(size / MAX_REFINEMENT)))
    considered = [w for w in widths if w >= NODES_ACROSS * floor]
    narrowest = min(widths)
    if not considered:
        return size, (f"the overlaps are narrower than {NODES_ACROSS} nodes at the smallest "
                      f"spacing ({floor} px; narrowest {narrowest} px): kept {size} px.")
    fitting = min(size, min(considered) // NODES_ACROSS)
    note = (f"the narrowest overlap is {min(considered)} px across, "
            f"{min(considered) / fitting:.1f} nodes")
    if fitting < size:
        note = f"node spacing reduced from {size} px: " + note
    if narrowest < min(considered):
        note += (f"; {len(widths) - len(considered)} overlap(s) narrower than "
                 f"{NODES_ACROSS * floor} px hold fewer nodes")
    return fitting, note + "."


def node_span(blocks: BlockGrid, place) -> Tuple[int, int, int, int]:
    """(first node row, first node col, node rows, node cols) of an image's surface: every
    node between which one of its pixel centres is interpolated, up to the block grid's
    border. Unlike the blocks it touches (blocks.footprint), it reaches one node beyond an
    edge of the image that falls short of its outermost block centre.

    Why: where an image ends within an overlap, the other image goes on. With the nodes of
    its footprint only, the image's outermost half block would be extrapolated from its last
    two nodes while the other image there is interpolated between other nodes; the two
    surfaces then differ in how they reach that band, a constant added to both at every
    location would change their difference, and the gauge (one central tendency per
    location) bent the difference there: a ramp of |A - B| over the outer half block of
    every overlap (bench/local_seams.py, boundary/interior 1.2-6.6). With this span, the
    surfaces of all images interpolate between the same nodes wherever they are evaluated
    (only at the grid's border do all extrapolate alike), and the gauge is a gauge.
    """
    def axis(start, end, n):
        first = max(0, int(math.floor((start + 0.5) / blocks.size - 0.5)))
        last = min(n - 1, int(math.ceil((end - 0.5) / blocks.size - 0.5)))
        return first, max(last - first + 1, 1)

    r0, rows = axis(place.row, place.row_end, blocks.rows)
    c0, cols = axis(place.col, place.col_end, blocks.cols)
    return r0, c0, rows, cols


def covered_centres(blocks: BlockGrid, places: Sequence) -> np.ndarray:
    """(block rows, block cols): how many images cover each block centre (edges included,
    as in :func:`outer_nodes`)."""
    rows = (np.arange(blocks.rows) + 0.5) * blocks.size
    cols = (np.arange(blocks.cols) + 0.5) * blocks.size
    count = np.zeros((blocks.rows + 1, blocks.cols + 1), dtype=np.int64)
    for p in places:  # a difference array: O(images + blocks)
        r0, r1 = np.searchsorted(rows, p.row, "left"), np.searchsorted(rows, p.row_end, "right")
        c0, c1 = np.searchsorted(cols, p.col, "left"), np.searchsorted(cols, p.col_end, "right")
        count[r0, c0] += 1
        count[r0, c1] -= 1
        count[r1, c0] -= 1
        count[r1, c1] += 1
    return count.cumsum(axis=0).cumsum(axis=1)[:-1, :-1]


def outer_nodes(blocks: BlockGrid, span: Tuple[int, int, int, int], place,
                covered: Optional[np.ndarray] = None) -> np.ndarray:
    """(node rows, node cols): the nodes of a surface whose centre lies outside the image
    and inside another (``covered``, of :func:`covered_centres`; None: outside the image).

    Where every image ends together (the border of the set, a time series of one
    footprint) no image goes on, and the outer nodes keep their curvature term like any
    other (measured: without it there, the local correction of a time series' clear dates
    followed the other dates' clouds more, bench/cloud_ghosts.py +0.061 against +0.008).

    Such a node is no value of the image's field anywhere; it only carries the image's
    outermost half block, which, where the image ends within an overlap, must follow the
    other images there. The per-location gauge changes the central tendency where the set
    of images changes (at that very boundary), so the images that go on bend there; a
    curvature term on the ending image's outer node held it to the slope of its interior
    and left a ramp of |A - B| across the band (bench/local_seams.py). No curvature term
    takes part in these nodes: the cells of the band fit them, and the membrane keeps them
    level with the image where no cell reaches.
    """
    def axis(first, n, start, end):
        centre = (first + np.arange(n) + 0.5) * blocks.size
        return (centre < start) | (centre > end)

    rows = axis(span[0], span[2], place.row, place.row_end)
    cols = axis(span[1], span[3], place.col, place.col_end)
    outside = rows[:, None] | cols[None, :]
    if covered is None:
        return outside
    there = covered[span[0]:span[0] + span[2], span[1]:span[1] + span[3]]
    return outside & (there > 0)  # outside this image, so another covers it


def on_span(values: np.ndarray, source: Tuple[int, int, int, int],
            target: Tuple[int, int, int, int]) -> np.ndarray:
    """(bands, rows, cols) values on the blocks of ``source`` placed on those of
    ``target`` (zeros where ``source`` has none)."""
    out = np.zeros(values.shape[:1] + tuple(target[2:]), dtype=values.dtype)
    r0, c0 = source[0] - target[0], source[1] - target[1]
    rs = slice(max(r0, 0), min(r0 + source[2], target[2]))
    cs = slice(max(c0, 0), min(c0 + source[3], target[3]))
    out[:, rs, cs] = values[:, rs.start - r0:rs.stop - r0, cs.start - c0:cs.stop - c0]
    return out


def cell_targets(pb, band: int, gains: np.ndarray, offsets: np.ndarray, method: str,
                 scale: float) -> Tuple[np.ndarray, np.ndarray]:
    """(weight, target) per cell of one pair and band: shared pixels, and ``x_i - x_j``."""
    n = pb.count[band].astype(np.float64)
    has = n > 0
    safe = np.where(has, n, 1.0)
    m_i = gains[pb.i, band] * pb.sum_i[band] / safe + offsets[pb.i, band]
    m_j = gains[pb.j, band] * pb.sum_j[band] / safe + offsets[pb.j, band]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == OFFSET:
            target = m_j - m_i
        elif method == GAMMA:
            ui, uj = np.log(m_i / scale), np.log(m_j / scale)
            target = np.log(uj / ui)
        else:
            target = np.log(m_j / m_i)
    ok = has & np.isfinite(target)
    return np.where(ok, n, 0.0), np.where(ok, target, 0.0)


def fit_surfaces(
    blocks: BlockGrid,
    spans: Sequence[Tuple[int, int, int, int]],
    pair_cells,
    cells: BlockGrid,
    node_counts: Sequence[np.ndarray],
    gains: np.ndarray,
    offsets: np.ndarray,
    method: str,
    scale: np.ndarray,
    reference: Optional[int] = None,
    min_count: float = 0.0,
    places: Optional[Sequence] = None,
    threads: int = 1,
    left_out: Optional[np.ndarray] = None,
) -> List[np.ndarray]:
    """Per image, the (bands, node rows, node cols) node values of its surface.

    ``node_counts[k]`` are image k's valid pixels per block (its gauge weights; a node
    below ``min_count`` does not count in its location's central tendency). The weights
    SMOOTHNESS, BENDING and REST are read at the call (a bench may vary them). ``threads``:
    how many the solve may use (SurfaceSystem.solve). ``left_out`` (1, block rows, block
    cols): pixels per block that exclusion or the robust pass left out (ScanResult).
    """
    n_bands = gains.shape[1]
    area = float(blocks.size * blocks.size)
    geometry = []
    for pb in pair_cells:
        ys, xs = cell_centroids(cells, pb.span, pb.rect)
        wy = [node_weights(ys, blocks.size, spans[k][0], spans[k][2]) for k in (pb.i, pb.j)]
        wx = [node_weights(xs, blocks.size, spans[k][1], spans[k][3]) for k in (pb.i, pb.j)]
        # Cells that count only some of their pixels enter one by one, at the centroid of
        # those pixels (see PARTIAL_CELLS).
        apart = partial_cells(cells, pb) if PARTIAL_CELLS else None
        if apart is not None:
            a, c, rows, cols = apart
            at = [(point_weights(rows, blocks.size, spans[k][0], spans[k][2]),
                   point_weights(cols, blocks.size, spans[k][1], spans[k][3]))
                  for k in (pb.i, pb.j)]
            apart = (a, c, at)
        geometry.append((wy, wx, apart))
    result = [np.zeros((n_bands, s[2], s[3])) for s in spans]
    outer = None
    held = None if left_out is None else left_out[0] >= max(min_count, 1.0)
    if places is not None:
        covered = covered_centres(blocks, places)
        outer = np.concatenate([outer_nodes(blocks, s, p, covered).ravel()
                                for s, p in zip(spans, places)])
    # The right-hand sides of all bands are gathered in one go over the pairs (the cells'
    # targets made pair by pair for every band at once: the arrays of all pairs, kept
    # instead, took 60 MB at 1,000 images), and each band's weights (cells and gauge) go
    # into a digest of its own. A band whose digest equals the previous band's has the same
    # matrix and reuses its reduced system; a band whose matrix differs makes its cells'
    # targets once more, for the matrix.
    def targets(pb):  # band by band: numpy 1's float32 products with a band's gain kept
        each = [cell_targets(pb, b, gains, offsets, method, scale[b]) for b in range(n_bands)]
        return np.stack([w for w, _ in each]), np.stack([t for _, t in each])

    sides = SurfaceSystem(spans, matrix=False, bands=n_bands)
    digests = [hashlib.blake2b(digest_size=32) for _ in range(n_bands)]
    _add_cells(sides, pair_cells, geometry, targets, area, digests)

    def band_counts(b):
        return [np.where(c[b] >= max(min_count, 1.0), c[b], 0.0) for c in node_counts]

    for b in range(n_bands):
        _digest(band_counts(b), digests[b])
    fresh = [b == 0 or digests[b].digest() != digests[b - 1].digest() for b in range(n_bands)]
    last_fresh = max(b for b in range(n_bands) if fresh[b])
    shared: dict = {}
    for b in range(n_bands):
        system = sides
        if fresh[b]:
            def band_targets(pb):
                return cell_targets(pb, b, gains, offsets, method, scale[b])

            shared.clear()  # before the next matrix is built
            system = SurfaceSystem(spans)
            # First: the terms are then summed reduced.
            system.gauge(band_counts(b), blocks.cols, reference, REST, REST_FROM, held)
            _add_cells(system, pair_cells, geometry, band_targets, area)
            system.add_membrane(SMOOTHNESS)
            system.add_bending(BENDING, outer)
            if b == last_fresh:
                # The cells' weights served every matrix: freed before the iterations (20 MB
                # at 1,000 images, the lower half's rows take as much; ReducedSystem).
                geometry.clear()
        x = system.solve(shared, threads, rhs=sides.rhs[b])
        for k, s in enumerate(spans):
            result[k][b] = x[system.offset[k]:system.offset[k + 1]].reshape(s[2], s[3])
    if reference is not None:
        result[reference][:] = 0.0  # exactly: its outputs are its inputs, bit for bit
    return result


def _add_cells(system: SurfaceSystem, pair_cells, geometry, targets, area: float,
               digests=None) -> None:
    """The cells of every pair into ``system``; with ``digests`` (one per band), the
    targets are of all bands, (bands, cell rows, cell cols), and each band's weights go into
    its digest."""
    for pb, (wy, wx, apart) in zip(pair_cells, geometry):
        weight, target = targets(pb)
        if digests is not None:
            for w, digest in zip(weight, digests):
                _digest([w], digest)
        if apart is not None:
            a, c, at = apart
            if weight[..., a, c].any():
                system.add_cells(pb.i, pb.j, at[0], at[1], weight[..., a, c] / area,
                                 target[..., a, c])
            weight[..., a, c] = 0.0  # not again at the cells' centres
        if weight.any():
            system.add_pair(pb.i, pb.j, wy, wx, weight / area, target)


def _digest(arrays, h) -> None:
    """The shapes and bytes of ``arrays`` into the blake2b ``h`` (equal arrays, equal
    digests)."""
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.shape, a.dtype.str)).encode())
        h.update(a.data)


def local_block_grid(grid: CommonGrid, blocks_per_image: float, block_size: Optional[float],
                     feedback) -> BlockGrid:
    """The block grid (node lattice) of a local step, narrowed for narrow overlaps."""
    blocks = make_block_grid(grid, blocks_per_image, block_size)
    size, note = node_spacing(grid, blocks.size, bool(block_size))
    if size != blocks.size:
        blocks = BlockGrid(size, -(-grid.cols // size), -(-grid.rows // size))
    if note:
        feedback.info(f"Local matching: {note}")
    return blocks
