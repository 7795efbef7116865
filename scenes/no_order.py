"""No sense of order (article figs. 3-4). The article's point: a plain feed-forward network keeps
nothing from one input to the next, so, fed one word at a time, it cannot know what came before: each
word gets its own vector wherever it stands, and pooled they are the same for a sentence and its
shuffle (computed). A network that takes a fixed window of words at once does see their order inside
the window; the scene says so and claims nothing about it. Then the real recurrent chain of the
shown model (its cell named where first used: the `plain` model is a GRU) reads both orders, and its
final states replace the averages: the narration says how far apart they end up (computed; it
changes when they do not differ). How the state is handed on step by step is rnn-relay's idea, not
this chapter's: no intermediate state is drawn here."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    ReplacementTransform,
    SurroundingRectangle,
    VGroup,
)

from model.names import DESIGNS
from scenes.kit import ExplainerScene, RNNCell, StateColumn, fit_width, label, pick_dims
from scenes.kit.claims import cell_intro
from scenes.kit.key import color_key
from scenes.kit.layout import inside_margin
from scenes.kit.mobjects import fade_replace
from scenes.kit.pacing import share
from scenes.kit.stage import kind_of
from scenes.kit.wrap import WordGrid

SHOWN_DIMS = 8
CELL = 0.2
MOVED = 0.1  # a final-state dimension "differs" when it moves by more than this
# each sentence on one row (a column hangs under every word), between the row tags and the averages;
# the font shrinks for all words alike so the longest allowed sentence still fits on one row
ROW_LAYOUT = {"width": 11.4, "font_size": 28, "min_font": 12, "max_rows": 1, "center": 0.1}
STATE_CELL = 0.16  # a state's cell: two chains of 8 fit between the rows
VERDICT_Y = -2.65
KEY_Y = -3.3  # the colour key's row, between the verdict and the footnote
SIDE_X = 6.45  # where the averages and the final states stand, right of the words


def shuffled(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A fixed reordering of the words that differs from the original (reversed when all else fails)."""
    order = shuffled_order(tokens)
    return tuple(tokens[i] for i in order)


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


def tiny_in_words(gap: float) -> str:
    """A rounding-sized difference in plain words (no '1e-07'): 'less than one millionth' and so on,
    the smallest such bound that is true."""
    for bound, name in ((1e-9, "one billionth"), (1e-8, "one hundred-millionth"), (1e-7, "one ten-millionth"),
                        (1e-6, "one millionth"), (1e-5, "one hundred-thousandth")):
        if gap < bound:
            return f"less than {name}"
    return f"about {gap:.2g}"


def same_vectors_moved(vectors: np.ndarray, shuffled_vectors: np.ndarray, order: list[int]) -> bool:
    """Whether the shuffle's word vectors are the sentence's own, only moved (a per-word network's
    output depends on the word alone)."""
    return bool(np.allclose(shuffled_vectors, vectors[order], atol=1e-6))


SAME_STATE = 0.05  # two states closer than this (Euclidean) are said to be "almost the same"


@dataclass(frozen=True)
class OrderGaps:
    """How far apart the final recurrent states of the two readings are (Euclidean distances)."""
    final: float          # between the two final states
    length: float         # the final states' mean length, to say how large `final` is
    moved: int            # final-state dimensions that move by more than MOVED
    dims: int


def order_gaps(states: np.ndarray, shuffled_states: np.ndarray) -> OrderGaps:
    """The gap between the final states of a sentence's reading and its shuffle's."""
    a, b = states[-1], shuffled_states[-1]
    return OrderGaps(final=float(np.linalg.norm(a - b)), length=float((np.linalg.norm(a) + np.linalg.norm(b)) / 2),
                     moved=int((np.abs(a - b) > MOVED).sum()), dims=len(a))


def final_sentence(g: OrderGaps) -> str:
    """What the two final states say about order, as it is."""
    if g.final < SAME_STATE:
        return (f"Yet the two final states end up almost the same, {g.final:.2f} apart: here the order "
                "barely reached the end of the chain.")
    return (f"Same words, other order: the two final states end up {g.final:.2f} apart, "
            f"{round(100 * g.final / g.length)}% of a state's length, and {g.moved} of their {g.dims} numbers "
            f"move by more than {MOVED}. The state carries the order.")


class NoOrder(ExplainerScene):
    title = "Without memory, no sense of order"

    def construct(self) -> None:
        self.shuffle()
        self.pool()
        self.recurrent()
        self.apart()

    def shuffle(self) -> None:
        tr, th = self.tr, self.theme
        self.order = shuffled_order(tr.source_tokens)
        self.other_tokens = tuple(tr.source_tokens[i] for i in self.order)
        self.other = self.trace_of(" ".join(self.other_tokens), tr.model)
        self.beat("shuffle", "Take a sentence and shuffle its words. To a reader the meaning is gone, or changed.")
        self.title_mob = self.heading()
        self.add(self.title_mob)
        e, h = tr.source_embeddings.shape[1], tr.encoder_states.shape[1]
        self.add(self.footnote(self.provenance(extra=f"word vectors: its embeddings; shown: {SHOWN_DIMS} of {e} / {h} "
                                                     "dims; distances: all")))
        self.rows_y = (2.4, -0.05)
        self.top = WordGrid(tr.source_tokens, th.source, **ROW_LAYOUT)
        self.top.shift((self.rows_y[0] - self.top[0].baseline()) * UP)
        self.bottom = WordGrid(self.other_tokens, th.source, **ROW_LAYOUT)
        self.bottom.shift((self.rows_y[1] - self.bottom[0].baseline()) * UP)
        tags = VGroup(label("sentence", 17, th.muted), label("shuffled", 17, th.muted))
        for tag, row in zip(tags, (self.top, self.bottom)):
            tag.next_to([-5.45, row[0].get_y(), 0], LEFT, buff=0.1)
            tag.set_y(row[0].get_y())
        self.tags = tags
        self.play(FadeIn(self.top, lag_ratio=0.1), FadeIn(tags[0]), run_time=1.2)
        # every word travels from its place in the sentence to its place in the shuffle
        copies = VGroup(*[self.top[i].copy() for i in self.order])
        self.add(copies)
        self.play(*[c.animate.move_to(self.bottom[k]) for k, c in enumerate(copies)], FadeIn(tags[1]),
                  run_time=share(self, 0.9, at_least=2.5))
        self.remove(*copies)  # play() added each copy on its own
        self.add(self.bottom)

    def columns(self, vectors: np.ndarray, row: WordGrid, vmax: float, dims) -> VGroup:
        """One word vector under each word (the footnote says how many dimensions are hidden)."""
        cols = VGroup()
        for k, v in enumerate(vectors):
            col = StateColumn(v, vmax, dims, cell=CELL, cell_width=0.3, show_hidden_count=False)
            col.remove(col.note)
            cols.add(col.next_to(row[k], DOWN, buff=0.14).set_x(row.x(k)))
        return cols

    def value_key(self, *more: tuple[str, str, str]) -> VGroup:
        """What the colours mean: a cell's sign and size (the kit's diverging scale), and any marks."""
        key = color_key(("positive", "value > 0", "square"), ("negative", "value < 0", "square"),
                        ("panel", "near 0 (fainter: smaller)", "square"), *more)
        return fit_width(key, 12.4).move_to([0, KEY_Y, 0])

    def pool(self) -> None:
        tr, other, th = self.tr, self.other, self.theme
        a, b = tr.source_embeddings.mean(axis=0), other.source_embeddings.mean(axis=0)
        same, gap = pooling_verdict(a, b)
        moved = same_vectors_moved(tr.source_embeddings, other.source_embeddings, self.order)
        start = ("A plain feed-forward network keeps nothing from one input to the next. Fed one word at a time, "
                 "it cannot know what came before. Under each word is what it would be fed: the word's vector, "
                 "as our trained model embeds it" + (", the same wherever the word stands. " if moved else ". "))
        if same:
            diff = ("they are exactly equal" if gap == 0 else
                    f"they differ by {tiny_in_words(gap)}, a rounding error")
            text = start + f"Pool those vectors and both orders look alike: {diff}."
        else:
            text = start + f"Pooled, the two orders differ by up to {gap:.2g}."
        self.beat("pool", text + " (A network shown a fixed window of words at once does see order inside it.)")
        vmax = float(np.abs(tr.source_embeddings).max())
        dims = pick_dims(tr.source_embeddings, SHOWN_DIMS)
        top_cols = self.columns(tr.source_embeddings, self.top, vmax, dims)
        bottom_cols = self.columns(other.source_embeddings, self.bottom, vmax, dims)
        self.key = self.value_key()
        self.play(FadeIn(top_cols, lag_ratio=0.1), FadeIn(bottom_cols, lag_ratio=0.1), FadeIn(self.key), run_time=1.5)
        if moved:  # the same vector, moved: each word's column travels to its place in the shuffle
            copies = VGroup(*[top_cols[i].copy() for i in self.order])
            self.play(*[c.animate.move_to(bottom_cols[k]) for k, c in enumerate(copies)], run_time=1.5)
            self.remove(*copies)  # play() added each copy on its own
        means = VGroup()
        for cols, vec in ((top_cols, a), (bottom_cols, b)):
            mean = StateColumn(vec, vmax, dims, cell=CELL, cell_width=0.34, show_hidden_count=False,
                               outline=th.text).move_to([SIDE_X, cols.get_y(), 0])
            mean.remove(mean.note)
            means.add(mean)
        heads = VGroup(inside_margin(label("average", 16, th.text).next_to(means[0], UP, buff=0.1)),
                       inside_margin(label("average", 16, th.text).next_to(means[1], UP, buff=0.1)))
        # the average being taken: every word's column slides into one (copies: the columns stay)
        run = share(self, 0.5, at_least=2.0)
        self.play(*[ReplacementTransform(c.copy(), means[0]) for c in top_cols],
                  *[ReplacementTransform(c.copy(), means[1]) for c in bottom_cols],
                  FadeIn(heads), run_time=run)
        equal = "the two averages are identical" + ("" if gap == 0 else " (up to rounding)")
        verdict = label(equal if same else f"the averages differ by up to {gap:.2g}", 22, th.text)
        verdict.move_to([0, VERDICT_Y + 0.12, 0])
        window = label("(a network shown a fixed window of words at once sees order inside it)", 16, th.muted)
        window.next_to(verdict, DOWN, buff=0.08)
        self.play(FadeIn(verdict, shift=0.2 * UP), run_time=share(self, 0.4))
        self.play(FadeIn(window), run_time=share(self, 0.9))
        self.inputs = (top_cols, bottom_cols)
        self.same_average = same
        self.pooled = VGroup(means, heads, verdict, window)

    def chain(self, row: WordGrid) -> tuple[VGroup, VGroup]:
        """The recurrent chain under a row of words: a cell under each word and the arrows that hand
        the state on (how it is handed on is the next chapter's subject)."""
        step = row.x(1) - row.x(0) if len(row) > 1 else 1.6
        width = min(0.8, 0.72 * step)
        y = row.get_bottom()[1] - 0.12 - 0.17   # one line of cells, whatever the words' descenders
        cells = VGroup(*[RNNCell(kind_of(self.tr), width=width, height=0.34).move_to([row.x(k), y, 0])
                         for k in range(len(row))])
        batons = VGroup(*[self.arrow(a.get_right(), b.get_left()) for a, b in itertools.pairwise(cells)])
        return cells, batons

    def arrow(self, start, end) -> Arrow:
        return Arrow(start, end, buff=0.03, color=self.theme.encoder, stroke_width=3,
                     max_tip_length_to_length_ratio=0.35, max_stroke_width_to_length_ratio=20)

    def recurrent(self) -> None:
        tr, other, th = self.tr, self.other, self.theme
        self.beat("rnn", "A recurrent network does keep something: a state, handed from word to word, so what it "
                         "holds after a word depends on the words before. "
                         + cell_intro(tr.model, DESIGNS.get(tr.model)) + " It reads both orders, one word at a time.")
        title = self.heading("A recurrent network reads in order")
        verdict, window = self.pooled[2], self.pooled[3]
        self.play(FadeOut(window), verdict.animate.set_opacity(0.45), *fade_replace(self.title_mob, title),
                  run_time=0.8)
        self.title_mob = title
        self.chains = [self.chain(self.top), self.chain(self.bottom)]
        # each word's vector goes into its cell, in reading order, both rows at once; the state is handed on
        n = len(tr.source_tokens)
        each = max(0.5, share(self, 0.55, at_least=2.5) / n)
        for t in range(n):
            anims = []
            for (cells, batons), inputs in zip(self.chains, self.inputs):
                anims += [FadeOut(inputs[t], target_position=cells[t], scale=0.3), FadeIn(cells[t], scale=1.3)]
                if t:
                    anims.append(Create(batons[t - 1]))
            self.play(*anims, run_time=each)
        # what comes out of each chain: its final state, where the average stood
        dims = pick_dims(np.concatenate([tr.encoder_states, other.encoder_states]), SHOWN_DIMS)
        vmax = max(tr.state_range, other.state_range)
        means, heads = self.pooled[0], self.pooled[1]
        finals, outs = VGroup(), VGroup()
        for mean, states, (cells, _) in zip(means, (tr.encoder_states, other.encoder_states), self.chains):
            col = StateColumn(states[-1], vmax, dims, cell=CELL, cell_width=0.34, show_hidden_count=False,
                              outline=th.encoder).move_to(mean)
            col.remove(col.note)
            finals.add(col)
            if col.get_left()[0] - cells[-1].get_right()[0] > 0.3:
                outs.add(self.arrow(cells[-1].get_right(), [col.get_left()[0], cells[-1].get_y(), 0]))
        names = VGroup(*[inside_margin(label("final state", 16, th.encoder).next_to(col, UP, buff=0.16))
                         for col in finals])
        self.play(*[ReplacementTransform(m, f) for m, f in zip(means, finals)], *fade_replace(heads, names),
                  Create(outs), *[c[-1].pulse(th.encoder) for c, _ in self.chains], run_time=share(self, 0.9))
        self.finals, self.final_names, self.verdict = finals, names, verdict

    def apart(self) -> None:
        tr, other, th = self.tr, self.other, self.theme
        g = order_gaps(tr.encoder_states, other.encoder_states)
        self.beat("apart", final_sentence(g))
        far = g.final >= SAME_STATE
        said = (f"averages: identical · final states: {g.final:.2f} apart" if self.same_average
                else f"final states: {g.final:.2f} apart")
        said += f" ({g.moved} of {g.dims} numbers move > {MOVED})" if far else " (almost the same)"
        verdict = label(said, 22, th.correct if far else th.wrong).move_to([0, VERDICT_Y, 0])
        boxes = VGroup(*[SurroundingRectangle(c, color=th.target, buff=0.06, stroke_width=4) for c in self.finals])
        self.play(*fade_replace(self.verdict, verdict), Create(boxes), run_time=1.2)
        # the boxes swell, not the columns (Indicate would paint every cell one colour)
        self.play(*[Indicate(b, color=th.target, scale_factor=1.08) for b in boxes],
                  *[Indicate(row, color=th.target, scale_factor=1.04) for row in (self.top, self.bottom)],
                  run_time=share(self, 0.6))
        self.play(FadeOut(boxes), run_time=share(self, 0.9))
