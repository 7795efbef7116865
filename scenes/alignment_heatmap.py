"""Alignment heatmap (article figs. 14–15): the α matrix fills row by row as each French word is
written; words that change order leave the diagonal; then a longer sentence's matrix."""
from __future__ import annotations

import numpy as np
from manim import (RIGHT, UP, Create, FadeIn, FadeOut, SurroundingRectangle, VGroup)

from scenes.kit import ExplainerScene, Heatmap

LONG_MIN_WORDS = 10  # a user sentence at least this long becomes the "longer sentence" itself


def reordered_rows(attention: np.ndarray, n_words: int) -> list[int]:
    """Output rows whose strongest source word breaks the left-to-right order (an inversion)."""
    best = attention[:n_words].argmax(axis=1)
    return [i for i in range(len(best))
            if any(best[k] > best[i] for k in range(i)) or any(best[k] < best[i] for k in range(i + 1, len(best)))]


def fit_heatmap(tr, height: float, width: float) -> Heatmap:
    """The biggest heatmap (labels included) that fits in width × height."""
    rows, cols = tr.attention.shape
    cell = min(0.9, height / (rows + 2), width / (cols + 3))
    heatmap = Heatmap(tr.attention, tr.target_tokens, tr.source_tokens, cell=cell)
    if heatmap.height > height:
        heatmap.scale_to_fit_height(height)
    if heatmap.width > width:
        heatmap.scale_to_fit_width(width)
    return heatmap


class AlignmentHeatmap(ExplainerScene):
    title = "Who looks at whom: the alignment heatmap"

    def construct(self) -> None:
        self.fill_rows()
        self.pick_out_reordering()
        if len(self.tr.source_tokens) < LONG_MIN_WORDS:
            self.longer_sentence()

    def available_height(self) -> float:
        return self.title_mob.get_bottom()[1] - self.note.get_top()[1] - 0.5

    def place(self, heatmap: Heatmap) -> Heatmap:
        """Under the title, its grid centred (falling back to fit the labels in the frame)."""
        heatmap.shift((self.title_mob.get_bottom()[1] - 0.25 - heatmap.get_top()[1]) * UP)
        heatmap.shift(-heatmap.cells.get_center()[0] * RIGHT)
        if heatmap.get_left()[0] < -6.9:
            heatmap.shift((-6.9 - heatmap.get_left()[0]) * RIGHT)
        return heatmap

    def fill_rows(self) -> None:
        tr = self.tr
        self.beat("fill", "Stack the weights of every decoding step and you get a picture of the alignment: one row "
                          f"per {self.tgt_lang} word, one column per {self.src_lang} word, brighter where the model "
                          "looked.")
        self.title_mob = self.heading()
        self.note = self.footnote(self.provenance(extra="cell = α in %, row = one output word"))
        self.add(self.title_mob, self.note)
        self.map = self.place(fit_heatmap(tr, self.available_height(), 12.0))
        self.play(FadeIn(self.map.col_labels, lag_ratio=0.05), run_time=1.0)
        per_row = 0.6 if len(tr.target_tokens) <= 8 else max(0.12, 5.0 / len(tr.target_tokens))
        for i in range(len(tr.target_tokens)):
            self.play(FadeIn(self.map.row(i), lag_ratio=0.02), run_time=per_row)
        self.wait(1.0)

    def pick_out_reordering(self) -> None:
        tr = self.tr
        rows = reordered_rows(tr.attention, len(tr.output_words))
        if rows:
            words = ", ".join(f"'{tr.target_tokens[i]}'" for i in rows[:4])
            text = (f"Most bright cells follow the diagonal, word for word. The marked ones leave it: {words} "
                    f"come in a different order in {self.tgt_lang}, and the model looks back or ahead to find them.")
        else:
            text = ("Here every bright cell sits on the diagonal: this sentence keeps its word order in "
                    f"{self.tgt_lang}.")
        self.beat("reorder", text)
        boxes = VGroup(*[SurroundingRectangle(self.map.cell(i, int(tr.attention[i].argmax())), buff=0.02,
                                              color=self.theme.text, stroke_width=3) for i in rows])
        if rows:
            self.play(Create(boxes, lag_ratio=0.2), run_time=1.5)
        self.wait(3.0)
        self.previous = VGroup(self.map, boxes)
    def longer_sentence(self) -> None:
        tr = self.trace_of(self.long_example(LONG_MIN_WORDS), self.tr.model)
        self.beat("long", "On a long sentence the same picture holds: a bright path down the diagonal, with local "
                          f"swaps wherever {self.tgt_lang} orders the words differently.")
        self.play(FadeOut(self.previous), run_time=0.8)
        big = self.place(fit_heatmap(tr, self.available_height(), 13.0))
        rows = reordered_rows(tr.attention, len(tr.output_words))
        boxes = VGroup(*[SurroundingRectangle(big.cell(i, int(tr.attention[i].argmax())), buff=0.01,
                                              color=self.theme.text, stroke_width=2) for i in rows])
        self.play(FadeIn(big.col_labels), FadeIn(big.row_labels), run_time=0.8)
        self.play(FadeIn(VGroup(big.cells, big.values), lag_ratio=0.01), run_time=2.5)
        if rows:
            self.play(Create(boxes, lag_ratio=0.05), run_time=1.2)
        self.wait(3.0)
