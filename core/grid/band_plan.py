"""Which band of each input corresponds to which band of the others: a run's band plan.

A set whose images come from different sensors (an 11-band Landsat scene beside a 4-band
blue/green/red/NIR image) is matched band by corresponding band. The plan, built from the
inputs' headers before any pixel is read, splits every image's data bands into

* the *common* group: the bands every input has, in one common order; they are compared and
  corrected together, exactly as the bands of a single-sensor set;
* further groups: bands that some inputs share but not all (the Landsat tiles' SWIR bands);
  they are matched among the inputs that have them, by their own fit, as a set of their own;
* unmatched bands: bands of one input only; they are written as they are, and reported.

The correspondence comes from ``BAND_MAP`` where given, else from the bands' wavelengths in
their metadata (io/band_metadata.py), else from the band positions of a set whose band counts
agree (as before multi-sensor sets); a set with differing band counts and neither is refused.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import InputError
from ..io.band_metadata import band_spectra
from ..io.parallel import ordered_map
from ..io.rasters import RasterInfo
from ..options import BandMap
from .common_grid import CommonGrid, Placement
from .pairs import overlapping_pairs

# Two bands of different inputs correspond where each is the other's nearest in centre
# wavelength and the centres differ by at most this, or by half the wider band's FWHM where
# that is larger (micrometres). 0.05 um keeps blue, green, red and NIR of the common sensors
# apart (Landsat OLI, Sentinel-2 MSI, PlanetScope differ by up to 0.035 um in NIR).
WAVELENGTH_TOLERANCE_UM = 0.05

BY_POSITION, BY_BAND_MAP, BY_METADATA = "band position", "BAND_MAP", "band metadata"

FIX = ("Fix: give BAND_MAP, one line per input 'file name: 2,3,4,5' with that input's "
       "band numbers in a common order")


@dataclass(frozen=True)
class BandGroup:
    """Bands matched together: ``bands[n]`` are the GDAL band numbers of input
    ``images[n]``, in the group's order; ``labels`` name the group's bands."""

    images: Tuple[int, ...]
    bands: Tuple[Tuple[int, ...], ...]
    labels: Tuple[str, ...]

    def bands_of(self, k: int) -> Optional[Tuple[int, ...]]:
        """Input ``k``'s bands in this group, or None where it has none."""
        return self.bands[self.images.index(k)] if k in self.images else None


@dataclass(frozen=True)
class BandPlan:
    """``groups[0]`` holds the common bands of every input; ``unmatched[k]`` the bands of
    input k that no other input has (written unchanged)."""

    source: str
    groups: Tuple[BandGroup, ...]
    unmatched: Tuple[Tuple[int, ...], ...]

    @property
    def common(self) -> BandGroup:
        return self.groups[0]

    def is_uniform(self, infos: Sequence[RasterInfo]) -> bool:
        """True where every input's bands are the common bands, in the inputs' own order:
        the plan of a single-sensor set."""
        return len(self.groups) == 1 and all(
            self.common.bands[k] == info.data_bands for k, info in enumerate(infos))

    def lines(self, infos: Sequence[RasterInfo]) -> List[str]:
        """The correspondence, for the log."""
        out = []
        for n, group in enumerate(self.groups):
            what = "common bands" if n == 0 else f"band group {n + 1}"
            bands = "; ".join(
                f"{infos[k].name}: {','.join(map(str, numbers))}"
                for k, numbers in zip(group.images, group.bands))
            out.append(f"{what} ({', '.join(group.labels)}), by {self.source}: {bands}")
        for k, numbers in enumerate(self.unmatched):
            if numbers:
                out.append(f"{infos[k].name}: band(s) {', '.join(map(str, numbers))} have no "
                           "counterpart in any input they overlap and are written unchanged.")
        return out

    def overlapping(self, placements: Sequence[Placement]) -> "BandPlan":
        """This plan where the inputs of a further band group that overlap no other input of
        the group leave it: their bands of it are written unchanged, as are those of a group
        left with fewer than two inputs."""
        groups, unmatched = [self.common], [list(u) for u in self.unmatched]
        for group in self.groups[1:]:
            pairs = overlapping_pairs([placements[k] for k in group.images])
            linked = {group.images[n] for i, j, _ in pairs for n in (i, j)}
            kept = [n for n, k in enumerate(group.images) if k in linked]
            for n, k in enumerate(group.images):
                if n not in kept or len(kept) < 2:
                    unmatched[k].extend(group.bands[n])
            if len(kept) >= 2:
                groups.append(replace(group, images=tuple(group.images[n] for n in kept),
                                      bands=tuple(group.bands[n] for n in kept)))
        return replace(self, groups=tuple(groups),
                       unmatched=tuple(tuple(sorted(u)) for u in unmatched))

    def to_dict(self) -> dict:
        return {"source": self.source,
                "groups": [{"images": list(g.images), "bands": [list(b) for b in g.bands],
                            "labels": list(g.labels)} for g in self.groups],
                "unmatched": [list(u) for u in self.unmatched]}

    @staticmethod
    def from_dict(data: dict) -> "BandPlan":
        groups = tuple(BandGroup(tuple(g["images"]), tuple(tuple(b) for b in g["bands"]),
                                 tuple(g["labels"])) for g in data["groups"])
        return BandPlan(data["source"], groups, tuple(tuple(u) for u in data["unmatched"]))


def positional_plan(infos: Sequence[RasterInfo]) -> BandPlan:
    """Every input's data bands, in order, as the common bands (a single-sensor set)."""
    n = infos[0].band_count
    group = BandGroup(tuple(range(len(infos))), tuple(i.data_bands for i in infos),
                      tuple(f"band {b + 1}" for b in range(n)))
    return BandPlan(BY_POSITION, (group,), tuple(() for _ in infos))


def plan_bands(infos: Sequence[RasterInfo], band_map: Optional[BandMap] = None,
               threads: int = 1) -> BandPlan:
    """The band plan of a run: from ``band_map``, else band metadata, else band positions.

    Raises InputError for a band map that does not fit the inputs, and for a set whose band
    counts differ where neither a map nor metadata says which bands correspond. ``threads``
    read the band metadata."""
    if band_map:
        return _plan_from_map(infos, band_map)
    same_count = len({info.band_count for info in infos}) == 1
    spectra = list(ordered_map(lambda info: band_spectra(info.path, info.data_bands), infos,
                               threads))
    if same_count:
        # Metadata may reorder a set of equal band counts, but only where it pairs every band.
        if all(s is not None for sp in spectra for s in sp):
            plan = _plan_from_spectra(infos, spectra)
            if len(plan.groups) == 1 and not any(plan.unmatched):
                return plan
        return positional_plan(infos)
    if all(any(s is not None for s in sp) for sp in spectra):
        plan = _plan_from_spectra(infos, spectra)
        if plan.common.labels:
            return plan
    counts = {info.band_count: info for info in infos}
    (n0, first), (n1, other) = list(counts.items())[:2]
    missing = [info.name for info, sp in zip(infos, spectra) if not all(sp)]
    raise InputError(
        f"{other.path}: it has {n1} bands, but {first.path} has {n0}, and neither BAND_MAP "
        "nor the bands' wavelength metadata says which bands correspond"
        + (f" (no wavelength for all bands of {', '.join(missing)})" if missing else "")
        + f". {FIX}; or give rasters with the same bands in the same order (e.g. select "
        "bands with gdal_translate -b)."
    )


def _plan_from_map(infos: Sequence[RasterInfo], band_map: BandMap) -> BandPlan:
    """Check ``band_map`` against the inputs and turn it into a plan.

    Bands a map leaves out correspond between inputs of the same layout (same band count,
    same map line): the tiles of one sensor; those of other inputs are unmatched."""
    lines: Dict[int, Tuple[int, ...]] = {}
    names = ", ".join(info.name for info in infos)
    for name, numbers in band_map.items():
        base = os.path.basename(name.replace("\\", "/"))
        found = [k for k, info in enumerate(infos) if base in (info.name, info.stem)]
        if not found:
            raise InputError(f"BAND_MAP names '{name}', which is not among the inputs "
                             f"({names}). {FIX}.")
        if len(found) > 1:
            raise InputError(
                f"BAND_MAP names '{name}', which fits several inputs "
                f"({', '.join(infos[k].path for k in found)}). Fix: give the file name with its "
                "extension, or rename one of the files.")
        k = found[0]
        if k in lines:
            raise InputError(f"{infos[k].path}: BAND_MAP has two lines for this input. {FIX}.")
        info = infos[k]
        for b in numbers:
            if b not in info.data_bands:
                raise InputError(
                    f"{info.path}: BAND_MAP gives band {b}, but its data bands are "
                    f"{_ranges(info.data_bands)}. {FIX}.")
        twice = sorted({b for b in numbers if numbers.count(b) > 1})
        if twice:
            raise InputError(
                f"{info.path}: BAND_MAP gives band(s) {', '.join(map(str, twice))} more than "
                f"once. {FIX}; each band at most once.")
        lines[k] = tuple(numbers)
    for k, info in enumerate(infos):
        if k not in lines:
            raise InputError(
                f"{info.path}: BAND_MAP has no line for this input. {FIX}, for every input "
                f"(add '{info.name}: ...').")
    lengths = [len(lines[k]) for k in range(len(infos))]
    width = max(set(lengths), key=lambda n: (lengths.count(n), -lengths.index(n)))
    for k, info in enumerate(infos):
        if lengths[k] != width:
            other = infos[lengths.index(width)].name
            raise InputError(
                f"{info.path}: BAND_MAP gives {lengths[k]} band(s) for it, but {width} for "
                f"{other}. {FIX}; every line gives the same number of bands, one per common "
                "band.")
    keys = []
    for k, info in enumerate(infos):
        layout = (info.data_bands, lines[k])
        keys.append([(0, lines[k].index(b)) if b in lines[k] else (1, layout, b)
                     for b in info.data_bands])

    # Where an input's metadata knows a common band's wavelength, the label shows it.
    known = {}
    for k, info in enumerate(infos):
        for c, spectrum in enumerate(band_spectra(info.path, lines[k])):
            if spectrum is not None:
                known.setdefault(c, spectrum[0])

    def label(key) -> str:
        if key[0] == 1:
            return f"band {key[2]}"
        c = key[1]
        return f"common band {c + 1}" + (f" ({known[c]:.3f} um)" if c in known else "")

    return _plan_from_keys(BY_BAND_MAP, infos, keys, label)


def _plan_from_spectra(infos, spectra) -> BandPlan:
    """Bands correspond by centre wavelength: mutual nearest, within the tolerance."""
    centres: List[Tuple[float, Optional[float]]] = []  # per key: (centre, fwhm) first seen
    keys = []
    for k, bands in enumerate(spectra):
        own = [None] * len(bands)
        known = [n for n, s in enumerate(bands) if s is not None]
        if centres and known:
            nearest_key = {n: min(range(len(centres)),
                                  key=lambda c: abs(centres[c][0] - bands[n][0])) for n in known}
            for n, c in nearest_key.items():
                nearest_band = min(known, key=lambda m: abs(centres[c][0] - bands[m][0]))
                if nearest_band == n and _close(bands[n], centres[c]):
                    own[n] = c
        for n in known:
            if own[n] is None:
                own[n] = len(centres)
                centres.append(bands[n])
        keys.append([(0, own[n]) if own[n] is not None else (1, k, b)
                     for n, b in enumerate(infos[k].data_bands)])

    def label(key) -> str:
        return f"{centres[key[1]][0]:.3f} um" if key[0] == 0 else f"band {key[2]}"

    def order(key):
        return (0, centres[key[1]][0]) if key[0] == 0 else (1, key[1], key[2])

    return _plan_from_keys(BY_METADATA, infos, keys, label, order)


def _close(a: Tuple[float, Optional[float]], b: Tuple[float, Optional[float]]) -> bool:
    widest = max(a[1] or 0.0, b[1] or 0.0)
    return abs(a[0] - b[0]) <= max(WAVELENGTH_TOLERANCE_UM, widest / 2)


def _plan_from_keys(source, infos, keys, label, order=None) -> BandPlan:
    """Group bands by key: keys every input has are common; keys some inputs share form a
    group per set of inputs that share them; keys of one input are unmatched."""
    order = order or (lambda key: key)
    holders: Dict[tuple, List[int]] = {}
    for k, image_keys in enumerate(keys):
        for key in image_keys:
            holders.setdefault(key, []).append(k)
    by_images: Dict[Tuple[int, ...], List[tuple]] = {}
    for key, images in holders.items():
        by_images.setdefault(tuple(images), []).append(key)
    everyone = tuple(range(len(infos)))
    sets = [everyone] + sorted((s for s in by_images if len(s) > 1 and s != everyone),
                               key=lambda s: (-len(s), s))
    groups = []
    for images in sets:
        group_keys = sorted(by_images.get(images, []), key=order)
        bands = tuple(tuple(infos[k].data_bands[keys[k].index(key)] for key in group_keys)
                      for k in images)
        groups.append(BandGroup(images, bands, tuple(label(key) for key in group_keys)))
    unmatched = tuple(
        tuple(b for b, key in zip(info.data_bands, keys[k]) if len(holders[key]) == 1)
        for k, info in enumerate(infos))
    return BandPlan(source, tuple(groups), unmatched)


def _ranges(numbers: Sequence[int]) -> str:
    return f"{numbers[0]}-{numbers[-1]}" if list(numbers) == list(
        range(numbers[0], numbers[-1] + 1)) else ", ".join(map(str, numbers))


def select_bands(view: RasterInfo, info: RasterInfo, numbers: Sequence[int]) -> RasterInfo:
    """``view`` (an input, or its warped view on the common grid) reading only the bands
    ``numbers`` of input ``info``, in that order."""
    if tuple(numbers) == info.data_bands and view.band_count == info.band_count:
        return view
    at = [info.data_bands.index(b) for b in numbers]
    return replace(view, band_count=len(at),
                   data_bands=tuple(view.data_bands[p] for p in at),
                   nodata=tuple(view.nodata[p] for p in at),
                   mask_flags=tuple(view.mask_flags[p] for p in at))


def group_inputs(infos: Sequence[RasterInfo], grid: CommonGrid, group: BandGroup
                 ) -> Tuple[List[RasterInfo], CommonGrid]:
    """The inputs of a band group, reading its bands, and the common grid with only them
    placed (the same lattice, so block grids of the run fit it)."""
    members = [infos[k] for k in group.images]
    views = [select_bands(grid.views[k], infos[k], bands)
             for k, bands in zip(group.images, group.bands)]
    sub = replace(grid, placements=tuple(grid.placements[k] for k in group.images),
                  views=tuple(views),
                  native=tuple(grid.native[k] for k in group.images) if grid.native else ())
    return [select_bands(info, info, bands) for info, bands in zip(members, group.bands)], sub
