"""Context bottleneck (article fig. 6): only h_T leaves the encoder; the decoder starts from it and
writes the translation from it alone while the other states stay behind; a long sentence fails."""
from __future__ import annotations

from manim import (
    DOWN,
    UP,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromEdge,
    Indicate,
    MathTex,
    Transform,
    VGroup,
)

from scenes.kit import ExplainerScene, SlotBars, claims, fit_width, label
from scenes.kit.comparison import BOTTLENECK_TITLE, bottleneck_end
from scenes.kit.layout import inside_margin
from scenes.kit.mobjects import fade_replace
from scenes.kit.stage import DIM, RELAY_TITLE, CoreStage

LONG_MIN_WORDS = claims.LONG_WORDS  # a user sentence at least this long is used for the last beat
FAINT = 0.12                          # the states the decoder never sees, while it writes
LEGEND_Y = 1.1                        # the colour legend of the written words: under the decoder, over the states


class ContextBottleneck(ExplainerScene):
    title = BOTTLENECK_TITLE

    def construct(self) -> None:
        self.stage = CoreStage(self.tr)
        self.start_where_the_relay_ended()
        self.squeeze()
        self.decode()
        self.measure_pull()
        self.long_sentence()

    def start_where_the_relay_ended(self) -> None:
        """First frame = the relay's last frame (same trace, same stage), then the title changes."""
        st = self.stage
        self.picture = st.relay_end()
        self.title_mob = self.heading(RELAY_TITLE)
        self.note = self.footnote(self.provenance(extra=st.dims_note()))
        self.add(self.title_mob, self.note, self.picture)

    def squeeze(self) -> None:
        st, tr = self.stage, self.tr
        self.beat("squeeze", "The decoder that writes the translation receives only that last state, h_T: the "
                             "context vector. The other states stay behind.")
        check = claims.check_words(tr.reference_tokens, tr.output_words) if tr.reference_tokens else None
        colors = [self.theme.target] * len(tr.target_tokens)
        if check:
            colors[:len(check.ok)] = [self.theme.right if ok else self.theme.wrong for ok in check.ok]
        self.check = check
        st.build_decoder(colors=colors)
        tag = st.box[1]
        st.box.remove(tag)  # the box around h_T stays; the rule and the tag leave
        self.picture.remove(st.rule_mob)
        title = self.heading()
        self.play(*fade_replace(self.title_mob, title), FadeOut(st.rule_mob), FadeOut(tag),
                  FadeIn(st.dec_cells, lag_ratio=0.05), FadeIn(st.dec_arrows, lag_ratio=0.05), run_time=1.2)
        self.context = st.parked(st.columns[-1])
        flying = st.columns[-1].copy()
        self.play(Transform(flying, self.context, path_arc=0.5), run_time=2.0)
        self.remove(flying)
        self.add(self.context)
        name = MathTex(r"h_T{=}h_{" + str(len(tr.source_tokens)) + r"}", font_size=28, color=self.theme.context)
        name.next_to(self.context, UP, buff=0.1)
        self.context_name = VGroup(name, inside_margin(label("context vector", 16, self.theme.context)
                                                       .next_to(self.context, DOWN, buff=0.12)))
        self.row_names = st.row_names()
        self.play(FadeIn(self.context_name), FadeIn(self.row_names), st.columns[:-1].animate.set_opacity(FAINT),
                  run_time=1.0)

    def decode(self) -> None:
        st, tr = self.stage, self.tr
        words = " ".join(tr.output_words)
        if self.check is None:
            outcome = f"Its real output: '{words}'."
        elif self.check.exact:
            outcome = f"Its real output, '{words}', is right: a short sentence still fits."
        elif not self.check.wrong:   # it stopped early: nothing to mark red
            outcome = (f"Its real output: '{words}'. Each word is right, but {self.check.missing} of the correct "
                       f"{self.tgt_lang} words {'is' if self.check.missing == 1 else 'are'} missing.")
        else:
            outcome = (f"Its real output: '{words}'. Aligned with the correct {self.tgt_lang}, "
                       f"{claims.verdict(self.check)} (red).")
        stop = claims.decoder_stop_narration(tr.target_tokens)
        start = "The decoder starts from h_T and sees it again at every step, but nothing else from the source."
        self.beat("decode", " ".join(part for part in (start, stop, outcome) if part))
        start = st.arrow(self.context.get_right(), st.dec_cells[0].get_left(), self.theme.context)
        feed = st.feed_lines(self.context.get_right())
        self.legend = VGroup()
        if self.check is not None and not self.check.exact:  # what the colours of the words to be written mean
            self.legend = self.colour_legend(with_underlines=False).move_to([0, LEGEND_Y, 0])
        self.play(GrowArrow(start), Create(feed), FadeIn(self.legend), run_time=1.2)
        n = len(tr.target_tokens)
        per = min(3.0, max(0.35, (self.reading_time_left() - 0.8) / n))  # the writing fills the beat
        for i in range(n):
            anims = [st.dec_cells[i].pulse(self.theme.decoder),
                     FadeIn(st.out_words[i], shift=0.3 * UP)]
            if i > 0:
                anims.append(Indicate(st.dec_arrows[i - 1], color=self.theme.decoder))
            self.play(*anims, run_time=per)
        self.decoder = VGroup(start, feed, st.dec_cells, st.dec_arrows, st.out_words)

    def measure_pull(self) -> None:
        st, tr = self.stage, self.tr
        share = tr.influence / tr.influence.max()
        self.beat("pull", claims.influence_narration(tr.source_tokens, tr.influence))
        top = max([c.get_top()[1] for c in st.columns] + [st.box.get_top()[1]]) + 0.1  # clear of h_T's box
        bars = SlotBars(share, st.xs, st.step, top, 0.42, self.theme.context, width_ratio=0.4)
        values = VGroup(*[label(f"{s:.0%}", 16, self.theme.context).next_to(b, UP, buff=0.05)
                          for b, s in zip(bars, share)])
        note = self.footnote(self.provenance(extra="bars: each word's pull on h_T, ‖∂h_T/∂x_j‖, "
                                                   "largest = 100%"))
        self.play(*[c.animate.set_opacity(DIM) for c in st.columns[:-1]], *fade_replace(self.note, note),
                  FadeOut(self.legend), run_time=0.8)
        self.note = note
        per = min(1.2, max(0.3, (self.reading_time_left() - 4.0) / len(share)))
        for t in range(len(share)):  # word by word, the pull grows and the word keeps that much of its ink
            self.play(GrowFromEdge(bars[t], DOWN), FadeIn(values[t]), st.words[t].animate.set_opacity(0.3 + 0.7 * share[t]),
                      run_time=per)
        if len(share) > 1:
            self.play(Indicate(VGroup(st.words[-1], values[-1]), color=self.theme.context), run_time=1.2)
            self.play(Indicate(VGroup(st.words[0], values[0]), color=self.theme.context), run_time=1.2)
        self.pull = VGroup(bars, values)

    def long_sentence(self) -> None:
        """Both models' outputs on a long sentence (kit.comparison, the picture lstm-cell-state opens on).
        Each output word is checked against the correct translation as the narration says it: it turns
        green and its partner in the correct translation is underlined (a match, in order:
        claims.check_words), or it turns red."""
        end = bottleneck_end(self, self.tr.model)
        cmp = end.comparison
        checks = [row.check for row in cmp.rows]
        self.beat("long", claims.long_sentence_narration(len(end.plain.source_tokens), end.plain.model, checks[0],
                                                         checks[1], self.tgt_lang, attention_name=end.attention_name))
        everything = VGroup(self.picture, self.context, self.context_name, self.row_names, self.decoder, self.pull)
        self.play(FadeOut(everything), run_time=0.8)
        note = self.footnote(end.footnote)
        self.play(FadeIn(cmp.source), *fade_replace(self.note, note), run_time=1.0)
        self.note = note
        if cmp.correct is None:
            for block in cmp.outputs:
                self.play(FadeIn(block[0]), FadeIn(block[1], lag_ratio=0.03), run_time=1.5)
            return
        self.play(FadeIn(cmp.correct[0]), FadeIn(cmp.correct[1], lag_ratio=0.03), run_time=1.0)
        # the plain model's words are checked over its sentence of the narration, the attention
        # model's over the rest; the underlines of one check go before the next begins
        underlines = None
        for k, (block, check) in enumerate(zip(cmp.outputs, checks)):
            if underlines is not None:
                self.play(FadeOut(underlines), run_time=0.4)
            self.play(FadeIn(block[0]), FadeIn(block[1], lag_ratio=0.03),
                      *([FadeIn(cmp.legend)] if k == 0 else []), run_time=0.8)
            seconds = max(0.15 * len(check.ok), (self.reading_time_left() - 0.5) * (0.6 if k == 0 else 0.9))
            underlines = cmp.check_one_by_one(self, k, seconds)
        self.wait(max(1.0, self.reading_time_left()))  # the checked outputs, at rest

    def colour_legend(self, with_underlines: bool) -> VGroup:
        """What green and red mean on an output (the check of claims.check_words), said on screen; with
        underlines, the word-by-word check also strikes the red words through."""
        partner, struck = (" (underlined)", ", struck through") if with_underlines else ("", "")
        text = (f"green: the word has a partner in the correct {self.tgt_lang}, in the same order{partner}; "
                f"red{struck}: it has none")
        return fit_width(label(text, 17, self.theme.muted), 12.4)
