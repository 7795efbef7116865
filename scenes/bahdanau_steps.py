"""Bahdanau step by step (article fig. 13): the three equations on attention-weights' last picture
(kit.attention_picture builds both). The heading gives way to the equations; each term lights with
the piece of the picture it names (s_{i-1}, h_j, the lines' scores e_ij, the α fan, c_i and its
arrow); a card shows why one score is high from the model's own terms v_k·tanh(W s + U h_j)_k;
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
    Indicate,
    LaggedStart,
    MathTex,
    RoundedRectangle,
    Transform,
    VGroup,
)

from scenes.kit import ExplainerScene, claims, fade_replace, fit_width, label, number
from scenes.kit.attention_picture import AttentionPicture

SHOWN_TERMS = 5           # rows of the card: the terms that differ most between two scores
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
        """A card: the terms of two scores, high and low, that differ most, with the learned weight
        v_k of each lit; from the trace's own terms (they sum to e_ij)."""
        tr, i, th = self.tr, self.i, self.theme
        scores = tr.attention_scores[i]
        hi, lo = int(scores.argmax()), int(scores.argmin())
        if hi == lo or tr.score_terms is None:
            return
        terms = tr.score_terms[i]
        k = min(SHOWN_TERMS, terms.shape[1])
        self.beat("why", claims.why_score_narration(terms[hi], terms[lo], tr.source_tokens[hi], tr.source_tokens[lo], k))
        rows = claims.telling_terms(terms[hi], terms[lo], k)
        card = self.term_card(rows, hi, lo)
        self.play(Indicate(self.tags[hi], color=th.alpha, scale_factor=1.4),
                  Indicate(self.tags[lo], color=th.alpha, scale_factor=1.4), run_time=1.0)
        # the card stands where the states are: they step aside while it is read, and come back
        under = [self.columns, self.tags, self.fan.lines, self.ctx, self.feed]
        self.remove_foreground_mobjects(self.ctx, self.feed)
        self.play(*[FadeOut(m) for m in under], FadeIn(card.frame), FadeIn(card.head), run_time=1.0)
        self.light(self.eq_score[4], self.eq_score[5], run_time=1.0, extra=[FadeIn(card.query_note)])
        each = float(np.clip((self.reading_time_left() - 3.0) / max(len(card.body), 1), 0.6, 2.0))
        for row in card.body:  # each term, then its weight v_k lit
            self.play(FadeIn(row, shift=0.1 * UP), run_time=0.5 * each)
            self.play(Indicate(row[1], color=th.alpha, scale_factor=1.3), run_time=0.5 * each)
        self.play(FadeIn(card.total), run_time=1.0)
        self.play(Indicate(card.total, color=th.alpha, scale_factor=1.1),
                  run_time=float(np.clip(self.reading_time_left() - 0.8, 0.8, 2.5)))
        self.add_foreground_mobjects(self.ctx, self.feed)
        self.play(FadeOut(card), *[FadeIn(m) for m in under], run_time=0.8)

    def term_card(self, rows, hi: int, lo: int) -> VGroup:
        """The card's table: term k, v_k, (W s)_k, then for each word (U h_j)_k and its term."""
        tr, i, th = self.tr, self.i, self.theme
        q, keys, v, terms = tr.score_query[i], tr.score_keys, tr.score_v, tr.score_terms[i]
        words = claims.tokens_text([tr.source_tokens[hi], tr.source_tokens[lo]])
        xs = [-4.6, -3.3, -1.9, -0.2, 1.6, 3.3, 5.0]
        heads = ["term k", r"$v_k$", rf"$(W s_{{{i}}})_k$", rf"$(U h_{{{hi + 1}}})_k$", f"term, '{words[0]}'",
                 rf"$(U h_{{{lo + 1}}})_k$", f"term, '{words[1]}'"]
        colors = [th.muted, th.alpha, th.decoder, th.encoder, th.text, th.encoder, th.text]
        size = 18
        top = 1.15

        def cell(text, x, y, color):
            return fit_width(number(text, size, color), 1.55).move_to([x, y, 0])

        head = VGroup(*[fit_width(MathTex(h[1:-1], font_size=26, color=c) if h.startswith("$") else label(h, 17, c), 1.6)
                        .move_to([x, top, 0]) for h, x, c in zip(heads, xs, colors)])
        gap = 0.36
        body = VGroup()
        for r, kk in enumerate(rows):
            y = top - 0.45 - r * gap
            body.add(VGroup(cell(f"{kk + 1}", xs[0], y, th.muted), cell(f"{v[kk]:+.2f}", xs[1], y, th.alpha),
                            cell(f"{q[kk]:+.2f}", xs[2], y, th.decoder), cell(f"{keys[hi, kk]:+.2f}", xs[3], y, th.encoder),
                            cell(f"{terms[hi, kk]:+.2f}", xs[4], y, th.text), cell(f"{keys[lo, kk]:+.2f}", xs[5], y, th.encoder),
                            cell(f"{terms[lo, kk]:+.2f}", xs[6], y, th.text)))
        y = top - 0.45 - len(rows) * gap - 0.1
        n = terms.shape[1]
        total = VGroup(fit_width(label(f"all {n} terms added up, the score:", 16, th.muted), 4.0)
                       .move_to([0, y, 0]).align_to([xs[3] + 0.8, 0, 0], RIGHT),
                       cell(f"{terms[hi].sum():+.1f}", xs[4], y, th.text), cell(f"{terms[lo].sum():+.1f}", xs[6], y, th.text))
        note = MathTex(r"\text{" + f"{len(rows)} of {n} terms shown, those that differ most;" + r"}\ "
                       r"\text{term} = v_k \tanh\big((W s)_k + (U h_j)_k\big)", font_size=24, color=th.muted)
        note = fit_width(note, 11.6).next_to(total, DOWN, buff=0.18)
        query_note = MathTex(rf"W s_{{{i}}}" + r"\text{ is the same for every word}", font_size=26, color=th.decoder)
        query_note.next_to(head, UP, buff=0.15)
        content = VGroup(head, body, total, note, query_note)
        content.shift((self.st.dec_cells.get_bottom()[1] - 0.3 - content.get_top()[1]) * UP)
        frame = RoundedRectangle(corner_radius=0.1, width=13.0, height=content.height + 0.3, stroke_color=th.muted,
                                 stroke_width=1.5, fill_color=th.background, fill_opacity=1).move_to(content)
        card = VGroup(frame, head, body, total, note, query_note)
        card.frame, card.head, card.body, card.total, card.query_note = frame, VGroup(head, note), body, total, query_note
        return card

    def weights(self) -> None:
        tr, i, th = self.tr, self.i, self.theme
        self.beat("softmax", "The softmax: exponentiate each score, then divide by their sum, so the weights are "
                             "positive and add up to 100%. "
                  + claims.score_gap_narration(tr.attention_scores[i]))
        self.fan_now = self.pic.fan(i, self.columns)
        exps, _ = claims.softmax_parts(tr.attention_scores[i])
        exp_tags = VGroup(*[number(claims.exp_text(v), self.pic.label_size(), th.alpha).move_to(t)
                            for v, t in zip(exps, self.tags)])
        pace = float(np.clip((self.reading_time_left() - 2.0) / 4, 1.2, 3.0))
        self.light(self.eq_soft[2], run_time=pace, extra=fade_replace(self.tags, exp_tags))  # exp(e - e_max)
        self.tags = exp_tags
        # the sum term shows its value in place, then the weights come out of the division
        total = MathTex(r"\alpha_{ij}", "=", r"\exp e_{ij}", r"\,/\,", f"{float(exps.sum()):.2f}", font_size=32)
        total.scale(self.eq_soft[0].height / total[0].height)  # the equations' size after fit_width
        total.set_color(th.text).align_to(self.eq_soft, LEFT).align_to(self.eq_soft, DOWN)
        total[0].set_color(th.alpha)
        total[4].set_color(th.alpha)
        self.light(self.eq_soft[4], run_time=pace,
                   extra=[LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.3) for t in self.tags], lag_ratio=0.2)])
        self.play(*fade_replace(self.eq_soft, total), run_time=0.8)
        self.light(total[0], run_time=pace,
                   extra=[Transform(self.fan.lines, self.fan_now.lines), *fade_replace(self.tags, self.fan_now.labels)])
        self.play(*fade_replace(total, self.eq_soft), run_time=0.8)
        self.tags = self.fan_now.labels
        scores = tr.attention_scores[i]
        if len(scores) > 1:  # the narration's gap: the two top scores' weights
            top = [int(j) for j in np.argsort(-scores, kind="stable")[:2]]
            self.play(*[Indicate(VGroup(self.fan.lines[j], self.tags[j]), color=th.alpha, scale_factor=1.2) for j in top],
                      *[Indicate(self.st.words[j], color=th.alpha, scale_factor=1.12) for j in top],
                      run_time=float(np.clip(self.reading_time_left() - 0.3, 1.0, 3.0)))

    def context(self) -> None:
        tr, i, th = self.tr, self.i, self.theme
        word = tr.target_tokens[i]
        shown = "the end-of-sentence token" if word == "<eos>" else f"'{word}'"
        self.beat("context", f"The weighted sum: each h_j times its weight, added up, is c_{i + 1}; the arrow carries it "
                             f"into the decoder cell that wrote {shown}.")
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

