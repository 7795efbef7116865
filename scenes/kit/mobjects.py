"""Mobjects that take arrays from a Trace and show them honestly.

Every colour, width and number here is computed from the values passed in; nothing is invented.
Numbers are plain `Text` made once (never live `DecimalNumber`s): cheap to render.
"""
from __future__ import annotations

import functools
import hashlib
import sys
import unicodedata
from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    Line,
    Rectangle,
    RoundedRectangle,
    Square,
    Text,
    VGroup,
    VMobject,
    config,
    smooth,
    there_and_back,
)

from scenes.kit.claims import check_words, percent
from scenes.kit.layout import GHOST_OPACITY, TEXT_MARGIN, min_digit_height, slot_xs
from scenes.kit.theme import current, text_on, value_to_color, weight_to_color

FONT = "DejaVu Sans"
LRM = "\u200e"  # LEFT-TO-RIGHT MARK: draws nothing, sets the paragraph's direction


def shapeable(text: str) -> str:
    """`text` as Manim's Text can draw it whatever its script.

    Pango shapes any Unicode text (Arabic joins its letters, Devanagari forms conjuncts, marks
    combine), so glyphs are not characters and are never indexed by character here. But a text that
    starts right-to-left (Arabic, Hebrew) makes a right-to-left paragraph, which Pango aligns to the
    right edge of Manim's 1920-pixel layout, beyond the SVG page: every glyph is cut off and the
    Text comes out empty. A left-to-right mark in front keeps the paragraph left-aligned; the
    right-to-left words inside it are still laid out right to left."""
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return LRM + text
    return text


_WARNED: set[str] = set()


def warn_missing_glyphs(text: str) -> None:
    """Once per script per process: say on stderr which script no installed font draws (Pango would
    draw empty boxes) and the Debian package to install; the CLI says it before rendering too."""
    from model import fonts
    for line in fonts.warnings([text], "words drawn"):
        script = line.split(", which", 1)[0]
        if script not in _WARNED:
            _WARNED.add(script)
            print(f"warning: {line}", file=sys.stderr)


class KitText(Text):
    """Manim's Text whose cached SVG also depends on which of its characters no installed font has:
    Manim names the SVG by text and style alone, so words drawn as empty boxes before their font
    was installed would be reused as boxes ever after. A text every font draws keeps Manim's name."""

    def _text2hash(self, color) -> str:
        digest = super()._text2hash(color)
        from model import fonts
        missing = fonts.uncovered(self.text) if not self.text.isascii() else ""
        return hashlib.sha256(f"{digest}\0{missing}".encode()).hexdigest()[:16] if missing else digest


def label(text: str, size: float = 24, color: str | None = None, weight: str = "NORMAL") -> Text:
    """Text in the kit's font and the theme's text colour (any script: `shapeable`)."""
    if not text.isascii():
        warn_missing_glyphs(text)
    return KitText(shapeable(text), font=FONT, font_size=size, color=color or current().text, weight=weight)


class Number(KitText):
    """A number as text. Dimmed below GHOST_OPACITY (a column set to 0.3, say) it disappears instead
    of staying behind as a ghost the eye still reads; set back to full opacity it returns."""

    def set_fill(self, color=None, opacity=None, family=True):
        return super().set_fill(color, 0.0 if opacity is not None and opacity < GHOST_OPACITY else opacity, family)

    def set_stroke(self, color=None, width=None, opacity=None, background=False, family=True):
        if opacity is not None and opacity < GHOST_OPACITY:
            opacity = 0.0
        return super().set_stroke(color, width, opacity, background, family)


@functools.cache
def number_min_size() -> float:
    """The smallest font size (Manim's) whose digits pass the layout check, with 4 % to spare."""
    return 1.04 * 48 * min_digit_height() / Text("0", font=FONT, font_size=48).height


def number(text: str, size: float = 20, color: str | None = None) -> Number:
    """A number in the kit's font (see Number); the layout check wants it ≥ a 20 px font at 1080p."""
    return Number(text, font=FONT, font_size=size, color=color or current().text)


class Word(KitText):
    """Text that knows its baseline, so a row of words lines up like printed text
    (centring each word would make "the" and "european" jump up and down). Any script Pango draws:
    its glyphs are whatever shaping made of the characters (fewer for joined Arabic letters, more
    or fewer for Devanagari conjuncts and marks), never one per character."""

    def __init__(self, text: str, font_size: float = 26, color: str | None = None):
        if not text.isascii():
            warn_missing_glyphs(text)
        super().__init__(shapeable(text) + "x", font=FONT, font_size=font_size, color=color or current().text)
        # an 'x' sits exactly on the baseline; the paragraph runs left to right (`shapeable`), so it
        # is the rightmost glyph, whatever order the glyphs of a right-to-left word come in
        marker = max(self.submobjects, key=lambda glyph: glyph.get_center()[0])
        self.remove(marker)
        self._below = (marker.get_bottom()[1] - self.get_bottom()[1]) / max(self.height, 1e-6)

    def baseline(self) -> float:
        return self.get_bottom()[1] + self._below * self.height

    def put_on_baseline(self, x: float, y: float) -> Word:
        self.set_x(x)
        self.shift((y - self.baseline()) * UP)
        return self


def fit_width(mob: VMobject, width: float) -> VMobject:
    if mob.width > width:
        mob.scale_to_fit_width(width)
    return mob


class TokenRow(VGroup):
    """Words in evenly spaced slots (shared with columns above them), on one baseline, all in one
    type size (`font_size`): the largest, up to the one asked for, at which the sentence's widest
    word fits its slot, so "the" never stands larger than "european".

    When words are too wide for their slots and `stagger` is on, every other word drops to a
    second line so each can use two slots of width; otherwise the whole row's type shrinks.
    """

    def __init__(self, tokens: Sequence[str], color: str | None = None, width: float | None = None,
                 max_step: float = 1.6, font_size: float = 26, center: float = 0.0, stagger: bool = False,
                 stagger_gap: float = 0.4):
        super().__init__()
        self.tokens = list(tokens)
        self.xs = slot_xs(len(tokens), width, max_step, center)
        step = self.xs[1] - self.xs[0] if len(self.xs) > 1 else max_step
        words = [Word(tok, font_size, color) for tok in self.tokens]
        widest = max(w.width for w in words)
        self.staggered = stagger and widest > 1.15 * 0.86 * step  # shrink a little first
        room = (1.8 if self.staggered else 0.86) * step
        # one type size for the whole sentence: the word with the least room for its width sets it
        # (a word at either end also keeps TEXT_MARGIN from the frame's edge); all are scaled alike
        edge = config.frame_width / 2 - TEXT_MARGIN - 0.02
        rooms = [min(room, 2 * (edge - abs(x))) for x in self.xs]
        self.font_size = font_size * min(1.0, *(r / w.width for r, w in zip(rooms, words)))
        for k, (word, x) in enumerate(zip(words, self.xs)):
            y = -stagger_gap if self.staggered and k % 2 else 0.0
            self.add(word.scale(self.font_size / font_size).put_on_baseline(x, y))


class StateColumn(VGroup):
    """A hidden state as a column of cells coloured by value (one fixed scale per trace).

    When only some dimensions fit, `dims` picks them; a "⋮" cell and a caption say how many are
    hidden. With `numbers`, each cell also prints its value.
    """

    def __init__(self, values: np.ndarray, vmax: float, dims: np.ndarray | None = None,
                 cell: float = 0.26, numbers: bool = False, cell_width: float | None = None,
                 outline: str | None = None, show_hidden_count: bool = True):
        super().__init__()
        values = np.asarray(values, dtype=float)
        dims = np.arange(len(values)) if dims is None else np.asarray(dims)
        self.values, self.dims, self.vmax = values, dims, vmax
        width = cell_width or (0.78 if numbers else cell)
        th = current()
        self.cells = VGroup()
        for k, d in enumerate(dims):
            rect = Rectangle(width=width, height=cell, stroke_width=1, stroke_color=th.background,
                             fill_color=value_to_color(values[d], vmax), fill_opacity=1)
            rect.move_to([0, -k * cell, 0])
            self.cells.add(rect)
        self.add(self.cells)
        self.numbers = VGroup()
        if numbers:
            for rect, d in zip(self.cells, dims):
                num = fit_width(number(f"{values[d]:+.2f}", max(cell * 58, number_min_size()), text_on(rect.get_fill_color())),
                                width * 0.9)
                num.move_to(rect)
                self.numbers.add(num)
            self.add(self.numbers)
        self.hidden = len(values) - len(dims)
        self.note = VGroup()
        if self.hidden > 0:
            dots = label("⋮", cell * 70, th.muted).next_to(self.cells, DOWN, buff=0.04)
            self.note.add(dots)
            if show_hidden_count:
                self.note.add(label(f"+{self.hidden} dims", cell * 44, th.muted).next_to(dots, DOWN, buff=0.03))
            self.add(self.note)
        if outline:
            self.frame = RoundedRectangle(corner_radius=0.06, width=width + 0.1, height=self.cells.height + 0.1,
                                          stroke_color=outline, stroke_width=2.5).move_to(self.cells)
            self.add(self.frame)

    def cell_colors(self) -> list[str]:
        return [c.get_fill_color().to_hex() for c in self.cells]


class RNNCell(VGroup):
    """The recurrent unit as a box; `kind` names it (GRU, LSTM)."""

    def __init__(self, kind: str = "GRU", width: float = 0.9, height: float = 0.55, color: str | None = None):
        super().__init__()
        th = current()
        self.box = RoundedRectangle(corner_radius=0.1, width=width, height=height,
                                    stroke_color=color or th.encoder, stroke_width=2.5,
                                    fill_color=th.panel, fill_opacity=1)
        self.text = fit_width(label(kind, 20, th.text), width * 0.85).move_to(self.box)
        self.add(self.box, self.text)

    def pulse(self, color: str, scale: float = 1.12):
        """The box swells with a thick outline in `color` and settles back; its name stays readable
        (Indicate would paint the name in the fill's colour)."""
        return self.box.animate(rate_func=there_and_back).scale(scale).set_stroke(color=color, width=6)


class AlphaFan(VGroup):
    """Lines from one decoder state to every encoder state: width and opacity grow with α."""

    MAX_WIDTH = 14.0

    def __init__(self, origin: np.ndarray, targets: Sequence[np.ndarray], alphas: np.ndarray,
                 labels: bool = True, label_size: float = 20, min_label: float = 0.0,
                 label_points: Sequence[np.ndarray] | None = None, min_width: float = 0.6,
                 min_opacity: float = 0.18):
        """Percent labels sit at `label_points` (default: just above each target); those under
        `min_label` are left out. `min_width`/`min_opacity` keep the smallest weights' lines visible."""
        super().__init__()
        th = current()
        self.alphas = np.asarray(alphas, dtype=float)
        self.lines = VGroup()
        self.labels = VGroup()
        label_points = label_points if label_points is not None else [t + 0.2 * UP for t in targets]
        for target, a, spot in zip(targets, self.alphas, label_points):
            line = Line(origin, target, stroke_color=th.alpha,
                        stroke_width=min_width + self.MAX_WIDTH * a,
                        stroke_opacity=min_opacity + (1 - min_opacity) * a)
            self.lines.add(line)
            if labels and a >= min_label:
                tag = number(percent(a), label_size, th.alpha if a >= 0.1 else th.muted)
                self.labels.add(tag.move_to(spot))
        self.add(self.lines, self.labels)


class Heatmap(VGroup):
    """α as a grid: a row per output word, a column per source word; strongest cells labelled."""

    def __init__(self, matrix: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
                 cell: float = 0.5, values: bool | None = None, font_size: float = 22):
        super().__init__()
        th = current()
        self.matrix = np.asarray(matrix, dtype=float)
        rows, cols = self.matrix.shape
        values = cell >= 0.42 if values is None else values
        self.cells = VGroup()
        self.values = VGroup()
        self._row_values = [VGroup() for _ in range(rows)]
        for i in range(rows):
            for j in range(cols):
                sq = Square(side_length=cell, stroke_width=1, stroke_color=th.background,
                            fill_color=weight_to_color(self.matrix[i, j]), fill_opacity=1)
                sq.move_to([j * cell, -i * cell, 0])
                self.cells.add(sq)
                if values and self.matrix[i, j] >= 0.005:  # what percent() rounds to 1% or more, as elsewhere
                    num = fit_width(number(percent(self.matrix[i, j]).rstrip("%"), cell * 30,
                                          text_on(sq.get_fill_color())), cell * 0.9)
                    self.values.add(num.move_to(sq))
                    self._row_values[i].add(num)
        size = min(font_size, cell * 48)
        self.col_labels = VGroup(*[fit_width(label(t, size, th.source), 2.6) for t in col_labels])
        slanted = max(lab.width for lab in self.col_labels) > 0.95 * cell
        for j, lab in enumerate(self.col_labels):
            if slanted:  # too wide to stand side by side: stand them up, as in Bahdanau et al.'s figures
                lab.rotate(np.pi / 2)
                lab.next_to(self.cells[j], UP, buff=0.08)
            else:
                lab.next_to(self.cells[j], UP, buff=0.1)
        self.row_labels = VGroup(*[fit_width(label(t, size, th.target), 2.6) for t in row_labels])
        for i, lab in enumerate(self.row_labels):
            lab.next_to(self.cells[i * cols], LEFT, buff=0.12)
        self.add(self.cells, self.values, self.col_labels, self.row_labels)

    def cell(self, i: int, j: int) -> Square:
        return self.cells[i * self.matrix.shape[1] + j]

    def row(self, i: int) -> VGroup:
        cols = self.matrix.shape[1]
        return VGroup(*self.cells[i * cols:(i + 1) * cols], self.row_labels[i], *self._row_values[i])


class SlotBars(VGroup):
    """One bar per slot (word), standing on a common base: height ∝ value (≥ 0), width a share of
    the slot spacing `step`. Used for α, a word's pull on the context, a forget-gate product."""

    def __init__(self, values: Sequence[float], xs: Sequence[float], step: float, base_y: float, scale: float,
                 color: str, width_ratio: float = 0.55, min_height: float = 0.02):
        super().__init__()
        for value, x in zip(values, xs):
            bar = Rectangle(width=width_ratio * step, height=max(min_height, scale * float(value)), stroke_width=0,
                            fill_color=color, fill_opacity=1)
            self.add(bar.move_to([x, base_y + bar.height / 2, 0]))


class ProbabilityBars(VGroup):
    """The top-k next-word probabilities as horizontal bars, the chosen word first."""

    def __init__(self, tokens: Sequence[str], probs: np.ndarray, width: float = 3.0, bar_height: float = 0.3,
                 font_size: float = 22):
        super().__init__()
        th = current()
        self.probs = np.asarray(probs, dtype=float)
        for k, (tok, p) in enumerate(zip(tokens, self.probs)):
            name = fit_width(label(tok, font_size, th.target), 1.6)
            bar = Rectangle(width=max(width * p, 0.02), height=bar_height, stroke_width=0,
                            fill_color=th.target if k == 0 else th.muted, fill_opacity=1)
            value = label(percent(p), font_size * 0.9, th.text)
            y = -k * (bar_height + 0.12)
            bar.move_to([bar.width / 2, y, 0])
            name.move_to([-0.15 - name.width / 2, y, 0])
            value.next_to(bar, RIGHT, buff=0.1)
            self.add(VGroup(name, bar, value))

    @property
    def bars(self) -> list[Rectangle]:
        return [row[1] for row in self]


class WordFlow(VGroup):
    """Words laid out like text, wrapping at `width`; each word can have its own colour. With
    `max_lines`, words that would need more lines are left out and a muted "… +N words" ends the
    last line instead: `words` holds the words shown, `hidden` counts the others, `more` is the tail."""

    def __init__(self, words: Sequence[str], colors: Sequence[str] | None = None, width: float = 11.0,
                 font_size: float = 26, line_gap: float = 0.16, max_lines: int | None = None):
        super().__init__()
        th = current()
        colors = list(colors) if colors is not None else [th.text] * len(words)
        line_h = Word("Ag", font_size).height
        space = 0.16 * font_size / 26
        mobs = [Word(word, font_size, color) for word, color in zip(words, colors)]
        gaps = [0.02 if word.endswith("'") else space for word in words]
        keep, self.more = len(mobs), None
        if max_lines is not None and self._lines([m.width for m in mobs], gaps, width) > max_lines:
            while keep > 0:
                keep -= 1
                self.more = Word(f"… +{len(mobs) - keep} words", 0.8 * font_size, th.muted)
                if self._lines([m.width for m in mobs[:keep]] + [self.more.width], [*gaps[:keep], 0.0], width) <= max_lines:
                    break
        self.words = VGroup(*mobs[:keep])
        self.hidden = len(mobs) - keep
        x, y = 0.0, 0.0
        for mob, gap in zip([*mobs[:keep], *([self.more] if self.more else [])], [*gaps[:keep], 0.0]):
            if x > 0 and x + mob.width > width:
                x, y = 0.0, y - line_h - line_gap
            self.add(mob.put_on_baseline(x + mob.width / 2, y))
            x += mob.width + gap

    @staticmethod
    def _lines(widths: Sequence[float], gaps: Sequence[float], width: float) -> int:
        lines, x = 1, 0.0
        for w, gap in zip(widths, gaps):
            if x > 0 and x + w > width:
                lines, x = lines + 1, 0.0
            x += w + gap
        return lines


def mark_differences(reference: Sequence[str], output: Sequence[str]) -> list[bool]:
    """For each output word: is it right? (an LCS alignment with the reference: scenes.kit.claims)"""
    return list(check_words(reference, output).ok)


def wrong_in_red(reference: Sequence[str] | None, output: Sequence[str], color: str) -> list[str]:
    """`color` for each output word, the theme's `wrong` for the words the reference shows wrong
    (nothing is marked when no reference is known; <eos> is never a word)."""
    words = [w for w in output if w != "<eos>"]
    ok = iter(mark_differences(reference, words) if reference else [True] * len(words))
    return [color if w == "<eos>" or next(ok) else current().wrong for w in output]


class WeightColumn(VGroup):
    """Values in [0, 1] (gate activations) as a column of cells, bright where open, with an
    optional one-letter caption beneath. `dims` picks which entries to show, as in StateColumn."""

    def __init__(self, values: np.ndarray, dims: np.ndarray | None = None, cell: float = 0.2,
                 width: float = 0.22, color: str | None = None, caption: str = ""):
        super().__init__()
        values = np.asarray(values, dtype=float)
        dims = np.arange(len(values)) if dims is None else np.asarray(dims)
        th = current()
        self.values = values[dims]
        self.cells = VGroup(*[
            Rectangle(width=width, height=cell, stroke_width=1, stroke_color=th.background,
                      fill_color=weight_to_color(v, color or th.text), fill_opacity=1).move_to([0, -k * cell, 0])
            for k, v in enumerate(self.values)])
        self.add(self.cells)
        if caption:
            self.add(fit_width(label(caption, 16, th.muted), width * 1.2).next_to(self.cells, DOWN, buff=0.06))


def fade_replace(old: VMobject, new: VMobject) -> list:
    """`old` fades out in the first half of the animation, `new` fades in in the second half.
    For numbers that change: a glyph morph (Transform) would show digits that are no number,
    and a plain cross-fade shows both numbers on top of each other."""
    return [FadeOut(old, rate_func=lambda t: smooth(min(1.0, 2 * t))),
            FadeIn(new, rate_func=lambda t: smooth(max(0.0, 2 * t - 1)))]
