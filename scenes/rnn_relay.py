"""RNN relay (article fig. 5): the encoder reads one word at a time and hands its state on."""
from __future__ import annotations

from manim import (DOWN, RIGHT, UP, Arrow, Create, FadeIn, GrowFromEdge, Indicate, MathTex,
                   SurroundingRectangle, VGroup)

from scenes.kit import ExplainerScene, RNNCell, StateColumn, TokenRow, label, pick_dims, slot_step


class RNNRelay(ExplainerScene):
    title = "A recurrent network reads one word at a time"
    shown_dims = 10

    def construct(self) -> None:
        self.show_setting()
        self.run_relay()
        self.hand_over_last_state()

    def show_setting(self) -> None:
        tr = self.tr
        kind = "LSTM" if tr.model == "lstm" else "GRU"
        self.beat("read", "A recurrent network reads a sentence the way we do: one word after another, "
                          "keeping a running summary called the hidden state.")
        n = len(tr.source_tokens)
        step = slot_step(n, max_step=2.0)
        self.words = TokenRow(tr.source_tokens, self.theme.source, max_step=2.0, stagger=True).shift(2.6 * DOWN)
        self.cells = VGroup(*[RNNCell(kind, width=min(0.95, 0.8 * step)).move_to([x, -1.65, 0])
                              for x in self.words.xs])
        self.rule = MathTex(r"h_t = \mathrm{" + kind + r"}(x_t,\ h_{t-1})", color=self.theme.text,
                            font_size=40).next_to(self.heading(), DOWN, buff=0.25)
        self.dims = pick_dims(tr.encoder_states, self.shown_dims)
        simplification = (f"showing the {len(self.dims)} of {tr.encoder_states.shape[1]} dimensions that vary most"
                          if len(self.dims) < tr.encoder_states.shape[1] else "")
        self.add(self.heading(), self.footnote(self.provenance(extra=simplification)))
        self.play(FadeIn(self.rule), FadeIn(self.words, lag_ratio=0.1), run_time=1.5)
        self.play(FadeIn(self.cells, lag_ratio=0.1), run_time=1.0)

    def column(self, t: int) -> StateColumn:
        step = slot_step(len(self.tr.source_tokens), max_step=2.0)
        numbers = step >= 0.95
        col = StateColumn(self.tr.encoder_states[t], self.tr.state_range, self.dims, cell=0.24,
                          numbers=numbers, cell_width=min(0.9, 0.85 * step) if numbers else None)
        return col.next_to(self.cells[t], UP, buff=0.3)

    def run_relay(self) -> None:
        self.beat("relay", "At each step the cell mixes the new word with the state it was handed, and passes "
                           "the result on, like a baton in a relay race. These colours are the real values "
                           "of the trained model: orange above zero, blue below.")
        self.columns = VGroup()
        for t in range(len(self.tr.source_tokens)):
            fast = t >= 3
            word_in = Arrow(self.words[t].get_top(), self.cells[t].get_bottom(), buff=0.08,
                            color=self.theme.source, stroke_width=3, max_tip_length_to_length_ratio=0.35)
            anims = [Create(word_in), Indicate(self.words[t], color=self.theme.source, scale_factor=1.15)]
            if t > 0:
                baton = Arrow(self.cells[t - 1].get_right(), self.cells[t].get_left(), buff=0.04,
                              color=self.theme.encoder, stroke_width=4, max_tip_length_to_length_ratio=0.3)
                anims.append(Create(baton))
            self.play(*anims, run_time=0.5 if fast else 1.0)
            col = self.column(t)
            self.play(GrowFromEdge(col, DOWN), run_time=0.5 if fast else 1.0)
            self.columns.add(col)
        self.wait(0.5)

    def hand_over_last_state(self) -> None:
        self.beat("last", "When the sentence ends, only the last state goes on. Everything the network read "
                          "must now fit inside this one vector.")
        last = self.columns[-1]
        box = SurroundingRectangle(last, color=self.theme.context, buff=0.08, stroke_width=4)
        tag = label("the only thing passed on", 22, self.theme.context)
        tag.next_to(box, UP, buff=0.1)
        if tag.get_right()[0] > 6.9:
            tag.align_to(box, RIGHT)
        self.play(Create(box), FadeIn(tag), run_time=1.0)
        self.play(*[col.animate.set_opacity(0.35) for col in self.columns[:-1]], run_time=1.0)
        self.wait(2.0)
