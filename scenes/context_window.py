"""Context window (article fig. 8). One meaning throughout: the span of words a model's output can
look at. A window of 5 words moves with the output (centred on each output word's position) and masks
the rest; it stops where a word the real attention model needs lies furthest outside it (computed, or
said that none does); attention's window is the whole sentence:
its α for a few output words, slowly, with their numbers, then for the rest (strips under every word)."""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    Rectangle,
    RoundedRectangle,
    SurroundingRectangle,
    Transform,
    VGroup,
)

from model.corpus import ADJECTIVES
from model.trace import TraceInputError
from scenes.kit import ExplainerScene, alignment, claims, fit_width, label, wrong_in_red
from scenes.kit.key import weight_scale
from scenes.kit.mobjects import WordFlow, fade_replace
from scenes.kit.pacing import share, until_said
from scenes.kit.theme import text_on, weight_to_color
from scenes.kit.wrap import WordGrid

WINDOW = 5
LONG_MIN_WORDS = 9
# built-in grammar: a sentence (the model translates it as the grammar does) whose article needs a noun
# behind three adjectives, one more than the long example has
MORE_ADJECTIVES = "the dog sees the big young green garden"
FLIP_STEP = 1.8      # seconds per output word where the order flips (narrated)
REST_STEP = 0.5      # seconds per other output word of the fast run
SLIDE_SECONDS = 0.8  # the window moves at least this long per output word
READ = 3             # the first output words whose α is shown with numbers, slowly enough to read
NUMBER_SIZE = 22     # ≥ 20 px at 1080p: readable at 480p


class ContextWindow(ExplainerScene):
    title = "A context window: five words at a time"
    attention_title = "Attention: every word weighed"

    def construct(self) -> None:
        self.show_sentence()
        self.slide_window()
        self.attention_instead()

    def show_sentence(self) -> None:
        self.source = tr = self.trace_of(self.long_example(LONG_MIN_WORDS), "attention")
        th = self.theme
        n = len(tr.source_tokens)
        window = min(WINDOW, n)
        self.window = window
        self.beat("window", f"A context window is the span of words a model's output can look at. A window of this "
                            f"kind holds {window} of these {n} words and masks everything else.")
        self.title_mob = self.heading()
        self.add(self.title_mob)
        whose = f"the '{tr.model}' model" if tr.training_step is None else self.weights_name(tr)
        self.note = self.footnote(f"the window is an illustration (none of our models uses one); the α strips are "
                                  f"the real weights of {whose} ({tr.sha256[:8]})")
        self.add(self.note)
        self.words = WordGrid(tr.source_tokens, th.source, width=12.8, font_size=28, max_rows=3, band=0.46,
                              band_side="below", row_gap=0.45)
        self.words.move_to([0, 0.3, 0])  # centred while the window slides; attention moves it up
        self.play(FadeIn(self.words, lag_ratio=0.03), run_time=1.2)
        self.marks = VGroup(*[self.window_mark(k) for k in range(n)])
        for _k, mark in enumerate(self.marks):
            mark.set_opacity(0.0)
        self.add(self.marks)
        start = alignment.window_start(0, n, len(tr.output_words), window)
        self.apply_window(start, run_time=1.2)
        self.play(self.pulse(range(start, start + window)), run_time=share(self, 0.9, at_least=1.0))

    def pulse(self, positions) -> AnimationGroup:
        """The words at `positions` light up one after the other, each about its own centre: what the
        window holds, read while the narration speaks of it."""
        return AnimationGroup(*[Indicate(self.words[k], color=self.theme.window, scale_factor=1.12) for k in positions],
                              lag_ratio=0.6)

    def window_mark(self, k: int, grid: WordGrid | None = None) -> RoundedRectangle:
        w = grid or self.words
        bottom, top = w.text_span(k)
        return RoundedRectangle(corner_radius=0.08, width=w.step * 0.96, height=top - bottom + 0.22,
                                stroke_color=self.theme.window, stroke_width=3, fill_color=self.theme.window,
                                fill_opacity=0.16).move_to([w.x(k), (top + bottom) / 2, 0])

    def apply_window(self, start: int, run_time: float, extra: list | None = None) -> None:
        inside = range(start, start + self.window)
        self.window_at = start
        self.play(*(extra or []), *[mark.animate.set_fill(opacity=0.16 if k in inside else 0.0)
                    .set_stroke(opacity=1.0 if k in inside else 0.0) for k, mark in enumerate(self.marks)],
                  *[w.animate.set_opacity(1.0 if k in inside else 0.2) for k, w in enumerate(self.words)],
                  run_time=run_time)

    def writing(self, i: int) -> VGroup:
        """Under the sentence: the output word being written at step i (the window is centred on its
        position)."""
        tr = self.source
        said = label(f"writing {self.tgt_lang} word {i + 1} of {len(tr.output_words)}: "
                     f"'{tr.output_words[i]}'", 24, self.theme.target)
        return said.next_to([0, self.words.bottom() - 0.3, 0], DOWN, buff=0)

    def slide_window(self) -> None:
        """The window moves with the output: at step i it is centred on output word i's position
        (alignment.window_start); it stops where the word that step looks at most lies furthest outside."""
        tr = self.source
        n, m = len(self.words), len(tr.output_words)
        found = alignment.outside_window(tr.attention, tr.source_tokens, tr.output_words, self.window)
        self.found = found
        self.beat("slide", f"The window moves with the output: while the model writes a {self.tgt_lang} word, it "
                           f"holds the {self.window} {self.src_lang} words around that word's own position. Whatever "
                           "lies outside it does not exist for the model, however much it matters.")
        steps = (found.output + 1) if found is not None else m
        self.step_label = VGroup()
        if n <= self.window or m == 0:
            self.play(*[mk.animate.set_stroke(width=6) for mk in self.marks], run_time=share(self, 0.8))
            return
        each = max(SLIDE_SECONDS, share(self, 0.95) / steps)
        for i in range(steps):
            said = self.writing(i)
            start = alignment.window_start(i, n, m, self.window)
            self.apply_window(start, run_time=min(each, 1.0), extra=fade_replace(self.step_label, said))
            self.step_label = said
            if each > 1.0:   # the word at the output's own position, the window's centre, lights up
                self.play(Indicate(self.words[alignment.diagonal(i, n, m)], color=self.theme.window, scale_factor=1.15),
                          run_time=each - 1.0)
        self.show_outside()

    def show_outside(self) -> None:
        """Where the window stops: the word the real attention looks at most at that step, outside the
        window (alignment.outside_window), boxed and lit, with its share and how often the window holds
        the word needed; for the built-in grammar, the adjectives that push the noun away, then a second
        sentence with one adjective more."""
        tr, th = self.source, self.theme
        nouns = self.grammar_nouns(tr)
        adjectives = list(ADJECTIVES) if nouns else []
        self.beat("outside", alignment.outside_narration(tr.attention, tr.source_tokens, tr.output_words,
                                                         self.window, self.tgt_lang, self.src_lang, nouns=nouns,
                                                         adjectives=adjectives))
        found = self.found
        self.outside = VGroup(self.step_label)
        if found is None:
            self.play(self.pulse(range(self.window_at, min(self.window_at + self.window, len(self.words)))),
                      run_time=share(self, 0.9, at_least=1.0))
            return
        word = self.words[found.source]
        box = SurroundingRectangle(word, buff=0.1, corner_radius=0.06, color=th.alpha, stroke_width=3)
        said = label(f"'{tr.output_words[found.output]}' gives '{tr.source_tokens[found.source]}' "
                     f"{claims.percent(found.weight)} of its attention: "
                     f"{'just' if found.away == 1 else str(found.away) + ' words'} outside the window", 24, th.alpha)
        said.next_to(self.step_label, DOWN, buff=0.22)
        fit_width(said, 12.4)
        m = len(tr.output_words)
        hits = alignment.window_hits(tr.attention, tr.source_tokens, tr.output_words, self.window)
        count = fit_width(label(f"the window holds the word needed most for {hits} of {m} output words", 20,
                                th.window), 12.4).next_to(said, DOWN, buff=0.2)
        self.outside.add(box, said, count)
        window = range(found.start, found.start + self.window)
        self.play(self.pulse(window), FadeIn(count), run_time=share(self, 0.2, at_least=1.5))
        self.play(word.animate.set_opacity(1.0), Create(box), Indicate(self.step_label, color=th.target, scale_factor=1.05),
                  run_time=share(self, 0.2, at_least=1.0))
        self.play(FadeIn(said), Indicate(word, color=th.alpha, scale_factor=1.15), run_time=share(self, 0.3, at_least=1.0))
        between = alignment.adjectives_before(tr.source_tokens, tr.output_words, found, nouns, adjectives)
        if between:   # the adjectives between the article and its noun light up while the reason is said
            self.play(AnimationGroup(*[Indicate(self.words[k], color=th.alpha, scale_factor=1.15) for k in between],
                                     lag_ratio=0.5), run_time=share(self, 0.9, at_least=1.0))
            self.show_further(found, nouns, adjectives)

    def show_further(self, before: alignment.Outside, nouns: list[str], adjectives: list[str]) -> None:
        """Built-in grammar: MORE_ADJECTIVES, one adjective more before the noun, through the real model,
        in a row under the long sentence with its window at the step that misses, and how far outside the
        needed word then lies (alignment.further_narration); said truthfully if nothing is missed."""
        th = self.theme
        try:
            tr = self.trace_of(MORE_ADJECTIVES, "attention")
        except TraceInputError:   # a model without the grammar's words: nothing more to show
            return
        self.beat("further", alignment.further_narration(tr.attention, tr.source_tokens, tr.output_words,
                                                         self.window, before, nouns=nouns, adjectives=adjectives))
        found = alignment.outside_window(tr.attention, tr.source_tokens, tr.output_words, self.window)
        grid = WordGrid(tr.source_tokens, th.source, width=12.8, font_size=28, max_rows=1)
        grid.next_to([0, self.words.bottom() - 0.35, 0], DOWN, buff=0)
        start = found.start if found is not None else alignment.window_start(0, len(grid), len(tr.output_words),
                                                                               self.window)
        marks = VGroup(*[self.window_mark(k, grid) for k in range(start, min(start + self.window, len(grid)))])
        shown = VGroup(grid, marks)
        if found is not None:
            shown.add(SurroundingRectangle(grid[found.source], buff=0.1, corner_radius=0.06, color=th.alpha,
                                           stroke_width=3))
            adjectives_in = len(alignment.adjectives_before(tr.source_tokens, tr.output_words, found, nouns, adjectives))
            text = (f"'{tr.output_words[found.output]}', word {found.output + 1} of {len(tr.output_words)}: "
                    f"'{tr.source_tokens[found.source]}' gets {claims.percent(found.weight)}, "
                    f"{found.away} word{'s' if found.away > 1 else ''} outside"
                    + (f", behind {adjectives_in} adjectives" if adjectives_in else ""))
        else:
            text = "nothing outside the window"
        said = fit_width(label(text, 24, th.alpha), 12.4).next_to(shown, DOWN, buff=0.25)
        self.play(FadeOut(self.outside), FadeIn(grid), self.words[before.source].animate.set_opacity(0.2), run_time=1.0)
        self.play(FadeIn(marks), run_time=share(self, 0.25, at_least=1.0))
        self.play(*[FadeIn(m) for m in shown[2:]], FadeIn(said), run_time=share(self, 0.3, at_least=1.0))
        if found is not None:
            self.play(Indicate(grid[found.source], color=th.alpha, scale_factor=1.15), run_time=share(self, 0.9, at_least=1.0))
        self.outside = VGroup(shown, said)

    def attention_instead(self) -> None:
        tr, th = self.source, self.theme
        n = len(tr.source_tokens)
        first = tr.output_words[0] if tr.output_words else ""
        strongest = int(tr.attention[0].argmax())
        self.beat("attention", f"With attention, the window is the whole sentence: for each {self.tgt_lang} word the "
                               f"model weighs all {n} {self.src_lang} words. For '{first}', "
                               f"{claims.said_percent(float(tr.attention[0, strongest]))} of the weight goes to "
                               f"'{tr.source_tokens[strongest]}'.")
        top = self.heading().get_bottom()[1] - 0.45
        shift = (top - self.words.top()) * UP
        new_title = self.heading(self.attention_title)
        self.play(self.words.animate.shift(shift), self.marks.animate.shift(shift), FadeOut(self.outside),
                  *fade_replace(self.title_mob, new_title), run_time=1.0)
        strips = VGroup(*[Rectangle(width=self.words.step * 0.9, height=self.words.band - 0.12, stroke_width=0,
                                    fill_color=weight_to_color(0.0), fill_opacity=1)
                          .move_to([self.words.x(k), self.words.band_bottom(k) - (self.words.band - 0.12) / 2, 0])
                          for k in range(n)])
        self.play(*[m.animate.set_fill(opacity=0).set_stroke(opacity=0) for m in self.marks],
                  *[w.animate.set_opacity(1.0) for w in self.words], FadeIn(strips), run_time=1.0)
        self.remove(self.marks)
        colors = wrong_in_red(tr.reference_tokens, tr.output_words, th.target)
        french = WordFlow(tr.output_words, colors, width=12.4, font_size=26, max_lines=3)
        french.set_opacity(0.25)
        if french.more:
            french.more.set_opacity(1)
        marked = " (red: wrong)" if th.wrong in colors else ""
        caption = label(f"{self.tgt_lang}, as the model writes it{marked}:", 18, th.muted)
        caption.next_to([-6.2, self.words.bottom() - 0.35, 0], DOWN, buff=0, aligned_edge=LEFT)
        french.next_to(caption, DOWN, buff=0.18, aligned_edge=LEFT)
        key = label("strip under each word: its α for the word being written", 18, th.alpha)
        key.next_to(french, DOWN, buff=0.3, aligned_edge=LEFT)
        self.scale_key = weight_scale().next_to(key, RIGHT, buff=0.5)
        self.play(FadeIn(caption), FadeIn(french), FadeIn(key), FadeIn(self.scale_key), run_time=0.8)
        rows = tr.attention[:len(french.words)]
        cursor = None
        flip: tuple[int, ...] = ()
        lead = flip_step = 0.0
        numbers = VGroup()
        read = min(READ, len(french.words))
        for i, word in enumerate(french.words):
            if i == 0:  # the first word stays lit while the narration speaks of it
                step_time = share(self, 0.95, at_least=2.5)
            elif i == 1:  # the next few, with their numbers, under a beat that reads them
                self.beat("read", f"The strip under each {self.src_lang} word shows its weight α as the model writes "
                                  "each word. " + alignment.sweep_narration(rows, tr.source_tokens, tr.output_words, read))
                step_time = max(2.5, share(self, 1.0, at_least=2.5 * (read - 1)) / max(read - 1, 1))
            elif i == read:  # the rest of the sentence, fast, without numbers; slower where the order flips
                flip = alignment.backward_run(rows, tr.output_words[:len(french.words)], read)
                self.beat("strips", f"Then the rest of the {self.tgt_lang} sentence. "
                          + alignment.backward_narration(rows, tr.source_tokens, tr.output_words[:len(french.words)],
                                                         read))
                # the words before the flip share the time until the narration reaches it
                named = f"'{tr.output_words[flip[0]]}' looks at" if flip else ""
                lead = until_said(self, named) / max(flip[0] - read, 1) if flip else 0.0
                # the flip's words stay while their pairs are said
                flip_step = max(FLIP_STEP, 0.95 * (self.reading_time_left() - until_said(self, named)) / max(len(flip), 1))
            elif flip and i == flip[-1] + 1:   # after the flip, its own beat: the narration stays with it
                left = len(french.words) - i
                self.beat("rest", f"The other {left} {self.tgt_lang} words follow, each with its own strips." if left > 1
                          else f"The last {self.tgt_lang} word follows, with its own strips.")
            if i >= read:
                step_time = flip_step if i in flip else max(REST_STEP, lead) if flip and i < flip[0] else REST_STEP
            mark = RoundedRectangle(corner_radius=0.06, width=word.width + 0.16, height=word.height + 0.14,
                                    stroke_color=th.alpha, stroke_width=2.5).move_to(word)
            new_line = cursor is not None and abs(cursor.get_y() - mark.get_y()) > 0.05
            move = FadeIn(mark) if cursor is None else Transform(cursor, mark)
            if new_line:  # a box sliding back along the line it leaves would seem to mark those words again
                self.play(FadeOut(cursor), run_time=0.2)
                move = FadeIn(mark)
            shown = self.strip_numbers(strips, rows[i]) if i < read else VGroup()
            # numbers, or a narrated flip: a quick change, then read
            change = min(step_time, 1.0) if i < read else min(step_time, 0.6) if i in flip else step_time
            self.play(*[s.animate.set_fill(weight_to_color(float(a))) for s, a in zip(strips, rows[i])],
                      word.animate.set_opacity(1.0), move, *fade_replace(numbers, shown), run_time=change)
            numbers = shown
            if (i < read or i in flip) and step_time > change:   # read or narrated: its strongest word lights up
                top = int(np.argmax(rows[i]))
                self.play(Indicate(self.words[top], color=th.alpha, scale_factor=1.15), run_time=step_time - change)
            if cursor is None or new_line:
                cursor = mark
        self.beat("end", "Attention could reach every word and let the content decide where to look. Each strip "
                         "now shows its largest α. " + self.overlooked_claim(len(french.words)))
        legend = label("strip: the largest α each word received", 18, th.alpha)
        legend.next_to(french, DOWN, buff=0.3, aligned_edge=LEFT)
        # the key changes with the strips: from here they show each word's largest α, not one step's
        self.play(*[s.animate.set_fill(weight_to_color(float(np.max(tr.attention[:len(french.words), k]))))
                    for k, s in enumerate(strips)], FadeOut(cursor), *fade_replace(key, legend),
                  self.scale_key.animate.next_to(legend, RIGHT, buff=0.5), run_time=share(self, 0.3, at_least=1.2))
        self.point_at_overlooked(strips, french)
        self.beat("limit", "A Transformer's context window is the same span, the words its output can look at: its "
                           "whole input, up to a maximum number of tokens.")
        whole = SurroundingRectangle(VGroup(self.words, strips), buff=0.1, corner_radius=0.08, color=th.window, stroke_width=3)
        whose = f"the '{tr.model}' model" if tr.training_step is None else self.weights_name(tr)
        note = self.footnote(f"box: an illustration of a Transformer's context window, not this model; α strips: the "
                             f"real weights of {whose} ({tr.sha256[:8]})")
        note.set_color(th.window)
        self.play(FadeOut(self.overlooked_marks), *fade_replace(self.note, note), run_time=1.0)
        self.note = note
        self.play(Create(whole), run_time=share(self, 0.6, at_least=1.5))
        self.play(Indicate(whole, color=th.window, scale_factor=1.0), run_time=share(self, 0.9, at_least=1.0))
        self.wait(1.0)   # the chapter ends on a settled picture

    @staticmethod
    def strip_numbers(strips: VGroup, alphas) -> VGroup:
        """α in % on each strip that rounds to 1 % or more, in the colour that reads on that strip."""
        return VGroup(*[label(claims.percent(float(a)), NUMBER_SIZE, text_on(weight_to_color(float(a)))).move_to(s)
                        for s, a in zip(strips, alphas) if a >= 0.005])

    def overlooked_claim(self, n_written: int) -> str:
        tr = self.source
        return alignment.overlooked_narration(tr.attention, tr.source_tokens, tr.output_words[:n_written],
                                              self.tgt_lang, nouns=self.grammar_nouns(tr))

    def point_at_overlooked(self, strips: VGroup, french: WordFlow) -> None:
        """Outline the strips of the words hardly looked at, then, for the built-in grammar, the article
        that looks at the first one's noun and that noun (alignment.overlooked, as the narration says)."""
        th = self.theme
        tr = self.source
        found = alignment.overlooked(tr.attention, tr.source_tokens, tr.output_words[:len(french.words)],
                                     self.grammar_nouns(tr))
        self.overlooked_marks = VGroup(*[SurroundingRectangle(strips[k], buff=0.04, color=th.muted, stroke_width=2)
                                         for k in found.words])
        if not found.words:
            self.wait(share(self, 1.0))
            return
        self.play(*[Create(m) for m in self.overlooked_marks], run_time=share(self, 0.4))
        if found.stand_in is None:   # nothing more to point at: the words named light up while they are said
            self.play(*[Indicate(self.words[k], color=th.muted, scale_factor=1.1) for k in found.words],
                      run_time=share(self, 0.9, at_least=1.0))
        else:
            pair = [SurroundingRectangle(french.words[found.stand_in], buff=0.08, corner_radius=0.06, color=th.alpha),
                    SurroundingRectangle(VGroup(self.words[found.looked], strips[found.looked]), buff=0.05,
                                         corner_radius=0.06, color=th.alpha)]
            self.play(*[Create(m) for m in pair], run_time=share(self, 0.5, at_least=1.2))
            self.play(*[Indicate(m, color=th.alpha, scale_factor=1.0) for m in pair],
                      Indicate(french.words[found.stand_in], color=th.alpha, scale_factor=1.1),
                      run_time=share(self, 0.95, at_least=1.0))
            self.overlooked_marks.add(*pair)
