"""Long sentences, one typography: words wrapped into rows of one font size on one slot grid.

A scene that shows a value per word (a bar, a cell, an α) puts it in the word's slot, so a word
always lines up with its value however long the sentence. Every word has the same font size (no
word shrinks alone), every row the same slot spacing (columns line up across rows), and a row
keeps a `band` of room above or below its words for the per-word values.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import VGroup

from scenes.kit.mobjects import Word

SLOT_PAD = 0.14  # room between two neighbouring words


def plan_rows(widths: Sequence[float], width: float, max_step: float, max_rows: int) -> tuple[int, float]:
    """The fewest rows (≤ max_rows) in which the widest word fits its slot: (rows, slot step).
    With `max_rows` rows and still no fit, the caller shrinks the font."""
    n = len(widths)
    need = max(widths) + SLOT_PAD
    for rows in range(1, max_rows + 1):
        per_row = math.ceil(n / rows)
        step = min(max_step, width / per_row)
        if step >= need:
            return rows, step
    per_row = math.ceil(n / max_rows)
    return max_rows, min(max_step, width / per_row)


class WordGrid(VGroup):
    """A sentence as rows of equally sized words in a grid of slots, centred on x = `center`.

    `xs[k]`, `row_of[k]`: where word k sits; `band_top(k)` / `band_bottom(k)`: the room reserved
    above (band_side="above") or below the word for its value. The font shrinks (for every word
    alike, never below `min_font`) only when `max_rows` rows are not enough; at `min_font` a row is
    added rather than letting words touch.
    """

    def __init__(self, tokens: Sequence[str], color: str | None = None, width: float = 12.6,
                 font_size: float = 26, min_font: float = 16, max_step: float = 1.6, max_rows: int = 3,
                 band: float = 0.0, band_side: str = "above", row_gap: float = 0.2, center: float = 0.0):
        super().__init__()
        self.tokens = list(tokens)
        size = font_size
        while True:
            words = [Word(t, size, color) for t in self.tokens]
            rows, step = plan_rows([w.width for w in words], width, max_step, max_rows)
            if max(w.width for w in words) + SLOT_PAD <= step or size <= min_font:
                break
            size = max(min_font, size * 0.9)
        while max(w.width for w in words) + SLOT_PAD > step and rows < len(words):
            rows += 1  # even the smallest font does not fit: one more row rather than words touching
            step = min(max_step, width / math.ceil(len(words) / rows))
        self.font_size, self.step, self.rows = size, step, rows
        per_row = math.ceil(len(words) / rows)
        self.row_of = np.array([k // per_row for k in range(len(words))])
        self.col_of = np.array([k % per_row for k in range(len(words))])
        probe = Word("Ag", size)
        ascent, descent = probe.get_top()[1] - probe.baseline(), probe.baseline() - probe.get_bottom()[1]
        self.band, self.band_side = band, band_side
        self.row_height = ascent + descent + band + row_gap
        self.xs = center + (self.col_of - (per_row - 1) / 2) * step
        # row r: band then words (band above), or words then band (band below); y = 0 is the grid top
        offset = band if band_side == "above" else 0.0
        self.baselines = -(self.row_of * self.row_height + offset + ascent)
        self._text_top = self.baselines + ascent
        self._text_bottom = self.baselines - descent
        for word, x, y in zip(words, self.xs, self.baselines):
            self.add(word.put_on_baseline(x, y))

    def top(self) -> float:
        """The top of the grid including the first row's band (what the grid needs above its words)."""
        return self.band_top(0) if self.band_side == "above" else self.get_top()[1]

    def bottom(self) -> float:
        """The bottom of the grid including the last row's band."""
        return self.band_top(len(self) - 1) if self.band_side == "below" else self.get_bottom()[1]

    def place_top(self, y: float) -> WordGrid:
        """Shift the grid so that its top, band included, sits at y."""
        self.shift((y - self.top()) * np.array([0.0, 1.0, 0.0]))
        return self

    def x(self, k: int) -> float:
        return self[k].get_x()

    def band_bottom(self, k: int) -> float:
        """The y where word k's value starts (bars grow up from here, cells hang down from it)."""
        if self.band_side == "above":
            return self._text_top[k] + 0.06 + self.get_y_shift()
        return self._text_bottom[k] - 0.06 + self.get_y_shift()

    def band_top(self, k: int) -> float:
        """The far end of word k's band (the tallest a bar may grow, or the lowest a cell may hang)."""
        sign = 1 if self.band_side == "above" else -1
        return self.band_bottom(k) + sign * (self.band - 0.12)

    def text_span(self, k: int) -> tuple[float, float]:
        """(bottom, top) of word k's line of text: the same for every word of a row, descenders and
        capitals included, so boxes around words of one row line up."""
        return self._text_bottom[k] + self.get_y_shift(), self._text_top[k] + self.get_y_shift()

    def get_y_shift(self) -> float:
        """How far the grid moved vertically since it was built (shift/next_to move the words)."""
        return self[0].baseline() - self.baselines[0]
