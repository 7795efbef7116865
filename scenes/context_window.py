"""Context window (article fig. 8): a fixed window of 5 words slides over a sentence and masks the
rest; attention instead looks wherever the content is (the real α of the attention model)."""
from __future__ import annotations

from manim import DOWN, UP, FadeIn, SurroundingRectangle, Transform, VGroup

from scenes.kit import ExplainerScene, TokenRow, label
from scenes.kit.mobjects import WordFlow

WINDOW = 5
LONG_MIN_WORDS = 9


class ContextWindow(ExplainerScene):
    title = "A context window: five words at a time"

    def construct(self) -> None:
        self.slide_window()
        self.attention_instead()

    def slide_window(self) -> None:
        self.source = self.trace_of(self.long_example(LONG_MIN_WORDS), "attention")
        tokens = self.source.source_tokens
        self.beat("window", f"A context window lets a model see a fixed stretch of the input, here {WINDOW} "
                            "words, and masks everything else. Then it moves on.")
        self.add(self.heading())
        self.note = self.footnote(f"the window is an illustration (no model here uses one); afterwards the box "
                                  f"follows the real strongest α of the 'attention' model ({self.source.sha256[:8]})")
        self.add(self.note)
        self.words = TokenRow(tokens, self.theme.source, width=13.0, max_step=1.4, stagger=True).shift(0.6 * UP)
        self.play(FadeIn(self.words, lag_ratio=0.03), run_time=1.0)
        box = None
        steps = range(0, max(1, len(tokens) - WINDOW + 1), max(1, (len(tokens) - WINDOW) // 6 or 1))
        for start in steps:
            inside = VGroup(*self.words[start:start + WINDOW])
            new_box = SurroundingRectangle(inside, color=self.theme.alpha, buff=0.12, stroke_width=4)
            dim = [w.animate.set_opacity(1.0 if start <= k < start + WINDOW else 0.2) for k, w in enumerate(self.words)]
            if box is None:
                box = new_box
                self.play(FadeIn(box), *dim, run_time=0.8)
            else:
                self.play(Transform(box, new_box), *dim, run_time=0.6)
        self.box = box
        self.wait(0.5)

    def attention_instead(self) -> None:
        tr = self.source
        self.beat("attention", f"Attention has no window. For each {self.tgt_lang} word it weighs all the "
                               f"{self.src_lang} words "
                               "and looks where the content is. The box now follows the model's real strongest "
                               "weight as it writes.")
        self.play(*[w.animate.set_opacity(1.0) for w in self.words], run_time=0.5)
        french = WordFlow(tr.output_words, [self.theme.target] * len(tr.output_words), width=12.5, font_size=24)
        french.next_to(self.words, DOWN, buff=0.9).set_x(0)
        caption = label(f"{self.tgt_lang}, as the model writes it", 18, self.theme.muted).next_to(french, UP, buff=0.12)
        caption.align_to(french, direction=[-1, 0, 0])
        self.add(caption)
        for i, word in enumerate(french):
            best = int(tr.attention[i].argmax())
            new_box = SurroundingRectangle(self.words[best], color=self.theme.alpha, buff=0.1, stroke_width=4)
            run = 0.45 if len(french) > 12 else 0.7
            self.play(Transform(self.box, new_box), FadeIn(word), run_time=run)
        self.wait(1.0)
