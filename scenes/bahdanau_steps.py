"""Bahdanau step by step (article fig. 13): the three equations with the real numbers of one
decoding step, then every remaining step faster while the French sentence builds up."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, FadeIn, Indicate, MathTex, Transform, VGroup)

from scenes.kit.mobjects import WordFlow
from scenes.kit import (ExplainerScene, SlotBars, ProbabilityBars, StateColumn, TokenRow, fit_width, label, percent,
                        pick_dims, slot_step)

ROW_LABEL_X = -6.2
WORDS_Y, SCORES_Y, ALPHAS_Y, BARS_Y = 1.75, 1.2, 0.65, -0.6
MAX_STEP = 1.9


class BahdanauSteps(ExplainerScene):
    title = "Bahdanau attention, one decoding step at a time"
    shown_dims = 6

    def construct(self) -> None:
        self.show_equations()
        self.scores_and_weights(0)
        self.context_and_word(0)
        self.remaining_steps()

    # -- layout helpers ------------------------------------------------------------------------
    def number_row(self, values, fmt, y: float, color: str) -> VGroup:
        step = slot_step(len(self.tr.source_tokens), 10.8, MAX_STEP)
        return VGroup(*[fit_width(label(fmt(v), 20, color), 0.9 * step).move_to([x, y, 0])
                        for v, x in zip(values, self.words.xs)])

    def alpha_bars(self, alphas: np.ndarray, y: float) -> VGroup:
        step = slot_step(len(self.tr.source_tokens), 10.8, MAX_STEP)
        return SlotBars(alphas, self.words.xs, step, y, 0.95, self.theme.alpha, width_ratio=0.5, min_height=0.015)

    # -- beats -----------------------------------------------------------------------------------
    def show_equations(self) -> None:
        tr = self.tr
        self.beat("equations", "Bahdanau and colleagues wrote attention as three short equations: a score for "
                               "every source word, a softmax that turns scores into weights, and a weighted sum.")
        self.add(self.heading())
        eqs = VGroup(
            MathTex(r"e_{ij} = v^\top \tanh(W s_{i-1} + U h_j)", font_size=34),
            MathTex(r"\alpha_{ij} = \frac{\exp e_{ij}}{\sum_k \exp e_{ik}}", font_size=34),
            MathTex(r"c_i = \sum_j \alpha_{ij} h_j", font_size=34),
        ).arrange(RIGHT, buff=0.8).next_to(self.heading(), DOWN, buff=0.3)
        fit_width(eqs, 13.2)
        for eq, color in zip(eqs, (self.theme.text, self.theme.alpha, self.theme.context)):
            eq.set_color(color)
        self.eqs = eqs
        self.add(self.footnote(self.provenance(extra=f"{len(pick_dims(tr.step_contexts, self.shown_dims))} of "
                                                     f"{tr.step_contexts.shape[1]} context dimensions shown")))
        self.words = TokenRow(tr.source_tokens, self.theme.source, width=10.8, max_step=MAX_STEP, center=0.4)
        self.words.set_y(WORDS_Y)
        self.row_names = VGroup(label("source", 20, self.theme.muted).move_to([ROW_LABEL_X, WORDS_Y, 0]),
                                MathTex(r"e_{ij}", font_size=32, color=self.theme.text).move_to([ROW_LABEL_X, SCORES_Y, 0]),
                                MathTex(r"\alpha_{ij}", font_size=32, color=self.theme.alpha).move_to([ROW_LABEL_X, ALPHAS_Y, 0]))
        self.play(FadeIn(eqs, lag_ratio=0.3), run_time=2.0)
        self.play(FadeIn(self.words, lag_ratio=0.05), FadeIn(self.row_names), run_time=1.0)
        self.french = WordFlow(tr.target_tokens, [self.theme.target] * len(tr.target_tokens), width=4.3,
                               font_size=22)
        self.french.next_to([2.5, -1.45, 0], DOWN + RIGHT, buff=0)
        self.add(label(f"{self.tgt_lang} so far", 18, self.theme.muted).next_to(self.french, UP, buff=0.15, aligned_edge=LEFT)
                 .set_x(2.5, direction=LEFT))

    def scores_and_weights(self, i: int) -> None:
        tr = self.tr
        self.beat("scores", f"Step {i + 1}. The decoder state meets each encoder state and gets one score per "
                            "word: these are the model's real scores. The softmax turns them into weights.")
        self.scores = self.number_row(tr.attention_scores[i], lambda v: f"{v:+.1f}", SCORES_Y, self.theme.text)
        self.alphas = self.number_row(tr.attention[i], percent, ALPHAS_Y, self.theme.alpha)
        self.bars = self.alpha_bars(tr.attention[i], BARS_Y)
        self.play(Indicate(self.eqs[0], color=self.theme.text, scale_factor=1.05), FadeIn(self.scores, lag_ratio=0.1),
                  run_time=1.5)
        self.play(Indicate(self.eqs[1], color=self.theme.alpha, scale_factor=1.05), FadeIn(self.alphas, lag_ratio=0.1),
                  FadeIn(self.bars, lag_ratio=0.1), run_time=1.5)
        self.wait(1.0)

    def context_and_word(self, i: int) -> None:
        tr = self.tr
        self.beat("context", "The weights blend the encoder states into this step's context vector; from it the "
                             "decoder ranks candidate words and writes the most likely one.")
        dims = pick_dims(tr.step_contexts, self.shown_dims)
        self.context = StateColumn(tr.step_contexts[i], tr.state_range, dims, cell=0.26, numbers=True,
                                   outline=self.theme.context, show_hidden_count=False)
        self.context.move_to([-5.0, -2.2, 0])
        c_name = MathTex(r"c_{" + str(i + 1) + "}", font_size=32, color=self.theme.context)
        c_name.next_to(self.context, LEFT, buff=0.2)
        self.c_name = c_name
        self.probs = ProbabilityBars(tr.top_tokens[i], tr.top_probs[i], width=2.4, bar_height=0.22, font_size=18)
        self.probs.move_to([-0.9, -2.1, 0])
        self.play(Indicate(self.eqs[2], color=self.theme.context, scale_factor=1.05), FadeIn(self.context),
                  FadeIn(c_name), run_time=1.5)
        self.play(FadeIn(self.probs, lag_ratio=0.1), run_time=1.0)
        self.append_word(i, run_time=1.0)
        self.wait(1.5)

    def append_word(self, i: int, run_time: float) -> None:
        self.play(FadeIn(self.french[i], shift=0.15 * UP), run_time=run_time)

    def remaining_steps(self) -> None:
        tr = self.tr
        steps = len(tr.target_tokens)
        if steps <= 1:
            return
        self.beat("all-steps", "The same three equations run again for every word of the output, each time with a "
                               "fresh set of weights, until the model writes the end-of-sentence token.")
        dims = self.context.dims
        for i in range(1, steps):
            fast = 0.35 if steps > 8 else 0.6
            new_scores = self.number_row(tr.attention_scores[i], lambda v: f"{v:+.1f}", SCORES_Y, self.theme.text)
            new_alphas = self.number_row(tr.attention[i], percent, ALPHAS_Y, self.theme.alpha)
            new_bars = self.alpha_bars(tr.attention[i], BARS_Y)
            new_context = StateColumn(tr.step_contexts[i], tr.state_range, dims, cell=0.26, numbers=True,
                                      outline=self.theme.context, show_hidden_count=False).move_to(self.context)
            new_name = MathTex(r"c_{" + str(i + 1) + "}", font_size=32, color=self.theme.context).move_to(self.c_name)
            new_probs = ProbabilityBars(tr.top_tokens[i], tr.top_probs[i], width=2.4, bar_height=0.22, font_size=18)
            new_probs.move_to(self.probs)
            self.play(Transform(self.scores, new_scores), Transform(self.alphas, new_alphas),
                      Transform(self.bars, new_bars), Transform(self.context, new_context),
                      Transform(self.c_name, new_name), Transform(self.probs, new_probs), run_time=fast)
            self.append_word(i, run_time=fast)
            self.wait(fast)
        self.wait(2.0)
