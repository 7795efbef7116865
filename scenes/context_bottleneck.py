"""Context bottleneck (article fig. 6): every state is squeezed into one vector; early words fade."""
from __future__ import annotations

from manim import DOWN, LEFT, UP, FadeIn, FadeOut, Transform, VGroup

from scenes.kit import ExplainerScene, SlotBars, StateColumn, TokenRow, label, pick_dims
from scenes.kit.mobjects import WordFlow, mark_differences

LONG_MIN_WORDS = 15  # a user sentence at least this long is used for the last beat


class ContextBottleneck(ExplainerScene):
    title = "The bottleneck: one vector for the whole sentence"
    shown_dims = 10

    def construct(self) -> None:
        self.squeeze()
        self.measure_fading()
        self.long_sentence()

    def squeeze(self) -> None:
        tr = self.tr
        self.beat("squeeze", "The encoder produced one state per word, but the decoder that writes the "
                             "translation receives only the last one: the context vector.")
        self.dims = pick_dims(tr.encoder_states, self.shown_dims)
        self.title_mob = self.heading()
        simplification = (f"{len(self.dims)} of {tr.encoder_states.shape[1]} dimensions shown"
                          if len(self.dims) < tr.encoder_states.shape[1] else "")
        self.note = self.footnote(self.provenance(extra=simplification))
        self.words = TokenRow(tr.source_tokens, self.theme.source, width=9.6, max_step=2.0, center=-1.9,
                              stagger=True)
        self.words.shift(0.9 * DOWN)
        self.columns = VGroup(*[
            StateColumn(s, tr.state_range, self.dims, cell=0.24).next_to(self.words, UP, buff=0.35).set_x(x)
            for s, x in zip(tr.encoder_states, self.words.xs)])
        self.context = StateColumn(tr.context, tr.state_range, self.dims, cell=0.3, numbers=True,
                                   outline=self.theme.context).move_to([5.4, 0.8, 0])
        ctx_label = label("context vector", 24, self.theme.context).next_to(self.context, UP, buff=0.15)
        self.add(self.title_mob, self.note)
        self.play(FadeIn(self.words, lag_ratio=0.1), FadeIn(self.columns, lag_ratio=0.1), run_time=1.5)
        squeezed = [c.cells.copy() for c in self.columns]
        self.play(*[Transform(s, self.context.cells.copy(), path_arc=-0.6) for s in squeezed],
                  FadeIn(self.context), FadeIn(ctx_label), run_time=2.0)
        self.remove(*squeezed)
        self.context_group = VGroup(self.context, ctx_label)
        self.wait(1.0)

    def measure_fading(self) -> None:
        tr = self.tr
        share = tr.influence / tr.influence.max()
        first, last = tr.source_tokens[0], tr.source_tokens[-1]
        self.beat("fade", "How much can each word still move that vector? We measure it with the gradient of the "
                          f"context vector with respect to each word. The last word, '{last}', pulls with "
                          f"{share[-1]:.0%} of the strongest pull; the first, '{first}', with {share[0]:.0%}. "
                          "Whatever the early words said has to survive every later update.")
        base_y = self.words.get_bottom()[1] - 0.25
        step = self.words.xs[1] - self.words.xs[0] if len(self.words.xs) > 1 else 1.0
        bars = SlotBars(share, self.words.xs, step, base_y - 1.1, 1.1, self.theme.context)
        values = VGroup(*[label(f"{s:.0%}", 17, self.theme.muted).move_to([x, base_y - 1.3, 0])
                          for x, s in zip(self.words.xs, share)])
        caption = label("influence on the context vector (largest = 100%)", 20, self.theme.muted)
        caption.next_to(values, DOWN, buff=0.12).set_x(self.words.get_x())
        self.play(FadeIn(bars, shift=0.2 * DOWN, lag_ratio=0.1), FadeIn(values), FadeIn(caption), run_time=1.5)
        self.play(*[w.animate.set_opacity(0.25 + 0.75 * s) for w, s in zip(self.words, share)],
                  *[c.animate.set_opacity(0.25 + 0.75 * s) for c, s in zip(self.columns, share)], run_time=1.5)
        self.wait(2.5)
        self.fading = VGroup(bars, values, caption, self.words, self.columns, self.context_group)

    def long_sentence(self) -> None:
        sentence = self.long_example(LONG_MIN_WORDS)
        plain = self.trace_of(sentence, self.tr.model)
        attention = self.trace_of(sentence, "attention")
        self.beat("long", "On a long sentence the squeeze shows. Here is the real output of this model beside "
                          "the correct translation; its mistakes are in red. The attention model, which "
                          "can look back at every word, gets the same sentence right.")
        self.play(FadeOut(self.fading), run_time=0.8)
        width = 12.4
        blocks = VGroup()
        source = WordFlow(plain.source_tokens, [self.theme.source] * len(plain.source_tokens), width, 22)
        blocks.add(VGroup(label(self.src_lang, 20, self.theme.muted), source))
        reference = list(plain.reference_tokens or ())
        if reference:
            blocks.add(VGroup(label(f"correct {self.tgt_lang}", 20, self.theme.muted),
                              WordFlow(reference, [self.theme.target] * len(reference), width, 22)))
        for tr, name in ((plain, f"'{plain.model}' model (no attention)"), (attention, "'attention' model")):
            words = list(tr.output_words)
            ok = mark_differences(reference, words) if reference else [True] * len(words)
            colors = [self.theme.right if good else self.theme.wrong for good in ok]
            verdict = ("exact" if tr.exact else f"{ok.count(False)} wrong word(s)") if reference else ""
            blocks.add(VGroup(label(f"{name}{': ' + verdict if verdict else ''}", 20, self.theme.muted),
                              WordFlow(words, colors, width, 22)))
        for block in blocks:
            block[1].next_to(block[0], DOWN, buff=0.1, aligned_edge=LEFT)
        blocks.arrange(DOWN, buff=0.3, aligned_edge=LEFT).next_to(self.title_mob, DOWN, buff=0.35)
        blocks.set_x(0)
        if blocks.height > 6.3:
            blocks.scale_to_fit_height(6.3).next_to(self.title_mob, DOWN, buff=0.3)
        new_note = self.footnote(f"real outputs of the trained '{plain.model}' ({plain.sha256[:8]}) and "
                                 f"'attention' ({attention.sha256[:8]}) models; red = differs from the correct {self.tgt_lang}")
        self.play(FadeIn(blocks[0]), Transform(self.note, new_note), run_time=1.0)
        for block in blocks[1:]:
            self.play(FadeIn(block, lag_ratio=0.02), run_time=1.2)
            self.wait(0.8)
        self.wait(3.0)
