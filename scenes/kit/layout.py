"""Where things go: evenly spaced slots that token rows, columns and fans all share; and the layout
check that fails a render whose text a viewer could not read (see `layout_problems`)."""
from __future__ import annotations

import re

import numpy as np
from manim import DL, UR, DecimalNumber, Line, MathTex, Text, config

FRAME_MARGIN = 0.4


def usable_width() -> float:
    return config.frame_width - 2 * FRAME_MARGIN


def slot_xs(n: int, width: float | None = None, max_step: float = 1.6, center: float = 0.0) -> np.ndarray:
    """x positions of n slots spread over `width` (default: the frame), at most `max_step` apart."""
    width = usable_width() if width is None else width
    step = min(max_step, width / max(n, 1))
    return center + (np.arange(n) - (n - 1) / 2) * step


def slot_step(n: int, width: float | None = None, max_step: float = 1.6) -> float:
    width = usable_width() if width is None else width
    return min(max_step, width / max(n, 1))


def pick_dims(states: np.ndarray, k: int) -> np.ndarray:
    """The k dimensions that vary most across the rows of `states`, in their natural order.

    Scenes that cannot show every dimension show these, and say so on screen.
    """
    if states.shape[-1] <= k:
        return np.arange(states.shape[-1])
    spread = states.reshape(-1, states.shape[-1]).std(axis=0)
    return np.sort(np.argsort(-spread, kind="stable")[:k])


# --- the layout check (CHECK_LAYOUT_ENV set to 1: the scene base runs it after every play) ---------
TEXT_MARGIN = 0.3        # no text closer than this to a frame edge (scene units; the frame is 8 tall)
TEXT_EDGE_X = 6.79       # the farthest |x| a scene places text at: half the 14.22-wide frame, less TEXT_MARGIN and 0.02
MIN_NUMBER_FONT_PX = 20  # no number set smaller than a 20 px font at 1080p
DIGIT_EM = 0.729         # DejaVu Sans: a digit is 0.729 em tall (its cap height), what the eye reads
GHOST_OPACITY = 0.5      # a number dimmed below this must be gone, not a half-readable ghost
_NUMBER = re.compile(r"^[+\-−±<>≈~]?\s*\d[\d,]*(?:\.\d+)?\s*%?$")


def inside_margin(mob, margin: float = TEXT_MARGIN + 0.02):
    """Shift `mob` horizontally (the least needed) so it keeps `margin` from the frame's sides."""
    half = config.frame_width / 2 - margin
    if mob.get_left()[0] < -half:
        mob.shift((-half - mob.get_left()[0]) * np.array([1.0, 0, 0]))
    elif mob.get_right()[0] > half:
        mob.shift((half - mob.get_right()[0]) * np.array([1.0, 0, 0]))
    return mob


def px_at_1080p(units: float) -> float:
    return units * 1080 / config.frame_height


def min_digit_height() -> float:
    """Scene units a digit needs: a 20 px font's digits are 0.729 × 20 ≈ 14.6 px tall at 1080p."""
    return MIN_NUMBER_FONT_PX * DIGIT_EM * config.frame_height / 1080


def _visible(mob) -> bool:
    return mob.has_points() and max(mob.get_fill_opacity(), mob.get_stroke_opacity()) > 0.05


def _shown(mob) -> bool:
    return any(_visible(m) for m in mob.get_family())


def is_number(mob) -> bool:
    """A DecimalNumber/Integer, or a Text/MathTex that is one number: '+0.53', '98%', '<1%', '4,380'."""
    if isinstance(mob, DecimalNumber):
        return True
    if isinstance(mob, Text):
        return bool(_NUMBER.match(mob.text.replace("\u200e", "").strip()))
    if isinstance(mob, MathTex):
        return bool(_NUMBER.match(mob.get_tex_string().replace("{,}", ",").strip()))
    return False


def number_height(mob) -> float:
    """The drawn height of a number's digits: its tallest glyph (signs, points and '<' are lower;
    '%' and the digits are one cap height), in scene units."""
    glyphs = [m for m in mob.get_family() if m.has_points() and not m.submobjects]
    return max((g.height for g in glyphs), default=mob.height)


def _name(mob, top=None) -> str:
    return repr(getattr(mob, "text", None) or getattr(top, "text", None) or type(top or mob).__name__)


def _crosses(start: np.ndarray, end: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
    """Whether the segment start→end passes through the box [lo, hi] (Liang–Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    d = end - start
    for axis in (0, 1):
        if abs(d[axis]) < 1e-9:
            if not lo[axis] <= start[axis] <= hi[axis]:
                return False
            continue
        a, b = (lo[axis] - start[axis]) / d[axis], (hi[axis] - start[axis]) / d[axis]
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
        if t0 > t1:
            return False
    return True


def layout_problems(mobjects, tolerance: float = 0.03) -> list[str]:
    """What a viewer would see as a bug: anything outside the frame, text within TEXT_MARGIN of an
    edge, text overlapping text, a number smaller than a 20 px font at 1080p, a number dimmed to a
    readable ghost, a line drawn through a number."""
    half_w, half_h = config.frame_width / 2 + tolerance, config.frame_height / 2 + tolerance
    problems: list[str] = []
    texts, numbers, lines, solids = [], [], [], []  # solids: opaque shapes, in the order they are painted
    for top in mobjects:
        for mob in top.get_family():
            if (mob.has_points() and mob.get_fill_opacity() > 0.95 and not isinstance(mob, (Line, Text, MathTex))
                    and not mob.submobjects):
                solids.append(mob)
            if isinstance(mob, (Text, MathTex, DecimalNumber)) and _shown(mob):
                texts.append(mob)
                if is_number(mob):
                    numbers.append(mob)
            if isinstance(mob, Line) and mob.get_stroke_opacity() > 0.05 and mob.get_stroke_width() > 0:
                lines.append((mob, len(solids)))
        for mob in top.get_family():
            if not _visible(mob):
                continue
            (x0, y0, _), (x1, y1, _) = mob.get_corner(DL), mob.get_corner(UR)
            if x0 < -half_w or x1 > half_w or y0 < -half_h or y1 > half_h:
                problems.append(f"off frame: {_name(mob, top)} at x {x0:.2f}..{x1:.2f}, y {y0:.2f}..{y1:.2f}")
                break
    edge_w, edge_h = half_w - TEXT_MARGIN, half_h - TEXT_MARGIN
    for t in texts:
        (x0, y0, _), (x1, y1, _) = t.get_corner(DL), t.get_corner(UR)
        if x0 < -edge_w or x1 > edge_w or y0 < -edge_h or y1 > edge_h:
            problems.append(f"near the edge (< {TEXT_MARGIN} units): {_name(t)} at x {x0:.2f}..{x1:.2f}, "
                            f"y {y0:.2f}..{y1:.2f}")
    least = min_digit_height() * 0.97  # 3 %: what font hinting changes
    for n in numbers:
        height = number_height(n)
        if height < least:
            problems.append(f"number too small: {_name(n)} is {px_at_1080p(height):.1f} px tall at 1080p "
                            f"(a {MIN_NUMBER_FONT_PX} px font's digits: {px_at_1080p(min_digit_height()):.1f} px)")
        opacity = max(m.get_fill_opacity() for m in n.get_family() if m.has_points())
        if 0.05 < opacity < GHOST_OPACITY:
            problems.append(f"ghost number: {_name(n)} dimmed to {opacity:.2f} (hide it or show it)")
    solid_boxes = [(solid.get_corner(DL)[:2], solid.get_corner(UR)[:2]) for solid in solids] if numbers and lines else []
    for n in numbers:
        lo, hi = n.get_corner(DL)[:2], n.get_corner(UR)[:2]
        inset = 0.15 * min(hi - lo)  # a line grazing a corner of the box touches no glyph
        # a line painted before an opaque shape under the number (a state's cell) is hidden by it
        backing = [k for k, (s0, s1) in enumerate(solid_boxes) if (s0 <= lo + inset).all() and (s1 >= hi - inset).all()]
        for line, painted_before in lines:
            if any(k >= painted_before for k in backing):
                continue
            if _crosses(line.get_start()[:2], line.get_end()[:2], lo + inset, hi - inset):
                problems.append(f"line through a number: {_name(n)}")
                break
    boxes = [(t, t.get_corner(DL), t.get_corner(UR)) for t in texts]
    for k, (a, a0, a1) in enumerate(boxes):
        for b, b0, b1 in boxes[k + 1:]:
            w = min(a1[0], b1[0]) - max(a0[0], b0[0])
            h = min(a1[1], b1[1]) - max(a0[1], b0[1])
            if w > 0 and h > 0 and w * h > 0.15 * min(a.width * a.height, b.width * b.height):
                problems.append(f"overlap: {_name(a)} and {_name(b)}")
    return problems
