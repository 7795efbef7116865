"""The frame of the story, drawn rather than computed (each says so on screen): where attention
lives in a language model (fig. 1), the timeline (fig. 2), the evolution from Bahdanau to
Transformers and GPT (fig. 16), and a teaser of self-attention (fig. 17). Each is built in the
order its narration tells it, and keeps moving while the narration is read."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, ArcBetweenPoints, Arrow, Brace, Create, Dot,
                   FadeIn, FadeOut, Indicate, Line, RoundedRectangle, Square, Transform, VGroup, Write)

from scenes.kit import ExplainerScene, claims, current, fade_replace, fit_width, label
from scenes.kit.pacing import share
from scenes.kit.wrap import WordGrid

ILLUSTRATION = "a diagram of the idea, not model output"


def block(text: str, color: str, width: float = 3.2, height: float = 0.6, size: float = 22, fill: str | None = None):
    """A labelled rounded box: a layer or an architecture part."""
    box = RoundedRectangle(corner_radius=0.12, width=width, height=height, stroke_color=color, stroke_width=3,
                           fill_color=fill or color, fill_opacity=0.12)
    return VGroup(box, fit_width(label(text, size), width * 0.9).move_to(box))


def pair_arcs(points: list[np.ndarray], color: str, width: float = 2.0, angle: float = -1.0,
              back_only: bool = False) -> VGroup:
    """Arcs between every pair of points (a diagram of "each looks at the others"); with `back_only`,
    each arc runs from the later point to the earlier one and ends in a tip (a masked decoder: a word
    looks only back)."""
    arcs = VGroup()
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            if back_only:
                arc = ArcBetweenPoints(points[j], points[i], angle=-angle, color=color, stroke_width=width,
                                       stroke_opacity=0.7)
                arcs.add(arc.add_tip(tip_length=0.14, tip_width=0.12))
            else:
                arcs.add(ArcBetweenPoints(points[i], points[j], angle=angle, color=color, stroke_width=width,
                                          stroke_opacity=0.7))
    return arcs


class WhereAttentionLives(ExplainerScene):
    title = "Where attention lives in a language model"
    VECTORS = 8  # vectors drawn per layer (a diagram: one square per word, at most this many)

    def construct(self) -> None:
        self.words_in()
        self.attention_lit()

    def words_in(self) -> None:
        th = self.theme
        self.beat("stack", "A language model is a stack of layers. Words go in at the bottom as vectors; each layer "
                           "refines them on their way up; the top predicts the next word.")
        self.add(self.heading(), self.footnote(ILLUSTRATION))
        words = WordGrid(self.tr.source_tokens, th.source, width=12.6, font_size=24, min_font=16, max_rows=3)
        words.to_edge(DOWN, buff=0.8)
        parts = [("word vectors + positions", th.source), ("attention", th.alpha), ("feed-forward", th.muted),
                 ("attention", th.alpha), ("feed-forward", th.muted), ("next-word probabilities", th.target)]
        top = self.heading().get_bottom()[1] - 0.3
        room = top - (words.get_top()[1] + 0.35)
        height = min(0.55, room / len(parts) - 0.2)
        gap = (room - height * len(parts)) / (len(parts) - 1)
        self.stack = VGroup(*[block(text, color, width=4.4, height=height, size=20) for text, color in parts])
        for k, b in enumerate(self.stack):  # bottom to top
            b.move_to([0.3, words.get_top()[1] + 0.35 + height / 2 + k * (height + gap), 0])
        repeated = Brace(VGroup(*self.stack[1:5]), RIGHT, buff=0.15, color=th.muted)
        repeat = VGroup(repeated, label("N layers (2 drawn)", 20, th.muted).next_to(repeated, RIGHT, buff=0.15))
        n = min(self.VECTORS, len(self.tr.source_tokens))
        self.vectors = VGroup(*[Square(0.24, stroke_width=0, fill_color=th.source, fill_opacity=1) for _ in range(n)])
        self.vectors.arrange(RIGHT, buff=0.08)
        self.play(FadeIn(words, lag_ratio=0.05), run_time=1.0)
        # the words rise into the bottom block and become vectors; the layers appear as the vectors reach them
        self.vectors.next_to(self.stack[0], LEFT, buff=0.3)
        rising = words.copy()
        self.play(FadeIn(self.stack[0]), FadeOut(rising, target_position=self.stack[0], scale=0.5),
                  FadeIn(self.vectors, shift=0.3 * UP), run_time=1.2)
        each = share(self, 0.9) / (len(self.stack) - 1)
        for k in range(1, len(self.stack)):
            arrow = Arrow(self.stack[k - 1].get_top(), self.stack[k].get_bottom(), buff=0.02, stroke_width=3,
                          color=th.muted, max_tip_length_to_length_ratio=0.5)
            extra = [FadeIn(repeat)] if k == 4 else []
            self.play(FadeIn(self.stack[k], shift=0.15 * UP), Create(arrow), *extra,
                      self.vectors.animate.next_to(self.stack[k], LEFT, buff=0.3), run_time=each)
        self.repeat = repeat

    def attention_lit(self) -> None:
        th = self.theme
        self.beat("lit", "The attention blocks are where each word looks back at the words before it to decide "
                         "what it means here. This story is about why that block had to be invented: it starts with networks "
                         "that kept nothing from one word to the next.")
        for k in (1, 3):
            self.play(self.vectors.animate.next_to(self.stack[k], LEFT, buff=0.3), run_time=0.8)
            points = [v.get_top() + 0.03 * UP for v in self.vectors]
            arcs = pair_arcs(points, th.alpha, width=2.5, angle=-1.4, back_only=True)  # a language model looks back
            self.play(Indicate(self.stack[k], color=th.alpha, scale_factor=1.06), Create(arcs, lag_ratio=0.05),
                      run_time=share(self, 0.3, at_least=1.5))
            self.play(FadeOut(arcs), run_time=0.6)
        self.play(self.vectors.animate.next_to(self.stack[-1], LEFT, buff=0.3), run_time=1.0)
        self.play(Indicate(self.stack[-1], color=th.target, scale_factor=1.05), run_time=share(self, 1.0))


# Dates as the article gives them (Bahdanau 2014, Transformer 2017, GPT 2018) or as the field knows
# them: backpropagation for multi-layer networks (Rumelhart, Hinton & Williams, 1986), Elman's
# recurrent network (1990), the LSTM (Hochreiter & Schmidhuber, 1997), sequence to sequence
# (Sutskever, Vinyals & Le, 2014). Each row's narration names the year its row shows. The LSTM's forget
# gate came later (Gers, Schmidhuber & Cummins, 1999/2000): the row is starred and the footnote says so.
MILESTONES = (
    ("1986", "multilayer network", "learns by backpropagation; keeps no memory",
     "In 1986 Rumelhart, Hinton and Williams showed how backpropagation trains networks of several layers. "
     "Such networks learn patterns, but treat each input on its own: nothing carries over from one input to "
     "the next."),
    ("1990", "Elman RNN", "reads in order, carrying a hidden state",
     "By 1990 recurrent networks such as Elman's read in order, carrying a hidden state from word to word, "
     "but they forget."),
    ("1997", "LSTM", "a gated cell state keeps memories longer",
     "In 1997 the LSTM added a cell state guarded by gates, so information can survive many more steps. "
     "Its forget gate, which our LSTM uses, came a little later, in 1999 and 2000."),
    ("2014", "seq2seq", "encoder-decoder translation through one vector",
     "In 2014 sequence-to-sequence models translated whole sentences, passing everything through one vector."),
    ("2014", "Bahdanau attention", "the decoder looks back at every word",
     "The same year, 2014, Bahdanau and colleagues let the decoder look back at every word: attention."),
    ("2017", "Transformer", "attention alone, no recurrence",
     "In 2017 the Transformer kept the attention and dropped the recurrent network."),
    ("2018", "GPT", "a decoder-only Transformer that writes text",
     "In 2018 GPT kept only the Transformer's decoder, trained to write the next word."),
)


# a row whose name is starred, and what its star says under the timeline (shown with the row)
ROW_NOTES = {"LSTM": "* the LSTM's forget gate came in 1999/2000 (Gers, Schmidhuber & Cummins)"}


class Timeline(ExplainerScene):
    title = "From feed-forward networks to GPT"

    def construct(self) -> None:
        th = self.theme
        self.add(self.heading(), self.footnote("years of the key papers; " + ILLUSTRATION))
        rows = VGroup()
        top = self.heading().get_bottom()[1] - 0.55
        for k, (year, name, fix, _) in enumerate(MILESTONES):
            color = th.alpha if "attention" in name.lower() else th.text
            rows.add(VGroup(label(year, 22, th.muted).set_x(0, direction=LEFT),
                            label(name + ("*" if name in ROW_NOTES else ""), 24, color,
                                  weight="BOLD").set_x(1.45, direction=LEFT),
                            label(fix, 22, th.text).set_x(5.5, direction=LEFT)).set_y(top - 0.84 * k))
        if rows.width > 13.4:
            rows.scale_to_fit_width(13.4)
        rows.set_x(0)
        spine_x = (max(r[0].get_right()[0] for r in rows) + min(r[1].get_left()[0] for r in rows)) / 2
        spine = Line([spine_x, rows.get_top()[1], 0], [spine_x, rows.get_bottom()[1], 0], color=th.muted,
                     stroke_width=2)
        marker = Dot([spine_x, rows[0].get_y(), 0], radius=0.11, color=th.text)
        notes = {name: label(text, 18, th.muted).next_to(rows, DOWN, buff=0.4) for name, text in ROW_NOTES.items()}
        for k, (row, milestone) in enumerate(zip(rows, MILESTONES)):
            self.beat(f"m{k}", milestone[3])
            if k == 0:
                self.play(Create(spine), FadeIn(marker), run_time=0.8)
            dim = [rows[k - 1].animate.set_opacity(0.6)] if k else []  # still readable on the light theme
            self.play(marker.animate.move_to([spine_x, row.get_y(), 0]), FadeIn(row[0]), FadeIn(row[1], shift=0.2 * RIGHT),
                      *dim, *([FadeIn(notes[milestone[1]])] if milestone[1] in notes else []), run_time=0.9)
            self.play(Write(row[2]), run_time=share(self, 0.85))
        self.beat("all", "Each step answered a limit of the one before. The film now walks this line from "
                         "its first row, and stays longest on the two 2014 rows: from one vector to attention.")
        self.play(*[r.animate.set_opacity(1.0) for r in rows], run_time=1.0)
        span = VGroup(rows[3], rows[4])
        brace = RoundedRectangle(corner_radius=0.1, width=span.width + 0.3, height=span.height + 0.2,
                                 stroke_color=th.alpha, stroke_width=3).move_to(span)
        self.play(Create(brace), marker.animate.move_to([spine_x, span.get_y(), 0]), run_time=share(self, 0.8))


class Evolution(ExplainerScene):
    title = "From Bahdanau to Transformers and GPT"
    CELLS = 4  # boxes per row: a diagram, not the example's length

    def construct(self) -> None:
        self.bahdanau()
        self.transformer()
        self.gpt()

    def row(self, y: float, text: str, color: str) -> VGroup:
        boxes = VGroup(*[block(text, color, width=1.5, height=0.7, size=20) for _ in range(self.CELLS)])
        return boxes.arrange(RIGHT, buff=0.9).move_to([0.6, y, 0])

    def chain(self, boxes: VGroup) -> VGroup:
        return VGroup(*[Arrow(a.get_right(), b.get_left(), buff=0.06, color=self.theme.muted, stroke_width=3,
                              max_tip_length_to_length_ratio=0.3) for a, b in zip(boxes, boxes[1:])])

    def bahdanau(self) -> None:
        th = self.theme
        self.add(self.heading(), self.footnote(ILLUSTRATION))
        self.beat("2014", "In 2014 attention joined a recurrent encoder and decoder: the decoder could look back at "
                          "every word, but both halves still read one word after another.")
        self.year = label("2014 · Bahdanau: attention + RNN", 28, th.text, weight="BOLD").move_to([0, 2.45, 0])
        self.enc = self.row(-2.25, "RNN", th.encoder)
        self.dec = self.row(0.7, "RNN", th.decoder)
        self.names = VGroup(label("encoder", 20, th.encoder).next_to(self.enc, LEFT, buff=0.4),
                            label("decoder", 20, th.decoder).next_to(self.dec, LEFT, buff=0.4))
        self.enc_chain, self.dec_chain = self.chain(self.enc), self.chain(self.dec)
        self.play(FadeIn(self.year), FadeIn(self.names[0]), FadeIn(self.enc[0]), run_time=1.0)
        for k in range(1, self.CELLS):  # one word after another
            self.play(Create(self.enc_chain[k - 1]), FadeIn(self.enc[k], shift=0.2 * RIGHT), run_time=0.6)
        self.play(FadeIn(self.names[1]), FadeIn(self.dec[0]), run_time=0.6)
        self.fan = self.fan_from(self.dec[0])
        self.play(Create(self.fan, lag_ratio=0.2), run_time=1.2)
        for k in range(1, self.CELLS):  # at each output step the decoder looks back at every word
            self.play(Create(self.dec_chain[k - 1]), FadeIn(self.dec[k], shift=0.2 * RIGHT),
                      Transform(self.fan, self.fan_from(self.dec[k])), run_time=share(self, 0.3, at_least=0.8))

    def fan_from(self, box) -> VGroup:
        return VGroup(*[Line(box.get_bottom(), e.get_top(), color=self.theme.alpha, stroke_width=3,
                             stroke_opacity=0.8) for e in self.enc])

    def transformer(self) -> None:
        th = self.theme
        self.beat("2017", "In 2017 the Transformer kept the attention and dropped the recurrence: the RNN boxes "
                          "become attention blocks; in the encoder every word looks at every word, all at once; in "
                          "the decoder each word looks only back, at itself and the words before it, and at every "
                          "encoder word, as in Bahdanau's model.")
        year = label("2017 · Transformer: attention, no RNN", 28, th.text, weight="BOLD").move_to(self.year)
        self.play(FadeOut(self.enc_chain), FadeOut(self.dec_chain), run_time=1.0)
        enc_new = VGroup(*[block("attention", th.alpha, width=1.5, height=0.7, size=18).move_to(b) for b in self.enc])
        dec_new = VGroup(*[block("attention", th.alpha, width=1.5, height=0.7, size=18).move_to(b) for b in self.dec])
        # the header changes with the boxes (it says "no RNN"), and words fade, never morph glyph into glyph
        self.play(*fade_replace(self.enc, enc_new), *fade_replace(self.dec, dec_new), *fade_replace(self.year, year),
                  run_time=share(self, 0.3, at_least=2.0))
        self.enc, self.dec, self.year = enc_new, dec_new, year
        enc_pts = [b.get_top() + 0.05 * UP for b in self.enc]
        self.enc_arcs = pair_arcs(enc_pts, th.alpha, width=2, angle=-0.9)
        dec_pts = [b.get_top() + 0.05 * UP for b in self.dec]
        self.dec_arcs = pair_arcs(dec_pts, th.alpha, width=2, angle=-0.9, back_only=True)
        cross = VGroup(*[Line(d.get_bottom(), e.get_top(), color=th.alpha, stroke_width=1.5, stroke_opacity=0.5)
                         for d in self.dec for e in self.enc])
        # in the order the narration names them: the encoder's arcs, the decoder's, then decoder to encoder
        self.play(FadeOut(self.fan), Create(self.enc_arcs, lag_ratio=0.1), run_time=share(self, 0.3, at_least=1.5))
        self.play(Create(self.dec_arcs, lag_ratio=0.1), run_time=share(self, 0.4, at_least=1.5))
        self.fan = cross
        self.play(Create(cross, lag_ratio=0.02), run_time=share(self, 0.9, at_least=1.5))

    def gpt(self) -> None:
        th = self.theme
        self.beat("2018", "In 2018 GPT kept only the decoder half, trained to predict the next word. Its attention is "
                          "masked, as in the Transformer's decoder: each word may look at itself and the words before "
                          "it, never at the words still to come.")
        year = label("2018 · GPT: the decoder alone", 28, th.text, weight="BOLD").move_to(self.year)
        self.play(*fade_replace(self.year, year), FadeOut(self.enc), FadeOut(self.enc_arcs), FadeOut(self.fan),
                  FadeOut(self.names[0]), run_time=1.2)
        self.year = year
        nxt = label("→ next word", 22, th.target).next_to(self.dec, RIGHT, buff=0.3)
        if nxt.get_right()[0] > 6.8:
            nxt.next_to(self.dec, DOWN, buff=0.3)
        self.play(FadeIn(nxt, shift=0.3 * RIGHT), Indicate(self.dec_arcs, color=th.alpha), run_time=1.5)
        # the causal mask (a diagram): word i (row) looks at word j (column) only when j <= i
        n = self.CELLS
        grid = weight_grid(n, 0.5)
        ahead = [grid[i * n + j] for i, j in claims.masked_cells(n)]
        for c in grid:
            c.set_fill(th.alpha, opacity=0.45)
        grid.move_to([-2.2, -2.25, 0])
        rows = VGroup(*[label(f"word {i + 1}", 16, th.muted).next_to(grid[i * n], LEFT, buff=0.12) for i in range(n)])
        cols = VGroup(*[label(str(j + 1), 16, th.muted).next_to(grid[j], UP, buff=0.08) for j in range(n)])
        cols.add(label("looks at word →", 16, th.muted).next_to(cols, UP, buff=0.08))
        caption = VGroup(label("the causal mask", 22, th.text, weight="BOLD"),
                         label("each word looks at itself and the words before it;", 18, th.text),
                         label("the words still to come are struck out", 18, th.text))
        caption.arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(grid, RIGHT, buff=0.6)
        self.play(FadeIn(grid), FadeIn(rows), FadeIn(cols), FadeIn(caption[0]), run_time=share(self, 0.25, at_least=1.2))
        self.play(*[c.animate.set_fill(th.panel, opacity=1) for c in ahead], Create(strike_out(ahead)),
                  FadeIn(caption[1:], lag_ratio=0.3), run_time=share(self, 0.5, at_least=2.0))
        self.play(Indicate(VGroup(*[grid[i * n + j] for i in range(n) for j in range(i + 1)]), color=th.alpha,
                           scale_factor=1.0), run_time=share(self, 0.9, at_least=1.0))


class SelfAttentionTeaser(ExplainerScene):
    title = "Next: every word attends to every word"

    def construct(self) -> None:
        self.matrix()
        self.every_pair()
        self.causal_mask()
        self.next_part()

    def matrix(self) -> None:
        """The words along both sides of an n × n grid; then every row fills at once."""
        th = self.theme
        tokens = self.tr.source_tokens
        self.n = n = len(tokens)
        self.beat("teaser", "Bahdanau attention lets the output look back at the input. Self-attention goes further: "
                            "every word of a sentence weighs every word, itself included, all at once.")
        self.add(self.heading(), self.footnote("which pairs get a weight; " + ILLUSTRATION +
                                               " (our models have no self-attention)"))
        cell = min(1.3, 4.4 / n)
        size = min(24, cell * 50)
        self.grid = grid = weight_grid(n, cell)
        self.col_labels = VGroup(*[label(t, size, th.source).rotate(np.pi / 2) for t in tokens])
        self.rows = VGroup(*[label(t, size, th.source) for t in tokens])  # the words, one per matrix row
        for j, lab in enumerate(self.col_labels):
            lab.next_to(grid[j], UP, buff=0.08)
        for i, lab in enumerate(self.rows):
            lab.next_to(grid[i * n], LEFT, buff=0.12)
        matrix = VGroup(grid, self.col_labels, self.rows)
        matrix.move_to([-0.9, 0, 0])
        top = self.heading().get_bottom()[1] - 0.75
        room = top - (self.footnote(ILLUSTRATION).get_top()[1] + 0.25)
        if matrix.height > room:  # the grid never runs into the footnote
            matrix.scale(room / matrix.height)
        matrix.shift((top - matrix.get_top()[1]) * UP)
        heads = VGroup(label("looks at →", 17, th.muted).next_to(self.col_labels, UP, buff=0.1),
                       label("each word ↓", 17, th.muted).next_to(self.rows, UP, buff=0.1).align_to(self.rows, RIGHT))
        self.play(FadeIn(self.rows, lag_ratio=0.1), FadeIn(self.col_labels, lag_ratio=0.1), FadeIn(heads), run_time=1.2)
        self.play(FadeIn(grid), run_time=1.0)
        # all at once: every word lights and every row of the matrix fills in the same moment
        words = VGroup(self.rows, self.col_labels)
        self.play(*[c.animate.set_fill(th.alpha, opacity=0.35) for c in grid], words.animate.set_color(th.alpha),
                  run_time=share(self, 0.4, at_least=1.5))
        self.play(words.animate.set_color(th.source), Indicate(grid, color=th.alpha, scale_factor=1.0),
                  run_time=share(self, 0.9, at_least=1.0))

    def side(self, text: str, size: float = 22, color: str | None = None) -> VGroup:
        """A line of the side panel, right of the matrix."""
        x0 = self.grid.get_right()[0] + 0.45
        return fit_width(label(text, size, color or self.theme.text), 6.9 - x0)

    def place_side(self, mob, row: float) -> None:
        mob.move_to([0, self.grid.get_top()[1] - 0.3 - 0.7 * row, 0])
        mob.align_to([self.grid.get_right()[0] + 0.45, 0, 0], LEFT)

    def every_pair(self) -> None:
        """n × n: the diagonal (each word with itself), and one pair lit both ways."""
        th, n, grid = self.theme, self.n, self.grid
        self.beat("count", claims.pair_count_narration(n) + " Nothing waits for the word before it.")
        self.count = self.side(f"{n} × {n} = {n * n} weights", 26, th.alpha)
        self.place_side(self.count, 0)
        diagonal = [grid[i * n + i] for i in range(n)]
        itself = self.side("diagonal: each word with itself", 20, th.text)
        self.place_side(itself, 1)
        self.play(Write(self.count), run_time=1.2)
        # outlined, not filled: a brighter fill would say these weights are larger, which a diagram cannot know
        self.play(*[c.animate.set_stroke(th.text, width=4) for c in diagonal], FadeIn(itself),
                  run_time=share(self, 0.3, at_least=1.5))
        self.play(*[c.animate.set_stroke(th.muted, width=1.5) for c in diagonal], run_time=0.6)
        if n >= 2:  # a pair in both directions: word 1 looks at word 2, and word 2 at word 1
            both = [grid[1], grid[n]]
            ways = self.side("a pair, both ways: two weights", 20, th.text)
            self.place_side(ways, 2)
            self.play(*[c.animate.set_stroke(th.text, width=4) for c in both], FadeIn(ways),
                      *[Indicate(w, color=th.alpha) for w in (self.rows[0], self.rows[1])],
                      run_time=share(self, 0.6, at_least=1.5))
            self.play(*[c.animate.set_stroke(th.muted, width=1.5) for c in both], run_time=share(self, 0.9))
            self.notes = VGroup(itself, ways)
        else:
            self.notes = VGroup(itself)

    def causal_mask(self) -> None:
        """GPT's mask: the cells above the diagonal (words still to come) greyed and struck out."""
        th, n, grid = self.theme, self.n, self.grid
        self.beat("mask", claims.causal_mask_narration(n))
        gpt = VGroup(self.side("GPT: no looking ahead", 24, th.text),
                     self.side("struck out: words still to come", 18, th.muted)).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        self.place_side(gpt, 1.2)
        ahead = [grid[i * n + j] for i, j in claims.masked_cells(n)]
        self.strikes = strike_out(ahead)
        self.play(FadeOut(self.notes), FadeIn(gpt), run_time=1.0)
        self.gpt = gpt
        if not ahead:
            self.play(Indicate(grid, color=th.alpha, scale_factor=1.0), run_time=share(self, 0.9))
            return
        remain = self.side(f"{n * n - len(ahead)} of {n * n} weights remain", 26, th.alpha).move_to(self.count, LEFT)
        self.play(*[c.animate.set_fill(th.panel, opacity=1) for c in ahead], Create(self.strikes),
                  run_time=share(self, 0.4, at_least=2.0))
        self.play(*fade_replace(self.count, remain), run_time=1.0)
        self.count = remain
        kept = VGroup(*[grid[i * n + j] for i in range(n) for j in range(i + 1)])
        self.play(Indicate(kept, color=th.alpha, scale_factor=1.0), run_time=share(self, 0.9, at_least=1.0))

    def next_part(self) -> None:
        th, n = self.theme, self.n
        self.beat("next", "How those weights are computed, from the words themselves, is the subject of the next "
                          "part: self-attention.")
        every = self.side(f"{n} × {n} = {n * n} weights", 26, th.alpha).move_to(self.count, LEFT)
        self.play(FadeOut(self.strikes), FadeOut(self.gpt), *fade_replace(self.count, every),
                  *[c.animate.set_fill(th.alpha, opacity=0.6) for c in self.grid], run_time=share(self, 0.5, at_least=1.5))
        self.play(Indicate(self.rows, color=th.alpha, scale_factor=1.05), run_time=share(self, 1.0))


def weight_grid(n: int, cell: float) -> VGroup:
    """An n × n grid of empty cells, row-major (row i: word i looking at every word j)."""
    th = current()
    return VGroup(*[Square(cell, stroke_color=th.muted, stroke_width=1.5, fill_color=th.panel, fill_opacity=1)
                    .move_to([j * cell, -i * cell, 0]) for i in range(n) for j in range(n)])


def strike_out(cells) -> VGroup:
    """A stroke across each masked cell (a diagram of the causal mask)."""
    th = current()
    return VGroup(*[Line(c.get_corner(DOWN + LEFT), c.get_corner(UP + RIGHT), color=th.muted, stroke_width=2)
                    for c in cells])
