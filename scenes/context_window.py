"""Context window (article fig. 8), a thought experiment said as one. One meaning throughout: the span
of words a model's output can look at. The recurrent models before it read every word but squeeze
them into one vector; a window keeps its words as they are, but only 5, moving with the output
(centred on each output word's position); it stops where the word the output relied on most (the
link of the real attention model, named once as borrowed from the next chapter, no shares) lies
furthest outside it, computed, or said that none does. It ends on three answers: one vector, a few
words, every word weighed (attention, the next chapter)."""
from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    AnimationGroup,
    Circle,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    RoundedRectangle,
    Square,
    SurroundingRectangle,
    VGroup,
)

from model.corpus import ADJECTIVES
from scenes.kit import ExplainerScene, alignment, fit_width, label
from scenes.kit.mobjects import fade_replace
from scenes.kit.pacing import share, until_said
from scenes.kit.wrap import WordGrid

WINDOW = 5
LONG_MIN_WORDS = 9
SLIDE_SECONDS = 0.8  # the window moves at least this long per output word
CAPTION_SIZE = 24


def opening_narration(n: int, window: int, src_lang: str) -> str:
    """The chapter's first beat: the window is a thought experiment, set against the recurrent models
    just seen (every word, squeezed into one vector)."""
    return (f"One answer, as a thought experiment. The recurrent models so far read all {n} {src_lang} words, but "
            f"squeezed them into one vector. A context window keeps the words themselves, but only {window} of "
            "them: the span the output can look at. Everything else is masked.")


def closing_narration(window: int) -> str:
    """The three answers to "what can an output look at?", the last leading to attention (next chapter)."""
    return ("Three answers, then. The recurrent models read every word but squeeze them all into one vector. "
            f"A window keeps its words as they are, but only {window}. Attention, in the next chapter, keeps every "
            "word and weighs each one: its window is the whole sentence.")


class ContextWindow(ExplainerScene):
    title = "A context window: a thought experiment"

    def construct(self) -> None:
        self.show_sentence()
        self.slide_window()
        self.show_outside()
        self.three_answers()

    def show_sentence(self) -> None:
        """The sentence; its words squeezed into one vector (the recurrent models), then a window of
        `window` words over it, the rest masked."""
        self.source = tr = self.trace_of(self.long_example(LONG_MIN_WORDS), "attention")
        th = self.theme
        n = len(tr.source_tokens)
        self.window = window = min(WINDOW, n)
        self.beat("window", opening_narration(n, window, self.src_lang))
        self.title_mob = self.heading()
        whose = f"the '{tr.model}' model" if tr.training_step is None else self.weights_name(tr)
        self.note = self.footnote(f"a thought experiment: none of our models uses a window. 'Relied on most': "
                                  f"from {whose}'s weights ({tr.sha256[:8]})")
        self.add(self.title_mob, self.note)
        self.words = WordGrid(tr.source_tokens, th.source, width=12.8, font_size=34, max_rows=3, row_gap=0.8)
        self.words.place_top(self.title_mob.get_bottom()[1] - 1.0)
        self.play(FadeIn(self.words, lag_ratio=0.03), run_time=1.2)
        # the recurrent models: every word, squeezed into one vector
        self.vector = Circle(radius=0.2, stroke_color=th.encoder, fill_color=th.encoder, fill_opacity=0.6)
        self.vector.move_to([0, self.words.bottom() - 0.8, 0])
        said = label(f"the recurrent models: all {n} words → one vector", CAPTION_SIZE, th.encoder)
        said.next_to(self.vector, DOWN, buff=0.2)
        copies = self.words.copy()
        self.play(FadeIn(self.vector), FadeIn(said),
                  AnimationGroup(*[c.animate.scale(0.3).move_to(self.vector).set_opacity(0) for c in copies],
                                 lag_ratio=0.03),
                  run_time=max(1.5, until_said(self, "A context window")))
        self.remove(copies)
        # a window: a few words, kept as they are
        self.marks = VGroup(*[self.window_mark(k).set_fill(opacity=0).set_stroke(opacity=0) for k in range(n)])
        self.add(self.marks)
        start = alignment.window_start(0, n, len(tr.output_words), window)
        kept = label(f"a context window: {window} words, kept as they are", CAPTION_SIZE, th.window)
        kept.move_to(said)
        self.apply_window(start, run_time=1.2, extra=[FadeOut(self.vector), *fade_replace(said, kept)])
        self.caption = kept
        self.play(self.pulse(range(start, start + window)), run_time=share(self, 0.9, at_least=1.0))

    def pulse(self, positions) -> AnimationGroup:
        """The words at `positions` light up one after the other: what the window holds."""
        return AnimationGroup(*[Indicate(self.words[k], color=self.theme.window, scale_factor=1.12) for k in positions],
                              lag_ratio=0.6)

    def window_mark(self, k: int) -> RoundedRectangle:
        bottom, top = self.words.text_span(k)
        return RoundedRectangle(corner_radius=0.08, width=self.words.step * 0.96, height=top - bottom + 0.22,
                                stroke_color=self.theme.window, stroke_width=3, fill_color=self.theme.window,
                                fill_opacity=0.16).move_to([self.words.x(k), (top + bottom) / 2, 0])

    def apply_window(self, start: int, run_time: float, extra: list | None = None, bright: int = -1) -> None:
        """The window over words start.., the rest dimmed (but `bright`, a word marked outside it)."""
        inside = range(start, start + self.window)
        self.window_at = start
        self.play(*(extra or []), *[mark.animate.set_fill(opacity=0.16 if k in inside else 0.0)
                    .set_stroke(opacity=1.0 if k in inside else 0.0) for k, mark in enumerate(self.marks)],
                  *[w.animate.set_opacity(1.0 if k in inside or k == bright else 0.2)
                    for k, w in enumerate(self.words)],
                  run_time=run_time)

    def under_words(self, text: str, color: str, line: int = 0):
        """A caption under the sentence: line 0 (the step written) or line 1 (what it means)."""
        said = fit_width(label(text, CAPTION_SIZE, color), 12.4)
        return said.move_to([0, self.words.bottom() - 0.75 - 0.65 * line, 0])

    def slide_window(self) -> None:
        """The window moves with the output: at step i it is centred on output word i's position
        (alignment.window_start); it stops where the word relied on most lies furthest outside."""
        tr = self.source
        n, m = len(self.words), len(tr.output_words)
        self.found = found = alignment.outside_window(tr.attention, tr.source_tokens, tr.output_words, self.window)
        self.beat("slide", f"The window moves with the output: while the model writes a {self.tgt_lang} word, it "
                           f"holds the {self.window} {self.src_lang} words around that word's own position. Whatever "
                           "lies outside it does not exist for the model, however much it matters.")
        self.play(FadeOut(self.caption), run_time=0.4)
        self.step_label = VGroup()
        if n <= self.window or m == 0:
            self.play(*[mk.animate.set_stroke(width=6) for mk in self.marks], run_time=share(self, 0.8))
            return
        steps = (found.output + 1) if found is not None else m
        each = max(SLIDE_SECONDS if found is not None else 0.4, share(self, 0.95) / steps)
        for i in range(steps):
            said = self.under_words(f"writing {self.tgt_lang} word {i + 1} of {m}: '{tr.output_words[i]}'",
                                    self.theme.target)
            start = alignment.window_start(i, n, m, self.window)
            self.apply_window(start, run_time=min(each, 1.0), extra=fade_replace(self.step_label, said))
            self.step_label = said
            if each > 1.0:   # the word at the output's own position, the window's centre, lights up
                self.play(Indicate(self.words[alignment.diagonal(i, n, m)], color=self.theme.window, scale_factor=1.15),
                          run_time=each - 1.0)

    def show_outside(self) -> None:
        """Where the window stops: the word relied on most (the attention model's link, borrowed once
        from the next chapter), outside the window, boxed as it is named; for the built-in grammar, the
        adjectives that push the noun away light up as they are named. One caption at a time."""
        tr, th = self.source, self.theme
        nouns = self.grammar_nouns(tr)
        adjectives = list(ADJECTIVES) if nouns else []
        m = len(tr.output_words)
        self.beat("outside", f"Which {self.src_lang} word does each {self.tgt_lang} word need? The attention model "
                             "of the next chapter tells us: the word it relied on most. "
                             + alignment.outside_narration(tr.attention, tr.source_tokens, tr.output_words,
                                                           self.window, self.tgt_lang, self.src_lang, nouns=nouns,
                                                           adjectives=adjectives))
        found = self.found
        self.outside = VGroup(self.step_label)
        if found is None and len(self.words) <= self.window:
            self.play(self.pulse(range(self.window_at, min(self.window_at + self.window, len(self.words)))),
                      run_time=share(self, 0.9, at_least=1.0))
            return
        borrowed = self.under_words(f"boxed: the {self.src_lang} word each {self.tgt_lang} word relied on most, "
                                    "from the attention model (next chapter)", th.alpha, line=1)
        self.play(FadeIn(borrowed), run_time=1.0)
        box = self.sweep(borrowed)
        if found is None:
            return
        # back to the step where the word relied on most lies furthest outside
        word = self.words[found.source]
        said = self.under_words(f"writing {self.tgt_lang} word {found.output + 1} of {m}: "
                                f"'{tr.output_words[found.output]}'", th.target)
        self.apply_window(found.start, run_time=1.0, bright=found.source, extra=[
            *fade_replace(self.step_label, said), Indicate(self.tally_cells[found.output], color=th.alpha),
            box.animate.become(self.relied_box(found.source, False))])
        self.step_label = said
        self.outside.add(said)
        window = range(found.start, found.start + self.window)
        self.play(self.pulse(window), run_time=max(1.0, until_said(self, f"and '{tr.source_tokens[found.source]}' is")))
        where = "just" if found.away == 1 else f"{found.away} words"
        missed = self.under_words(f"'{tr.output_words[found.output]}' relied most on "
                                  f"'{tr.source_tokens[found.source]}': {where} outside the window", th.alpha, line=1)
        between = alignment.adjectives_before(tr.source_tokens, tr.output_words, found, nouns, adjectives)
        self.play(Indicate(word, color=th.alpha, scale_factor=1.2), *fade_replace(self.count, missed),
                  run_time=max(1.0, until_said(self, "English puts") if between else share(self, 0.4)))
        self.outside.add(missed)
        if between:   # the adjectives between the article and its noun light up while the reason is said
            self.play(AnimationGroup(*[Indicate(self.words[k], color=th.alpha, scale_factor=1.2) for k in between],
                                     lag_ratio=0.5), run_time=share(self, 0.6, at_least=1.0))
            self.play(Indicate(word, color=th.alpha, scale_factor=1.2), run_time=share(self, 0.9, at_least=1.0))

    def relied_box(self, k: int, inside: bool) -> SurroundingRectangle:
        """The box on the word relied on most: window-coloured inside the window, alpha-coloured outside."""
        return SurroundingRectangle(self.words[k], buff=0.08, corner_radius=0.06, stroke_width=3,
                                    color=self.theme.window if inside else self.theme.alpha)

    def sweep(self, borrowed) -> SurroundingRectangle:
        """The window passes over every output word, the word each relied on most boxed inside or outside
        it, and a tally (one cell per output word, window-coloured for a hit) counts the hits as they come
        (alignment.window_steps): the count said is seen being made. Ends on the final count, as the
        narration says it. Captions swap without fading: the sweep is fast."""
        tr, th = self.source, self.theme
        m = len(tr.output_words)
        steps = alignment.window_steps(tr.attention, tr.source_tokens, tr.output_words, self.window)
        if not steps:
            return SurroundingRectangle(self.words, stroke_opacity=0)
        ends = f"{self.tgt_lang} words, the window holds" if self.found is not None else ""
        total = until_said(self, ends) if ends else share(self, 0.85)
        each = max(0.3, total / len(steps))
        cells = VGroup(*[Square(0.26, stroke_color=th.window if inside else th.alpha, stroke_width=2,
                                fill_color=th.window if inside else th.alpha, fill_opacity=0.7)
                         for _, _, inside in steps]).arrange(RIGHT, buff=0.06)
        fit_width(cells, 9.0).move_to(self.under_words("x", th.window, line=2))
        slots = cells.copy().set_fill(opacity=0).set_stroke(color=th.muted, opacity=0.5)
        self.play(FadeIn(slots), run_time=0.4)
        self.cells = VGroup(slots)
        box, tally, hits = VGroup(), VGroup(), 0
        for i, (start, j, inside) in enumerate(steps):
            hits += inside
            said = self.under_words(f"{self.tgt_lang} word {i + 1} of {m}: '{tr.output_words[i]}' relied most on "
                                    f"'{tr.source_tokens[j]}', {'inside' if inside else 'OUTSIDE'} the window",
                                    th.target if inside else th.alpha)
            counted = label(f"{hits} of {i + 1} inside", CAPTION_SIZE - 2, th.window).next_to(cells, RIGHT, buff=0.3)
            new_box = self.relied_box(j, inside)
            self.remove(self.step_label, tally, box)
            self.add(said, counted, new_box)
            self.apply_window(start, run_time=each, bright=j, extra=[FadeIn(cells[i])])
            self.step_label, tally, box = said, counted, new_box
        self.cells.add(cells, tally)
        self.tally_cells = cells
        self.count = self.under_words(f"the window holds the word relied on most for {hits} of {m} "
                                      f"{self.tgt_lang} words", th.window, line=1)
        self.play(*fade_replace(borrowed, self.count), run_time=1.0)
        self.outside.add(box, self.count, self.step_label, self.cells)
        return box

    def three_answers(self) -> None:
        """One vector, a few words, every word weighed: each line appears as it is said, the picture
        above showing it (the vector again, the window, then every word boxed)."""
        th = self.theme
        n = len(self.words)
        self.beat("answers", closing_narration(self.window))
        lines = [("recurrent models: every word, squeezed into one vector", th.encoder),
                 (f"a context window: only {self.window} words, kept as they are", th.window),
                 ("attention (next chapter): every word, kept and weighed", th.alpha)]
        rows = VGroup(*[label(text, CAPTION_SIZE, color) for text, color in lines])
        rows.arrange(DOWN, buff=0.35, aligned_edge=LEFT)
        icons = VGroup(Circle(radius=0.13, stroke_color=th.encoder, fill_color=th.encoder, fill_opacity=0.6),
                       RoundedRectangle(corner_radius=0.05, width=0.4, height=0.26, stroke_color=th.window,
                                        fill_color=th.window, fill_opacity=0.16, stroke_width=3),
                       RoundedRectangle(corner_radius=0.05, width=0.4, height=0.26, stroke_color=th.alpha,
                                        stroke_width=3))
        for icon, row in zip(icons, rows):
            icon.next_to(row, LEFT, buff=0.25)
        VGroup(icons, rows).move_to([0, self.words.bottom() - 0.6 - rows.height / 2, 0])
        # line 1: the sentence squeezed again into one vector
        outside = [w.animate.set_opacity(0.2) for k, w in enumerate(self.words)
                   if not self.window_at <= k < self.window_at + self.window]   # the missed word back in the dark
        shown = [mob for mob in self.outside.get_family() if mob in self.mobjects]   # not those replaced earlier
        self.play(FadeOut(VGroup(*shown)), *outside, run_time=0.5)
        copies = self.words.copy()
        self.play(FadeIn(icons[0]), FadeIn(rows[0]),
                  AnimationGroup(*[c.animate.scale(0.3).move_to(icons[0]).set_opacity(0) for c in copies],
                                 lag_ratio=0.02),
                  run_time=max(1.5, until_said(self, "A window keeps")))
        self.remove(copies)
        # line 2: the window, as it was
        self.play(FadeIn(icons[1]), FadeIn(rows[1]),
                  self.pulse(range(self.window_at, min(self.window_at + self.window, n))),
                  run_time=max(1.5, until_said(self, "Attention, in")))
        # line 3: every word, kept: the window grows to the whole sentence
        whole = SurroundingRectangle(self.words, buff=0.15, corner_radius=0.1, color=th.alpha, stroke_width=3)
        self.play(FadeIn(icons[2]), FadeIn(rows[2]), *[w.animate.set_opacity(1.0) for w in self.words],
                  *[mk.animate.set_fill(opacity=0).set_stroke(opacity=0) for mk in self.marks], Create(whole),
                  run_time=share(self, 0.5, at_least=1.5))
        self.play(Indicate(whole, color=th.alpha, scale_factor=1.0), run_time=share(self, 0.9, at_least=1.0))
        self.wait(1.0)   # the chapter ends on a settled picture
