"""Context bottleneck (article fig. 6): only h_T leaves the encoder; the decoder starts from it and
writes the translation from it alone while the other states stay behind; a long sentence fails."""
from __future__ import annotations

from manim import (DOWN, LEFT, UP, Create, FadeIn, FadeOut, GrowArrow, GrowFromEdge, Indicate, MathTex, Transform,
                   VGroup)

from scenes.kit import ExplainerScene, SlotBars, label
from scenes.kit import claims
from scenes.kit.mobjects import WordFlow
from scenes.kit.stage import DIM, RELAY_TITLE, CoreStage

LONG_MIN_WORDS = claims.LONG_WORDS  # a user sentence at least this long is used for the last beat
FAINT = 0.12                          # the states the decoder never sees, while it writes


class ContextBottleneck(ExplainerScene):
    title = "The bottleneck: one vector for the whole sentence"

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
        self.play(Transform(self.title_mob, self.heading()), FadeOut(st.rule_mob), FadeOut(tag),
                  FadeIn(st.dec_cells, lag_ratio=0.05), FadeIn(st.dec_arrows, lag_ratio=0.05), run_time=1.2)
        self.context = st.parked(st.columns[-1])
        flying = st.columns[-1].copy()
        self.play(Transform(flying, self.context, path_arc=0.5), run_time=2.0)
        self.remove(flying)
        self.add(self.context)
        name = MathTex(r"h_T{=}h_{" + str(len(tr.source_tokens)) + r"}", font_size=28, color=self.theme.context)
        name.next_to(self.context, UP, buff=0.1)
        self.context_name = name
        self.play(FadeIn(name), st.columns[:-1].animate.set_opacity(FAINT), run_time=1.0)

    def decode(self) -> None:
        st, tr = self.stage, self.tr
        words = " ".join(tr.output_words)
        if self.check is None:
            outcome = f"Its real output: '{words}'."
        elif self.check.exact:
            outcome = f"Its real output, '{words}', is right: a short sentence still fits."
        else:
            outcome = (f"Its real output: '{words}'. Aligned with the correct {self.tgt_lang}, "
                       f"{claims.verdict(self.check)} (red).")
        self.beat("decode", "The decoder starts from h_T and sees it again at every step, but nothing else from the "
                            f"source. {outcome}")
        start = st.arrow(self.context.get_right(), st.dec_cells[0].get_left(), self.theme.context)
        feed = st.feed_lines(self.context.get_bottom())
        self.play(GrowArrow(start), Create(feed), run_time=1.2)
        n = len(tr.target_tokens)
        per = min(1.5, max(0.35, (self.reading_time_left() - 0.8) / n))
        for i in range(n):
            anims = [Indicate(st.dec_cells[i], color=self.theme.decoder, scale_factor=1.12),
                     FadeIn(st.out_words[i], shift=0.3 * UP)]
            if i > 0:
                anims.append(Indicate(st.dec_arrows[i - 1], color=self.theme.decoder))
            self.play(*anims, run_time=per)
        self.decoder = VGroup(start, feed, st.dec_cells, st.dec_arrows, st.out_words)

    def measure_pull(self) -> None:
        st, tr = self.stage, self.tr
        share = tr.influence / tr.influence.max()
        self.beat("pull", claims.influence_narration(tr.source_tokens, tr.influence))
        top = max(c.get_top()[1] for c in st.columns) + 0.1
        bars = SlotBars(share, st.xs, st.step, top, 0.42, self.theme.context, width_ratio=0.4)
        values = VGroup(*[label(f"{s:.0%}", 16, self.theme.context).next_to(b, UP, buff=0.05)
                          for b, s in zip(bars, share)])
        note = self.footnote(self.provenance(extra="bars: each word's pull on h_T, ‖∂h_T/∂x_j‖, "
                                                   "largest = 100%"))
        self.play(*[c.animate.set_opacity(DIM) for c in st.columns[:-1]], Transform(self.note, note), run_time=0.8)
        per = min(1.2, max(0.3, (self.reading_time_left() - 4.0) / len(share)))
        for t in range(len(share)):  # word by word, the pull grows and the word keeps that much of its ink
            self.play(GrowFromEdge(bars[t], DOWN), FadeIn(values[t]), st.words[t].animate.set_opacity(0.3 + 0.7 * share[t]),
                      run_time=per)
        if len(share) > 1:
            self.play(Indicate(VGroup(st.words[-1], values[-1]), color=self.theme.context), run_time=1.2)
            self.play(Indicate(VGroup(st.words[0], values[0]), color=self.theme.context), run_time=1.2)
        self.pull = VGroup(bars, values)

    def long_sentence(self) -> None:
        sentence = self.long_example(LONG_MIN_WORDS)
        plain = self.trace_of(sentence, self.tr.model)
        attention = self.trace_of(sentence, "attention")
        reference = list(plain.reference_tokens or ())
        checks = [claims.check_words(reference, tr.output_words) if reference else None for tr in (plain, attention)]
        final = attention.training_step is None  # else --checkpoint K: that checkpoint's weights, said so
        attention_name = "the attention model" if final else self.weights_name(attention)
        self.beat("long", claims.long_sentence_narration(len(plain.source_tokens), plain.model, checks[0], checks[1],
                                                         self.tgt_lang, attention_name=attention_name))
        everything = VGroup(self.picture, self.context, self.context_name, self.decoder, self.pull)
        self.play(FadeOut(everything), run_time=0.8)
        width = 12.4
        blocks = VGroup()
        blocks.add(VGroup(label(self.src_lang, 20, self.theme.muted),
                          WordFlow(plain.source_tokens, [self.theme.source] * len(plain.source_tokens), width, 22)))
        if reference:
            blocks.add(VGroup(label(f"correct {self.tgt_lang}", 20, self.theme.muted),
                              WordFlow(reference, [self.theme.target] * len(reference), width, 22)))
        for tr, check, name in zip((plain, attention), checks,
                                   (f"'{plain.model}' model (no attention)",
                                    "'attention' model" if final else attention_name.removeprefix("the "))):
            words = list(tr.output_words)
            ok = check.ok if check else (True,) * len(words)
            colors = [self.theme.right if good else self.theme.wrong for good in ok]
            verdict = claims.verdict(check)
            blocks.add(VGroup(label(f"{name}{': ' + verdict if verdict else ''}", 20, self.theme.muted),
                              WordFlow(words, colors, width, 22, max_lines=4)))
        for block in blocks:
            block[1].next_to(block[0], DOWN, buff=0.1, aligned_edge=LEFT)
        blocks.arrange(DOWN, buff=0.3, aligned_edge=LEFT).next_to(self.title_mob, DOWN, buff=0.35)
        blocks.set_x(0)
        if blocks.height > 6.3:
            blocks.scale_to_fit_height(6.3).next_to(self.title_mob, DOWN, buff=0.3)
        marks = f"; green = in the correct {self.tgt_lang} (aligned), red = not" if reference else ""
        models = (f"the trained '{plain.model}' ({plain.sha256[:8]}) and 'attention' ({attention.sha256[:8]}) models"
                  if final else f"the trained '{plain.model}' model ({plain.sha256[:8]}) and of {attention_name} "
                                f"({attention.sha256[:8]})")
        new_note = self.footnote(f"real outputs of {models}{marks}")
        self.play(FadeIn(blocks[0]), Transform(self.note, new_note), run_time=1.0)
        for block in blocks[1:]:
            self.play(FadeIn(block[0]), FadeIn(block[1], lag_ratio=0.03), run_time=1.5)
            self.wait(0.6)
