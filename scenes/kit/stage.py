"""The core story's one stage: relay → bottleneck → attention draw on the same places, so a cut
does not rebuild the picture from nothing (each scene still renders alone).

Bottom: the source words, the encoder's cells, a state column h_t above each cell.
Top: the unrolled decoder (one cell per output token, its word above it), and on its left the
slot where the context the decoder starts from (h_T, the bottleneck) is parked.

`CoreStage` only builds mobjects at those places; the scenes animate them. `relay_end()` is the
relay's last picture and the bottleneck's first: both scenes call it, so they match exactly.
"""
from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, UP, Arrow, Line, MathTex, SurroundingRectangle, VGroup, config

from model.names import DESIGNS
from model.trace import Trace
from scenes.kit import claims
from scenes.kit.layout import pick_dims, slot_step, slot_xs
from scenes.kit.mobjects import RNNCell, StateColumn, TokenRow, label
from scenes.kit.theme import current

RELAY_TITLE = "A recurrent network reads one word at a time"
SHOWN_DIMS = 8
WORDS_Y = -3.08          # baseline of the source words
STAGGER_LIFT = 0.14      # how far a staggered row of source words moves up
ENC_CELL_Y = -2.12       # centre of the encoder cells
COLUMN_GAP = 0.16        # between an encoder cell and the bottom of its state column
CELL = 0.22              # height of one state cell
DEC_CELL_Y = 1.98        # centre of the decoder cells
OUT_Y = 2.78             # baseline of the output words
CONTEXT_X = -6.15        # where the decoder's starting context is parked
DIM = 0.3                # opacity of states the decoder never sees


def kind_of(tr: Trace) -> str:
    """The cell a model is built from, from the one registry (model.names.DESIGNS); 'Transformer' for
    the model without recurrence (the core stage never draws it: its scenes do not offer it)."""
    cell = DESIGNS.get(tr.model, ("GRU", False))[0]
    return cell or "Transformer"


class CoreStage:
    """The places and pieces of the core story for one trace."""

    def __init__(self, tr: Trace, dims: np.ndarray | None = None):
        self.tr = tr
        self.th = current()
        self.kind = kind_of(tr)
        self.dims = pick_dims(tr.encoder_states, SHOWN_DIMS) if dims is None else dims
        n = len(tr.source_tokens)
        self.step = slot_step(n, max_step=2.0)
        self.words = TokenRow(tr.source_tokens, self.th.source, max_step=2.0, stagger=True, stagger_gap=0.34)
        # a staggered second line would touch the footnote: the row moves up into the arrows' room
        self.words.shift((WORDS_Y + (STAGGER_LIFT if self.words.staggered else 0.0) - self.words[0].baseline()) * UP)
        self.xs = self.words.xs
        cell_w = min(0.95, 0.8 * self.step)
        self.cells = VGroup(*[RNNCell(self.kind, width=cell_w, height=0.46).move_to([x, ENC_CELL_Y, 0])
                              for x in self.xs])
        self.batons = VGroup(*[self.arrow(self.cells[t - 1].get_right(), self.cells[t].get_left(), self.th.encoder)
                               for t in range(1, n)])
        self.word_arrows = VGroup(*[self.arrow(w.get_top() + 0.04 * UP, c.get_bottom(), self.th.source, 2.5)
                                    for w, c in zip(self.words, self.cells)])
        self.columns = VGroup(*[self.state_column(t) for t in range(n)])

    # --- pieces ----------------------------------------------------------------------------
    @staticmethod
    def arrow(start, end, color, width: float = 3.5) -> Arrow:
        return Arrow(start, end, buff=0.04, color=color, stroke_width=width, max_tip_length_to_length_ratio=0.3,
                     max_stroke_width_to_length_ratio=20)

    @property
    def numbers(self) -> bool:
        return self.step >= 0.95

    def state_column(self, t: int, values: np.ndarray | None = None) -> StateColumn:
        values = self.tr.encoder_states[t] if values is None else values
        col = StateColumn(values, self.tr.state_range, self.dims, cell=CELL, numbers=self.numbers,
                          cell_width=min(0.9, 0.85 * self.step) if self.numbers else None, show_hidden_count=False)
        col.shift((self.cells[t].get_top()[1] + COLUMN_GAP - col.get_bottom()[1]) * UP)
        return col.set_x(self.xs[t])

    def embedding(self, t: int) -> StateColumn:
        """The word's input vector x_t (its embedding), small, just above the word."""
        emb = self.tr.source_embeddings
        strip = StateColumn(emb[t], float(np.abs(emb).max()), pick_dims(emb, SHOWN_DIMS), cell=0.07,
                            cell_width=0.16, show_hidden_count=False)
        strip.remove(strip.note)
        return strip.move_to(self.word_arrows[t].get_center())

    def dims_note(self) -> str:
        return claims.dims_note(len(self.dims), self.tr.encoder_states.shape[1], "dimensions per state")

    def rule(self) -> VGroup:
        return MathTex(r"h_t = \mathrm{" + self.kind + r"}(x_t,\ h_{t-1})", color=self.th.text,
                       font_size=40).move_to([0, 2.3, 0])

    def last_box(self) -> VGroup:
        box = SurroundingRectangle(self.columns[-1], color=self.th.context, buff=0.07, stroke_width=4)
        tag = label("only this goes on", 20, self.th.context).next_to(box, UP, buff=0.1)
        right = config.frame_width / 2 - 0.3
        if tag.get_right()[0] > right:
            tag.shift((right - tag.get_right()[0]) * RIGHT)
        return VGroup(box, tag)

    def relay_end(self) -> VGroup:
        """The relay's last picture (and the bottleneck's first): every state made, the earlier ones
        dimmed, the last one boxed."""
        self.box = self.last_box()
        self.rule_mob = self.rule()
        for col in self.columns[:-1]:
            col.set_opacity(DIM)
        return VGroup(self.rule_mob, self.words, self.word_arrows, self.cells, self.batons, self.columns, self.box)

    # --- the decoder ----------------------------------------------------------------------
    def build_decoder(self, tr: Trace | None = None, colors: list[str] | None = None) -> None:
        """Cells, arrows and words of the unrolled decoder of `tr` (default: the stage's trace)."""
        tr = tr or self.tr
        tokens = list(tr.target_tokens)
        left = CONTEXT_X + 0.9
        width = config.frame_width / 2 - 0.4 - left
        self.dec_xs = slot_xs(len(tokens), width, 1.6, left + width / 2)
        self.dec_xs = self.dec_xs - (self.dec_xs[0] - left - slot_step(len(tokens), width, 1.6) / 2)
        step = self.dec_xs[1] - self.dec_xs[0] if len(tokens) > 1 else 1.6
        self.dec_cells = VGroup(*[RNNCell(self.kind, width=min(0.9, 0.72 * step), height=0.42, color=self.th.decoder)
                                  .move_to([x, DEC_CELL_Y, 0]) for x in self.dec_xs])
        self.dec_arrows = VGroup(*[self.arrow(self.dec_cells[i - 1].get_right(), self.dec_cells[i].get_left(),
                                              self.th.decoder, 3) for i in range(1, len(tokens))])
        self.out_words = TokenRow(claims.tokens_text(tokens), self.th.target, width=step * len(tokens), max_step=step,
                                  font_size=24, center=float(np.mean(self.dec_xs)), stagger=True, stagger_gap=0.3)
        self.out_words.shift((OUT_Y - self.out_words[0].baseline()) * UP)
        colors = colors or [self.th.target] * len(tokens)
        for word, token, color in zip(self.out_words, tokens, colors):
            word.set_color(self.th.muted if token == "<eos>" else color)
        self.out_arrows = VGroup(*[self.arrow(c.get_top(), c.get_top() + 0.3 * UP, self.th.decoder, 2.5)
                                   for c in self.dec_cells])

    def row_names(self) -> VGroup:
        """'encoder' left of its row of cells (right of it when the left has no room), 'decoder' right
        of its row (its left holds the parked context); a name with no room is left out."""
        names = VGroup()
        half = config.frame_width / 2 - 0.25
        encoder = label("encoder", 20, self.th.encoder).next_to(self.cells, LEFT, buff=0.3)
        if encoder.get_left()[0] < -half:
            encoder.next_to(self.cells, RIGHT, buff=0.3)
        decoder = label("decoder", 20, self.th.decoder).next_to(self.dec_cells, RIGHT, buff=0.3)
        for name in (encoder, decoder):
            if abs(name.get_x()) + name.width / 2 <= half:
                names.add(name)
        return names

    def parked(self, column: StateColumn) -> StateColumn:
        """A copy of `column`, scaled and moved into the context slot left of the decoder."""
        copy = column.copy().set_opacity(1)
        copy.remove(copy.note)  # the "⋮" would sit in the band below; the footnote says what is hidden
        copy.scale(min(1.0, 1.55 / copy.height, 0.9 / copy.width))
        return copy.move_to([CONTEXT_X, DEC_CELL_Y, 0.0])

    def feed_lines(self, start: np.ndarray) -> VGroup:
        """The context line under the decoder: one vector fed to every step. It starts at `start`'s
        x: give the parked context's right edge, so the line leaves the column instead of crossing it."""
        y = DEC_CELL_Y - 0.42
        th = self.th
        bus = Line([start[0], y, 0], [self.dec_xs[-1], y, 0], color=th.context, stroke_width=2.5)
        drops = VGroup(*[Line([x, y, 0], c.get_bottom(), color=th.context, stroke_width=2.5)
                         for x, c in zip(self.dec_xs, self.dec_cells)])
        return VGroup(bus, drops)


