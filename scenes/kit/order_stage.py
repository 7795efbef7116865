"""no-order's stage: a sentence and its shuffle, one row each, a word vector under each word, then the
recurrent chain under each row and its final state at the right. Built here, not in the scene, because
rnn-relay opens on no-order's last picture (`OrderStage.end()`): both chapters draw the same mobjects."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
from manim import DOWN, LEFT, UP, Arrow, VGroup

from model.trace import Trace
from scenes.kit.key import color_key
from scenes.kit.layout import inside_margin, pick_dims
from scenes.kit.mobjects import RNNCell, StateColumn, fit_width, label
from scenes.kit.stage import kind_of
from scenes.kit.theme import current
from scenes.kit.wrap import WordGrid

SHOWN_DIMS = 8
CELL = 0.2
MOVED = 0.1  # a final-state dimension "differs" when it moves by more than this
SAME_STATE = 0.05  # two states closer than this (Euclidean) are said to be "almost the same"
# each sentence on one row (a column hangs under every word), between the row tags and the averages;
# the font shrinks for all words alike so the longest allowed sentence still fits on one row
ROW_LAYOUT = {"width": 11.4, "font_size": 28, "min_font": 12, "max_rows": 1, "center": 0.1}
ROWS_Y = (2.4, -0.05)
VERDICT_Y = -2.65
KEY_Y = -3.3  # the colour key's row, between the verdict and the footnote
SIDE_X = 6.45  # where the averages and the final states stand, right of the words
ORDER_TITLE = "A recurrent network reads in order"


def shuffled_order(tokens: tuple[str, ...]) -> list[int]:
    """Where each shuffled position takes its word from (a permutation that changes the sentence if any can)."""
    order = list(range(len(tokens)))
    random.Random(len(tokens)).shuffle(order)
    if tuple(tokens[i] for i in order) == tuple(tokens):
        order = list(reversed(range(len(tokens))))
    return order


def pooling_verdict(a: np.ndarray, b: np.ndarray) -> tuple[bool, float]:
    """(same, largest difference) of two pooled vectors; 'same' allows float rounding only."""
    gap = float(np.abs(a - b).max())
    return gap < 1e-5, gap


@dataclass(frozen=True)
class OrderGaps:
    """How far apart the final recurrent states of the two readings are (Euclidean distances)."""
    final: float          # between the two final states
    length: float         # the final states' mean length, to say how large `final` is
    moved: int            # final-state dimensions that move by more than MOVED
    dims: int

    @property
    def far(self) -> bool:
        return self.final >= SAME_STATE

    @property
    def share(self) -> int:
        """`final` as a percentage of a state's size (its length as a vector, its distance from zero)."""
        return round(100 * self.final / self.length)


def order_gaps(states: np.ndarray, shuffled_states: np.ndarray) -> OrderGaps:
    """The gap between the final states of a sentence's reading and its shuffle's."""
    a, b = states[-1], shuffled_states[-1]
    return OrderGaps(final=float(np.linalg.norm(a - b)), length=float((np.linalg.norm(a) + np.linalg.norm(b)) / 2),
                     moved=int((np.abs(a - b) > MOVED).sum()), dims=len(a))


def chain_arrow(start, end) -> Arrow:
    return Arrow(start, end, buff=0.03, color=current().encoder, stroke_width=3,
                 max_tip_length_to_length_ratio=0.35, max_stroke_width_to_length_ratio=20)


class OrderStage:
    """The places and pieces of no-order for a trace and the trace of its shuffle (`order`)."""

    def __init__(self, tr: Trace, other: Trace, order: list[int]):
        th = self.th = current()
        self.tr, self.other, self.order = tr, other, order
        self.top = WordGrid(tr.source_tokens, th.source, **ROW_LAYOUT)
        self.top.shift((ROWS_Y[0] - self.top[0].baseline()) * UP)
        self.bottom = WordGrid(other.source_tokens, th.source, **ROW_LAYOUT)
        self.bottom.shift((ROWS_Y[1] - self.bottom[0].baseline()) * UP)
        self.tags = VGroup(label("sentence", 17, th.muted), label("shuffled", 17, th.muted))
        for tag, row in zip(self.tags, (self.top, self.bottom)):
            # left of the row, never on its first word (a long row reaches further left)
            tag.next_to([min(-5.45, row.get_left()[0] - 0.12), row[0].get_y(), 0], LEFT, buff=0.1)
            tag.set_y(row[0].get_y())
        self.vmax = float(np.abs(tr.source_embeddings).max())
        self.emb_dims = pick_dims(tr.source_embeddings, SHOWN_DIMS)
        self.inputs = (self.columns(tr.source_embeddings, self.top), self.columns(other.source_embeddings, self.bottom))
        self.averages = (tr.source_embeddings.mean(axis=0), other.source_embeddings.mean(axis=0))
        self.same_average, self.average_gap = pooling_verdict(*self.averages)
        self.chains = [self.chain(self.top), self.chain(self.bottom)]
        self.gaps = order_gaps(tr.encoder_states, other.encoder_states)

    def footnote_extra(self) -> str:
        e, h = self.tr.source_embeddings.shape[1], self.tr.encoder_states.shape[1]
        return f"word vectors: its embeddings; shown: {SHOWN_DIMS} of {e} / {h} dims; distances: all"

    def columns(self, vectors: np.ndarray, row: WordGrid) -> VGroup:
        """One word vector under each word (the footnote says how many dimensions are hidden)."""
        cols = VGroup()
        for k, v in enumerate(vectors):
            col = StateColumn(v, self.vmax, self.emb_dims, cell=CELL, cell_width=0.3, show_hidden_count=False)
            col.remove(col.note)
            cols.add(col.next_to(row[k], DOWN, buff=0.14).set_x(row.x(k)))
        return cols

    def side_column(self, values: np.ndarray, vmax: float, dims, k: int, outline: str) -> StateColumn:
        """An average (k = 0 the sentence, 1 the shuffle) or a final state, right of its row."""
        col = StateColumn(values, vmax, dims, cell=CELL, cell_width=0.34, show_hidden_count=False,
                          outline=outline).move_to([SIDE_X, self.inputs[k].get_y(), 0])
        col.remove(col.note)
        return col

    def means(self) -> VGroup:
        return VGroup(*[self.side_column(v, self.vmax, self.emb_dims, k, self.th.text)
                        for k, v in enumerate(self.averages)])

    def key(self, *more: tuple[str, str, str]) -> VGroup:
        """What the colours mean: a cell's sign and size (the kit's diverging scale), and any marks."""
        key = color_key(("positive", "value > 0", "square"), ("negative", "value < 0", "square"),
                        ("panel", "near 0 (fainter: smaller)", "square"), *more)
        return fit_width(key, 12.4).move_to([0, KEY_Y, 0])

    def chain(self, row: WordGrid) -> tuple[VGroup, VGroup]:
        """The recurrent chain under a row of words: a cell under each word and the arrows that hand
        the state on (how it is handed on is rnn-relay's subject)."""
        step = row.x(1) - row.x(0) if len(row) > 1 else 1.6
        width = min(0.8, 0.72 * step)
        y = row.get_bottom()[1] - 0.12 - 0.17   # one line of cells, whatever the words' descenders
        cells = VGroup(*[RNNCell(kind_of(self.tr), width=width, height=0.34).move_to([row.x(k), y, 0])
                         for k in range(len(row))])
        batons = VGroup(*[chain_arrow(a.get_right(), b.get_left()) for a, b in itertools.pairwise(cells)])
        return cells, batons

    def finals(self) -> tuple[VGroup, VGroup, VGroup]:
        """Each chain's final state where its average stood, its name, and the arrows into it."""
        states = (self.tr.encoder_states, self.other.encoder_states)
        dims = pick_dims(np.concatenate(states), SHOWN_DIMS)
        vmax = max(self.tr.state_range, self.other.state_range)
        finals, outs = VGroup(), VGroup()
        for k, (s, (cells, _)) in enumerate(zip(states, self.chains)):
            col = self.side_column(s[-1], vmax, dims, k, self.th.encoder)
            finals.add(col)
            if col.get_left()[0] - cells[-1].get_right()[0] > 0.3:
                outs.add(chain_arrow(cells[-1].get_right(), [col.get_left()[0], cells[-1].get_y(), 0]))
        names = VGroup(*[inside_margin(label("final state", 16, self.th.encoder).next_to(col, UP, buff=0.3))
                         for col in finals])
        return finals, names, outs

    def verdict(self) -> VGroup:
        """The last line: how far apart the final states are, with its scale (a share of a state's size)."""
        g = self.gaps
        said = (f"averages: identical · final states: {g.final:.2f} apart" if self.same_average
                else f"final states: {g.final:.2f} apart")
        said += f" = {g.share}% of a state's size" if g.far else " (almost the same)"
        return label(said, 22, self.th.correct if g.far else self.th.wrong).move_to([0, VERDICT_Y, 0])

    def end(self) -> VGroup:
        """no-order's last picture (and rnn-relay's first): both rows, their chains, the final states."""
        self.finals_mob, self.names, self.outs = self.finals()
        self.verdict_mob, self.key_mob = self.verdict(), self.key()
        return VGroup(self.top, self.bottom, self.tags, *[VGroup(c, b) for c, b in self.chains], self.outs,
                      self.finals_mob, self.names, self.verdict_mob, self.key_mob)
