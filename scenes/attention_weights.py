"""Attention weights (article figs. 9–11): the decoder scores every encoder state, α fans out over
all of them, the states are weighted and summed into c_i, and the next word comes out."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, FadeIn, Indicate, MathTex, Transform, VGroup)

from scenes.kit import (AlphaFan, ExplainerScene, ProbabilityBars, StateColumn, TokenRow, label,
                        percent, pick_dims)


def most_reordered_step(attention: np.ndarray, n_words: int) -> int:
    """The output step whose strongest α sits furthest from the diagonal (first on ties)."""
    rows = attention[:n_words]
    src = attention.shape[1]
    diag = np.arange(len(rows)) * (src - 1) / max(len(rows) - 1, 1)
    return int(np.argmax(np.abs(rows.argmax(axis=1) - diag) + 1e-6 * -np.arange(len(rows))))


class AttentionWeights(ExplainerScene):
    title = "Attention: look back at every word, with weights"
    shown_dims = 8

    def construct(self) -> None:
        tr = self.tr
        self.step = most_reordered_step(tr.attention, max(len(tr.output_words), 1))
        self.dims = pick_dims(tr.encoder_states, self.shown_dims)
        self.context_dims = self.dims
        self.show_states()
        self.fan_out()
        self.weighted_sum()
        self.next_word()

    def show_states(self) -> None:
        tr, i = self.tr, self.step
        self.beat("states", "This time the decoder keeps every encoder state within reach, one per source word, "
                            "not just the last.")
        self.add(self.heading())
        extra = f"{len(self.dims)} of {tr.encoder_states.shape[1]} dimensions shown per state"
        self.add(self.footnote(self.provenance(extra=extra)))
        self.words = TokenRow(tr.source_tokens, self.theme.source, width=9.0, max_step=2.0, center=-1.3, stagger=True)
        self.words.to_edge(DOWN, buff=1.05)
        self.columns = VGroup(*[StateColumn(s, tr.state_range, self.dims, cell=0.2, show_hidden_count=False)
                                .next_to(self.words, UP, buff=0.3).set_x(x)
                                for s, x in zip(tr.encoder_states, self.words.xs)])
        for c in self.columns:
            c.align_to(self.columns[0], DOWN)
        h_label = MathTex(r"h_1 \dots h_{" + str(len(tr.source_tokens)) + "}", font_size=34,
                          color=self.theme.encoder).next_to(self.columns, RIGHT, buff=0.3)
        # what has been written so far, and the decoder state about to write word i
        written = list(tr.target_tokens[:i]) + ["?"]
        self.output = TokenRow(written, self.theme.target, width=min(10.0, 1.5 * len(written)), center=-1.6)
        self.output.next_to(self.heading(), DOWN, buff=0.35).set_x(-1.6)
        self.output[-1].set_color(self.theme.muted)
        out_label = label(f"{self.tgt_lang} so far", 18, self.theme.muted).next_to(self.output, LEFT, buff=0.35)
        # s_{i-1}: the state after the previous word; before the first word, s_0 (from the encoder)
        prev_state = tr.decoder_states[i - 1] if i > 0 else tr.context
        self.decoder = StateColumn(prev_state, tr.state_range, pick_dims(tr.decoder_states, 6), cell=0.2,
                                   show_hidden_count=False, outline=self.theme.decoder)
        self.decoder.next_to(self.output, DOWN, buff=0.35).set_x(-1.6)
        dec_label = MathTex(r"s_{" + str(i) + "}", font_size=34, color=self.theme.decoder)
        dec_label.next_to(self.decoder, LEFT, buff=0.2)
        self.play(FadeIn(self.words, lag_ratio=0.05), FadeIn(self.columns, lag_ratio=0.05), FadeIn(h_label),
                  run_time=1.5)
        self.play(FadeIn(self.output), FadeIn(out_label), FadeIn(self.decoder), FadeIn(dec_label), run_time=1.0)
        self.wait(0.5)

    def fan_out(self) -> None:
        tr, i = self.tr, self.step
        alphas = tr.attention[i]
        best = int(alphas.argmax())
        self.beat("fan", f"To write its next word, the decoder scores every encoder state and turns the scores "
                         f"into weights that add up to 100%. Here {percent(alphas[best])} of its attention goes to "
                         f"'{tr.source_tokens[best]}'.")
        targets = [c.get_top() + 0.05 * UP for c in self.columns]
        few = len(alphas) <= 10
        self.fan = AlphaFan(self.decoder.get_bottom() + 0.05 * DOWN, targets, alphas, labels=True,
                            label_size=20 if few else 15, min_label=0.0 if few else 0.02,
                            label_points=[[x, self.words.get_bottom()[1] - 0.25, 0] for x in self.words.xs])
        self.play(Create(self.fan.lines, lag_ratio=0.05), run_time=1.5)
        self.play(FadeIn(self.fan.labels, lag_ratio=0.05), run_time=1.0)
        self.play(Indicate(self.words[best], color=self.theme.alpha, scale_factor=1.25), run_time=1.0)
        self.wait(1.0)

    def weighted_sum(self) -> None:
        tr, i = self.tr, self.step
        alphas = tr.attention[i]
        self.beat("sum", "Each state is scaled by its weight and the results are added up. The sum is the "
                         "context vector for this word alone; the next word will get a new one.")
        self.context = StateColumn(tr.step_contexts[i], tr.state_range, self.dims, cell=0.3, numbers=True,
                                   outline=self.theme.context).move_to([5.6, -1.75, 0])
        formula = MathTex(r"c_{" + str(i + 1) + r"} = \sum_j \alpha_{" + str(i + 1) + r"j}\, h_j", font_size=36,
                          color=self.theme.context).next_to(self.context, UP, buff=0.25)
        scaled = [c.cells.copy() for c in self.columns]
        self.play(*[s.animate.set_opacity(max(a, 0.04)) for s, a in zip(scaled, alphas)], run_time=0.8)
        self.play(*[Transform(s, self.context.cells.copy()) for s in scaled], FadeIn(formula), run_time=1.8)
        self.remove(*scaled)
        self.add(self.context)
        self.wait(1.5)

    def next_word(self) -> None:
        tr, i = self.tr, self.step
        word = tr.target_tokens[i]
        self.beat("word", f"From this context and its own state the decoder picks the next word. The model's real "
                          f"top {len(tr.top_tokens[i])} candidates are shown; it writes '{word}'.")
        bars = ProbabilityBars(tr.top_tokens[i], tr.top_probs[i], width=2.2, bar_height=0.24, font_size=19)
        bars.next_to(self.decoder, RIGHT, buff=0.6).align_to(self.decoder, UP)
        bars.shift((max(bars.get_left()[0], 2.2) - bars.get_left()[0]) * RIGHT)
        title = label("next word", 18, self.theme.muted).next_to(bars, UP, buff=0.12, aligned_edge=LEFT)
        self.play(FadeIn(bars, lag_ratio=0.1), FadeIn(title), run_time=1.2)
        chosen = label(word, self.output[-1].font_size if hasattr(self.output[-1], "font_size") else 26,
                       self.theme.target)
        chosen.move_to(self.output[-1])
        self.play(Transform(self.output[-1], chosen), Indicate(bars[0], color=self.theme.target), run_time=1.2)
        self.wait(2.5)
