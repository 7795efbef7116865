"""Small architecture icons: the seven ideas of the story (article fig. 2), each one small mobject.

They are diagrams of how each kind of network is wired, not model output: a scene that shows them
says so on screen. Each icon is built at a natural size and then fitted into `width` × `height`,
coloured by role from the current theme (encoder, decoder, cell, alpha, muted), so the same icon
reads the same in every chapter that reuses it (the timeline places all seven; a later chapter can
put one beside the real model it stands for).

Every icon keeps `order`: its parts in the order data passes through them, so a scene can light
them in turn (`flow`) and the picture keeps moving while its narration is read.
"""
from __future__ import annotations

import itertools

from manim import (
    DOWN,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Dot,
    Indicate,
    LaggedStart,
    Line,
    Rectangle,
    RoundedRectangle,
    VGroup,
)

from scenes.kit.theme import current

CELL = 0.32        # side of one recurrent cell at natural size
GAP = 0.2          # between cells of a chain


def _cell(color: str, width: float = CELL, height: float = CELL) -> RoundedRectangle:
    th = current()
    return RoundedRectangle(corner_radius=0.05, width=width, height=height, stroke_color=color, stroke_width=2.5,
                            fill_color=th.panel, fill_opacity=1)


def _arrow(start, end, color: str, width: float = 2.5) -> Arrow:
    return Arrow(start, end, buff=0.02, color=color, stroke_width=width, max_tip_length_to_length_ratio=0.35,
                 max_stroke_width_to_length_ratio=12)


def _chain(n: int, color: str) -> tuple[VGroup, VGroup]:
    """n cells left to right and the arrows that carry the state from each to the next."""
    cells = VGroup(*[_cell(color) for _ in range(n)]).arrange(RIGHT, buff=GAP)
    arrows = VGroup(*[_arrow(a.get_right(), b.get_left(), color) for a, b in itertools.pairwise(cells)])
    return cells, arrows


def _inputs(cells: VGroup, color: str) -> VGroup:
    """A short arrow into each cell from below: one word per step."""
    return VGroup(*[_arrow(c.get_bottom() + 0.26 * DOWN, c.get_bottom(), color, 2) for c in cells])


class Icon(VGroup):
    """An icon: `order` lists its parts in the order data flows through them."""

    def __init__(self, *parts, order: list | None = None, width: float = 1.5, height: float = 1.0):
        super().__init__(*parts)
        self.order = order or list(parts)
        self.scale(min(width / self.width, height / self.height))


class FeedForwardIcon(Icon):
    """A multilayer feed-forward network: layers of units, every unit wired to the next layer's,
    nothing wired back, nothing kept between inputs."""

    def __init__(self, layers: tuple[int, ...] = (3, 4, 2), **size):
        th = current()
        columns = VGroup()
        for k, n in enumerate(layers):
            columns.add(VGroup(*[Dot(radius=0.07, color=th.encoder) for _ in range(n)]).arrange(DOWN, buff=0.16)
                        .move_to([0.55 * k, 0, 0]))
        edges = VGroup(*[VGroup(*[Line(a.get_center(), b.get_center(), stroke_width=1.2, color=th.muted)
                                  for a in left for b in right]) for left, right in itertools.pairwise(columns)])
        order = [part for pair in zip(columns, [*edges, VGroup()]) for part in pair if len(part)]
        super().__init__(edges, columns, order=order, **size)


class RNNIcon(Icon):
    """A recurrent network, unrolled: one cell per word, the hidden state handed from cell to cell."""

    def __init__(self, steps: int = 3, **size):
        th = current()
        cells, arrows = _chain(steps, th.encoder)
        inputs = _inputs(cells, th.source)
        order = [VGroup(i, c, *([a] if a is not None else [])) for i, c, a in zip(inputs, cells, [*arrows, None])]
        super().__init__(inputs, cells, arrows, order=order, **size)


class LSTMIcon(Icon):
    """An LSTM, unrolled: the same chain with a second line, the cell state, running straight through
    every cell above the hidden state, and a gate (a small circle) where each cell writes to it."""

    def __init__(self, steps: int = 3, **size):
        th = current()
        cells, arrows = _chain(steps, th.encoder)
        inputs = _inputs(cells, th.source)
        y = cells.get_top()[1] + 0.16
        highway = Line([cells.get_left()[0] - 0.12, y, 0], [cells.get_right()[0] + 0.12, y, 0], color=th.cell,
                       stroke_width=3.5)
        gates = VGroup(*[Circle(radius=0.06, color=th.gate, stroke_width=2, fill_color=th.panel, fill_opacity=1)
                         .move_to([c.get_x(), y, 0]) for c in cells])
        taps = VGroup(*[Line(c.get_top(), g.get_bottom(), color=th.gate, stroke_width=1.5) for c, g in zip(cells, gates)])
        order = [VGroup(i, c, t, g, *([a] if a is not None else []))
                 for i, c, t, g, a in zip(inputs, cells, taps, gates, [*arrows, None])]
        super().__init__(inputs, highway, taps, cells, gates, arrows, order=[*order, highway], **size)


class Seq2SeqIcon(Icon):
    """Sequence to sequence: an encoder chain, one vector between them (the bottleneck), a decoder
    chain that writes from that vector alone."""

    def __init__(self, steps: int = 2, **size):
        th = current()
        enc, enc_arrows = _chain(steps, th.encoder)
        context = Rectangle(width=0.12, height=0.34, stroke_width=0, fill_color=th.context, fill_opacity=1)
        dec, dec_arrows = _chain(steps, th.decoder)
        context.next_to(enc, RIGHT, buff=GAP)
        VGroup(dec, dec_arrows).next_to(context, RIGHT, buff=GAP)
        links = VGroup(_arrow(enc[-1].get_right(), context.get_left(), th.context),
                       _arrow(context.get_right(), dec[0].get_left(), th.context))
        outputs = VGroup(*[_arrow(c.get_top(), c.get_top() + 0.24 * UP, th.target, 2) for c in dec])
        inputs = _inputs(enc, th.source)
        order = [VGroup(inputs, enc, enc_arrows), VGroup(links[0], context), VGroup(links[1], dec, dec_arrows, outputs)]
        super().__init__(inputs, enc, enc_arrows, links, context, dec, dec_arrows, outputs, order=order, **size)


class AttentionIcon(Icon):
    """Attention on an encoder-decoder: the decoder cell draws a line to every encoder state and
    reads each by its weight (the lines' widths here are drawn, not measured)."""

    WIDTHS = (1.2, 4.5, 2.0)  # a diagram: one encoder state weighs most

    def __init__(self, steps: int = 3, **size):
        th = current()
        enc, enc_arrows = _chain(steps, th.encoder)
        inputs = _inputs(enc, th.source)
        dec = _cell(th.decoder).move_to(enc.get_center() + 0.9 * UP)
        fan = VGroup(*[Line(dec.get_bottom(), c.get_top(), color=th.alpha, stroke_width=w)
                       for c, w in zip(enc, self.WIDTHS * steps)])
        output = _arrow(dec.get_top(), dec.get_top() + 0.24 * UP, th.target, 2)
        super().__init__(inputs, enc, enc_arrows, fan, dec, output,
                         order=[VGroup(inputs, enc, enc_arrows), fan, VGroup(dec, output)], **size)


def _tower(blocks: int, color: str) -> VGroup:
    """Stacked Transformer blocks: each an attention band (alpha) over a feed-forward band (muted)."""
    th = current()
    stack = VGroup()
    for _ in range(blocks):
        ff = Rectangle(width=0.62, height=0.15, stroke_width=0, fill_color=th.muted, fill_opacity=0.8)
        attention = Rectangle(width=0.62, height=0.15, stroke_width=0, fill_color=th.alpha, fill_opacity=0.9)
        frame = RoundedRectangle(corner_radius=0.05, width=0.76, height=0.44, stroke_color=color, stroke_width=2.5)
        stack.add(VGroup(frame, VGroup(attention, ff).arrange(DOWN, buff=0.04).move_to(frame)))
    return stack.arrange(UP, buff=0.1)


class TransformerIcon(Icon):
    """A Transformer: an encoder tower and a decoder tower of attention + feed-forward blocks, no
    recurrent chain; the encoder's top feeds the decoder."""

    def __init__(self, blocks: int = 2, **size):
        th = current()
        enc, dec = _tower(blocks, th.encoder), _tower(blocks, th.decoder)
        dec.next_to(enc, RIGHT, buff=0.45)
        feed = _arrow(enc[-1].get_right(), dec[-1].get_left(), th.encoder)
        inputs = VGroup(_arrow(enc.get_bottom() + 0.26 * DOWN, enc.get_bottom(), th.source, 2),
                        _arrow(dec.get_bottom() + 0.26 * DOWN, dec.get_bottom(), th.target, 2))
        super().__init__(inputs, enc, dec, feed, order=[VGroup(inputs[0], *enc), feed, VGroup(inputs[1], *dec)], **size)


class GPTIcon(Icon):
    """GPT: only the decoder tower, and its causal mask (each word sees itself and the words before it:
    the filled lower triangle)."""

    def __init__(self, blocks: int = 3, **size):
        th = current()
        tower = _tower(blocks, th.decoder)
        side = 0.14
        mask = VGroup(*[Rectangle(width=side, height=side, stroke_color=th.muted, stroke_width=1,
                                  fill_color=th.alpha if j <= i else th.panel, fill_opacity=1)
                        .move_to([j * side, -i * side, 0]) for i in range(3) for j in range(3)])
        mask.next_to(tower, RIGHT, buff=0.18)
        inputs = _arrow(tower.get_bottom() + 0.26 * DOWN, tower.get_bottom(), th.target, 2)
        output = _arrow(tower.get_top(), tower.get_top() + 0.24 * UP, th.target, 2)
        super().__init__(inputs, tower, mask, output, order=[inputs, *tower, mask, output], **size)


def flow(icon: Icon, color: str, run_time: float):
    """Light the icon's parts in the order data passes through them."""
    return LaggedStart(*[Indicate(part, color=color, scale_factor=1.08) for part in icon.order],
                       lag_ratio=0.6, run_time=run_time)


ICONS = {"feed-forward": FeedForwardIcon, "rnn": RNNIcon, "lstm": LSTMIcon, "seq2seq": Seq2SeqIcon,
         "attention": AttentionIcon, "transformer": TransformerIcon, "gpt": GPTIcon}
