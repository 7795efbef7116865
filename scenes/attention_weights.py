"""Attention weights (article figs. 9–11): on the core stage, every encoder state relights; the
decoder scores each one (e_ij), the softmax turns the scores into weights (exp, then ÷ the sum),
α fans out over all of them, the states scaled by α slide into c_i, and the next word rises out
of the candidate list into the sentence."""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    BackgroundRectangle,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    MathTex,
    Rectangle,
    ReplacementTransform,
    Transform,
    VGroup,
)

from model.trace import Trace, checkpoints
from scenes.kit import (
    AlphaFan,
    ExplainerScene,
    ProbabilityBars,
    StateColumn,
    claims,
    fade_replace,
    label,
    number,
    percent,
    wrong_in_red,
)
from scenes.kit.layout import TEXT_EDGE_X
from scenes.kit.stage import DIM, CoreStage

BAND_Y = 0.78          # baseline of the score / weight bars, between the states and the decoder
BAR_SCALE = 0.5        # height of the largest bar
RELOWER = 0.55         # how far the states move down once the encoder cells are no longer needed


def signed_bars(values: np.ndarray, xs, step: float, y: float, scale: float, pos: str, neg: str,
                min_height: float = 0.015) -> VGroup:
    """One bar per slot, up for values > 0, down for values < 0, height ∝ |value| / max |value|."""
    values = np.asarray(values, dtype=float)
    top = max(float(np.abs(values).max()), 1e-9)
    bars = VGroup()
    for v, x in zip(values, xs):
        h = max(min_height, scale * abs(v) / top)
        bar = Rectangle(width=0.45 * step, height=h, stroke_width=0, fill_color=pos if v >= 0 else neg, fill_opacity=1)
        bars.add(bar.move_to([x, y + (h / 2 if v >= 0 else -h / 2), 0]))
    return bars


def overlaps(a, b, pad: float = 0.05) -> bool:
    (ax0, ay0, _), (ax1, ay1, _) = a.get_corner(DOWN + LEFT), a.get_corner(UP + RIGHT)
    (bx0, by0, _), (bx1, by1, _) = b.get_corner(DOWN + LEFT), b.get_corner(UP + RIGHT)
    return ax0 < bx1 + pad and bx0 < ax1 + pad and ay0 < by1 + pad and by0 < ay1 + pad


class AttentionWeights(ExplainerScene):
    title = "Attention: look back at every word, with weights"

    def construct(self) -> None:
        tr = self.tr
        self.stage = CoreStage(tr)
        self.step = claims.pick_graded_step(tr.attention, max(len(tr.output_words), 1))
        self.start_from_the_bottleneck_picture()
        self.relight_every_state()
        self.score()
        self.softmax()
        self.fan_out()
        self.weighted_sum()
        self.next_word()
        other = self.checkpoint_trace()
        if other is not None:
            self.show_checkpoint(*other)

    # --- hook for the fair-experiment checkpoints --------------------------------------------
    def checkpoint_trace(self) -> tuple[Trace, str] | None:
        """The attention model's training checkpoint whose α at this step already points at the
        final model's word but is the most spread (claims.pick_graded_checkpoint), labelled with
        its training step; None when no checkpoint is both right and graded, or the example
        itself is a checkpoint's."""
        kept = checkpoints(self.tr.model)
        if not kept or self.tr.checkpoint is not None:
            return None
        i = self.step
        others = [self.trace_of(self.example.sentence, self.tr.model, checkpoint=k) for k in range(len(kept) - 1)]
        rows = [o.attention[i] if len(o.target_tokens) > i else None for o in others]
        k = claims.pick_graded_checkpoint(self.tr.attention[i], rows)
        if k is None:
            return None
        return others[k], f"training step {kept[k]['step']} of {kept[-1]['step']}"

    def show_checkpoint(self, other: Trace, name: str) -> None:
        """The same decoding step in `other` (an earlier checkpoint): its own encoder states and its
        own α as a second fan. What belongs to the trained model alone (c_i, the word ranking) goes,
        and the footnote names the checkpoint, so every number on screen is the checkpoint's."""
        st, i = self.stage, self.step
        lesson = claims.checkpoint_lesson_narration(self.tr.attention[i], other.attention[i], other.source_tokens,
                                                    self.tr.target_tokens[:i + 1], other.target_tokens[:i + 1])
        self.beat("checkpoint", f"Output word {i + 1} again, at {name}. "
                  + claims.weight_narration(other.attention[i], other.source_tokens) + f" {lesson}")
        note = self.footnote(f"real values of the '{other.model}' checkpoint at step {other.training_step} "
                             f"(weights {other.sha256[:8]}); " + st.dims_note())
        columns = [st.state_column(t, values=h).move_to(c) for t, (h, c) in enumerate(zip(other.encoder_states,
                                                                                              st.columns))]
        start = StateColumn(other.context, self.tr.state_range, st.dims, cell=0.22, show_hidden_count=False)
        written = [label(w, st.out_words.font_size, self.theme.target)  # what the checkpoint wrote
                   for w in claims.tokens_text(other.target_tokens[:i + 1])]
        room = (1.8 if st.out_words.staggered else 0.86) * (st.dec_xs[1] - st.dec_xs[0] if len(st.dec_xs) > 1 else 1.6)
        shrink = min(1.0, *(room / w.width for w in written))  # one type size, as the row it replaces
        written = [w.scale(shrink).move_to(st.out_words[j]) for j, w in enumerate(written)]
        self.play(FadeOut(self.sum), FadeOut(self.bars), *fade_replace(self.note, note),
                  Transform(self.start, start.move_to(self.start).align_to(self.start, UP)),
                  *[anim for j, w in enumerate(written[:i]) for anim in fade_replace(st.out_words[j], w)],
                  *fade_replace(self.written, written[i]),
                  *[anim for c, n in zip(st.columns, columns) for anim in fade_replace(c, n)], run_time=1.5)
        fan = self.make_fan(other.attention[i])
        # the fan is drawn line by line over the narration, then its labels one by one; then the
        # lesson: where its strongest line points, and the words it wrote
        left = self.reading_time_left()
        self.play(Create(fan.lines, lag_ratio=0.3), run_time=max(1.5, 0.35 * left))
        self.play(FadeIn(fan.labels, lag_ratio=0.4), run_time=max(1.0, 0.25 * left))
        best = int(other.attention[i].argmax())
        self.play(Indicate(fan.labels[best], color=self.theme.alpha), self.flash_word(best), run_time=max(1.0, 0.15 * left))
        self.play(*[Indicate(w, color=self.theme.target) for w in written], run_time=max(1.0, 0.15 * left))

    # --- beats -----------------------------------------------------------------------------
    def start_from_the_bottleneck_picture(self) -> None:
        """The core stage as the bottleneck left it: states dimmed, the decoder starting from its
        initial state — here with the attention model's own values."""
        st, tr = self.stage, self.tr
        picture = st.relay_end()
        picture.remove(st.rule_mob, st.box)
        self.colors = wrong_in_red(tr.reference_tokens, tr.target_tokens, self.theme.target)
        st.build_decoder(colors=self.colors)
        self.start = st.parked(StateColumn(tr.context, tr.state_range, st.dims, cell=0.22, show_hidden_count=False))
        self.start_name = MathTex(r"s_0", font_size=28, color=self.theme.decoder).next_to(self.start, UP, buff=0.08)
        self.start_arrow = st.arrow(self.start.get_right(), st.dec_cells[0].get_left(), self.theme.decoder)
        self.note = self.footnote(self.provenance(extra=st.dims_note()))
        self.add(self.heading(), self.note, picture,
                 self.start, self.start_name, self.start_arrow, st.dec_cells, st.dec_arrows)

    def relight_every_state(self) -> None:
        st, _tr, i = self.stage, self.tr, self.step
        self.beat("states", "Attention changes one thing: to write each word, the decoder may look back at every "
                            "encoder state, not only the last.")
        self.play(*[c.animate.set_opacity(1) for c in st.columns], run_time=1.2)
        self.play(FadeOut(VGroup(st.cells, st.batons, st.word_arrows)),
                  st.columns.animate.shift(RELOWER * DOWN), run_time=1.0)
        # the sentence written so far, the word about to be written shown as '?'
        self.question = label("?", 26, self.theme.muted).move_to(st.out_words[i])
        later = VGroup(*st.dec_cells[i + 1:], *st.dec_arrows[i:])
        s_prev = r"s_{" + str(i) + "}"
        self.s_name = MathTex(s_prev, font_size=28, color=self.theme.decoder)
        if i == 0:
            self.s_name.next_to(self.start_arrow, UP, buff=0.05)
        else:
            self.s_name.next_to(st.dec_arrows[i - 1], UP, buff=0.05)
        self.play(FadeIn(VGroup(*st.out_words[:i])), FadeIn(self.question), later.animate.set_opacity(0.15),
                  FadeIn(self.s_name), st.dec_cells[i].pulse(self.theme.decoder), run_time=1.5)
        self.later = later

    def score(self) -> None:
        st, tr, i = self.stage, self.tr, self.step
        scores = tr.attention_scores[i]
        self.beat("scores", f"First, {self.s_name_text()} is scored against every state h_j: one number e_ij per "
                            f"word, from the model's own small network. {claims.score_narration(scores, tr.source_tokens)}")
        self.scores = signed_bars(scores, st.xs, st.step, BAND_Y, BAR_SCALE, self.theme.text, self.theme.muted)
        self.score_labels = self.bar_labels([f"{v:+.1f}" for v in scores], self.scores, scores)
        self.band_name = MathTex(r"e_{" + str(i + 1) + r"j}", font_size=30, color=self.theme.text)
        self.place_band_name(self.band_name, VGroup(self.scores, self.score_labels))
        self.play(FadeIn(self.band_name), run_time=0.5)
        per = min(1.8, max(0.15, (self.reading_time_left() - 3.0) / len(scores)))
        for bar, tag in zip(self.scores, self.score_labels):
            self.play(FadeIn(bar, shift=0.1 * UP), FadeIn(tag), run_time=per)
        if len(scores) > 1:  # the two scores the narration names
            for j in (int(scores.argmax()), int(scores.argmin())):
                self.play(Indicate(VGroup(self.scores[j], self.score_labels[j]), color=self.theme.alpha),
                          self.flash_word(j), run_time=1.2)

    def softmax(self) -> None:
        st, tr, i = self.stage, self.tr, self.step
        exps, alphas = claims.softmax_parts(tr.attention_scores[i])
        alphas = tr.attention[i]  # the model's own α (equal to the normalised exp up to rounding)
        self.beat("softmax", claims.softmax_narration(tr.attention_scores[i]))
        exp_bars = signed_bars(exps, st.xs, st.step, BAND_Y - 0.35, 2 * BAR_SCALE, self.theme.alpha, self.theme.alpha)
        k = str(i + 1)
        exp_name = MathTex(r"\exp(e_{" + k + r"j} - e_{\max})", font_size=28, color=self.theme.alpha)
        exp_labels = self.bar_labels([claims.exp_text(v) for v in exps], exp_bars, exps)
        self.place_band_name(exp_name, VGroup(exp_bars, exp_labels))
        pace = float(np.clip((self.reading_time_left() - 1.0) / 2, 2.0, 4.0))
        # bars grow and shrink; their numbers are replaced (kit.fade_replace), not morphed glyph into glyph
        self.play(Transform(self.scores, exp_bars), *fade_replace(self.score_labels, exp_labels),
                  *fade_replace(self.band_name, exp_name), run_time=pace)
        self.score_labels, self.band_name = exp_labels, exp_name
        self.wait(0.8)
        total = float(exps.sum())
        alpha_bars = signed_bars(alphas, st.xs, st.step, BAND_Y - 0.35, 2 * BAR_SCALE * float(alphas.max()),
                                 self.theme.alpha, self.theme.alpha)
        alpha_name = MathTex(r"\alpha_{" + k + r"j} = \frac{\exp(e_{" + k + r"j} - e_{\max})}{" + f"{total:.2f}" + "}",
                             font_size=28, color=self.theme.alpha)
        alpha_labels = self.bar_labels([percent(a) for a in alphas], alpha_bars, alphas)
        self.place_band_name(alpha_name, VGroup(alpha_bars, alpha_labels))
        self.play(Transform(self.scores, alpha_bars), *fade_replace(self.score_labels, alpha_labels),
                  *fade_replace(self.band_name, alpha_name), run_time=pace)
        self.score_labels, self.band_name = alpha_labels, alpha_name

    def make_fan(self, alphas: np.ndarray) -> AlphaFan:
        """Each line ends on its percentage, which sits on its state's column: no line crosses a number."""
        st = self.stage
        size = 16 if len(alphas) <= 10 else 13
        tall = number("<1%", size).height
        tops = [c.get_top() for c in st.columns]
        return AlphaFan(st.dec_cells[self.step].get_bottom(), [t + (tall + 0.1) * UP for t in tops], alphas,
                        labels=True, min_width=2.0, min_opacity=0.45, label_size=size,
                        label_points=[t + (tall / 2 + 0.04) * UP for t in tops])

    def fan_out(self) -> None:
        tr, i = self.tr, self.step
        alphas = tr.attention[i]
        self.beat("fan", f"These are the attention weights of this step, over every state. "
                         f"{claims.weight_narration(alphas, tr.source_tokens)}")
        self.fan = self.make_fan(alphas)
        # the bars fade as the lines grow out of the decoder cell (a bar morphed into a line passes
        # through shapes that are neither); the percentages, the same text, move to their lines' ends
        self.play(FadeOut(self.scores), Create(self.fan.lines, lag_ratio=0), FadeOut(self.band_name),
                  ReplacementTransform(self.score_labels, self.fan.labels), run_time=2.0)
        best = int(alphas.argmax())
        self.play(self.flash_word(best), run_time=1.2)
        rest = [j for j in range(len(alphas)) if j != best]
        if rest:  # the small weights are there too: every state is looked at
            self.play(*[Indicate(self.fan.labels[j], color=self.theme.alpha) for j in rest if j < len(self.fan.labels)],
                      *[self.flash_word(j) for j in rest], run_time=1.5)

    def weighted_sum(self) -> None:
        st, tr, i = self.stage, self.tr, self.step
        alphas = tr.attention[i]
        self.beat("sum", "Each state is scaled by its weight, and the scaled states are added up. The sum, c_i, is "
                         "the context for this word alone; the next word gets a new one.")
        self.context = StateColumn(tr.step_contexts[i], tr.state_range, st.dims, cell=0.17, numbers=st.step >= 0.7,
                                   cell_width=0.62 if st.step >= 0.7 else None, outline=self.theme.context,
                                   show_hidden_count=False)
        spot = st.dec_cells[i].get_bottom() + (0.15 + self.context.height / 2) * DOWN
        x = self.clear_spot(self.context, spot, self.fan.lines[int(alphas.argmax())], self.fan.labels)
        self.context.move_to([x, spot[1], 0])
        c_name = MathTex(r"c_{" + str(i + 1) + "}", font_size=28, color=self.theme.context)
        c_name.next_to(self.context, RIGHT if spot[0] <= x < 5.5 else LEFT, buff=0.12)  # away from the decoder
        scaled = [c.cells.copy() for c in st.columns]
        self.play(self.fan.lines.animate.set_opacity(0.25), st.columns.animate.set_opacity(DIM),
                  *[s.animate.scale(0.35 + 0.65 * a).set_opacity(max(float(a), 0.08)) for s, a in zip(scaled, alphas)],
                  run_time=1.5)
        self.play(*[s.animate.move_to(self.context.cells).set_opacity(0) for s in scaled],
                  FadeIn(self.context), FadeIn(c_name), run_time=2.0)
        self.remove(*scaled)
        into = self.context.copy()
        self.play(into.animate.scale(0.2).move_to(st.dec_cells[i]).set_opacity(0),
                  st.dec_cells[i].pulse(self.theme.context), run_time=1.2)
        self.remove(into)
        self.sum = VGroup(self.context, c_name)

    def next_word(self) -> None:
        st, tr, i = self.stage, self.tr, self.step
        word = tr.target_tokens[i]
        shown = "the end of the sentence" if word == "<eos>" else f"'{word}'"
        if self.colors[i] == self.theme.wrong:
            shown += ", a wrong word (red)"
        self.beat("word", f"From c_{i + 1} and its own state the decoder ranks every {self.tgt_lang} word. These are "
                          f"the model's real top {len(tr.top_tokens[i])}; it writes {shown}.")
        bars = ProbabilityBars(claims.tokens_text(tr.top_tokens[i]), tr.top_probs[i], width=1.8, bar_height=0.2, font_size=17)
        bars.move_to(self.context).align_to(self.context, UP)
        side = RIGHT if self.context.get_x() < 1.5 else LEFT
        bars.next_to(self.sum, side, buff=0.35)
        # the list stands on a card of the background's colour: the faded fan lines pass behind it
        card = BackgroundRectangle(bars, color=self.theme.background, fill_opacity=1, buff=0.08)
        self.bars = VGroup(card, bars)
        # the fan has done its work (c_i is made): it goes, so the ranking covers none of it
        self.play(FadeOut(self.fan), FadeIn(card), FadeIn(bars, lag_ratio=0.15), run_time=1.5)
        target = st.out_words[i].copy().set_opacity(1)
        self.play(Indicate(bars[0], color=self.theme.target), run_time=1.0)
        chosen = bars[0][0]
        bars[0].remove(chosen)  # the word itself leaves the list: no copy of it is left behind to cross
        # a straight flight: an arc carried it across the word written before it
        self.play(ReplacementTransform(chosen, target), FadeOut(self.question), run_time=1.5)
        self.written = target

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def clear_spot(box, spot, line, labels, pad: float = 0.08) -> float:
        """The x (beside the decoder, at the height of `spot`) where `box` neither sits on the
        heaviest fan line nor touches a percentage: nearest first, right before left."""
        start, end = line.get_start(), line.get_end()
        points = [start + t * (end - start) for t in np.linspace(0, 1, 60)]
        half_w, half_h = box.width / 2 + pad, box.height / 2 + pad
        for dx in (0.9, -0.9, 1.6, -1.6, 2.3, -2.3):
            x = spot[0] + dx
            if abs(x) + half_w > TEXT_EDGE_X:
                continue
            on_line = any(abs(p[0] - x) < half_w and abs(p[1] - spot[1]) < half_h for p in points)
            on_label = any(abs(t.get_x() - x) < half_w + t.width / 2 and abs(t.get_y() - spot[1]) < half_h + t.height / 2
                           for t in labels)
            if not on_line and not on_label:
                return x
        return float(np.clip(spot[0] + 0.9, -6.4, 6.4))

    def flash_word(self, j: int) -> Indicate:
        """Source word j lights up in place: it grows about its own centre, never towards the
        footnote just below the words (an Indicate of a group would scale it about the group's)."""
        return Indicate(self.stage.words[j], color=self.theme.alpha, scale_factor=1.12)

    def s_name_text(self) -> str:
        return f"the decoder's state s_{self.step}"

    def place_band_name(self, name, avoid: VGroup) -> None:
        """The band's row name: left of the first state if there is room, else at the first free
        spot under the decoder (left, then right) that does not cover `avoid` (the bars)."""
        st = self.stage
        under = st.dec_cells.get_bottom()[1] - 0.1 - name.height / 2
        spots = [[st.xs[0] - 0.45 * st.step - name.width / 2 - 0.1, BAND_Y, 0],
                 [self.start.get_right()[0] + 0.15 + name.width / 2, under, 0],
                 [TEXT_EDGE_X - name.width / 2, under, 0]]
        avoid = VGroup(avoid, self.start, self.start_name, self.s_name)
        for spot in spots:
            name.move_to(spot)
            if name.get_left()[0] >= -TEXT_EDGE_X and not any(overlaps(name, m) for m in avoid.get_family() if m.has_points()):
                return
        name.move_to(spots[2])

    def bar_labels(self, texts, bars, values) -> VGroup:
        st = self.stage
        size = 15 if st.step >= 0.9 else 12
        tags = VGroup()
        for text, bar, v in zip(texts, bars, values):
            tag = label(text, size, self.theme.muted if abs(v) < 1e-9 else self.theme.text)
            tag.next_to(bar, UP if v >= 0 else DOWN, buff=0.04)
            if tag.width > 0.95 * st.step:
                tag.scale_to_fit_width(0.95 * st.step)
            tags.add(tag)
        return tags
