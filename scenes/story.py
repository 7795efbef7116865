"""The frame of the story: the timeline (fig. 2) is drawn rather than computed (it says so on screen);
where attention lives (fig. 1), the evolution from Bahdanau to Transformers and GPT (fig. 16) and the
teaser of self-attention (fig. 17) are drawn from the trained `transformer` model's trace (its layer
and head counts, its attention weights), and their footnotes name it and its weights. Each is built in the
order its narration tells it, and keeps moving while the narration is read."""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    ArcBetweenPoints,
    Arrow,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    Line,
    RoundedRectangle,
    Square,
    SurroundingRectangle,
    Transform,
    VGroup,
    Write,
)

from model.heads import KINDS, HeadRole, causal_zeros, head_roles
from scenes.kit import ExplainerScene, Heatmap, claims, current, fade_replace, fit_width, label, weight_to_color
from scenes.kit.icons import ICONS, flow
from scenes.kit.layout import TEXT_EDGE_X
from scenes.kit.mobjects import WordFlow
from scenes.kit.pacing import share, until_said


def block(text: str, color: str, width: float = 3.2, height: float = 0.6, size: float = 22, fill: str | None = None):
    """A labelled rounded box: a layer or an architecture part."""
    box = RoundedRectangle(corner_radius=0.12, width=width, height=height, stroke_color=color, stroke_width=3,
                           fill_color=fill or color, fill_opacity=0.12)
    return VGroup(box, fit_width(label(text, size), width * 0.9).move_to(box))


def head_thumbs(weights: np.ndarray, size: float) -> VGroup:
    """One small grid per head (weights [heads, rows, columns]), side by side: each cell coloured by
    its real weight on the one α scale, so a masked head shows its empty upper triangle. (Squares, not
    an ImageMobject: Manim 0.21's camera cannot paste images with this Pillow.)"""
    thumbs = VGroup()
    for w in weights:
        rows, cols = w.shape
        cell = size / max(rows, cols)
        thumbs.add(VGroup(*[Square(cell, stroke_width=0, fill_color=weight_to_color(float(w[i, j])), fill_opacity=1)
                            .move_to([j * cell, -i * cell, 0]) for i in range(rows) for j in range(cols)]))
    return thumbs.arrange(RIGHT, buff=0.07)


def stack_narration(layers: int, heads: int, source: str, target: str) -> str:
    """The film's first words: where the story ends up, said as such (nothing comes before it to point back to)."""
    return (f"First, where this story ends up: a Transformer, trained like every model in this film on {source} "
            f"and {target} sentence pairs. It is two stacks of layers: an encoder of {layers} "
            f"layer{'s' if layers != 1 else ''} reads the {source} words, a decoder of {layers} writes the {target}. "
            "Words go in at the bottom as vectors with their positions added; each layer refines them on their way up; "
            "the decoder's top predicts the next word.")


def lit_narration(layers: int, heads: int, zeros: bool | None = None) -> str:
    """Heads, the mask and cross-attention are named before the film explains attention: said to be
    explained later; what a head is, said once and plainly; one short sentence per kind of block, each
    said as its blocks light up, with what to look at in its grids (the masked grids' empty upper right
    only when every weight above the diagonal is 0, as `zeros` = causal_zeros(trace) says)."""
    heads_are = (f"Each block has {heads} heads: it computes {heads} attention patterns side by side. "
                 "Each head has its own learned weights." if heads > 1 else
                 "Each block has 1 head: it computes one attention pattern, with its own learned weights.")
    masked = " So the upper right of its grids stays empty." if zeros else ""
    return (f"Its {3 * layers} attention blocks are where words look at other words; the film explains them later, "
            f"here is only where they sit. {heads_are} Beside each block, one small grid per head: its real weights "
            "for this sentence. In the encoder, every word looks at every word. "
            f"In the decoder, each position looks at itself and the ones before it.{masked} Through cross-attention, "
            "it also looks at every encoder word.")


def enlarged_narration(heads: int, src_lang: str) -> str:
    """The top cross-attention block enlarged: what a row is and what is framed, as it is framed."""
    return (f"Enlarged, the top cross-attention block's {heads} heads. Each row is one position of the output, and "
            f"weighs the {src_lang} words; head by head, each row's largest weight is framed.")


def hand_over_narration() -> str:
    """The last line: what comes next is the timeline (fig. 2), not yet the first networks."""
    return "This story is about why that block had to be invented. First, a timeline of the ideas that led to it."


def panel_title(layer: int, heads: int, rows: Sequence[str], tgt_lang: str, src_lang: str) -> str:
    """The enlarged block's caption: its rows are output positions, each writing a word, or ‹eos›
    (the end of the sentence) when a row writes it, as `rows` (written_words) says."""
    end = claims.token_text("<eos>")
    ends = f" or {end}, the end" if end in rows else ""
    return (f"L{layer} cross-attention, {heads} heads: each row writes a {tgt_lang} word{ends}, and weighs the "
            f"{src_lang} words (columns)")


def written_words(tr) -> tuple[str, ...]:
    """What each decoder position writes (row i of the decoder's weights predicts output token i): the
    label of a row said to be "the word being written", as the trace's decoding reads it (‹eos› last)."""
    return tuple(claims.token_text(t) for t in tr.target_tokens)


def decoder_inputs(tr) -> tuple[str, ...]:
    """What each decoder position reads (the start token, then the words written so far), as shown:
    special tokens in guillemets (‹sos›), which every caption reader keeps."""
    return tuple(claims.token_text(t) for t in ("<sos>", *tr.target_tokens[:-1]))


class WhereAttentionLives(ExplainerScene):
    title = "Where attention lives in a Transformer"
    BLOCK_W = 2.9
    THUMB = 0.62   # the side of one head's grid at most (a block's slot sets it)

    def construct(self) -> None:
        self.stacks()
        self.attention_lit()

    def stacks(self) -> None:
        th, tr = self.theme, self.tr
        self.layers, self.heads = tr.encoder_self_attention.shape[:2]
        L, A = self.layers, self.heads
        self.beat("stack", stack_narration(L, A, self.src_lang, self.tgt_lang))
        self.frame_text = [self.heading(), self.footnote(self.provenance(
            extra=f"beside each attention block, its {A} heads' weights (rows: who looks; columns: at whom)"))]
        self.add(*self.frame_text)
        enc_parts = [(f"{self.src_lang} words + positions", th.source, None)]
        dec_parts = [(f"{self.tgt_lang} so far + positions", th.target, None)]
        for layer in range(L):
            enc_parts += [(f"L{layer + 1} self-attention · {A} heads", th.alpha, ("encoder", layer)),
                          (f"L{layer + 1} feed-forward", th.muted, None)]
            dec_parts += [(f"L{layer + 1} masked self-attention · {A} heads", th.alpha, ("decoder", layer)),
                          (f"L{layer + 1} cross-attention · {A} heads", th.alpha, ("cross", layer)),
                          (f"L{layer + 1} feed-forward", th.muted, None)]
        dec_parts.append(("next-word probabilities", th.target, None))
        inputs = decoder_inputs(tr)
        # each input as a line of text (wrapping only when it must), never a grid read column-wise: the
        # English ends under the encoder's right edge, the French starts under the decoder's left edge
        src = WordFlow(tr.source_tokens, [th.source] * len(tr.source_tokens), width=5.8, font_size=20)
        dec = WordFlow(inputs, [th.target] * len(inputs), width=5.8, font_size=20)
        src.to_edge(DOWN, buff=0.75).align_to([-2.4 + self.BLOCK_W / 2, 0, 0], RIGHT)
        dec.to_edge(DOWN, buff=0.75).align_to([2.4 - self.BLOCK_W / 2, 0, 0], LEFT)
        bottom = max(src.get_top()[1], dec.get_top()[1]) + 0.3
        top = self.heading().get_bottom()[1] - 0.25
        n = len(dec_parts)
        height = min(0.5, (top - bottom) / n - 0.12)
        gap = (top - bottom - n * height) / (n - 1)
        ys = [bottom + height / 2 + k * (height + gap) for k in range(n)]
        self.pitch = height + gap
        self.enc = VGroup(*[block(text, color, width=self.BLOCK_W, height=height, size=17).move_to([-2.4, ys[k], 0])
                            for k, (text, color, _) in enumerate(enc_parts)])
        self.dec = VGroup(*[block(text, color, width=self.BLOCK_W, height=height, size=17).move_to([2.4, ys[k], 0])
                            for k, (text, color, _) in enumerate(dec_parts)])
        self.kinds = {kind: (self.enc if kind[0] == "encoder" else self.dec)[k]
                      for parts, _ in ((enc_parts, 0), (dec_parts, 1))
                      for k, (_, _, kind) in enumerate(parts) if kind}
        self.names = names = VGroup(label("encoder", 20, th.encoder).next_to(self.enc, UP, buff=0.08),
                       label("decoder", 20, th.decoder).next_to(self.dec[-1], LEFT, buff=0.3))
        self.words = VGroup(src, dec)
        self.play(FadeIn(src, lag_ratio=0.05), FadeIn(dec, lag_ratio=0.05), run_time=0.6)
        self.play(FadeIn(self.enc[0]), FadeIn(self.dec[0]), FadeOut(src.copy(), target_position=self.enc[0], scale=0.5),
                  FadeOut(dec.copy(), target_position=self.dec[0], scale=0.5), run_time=1.0)
        arrow = lambda a, b: Arrow(a.get_top(), b.get_bottom(), buff=0.02, stroke_width=2.5, color=th.muted,
                                   max_tip_length_to_length_ratio=0.5)
        each = share(self, 0.9) / (n - 1)
        for k in range(1, n):
            parts = [FadeIn(self.dec[k], shift=0.1 * UP), Create(arrow(self.dec[k - 1], self.dec[k]))]
            if k < len(self.enc):
                parts += [FadeIn(self.enc[k], shift=0.1 * UP), Create(arrow(self.enc[k - 1], self.enc[k]))]
            if k == len(self.enc) - 1:
                parts.append(FadeIn(names[0]))
            self.play(*parts, run_time=max(0.4, each))
        # the encoder's output reaches every cross-attention block
        feeds = VGroup(*[Arrow(self.enc[-1].get_right(), self.kinds[("cross", layer)].get_left(), buff=0.05,
                               stroke_width=2.5, color=th.encoder, max_tip_length_to_length_ratio=0.08)
                         for layer in range(L)])
        self.play(Create(feeds), FadeIn(names[1]), run_time=1.0)

    def attention_lit(self) -> None:
        th, tr = self.theme, self.tr
        # one beat (slides and recordings keep the film's first chapter at two): its parts move as they are said
        self.beat("lit", " ".join([lit_narration(self.layers, self.heads, causal_zeros(tr)),
                                   enlarged_narration(self.heads, self.src_lang), hand_over_narration()]))
        blocks = [self.kinds[(kind, layer)] for layer in range(self.layers) for kind in ("encoder", "decoder", "cross")]
        self.play(AnimationGroup(*[Indicate(b, color=th.alpha, scale_factor=1.05) for b in blocks], lag_ratio=0.3),
                  run_time=max(1.0, until_said(self, "Each block has")))
        side = min(self.THUMB, self.pitch - 0.06)   # as tall as a block's slot: neighbours never touch
        tops = {("encoder", self.layers - 1), ("cross", self.layers - 1)}   # numbered: the top row of each side
        key = VGroup(label("one grid per head:", 18, th.alpha), label("rows look at columns", 18, th.alpha))
        key.arrange(DOWN, buff=0.08, aligned_edge=RIGHT)
        key.next_to(self.enc, LEFT, buff=0.15).align_to(self.names[0], DOWN)
        # what a head is, as it is said: the first block's heads come out of it one by one, side by side
        first = self.kinds[("encoder", 0)]
        first_thumbs = head_thumbs(tr.encoder_self_attention[0], side).next_to(first, LEFT, buff=0.15)
        self.play(Indicate(first, color=th.alpha, scale_factor=1.1),
                  AnimationGroup(*[FadeIn(t, target_position=first.get_center(), scale=0.3) for t in first_thumbs],
                                 lag_ratio=0.8),
                  run_time=max(1.0, until_said(self, "Beside each block")))
        self.play(FadeIn(key), run_time=0.5)   # the grids are named as they first appear
        # each kind of block gets its grids until the narration moves on to the next kind
        for kind, next_kind in zip(("encoder", "decoder", "cross"), ("In the decoder", "Through cross-attention",
                                                                     "Enlarged")):
            each = max(0.8, until_said(self, next_kind)) / self.layers
            for layer in range(self.layers):
                box = self.kinds[(kind, layer)]
                if box is first:   # its grids are already out, since the heads were said
                    thumbs, shown = first_thumbs, []
                else:
                    thumbs = head_thumbs(getattr(tr, KINDS[kind])[layer], side)
                    thumbs.next_to(box, LEFT if kind == "encoder" else RIGHT, buff=0.15)
                    shown = [FadeIn(thumbs, lag_ratio=0.2)]
                numbers = VGroup(*[label(f"H{h + 1}", 14, th.alpha).next_to(t, UP, buff=0.05)
                                   for h, t in enumerate(thumbs)] if (kind, layer) in tops else [])
                self.play(Indicate(box, color=th.alpha, scale_factor=1.05), *shown, FadeIn(numbers), run_time=each)
        self.enlarged()

    def enlarged(self) -> None:
        """The top cross-attention block's heads, large enough to read at 480p: each decoder position
        (row) weighing the source words (columns), each row labelled with the word it writes (not the one
        it reads in: the row that reads 'la' is the one writing 'zone')."""
        th, tr, L, A = self.theme, self.tr, self.layers, self.heads
        box = self.kinds[("cross", L - 1)]
        rows, cols = written_words(tr), tr.source_tokens
        cell = min(0.6, 3.0 / max(len(rows), len(cols)))
        maps = VGroup()
        for h, weights in enumerate(tr.cross_attention[L - 1]):
            hm = Heatmap(weights, rows, cols, cell=cell, values=False, font_size=20)
            if h:
                hm.remove(hm.row_labels)
            hm.add(label(f"head {h + 1}", 20, th.alpha).next_to(hm.col_labels, UP, buff=0.12)
                   .set_x(hm.cells.get_x()))
            maps.add(hm)
        maps.arrange(RIGHT, buff=0.4, aligned_edge=DOWN)
        title = label(panel_title(L, A, rows, self.tgt_lang, self.src_lang), 20, th.text)
        key = label("framed, head by head: each row's largest weight", 18, th.muted)
        panel_items = VGroup(title, maps, key).arrange(DOWN, buff=0.25)
        fit_width(panel_items, 12.4)
        top = self.frame_text[0].get_bottom()[1] - 0.2
        bottom = self.frame_text[1].get_top()[1] + 0.2
        if panel_items.height > top - bottom - 0.4:
            panel_items.scale((top - bottom - 0.4) / panel_items.height)
        panel_items.move_to([0, (top + bottom) / 2, 0])
        panel = RoundedRectangle(corner_radius=0.15, width=panel_items.width + 0.4, height=panel_items.height + 0.4,
                                 stroke_color=th.alpha, stroke_width=3, fill_color=th.background,
                                 fill_opacity=1).move_to(panel_items)
        self.play(Indicate(box, color=th.alpha, scale_factor=1.1), run_time=0.8)
        stack = [m for m in self.mobjects if m not in self.frame_text]   # the stack makes room for its block, enlarged
        shown = VGroup(panel, panel_items)
        self.play(FadeIn(shown, scale=0.3, target_position=box.get_center()), *map(FadeOut, stack),
                  run_time=max(1.0, until_said(self, "Each row")))
        # each head in turn, as the narration says it: its strongest weight in each row framed
        each = max(1.0, until_said(self, "This story") / len(maps))
        for hm in maps:
            best = VGroup(*[hm.cell(i, int(np.argmax(hm.matrix[i]))) for i in range(hm.matrix.shape[0])])
            frames = VGroup(*[SurroundingRectangle(c, color=th.text, buff=0.0, stroke_width=2) for c in best])
            self.play(Create(frames), run_time=0.6 * each)
            self.play(FadeOut(frames), run_time=0.4 * each)
        # the hand-over: the panel goes back into its block, which stays lit while the next chapter is named
        self.play(FadeOut(shown, scale=0.3, target_position=box.get_center()), *map(FadeIn, stack),
                  run_time=share(self, 0.3, at_least=1.0))
        self.play(Indicate(box, color=th.alpha, scale_factor=1.15), run_time=share(self, 0.9, at_least=1.0))


# Dates as the article gives them (Bahdanau 2014, Transformer 2017, GPT 2018) or, for the ideas it
# names without a year, as the field dates their papers: backpropagation for multi-layer networks
# (Rumelhart, Hinton & Williams, 1986), Elman's recurrent network (1990), the LSTM (Hochreiter &
# Schmidhuber, 1997), sequence to sequence (Sutskever, Vinyals & Le, 2014). Each beat's narration
# names the year its icon shows. The LSTM's forget gate came later (Gers, Schmidhuber & Cummins,
# 1999/2000): its name is starred and the note under the axis says so.
class Milestone(NamedTuple):
    year: str
    name: str        # under the icon
    fix: str         # what it added, under the name (two short lines at most)
    narration: str
    icon: str        # key of scenes.kit.icons.ICONS


MILESTONES = (
    Milestone("1986", "backprop", "trains layered nets;\nno memory",
              "Seven ideas, drawn as diagrams. 1986: backpropagation trains networks of several layers, "
              "but each input is handled alone.", "feed-forward"),
    Milestone("1990", "RNN", "carries a state\nword to word",
              "1990: Elman's recurrent network reads in order, carrying a hidden state.", "rnn"),
    Milestone("1997", "LSTM", "a gated cell state\nkeeps memory",
              "1997: the LSTM's gated cell state keeps memories longer.", "lstm"),
    Milestone("2014", "seq2seq", "one vector for\nthe whole input",
              "2014: sequence to sequence passes a whole sentence through one vector.", "seq2seq"),
    Milestone("2014", "attention", "looks back at\nevery word",
              "Also 2014: Bahdanau's attention lets the decoder look back at every word.", "attention"),
    Milestone("2017", "Transformer", "attention,\nno recurrence",
              "2017: the Transformer keeps attention and drops recurrence.", "transformer"),
    Milestone("2018", "GPT", "decoder only,\nwrites text",
              "2018: GPT keeps only the decoder and writes text.", "gpt"),
)
FOCUS = ("seq2seq", "attention")  # the two ideas the film stays with longest
# a name that is starred, and what its star says under the axis (shown with its icon)
NAME_NOTES = {"LSTM": "* the LSTM's forget gate came in 1999/2000 (Gers, Schmidhuber & Cummins)"}
YEARS_SHOWN = (1985, 2019)  # the axis's span


class Timeline(ExplainerScene):
    """Seven icons in evenly spaced slots, each tied by a thin line to its year on a time axis drawn
    to scale: the icons stay readable, and the axis shows 28 years for the first three ideas, then four
    ideas in four years."""

    title = "From feed-forward networks to GPT"
    ICON_Y, NAME_Y, AXIS_Y = 1.25, 0.2, -2.0
    SLOT = 1.9

    def construct(self) -> None:
        self.setup_axis()
        for k, milestone in enumerate(MILESTONES):
            self.milestone(k, milestone)
        self.focus()

    def year_x(self, year: str) -> float:
        lo, hi = YEARS_SHOWN
        return -6.2 + 12.4 * (int(year) - lo) / (hi - lo)

    def setup_axis(self) -> None:
        th = self.theme
        self.add(self.heading(), self.footnote(
            "icons: diagrams, not model output · years: the article's (2014, 2017, 2018), the papers' (1986, 1990, 1997)"))
        self.add(label("diagrams, not model output", 20, th.muted).next_to(self.heading(), DOWN, buff=0.12))
        self.axis = Line([-6.4, self.AXIS_Y, 0], [6.4, self.AXIS_Y, 0], color=th.muted, stroke_width=2)
        self.ticks = VGroup(*[VGroup(Line([self.year_x(str(y)), self.AXIS_Y - 0.08, 0],
                                          [self.year_x(str(y)), self.AXIS_Y + 0.08, 0], color=th.muted, stroke_width=2),
                                     label(str(y), 16, th.muted).move_to([self.year_x(str(y)), self.AXIS_Y - 0.3, 0]))
                              for y in (1990, 2000, 2010)])
        self.marker = Dot([self.year_x(MILESTONES[0].year), self.AXIS_Y, 0], radius=0.1, color=th.text)
        self.slots = [(k - (len(MILESTONES) - 1) / 2) * self.SLOT for k in range(len(MILESTONES))]
        self.icons = VGroup()
        self.texts = VGroup()
        # every caption in one type size: the widest one sets the scale of all
        self.captions = [self.caption(m) for m in MILESTONES]
        widest = max(c.width for c in self.captions)
        for c in self.captions:
            c.scale(min(1.0, (self.SLOT - 0.06) / widest))
        self.notes = {name: label(text, 17, th.muted).move_to([0, self.AXIS_Y - 0.75, 0])
                      for name, text in NAME_NOTES.items()}

    def caption(self, m: Milestone) -> VGroup:
        """Name, year and what it added, in one column under the icon."""
        th = self.theme
        color = th.alpha if m.icon == "attention" else th.text
        name = label(m.name + ("*" if m.name in NAME_NOTES else ""), 19, color, weight="BOLD")
        fix = VGroup(*[label(line, 15, th.muted) for line in m.fix.split("\n")]).arrange(DOWN, buff=0.06)
        return VGroup(name, label(m.year, 18, th.text), fix).arrange(DOWN, buff=0.1)

    def milestone(self, k: int, m: Milestone) -> None:
        th = self.theme
        self.beat(f"m{k}", m.narration)
        x = self.slots[k]
        icon = ICONS[m.icon](width=1.55, height=1.25).move_to([x, self.ICON_Y, 0])
        text = self.captions[k].move_to([x, self.NAME_Y, 0], aligned_edge=UP)
        name, year, fix = text
        at = [self.year_x(m.year), self.AXIS_Y, 0]
        leader = Line(text.get_bottom() + 0.08 * DOWN, at, color=th.muted, stroke_width=1.5, stroke_opacity=0.7)
        stop = Dot(at, radius=0.06, color=th.muted)
        if k == 0:
            self.play(Create(self.axis), FadeIn(self.ticks), FadeIn(self.marker), run_time=0.8)
        dim = [self.icons[-1].animate.set_opacity(0.55)] if k else []
        note = [FadeIn(self.notes[m.name])] if m.name in self.notes else []
        self.add(stop)
        self.bring_to_front(self.marker)
        self.play(self.marker.animate.move_to(at), Create(leader), FadeIn(icon, lag_ratio=0.1),
                  FadeIn(name, shift=0.15 * DOWN), FadeIn(year), *dim, *note, run_time=0.9)
        self.play(Write(fix), run_time=0.6)
        self.icons.add(icon)
        self.texts.add(text)
        self.play(flow(icon, th.alpha if m.icon == "attention" else th.encoder, share(self, 0.85)))

    def focus(self) -> None:
        th = self.theme
        self.beat("focus", "The film follows this line and stays longest on the two ideas of 2014.")
        self.play(self.icons.animate.set_opacity(1.0), run_time=0.8)
        span = VGroup(*[VGroup(self.icons[k], self.texts[k]) for k, m in enumerate(MILESTONES) if m.icon in FOCUS])
        frame = RoundedRectangle(corner_radius=0.12, width=span.width + 0.25, height=span.height + 0.25,
                                 stroke_color=th.alpha, stroke_width=3).move_to(span)
        self.play(Create(frame), run_time=1.0)
        self.play(*[flow(self.icons[k], th.alpha, share(self, 0.9)) for k, m in enumerate(MILESTONES) if m.icon in FOCUS])


def weighted_arcs(points: list[np.ndarray], weights: np.ndarray, color: str, back_only: bool = False) -> VGroup:
    """Arcs between the points whose strength is a real weight: between i and j the larger of the two
    directions' weights (weights[i, j]: i looks at j); with `back_only`, from each later point j back
    to i with weights[j, i] (a masked decoder looks only back), tipped."""
    arcs = VGroup()
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            w = float(weights[j, i]) if back_only else float(max(weights[i, j], weights[j, i]))
            opacity, width = 0.12 + 0.88 * w, 1.0 + 5.0 * w
            if back_only:
                arc = ArcBetweenPoints(points[j], points[i], angle=0.9, color=color, stroke_width=width,
                                       stroke_opacity=opacity)
                arcs.add(arc.add_tip(tip_length=0.14, tip_width=0.12))
            else:
                arcs.add(ArcBetweenPoints(points[i], points[j], angle=-0.9, color=color, stroke_width=width,
                                          stroke_opacity=opacity))
    return arcs


class Evolution(ExplainerScene):
    title = "From Bahdanau to Transformers and GPT"
    CELLS = 5  # boxes per row at most: the example's first words and output positions (the mask grid's size too)
    BOX_W = 1.5

    def construct(self) -> None:
        tr = self.tr
        self.layers, self.heads = tr.encoder_self_attention.shape[:2]
        self.n_src = min(self.CELLS, len(tr.source_tokens))
        self.n_tgt = shown_positions(tr, self.CELLS)
        self.bahdanau()
        self.transformer()
        self.gpt()

    def row(self, y: float, text: str, color: str, count: int) -> VGroup:
        boxes = VGroup(*[block(text, color, width=self.BOX_W, height=0.7, size=20) for _ in range(count)])
        return boxes.arrange(RIGHT, buff=0.6).move_to([0.75, y, 0])

    def chain(self, boxes: VGroup) -> VGroup:
        return VGroup(*[Arrow(a.get_right(), b.get_left(), buff=0.06, color=self.theme.muted, stroke_width=3,
                              max_tip_length_to_length_ratio=0.3) for a, b in itertools.pairwise(boxes)])

    def mean_weights(self, kind: str) -> np.ndarray:
        """The last layer's weights of one kind, averaged over its heads (said in the footnote)."""
        return getattr(self.tr, KINDS[kind])[-1].mean(axis=0)

    def bahdanau(self) -> None:
        th, tr = self.theme, self.tr
        shown = "" if self.n_src == len(tr.source_tokens) else f" (its first {self.n_src} words)"
        self.note = self.footnote(self.provenance(
            extra=f"2014 row: a diagram; 2017 and 2018: its last layer's weights for this sentence{shown}, "
                  f"averaged over its {self.heads} heads"))
        self.add(self.heading(), self.note)
        self.beat("2014", "In 2014 attention joined a recurrent encoder and decoder. The decoder reads a start token, "
                          f"{claims.token_text('<sos>')}, then each word it has written, and could look back at every "
                          "word, but both halves still read one word after another.")
        self.year = label("2014 · Bahdanau: attention + GRU", 28, th.text, weight="BOLD").move_to([0, 2.45, 0])
        # GRU boxes, as in the earlier chapters; under each decoder box the word it reads in (said on screen,
        # since the earlier chapters wrote the word each box writes above it)
        self.enc = self.row(-2.25, "GRU", th.encoder, self.n_src)
        self.dec = self.row(0.7, "GRU", th.decoder, self.n_tgt)
        self.words = VGroup(*[fit_width(label(t, 18, th.source), 1.6).next_to(b, DOWN, buff=0.12)
                              for t, b in zip(tr.source_tokens, self.enc)])
        # what each decoder position reads in (the start token, then the words written so far)
        self.reads = VGroup(*[fit_width(label(t, 18, th.target), 1.6).next_to(b, DOWN, buff=0.12)
                              for t, b in zip(decoder_inputs(tr), self.dec)])
        self.names = VGroup(label("encoder", 20, th.encoder).next_to(VGroup(self.enc, self.dec), LEFT, buff=0.4)
                            .set_y(self.enc.get_y()),
                            label("decoder", 20, th.decoder).next_to(VGroup(self.enc, self.dec), LEFT, buff=0.4)
                            .set_y(self.dec.get_y()))
        self.enc_chain, self.dec_chain = self.chain(self.enc), self.chain(self.dec)
        self.play(FadeIn(self.year), FadeIn(self.names[0]), FadeIn(self.enc[0]), FadeIn(self.words[0]), run_time=1.0)
        for k in range(1, self.n_src):  # one word after another
            self.play(Create(self.enc_chain[k - 1]), FadeIn(self.enc[k], shift=0.2 * RIGHT), FadeIn(self.words[k]),
                      run_time=0.6)
        self.reads_key = label("under each decoder box: the word it reads in", 18, th.muted)
        self.reads_key.next_to(self.dec, UP, buff=0.2).align_to(self.dec, LEFT)
        self.play(FadeIn(self.names[1]), FadeIn(self.dec[0]), FadeIn(self.reads[0]), FadeIn(self.reads_key),
                  run_time=0.6)
        self.fan = self.fan_from(0)
        self.play(Create(self.fan, lag_ratio=0.2), run_time=1.2)
        for k in range(1, self.n_tgt):  # at each output step the decoder looks back at every word
            self.play(Create(self.dec_chain[k - 1]), FadeIn(self.dec[k], shift=0.2 * RIGHT), FadeIn(self.reads[k]),
                      Transform(self.fan, self.fan_from(k)), run_time=share(self, 0.3, at_least=0.8))

    def fan_from(self, k: int) -> VGroup:
        """Decoder position k looking back at every encoder word (a diagram: no weights in 2014)."""
        return VGroup(*[Line(self.reads[k].get_bottom(), e.get_top(), color=self.theme.alpha, stroke_width=3,
                             stroke_opacity=0.8) for e in self.enc])

    def transformer(self) -> None:
        th, L, A = self.theme, self.layers, self.heads
        self.beat("2017", transformer_narration(L, A))
        year = label("2017 · Transformer: attention, no RNN", 28, th.text, weight="BOLD").move_to(self.year)
        self.play(FadeOut(self.enc_chain), FadeOut(self.dec_chain), run_time=1.0)
        # each GRU box turns into the block that stands at its position: its frame morphs, its name changes
        enc_new = VGroup(*[block("attention", th.alpha, width=self.BOX_W, height=0.7, size=18).move_to(b)
                           for b in self.enc])
        dec_new = VGroup(*[block("attention", th.alpha, width=self.BOX_W, height=0.7, size=18).move_to(b)
                           for b in self.dec])
        notes = VGroup(*[VGroup(*[label(line, 18, th.text) for line in layers_note(L, A)])
                         .arrange(DOWN, buff=0.06, aligned_edge=RIGHT).next_to(name, DOWN, buff=0.2)
                         .align_to(name, RIGHT) for name in self.names])
        morph = [Transform(old[0], new[0]) for row_old, row_new in ((self.enc, enc_new), (self.dec, dec_new))
                 for old, new in zip(row_old, row_new)]
        # the header changes with the boxes (it says "no RNN"); each old name fades out before the new one
        # fades in (never both at once: the two would garble); the 2014 diagram's lines go with its header
        self.play(*[FadeOut(old[1]) for old in (*self.enc, *self.dec)], FadeOut(self.reads_key), FadeOut(self.fan),
                  *fade_replace(self.year, year), run_time=0.8)
        self.play(*morph, *[FadeIn(new[1]) for new in (*enc_new, *dec_new)],
                  run_time=max(1.0, until_said(self, "In the encoder")))
        # a faded name leaves its frame as a mobject of its own in the scene: both go, the new blocks come
        self.remove(*self.enc, *self.dec, *[old[0] for old in (*self.enc, *self.dec)],
                    *[new[1] for new in (*enc_new, *dec_new)])
        self.add(*enc_new, *dec_new)
        self.names.add(*notes)
        self.enc, self.dec, self.year = enc_new, dec_new, year
        n, m = self.n_src, self.n_tgt
        enc_pts = [b.get_top() + 0.05 * UP for b in self.enc]
        self.enc_arcs = weighted_arcs(enc_pts, self.mean_weights("encoder")[:n, :n], th.alpha)
        dec_pts = [b.get_top() + 0.05 * UP for b in self.dec]
        self.dec_arcs = weighted_arcs(dec_pts, self.mean_weights("decoder")[:m, :m], th.alpha, back_only=True)
        # as the narration names them: the encoder's arcs, the decoder's, the encoder words the decoder looks at
        # (lit, not drawn as lines: the film's cross-attention chapters show those weights), then the layer notes
        self.play(Create(self.enc_arcs, lag_ratio=0.1), run_time=max(1.5, until_said(self, "in the decoder")))
        self.play(Create(self.dec_arcs, lag_ratio=0.1), run_time=max(1.5, until_said(self, "and at every encoder")))
        self.fan = VGroup()
        self.play(Indicate(self.enc, color=th.alpha, scale_factor=1.05), run_time=max(1.0, until_said(self, "Ours stacks")))
        self.play(FadeIn(notes), run_time=share(self, 0.9, at_least=1.0))

    def gpt(self) -> None:
        th, tr = self.theme, self.tr
        zeros = causal_zeros(tr)
        t = tr.decoder_self_attention.shape[-1]
        self.beat("2018", "In 2018 GPT kept only the decoder half, trained to predict the next word. "
                  + mask_narration(zeros, t, self.layers, self.heads))
        year = label("2018 · GPT: the decoder alone", 28, th.text, weight="BOLD").move_to(self.year)
        # what is drawn is not GPT: our encoder-decoder's decoder, whose cross-attention still reads the encoder
        drawn = label("drawn with our Transformer's decoder, its encoder hidden: unlike GPT, ours still attends to it",
                      18, th.text)
        drawn = fit_width(drawn, 2 * TEXT_EDGE_X).next_to(self.note, UP, buff=0.06)   # under the mask grid
        self.play(*fade_replace(self.year, year), FadeOut(self.enc), FadeOut(self.enc_arcs), FadeOut(self.fan),
                  FadeOut(self.names[0]), FadeOut(self.names[2]), FadeOut(self.words), FadeIn(drawn), run_time=1.2)
        self.year = VGroup(year, drawn)
        self.play(Indicate(self.dec_arcs, color=th.alpha), run_time=1.5)
        # the real mask: our decoder's self-attention (last layer, heads averaged), as many positions as the
        # decoder row shows (all of the example's, the same grid as the teaser's)
        n = self.n_tgt
        weights = self.mean_weights("decoder")[:n, :n]
        grid = weight_grid(n, 0.42)
        grid.move_to([-2.2, -1.85, 0])
        inputs = decoder_inputs(tr)
        rows = VGroup(*[fit_width(label(inputs[i], 16, th.target), 1.4).next_to(grid[i * n], LEFT, buff=0.12)
                        for i in range(n)])
        cols = VGroup(*[label(str(j + 1), 16, th.muted).next_to(grid[j], UP, buff=0.08) for j in range(n)])
        cols.add(label("looks at position →", 16, th.muted).next_to(cols, UP, buff=0.08))
        rows.add(label("reads in ↓", 16, th.muted).align_to(rows, RIGHT).set_y(cols[0].get_y()))
        lines = mask_caption(zeros, n, t)
        caption = VGroup(label(lines[0], 22, th.text, weight="BOLD"), *[label(line, 18, th.text) for line in lines[1:]])
        caption.arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(grid, RIGHT, buff=0.6)
        fit_width(caption, TEXT_EDGE_X - caption.get_left()[0])
        self.play(FadeIn(grid), FadeIn(rows), FadeIn(cols), FadeIn(caption[0]), run_time=share(self, 0.25, at_least=1.2))
        ahead = [grid[i * n + j] for i, j in claims.masked_cells(n)] if zeros else []
        self.play(*[grid[i * n + j].animate.set_fill(weight_to_color(float(weights[i, j])), opacity=1)
                    for i in range(n) for j in range(n)],
                  *([Create(strike_out(ahead))] if ahead else []), FadeIn(caption[1:], lag_ratio=0.3),
                  run_time=share(self, 0.5, at_least=2.0))
        self.play(Indicate(VGroup(*[grid[i * n + j] for i in range(n) for j in range(i + 1)]), color=th.alpha,
                           scale_factor=1.0), run_time=share(self, 0.9, at_least=1.0))


def transformer_narration(layers: int, heads: int) -> str:
    """The evolution's 2017 beat: the rows of blocks stand for a stack, and the arcs for one layer's
    heads (the last), averaged, as the footnote and the notes beside the rows say."""
    whose = "the last layer's weights" if layers > 1 else "its weights"
    averaged = f", its {heads} heads averaged" if heads > 1 else ""
    return ("In 2017 the Transformer kept the attention and dropped the recurrence: each GRU box becomes an attention "
            "block, with no arrow from one word to the next. In the encoder every word looks at every word, all at once; "
            "in the decoder each position looks only back, at itself and the positions before it, and at every encoder "
            f"word, as in Bahdanau's model. Ours stacks {layers} such layer{'s' if layers != 1 else ''} on each side, "
            f"{heads} head{'s' if heads != 1 else ''} in every attention block; the arcs are as strong as {whose}{averaged}.")


def shown_positions(tr, cells: int) -> int:
    """The decoder positions the evolution draws (its boxes and its mask grid): all of them up to
    `cells`, so the example's grid is the teaser's (which shows every position)."""
    return min(cells, tr.decoder_self_attention.shape[-1])


def mask_caption(zeros: bool | None, n: int, t: int) -> list[str]:
    """The evolution's mask grid's caption: the zeros claimed only when the weights are 0; a grid
    showing fewer than all positions says so."""
    lines = ["the causal mask, in our decoder's weights",
             "each position looks at itself and the ones before it;",
             "above the diagonal: exactly 0, struck out" if zeros else "above the diagonal: not all 0 here"]
    return lines + ([f"its first {n} of {t} positions"] if n < t else [])


def layers_note(layers: int, heads: int) -> list[str]:
    """Beside each row of blocks: which layer its arcs show (one row stands for a stack)."""
    return [f"layer {layers} of {layers}" if layers > 1 else "its one layer",
            f"{heads} heads averaged" if heads > 1 else "its one head"]


def role_groups(named: list[HeadRole]) -> list[tuple[HeadRole, list[HeadRole]]]:
    """The named heads grouped by what they do (a role, and its word), in the order the narration
    says them: the first of each group, with the others that do the same."""
    groups: dict[tuple[str, str | None], list[HeadRole]] = {}
    order = ("previous", "self", "next", "word")   # as heads_narration says them
    for r in sorted(named, key=lambda r: order.index(r.role) if r.role in order else len(order)):
        groups.setdefault((r.role, r.word), []).append(r)
    return [(found[0], found[1:]) for found in groups.values()]


def spread_note(named: int, spread: int) -> str:
    """Under the small multiples: the heads the narration did not name (their weights spread)."""
    if not spread:
        return "none spreads its weight"
    return f"the other {spread}: weight spread out" if named else "all spread their weight"


def shown_spreader(roles: list[HeadRole]) -> HeadRole | None:
    """The head the teaser shows after the named ones: the first that spreads its weight, when some
    head is named (when none is, every head shown so far spreads already)."""
    if not any(r.role != "spread" for r in roles):
        return None
    return next((r for r in roles if r.role == "spread"), None)


def heads_narration(roles: list[HeadRole], layers: int, heads: int) -> str:
    """What the encoder's heads do in this sentence, as far as their weights show it (model.heads):
    the heads that give one relative position or one word at least half their weight on average are
    named with it; the others are said to spread their weight."""
    by_role: dict[str, list[HeadRole]] = {}
    for role in roles:
        by_role.setdefault(role.role, []).append(role)
    total = layers * heads
    opening = (f"The trained model has {layers} encoder layer{'s' if layers != 1 else ''} of {heads} heads; "
               "each head weighs the words its own way.")
    what = {"previous": "the word before", "self": "the word itself", "next": "the word after"}
    parts = []
    for key in ("previous", "self", "next"):
        found = by_role.get(key, [])
        if found:
            names = ", ".join(r.name.replace("encoder ", "") for r in found)
            parts.append(f"{len(found)} of the {total} give{'s' if len(found) == 1 else ''} {what[key]} at least "
                         f"half {'its' if len(found) == 1 else 'their'} weight on average ({names})")
    words: dict[str, list[str]] = {}
    for r in by_role.get("word", []):
        words.setdefault(r.word, []).append(r.name.replace("encoder ", ""))
    for word, names in words.items():
        one = len(names) == 1
        parts.append(f"{' and '.join(names)} give{'s' if one else ''} '{word}' at least half {'its' if one else 'their'} "
                     "weight on average")
    spread = len(by_role.get("spread", []))
    if not parts:
        return f"{opening} In this sentence none of the {total} gives one position half its weight: they spread it."
    spreader = shown_spreader(roles)
    like = f", as {spreader.name.replace('encoder ', '')} does" if spreader else ""
    tail = f"; the other {spread} spread their weight{like}" if spread else ""
    return f"{opening} In this sentence, " + "; ".join(parts) + tail + ". The weights show where a head looks, not why."


def mask_narration(zeros: bool | None, n: int, layers: int, heads: int) -> str:
    """GPT's causal attention, and our decoder's mask said from its weights: only when every weight above
    the diagonal, in every layer and head, is exactly 0."""
    opening = ("Its attention is causal: each position may look at itself and the ones before it, never at the words "
               "still to come.")
    if not zeros:
        return (f"{opening} In our Transformer's decoder the weights above the diagonal are not all zero, so no mask "
                "is claimed from them.")
    ahead = n * (n - 1) // 2
    if not ahead:
        return f"{opening} With one position there is nothing ahead to mask."
    return (f"{opening} So is our Transformer's decoder: in all {layers * heads} of its self-attention heads the {ahead} "
            f"weight{'s' if ahead > 1 else ''} above the diagonal {'are' if ahead > 1 else 'is'} exactly 0. That is the "
            f"causal mask; {n * (n + 1) // 2} of {n * n} weights remain.")


class SelfAttentionTeaser(ExplainerScene):
    title = "Next: every word attends to every word"
    MAX_CELL = 1.1

    def construct(self) -> None:
        self.matrix()
        self.every_head()
        self.every_pair()
        self.next_part()
        self.recap()

    def head_map(self, weights: np.ndarray, rows, cols, row_color: str) -> Heatmap:
        """One head's weights as a grid, placed where the scene's matrix stands."""
        n_rows, n_cols = weights.shape
        cell = min(self.MAX_CELL, 4.2 / max(n_rows, n_cols))
        hm = Heatmap(weights, rows, cols, cell=cell, font_size=24)
        hm.row_labels.set_color(row_color)
        top = self.heading().get_bottom()[1] - 0.5
        room = top - (self.footnote(self.provenance()).get_top()[1] + 0.3)
        if hm.height > room:
            hm.scale(room / hm.height)
        hm.move_to([-2.6, 0, 0]).shift((top - hm.get_top()[1]) * UP)
        return hm

    def side(self, text: str, size: float = 22, color: str | None = None) -> VGroup:
        """A line of the side panel, right of the matrix."""
        x0 = self.map.get_right()[0] + 0.45
        return fit_width(label(text, size, color or self.theme.text), TEXT_EDGE_X - x0)

    def place_side(self, mob, row: float) -> None:
        mob.move_to([0, self.map.cells.get_top()[1] - 0.3 - 0.7 * row, 0])
        mob.align_to([self.map.get_right()[0] + 0.45, 0, 0], LEFT)

    def matrix(self) -> None:
        """The example's real encoder self-attention, layer 1 head 1: every word weighing every word."""
        th, tr = self.theme, self.tr
        tokens = tr.source_tokens
        self.n = len(tokens)
        self.layers, self.heads = tr.encoder_self_attention.shape[:2]
        self.beat("teaser", "Back inside the Transformer from the start of the film: what its real heads do. Here is "
                            "its encoder's first head for this sentence, one row per word, weighing every word.")
        self.add(self.heading(), self.footnote(self.provenance(extra="its encoder's self-attention for this sentence")))
        self.map = self.head_map(tr.encoder_self_attention[0, 0], tokens, tokens, th.source)
        heads = VGroup(label("looks at →", 17, th.muted).next_to(self.map.col_labels, UP, buff=0.1),
                       label("each word ↓", 17, th.muted).next_to(self.map.row_labels, UP, buff=0.1)
                       .align_to(self.map.row_labels, RIGHT))
        self.axes = heads
        self.name = self.side("encoder · layer 1 · head 1", 24, th.alpha)
        self.place_side(self.name, 0)
        self.play(FadeIn(self.map.row_labels, lag_ratio=0.1), FadeIn(self.map.col_labels, lag_ratio=0.1),
                  FadeIn(heads), run_time=1.2)
        self.play(FadeIn(self.map.cells, lag_ratio=0.02), FadeIn(self.map.values), FadeIn(self.name),
                  run_time=share(self, 0.6, at_least=1.5))
        self.sweep_rows(share(self, 0.95, at_least=1.0))

    def sweep_rows(self, run_time: float) -> None:
        """A frame goes down the matrix row by row: each word in turn weighing every word."""
        rows = [VGroup(self.map.row_labels[i], *[self.map.cell(i, j) for j in range(self.map.matrix.shape[1])])
                for i in range(self.map.matrix.shape[0])]
        frame = SurroundingRectangle(rows[0], color=self.theme.text, buff=0.04, stroke_width=3)
        each = run_time / len(rows)
        self.play(Create(frame), run_time=min(0.6, each))
        for row in rows[1:]:
            self.play(frame.animate.become(SurroundingRectangle(row, color=self.theme.text, buff=0.04,
                                                                stroke_width=3)), run_time=each)
        self.play(FadeOut(frame), run_time=max(0.3, each - min(0.6, each)))

    def every_head(self) -> None:
        """The heads whose weights show a role, one at a time, each long enough to read what is said of
        it; then all heads at once, small, the rest of them (those that spread their weight) named there."""
        th, tr = self.theme, self.tr
        roles = head_roles(tr, "encoder")
        self.beat("heads", heads_narration(roles, self.layers, self.heads))
        named = [r for r in roles if r.role != "spread"]
        role_line = self.side(roles[0].says, 18, th.text)
        self.place_side(role_line, 0.7)
        self.play(FadeIn(role_line), run_time=0.6)
        shown = roles[0]
        groups = role_groups(named)   # the heads of one role shown in turn, its column or diagonal framed meanwhile
        spreader = shown_spreader(roles)
        each = share(self, 0.5 if spreader else 0.6) / max(1, len(groups))
        for role, others in groups:
            members = [role, *others]
            shown_here = members[:max(1, min(len(members), int(each // 2.0)))]   # each on screen 2 s at least
            same = (self.side(f"same role: {', '.join(f'L{r.layer}·H{r.head}' for r in members)}", 18, th.muted)
                    if others else None)
            frame = None
            for member in shown_here:
                if member is not shown:
                    new = self.head_map(tr.encoder_self_attention[member.layer - 1, member.head - 1], tr.source_tokens,
                                        tr.source_tokens, th.source)
                    name = self.side(f"encoder · layer {member.layer} · head {member.head}", 24,
                                     th.alpha).move_to(self.name, LEFT)
                    self.play(Transform(self.map.cells, new.cells), *fade_replace(self.map.values, new.values),
                              *fade_replace(self.name, name), run_time=0.8)
                    self.map.values, self.name, shown = new.values, name, member
                line = VGroup(self.side(member.says, 18, th.text), *([same.copy()] if same else []))
                line.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
                line.align_to(role_line, LEFT).shift((role_line.get_top()[1] - line.get_top()[1]) * UP)
                self.play(*fade_replace(role_line, line), *([] if frame else [Create(frame := self.role_frame(member))]),
                          run_time=0.6)
                role_line = line
                rest = each / len(shown_here) - 1.4 - (0.8 if member is not role else 0.0)
                if rest > 0.05:
                    self.wait(rest)
            if frame is not None and len(frame):
                self.play(FadeOut(frame), run_time=0.4)
        if spreader is not None:   # one head that spreads its weight, so the idea is not taught by the named ones alone
            new = self.head_map(tr.encoder_self_attention[spreader.layer - 1, spreader.head - 1], tr.source_tokens,
                                tr.source_tokens, th.source)
            name = self.side(f"encoder · layer {spreader.layer} · head {spreader.head}", 24, th.alpha).move_to(self.name, LEFT)
            line = self.side(spreader.says, 18, th.text).align_to(role_line, LEFT)
            line.shift((role_line.get_top()[1] - line.get_top()[1]) * UP)
            self.play(Transform(self.map.cells, new.cells), *fade_replace(self.map.values, new.values),
                      *fade_replace(self.name, name), *fade_replace(role_line, line), run_time=0.8)
            self.map.values, self.name, role_line = new.values, name, line
            self.wait(share(self, 0.3, at_least=1.2))
        self.role_line = role_line
        self.small_multiples(roles, named)

    def role_frame(self, role: HeadRole) -> VGroup:
        """A frame round what a head's role names: its column (a word) or its diagonal (a position)."""
        n, th = self.n, self.theme
        if role.role == "word" and role.word in self.tr.source_tokens:
            j = list(self.tr.source_tokens).index(role.word)
            cells = VGroup(self.map.col_labels[j], *[self.map.cell(i, j) for i in range(n)])
        elif role.role in ("previous", "self", "next"):
            offset = {"previous": -1, "self": 0, "next": 1}[role.role]
            cells = VGroup(*[self.map.cell(i, i + offset) for i in range(n) if 0 <= i + offset < n])
        else:
            return VGroup()
        return VGroup(SurroundingRectangle(cells, color=th.text, buff=0.04, stroke_width=3))

    def small_multiples(self, roles: list[HeadRole], named: list[HeadRole]) -> None:
        """All heads of the encoder at once, one small grid each, in the side panel: those the
        narration names framed, the others marked as spreading their weight."""
        th, tr = self.theme, self.tr
        x0 = self.map.get_right()[0] + 0.45
        room = TEXT_EDGE_X - x0
        per_row = self.heads
        side = min(1.0, (room - 0.15 * (per_row - 1)) / per_row)
        grids = VGroup()
        for role in roles:
            thumb = head_thumbs(tr.encoder_self_attention[role.layer - 1, role.head - 1][None], side)[0]
            tag = label(f"L{role.layer}·H{role.head}", 16, th.alpha if role in named else th.muted)
            grids.add(VGroup(thumb, tag.next_to(thumb, DOWN, buff=0.06)))
        grids.arrange_in_grid(rows=self.layers, cols=per_row, buff=(0.15, 0.15))
        fit_width(grids, room)
        grids.next_to(self.role_line, DOWN, buff=0.35).align_to([x0, 0, 0], LEFT)
        frames = VGroup(*[SurroundingRectangle(g[0], color=th.alpha, buff=0.03, stroke_width=2.5)
                          for g, r in zip(grids, roles) if r in named])
        spread = len(roles) - len(named)
        note = self.side(spread_note(len(named), spread), 18, th.muted)
        note.next_to(grids, DOWN, buff=0.15).align_to(grids, LEFT)
        floor = self.footnote(self.provenance()).get_top()[1] + 0.2   # clear of the footnote
        if note.get_bottom()[1] < floor:
            both = VGroup(grids, note)
            both.scale((both.get_top()[1] - floor) / both.height, about_edge=UP)
        self.play(FadeIn(grids, lag_ratio=0.1), run_time=share(self, 0.4, at_least=1.2))
        self.play(Create(frames), FadeIn(note), run_time=share(self, 0.5, at_least=1.0))
        self.play(Indicate(VGroup(*[g[1] for g, r in zip(grids, roles) if r not in named]) or
                           VGroup(*[g[1] for g in grids]), color=th.alpha,
                           scale_factor=1.1), run_time=share(self, 0.9, at_least=1.0))
        self.play(FadeOut(VGroup(grids, frames, note)), run_time=0.6)

    def every_pair(self) -> None:
        """n × n weights per head, every row summing to 1 (checked on the weights shown)."""
        th, n, tr = self.theme, self.n, self.tr
        sums = tr.encoder_self_attention.sum(-1)
        rows_sum = bool(np.allclose(sums, 1.0, atol=1e-4))
        extra = " In every head each word's row adds up to 1: its weights share out one unit of attention." if rows_sum else ""
        self.beat("count", claims.pair_count_narration(n) + extra)
        count = self.side(f"{n} × {n} = {n * n} weights per head", 22, th.alpha)
        self.place_side(count, 1.6)
        self.play(Write(count), run_time=1.2)
        if rows_sum and n >= 1:
            total = self.side("each row: 100%", 20, th.text)
            self.place_side(total, 2.3)
            row = VGroup(*[self.map.cell(0, j) for j in range(n)])
            frame = SurroundingRectangle(row, color=th.text, buff=0.03, stroke_width=3)
            self.play(FadeIn(total), Create(frame), Indicate(self.map.row_labels[0]),
                      run_time=share(self, 0.9, at_least=1.5))
            self.count = VGroup(count, total, frame)
        else:
            self.play(Indicate(self.map.row_labels, color=th.alpha, scale_factor=1.05), run_time=share(self, 0.9))
            self.count = count

    def next_part(self) -> None:
        """What comes next, named over the map: the row of a word that looks (its query) framed as queries are
        said, a column (a word looked at: its key) as keys are, the whole map as self-attention is."""
        th = self.theme
        self.beat("next", "How a head computes its weights from the words themselves, with queries, keys and values, "
                          "is the subject of the next part: self-attention.")
        line = label("next: queries · keys · values", 22, th.alpha)   # one line, one baseline; shown part by part
        words = VGroup(line[:5], line[5:13], line[13:18], line[18:])
        fit_width(words, TEXT_EDGE_X - self.map.get_right()[0] - 0.45)
        self.place_side(words, 2.6)
        words.align_to(self.name, LEFT)
        n = self.map.matrix.shape[0]
        row = VGroup(self.map.row_labels[0], *[self.map.cell(0, j) for j in range(self.map.matrix.shape[1])])
        col = VGroup(self.map.col_labels[-1], *[self.map.cell(i, self.map.matrix.shape[1] - 1) for i in range(n)])
        frame = SurroundingRectangle(row, color=th.text, buff=0.04, stroke_width=3)
        self.play(FadeOut(self.count), FadeIn(words[0]), run_time=0.6)
        self.wait(max(0.0, until_said(self, "queries") - 0.6))
        self.play(FadeIn(words[1], shift=0.2 * UP), Create(frame), run_time=share(self, 0.15, at_least=0.8))
        self.wait(max(0.0, until_said(self, "keys") - 0.2))
        self.play(FadeIn(words[2], shift=0.2 * UP), frame.animate.become(
            SurroundingRectangle(col, color=th.text, buff=0.04, stroke_width=3)), run_time=share(self, 0.2, at_least=0.8))
        self.play(FadeIn(words[3], shift=0.2 * UP), FadeOut(frame), run_time=share(self, 0.2, at_least=0.8))
        whole = SurroundingRectangle(self.map.cells, color=th.alpha, buff=0.06, stroke_width=3)
        self.play(Create(whole), Indicate(words, color=th.text, scale_factor=1.05), run_time=share(self, 0.6, at_least=1.0))
        self.play(FadeOut(whole), run_time=share(self, 0.95, at_least=0.5))

    def recap(self) -> None:
        """The film's end: the story's stack, the timeline's icons in a row, each lit as it is named."""
        th = self.theme
        self.beat("recap", " ".join(line for _, _, line in RECAP))
        heading = self.heading("The story so far")
        note = self.footnote("icons: diagrams, not model output (the timeline's)")
        self.play(*[FadeOut(m) for m in self.mobjects], run_time=0.5)   # one heading at a time, never two crossing
        self.play(FadeIn(heading, shift=0.1 * DOWN), FadeIn(note), run_time=0.4)
        slot = 2.6
        icons, names, arrows = VGroup(), VGroup(), VGroup()
        for k, (key, name, _) in enumerate(RECAP):
            x = (k - (len(RECAP) - 1) / 2) * slot
            icon = ICONS[key](width=1.8, height=1.5).move_to([x, 0.5, 0])
            icons.add(icon)
            fix = RECAP_FIX.get(key) or next(m.fix for m in MILESTONES if m.icon == key)   # what it added
            names.add(VGroup(label(name, 22, th.alpha if key == "attention" else th.text, weight="BOLD"),
                             *[label(line, 17, th.muted) for line in fix.split("\n")])
                      .arrange(DOWN, buff=0.1).move_to([x, -0.6, 0], aligned_edge=UP))
        for a, b in itertools.pairwise(icons):
            arrows.add(Arrow([a.get_x() + 0.95, 0.5, 0], [b.get_x() - 0.95, 0.5, 0], buff=0.02, color=th.muted,
                             stroke_width=3, max_tip_length_to_length_ratio=0.4))
        for k, (key, _, _) in enumerate(RECAP):   # each icon comes as its line is read, and is lit until the next
            parts = [FadeIn(icons[k]), FadeIn(names[k], shift=0.1 * UP)] + ([Create(arrows[k - 1])] if k else [])
            self.play(*parts, run_time=0.6)
            later = until_said(self, RECAP[k + 1][2]) if k + 1 < len(RECAP) else share(self, 0.95)
            self.play(flow(icons[k], th.alpha if key == "attention" else th.encoder, max(0.6, later)))


# The recap's stack: an icon key of scenes.kit.icons, its name, and its line of narration (the story, not data)
RECAP = (("feed-forward", "feed-forward", "The story so far: feed-forward networks kept nothing between words;"),
         ("rnn", "RNN", "the RNN carried a state along;"),
         ("lstm", "LSTM", "the LSTM's gates kept it longer;"),
         ("attention", "attention", "attention looked back at every word;"),
         ("transformer", "Transformer", "the Transformer kept attention and dropped recurrence."))


# the recap's own wording where the timeline's short caption reads oddly out of its context
RECAP_FIX = {"feed-forward": "stacked layers;\nno memory"}


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
