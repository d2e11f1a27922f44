"""Page-aware finding and the segmentation lattice, on drawn frames (no model needed)."""

import cv2
import numpy as np

from runtime.preprocess import find_digits, find_ink
from runtime.segment import build_lattice


def _paper(width=480, height=320, level=215):
    return np.full((height, width), level, np.uint8)


def _seven(frame, x, y, height, ink=30, thickness=6):
    """A '7' written with two strokes, its box starting at (x, y)."""
    width = int(0.6 * height)
    cv2.line(frame, (x, y), (x + width, y), ink, thickness)
    cv2.line(frame, (x + width, y), (x + width // 3, y + height), ink, thickness)


def _zero(frame, cx, cy, height, ink=30, thickness=6):
    cv2.ellipse(frame, (cx, cy), (int(0.3 * height), height // 2), 0, 0, 360, ink, thickness)


def _ruled(frame, spacing=26, ink=150, squared=False):
    for y in range(8, frame.shape[0], spacing):
        cv2.line(frame, (0, y), (frame.shape[1], y + 3), ink, 2)
    if squared:
        for x in range(5, frame.shape[1], spacing):
            cv2.line(frame, (x, 0), (x + 2, frame.shape[0]), ink, 2)


def _room(rng, left, right, shape=(480, 640)):
    """A room lit unevenly from ``left`` to ``right`` brightness, with a camera's grain."""
    light = np.linspace(left, right, shape[1])[None, :] + cv2.GaussianBlur(rng.normal(0, 8, shape), (0, 0), 1.5)
    return np.clip(light, 0, 255).astype(np.uint8)


def test_ruled_and_squared_paper_and_a_desk_edge_give_no_candidate():
    ruled = _paper()
    _ruled(ruled)
    squared = _paper()
    _ruled(squared, spacing=20, squared=True)
    desk = _paper()
    pts = np.array([[0, 0], [90, 0], [70, 320], [0, 320]], np.int32)
    cv2.fillPoly(desk, [pts], 60)  # a dark desk beside the page, its edge slightly tilted
    rng = np.random.default_rng(0)
    grain = cv2.GaussianBlur(rng.normal(0, 14, desk.shape).astype(np.float32), (0, 0), 2)
    textured = np.clip(np.where(desk < 100, desk + grain, desk), 0, 255).astype(np.uint8)
    for frame in (ruled, squared, desk, textured):
        blurred = cv2.GaussianBlur(frame, (0, 0), 1.0)
        assert find_digits(blurred) == []
        assert build_lattice(find_ink(blurred)).hypotheses == ()


def test_a_digit_on_ruled_paper_keeps_its_strokes():
    frame = _paper()
    _ruled(frame)
    _seven(frame, 200, 90, 120)
    found = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
    assert len(found) == 1
    x, y, w, h = found[0].box
    assert abs(x - 200) <= 6 and abs(y - 90) <= 6 and h >= 110


def test_a_whole_digit_close_to_the_edge_is_found_and_a_cut_one_is_not():
    for side in ("left", "right", "top", "bottom"):
        frame = _paper()
        # The 6-px strokes' rim 1 px from the edge (one column or row of paper), its blur reaching it.
        if side == "left":
            _seven(frame, 4, 100, 100)
        elif side == "right":
            _seven(frame, 480 - 5 - 60, 100, 100)
        elif side == "top":
            _seven(frame, 200, 4, 100)
        else:
            _seven(frame, 200, 320 - 5 - 100, 100)
        assert len(find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))) == 1, side
    cut = _paper()
    _seven(cut, -20, 100, 100)
    assert find_digits(cut) == []


def test_touching_digits_are_one_region_with_a_cut_hypothesis_for_each_digit():
    frame = _paper()
    _zero(frame, 180, 160, 120)
    _zero(frame, 250, 160, 120)  # the two zeros' strokes touch
    page = find_ink(frame)
    assert len(page.regions) == 1
    # Under 1.6 heights wide, a region is cut on the second look, once the model could not read it whole.
    assert [h.box for h in build_lattice(page).hypotheses] == [page.to_frame(page.regions[0].box)]
    boxes = [h.box for h in build_lattice(page, also_cut=frozenset({0})).hypotheses]
    whole = page.regions[0].box
    assert any(box[2] >= whole[2] - 2 for box in boxes), "the whole region is a hypothesis"
    left = [box for box in boxes if box[0] <= 148 and box[0] + box[2] <= 222]
    right = [box for box in boxes if box[0] >= 210 and box[0] + box[2] >= 278]
    assert left and right, boxes


def test_pieces_of_a_broken_digit_can_be_read_together():
    frame = _paper()
    cv2.line(frame, (200, 100), (260, 100), 30, 6)  # a "5"'s top bar, not touching its body
    cv2.line(frame, (202, 112), (200, 150), 30, 6)
    cv2.ellipse(frame, (225, 180), (28, 30), 0, -150, 150, 30, 6)
    lattice = build_lattice(find_ink(frame))
    spans = {(h.box[1], h.box[1] + h.box[3]) for h in lattice.hypotheses}
    assert any(top <= 100 and bottom >= 205 for top, bottom in spans), spans


def test_a_flag_cut_off_a_one_by_a_long_pen_lift_can_still_be_read_with_it():
    frame = _paper()
    cv2.line(frame, (250, 100), (250, 220), 30, 6)
    cv2.line(frame, (250, 100), (170, 128), 30, 6)
    frame[:, 193:246] = 215  # the flag's middle lifted: its tip 0.4 of the "1"'s height away
    page = find_ink(frame)
    assert len(page.regions) == 2
    lattice = build_lattice(page)
    assert any(h.box[0] <= 168 and h.box[0] + h.box[2] >= 254 for h in lattice.hypotheses), [h.box for h in lattice.hypotheses]


def test_best_reading_follows_the_model_and_the_priors():
    frame = _paper()
    _zero(frame, 180, 160, 120)
    _zero(frame, 250, 160, 120)
    lattice = build_lattice(find_ink(frame), also_cut=frozenset({0}))
    whole = [i for i, h in enumerate(lattice.hypotheses) if h.stop - h.start == len(lattice.clusters[0])]
    assert whole
    # A model sure of the whole region as one digit and unsure of every piece: one digit.
    probabilities = np.full((len(lattice.hypotheses), 10), 0.1, np.float32)
    probabilities[whole[0]] = 0.0
    probabilities[whole[0], 8] = 1.0
    chosen, _ = lattice.best(probabilities, 0.5)
    assert [label for _, label, _ in chosen] == [8]
    # Unsure of the whole, sure of two pieces that each span half of it: two digits.
    probabilities = np.full((len(lattice.hypotheses), 10), 0.1, np.float32)
    half = lattice.clusters[0][0].box[0] + (lattice.hypotheses[whole[0]].box[2]) // 2
    for i, h in enumerate(lattice.hypotheses):
        if h.box[0] + h.box[2] <= half + 8 or h.box[0] >= half - 8:
            probabilities[i] = 0.0
            probabilities[i, 0] = 1.0
    chosen, _ = lattice.best(probabilities, 0.5)
    assert [label for _, label, _ in chosen] == [0, 0]
    # Unsure of everything: nothing is read, and the region counts as rejected.
    chosen, rejected = lattice.best(np.full((len(lattice.hypotheses), 10), 0.1, np.float32), 0.5)
    assert chosen == [] and rejected >= 1


def test_a_one_broken_along_its_slant_is_one_cluster_and_its_gap_is_bridged():
    frame = _paper()
    cv2.line(frame, (230, 80), (215, 150), 30, 7)  # a slanted "1", the pen lifted halfway
    cv2.line(frame, (212, 164), (197, 234), 30, 7)
    page = find_ink(frame)
    assert len(page.regions) == 2
    lattice = build_lattice(page)
    assert len(lattice.clusters) == 1
    joined = [h for h in lattice.hypotheses if h.stop - h.start == 2]
    assert joined, [h.box for h in lattice.hypotheses]
    # Bridged, the joined digit's middle row (where the gap was) has ink.
    image = joined[0].image
    rows = np.flatnonzero(image.max(axis=1) > 0)
    middle = image[(rows[0] + rows[-1]) // 2 - 1 : (rows[0] + rows[-1]) // 2 + 2]
    assert middle.max() >= 128


def test_a_fine_pen_is_read_at_mnist_pen_width():
    from runtime.preprocess import mnist_style

    fine = np.zeros((140, 100), np.uint8)
    cv2.ellipse(fine, (50, 70), (40, 65), 0, 0, 360, 255, 1)  # a "0" drawn with a 1-pixel nib
    image = mnist_style(fine)
    mask = (image >= 128).astype(np.uint8)
    width = 2 * mask.sum() / max(1, (mask & ~cv2.erode(mask, np.ones((3, 3), np.uint8))).sum())
    assert width >= 1.8, width  # thin strokes would be under 1.5 pixels at this scale


def test_a_large_digit_in_a_fine_pen_is_found_though_its_box_is_mostly_paper():
    frame = np.full((480, 640), 215, np.uint8)
    cv2.line(frame, (250, 100), (370, 100), 40, 2)  # a "7" 200 pixels tall, its strokes 2 pixels wide:
    cv2.line(frame, (370, 100), (300, 300), 40, 2)  # ink fills under 4% of its box
    candidates = find_digits(frame)
    assert [candidate.box for candidate in candidates] == [(248, 98, 125, 205)]


def test_pieces_of_a_bent_pages_ruling_are_not_ones_but_a_pen_one_is():
    frame = np.full((480, 640), 215, np.uint8)
    for y in range(10, 480, 24):
        cv2.line(frame, (0, y), (640, y + 2), 150, 2)
    for x in range(8, 640, 24):
        for k, top in enumerate(range(0, 480, 120)):  # each upright line steps sideways: no straight line
            cv2.line(frame, (x + 3 * (k % 2), top), (x + 3 * (k % 2), top + 119), 150, 2)
    cv2.line(frame, (332, 150), (328, 260), 40, 6)  # a "1" in pen
    candidates = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
    assert len(candidates) == 1, [candidate.box for candidate in candidates]
    x, y, w, h = candidates[0].box
    assert x <= 326 and x + w >= 334 and y <= 148 and y + h >= 262, candidates[0].box


def test_a_wide_zero_broken_into_two_arcs_is_one_hypothesis_though_cut_into_many_strips():
    frame = _paper(640, 480)
    cv2.ellipse(frame, (320, 240), (95, 80), 0, 6, 174, 30, 7)  # the lower arc
    cv2.ellipse(frame, (320, 240), (95, 80), 0, 186, 354, 30, 7)  # the upper arc, a pen lift apart
    lattice = build_lattice(find_ink(frame))
    assert [len(cluster) for cluster in lattice.clusters] == [24]  # two wide regions, cut into strips
    whole = [h.box for h in lattice.hypotheses if h.box[2] > 190 and h.box[3] > 160]
    assert whole, "no hypothesis holds both arcs"


def test_a_one_lifted_halfway_is_one_cluster_of_two_stubs_and_one_hypothesis_holds_both():
    frame = _paper(640, 480)
    cv2.line(frame, (322, 150), (320, 182), 30, 6)  # two stubs about 40 px tall, 27 px apart: the gap is
    cv2.line(frame, (319, 218), (317, 250), 30, 6)  # 2/3 of a stub's height, a quarter of the "1" they make
    lattice = build_lattice(find_ink(frame))
    assert [len(cluster) for cluster in lattice.clusters] == [2]
    assert any(h.box[1] <= 148 and h.box[1] + h.box[3] >= 252 for h in lattice.hypotheses)


def test_a_faint_fine_pen_is_ink_on_plain_paper():
    from runtime.config import FindOptions

    frame = np.full((480, 640), 215, np.uint8)
    cv2.line(frame, (250, 120), (340, 120), 182, 2)  # a "7" in a fine, pale pen: ink strength about 50,
    cv2.line(frame, (340, 120), (290, 260), 182, 2)  # under what is sure ink on ruled paper (56)
    frame = cv2.GaussianBlur(frame, (0, 0), 0.8)
    assert [candidate.box for candidate in find_digits(frame)] == [(248, 118, 95, 145)]
    assert find_digits(frame, FindOptions(plain_min_contrast=56)) == []


def test_a_fainter_pen_is_ink_on_quiet_plain_paper_but_mottle_on_grainy_paper_is_not():
    from runtime.config import FindOptions

    rng = np.random.default_rng(3)
    quiet = np.full((480, 640), 215, np.uint8)
    cv2.line(quiet, (250, 120), (340, 120), 191, 2)  # a "7" in a pen fainter still: ink strength about 30
    cv2.line(quiet, (340, 120), (290, 260), 191, 2)
    quiet = cv2.GaussianBlur(quiet, (0, 0), 0.8)
    grain = rng.normal(0, 1.0, quiet.shape)
    found = find_digits(np.clip(quiet + grain, 0, 255).astype(np.uint8))
    assert [candidate.box[2:] for candidate in found] == [(95, 145)]
    assert find_digits(quiet, FindOptions(plain_min_contrast=40)) == []  # the level before pages were told apart
    # Paper mottled by a coarse shadow texture: its blotches are as strong as that pen, and are paper.
    mottle = cv2.resize(rng.normal(0, 9.0, (48, 64)), (640, 480), interpolation=cv2.INTER_CUBIC)
    assert find_digits(np.clip(215 + mottle + grain, 0, 255).astype(np.uint8)) == []


def test_a_faint_fine_one_beside_a_dark_digit_is_found_whole_from_the_one_spot_pressed_hard():
    frame = _paper()
    _seven(frame, 100, 100, 120)  # dark ink: the page's level of sure ink is set by it
    cv2.line(frame, (300, 120), (297, 200), 165, 2)  # a "1" in a fine pen, fainter than sure ink all along...
    cv2.line(frame, (298, 155), (298, 165), 120, 3)  # ...but where it was pressed, in the middle
    candidates = find_digits(cv2.GaussianBlur(frame, (0, 0), 0.8))
    assert len(candidates) == 2, [candidate.box for candidate in candidates]
    x, y, w, h = candidates[1].box
    # The whole stroke, not the 30-pixel stub around the pressed spot that a shorter reach found.
    assert 294 <= x <= 298 and y <= 122 and h >= 78, candidates[1].box


def test_the_hysteresis_looks_only_near_sure_ink_and_finds_what_the_whole_frame_would():
    from runtime import preprocess

    def over_the_whole_frame(strong, faint):
        reached = strong
        for _ in range(preprocess._HYSTERESIS_STEPS):
            reached = cv2.bitwise_and(cv2.dilate(reached, np.ones((5, 5), np.uint8)), faint)
        return reached

    top_line, foot = np.zeros((240, 320), np.uint8), np.zeros((240, 320), np.uint8)
    cv2.line(top_line, (0, 5), (319, 5), 255, 1)  # a faint line along the top edge...
    cv2.line(foot, (200, 100), (200, 239), 255, 1)  # a faint stroke down to the bottom edge...
    for faint, sure in ((top_line, (slice(3, 8), slice(2, 7))), (foot, (slice(236, 240), slice(199, 202)))):
        strong = np.zeros_like(faint)
        strong[sure] = faint[sure]  # ...sure ink only at one end, at the frame's edge
        found = preprocess._hysteresis(strong, faint)
        assert np.array_equal(found, over_the_whole_frame(strong, faint))
        # 2 pixels a step: the faint ink is followed that far from the sure spot, not across the frame.
        reach = 2 * preprocess._HYSTERESIS_STEPS
        assert reach - 2 <= max(np.ptp(np.nonzero(found)[1]), np.ptp(np.nonzero(found)[0])) <= reach + 6
        assert not preprocess._hysteresis(np.zeros_like(strong), faint).any()


def test_the_second_look_crops_only_the_regions_it_cuts_and_builds_the_same_lattice():
    frame = _paper()
    _seven(frame, 150, 100, 120)
    _zero(frame, 250, 160, 120)  # touches the seven: one region of the two
    _seven(frame, 330, 100, 120)
    page = find_ink(frame)
    assert len(page.regions) == 2
    touching = next(index for index, region in enumerate(page.regions) if region.box[0] < 200)
    first = build_lattice(page)
    again = build_lattice(page, also_cut=frozenset({touching}), first_look=first)
    afresh = build_lattice(page, also_cut=frozenset({touching}))
    assert [(h.box, h.start, h.stop, h.image.tobytes()) for h in again.hypotheses] == [
        (h.box, h.start, h.stop, h.image.tobytes()) for h in afresh.hypotheses
    ]
    alone = [h for h in first.hypotheses if h.box[0] > 310]
    assert len(alone) == 1 and any(h.image is alone[0].image for h in again.hypotheses)  # not cropped again
    assert len(again.hypotheses) > len(first.hypotheses)  # the touching pair's strips are new


def test_every_run_of_a_squared_page_is_fitted_as_it_would_be_alone():
    """The runs' counts are made for all of them at once: each must come out as if measured alone."""
    import math

    from runtime import preprocess

    def alone(labels, box, label, small, horizontal, max_thickness):  # one run, measured in its own box
        x, y, w, h = (int(v) for v in box[:4])
        shape = (labels[y : y + h, x : x + w] == label).astype(np.float32)
        axis = 0 if horizontal else 1
        counts = shape.sum(axis=axis)
        own = (shape * (small[y : y + h, x : x + w] > 0)).sum(axis=axis)
        thickness = 2 * float(np.median(own[own > 0])) if own.any() else 2.0
        if thickness > max_thickness:
            return None
        positions = np.flatnonzero(counts)
        index = np.arange(shape.shape[axis], dtype=np.float32)
        middles = (shape * (index[:, None] if horizontal else index[None, :])).sum(axis=axis)[positions] / counts[positions]
        points = np.stack([positions + x, middles + y] if horizontal else [middles + x, positions + y], axis=1)
        line = tuple(float(v) for v in cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel())
        vx, vy, x0, y0 = line
        along_v, across_v, along_0, across_0 = (vx, vy, x0, y0) if horizontal else (vy, vx, y0, x0)
        slope = across_v / along_v if abs(along_v) > 1e-6 else math.inf
        span = small.shape[1] if horizontal else small.shape[0]
        return (w if horizontal else h, across_0 + (span / 2 - along_0) * slope, slope, line, thickness)

    small = np.zeros((160, 240), np.uint8)
    for offset in range(5, 150, 16):  # tilted lines, some thicker, a thick bar among them
        cv2.line(small, (0, offset), (239, offset + 4), 255, 1 + (offset % 3 == 0) + 8 * (offset == 85))
    cv2.line(small, (100, 152), (180, 150), 255, 1)  # a short piece
    for horizontal in (True, False):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
        chosen = np.arange(1, count)
        expected = [alone(labels, stats[label], label, small, horizontal, 12.0) for label in chosen]
        assert preprocess._fit_pieces(labels, stats, chosen, small, horizontal, 12.0) == expected
        if horizontal:  # the lines are fitted, the thick bar is not (upright, nothing here is thin)
            assert any(piece is None for piece in expected) and sum(piece is not None for piece in expected) >= 8


def test_a_pale_upright_stroke_on_ruled_paper_is_a_one_not_the_ruling():
    frame = _paper(640, 480)
    _ruled(frame, spacing=24, ink=150)  # level lines only
    cv2.line(frame, (322, 150), (316, 260), 150, 2)  # a "1" in a pen as pale and fine as the ruling
    candidates = find_digits(cv2.GaussianBlur(frame, (0, 0), 0.8))
    assert len(candidates) == 1, [candidate.box for candidate in candidates]
    x, y, w, h = candidates[0].box
    assert 312 <= x <= 316 and w <= 14 and h >= 100, candidates[0].box


def test_a_fine_pen_as_dark_as_squared_papers_lines_keeps_most_of_its_strokes():
    frame = _paper(640, 480)
    _ruled(frame, spacing=26, ink=150, squared=True)
    seven = np.zeros_like(frame)  # a "7" in a fine pen, a little darker than the lines
    cv2.line(seven, (290, 170), (350, 172), 255, 2)
    cv2.line(seven, (350, 172), (305, 310), 255, 2)
    frame[seven > 0] = 130
    noisy = cv2.GaussianBlur(frame, (0, 0), 1.0) + np.random.default_rng(0).normal(0, 4, frame.shape)
    page = find_ink(np.clip(noisy, 0, 255).astype(np.uint8))
    kept = np.zeros_like(frame)
    for region in page.regions:
        x, y, w, h = region.box
        kept[y : y + h, x : x + w][region.mask] = 255
    # Removing the lines cuts the strokes into short pieces; each piece's ink and the paper-grey
    # rim its outline adds must not make it look like a solid blob (it did: 35–49% kept).
    share = np.count_nonzero(cv2.dilate(kept, np.ones((3, 3), np.uint8))[seven > 0]) / np.count_nonzero(seven)
    assert share >= 0.6, share


def test_a_marker_is_read_closer_to_mnist_pen_width(monkeypatch):
    from runtime import preprocess
    from runtime.preprocess import mnist_style

    def pen_width(image):
        mask = (image >= 128).astype(np.uint8)
        return 2 * mask.sum() / max(1, (mask & ~cv2.erode(mask, np.ones((3, 3), np.uint8))).sum())

    marker = np.zeros((140, 100), np.uint8)
    cv2.ellipse(marker, (50, 70), (36, 58), 0, 0, 360, 255, 30)  # a "0" in a fat marker, twice MNIST's pen
    image = mnist_style(marker)
    monkeypatch.setattr(preprocess, "_THICK_PEN", float("inf"))  # the marker as it was drawn
    plain = mnist_style(marker)
    assert pen_width(image) <= 0.8 * pen_width(plain), (pen_width(image), pen_width(plain))
    assert image[14, 14] < 64, "the loop stays open"


def test_two_touching_digits_are_cut_into_strips_the_model_can_join():
    frame = _paper()
    _seven(frame, 150, 100, 120)
    _zero(frame, 250, 160, 120)  # the zero's top left touches the end of the seven's bar
    page = find_ink(frame)
    assert len(page.regions) == 1
    lattice = build_lattice(page, also_cut=frozenset({0}))  # the second look, after an unsure whole reading
    assert len(lattice.clusters[0]) >= 4  # strips: each digit is a run of them
    boxes = [h.box for h in lattice.hypotheses]
    assert any(abs(box[0] - 147) <= 4 and box[0] + box[2] <= 235 for box in boxes), boxes
    assert any(box[0] >= 200 and box[0] + box[2] >= 285 for box in boxes), boxes


def test_a_narrow_region_the_model_doubted_is_not_cut_lengthwise():
    frame = _paper()
    # A thick "1" with a long flag: about half as wide as it is tall, one digit written oddly.
    cv2.line(frame, (250, 100), (250, 220), 30, 10)
    cv2.line(frame, (250, 100), (190, 140), 30, 10)
    page = find_ink(frame)
    assert len(page.regions) == 1
    x, y, w, h = page.regions[0].box
    assert 0.45 < w / h < 0.6, (w, h)
    second_look = build_lattice(page, also_cut=frozenset({0}))  # after an unsure whole reading
    assert len(second_look.clusters[0]) == 1, [piece.box for piece in second_look.clusters[0]]


def test_squared_lines_through_a_digit_are_removed_even_where_the_digit_cuts_them():
    frame = _paper()
    _ruled(frame, spacing=26, ink=170, squared=True)  # each line crossing the zero is cut in two by it
    _zero(frame, 240, 160, 130, ink=40, thickness=8)
    page = find_ink(cv2.GaussianBlur(frame, (0, 0), 1.0))
    assert len(page.regions) == 1, [region.box for region in page.regions]
    x, y, w, h = page.regions[0].box
    assert abs(x - 196) <= 4 and abs(y - 91) <= 4 and w <= 96 and h <= 146, page.regions[0].box


def test_the_dark_rim_where_the_page_meets_the_desk_is_not_a_one():
    frame = _paper()
    frame[:, 400:] = 160  # a grey table, right of the page's edge
    cv2.line(frame, (399, 80), (399, 230), 120, 3)  # the page's shadowed rim along part of it
    frame = cv2.GaussianBlur(frame, (0, 0), 1.5)
    assert find_digits(frame) == []
    assert build_lattice(find_ink(frame)).hypotheses == ()
    stroke = _paper()
    cv2.line(stroke, (300, 80), (300, 230), 40, 3)  # the same line on paper is a "1"
    assert len(find_digits(cv2.GaussianBlur(stroke, (0, 0), 1.5))) == 1


def test_a_pen_stroke_along_a_pale_ruled_line_is_kept():
    frame = _paper()
    _ruled(frame, spacing=26, ink=185)  # pale ruling; the line at y ≈ 86 + x / 160
    _seven(frame, 200, 87, 120, ink=30)  # its bar drawn along that line
    found = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
    assert len(found) == 1
    x, y, w, h = found[0].box
    assert abs(y - 87) <= 5 and h >= 115 and w >= 65, found[0].box



def test_a_ruled_line_hidden_by_a_row_of_digits_is_found_where_the_ruling_spacing_puts_one():
    from runtime.preprocess import _ruled_lines

    span = 320  # half-resolution pixels across

    def piece(extent, offset, thickness=6.0):  # (extent, offset, slope, fitted line, thickness)
        return (extent, offset, 0.0, (1.0, 0.0, 0.0, offset), thickness)

    whole = [piece(300, offset) for offset in (10, 23, 36, 49)]  # lines found alone, 13 apart
    # What is left of a line through a row of digits: short pieces, thickened where strokes touch.
    hidden = [piece(30, 75.5, thickness=11.0), piece(25, 75.0), piece(20, 76.0)]
    off_step = [piece(30, 68.0), piece(25, 68.5)]  # as much ink, between two of the ruling's lines
    found = _ruled_lines(whole + hidden + off_step, span, horizontal=True)
    assert {round(seg[1], 1) for seg in found} == {10, 23, 36, 49, 75.5, 75.0, 76.0}
    assert max(seg[4] for seg in found) == 6.0  # drawn as thick as the ruling, not as the strokes
    assert _ruled_lines(whole[:2] + hidden, span, horizontal=True) == whole[:2]  # two lines set no spacing


def test_a_hidden_line_far_from_the_first_one_found_is_still_in_step():
    from runtime.preprocess import _ruled_lines

    span, step = 320, 10.75  # ruling 10.75 half-resolution pixels apart: the median gap says 11

    def piece(extent, offset):
        return (extent, offset, 0.0, (1.0, 0.0, 0.0, offset), 6.0)

    # Lines 0–15 and 19–20 found alone (whole pixels), 16–18 hidden by a row of thick digits.
    whole = [piece(300, float(round(7 + k * step))) for k in [*range(16), 19, 20]]
    hidden = [piece(28, 7 + k * step) for k in (16, 17, 18) for _ in range(2)]
    found = _ruled_lines(whole + hidden, span, horizontal=True)
    assert len(found) == len(whole) + len(hidden)


def test_a_row_of_digits_on_a_line_of_squared_paper_stays_six_regions():
    frame = _paper(width=640, height=360)
    _ruled(frame, spacing=26, ink=120, squared=True)  # as dark as a pencil's strokes
    # Six digits side by side on one of its lines: what is left of that line between them is
    # short pieces, none a ruling's length alone, yet they would join the row into one region.
    for index in range(6):  # each between two upright lines (one along a zero's side would take it)
        _zero(frame, 70 + 104 * index, 190, 90, ink=110, thickness=6)
    page = find_ink(cv2.GaussianBlur(frame, (0, 0), 1.0))
    widths = sorted(region.box[2] for region in page.regions)
    assert len(page.regions) == 6 and widths[-1] <= 70, [region.box for region in page.regions]


def test_a_fine_pen_digit_in_a_shadow_is_not_taken_for_a_solid_blob():
    frame = _paper(width=480, height=320).astype(np.float32)
    shade = np.ones_like(frame)
    shade[:, :200] = 0.5  # a hand's shadow over the left of the page, its edge soft
    frame = frame * cv2.GaussianBlur(shade, (0, 0), 25)
    digit = np.zeros_like(frame)
    cv2.ellipse(digit, (120, 170), (22, 40), 0, 0, 360, 1.0, 1)  # a "0" in a fine pen, blurred
    frame = frame * (1 - 0.65 * cv2.GaussianBlur(digit, (0, 0), 0.8))
    found = find_digits(np.clip(frame, 0, 255).astype(np.uint8))
    assert len(found) == 1
    x, y, w, h = found[0].box
    assert abs(x - 98) <= 5 and abs(y - 130) <= 5, found[0].box


def test_a_tilted_page_rim_in_pieces_beside_a_grey_desk_is_not_ones():
    frame = _paper(width=480, height=320)
    edge = np.array([[420, 0], [480, 0], [480, 320], [440, 320]], np.int32)  # tilted by 20 in 320
    cv2.fillPoly(frame, [edge], 120)  # a grey table, darker than the page but no dark wood
    for top in range(10, 300, 75):  # the page's rim, shadowed in pieces along the edge
        cv2.line(frame, (420 + top // 16, top), (420 + (top + 55) // 16, top + 55), 95, 4)
    frame = cv2.GaussianBlur(frame, (0, 0), 1.2)
    assert find_digits(frame) == []
    stroke = _paper()
    cv2.line(stroke, (300, 80), (306, 180), 95, 4)  # the same piece on paper is a "1"
    assert len(find_digits(cv2.GaussianBlur(stroke, (0, 0), 1.2))) == 1


def test_squared_paper_blurred_across_its_upright_lines_gives_no_candidate():
    for length in (7, 9, 11):
        frame = _paper()
        _ruled(frame, spacing=26, ink=90, squared=True)
        # The camera moved sideways: each upright line smears into a pale band wider than ruling.
        frame = cv2.GaussianBlur(cv2.filter2D(frame, -1, np.full((1, length), 1 / length, np.float32)), (0, 0), 1.0)
        assert find_digits(frame) == [], length
        assert build_lattice(find_ink(frame)).hypotheses == ()


def test_two_arcs_that_share_much_of_their_width_are_read_as_one_broken_digit():
    frame = _paper()
    # A "0" written in two strokes that do not meet: a left arc, and a right arc a little
    # higher and to the right; their boxes share 40% of a width (neighbours share far less).
    cv2.ellipse(frame, (220, 160), (30, 50), 0, 50, 310, 30, 6)
    cv2.ellipse(frame, (244, 130), (30, 50), 0, -130, 130, 30, 6)
    lattice = build_lattice(find_ink(frame))
    assert len(lattice.clusters) == 1 and len(lattice.clusters[0]) == 2
    joined = next(i for i, h in enumerate(lattice.hypotheses) if h.stop - h.start == 2)
    # The model is sure of each arc alone (as a "6" and a "7"), less sure of the two as a "0".
    probabilities = np.zeros((len(lattice.hypotheses), 10), np.float32)
    for i, h in enumerate(lattice.hypotheses):
        probabilities[i, 0 if i == joined else (6 if h.start == 0 else 7)] = 0.85 if i == joined else 0.98
    chosen, _ = lattice.best(probabilities, 0.5)
    assert [label for _, label, _ in chosen] == [0]


def test_cutting_a_region_the_model_doubted_whole_costs_less_than_cutting_one_it_was_sure_of():
    import dataclasses

    frame = _paper()
    _zero(frame, 180, 160, 120)
    _zero(frame, 250, 160, 120)
    second_look = build_lattice(find_ink(frame), also_cut=frozenset({0}))
    assert second_look.cut_when_unsure == frozenset({0})
    as_if_sure = dataclasses.replace(second_look, cut_when_unsure=frozenset())
    whole = [i for i, h in enumerate(second_look.hypotheses) if h.stop - h.start == len(second_look.clusters[0])]
    half = second_look.clusters[0][0].box[0] + second_look.hypotheses[whole[0]].box[2] // 2
    # The whole read as an 8 at 0.65, each half as a 0 at 0.95: two digits are likelier than one
    # only if the cut costs less than log(0.95² / 0.65) ≈ 0.33 (the doubted region's cost, 0.25).
    probabilities = np.full((len(second_look.hypotheses), 10), 0.01, np.float32)
    probabilities[whole[0]] = 0.35 / 9
    probabilities[whole[0], 8] = 0.65
    for i, h in enumerate(second_look.hypotheses):
        if i != whole[0] and (h.box[0] + h.box[2] <= half + 8 or h.box[0] >= half - 8):
            probabilities[i] = 0.05 / 9
            probabilities[i, 0] = 0.95
    doubted, _ = second_look.best(probabilities, 0.5)
    sure, _ = as_if_sure.best(probabilities, 0.5)
    assert [label for _, label, _ in doubted] == [0, 0]
    assert [label for _, label, _ in sure] == [8]


def test_a_page_held_up_before_a_room_gives_its_digit_and_nothing_for_its_edges():
    rng = np.random.default_rng(1)
    for room in (60, 120, 250):  # a dark room (it hid the digit: the band beside the page looked like ink), grey, a window
        frame = _room(rng, room, room)
        page = cv2.boxPoints(((330, 235), (520, 380), 4.0)).astype(np.int32)  # 80% of the frame, turned 4°
        cv2.fillPoly(frame, [page], 205)
        assert find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0)) == [], room
        _seven(frame, 300, 180, 110)
        found = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
        assert len(found) == 1, (room, [candidate.box for candidate in found])
        x, y, w, h = found[0].box
        assert abs(x - 300) <= 6 and abs(y - 180) <= 6 and h >= 100, (room, found[0].box)


def test_a_page_barely_darker_or_brighter_than_its_room_gives_nothing_for_its_edges():
    rng = np.random.default_rng(3)
    # The room is darker than the page on the left and brighter on the right: along the top and
    # bottom edges the step fades to nothing and changes sign (it was ink along the rims and corners).
    frame = _room(rng, 150, 240)
    page = cv2.boxPoints(((325, 240), (540, 400), -3.0)).astype(np.int32)
    cv2.fillPoly(frame, [page], 200)
    assert find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0)) == []
    _seven(frame, 90, 150, 100)  # whole, near the page's left edge
    found = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
    assert len(found) == 1, [candidate.box for candidate in found]
    x, y, w, h = found[0].box
    assert abs(x - 90) <= 6 and abs(y - 150) <= 6 and h >= 95, found[0].box


def test_a_digit_close_to_a_page_held_before_a_dark_room_keeps_its_top_bar():
    rng = np.random.default_rng(4)
    for room in (40, 60):
        for gap in (4, 8):  # pixels from the page's top edge to the "7"'s bar
            frame = _room(rng, room, room)
            frame[40:440, 70:590] = 205
            _seven(frame, 200, 40 + gap + 3, 100)  # the bar's 6-pixel stroke starts 3 pixels above its line
            found = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
            assert len(found) == 1, (room, gap, [candidate.box for candidate in found])
            x, y, w, h = found[0].box
            # (a band a whole small pixel wide along the edge took the bar away: the box began at the stem)
            assert abs(x - 197) <= 4 and abs(y - 40 - gap) <= 5 and w >= 65 and h >= 100, (room, gap, found[0].box)


def test_a_digit_near_the_top_of_a_page_nearly_filling_the_frame_is_read():
    rng = np.random.default_rng(4)
    for strip in (6, 10, 14):
        # The room shows only as a strip along the frame's top, narrower than the paper's closing
        # kernel (it was closed away like a stroke, and the digit touching its band of ink was lost).
        frame = _room(rng, 60, 60)
        frame[strip:, 12:628] = 205
        _seven(frame, 300, strip + 6, 100)  # the bar 3 pixels below the page's edge
        found = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
        assert len(found) == 1, (strip, [candidate.box for candidate in found])
        x, y, w, h = found[0].box
        assert abs(x - 297) <= 4 and abs(y - strip - 3) <= 6 and w >= 65 and h >= 100, (strip, found[0].box)


def test_a_markers_blob_and_a_shadows_edge_are_not_a_pages_edge_but_a_page_is():
    from runtime.preprocess import _page_edges

    paper = np.full((60, 80), 200, np.uint8)
    blob = paper.copy()
    blob[18:46, 40:52] = 90  # a thick marker's stroke the closing leaves (8 frame pixels to one here)
    assert _page_edges(blob) == []
    shadow = paper.astype(np.float32)
    shadow[:, :30] *= 0.6
    assert _page_edges(cv2.GaussianBlur(shadow, (0, 0), 2.0).astype(np.uint8)) == []
    for room, brighter in ((90, False), (250, True)):
        held = paper.copy()
        held[:, :8] = room  # the room to the left of the page
        edges = _page_edges(held)
        assert edges and all(room_brighter == brighter for _, room_brighter in edges), room
        for edge, _ in edges:  # upright, halfway between the last room and the first page pixel, facing the page
            assert abs(edge.direction[0]) < 0.02 and abs(edge.start[0] - 7.5) < 0.3 and edge.normal[0] > 0.99, edge


def test_a_page_off_the_centre_of_a_photo_beside_a_desk_is_still_read():
    rng = np.random.default_rng(2)
    for desk, paper in ((60, 205), (120, 205), (250, 160)):  # darker desks, and a white one beside grey paper
        for right in (250, 340):  # the page fills the frame's left, out of it at the top, bottom and left
            frame = _room(rng, desk, desk)
            frame[:, :right] = paper
            _seven(frame, 100, 180, 100)
            # (the desk holds the centre: taken for the page, it had the real page cut away)
            found = find_digits(cv2.GaussianBlur(frame, (0, 0), 1.0))
            assert len(found) == 1, (desk, right, [candidate.box for candidate in found])
            x, y, w, h = found[0].box
            assert abs(x - 97) <= 4 and abs(y - 177) <= 4 and h >= 100, (desk, right, found[0].box)


def test_a_line_between_two_grounds_is_an_edge_unless_it_is_darker_than_both():
    from runtime.preprocess import _along_an_edge

    def line_between(left: int, line: int, right: int) -> bool:
        gray = np.full((120, 60), left, np.uint8)
        gray[:, 30:] = right
        gray[10:110, 27:33] = line  # a thin upright line, 6 pixels wide, along where they meet
        occupied = np.zeros_like(gray)
        occupied[10:110, 27:33] = 255
        return _along_an_edge(gray, occupied, np.ones((100, 6), bool), 27, 10, 6, 100)

    assert line_between(205, 120, 150)  # a page's dark rim beside a desk: a step of over 25%
    # A page before a room about as bright (a step of 17%): the false ink there is no darker than the room ...
    assert line_between(205, 168, 170) and line_between(170, 171, 205)
    # ... but a pen's stroke is, on paper of any brightness or at a shadow's edge.
    assert not line_between(205, 120, 170) and not line_between(205, 60, 205)
    assert not line_between(205, 168, 195)  # grounds within 8%: no step to speak of, a faint stroke
