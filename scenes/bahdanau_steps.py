"""Bahdanau step by step (article fig. 13): the three equations in motion. The encoder states h_j
and the decoder state s_{i-1} are drawn; each term of an equation lights up as its real numbers
appear; the first decoding step goes slowly, every later one gets at least three seconds."""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    RoundedRectangle,
    Transform,
    UpdateFromAlphaFunc,
    VGroup,
    VMobject,
    smooth,
)

from scenes.kit import (
    ExplainerScene,
    ProbabilityBars,
    SlotBars,
    StateColumn,
    TokenRow,
    claims,
    fade_replace,
    fit_width,
    label,
    percent,
    pick_dims,
    slot_step,
    wrong_in_red,
)
from scenes.kit.layout import TEXT_EDGE_X
from scenes.kit.mobjects import WordFlow

ROW_LABEL_X = -6.3
EQ_Y, COLUMNS_TOP, WORDS_Y, SCORES_Y, ALPHAS_Y, BARS_Y = 2.72, 2.02, 0.9, 0.42, -0.05, -1.25
BOTTOM_Y = -2.35          # centre of the s_{i-1} and c_i columns
PANEL_LEFT, PANEL_TOP = -3.95, -1.5   # the framed "French so far" panel, right of c_i, clear of the α bars
FLOW_WIDTH = 4.4
PROBS_X, PROBS_TOP = 3.9, -1.78       # candidate list: right edge of its words, centre of its top row
MAX_STEP = 1.9
WIDTH = 11.4
STEP_SECONDS = 3.2        # each decoding step after the first


def flight(mob, corners, width: float, height: float, fade: bool = False) -> UpdateFromAlphaFunc:
    """`mob` travels along the polyline through `corners` (a route that keeps clear of what is
    on screen), reaching `width` × `height` at the end; with `fade`, it fades out on its last 40%."""
    mob.save_state()
    w0, h0 = mob.width, mob.height
    path = VMobject().set_points_as_corners(corners)

    def step(m, t):
        m.restore().stretch_to_fit_width(w0 + (width - w0) * t).stretch_to_fit_height(h0 + (height - h0) * t)
        if fade:
            m.set_opacity(min(1.0, (1 - t) / 0.4))
        m.move_to(path.point_from_proportion(t))

    return UpdateFromAlphaFunc(mob, step, rate_func=smooth)


class BahdanauSteps(ExplainerScene):
    title = "Bahdanau attention, one decoding step at a time"
    shown_dims = 6

    def construct(self) -> None:
        self.show_equations()
        self.inputs(0)
        self.scores(0)
        self.weights(0)
        self.context_and_word(0)
        self.remaining_steps()

    # -- pieces -------------------------------------------------------------------------------
    @property
    def step(self) -> float:
        return slot_step(len(self.tr.source_tokens), WIDTH, MAX_STEP)

    def number_row(self, values, fmt, y: float, color: str) -> VGroup:
        return VGroup(*[fit_width(label(fmt(v), 20, color), 0.9 * self.step).move_to([x, y, 0])
                        for v, x in zip(values, self.words.xs)])

    def alpha_bars(self, alphas: np.ndarray) -> VGroup:
        return SlotBars(alphas, self.words.xs, self.step, BARS_Y, 0.95, self.theme.alpha, width_ratio=0.5,
                        min_height=0.015)

    def state(self, values, dims, outline: str, cell: float = 0.2) -> StateColumn:
        col = StateColumn(values, self.tr.state_range, dims, cell=cell, numbers=True, cell_width=0.62,
                          outline=outline, show_hidden_count=False)
        col.remove(col.note)
        return col

    def prev_state(self, i: int):
        return self.tr.decoder_states[i - 1] if i > 0 else self.tr.context

    def s_name(self, i: int) -> MathTex:
        return MathTex(r"s_{" + str(i) + "}", font_size=30, color=self.theme.decoder).next_to(self.s_col, UP, buff=0.1)

    def c_name(self, i: int) -> MathTex:
        return MathTex(r"c_{" + str(i + 1) + "}", font_size=30, color=self.theme.context).next_to(self.c_col, UP, buff=0.1)

    def light(self, *parts, color=None, run_time: float = 1.0, extra=()) -> None:
        self.play(*[Indicate(p, color=color or self.theme.alpha, scale_factor=1.15) for p in parts], *extra,
                  run_time=run_time)

    # -- beats -----------------------------------------------------------------------------------
    def show_equations(self) -> None:
        tr = self.tr
        self.beat("equations", "Bahdanau and colleagues wrote attention as three short equations: a score for "
                               "every source word, a softmax that turns scores into weights, and a weighted sum.")
        self.add(self.heading())
        th = self.theme
        self.eq_score = MathTex("e_{ij}", "=", r"v^\top \tanh(W", "s_{i-1}", "+ U", "h_j", ")", font_size=32)
        self.eq_soft = MathTex(r"\alpha_{ij}", "=", r"\frac{\exp e_{ij}}{\sum_k \exp e_{ik}}", font_size=32)
        self.eq_sum = MathTex("c_i", "=", r"\sum_j", r"\alpha_{ij}", "h_j", font_size=32)
        eqs = VGroup(self.eq_score, self.eq_soft, self.eq_sum).arrange(RIGHT, buff=0.8).move_to([0, EQ_Y, 0])
        fit_width(eqs, 13.2)
        eqs.set_color(th.text)
        for part, color in ((self.eq_score[3], th.decoder), (self.eq_score[5], th.encoder), (self.eq_sum[4], th.encoder),
                            (self.eq_soft[0], th.alpha), (self.eq_sum[3], th.alpha), (self.eq_sum[0], th.context)):
            part.set_color(color)
        self.dims = pick_dims(tr.encoder_states, self.shown_dims)
        self.add(self.footnote(self.provenance(extra=claims.dims_note(len(self.dims), tr.encoder_states.shape[1],
                                                                       "dimensions per state"))))
        self.words = TokenRow(tr.source_tokens, th.source, width=WIDTH, max_step=MAX_STEP, center=0.45)
        self.words.shift((WORDS_Y - self.words[0].baseline()) * UP)
        self.play(FadeIn(self.eq_score), run_time=1.2)
        self.play(FadeIn(self.eq_soft), run_time=1.2)
        self.play(FadeIn(self.eq_sum), run_time=1.2)
        self.play(FadeIn(self.words, lag_ratio=0.05), run_time=1.0)
        for eq in (self.eq_score, self.eq_soft, self.eq_sum):  # the three, in the order the narration names them
            self.play(Indicate(eq, color=th.alpha, scale_factor=1.08), run_time=0.8)
        colors = wrong_in_red(tr.reference_tokens, tr.target_tokens, th.target)
        self.add(self.french_panel(colors))

    def french_panel(self, colors) -> VGroup:
        """The sentence written so far in a frame of its own, with its name at the top: below the α
        bars a bare name would read as the label of the bar above it."""
        th = self.theme
        marked = " (red: wrong)" if th.wrong in colors else ""
        name = label(f"{self.tgt_lang} so far{marked}", 18, th.muted)
        name.next_to([PANEL_LEFT + 0.15, PANEL_TOP - 0.1, 0], DOWN + RIGHT, buff=0)
        self.french = WordFlow(claims.tokens_text(self.tr.target_tokens), colors, width=FLOW_WIDTH, font_size=22, max_lines=3)
        self.french.next_to(name, DOWN, buff=0.18, aligned_edge=LEFT)
        height = (PANEL_TOP - name.get_bottom()[1]) + 0.18 + self.french.height + 0.2  # the whole sentence's lines
        frame = RoundedRectangle(corner_radius=0.08, width=FLOW_WIDTH + 0.3, height=height, stroke_color=th.muted,
                                 stroke_width=1.5, stroke_opacity=0.6)
        return VGroup(frame.next_to([PANEL_LEFT, PANEL_TOP, 0], DOWN + RIGHT, buff=0), name)

    def inputs(self, i: int) -> None:
        tr, th = self.tr, self.theme
        self.beat("inputs", "Step 1. Its inputs: the encoder states h_j, one per word (ours reads forwards only; "
                            "Bahdanau's also read backwards), and the decoder's state s_0, in our model h_T, the "
                            "encoder's last state.")
        self.columns = VGroup()
        for x, values in zip(self.words.xs, tr.encoder_states):
            col = StateColumn(values, tr.state_range, self.dims, cell=0.12, cell_width=min(0.5, 0.6 * self.step),
                              show_hidden_count=False)
            col.remove(col.note)
            self.columns.add(col.move_to([x, COLUMNS_TOP - col.height / 2, 0]))
        self.row_names = VGroup(
            MathTex("h_j", font_size=32, color=th.encoder).move_to([ROW_LABEL_X, COLUMNS_TOP - 0.4, 0]),
            MathTex("e_{ij}", font_size=32, color=th.text).move_to([ROW_LABEL_X, SCORES_Y, 0]),
            MathTex(r"\alpha_{ij}", font_size=32, color=th.alpha).move_to([ROW_LABEL_X, ALPHAS_Y, 0]))
        left = self.reading_time_left()
        self.light(self.eq_score[5], self.eq_sum[4], color=th.encoder, run_time=float(np.clip(0.2 * left, 1.5, 3.0)),
                   extra=[FadeIn(self.columns, lag_ratio=0.1), FadeIn(self.row_names[0])])
        # ours reads forwards only (Bahdanau et al.'s also read backwards): the states light up in reading order
        ahead = label("forwards only →", 16, th.muted).next_to(self.row_names[0], DOWN, buff=0.2).set_x(-TEXT_EDGE_X, LEFT)
        self.play(FadeIn(ahead), LaggedStart(*[Indicate(c, color=th.encoder, scale_factor=1.12) for c in self.columns],
                                             lag_ratio=0.5),
                  run_time=float(np.clip(0.35 * left, 1.5, 5.0)))
        self.s_col = self.state(self.prev_state(i), self.dims, th.decoder).move_to([-6.0, BOTTOM_Y, 0])
        self.s_label = self.s_name(i)
        moves, h_T = [FadeIn(self.s_col, shift=0.2 * UP)], None
        if np.allclose(self.prev_state(i), tr.encoder_states[-1]):
            # s_0 is h_T: down from the last column, left along the empty band of the α bars, down into s_0
            h_T = self.columns[-1].cells.copy()
            lane = (ALPHAS_Y + BARS_Y) / 2
            moves = [flight(h_T, [h_T.get_center(), [h_T.get_x(), lane, 0], [self.s_col.get_x(), lane, 0],
                                  self.s_col.cells.get_center()],
                            self.s_col.cells.width, self.s_col.cells.height, fade=True),
                     FadeIn(self.s_col, rate_func=lambda t: min(1.0, max(0.0, 2 * t - 1)))]
        self.add_foreground_mobjects(self.words)  # h_T travels behind the words, never over them
        self.light(self.eq_score[3], color=th.decoder,
                   run_time=float(np.clip(self.reading_time_left() - 0.3, 1.5, 4.0)),
                   extra=[*moves, FadeIn(self.s_label)])
        self.remove_foreground_mobjects(self.words)
        if h_T is not None:
            self.remove(h_T)

    def scores(self, i: int) -> None:
        tr, th = self.tr, self.theme
        self.beat("scores", "A small network scores s_0 against each h_j: one number e_1j per word, the model's "
                            f"real scores. {claims.score_narration(tr.attention_scores[i], tr.source_tokens)}")
        self.score_row = self.number_row(tr.attention_scores[i], lambda v: f"{v:+.1f}", SCORES_Y, th.text)
        self.light(self.eq_score[0], color=th.text, run_time=float(np.clip(self.reading_time_left() - 3.0, 1.5, 5.0)),
                   extra=[FadeIn(self.row_names[1]), FadeIn(self.score_row, lag_ratio=0.3)])
        for j in (int(tr.attention_scores[i].argmax()), int(tr.attention_scores[i].argmin())):  # the two it names
            self.play(Indicate(self.score_row[j], color=th.alpha), Indicate(self.words[j], color=th.source),
                      run_time=1.2)

    def weights(self, i: int) -> None:
        tr, th = self.tr, self.theme
        self.beat("softmax", "The softmax: exponentiate every score, then divide by their sum, so the weights are "
                             "positive and add up to 100%. " + claims.score_gap_narration(tr.attention_scores[i]))
        left = self.reading_time_left()
        # first the real exp(e_ij - e_max) row, then its division by the sum: the softmax in its two steps
        exps, _ = claims.softmax_parts(tr.attention_scores[i])
        exp_row = self.number_row(exps, claims.exp_text, ALPHAS_Y, th.alpha)
        exp_name = fit_width(MathTex(r"\exp(e_{ij}-e_{\max})", font_size=28, color=th.alpha), 1.6)
        exp_name.move_to([ROW_LABEL_X, ALPHAS_Y, 0]).set_x(-TEXT_EDGE_X, direction=LEFT)
        self.bars = self.alpha_bars(exps)
        self.light(self.eq_soft[2], color=th.alpha, run_time=float(np.clip(0.3 * left, 1.5, 4.0)),
                   extra=[FadeIn(exp_name), FadeIn(exp_row, shift=0.3 * DOWN, lag_ratio=0.1),  # from the scores
                          FadeIn(self.bars, lag_ratio=0.1)])
        self.add(exp_row)
        divisor = label(f"÷ {float(exps.sum()):.2f}, their sum", 18, th.alpha)
        divisor.next_to(exp_name, DOWN, buff=0.15, aligned_edge=LEFT)
        self.play(FadeIn(divisor, shift=0.2 * LEFT), run_time=0.8)
        self.alpha_row = self.number_row(tr.attention[i], percent, ALPHAS_Y, th.alpha)
        self.light(self.eq_soft[0], color=th.alpha, run_time=float(np.clip(0.2 * left, 1.5, 3.0)),
                   extra=[*fade_replace(exp_name, self.row_names[2]), *fade_replace(exp_row, self.alpha_row),
                          Transform(self.bars, self.alpha_bars(tr.attention[i])), FadeOut(divisor)])
        best = int(tr.attention[i].argmax())
        self.play(Indicate(VGroup(self.score_row[best], self.alpha_row[best], self.bars[best]), color=th.alpha),
                  run_time=1.5)
        scores = tr.attention_scores[i]
        if len(scores) > 1:  # the narration's gap: the two top scores, then the two weights they became
            top = [int(j) for j in np.argsort(-scores, kind="stable")[:2]]
            pace = float(np.clip((self.reading_time_left() - 0.6) / 2, 1.0, 3.0))
            self.play(*[Indicate(self.score_row[j], color=th.alpha, scale_factor=1.25) for j in top], run_time=pace)
            self.play(*[Indicate(m, color=th.alpha, scale_factor=1.15) for j in top
                        for m in (self.alpha_row[j], self.bars[j])], run_time=pace)

    def context_and_word(self, i: int) -> None:
        tr, th = self.tr, self.theme
        word = tr.target_tokens[i]
        shown = "the end-of-sentence token" if word == "<eos>" else f"'{word}'"
        self.beat("context", "The weights mix the encoder states into this step's context c_1; from it and its "
                             f"state the decoder ranks candidate words and writes the most likely, {shown}.")
        self.c_col = self.state(tr.step_contexts[i], self.dims, th.context).move_to([-4.7, BOTTOM_Y, 0])
        self.c_label = self.c_name(i)
        scaled = [c.cells.copy() for c in self.columns]
        self.light(self.eq_sum[3], self.eq_sum[4], color=th.alpha, run_time=1.2,
                   extra=[s.animate.set_opacity(max(float(a), 0.08)).scale(0.4 + 0.6 * float(a))
                          for s, a in zip(scaled, tr.attention[i])])
        crossed = [self.words, self.score_row, self.alpha_row]  # the states travel behind these, never over them
        self.add_foreground_mobjects(*crossed)
        self.light(self.eq_sum[0], color=th.context, run_time=1.8,
                   extra=[*[s.animate.move_to(self.c_col.cells).set_opacity(0) for s in scaled],
                          FadeIn(self.c_col), FadeIn(self.c_label)])
        self.remove(*scaled)
        self.remove_foreground_mobjects(*crossed)
        self.probs = self.candidates(i)
        self.play(FadeIn(self.probs, lag_ratio=0.15), run_time=1.2)
        self.append_word(i, run_time=1.2)

    def candidates(self, i: int) -> ProbabilityBars:
        """Step i's top candidates, right of the French panel, their words' right edges on PROBS_X."""
        probs = ProbabilityBars(claims.tokens_text(self.tr.top_tokens[i]), self.tr.top_probs[i], width=2.0,
                                bar_height=0.22, font_size=18)
        return probs.shift([PROBS_X, PROBS_TOP, 0])

    def append_word(self, i: int, run_time: float) -> None:
        """The chosen candidate flies to its place in the sentence: left out of the list (its bar is
        on its right), down beside the panel, along the line under its place (still empty: words
        are written in order) and up into it, so it crosses neither a bar nor a written word. It
        moves and grows as a whole; its letters are never morphed. Past the words there is room
        for, "… +N words" appears once."""
        shown = self.french.words
        if i > len(shown):
            return self.wait(run_time)
        target = shown[i] if i < len(shown) else self.french.more
        rising = self.probs[0][0].copy()
        start = rising.get_center()
        under = target.get_center() + 0.45 * DOWN
        grow = target.height / rising.height
        aside = PANEL_LEFT + FLOW_WIDTH + 0.3 + 0.12 + grow * rising.width / 2   # just right of the panel
        self.play(flight(rising, [start, [aside, start[1], 0], [aside, under[1], 0], under, target.get_center()],
                         grow * rising.width, grow * rising.height), run_time=run_time)
        self.remove(rising)
        self.add(target)

    def swap(self, name: str, new) -> list:
        """Replace the mobject held in attribute `name` by `new`: the old fades out, then the new in
        (kit.fade_replace), never morphed glyph into glyph."""
        old = getattr(self, name)
        setattr(self, name, new)
        return fade_replace(old, new)

    def remaining_steps(self) -> None:
        tr, th = self.tr, self.theme
        steps = len(tr.target_tokens)
        if steps <= 1:
            return
        until = ("until the model writes the end-of-sentence token." if tr.finished else
                 f"until decoding stops at its cap of {steps} words: this model never writes the end-of-sentence token.")
        self.beat("all-steps", "The same three equations run again for every word of the output: a new s_{i-1}, "
                               f"new scores, fresh weights, a new context, {until}")
        for i in range(1, steps):
            part = STEP_SECONDS / 4
            new_s = self.state(self.prev_state(i), self.dims, th.decoder).move_to(self.s_col)
            self.light(self.eq_score[3], color=th.decoder, run_time=part,
                       extra=[*self.swap("s_col", new_s), *self.swap("s_label", self.s_name(i))])
            self.light(self.eq_score[0], color=th.text, run_time=part,
                       extra=self.swap("score_row", self.number_row(tr.attention_scores[i], lambda v: f"{v:+.1f}",
                                                                    SCORES_Y, th.text)))
            self.light(self.eq_soft[0], color=th.alpha, run_time=part,
                       extra=[*self.swap("alpha_row", self.number_row(tr.attention[i], percent, ALPHAS_Y, th.alpha)),
                              Transform(self.bars, self.alpha_bars(tr.attention[i]))])
            new_c = self.state(tr.step_contexts[i], self.dims, th.context).move_to(self.c_col)
            new_probs = self.candidates(i)
            self.light(self.eq_sum[0], color=th.context, run_time=part,
                       extra=[*self.swap("c_col", new_c), *self.swap("c_label", self.c_name(i)),
                              *self.swap("probs", new_probs)])
            self.append_word(i, run_time=0.8)
        self.wait(1.0)  # the finished sentence, at rest (a video shows no frame of an animation's very end)
