"""Bahdanau step by step (article fig. 13): the three equations on attention-weights' last picture
(kit.attention_picture builds both). The heading gives way to the equations; each term lights with
the piece of the picture it names (s_{i-1}, h_j, the lines' scores e_ij, the α fan, c_i and its
arrow), without replaying attention-weights' numbers; a panel of bars shows the gap between a high and
a low score from the model's own terms v_k·tanh(W s + U h_j)_k;
then the remaining decoding steps run quickly in the same picture."""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circumscribe,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromEdge,
    Indicate,
    LaggedStart,
    Line,
    MathTex,
    Rectangle,
    RoundedRectangle,
    Transform,
    VGroup,
)

from scenes.kit import ExplainerScene, claims, fade_replace, fit_width, label, number
from scenes.kit.attention_picture import AttentionPicture

SHOWN_TERMS = 4           # bars of the gap panel: the terms that differ most between two scores
STEP_SECONDS = 2.4        # each decoding step after the one explained


class BahdanauSteps(ExplainerScene):
    title = "Bahdanau attention: the same picture, as three equations"

    def construct(self) -> None:
        self.pic = AttentionPicture(self.tr)
        self.st, self.i = self.pic.stage, self.pic.step
        self.open_on_the_picture()
        self.show_equations()
        self.score()
        self.why_high()
        self.weights()
        self.context()
        self.remaining_steps()

    # --- the picture ------------------------------------------------------------------------
    def open_on_the_picture(self) -> None:
        """attention-weights' last picture, piece by piece from kit.attention_picture; the fan is
        added before c_i, so its lines pass behind c_i's numbers."""
        p = self.pic.end_picture()
        self.columns, self.h_names, self.s_label, self.fan = p["columns"], p["h_names"], p["s_name"], p["fan"]
        self.ctx, self.feed, self.written = p["context"], p["feed"], p["written"]
        n_later = len(self.st.dec_cells) - self.i - 1
        self.later_cells, self.later_arrows = p["later"][:n_later], p["later"][n_later:]
        self.title_mob = self.heading()
        self.note = self.footnote(self.provenance(extra=self.st.dims_note()))
        self.add(self.title_mob, self.note, p["words"], self.columns, self.h_names, p["start"], p["cells"], p["later"],
                 self.written, self.s_label, self.fan)
        self.add_foreground_mobjects(self.ctx, self.feed)

    def equations(self) -> VGroup:
        th = self.theme
        self.eq_score = MathTex("e_{ij}", "=", r"v^\top", r"\tanh(", "W", "s_{i-1}", "+", "U", "h_j", ")", font_size=32)
        self.eq_soft = MathTex(r"\alpha_{ij}", "=", r"\exp e_{ij}", r"\,/\,", r"\textstyle\sum_k \exp e_{ik}", font_size=32)
        self.eq_sum = MathTex("c_i", "=", r"\textstyle\sum_j", r"\alpha_{ij}", "h_j", font_size=32)
        eqs = VGroup(self.eq_score, self.eq_soft, self.eq_sum).arrange(RIGHT, buff=0.7)
        fit_width(eqs, 13.0).move_to(self.title_mob).set_color(th.text)
        for part, color in ((self.eq_score[5], th.decoder), (self.eq_score[8], th.encoder), (self.eq_sum[4], th.encoder),
                            (self.eq_soft[0], th.alpha), (self.eq_sum[3], th.alpha), (self.eq_sum[0], th.context)):
            part.set_color(color)
        return eqs

    def light(self, *parts, run_time: float = 1.0, extra=()) -> None:
        """Equation terms swell in their own colour while `extra` plays on the picture."""
        self.play(*[Indicate(p, color=p.get_color(), scale_factor=1.3) for p in parts], *extra, run_time=run_time)

    # --- beats -----------------------------------------------------------------------------
    def show_equations(self) -> None:
        self.beat("equations", "Bahdanau and colleagues wrote this picture as three equations: a score per source "
                               "word, a softmax that makes the scores weights, and a weighted sum.")
        eqs = self.equations()
        self.play(*fade_replace(self.title_mob, eqs), run_time=1.5)
        pace = float(np.clip((self.reading_time_left() - 0.3) / 3, 0.8, 2.5))
        th = self.theme
        pieces = [  # the three, in the order the narration names them, each with what it draws
            [LaggedStart(*[Indicate(line, color=th.text) for line in self.fan.lines], lag_ratio=0.3)],
            [LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.4) for t in self.fan.labels], lag_ratio=0.3)],
            [Circumscribe(self.ctx[0], color=th.context), Indicate(self.feed, color=th.context)]]
        for eq, extra in zip(eqs, pieces):
            self.play(Indicate(eq, color=th.alpha, scale_factor=1.08), *extra, run_time=pace)

    def score(self) -> None:
        tr, i, th = self.tr, self.i, self.theme
        self.beat("scores", f"The score first: for output word {i + 1}, a small network with learned weights W, U "
                            f"and v compares the decoder's state s_{i} with each h_j. Its output e_ij is the "
                            "number on each line.")
        left = self.reading_time_left()
        pace = float(np.clip((left - 1.0) / 4, 1.0, 3.0))
        self.light(self.eq_score[5], run_time=pace,
                   extra=[Indicate(self.s_label, color=th.decoder, scale_factor=1.4),
                          self.st.dec_cells[i].pulse(th.decoder)])
        self.light(self.eq_score[8], run_time=pace,
                   extra=[LaggedStart(*[Indicate(n, color=th.encoder, scale_factor=1.4) for n in self.h_names],
                                      lag_ratio=0.3)])
        self.light(self.eq_score[2], self.eq_score[4], self.eq_score[7], run_time=pace)
        # the weights' lines become the plain lines of the scores, their numbers the scores
        self.lines = VGroup(*[self.pic.score_line(i, j, self.columns) for j in range(len(tr.source_tokens))])
        self.tags = self.pic.score_tags(i, self.columns)
        self.light(self.eq_score[0], run_time=pace,
                   extra=[Transform(self.fan.lines, self.lines), *fade_replace(self.fan.labels, self.tags)])

    def why_high(self) -> None:
        """The gap between a high and a low score, as bars: the few terms v_k·tanh(W s + U h_j)_k
        that make most of it, and the rest; terms where the sign flips between the words are lit.
        From the trace's own terms (they sum to e_ij)."""
        tr, i, th = self.tr, self.i, self.theme
        scores = tr.attention_scores[i]
        hi, lo = int(scores.argmax()), int(scores.argmin())
        if hi == lo or tr.score_terms is None:
            return
        terms = tr.score_terms[i]
        k = min(SHOWN_TERMS, terms.shape[1])
        rows = claims.telling_terms(terms[hi], terms[lo], k)
        words = claims.tokens_text([tr.source_tokens[hi], tr.source_tokens[lo]])
        self.beat("why", claims.why_score_narration(terms[hi], terms[lo], words[0], words[1], k) + " "
                  + claims.sign_flip_narration(terms[hi], terms[lo], rows, words[0], words[1]))
        panel = self.gap_panel(rows, hi, lo, words)
        self.play(Indicate(self.tags[hi], color=th.alpha, scale_factor=1.4),
                  Indicate(self.tags[lo], color=th.alpha, scale_factor=1.4), run_time=1.0)
        # the panel stands where the states are: they step aside while it is read, and come back
        under = [self.columns, self.tags, self.fan.lines, self.ctx, self.feed]
        self.remove_foreground_mobjects(self.ctx, self.feed)
        self.play(*[FadeOut(m) for m in under], FadeIn(panel.frame), FadeIn(panel.head), run_time=1.0)
        each = float(np.clip((self.reading_time_left() - 4.0) / len(panel.bars), 0.5, 3.0))
        for bar in panel.bars:
            self.play(GrowFromEdge(bar[1], LEFT if bar.value >= 0 else RIGHT), FadeIn(bar[0]), FadeIn(bar[2]),
                      FadeIn(bar[3]), run_time=each)
        # the sign sentence is read with the panel up: the lit terms, then v and tanh in the equation
        flips = [b for b in panel.bars if b.flip]
        hold = float(np.clip((self.reading_time_left() - 0.8) / 2, 0.8, 4.0))
        self.play(*[Indicate(b[3], color=th.alpha, scale_factor=1.2) for b in flips],
                  *[Indicate(b[1], color=th.alpha, scale_factor=1.05) for b in flips], run_time=hold)
        self.light(self.eq_score[2], self.eq_score[3], run_time=hold)
        self.add_foreground_mobjects(self.ctx, self.feed)
        self.play(FadeOut(panel), *[FadeIn(m) for m in under], run_time=0.8)

    def gap_panel(self, rows, hi: int, lo: int, words: list[str]) -> VGroup:
        """Bars of (term for the high word − term for the low word), one per shown unit, then the
        other units together; beside each, the two terms (their signs tell the story)."""
        tr, i, th = self.tr, self.i, self.theme
        terms = tr.score_terms[i]
        n = terms.shape[1]
        diff = terms[hi] - terms[lo]
        rest = float(diff.sum() - diff[rows].sum())
        values = [float(diff[kk]) for kk in rows] + [rest]
        pos, neg = max(max(values), 0.0), max(-min(values), 0.0)
        scale = 4.6 / max(pos + neg, 1e-6)
        x0 = -2.6 + neg * scale
        gap = float(diff.sum())
        head = fit_width(label(f"gap {gap:.1f} = score of '{words[0]}' − score of '{words[1]}', unit by unit "
                               "(each term: v times one unit of tanh(W s + U h))", 18, th.text), 10.4).move_to([0, 0, 0])
        pair_x = x0 + pos * scale + 1.6
        pair_head = fit_width(label(f"term: '{words[0]}' / '{words[1]}'", 15, th.muted), 2.6).move_to(
            [pair_x + 0.6, -0.42, 0])
        bars = VGroup()
        for r, v in enumerate(values):
            y = -0.85 - r * 0.38
            is_rest = r == len(rows)
            kk = None if is_rest else int(rows[r])
            flip = (not is_rest) and terms[hi, kk] > 0 > terms[lo, kk]
            color = th.alpha if flip else th.muted
            name = label(f"other {n - len(rows)} units" if is_rest else f"unit {kk + 1}", 16, th.text)
            name.move_to([-3.0, y, 0]).align_to([-3.0, 0, 0], RIGHT)
            width = max(abs(v) * scale, 0.02)
            bar = Rectangle(width=width, height=0.24, stroke_width=0, fill_color=color, fill_opacity=0.9)
            bar.move_to([x0 + (width / 2 if v >= 0 else -width / 2), y, 0])
            val = number(f"{v:+.1f}", 16, th.text).next_to([x0 + max(v, 0) * scale, y, 0], RIGHT, buff=0.12)
            pair = (label("", 15, th.muted) if is_rest else
                    number(f"{terms[hi, kk]:+.2f} / {terms[lo, kk]:+.2f}", 15, color)).move_to([pair_x + 0.6, y, 0])
            row = VGroup(name, bar, val, pair)
            row.value, row.flip = v, flip
            bars.add(row)
        axis = Line([x0, -0.6, 0], [x0, -0.85 - (len(values) - 1) * 0.38 - 0.25, 0], stroke_color=th.muted,
                    stroke_width=1.5)
        lit = any(b.flip for b in bars)
        said = ("lit: v and tanh(W s + U h) agree in sign for the first word, not for the second (term + then −)"
                if lit else "a diagram of the model's own terms for this step")
        note = fit_width(label(said, 14, th.muted), 10.4)
        note.next_to(bars, DOWN, buff=0.2).set_x(0)
        content = VGroup(head, pair_head, axis, bars, note)
        content.shift((self.st.dec_cells.get_bottom()[1] - 0.3 - content.get_top()[1]) * UP + (0 - content.get_x()) * RIGHT)
        frame = RoundedRectangle(corner_radius=0.1, width=min(content.width + 0.5, 11.2), height=content.height + 0.3,
                                 stroke_color=th.muted, stroke_width=1.5, fill_color=th.background,
                                 fill_opacity=1).move_to(content)
        panel = VGroup(frame, head, pair_head, axis, bars, note)
        panel.frame, panel.head, panel.bars = frame, VGroup(head, pair_head, axis, note), bars
        return panel

    def weights(self) -> None:
        """The softmax names attention-weights' second step: the score lines become the α fan. No
        numbers are replayed (attention-weights showed exp and the division); the formula is the paper's."""
        th = self.theme
        self.beat("softmax", "The softmax is the step that made the scores into the percentages on the lines: "
                             "exponentiate, then divide by the sum.")
        self.fan_now = self.pic.fan(self.i, self.columns)
        pace = float(np.clip((self.reading_time_left() - 0.3) / 2, 0.8, 2.5))
        self.light(self.eq_soft[2], self.eq_soft[4], run_time=pace,
                   extra=[Transform(self.fan.lines, self.fan_now.lines), *fade_replace(self.tags, self.fan_now.labels)])
        self.tags = self.fan_now.labels
        self.light(self.eq_soft[0], run_time=pace,
                   extra=[LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.3) for t in self.tags], lag_ratio=0.2)])

    def context(self) -> None:
        tr, i, th = self.tr, self.i, self.theme
        word = tr.target_tokens[i]
        shown = "the end-of-sentence token" if word == "<eos>" else f"'{word}'"
        self.beat("context", f"And the weighted sum is c_{i + 1}, the box whose arrow feeds the cell that wrote {shown}.")
        pace = float(np.clip(self.reading_time_left() / 3, 1.0, 2.5))
        self.light(self.eq_sum[3], self.eq_sum[4], run_time=pace,
                   extra=[LaggedStart(*[Circumscribe(VGroup(c, t), color=th.alpha)
                                        for c, t in zip(self.columns, self.tags)], lag_ratio=0.3)])
        self.light(self.eq_sum[0], run_time=pace, extra=[Circumscribe(self.ctx, color=th.context)])
        self.play(Indicate(self.feed, color=th.context), self.st.dec_cells[i].pulse(th.context),
                  Indicate(self.written[i], color=th.target), run_time=pace)

    def remaining_steps(self) -> None:
        tr, st = self.tr, self.st
        steps = len(tr.target_tokens)
        if self.i + 1 >= steps:
            return
        until = ("until the model writes the end-of-sentence token." if tr.finished else
                 f"until decoding stops at its cap of {steps} words: this model never writes the end-of-sentence token.")
        self.beat("all-steps", "The same equations run for every later word: a new s_{i-1}, new scores and weights, "
                               f"a new context, {until}")
        # the steps share the narration (at least STEP_SECONDS each): no still picture while it is read
        part = float(np.clip((self.reading_time_left() - 0.8) / (3 * (steps - self.i - 1)), STEP_SECONDS / 3, 1.8))
        for i in range(self.i + 1, steps):
            k = i - self.i - 1
            cell, arrow = self.later_cells[k], self.later_arrows[k]
            s_new = self.pic.s_name(i)
            self.light(self.eq_score[5], run_time=part,
                       extra=[cell.animate.set_opacity(1), arrow.animate.set_opacity(1),
                              *fade_replace(self.s_label, s_new)])
            self.s_label = s_new
            fan = self.pic.fan(i, self.columns)
            self.light(self.eq_score[0], self.eq_soft[0], run_time=part,
                       extra=[Transform(self.fan.lines, fan.lines), *fade_replace(self.tags, fan.labels)])
            self.tags = fan.labels
            ctx = self.pic.context(i, fan)
            feed = self.pic.feed_arrow(i, ctx)
            word = st.out_words[i].copy().set_opacity(1)
            self.remove_foreground_mobjects(self.ctx, self.feed)
            self.add_foreground_mobjects(ctx, feed)
            self.light(self.eq_sum[0], run_time=part, extra=[FadeOut(self.ctx), FadeOut(self.feed), FadeIn(ctx),
                                                             GrowArrow(feed), FadeIn(word, shift=0.2 * UP)])
            self.ctx, self.feed = ctx, feed
        self.wait(1.0)  # the finished sentence, at rest (a video shows no frame of an animation's very end)

