"""Bahdanau step by step (article fig. 13): the three equations on attention-weights' last picture
(kit.attention_picture builds both). The heading gives way to the equations; each term lights with
the piece of the picture it names (s_{i-1}, h_j, the lines' scores e_ij, the α fan, c_i and its
arrow), without replaying attention-weights' numbers; one real unit of the score's network, large,
shows why one word scores above another (W s shared, U h_j differing, v_k rewarding one sign of
tanh); then the remaining decoding steps run in the same picture, and the end token's weights are
said for what they are."""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
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
from scenes.kit.attention_picture import AttentionPicture, bahdanau_equations

STEP_SECONDS = 2.4        # each decoding step after the one explained


def pick_unit(high: np.ndarray, low: np.ndarray) -> int:
    """The unit of the score's network to show: of the terms v_k·tanh(W s + U h_j)_k, the one that
    favours the high word most among those positive for it and negative for the low word (the
    clearest case of "v rewards one side"); with none such, the one that favours it most."""
    order = claims.telling_terms(high, low, len(high))
    flips = claims.sign_flips(high, low, order)
    return int(flips[0] if flips else order[0])


def unit_narration(high: np.ndarray, low: np.ndarray, v: float, k: int, step: int, high_word: str,
                   low_word: str) -> list[str]:
    """What unit k shows about the two scores (their terms `high`, `low` sum to them), said no
    stronger than its numbers: which sign of tanh v_k rewards, and how each word's term came out.
    In four parts (the question, the unit, W s and U h, v and the terms): each is drawn while said."""
    high, low = np.asarray(high, dtype=float), np.asarray(low, dtype=float)
    n, th, tl = len(high), float(high[k]), float(low[k])
    side = "negative" if v < 0 else "positive"
    rule = f"and v_{k + 1} is {side}: the term adds when tanh is {side}"
    if th > 0 > tl:
        outcome = f"{rule}, {th:+.2f} for '{high_word}', and subtracts for '{low_word}', {tl:+.2f}."
    elif th > 0 and tl > 0:
        outcome = f"{rule}, for both words here, more for '{high_word}', {th:+.2f}, than for '{low_word}', {tl:+.2f}."
    elif th <= 0 and tl <= 0:
        outcome = (f"{rule}; here it is not for either word, and '{low_word}' loses more, {tl:+.2f} against {th:+.2f}."
                   if tl < th else f"{rule}; here it is not for either word: '{high_word}' {th:+.2f}, '{low_word}' "
                   f"{tl:+.2f}.")
    else:
        outcome = f"{rule}, for '{low_word}', {tl:+.2f}, and subtracts for '{high_word}', {th:+.2f}."
    return [f"Why does '{high_word}' score {high.sum():+.1f} and '{low_word}' only {low.sum():+.1f}?",
            f"The score adds up {n} terms, one per unit; {gap_share(high, low, k)}",
            f"W s_{step} is the same for both words, U h_j differs,", outcome]


def gap_share(high: np.ndarray, low: np.ndarray, k: int) -> str:
    """How much of the gap between the two scores unit k gives, and where it ranks among the n units'
    differences, so that no one reads the gap as one unit's doing."""
    diff = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    gap, dk, n = float(diff.sum()), float(diff[k]), len(diff)
    rank = int((diff > dk).sum())
    of = f"{dk:.2f} of the {gap:.1f}-point gap" if dk > 0 else f"{dk:+.2f} to the {gap:.1f}-point gap"
    if dk >= gap:
        return f"unit {k + 1} alone gives {of}; take it."
    if rank == 0:
        return (f"of the {n}, unit {k + 1} gives the most, only {of}; the other {n - 1} give the rest. "
                "Take that unit.")
    best = int(diff.argmax())
    more = (f"more, {float(diff[best]):.2f}; no unit gives it alone" if float(diff[best]) < gap
            else "more than the whole gap")
    return f"take unit {k + 1}: it gives {of}, and unit {best + 1} gives {more}."


def shown_digits(tanhs, v: float, terms) -> int:
    """Decimals for the tanh and v_k columns: 2, unless then the shown product would not round to
    the shown term, or a tanh would read as ±1.00 (it never reaches 1): 3."""
    for d in (2, 3):
        tv = [round(float(t), d) for t in tanhs]
        if all(f"{x * round(v, d):+.2f}" == f"{float(term):+.2f}" and abs(x) < 1 for x, term in zip(tv, terms)):
            return d
    return 3


def eos_narration(alphas: np.ndarray, source: list[str]) -> str:
    """The end-of-sentence step's weights, said only as far as they go: it translates no source word,
    yet the softmax still shares 100% among the words; where the most of it went."""
    alphas = np.asarray(alphas, dtype=float)
    best = int(alphas.argmax())
    share = claims.said_percent(float(alphas[best]))
    text = "The end-of-sentence token translates no source word, yet its weights still add up to 100%: "
    if alphas[best] >= 0.5:
        return text + f"{share} of them go to '{source[best]}'."
    return text + f"they are spread out, and the largest share, {share}, goes to '{source[best]}'."


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
        """The three equations in the heading's place (the kit's builder: the heatmap opens on them too)."""
        eqs = bahdanau_equations(self.title_mob)
        self.eq_score, self.eq_soft, self.eq_sum = eqs
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
        # at once, as the scores are named: the weights' lines become the plain lines of the scores,
        # their numbers the scores
        self.lines = VGroup(*[self.pic.score_line(i, j, self.columns) for j in range(len(tr.source_tokens))])
        self.tags = self.pic.score_tags(i, self.columns)
        self.light(self.eq_score[0], run_time=pace,
                   extra=[Transform(self.fan.lines, self.lines), *fade_replace(self.fan.labels, self.tags)])
        self.light(self.eq_score[5], run_time=pace,
                   extra=[Indicate(self.s_label, color=th.decoder, scale_factor=1.4),
                          self.st.dec_cells[i].pulse(th.decoder)])
        self.light(self.eq_score[8], run_time=pace,
                   extra=[LaggedStart(*[Indicate(n, color=th.encoder, scale_factor=1.4) for n in self.h_names],
                                      lag_ratio=0.3)])
        self.light(self.eq_score[2], self.eq_score[4], self.eq_score[7], run_time=pace * 0.6)
        self.light(self.eq_score[0], run_time=pace * 0.4,
                   extra=[LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.3) for t in self.tags],
                                      lag_ratio=0.2)])

    def why_high(self) -> None:
        """Why one score is high, taught on one real unit of the score's small network, large: W s
        is the same for both words, U h_j differs, and the sign of v_k decides which side of tanh
        adds. From the trace's own parts (score_query, score_keys, score_v)."""
        tr, i, th = self.tr, self.i, self.theme
        scores = tr.attention_scores[i]
        hi, lo = int(scores.argmax()), int(scores.argmin())
        if hi == lo or tr.score_terms is None:
            return
        terms = tr.score_terms[i]
        k = pick_unit(terms[hi], terms[lo])
        words = claims.tokens_text([tr.source_tokens[hi], tr.source_tokens[lo]])
        said = unit_narration(terms[hi], terms[lo], float(tr.score_v[k]), k, i, words[0], words[1])
        self.beat("why", " ".join(said))
        # each part of the narration gets its share of the beat, by length (as a voice reads it)
        share = (self.reading_time_left() - 0.8) / sum(len(p) for p in said)
        d = [max(len(p) * share, 0.9) for p in said]
        rows = self.unit_panel(k, hi, lo, words)
        self.play(Indicate(self.tags[hi], color=th.alpha, scale_factor=1.4),
                  Indicate(self.tags[lo], color=th.alpha, scale_factor=1.4), run_time=d[0])
        # the panel stands where the states are: they step aside while it is read, and come back
        under = [self.columns, self.tags, self.fan.lines, self.ctx, self.feed]
        self.remove_foreground_mobjects(self.ctx, self.feed)
        self.play(*[FadeOut(m) for m in under], FadeIn(rows.frame), FadeIn(rows.head), run_time=min(d[1] / 2, 1.2))
        self.light(self.eq_score[2], run_time=d[1] - min(d[1] / 2, 1.2), extra=[FadeIn(rows.total, shift=0.1 * UP)])
        eq, cols = self.eq_score, rows.cols
        for col, lit, t in ((cols["ws"], [eq[4], eq[5]], d[2] / 2), (cols["uh"], [eq[7], eq[8]], d[2] / 2),
                            (cols["v"], [eq[2]], d[3] / 4), (cols["tanh"], [eq[3]], d[3] / 4),
                            (cols["term"], [eq[0]], d[3] / 4)):
            self.light(*lit, run_time=t, extra=[FadeIn(col, lag_ratio=0.2)])
        self.play(Indicate(cols["term"][1], color=th.alpha, scale_factor=1.15), run_time=d[3] / 4)
        self.add_foreground_mobjects(self.ctx, self.feed)
        self.play(FadeOut(rows), *[FadeIn(m) for m in under], run_time=0.8)

    def unit_panel(self, k: int, hi: int, lo: int, words: list[str]) -> VGroup:
        """Unit k of step i for two words, as arithmetic at reading size:
        word  tanh( W s + U h_j ) = t  × v_k = term; under it, the two scores all the terms add up to.
        .cols: the pieces each step of the narration shows (column by column), .head: the rest."""
        tr, i, th = self.tr, self.i, self.theme
        q, v = float(tr.score_query[i, k]), float(tr.score_v[k])
        n = tr.score_terms.shape[2]
        size = 24
        cells = []
        rows = [(j, word, float(tr.score_keys[j, k])) for j, word in zip((hi, lo), words)]
        tanhs = [float(np.tanh(q + key)) for _, _, key in rows]
        terms = [float(tr.score_terms[i, j, k]) for j, _, _ in rows]
        d = shown_digits(tanhs, v, terms)
        for (_, word, key), t, term in zip(rows, tanhs, terms):
            cells += [label(f"'{word}'", size, th.encoder), label("tanh(", size, th.muted),
                      number(f"{q:+.2f}", size, th.decoder), label("+", size, th.muted),
                      number(f"{key:+.2f}", size, th.encoder), label(") =", size, th.muted),
                      number(f"{t:+.{d}f}", size, th.text), label("×", size, th.muted),
                      number(f"{v:+.{d}f}", size, th.text), label("=", size, th.muted),
                      number(f"{term:+.2f}", size, th.alpha)]
        grid = VGroup(*cells).arrange_in_grid(rows=2, cols=11, buff=(0.2, 0.3), col_alignments="rcccccccccc")
        heads = {2: MathTex(r"W s_{" + str(i) + "}", font_size=36, color=th.decoder),
                 4: MathTex("U h_j", font_size=36, color=th.encoder),
                 6: MathTex(r"\tanh", font_size=36, color=th.text),
                 8: MathTex(r"v_{" + str(k + 1) + "}", font_size=36, color=th.text),
                 10: label("term", 22, th.alpha)}
        for c, h in heads.items():  # on one line above their column
            h.move_to([grid[c].get_x(), grid.get_top()[1] + 0.38, 0])
        top = VGroup(*heads.values())
        head = fit_width(label(f"inside the score: unit {k + 1} of its {n}, real values of this step", 20, th.text),
                         10.0)
        s_hi, s_lo = (float(tr.attention_scores[i, j]) for j in (hi, lo))
        gap = float(tr.score_terms[i, hi].sum() - tr.score_terms[i, lo].sum())
        dk = float(tr.score_terms[i, hi, k] - tr.score_terms[i, lo, k])
        total = VGroup(*[fit_width(label(t, 20, th.text), 10.0) for t in (
            f"the score adds up all {n} such terms: '{words[0]}' {s_hi:+.1f}, '{words[1]}' {s_lo:+.1f}",
            f"unit {k + 1} gives {dk:+.2f} of the {gap:.1f} gap between them; the other {n - 1} units the rest")]
        ).arrange(DOWN, buff=0.12)
        body = VGroup(top, grid)
        content = VGroup(head, body, total).arrange(DOWN, buff=0.3)
        content.shift((self.st.dec_cells.get_bottom()[1] - 0.3 - content.get_top()[1]) * UP + (0 - content.get_x()) * RIGHT)
        frame = RoundedRectangle(corner_radius=0.1, width=min(content.width + 0.6, 11.2), height=content.height + 0.4,
                                 stroke_color=th.muted, stroke_width=1.5, fill_color=th.background,
                                 fill_opacity=1).move_to(content)
        panel = VGroup(frame, head, body, total)
        both = lambda idx: VGroup(*[grid[r * 11 + c] for r in (0, 1) for c in idx])
        panel.cols = {"ws": VGroup(heads[2], both([1, 2])), "uh": VGroup(heads[4], both([3, 4, 5])),
                      "tanh": VGroup(heads[6], both([6])), "v": VGroup(heads[8], both([7, 8])),
                      "term": VGroup(heads[10], both([9, 10]))}
        panel.frame, panel.head, panel.total = frame, VGroup(head, both([0])), total
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
            ctx = self.pic.context(i, fan, off_every_line=i < steps - 1)
            feed = self.pic.feed_arrow(i, ctx)
            word = st.out_words[i].copy().set_opacity(1)
            self.remove_foreground_mobjects(self.ctx, self.feed)
            self.add_foreground_mobjects(ctx, feed)
            self.light(self.eq_sum[0], run_time=part, extra=[FadeOut(self.ctx), FadeOut(self.feed), FadeIn(ctx),
                                                             GrowArrow(feed), FadeIn(word, shift=0.2 * UP)])
            self.ctx, self.feed, self.last_word = ctx, feed, word
        if tr.finished and tr.target_tokens[-1] == "<eos>":
            self.end_token()
        self.wait(1.0)  # the finished sentence, at rest (a video shows no frame of an animation's very end)

    def end_token(self) -> None:
        """The last step's weights, with a sentence: the end token has no word to translate, yet its
        fan still shares 100% (its heaviest line and word light, then every percentage in turn)."""
        tr, st, th = self.tr, self.st, self.theme
        alphas = tr.attention[-1]
        self.beat("eos", eos_narration(alphas, claims.tokens_text(tr.source_tokens)))
        best = int(alphas.argmax())
        pace = float(np.clip((self.reading_time_left() - 0.3) / 3, 1.0, 3.0))
        self.play(Indicate(self.last_word, color=th.target), run_time=pace)
        self.play(LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.25) for t in self.tags], lag_ratio=0.3),
                  run_time=pace)
        self.play(Indicate(VGroup(self.fan.lines[best], self.tags[best]), color=th.alpha),
                  Indicate(st.words[best], color=th.alpha, scale_factor=1.12), run_time=pace)
