"""LSTM cell state (article fig. 7): the cell-state highway and its gates with the real `lstm`
model's values, word by word; then why long sentences still dilute, measured on the forget gates."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, FadeOut, GrowFromEdge, Line, MathTex,
                   VGroup)

from scenes.kit import ExplainerScene, SlotBars, StateColumn, TokenRow, label, percent, pick_dims, slot_step
from scenes.kit.mobjects import WeightColumn

LONG_MIN_WORDS = 12
GATES = (("forget", 1), ("input", 0), ("output", 3))  # (name, index in Trace.encoder_gates)


def retention(gates: np.ndarray) -> np.ndarray:
    """For each word j: the mean over dimensions of ∏_{t>j} f_t, the share of what word j wrote
    into the cell state that the forget gates let through, unchanged, to the last word."""
    forget = gates[:, 1, :]
    out = np.ones(len(forget))
    for j in range(len(forget)):
        out[j] = float(np.prod(forget[j + 1:], axis=0).mean()) if j + 1 < len(forget) else 1.0
    return out


class LSTMCellState(ExplainerScene):
    title = "LSTM: a second memory with gates"
    shown_dims = 6

    def construct(self) -> None:
        self.show_equations()
        self.step_through()
        self.dilution()

    def show_equations(self) -> None:
        tr = self.tr
        self.beat("gates", "An LSTM keeps a second memory, the cell state, on a highway that runs past every "
                           "word. Three gates, each between 0 and 1, decide what to forget, what to write and "
                           "what to show.")
        self.add(self.heading())
        self.eqs = VGroup(MathTex(r"c_t = f_t \odot c_{t-1} + i_t \odot g_t", font_size=34),
                          MathTex(r"h_t = o_t \odot \tanh(c_t)", font_size=34)).arrange(RIGHT, buff=1.0)
        self.eqs.set_color(self.theme.text).next_to(self.heading(), DOWN, buff=0.25)
        self.dims = pick_dims(tr.encoder_cells, self.shown_dims)
        self.note = self.footnote(self.provenance(extra=f"{len(self.dims)} of {tr.encoder_cells.shape[1]} "
                                                        "dimensions shown"))
        self.add(self.note)
        n = len(tr.source_tokens)
        self.step = slot_step(n, 11.4, 1.9)
        self.words = TokenRow(tr.source_tokens, self.theme.source, width=11.4, max_step=1.9, center=0.5,
                              stagger=True).shift(2.1 * DOWN)
        self.highway = Line([self.words.xs[0] - 0.8 * self.step, 1.05, 0], [self.words.xs[-1] + 0.7 * self.step, 1.05, 0],
                            color=self.theme.context, stroke_width=6)
        highway_name = label("cell state c", 20, self.theme.context)
        highway_name.next_to(self.highway.get_start(), UP, buff=0.1).align_to(self.highway, LEFT)
        legend = VGroup(*[label(f"{name[0]} = {name}", 17, self.theme.muted) for name, _ in GATES])
        legend.arrange(DOWN, aligned_edge=LEFT, buff=0.08).move_to([-6.3, -0.75, 0])
        self.play(FadeIn(self.eqs), run_time=1.2)
        self.play(Create(self.highway), FadeIn(highway_name), FadeIn(self.words, lag_ratio=0.05), FadeIn(legend),
                  run_time=1.5)
        self.legend = VGroup(legend, highway_name)

    def step_through(self) -> None:
        tr = self.tr
        self.beat("steps", "Word by word, the real gate values: bright means open. The cell state on the highway "
                           "changes only where the forget and input gates let it.")
        cell_w = min(0.26, 0.26 * self.step / 1.2)
        self.units = VGroup()
        for t, x in enumerate(self.words.xs):
            gates = VGroup(*[WeightColumn(tr.encoder_gates[t, index], self.dims, cell=0.2, width=cell_w,
                                          caption=name[0]) for name, index in GATES]).arrange(RIGHT, buff=0.04)
            gates.move_to([x, -0.75, 0])
            cell = StateColumn(tr.encoder_cells[t], tr.state_range, self.dims, cell=0.2, show_hidden_count=False,
                               outline=self.theme.context).move_to([x, 1.05, 0])
            up = Arrow(gates.get_top(), cell.get_bottom(), buff=0.05, color=self.theme.muted, stroke_width=2,
                       max_tip_length_to_length_ratio=0.2)
            fast = 0.35 if t >= 2 else 0.8
            self.play(FadeIn(gates, lag_ratio=0.1), run_time=fast)
            self.play(Create(up), GrowFromEdge(cell, DOWN), run_time=fast)
            self.units.add(VGroup(gates, up, cell))
        self.wait(0.5)

    def dilution(self) -> None:
        sentence = self.long_example(LONG_MIN_WORDS)
        tr = self.trace_of(sentence, self.tr.model)
        keep = retention(tr.encoder_gates)
        self.beat("dilute", "The highway is still a chain. Multiply the forget gates from a word to the end of a "
                            f"long sentence and you get how much of what it wrote survives untouched: "
                            f"{percent(keep[0])} for the first word, {percent(keep[-2])} for the one before last.")
        self.play(FadeOut(VGroup(self.units, self.highway, self.words, self.eqs, self.legend)), run_time=0.8)
        words = TokenRow(tr.source_tokens, self.theme.source, width=12.6, max_step=1.5, center=0.0,
                         stagger=True).shift(2.3 * DOWN)
        base = words.get_top()[1] + 0.25
        bars = SlotBars(keep, words.xs, slot_step(len(words.xs), 12.6, 1.5), base, 3.6, self.theme.context,
                        width_ratio=0.6)
        values = VGroup(*[label(percent(k), 14, self.theme.muted).next_to(bar, UP, buff=0.05)
                          for bar, k in zip(bars, keep)])
        caption = label("share of each word's cell-state content that reaches the last word untouched "
                        "(product of forget gates, mean over dimensions)", 18, self.theme.muted)
        caption.next_to(self.heading(), DOWN, buff=0.3)
        if caption.width > 13:
            caption.scale_to_fit_width(13)
        self.play(FadeIn(words, lag_ratio=0.02), FadeIn(caption), run_time=1.0)
        self.play(GrowFromEdge(bars, DOWN), FadeIn(values), run_time=1.8)
        self.wait(2.0)
