"""Attention weights (article figs. 9–11), on one picture (kit.attention_picture): the encoder
states h_j relight and are named, the decoder's state s_{i-1} is named, a line from it to each h_j
carries that pair's score e_ij, the softmax turns the scores into weights (exp, then ÷ the sum) as
the lines thicken into the α fan, the states scaled by α slide into c_i, an arrow routes c_i into
the decoder cell it feeds, and the next word rises out of the candidate list into the sentence.
bahdanau-steps opens on this chapter's last picture."""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    BackgroundRectangle,
    Circumscribe,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    Indicate,
    LaggedStart,
    Line,
    MathTex,
    ReplacementTransform,
    Transform,
    VGroup,
)

from scenes.kit import AlphaFan, ExplainerScene, ProbabilityBars, claims, fade_replace, label, number
from scenes.kit.attention_picture import LATER, RELOWER, AttentionPicture
from scenes.kit.layout import TEXT_EDGE_X
from scenes.kit.stage import DIM


def overlaps(a, b, pad: float = 0.05) -> bool:
    """Whether box `a` touches `b`: its box, or for a line, a point along it (a slanted line's box is
    mostly empty)."""
    (ax0, ay0, _), (ax1, ay1, _) = a.get_corner(DOWN + LEFT), a.get_corner(UP + RIGHT)
    if isinstance(b, Line):
        start, end = b.get_start(), b.get_end()
        return any(ax0 - pad < p[0] < ax1 + pad and ay0 - pad < p[1] < ay1 + pad
                   for p in (start + t * (end - start) for t in np.linspace(0, 1, 50)))
    (bx0, by0, _), (bx1, by1, _) = b.get_corner(DOWN + LEFT), b.get_corner(UP + RIGHT)
    return ax0 < bx1 + pad and bx0 < ax1 + pad and ay0 < by1 + pad and by0 < ay1 + pad


class AttentionWeights(ExplainerScene):
    title = "Attention: look back at every word, with weights"

    def construct(self) -> None:
        self.pic = AttentionPicture(self.tr)
        self.stage, self.step = self.pic.stage, self.pic.step
        self.start_from_the_bottleneck_picture()
        self.relight_every_state()
        self.score()
        self.softmax()
        self.fan_out()
        self.weighted_sum()
        self.next_word()

    # --- beats -----------------------------------------------------------------------------
    def start_from_the_bottleneck_picture(self) -> None:
        """The core stage as the bottleneck left it: states dimmed, the decoder starting from its
        initial state — here with the attention model's own values."""
        st, pic = self.stage, self.pic
        picture = st.relay_end()
        picture.remove(st.rule_mob, st.box)
        self.note = self.footnote(self.provenance(extra=st.dims_note()))
        self.add(self.heading(), self.note, picture, pic.start, pic.start_name, pic.start_arrow,
                 st.dec_cells, st.dec_arrows)

    def relight_every_state(self) -> None:
        st, pic, i = self.stage, self.pic, self.step
        self.beat("states", "Attention changes one thing: to write each word, the decoder may look back at every "
                            "encoder state h_j, not only the last.")
        self.play(*[c.animate.set_opacity(1) for c in st.columns], run_time=1.2)
        self.play(FadeOut(VGroup(st.cells, st.batons, st.word_arrows)),
                  st.columns.animate.shift(RELOWER * DOWN), run_time=1.0)
        self.h_names = pic.h_names(st.columns)
        # every state is named, in reading order, as the sentence says "every encoder state"
        self.play(LaggedStart(*[FadeIn(n, shift=0.1 * UP) for n in self.h_names], lag_ratio=0.3), run_time=1.2)
        # the sentence written so far, the word about to be written shown as '?'
        self.question = label("?", 26, self.theme.muted).move_to(st.out_words[i])
        self.later = VGroup(*st.dec_cells[i + 1:], *st.dec_arrows[i:])
        self.s_name = pic.s_name(i)
        self.play(FadeIn(VGroup(*st.out_words[:i])), FadeIn(self.question), self.later.animate.set_opacity(LATER),
                  FadeIn(self.s_name), st.dec_cells[i].pulse(self.theme.decoder), run_time=1.5)
        left = self.reading_time_left()
        if left > 0.8:  # "not only the last": every state lights, the last one too
            self.play(LaggedStart(*[Indicate(VGroup(c, n), color=self.theme.encoder, scale_factor=1.08)
                                    for c, n in zip(st.columns, self.h_names)], lag_ratio=0.4),
                      run_time=min(left - 0.2, 4.0))

    def score(self) -> None:
        st, pic, tr, i = self.stage, self.pic, self.tr, self.step
        scores = tr.attention_scores[i]
        self.beat("scores", f"First, the decoder's state s_{i} is compared with every state h_j: a line for each pair, "
                            f"and one number e_ij per word, from the model's own small network. "
                            f"{claims.score_narration(scores, tr.source_tokens)}")
        self.lines = VGroup(*[pic.score_line(i, j, st.columns) for j in range(len(scores))])
        self.tags = pic.score_tags(i, st.columns)
        self.band_name = MathTex(r"e_{" + str(i + 1) + r"j}", font_size=30, color=self.theme.text)
        self.place_name(self.band_name)
        self.play(FadeIn(self.band_name), Indicate(self.s_name, color=self.theme.decoder), run_time=0.8)
        per = min(2.5, max(0.25, (self.reading_time_left() - 3.0) / len(scores)))
        for line, tag, name in zip(self.lines, self.tags, self.h_names):  # the line, then its number
            self.play(Create(line), FadeIn(tag, shift=0.1 * DOWN), Indicate(name, color=self.theme.encoder),
                      run_time=per)
        if len(scores) > 1:  # the two scores the narration names, over what is left of it
            pace = float(np.clip((self.reading_time_left() - 0.2) / 2, 1.2, 3.0))
            for j in (int(scores.argmax()), int(scores.argmin())):
                self.play(Indicate(VGroup(self.lines[j], self.tags[j]), color=self.theme.alpha),
                          self.flash_word(j), run_time=pace)

    def softmax(self) -> None:
        """Two beats, each drawn while it is said: exp (the lines thicken with exp(e - e_max), their
        numbers replaced), then the division by the sum (the α fan and its formula)."""
        tr, i, th = self.tr, self.step, self.theme
        exps, _ = claims.softmax_parts(tr.attention_scores[i])
        alphas = tr.attention[i]  # the model's own α (equal to the normalised exp up to rounding)
        said_exp, said_divide = claims.softmax_narration_parts(tr.attention_scores[i])
        self.beat("softmax", said_exp)
        k = str(i + 1)
        # "The softmax turns scores into weights." first: the scores light while it is read
        first = len(said_exp.split(". ")[0]) / len(said_exp) * self.reading_time_left()
        self.play(LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.2) for t in self.tags], lag_ratio=0.3),
                  run_time=float(np.clip(first, 1.0, 3.0)))
        pace = float(np.clip((self.reading_time_left() - 1.0) / 2, 1.5, 3.5))
        # the lines thicken with exp(e - e_max) (the largest is 1); their numbers are replaced, not morphed
        exp_fan = self.fan_of(np.minimum(exps, 1.0))
        exp_tags = VGroup(*[number(claims.exp_text(v), self.pic.label_size(), th.alpha).move_to(t)
                            for v, t in zip(exps, self.tags)])
        exp_name = MathTex(r"\exp(e_{" + k + r"j} - e_{\max})", font_size=28, color=th.alpha)
        self.place_name(exp_name)
        self.play(Transform(self.lines, exp_fan.lines), *fade_replace(self.tags, exp_tags),
                  *fade_replace(self.band_name, exp_name), run_time=pace)
        self.tags, self.band_name = exp_tags, exp_name
        best = int(exps.argmax())
        left = self.reading_time_left()
        if left > 0.8:  # "the largest pulls far ahead": the largest, then the others, while it is read
            self.play(Indicate(VGroup(self.lines[best], self.tags[best]), color=th.alpha),
                      LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.2) for j, t in enumerate(self.tags)
                                    if j != best], lag_ratio=0.4), run_time=min(left - 0.2, 4.0))
        self.beat("divide", said_divide)
        total = float(exps.sum())
        self.fan = self.fan_of(alphas)
        alpha_name = MathTex(r"\alpha_{" + k + r"j} = \frac{\exp(e_{" + k + r"j} - e_{\max})}{" + f"{total:.2f}" + "}",
                             font_size=28, color=th.alpha)
        self.place_name(alpha_name)
        self.play(Transform(self.lines, self.fan.lines), *fade_replace(self.tags, self.fan.labels),
                  *fade_replace(self.band_name, alpha_name), run_time=float(np.clip(self.reading_time_left() / 2,
                                                                                     1.2, 2.5)))
        self.band_name = alpha_name
        left = self.reading_time_left()
        if left > 0.8:  # "add up to 100%": every weight lights, one after another
            self.play(LaggedStart(*[Indicate(t, color=th.alpha, scale_factor=1.25) for t in self.fan.labels],
                                  lag_ratio=0.5), run_time=min(left - 0.2, 3.0))

    def fan_of(self, alphas: np.ndarray) -> AlphaFan:
        """The fan of step i with these weights, on the states where they are now."""
        pic = self.pic
        return AlphaFan(self.stage.dec_cells[self.step].get_bottom(), pic.ends(self.stage.columns)[0], alphas,
                        labels=True, min_width=2.0, min_opacity=0.45, label_size=pic.label_size(),
                        label_points=pic.ends(self.stage.columns)[1])

    def fan_out(self) -> None:
        tr, i = self.tr, self.step
        alphas = tr.attention[i]
        self.beat("fan", f"These are the attention weights of this step, over every state. "
                         f"{claims.weight_narration(alphas, tr.source_tokens)}")
        # the lines are the fan now: one mobject from here on
        self.remove(self.lines)
        self.add(self.fan.lines)
        self.play(FadeOut(self.band_name), run_time=0.5)
        best = int(alphas.argmax())
        self.play(Indicate(VGroup(self.fan.lines[best], self.fan.labels[best]), color=self.theme.alpha),
                  self.flash_word(best), run_time=1.5)
        rest = [j for j in range(len(alphas)) if j != best]
        if rest:  # the small weights are there too: every state is looked at, one after another
            pace = float(np.clip(self.reading_time_left() - 0.3, 1.5, 5.0))
            self.play(LaggedStart(*[Indicate(VGroup(self.fan.lines[j], self.fan.labels[j], self.h_names[j]),
                                             color=self.theme.alpha) for j in rest], lag_ratio=0.6),
                      *[self.flash_word(j) for j in rest], run_time=pace)

    def weighted_sum(self) -> None:
        st, pic, tr, i = self.stage, self.pic, self.tr, self.step
        alphas = tr.attention[i]
        said = ["Each state is scaled by its weight, and the scaled states are added up.",
                "The sum, c_i, is the context for this word alone;",
                "an arrow carries it into the decoder cell that writes the word.", "The next word gets a new one."]
        self.beat("sum", " ".join(said))
        # each part of the narration gets its share of the beat, by length (as a voice reads it)
        share = (self.reading_time_left() - 0.2) / sum(len(p) for p in said)
        d = [max(len(p) * share, 1.0) for p in said]
        self.sum = pic.context(i, self.fan)
        self.feed = pic.feed_arrow(i, self.sum)
        scaled = [c.cells.copy() for c in st.columns]
        self.play(self.fan.lines.animate.set_opacity(0.25), st.columns.animate.set_opacity(DIM),
                  *[s.animate.scale(0.35 + 0.65 * a).set_opacity(max(float(a), 0.08)) for s, a in zip(scaled, alphas)],
                  run_time=0.45 * d[0])
        self.play(*[s.animate.move_to(self.sum[0].cells).set_opacity(0) for s in scaled],
                  FadeIn(self.sum), run_time=0.55 * d[0])
        self.remove(*scaled)
        self.play(Circumscribe(self.sum, color=self.theme.context), run_time=d[1])
        self.play(GrowArrow(self.feed), run_time=0.45 * d[2])
        self.play(Indicate(self.feed, color=self.theme.context), st.dec_cells[i].pulse(self.theme.context),
                  run_time=0.55 * d[2])
        # "the next word gets a new one": the cells still to come light in turn
        later = [c.pulse(self.theme.context) for c in st.dec_cells[i + 1:]]
        self.play(*([LaggedStart(*later, lag_ratio=0.5)] if later else []), st.columns.animate.set_opacity(1),
                  run_time=d[3])

    def next_word(self) -> None:
        st, tr, i = self.stage, self.tr, self.step
        word = tr.target_tokens[i]
        shown = "the end of the sentence" if word == "<eos>" else f"'{word}'"
        if self.pic.colors[i] == self.theme.wrong:
            shown += ", a wrong word (red)"
        self.beat("word", f"From c_{i + 1} and its own state the decoder ranks every {self.tgt_lang} word. These are "
                          f"the model's real top {len(tr.top_tokens[i])}; it writes {shown}.")
        bars = ProbabilityBars(claims.tokens_text(tr.top_tokens[i]), tr.top_probs[i], width=1.8, bar_height=0.2,
                               font_size=17)
        bars.move_to(self.sum[0]).align_to(self.sum[0], UP)
        side = RIGHT if self.sum[0].get_x() < 1.5 else LEFT
        bars.next_to(self.sum, side, buff=0.35)
        if abs(bars.get_x()) + bars.width / 2 > TEXT_EDGE_X:
            bars.next_to(self.sum, -side, buff=0.35)
        # the list stands on a card of the background's colour: the fan goes while it is read
        card = BackgroundRectangle(bars, color=self.theme.background, fill_opacity=1, buff=0.08)
        self.play(FadeOut(self.fan), FadeIn(card), FadeIn(bars, lag_ratio=0.15), run_time=1.5)
        self.play(Indicate(bars[0], color=self.theme.target), run_time=1.0)
        target = st.out_words[i].copy().set_opacity(1)
        chosen = bars[0][0]
        bars[0].remove(chosen)  # the word itself leaves the list: no copy of it is left behind to cross
        self.play(ReplacementTransform(chosen, target), FadeOut(self.question), run_time=1.5)
        # the list has done its work: the fan of this step comes back, the picture bahdanau-steps opens on
        self.fan = self.pic.fan(i, st.columns)
        self.add_foreground_mobjects(self.sum, self.feed)  # the fan passes behind c_i's numbers
        self.play(FadeOut(VGroup(card, bars)), FadeIn(self.fan), Indicate(target, color=self.theme.target),
                  run_time=float(np.clip(self.reading_time_left() - 0.2, 1.2, 3.0)))

    # --- helpers ---------------------------------------------------------------------------
    def flash_word(self, j: int) -> Indicate:
        """Source word j lights up in place: it grows about its own centre, never towards the
        footnote just below the words (an Indicate of a group would scale it about the group's)."""
        return Indicate(self.stage.words[j], color=self.theme.alpha, scale_factor=1.12)

    def place_name(self, name) -> None:
        """The formula of the lines' numbers: left of the first state if there is room (lower, clear of
        s_0, if it is tall), else right of the last state, else at the first free spot under the
        decoder (left, then right) that covers no line, number or name, with a margin."""
        st = self.stage
        under = st.dec_cells.get_bottom()[1] - 0.1 - name.height / 2
        y = (st.columns.get_top()[1] + st.dec_cells.get_bottom()[1]) / 2
        left = st.xs[0] - 0.45 * st.step - name.width / 2 - 0.1
        low = min(y, self.pic.start.get_bottom()[1] - 0.3 - name.height / 2)
        spots = [[left, y, 0], [max(left, -TEXT_EDGE_X + name.width / 2), low, 0],
                 [st.xs[-1] + 0.45 * st.step + name.width / 2 + 0.1, y, 0],
                 [self.pic.start.get_right()[0] + 0.15 + name.width / 2, under, 0],
                 [TEXT_EDGE_X - name.width / 2, under, 0]]
        avoid = VGroup(self.pic.start, self.pic.start_name, self.s_name, st.columns,
                       *[m for m in (getattr(self, "lines", None), getattr(self, "tags", None)) if m is not None])
        for spot in spots:
            name.move_to(spot)
            inside = name.get_left()[0] >= -TEXT_EDGE_X and name.get_right()[0] <= TEXT_EDGE_X
            if inside and not any(overlaps(name, m, pad=0.2) for m in avoid.get_family() if m.has_points()):
                return
        name.move_to(spots[-1])

