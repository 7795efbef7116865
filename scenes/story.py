"""The frame of the story, drawn rather than computed (each says so on screen): where attention
lives in a language model (fig. 1), the timeline (fig. 2), the evolution from Bahdanau to
Transformers and GPT (fig. 16), and a teaser of self-attention (fig. 17)."""
from __future__ import annotations

from manim import (DOWN, LEFT, RIGHT, UP, ArcBetweenPoints, Arrow, Create, FadeIn, Indicate, Line,
                   RoundedRectangle, VGroup)

from scenes.kit import ExplainerScene, TokenRow, fit_width, label

ILLUSTRATION = "a diagram of the idea, not model output"


def block(text: str, color: str, width: float = 3.2, height: float = 0.6, size: float = 22, fill: str | None = None):
    """A labelled rounded box: a layer or an architecture part."""
    box = RoundedRectangle(corner_radius=0.12, width=width, height=height, stroke_color=color, stroke_width=3,
                           fill_color=fill or color, fill_opacity=0.12)
    return VGroup(box, fit_width(label(text, size), width * 0.9).move_to(box))


class WhereAttentionLives(ExplainerScene):
    title = "Where attention lives in a language model"

    def construct(self) -> None:
        self.beat("stack", "A language model is a stack of layers. Words go in at the bottom as vectors; each layer "
                           "refines them; the top predicts the next word.")
        self.add(self.heading(), self.footnote(ILLUSTRATION))
        th = self.theme
        parts = [("next-word probabilities", th.target), ("feed-forward", th.muted), ("attention", th.alpha),
                 ("feed-forward", th.muted), ("attention", th.alpha), ("word vectors + positions", th.source)]
        stack = VGroup(*[block(text, color, width=4.6) for text, color in parts]).arrange(DOWN, buff=0.22)
        stack.next_to(self.heading(), DOWN, buff=0.35)
        repeat = label("× N layers", 22, th.muted).next_to(VGroup(*stack[1:5]), RIGHT, buff=0.4)
        arrows = VGroup(*[Arrow(stack[k + 1].get_top(), stack[k].get_bottom(), buff=0.02, stroke_width=3,
                                color=th.muted, max_tip_length_to_length_ratio=0.5) for k in range(len(stack) - 1)])
        self.play(FadeIn(stack, lag_ratio=0.15, shift=0.2 * UP), Create(arrows), FadeIn(repeat), run_time=2.5)
        self.beat("lit", "The attention blocks are where each word looks at the others to decide what it means "
                         "here. This story is about why that block had to be invented: it starts with networks "
                         "that could not see order at all.")
        self.play(*[Indicate(stack[k], color=th.alpha, scale_factor=1.08) for k in (2, 4)], run_time=1.5)
        self.wait(1.0)


MILESTONES = (
    ("1980s", "neural network", "learns patterns, but reads each input on its own"),
    ("1980s", "RNN", "reads in order, carrying a hidden state"),
    ("1997", "LSTM", "a gated cell state keeps memories longer"),
    ("2014", "seq2seq", "encoder-decoder translation through one vector"),
    ("2014", "Bahdanau attention", "the decoder looks back at every word"),
    ("2017", "Transformer", "attention alone, no recurrence"),
    ("2018", "GPT", "a decoder-only Transformer that writes text"),
)


class Timeline(ExplainerScene):
    title = "From plain networks to GPT"

    def construct(self) -> None:
        self.beat("timeline", "Each step of this history fixed what the previous one could not do. Plain networks "
                              "saw no order; recurrent networks read in order but forgot; LSTMs forgot more slowly; "
                              "sequence-to-sequence models still had to pass everything through one vector.")
        self.add(self.heading(), self.footnote("dates of the ideas; " + ILLUSTRATION))
        th = self.theme
        rows = VGroup()
        top = self.heading().get_bottom()[1] - 0.7
        for k, (year, name, fix) in enumerate(MILESTONES):
            color = th.alpha if "attention" in name.lower() else th.text
            y = top - 0.72 * k
            rows.add(VGroup(label(year, 22, th.muted).set_x(0, direction=LEFT),
                            label(name, 24, color, weight="BOLD").set_x(1.2, direction=LEFT),
                            label(fix, 22, th.text).set_x(5.5, direction=LEFT)).set_y(y))
        if rows.width > 13.4:
            rows.scale_to_fit_width(13.4)
        rows.set_x(0)
        spine_x = (max(r[0].get_right()[0] for r in rows) + min(r[1].get_left()[0] for r in rows)) / 2
        spine = Line([spine_x, rows.get_top()[1], 0], [spine_x, rows.get_bottom()[1], 0], color=th.muted, stroke_width=2)
        self.play(Create(spine), run_time=0.6)
        for k, row in enumerate(rows):
            if k == 4:
                self.beat("attention", "Then, in 2014, Bahdanau and colleagues let the decoder look back at "
                                       "every word. Three years later attention no longer needed the recurrent "
                                       "network at all, and a year after that GPT was built from it.")
            self.play(FadeIn(row, shift=0.2 * RIGHT), run_time=0.8)
        self.wait(1.0)


class Evolution(ExplainerScene):
    title = "From Bahdanau to Transformers and GPT"

    def construct(self) -> None:
        th = self.theme
        self.add(self.heading(), self.footnote(ILLUSTRATION))
        columns = VGroup(
            VGroup(label("2014 · Bahdanau", 24, th.text, weight="BOLD"),
                   block("RNN decoder", th.decoder), block("attention", th.alpha), block("RNN encoder", th.encoder)),
            VGroup(label("2017 · Transformer", 24, th.text, weight="BOLD"),
                   block("decoder: attention", th.decoder), block("cross-attention", th.alpha),
                   block("encoder: attention", th.encoder)),
            VGroup(label("2018 · GPT", 24, th.text, weight="BOLD"),
                   block("decoder: attention", th.decoder), block("(no encoder)", th.muted, fill=th.background)),
        )
        for col in columns:
            col.arrange(DOWN, buff=0.3)
        columns.arrange(RIGHT, buff=1.0, aligned_edge=UP).next_to(self.heading(), DOWN, buff=0.5)
        notes = VGroup(label("still reads one word at a time", 18, th.muted),
                       label("every word at once, in parallel", 18, th.muted),
                       label("predicts the next word", 18, th.muted))
        for note, col in zip(notes, columns):
            note.next_to(col, DOWN, buff=0.35)
        narration = (
            ("2014", "In 2014 attention joined a recurrent encoder and decoder: the decoder could look back, "
                     "but both halves still read one word after another."),
            ("2017", "In 2017 the Transformer kept the attention and dropped the recurrence: every word is "
                     "processed at once, which also makes training parallel."),
            ("2018", "In 2018 GPT kept only the decoder half, trained to predict the next word. Attention is "
                     "still the part that lets each word use the others."),
        )
        for (name, text), col, note in zip(narration, columns, notes):
            self.beat(name, text)
            self.play(FadeIn(col, lag_ratio=0.2), FadeIn(note), run_time=1.2)
        self.wait(1.0)


class SelfAttentionTeaser(ExplainerScene):
    title = "Next: every word attends to every word"

    def construct(self) -> None:
        th = self.theme
        tokens = self.tr.source_tokens
        self.beat("teaser", "Bahdanau attention lets the output look back at the input. Self-attention goes further: "
                            "every word of a sentence looks at every other word, all at once. That is the next part.")
        self.add(self.heading(), self.footnote("arcs show which pairs can attend, not learned weights: "
                                               "our models have no self-attention"))
        words = TokenRow(tokens, th.source, width=12.5, max_step=1.8, stagger=False).shift(1.2 * DOWN)
        self.play(FadeIn(words, lag_ratio=0.05), run_time=1.0)
        arcs = VGroup()
        for i in range(len(words)):
            for j in range(i + 1, len(words)):
                arcs.add(ArcBetweenPoints(words[i].get_top() + 0.1 * UP, words[j].get_top() + 0.1 * UP, angle=-1.2,
                                          color=th.alpha, stroke_width=2, stroke_opacity=0.6))
        if arcs.height > 4.2:
            arcs.stretch_to_fit_height(4.2, about_edge=DOWN)
        self.play(Create(arcs, lag_ratio=0.05), run_time=2.5)
        self.beat("next", f"With {len(words)} words that is {len(arcs)} pairs, each weighed in both directions, and "
                          "nothing has to wait for the word before it. How those weights are computed is the "
                          "subject of the next part: self-attention.")
        self.play(Indicate(words, color=th.alpha, scale_factor=1.1), run_time=1.5)
        self.wait(1.0)
