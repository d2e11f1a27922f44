"""From regions of ink to digits, letting the model decide where one digit ends and the next begins.

Regions of ink are not digits: two digits that touch are one region, a digit written in
two strokes is two. So the regions are first cut into pieces where a digit may end (the
valleys of the ink's projection, tried upright and slanted), and neighbouring pieces are
then grouped into every plausible digit: each run of up to six pieces that is shaped
like one. The model reads all of these hypotheses in one batch, and a best-path search
picks, per cluster of neighbouring pieces, the split whose digits the model is surest
of (a piece may also be left out as not a digit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from runtime import opencv
from runtime.preprocess import InkPage, median, mnist_style

# Pieces of one digit are joined across gaps up to this many heights (a lifted pen).
_BRIDGE = 0.15
# A region wider than this many heights holds more than one digit: it is cut into pieces at once.
# A narrower one is cut only when the model cannot read it surely whole (the second look): a
# wide "0" read surely costs no strips, and on the tuning pages this read better than cutting
# everything wider than 0.95 heights (87.0% / 65.2% against 86.8% / 64.0%) in two thirds the time.
_CUT_ASPECT = 1.6
# A region the model cannot read surely whole is cut too when it is wider than this ("13" touching).
# Narrower, it is one digit written oddly far more often than two: cut lengthwise, a "1" read as
# "11". Tuning pages, seeds 0–2 (means), 0.45 → 0.6: single digits 94.4 → 94.7% (MNIST) and
# 96.8 → 97.0% (fonts), numbers 84.7 → 84.8% and 81.4 → 81.9%; at 0.7 (seed 0) fonts' numbers fell back.
_UNSURE_CUT_ASPECT = 0.6
# A digit read at least this surely needs no second look.
_SURE = 0.9
# Wide regions are cut into strips about this many heights wide (a digit is a run of strips).
_STRIP = 0.2
# A digit is made of at most this many pieces (a wide region may be cut in up to five).
_MAX_RUN = 9
# Pieces this far apart (in heights of the taller, or of both when one stands above the other
# sharing its columns) may belong to one digit. A pen lift across a slanted stroke leaves a long
# gap: on the tuning pages, seeds 0–2, 0.35 → 0.45 read single digits 94.7 → 94.8% (MNIST) and
# 97.0 → 97.3% (fonts), numbers 84.8 → 84.9% and 81.9 → 81.9%, none lower with any seed (held
# out: other writers' numbers +0.4, MNIST single digits −0.2, as some joins read wrong).
_JOIN_GAP = 0.45
# A digit's box is rarely wider than it is tall: every tenth of a height beyond this costs so much.
_WIDE_FROM, _WIDE_COST = 1.2, 0.2
# Digits of a line are about as tall as the line: a run shorter than this share of it (half of
# a broken "3") costs this much per tenth of the line's height it lacks.
_SHORT_FROM, _SHORT_COST = 0.6, 0.4
# Reading one region as two digits, cut through its ink, costs this much (in log-probability).
_CUT_COST = 0.5
# ... and this much when the model could not read the region surely whole: its doubt already
# says "not one digit", and the cost would count that twice.
_UNSURE_CUT_COST = 0.25
# Hypotheses beyond this count in a frame are not made (a page of scribbles); bounds the batch.
_MAX_HYPOTHESES = 160
# Paper between two digit-tall regions wider than this share of their height keeps them apart.
_CLEAR_GAP = 0.12
# Two digits of a line stand side by side: reading pieces one above the other as two digits costs this.
_STACKED_COST = 1.5
# Neighbouring digits overlap a little when written close (a tenth of their height at most):
# two readings sharing more of their width than this are more likely halves of one broken digit.
_OVERLAP_FROM, _OVERLAP_COST = 0.25, 0.2
# Leaving out a fragment too small to be a digit costs little: specks and bits of ruling.
_SKIP_FRAGMENT = math.log(0.7)


@dataclass(frozen=True, eq=False)
class Piece:
    """Pixels of ink that stay together in every hypothesis: a region or a part of one.

    Attributes:
        box: (x, y, w, h) of its pixels, at working resolution.
        mask: bool (h, w): which pixels of the box are its ink.
        region: The index of the region it was cut from.
        centre_x: The mean x of its pixels (pieces are ordered by it).
    """

    box: tuple[int, int, int, int]
    mask: np.ndarray
    region: int
    centre_x: float

    @classmethod
    def of(cls, box: tuple[int, int, int, int], mask: np.ndarray, region: int) -> Piece:
        columns = mask.sum(axis=0)
        return cls(box, mask, region, box[0] + float(columns @ np.arange(len(columns))) / float(columns.sum()))

    @classmethod
    def of_pixels(cls, ys: np.ndarray, xs: np.ndarray, region: int) -> Piece:
        x0, y0 = int(xs.min()), int(ys.min())
        mask = np.zeros((int(ys.max()) - y0 + 1, int(xs.max()) - x0 + 1), bool)
        mask[ys - y0, xs - x0] = True
        return cls.of((x0, y0, mask.shape[1], mask.shape[0]), mask, region)


@dataclass(frozen=True, eq=False)
class Hypothesis:
    """A run of pieces read as one digit.

    Attributes:
        cluster: Which cluster of neighbouring pieces it belongs to.
        start, stop: The run ``pieces[start:stop]`` of that cluster.
        box: (x, y, w, h) in the frame's pixels.
        image: uint8 (28, 28), MNIST-style.
        aspect: Width over height of the run's ink.
    """

    cluster: int
    start: int
    stop: int
    box: tuple[int, int, int, int]
    image: np.ndarray
    aspect: float
    box_height: int = 0


@dataclass(frozen=True, eq=False)
class Lattice:
    """Every way of reading a frame's ink as digits.

    Attributes:
        clusters: Pieces grouped by neighbourhood, each cluster ordered left to right.
        hypotheses: Every run of pieces that may be one digit.
        digit_sized: Per cluster, per piece: whether the piece alone is as tall as a digit.
    """

    clusters: tuple[tuple[Piece, ...], ...]
    hypotheses: tuple[Hypothesis, ...]
    digit_sized: tuple[tuple[bool, ...], ...]
    # Every run looked at, by its pieces (region, box, centre): its digit's box, image, aspect and
    # height, or None when it cannot be a digit. A second look reuses what it shares with the first.
    runs: dict[tuple, tuple | None] = field(default_factory=dict, repr=False)
    # Regions cut only because the model could not read them surely whole (the second look).
    cut_when_unsure: frozenset[int] = frozenset()

    def images(self) -> np.ndarray:
        """uint8 (N, 28, 28): every hypothesis, for one batched inference call."""
        return np.stack([hypothesis.image for hypothesis in self.hypotheses])

    def unsure_regions(self, chosen: list[tuple[Hypothesis, int, float]]) -> frozenset[int]:
        """Regions as tall as a digit that no sure reading covers: worth cutting and reading again.

        Args:
            chosen: What :meth:`best` chose.
        """
        sure = set()
        for hypothesis, _, confidence in chosen:
            if confidence >= _SURE:
                sure.update(p.region for p in self.clusters[hypothesis.cluster][hypothesis.start : hypothesis.stop])
        pieces = [
            (piece, tall)
            for members, sized in zip(self.clusters, self.digit_sized, strict=True)
            for piece, tall in zip(members, sized, strict=True)
        ]
        counts: dict[int, int] = {}
        for piece, _ in pieces:
            counts[piece.region] = counts.get(piece.region, 0) + 1
        return frozenset(
            piece.region
            for piece, tall in pieces
            if tall
            and piece.region not in sure
            and counts[piece.region] == 1  # not cut yet
            and piece.box[2] > _UNSURE_CUT_ASPECT * piece.box[3]
        )

    def best(self, probabilities: np.ndarray, min_confidence: float) -> tuple[list[tuple[Hypothesis, int, float]], int]:
        """The most probable reading: per cluster, the runs whose digits the model is surest of.

        Args:
            probabilities: float (N, 10), the model's output for :meth:`images`.
            min_confidence: A digit read less surely is not a digit; leaving a digit-sized
                piece out costs as much as reading it at this confidence.

        Returns:
            The chosen (hypothesis, label, confidence) left to right in each cluster, and
            how many digit-sized pieces or chosen runs were rejected as not sure enough.
        """
        by_stop: dict[tuple[int, int], list[int]] = {}
        for index, hypothesis in enumerate(self.hypotheses):
            by_stop.setdefault((hypothesis.cluster, hypothesis.stop), []).append(index)
        labels = probabilities.argmax(axis=1)
        confidence = probabilities[np.arange(len(labels)), labels]
        line_heights = [
            max(p.box[1] + p.box[3] for p in pieces) - min(p.box[1] for p in pieces) for pieces in self.clusters
        ]
        scores = np.log(np.maximum(confidence, 1e-6)) - np.array(
            [
                _WIDE_COST * max(0.0, h.aspect - _WIDE_FROM) * 10
                + _SHORT_COST * max(0.0, _SHORT_FROM - h.box_height / line_heights[h.cluster]) * 10
                for h in self.hypotheses
            ]
        )
        skip_digit = math.log(max(min_confidence, 1e-6))
        chosen, rejected = [], 0
        for cluster, pieces in enumerate(self.clusters):
            count = len(pieces)
            best = [0.0] + [-math.inf] * count
            back: list[tuple[int, int | None]] = [(0, None)] * (count + 1)
            skips = np.cumsum([0.0] + [skip_digit if sized else _SKIP_FRAGMENT for sized in self.digit_sized[cluster]])
            for stop in range(1, count + 1):
                best[stop], back[stop] = best[stop - 1] + skips[stop] - skips[stop - 1], (stop - 1, None)
                for index in by_stop.get((cluster, stop), []):
                    start = self.hypotheses[index].start
                    score = best[start] + scores[index]
                    if confidence[index] < min_confidence:
                        # A reading too unsure to report leaves its pieces out all the same: it may
                        # not cost less than leaving them out, or unsure readings would crowd out sure ones.
                        score = min(score, best[start] + skips[stop] - skips[start])
                    if start > 0 and pieces[start - 1].region == pieces[start].region:
                        score -= _UNSURE_CUT_COST if pieces[start].region in self.cut_when_unsure else _CUT_COST
                    previous = back[start][1]
                    if previous is not None:
                        before, box = self.hypotheses[previous].box, self.hypotheses[index].box
                        if _stacked(before, box):
                            score -= _STACKED_COST
                        score -= _OVERLAP_COST * max(0.0, _overlap(before, box) - _OVERLAP_FROM) * 10
                    if score > best[stop]:
                        best[stop], back[stop] = score, (start, index)
            path, stop = [], count
            while stop > 0:
                start, index = back[stop]
                if index is None:
                    rejected += self.digit_sized[cluster][stop - 1]
                else:
                    path.append(index)
                stop = start
            for index in reversed(path):
                if confidence[index] >= min_confidence:
                    chosen.append((self.hypotheses[index], int(labels[index]), float(confidence[index])))
                else:
                    rejected += 1
        return chosen, rejected


def _apart(left: Piece, right: Piece, min_height: float) -> bool:
    """True for two separate regions, each as tall as a digit, side by side with a clear gap."""
    if left.region == right.region or min(left.box[3], right.box[3]) < min_height:
        return False
    lx, _, lw, lh = left.box
    rx, _, rw, rh = right.box
    gap = max(rx - (lx + lw), lx - (rx + rw))
    return gap > _CLEAR_GAP * max(lh, rh) and _overlap(left.box, right.box) < 0.3


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """How much of the narrower box's width the other box covers (0 for boxes side by side)."""
    shared = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    return max(0.0, shared) / max(1, min(a[2], b[2]))


def _stacked(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """True when two boxes do not share a line: they overlap in height by less than half the shorter."""
    overlap = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return overlap < 0.5 * min(a[3], b[3])


def build_lattice(
    page: InkPage,
    *,
    max_aspect: float = 2.2,
    min_density: float = 0.06,
    also_cut: frozenset[int] = frozenset(),
    first_look: Lattice | None = None,
) -> Lattice:
    """Cut a page's regions into pieces and list every run of pieces that may be a digit.

    Args:
        page: Ink and regions, from :func:`runtime.preprocess.find_ink`.
        max_aspect: Widest width/height of a digit hypothesis.
        min_density: Smallest share of ink in a hypothesis's box.
        also_cut: Regions (indices into ``page.regions``) to cut although they are no wider
            than one digit: the model could not read them whole (see :meth:`Lattice.unsure_regions`).
        first_look: The lattice of the first look at the same page, whose runs of uncut regions
            need not be cropped again.
    """
    pieces: list[Piece] = []
    cut_groups: list[int] = []  # pieces cut from one region are neighbours whatever their gap
    for number, region in enumerate(page.regions):
        x, y, w, h = region.box
        whole = Piece.of(region.box, region.mask, number)
        wide = w > _CUT_ASPECT * h or (number in also_cut and w > _UNSURE_CUT_ASPECT * h)
        parts = _cut(whole, h, page.min_digit_height) if wide and h >= page.min_digit_height else [whole]
        pieces += parts
        cut_groups += [number] * len(parts)
    clusters = _clusters(pieces, cut_groups)
    # A run's pieces are the same in both looks unless one of them is cut only now.
    earlier = first_look.runs.items() if first_look else ()
    runs = {key: made for key, made in earlier if not also_cut & {region for region, *_ in key}}
    hypotheses: list[Hypothesis] = []
    digit_sized = []
    for cluster_index, members in enumerate(clusters):
        digit_sized.append(tuple(page.min_digit_height <= piece.box[3] for piece in members))
        # Each region's first and last strip in the cluster: a run longer than _MAX_RUN is still
        # a hypothesis when it holds its regions whole (a wide broken "0" cut into many strips).
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for index, piece in enumerate(members):
            first.setdefault(piece.region, index)
            last[piece.region] = index
        widest = max_aspect * page.max_digit_height
        for start in range(len(members)):
            earliest, latest = len(members), -1
            for stop in range(start + 1, len(members) + 1):
                if len(hypotheses) >= _MAX_HYPOTHESES:
                    break
                if members[stop - 1].centre_x - members[start].centre_x > widest:
                    break  # every longer run is wider still than any digit (pieces go left to right)
                if stop - start > 1 and _apart(members[stop - 2], members[stop - 1], page.min_digit_height):
                    break  # two whole digits with paper between them are never one digit
                region = members[stop - 1].region
                earliest, latest = min(earliest, first[region]), max(latest, last[region])
                if stop - start > _MAX_RUN and not (earliest >= start and latest < stop):
                    continue
                key = tuple((piece.region, piece.box, piece.centre_x) for piece in members[start:stop])
                if key not in runs:
                    runs[key] = _digit_of(page, members[start:stop], max_aspect, min_density)
                if runs[key] is not None:
                    hypotheses.append(Hypothesis(cluster_index, start, stop, *runs[key]))
    return Lattice(tuple(tuple(c) for c in clusters), tuple(hypotheses), tuple(digit_sized), runs, also_cut)


def _cut(whole: Piece, height: int, min_height: float) -> list[Piece]:
    """Cut a wide region into narrow strips, along its slant, where the ink is thinnest.

    The strips are over-segmentation: a digit is a run of a few neighbouring strips, and
    the model's scores decide which runs (see :meth:`Lattice.best`). Touching digits meet
    where a valley of the ink's projection need not be (the inside of a "0" is a deeper
    valley than the stroke two digits share), so the cuts stand on an even grid about a
    fifth of a digit apart, each moved to the thinnest ink near it.
    """
    ys, xs = np.nonzero(whole.mask)
    ys, xs = ys + whole.box[1], xs + whole.box[0]
    centre_y = float(ys.mean())
    # The writing's slant, from the ink's second moments: a slanted join becomes an upright one.
    dy = ys - centre_y
    shear = float(np.clip((dy * (xs - xs.mean())).sum() / max(1.0, float((dy * dy).sum())), -0.5, 0.5))
    coords = np.round(xs - shear * dy).astype(np.int64)
    low = int(coords.min())
    profile = np.bincount(coords - low).astype(np.float32)
    span = len(profile)
    step = _STRIP * height
    count = int(round(span / step))
    if count < 2:
        return [whole]
    smooth = np.convolve(profile, np.ones(3, np.float32) / 3, mode="same")
    reach = max(1, int(step / 3))
    cuts: list[int] = []
    for index in range(1, count):
        centre = int(round(index * span / count))
        window = smooth[max(1, centre - reach) : min(span - 1, centre + reach + 1)]
        if len(window):
            cut = max(1, centre - reach) + int(np.argmin(window))
            if not cuts or cut - cuts[-1] >= step / 3:
                cuts.append(cut)
    edges = [-math.inf, *(c + low for c in cuts), math.inf]
    parts = []
    for left, right in zip(edges[:-1], edges[1:]):
        inside = (coords >= left) & (coords < right)
        if inside.any():
            parts.append(Piece.of_pixels(ys[inside], xs[inside], whole.region))
    return parts


def _clusters(pieces: list[Piece], cut_groups: list[int]) -> list[list[Piece]]:
    """Group pieces that may share a digit (near each other on a line, or stacked), left to right."""
    boxes = [piece.box for piece in pieces]
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(pieces)), key=lambda i: boxes[i][0])
    for position, i in enumerate(order):
        xi, yi, wi, hi = boxes[i]
        for j in order[position + 1 :]:
            xj, yj, wj, hj = boxes[j]
            tall = max(hi, hj)
            if xj > xi + wi + _JOIN_GAP * tall:
                break  # sorted by left edge: every later piece is farther
            overlap_y = min(yi + hi, yj + hj) - max(yi, yj)
            side_by_side = overlap_y >= 0.3 * min(hi, hj)
            # One above the other, straight or along a slant: the two halves of a broken stroke.
            # Halves sharing columns are measured against the digit they would make, not the taller
            # half: a "1" lifted halfway is two short stubs with a gap of a fifth of the "1" between.
            shares_columns = xj < xi + wi
            measure = max(yi + hi, yj + hj) - min(yi, yj) if shares_columns else tall
            stacked = -overlap_y <= _JOIN_GAP * measure
            if side_by_side or stacked or cut_groups[i] == cut_groups[j]:
                parent[root(j)] = root(i)
    groups: dict[int, list[Piece]] = {}
    for i in range(len(pieces)):
        groups.setdefault(root(i), []).append(pieces[i])
    return [sorted(group, key=lambda p: p.centre_x) for group in groups.values()]


def _digit_of(page: InkPage, run: list[Piece], max_aspect: float, min_density: float) -> tuple | None:
    """A run of pieces as one digit: (box in frame pixels, MNIST-style image, aspect, height), or None by its shape."""
    x0 = min(piece.box[0] for piece in run)
    y0 = min(piece.box[1] for piece in run)
    w = max(piece.box[0] + piece.box[2] for piece in run) - x0
    h = max(piece.box[1] + piece.box[3] for piece in run) - y0
    if not page.digit_sized(w, h, max_aspect):
        return None
    if len(run) == 1:
        canvas = run[0].mask
    else:
        canvas = np.zeros((h, w), bool)
        for piece in run:
            px, py, pw, ph = piece.box
            canvas[py - y0 : py - y0 + ph, px - x0 : px - x0 + pw] |= piece.mask
    if np.count_nonzero(canvas) < min_density * w * h:
        return None
    box = (x0, y0, w, h)
    crop = page.ink_under(box, canvas)
    if len({piece.region for piece in run}) > 1:
        crop = _bridge_pen_lifts(crop, canvas, h)
    return page.to_frame(box), mnist_style(crop), w / h, h


def _bridge_pen_lifts(crop: np.ndarray, canvas: np.ndarray, height: int) -> np.ndarray:
    """Close the small gaps between the pieces of one digit, as the pen would have drawn them.

    A "1" lifted halfway reads as two blobs; closed, it reads as a "1". Gaps up to about a
    seventh of the digit's height are bridged with ink of the pieces' typical strength.
    """
    cv2 = opencv.cv2()

    # At most 64 pixels tall the closing costs little and bridges the same gaps.
    factor = min(1.0, 64.0 / height)
    small = canvas.astype(np.uint8)
    if factor < 1.0:
        small = cv2.resize(small, (max(1, round(canvas.shape[1] * factor)), max(1, round(height * factor))),
                           interpolation=cv2.INTER_NEAREST)
    size = max(3, int(_BRIDGE * height * factor) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    padded = cv2.copyMakeBorder(small, size, size, size, size, cv2.BORDER_CONSTANT, value=0)
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, kernel)[size:-size, size:-size]
    if factor < 1.0:
        closed = cv2.resize(closed, (canvas.shape[1], canvas.shape[0]), interpolation=cv2.INTER_NEAREST)
    closed = closed > 0
    added = closed & ~canvas
    if not added.any():
        return crop
    bridged = crop.copy()
    bridged[added] = np.uint8(median(crop[canvas]))
    return bridged
