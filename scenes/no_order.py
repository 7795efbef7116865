"""No sense of order (article figs. 3–4): averaging a sentence's word vectors gives the same result
for the sentence and its shuffle; a recurrent network's final state does not. Both computed, not
asserted, and the claim is scoped to what is computed: a network that pools its word vectors."""
from __future__ import annotations

import random

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Create, Dot, FadeIn, FadeOut, ReplacementTransform, VGroup

from scenes.kit import ExplainerScene, StateColumn, fit_width, label, pick_dims
from scenes.kit.key import color_key
from scenes.kit.layout import inside_margin
from scenes.kit.mobjects import fade_replace
from scenes.kit.pacing import share
from scenes.kit.wrap import WordGrid

SHOWN_DIMS = 8
CELL = 0.2
MOVED = 0.1  # a final-state dimension "differs" when it moves by more than this
# each sentence on one row (a column hangs under every word), between the row tags and the averages;
# the font shrinks for all words alike so the longest allowed sentence still fits on one row
ROW_LAYOUT = {"width": 11.4, "font_size": 28, "min_font": 12, "max_rows": 1, "center": 0.1}
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


class NoOrder(ExplainerScene):
    title = "Averaged word vectors have no sense of order"

    def construct(self) -> None:
        self.shuffle()
        self.pool()
        self.recurrent()

    def shuffle(self) -> None:
        tr, th = self.tr, self.theme
        self.order = shuffled_order(tr.source_tokens)
        self.other_tokens = tuple(tr.source_tokens[i] for i in self.order)
        self.other = self.trace_of(" ".join(self.other_tokens), tr.model)
        self.beat("shuffle", "Take a sentence and shuffle its words. To a reader the meaning is gone, or changed.")
        self.title_mob = self.heading()
        self.add(self.title_mob)
        e, h = tr.source_embeddings.shape[1], tr.encoder_states.shape[1]
        self.add(self.footnote(self.provenance(extra=f"word vectors: {SHOWN_DIMS} of {e} dims (most varied); "
                                                     f"final states: the {SHOWN_DIMS} of {h} that differ most")))
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
        self.remove(copies)
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
        if same:
            diff = ("they are exactly equal" if gap == 0 else
                    f"the two averages differ by {tiny_in_words(gap)}, a rounding error")
            text = ("A network that takes each word's vector on its own and averages them sees the same thing "
                    f"both times, by construction: {diff}.")
        else:
            text = f"Averaging the word vectors: the two averages differ by up to {gap:.2g}."
        self.beat("pool", text)
        vmax = float(np.abs(tr.source_embeddings).max())
        dims = pick_dims(tr.source_embeddings, SHOWN_DIMS)
        top_cols = self.columns(tr.source_embeddings, self.top, vmax, dims)
        bottom_cols = self.columns(other.source_embeddings, self.bottom, vmax, dims)
        self.key = self.value_key()
        self.play(FadeIn(top_cols, lag_ratio=0.1), FadeIn(bottom_cols, lag_ratio=0.1), FadeIn(self.key), run_time=1.5)
        x_mean = SIDE_X
        means = VGroup()
        for cols, vec, _row in ((top_cols, a, self.top), (bottom_cols, b, self.bottom)):
            mean = StateColumn(vec, vmax, dims, cell=CELL, cell_width=0.34, show_hidden_count=False,
                               outline=th.text).move_to([x_mean, cols.get_y(), 0])
            mean.remove(mean.note)
            means.add(mean)
        heads = VGroup(inside_margin(label("average", 16, th.text).next_to(means[0], UP, buff=0.1)),
                       inside_margin(label("average", 16, th.text).next_to(means[1], UP, buff=0.1)))
        # the average being taken: every word's column slides into one
        run = share(self, 0.6, at_least=2.5)
        self.play(*[ReplacementTransform(c.copy(), means[0]) for c in top_cols],
                  *[ReplacementTransform(c.copy(), means[1]) for c in bottom_cols],
                  FadeIn(heads), run_time=run)
        equal = "the two averages are identical" + ("" if gap == 0 else " (up to rounding)")
        verdict = label(equal if same else f"the averages differ by up to {gap:.2g}", 22, th.text)
        verdict.move_to([0, -2.65, 0])
        link = VGroup(means[0].copy(), means[1].copy())
        self.play(FadeIn(verdict, shift=0.2 * UP), link[0].animate.scale(0.45).next_to(verdict, LEFT, buff=0.3),
                  link[1].animate.scale(0.45).next_to(verdict, RIGHT, buff=0.3), run_time=share(self, 0.9))
        self.pooled = VGroup(top_cols, bottom_cols, means, heads, verdict, link)

    def recurrent(self) -> None:
        tr, other, th = self.tr, self.other, self.theme
        a, b = tr.encoder_states[-1], other.encoder_states[-1]
        moved = int((np.abs(a - b) > MOVED).sum())
        if moved:
            text = (f"A recurrent network reads the words in order, so its final state changes: {moved} of its "
                    f"{len(a)} dimensions move by more than {MOVED}. Order reaches the model.")
        else:
            text = (f"A recurrent network reads the words in order, yet here its final state barely changes: no "
                    f"dimension moves by more than {MOVED}.")
        self.beat("rnn", text)
        title = self.heading("A recurrent network's final state sees the order" if moved else
                             "A recurrent network's final state, shuffled")
        self.play(FadeOut(self.pooled), *fade_replace(self.title_mob, title), run_time=0.8)
        self.title_mob = title
        dims = pick_dims(np.stack([a, b]), SHOWN_DIMS)
        vmax = tr.state_range
        finals = VGroup()
        for row, state in ((self.top, a), (self.bottom, b)):
            reader = Dot(color=th.encoder, radius=0.09).next_to(row[0], DOWN, buff=0.25)
            self.add(reader)
            col = StateColumn(state, vmax, dims, cell=CELL, cell_width=0.34, show_hidden_count=False,
                              outline=th.encoder).move_to([SIDE_X, row[0].get_y() - 1.05, 0])
            col.remove(col.note)
            # the state is carried from word to word, then out as the final state
            path = [[row.x(k), reader.get_y(), 0] for k in range(len(row))]
            for point in path[1:]:
                self.play(reader.animate.move_to(point), run_time=0.35)
            self.play(ReplacementTransform(reader, col), run_time=0.8)
            finals.add(col)
        heads = VGroup(*[inside_margin(label("final state", 16, th.text).next_to(c, UP, buff=0.1)) for c in finals])
        differs = np.abs(a - b)[dims] > MOVED
        marks = VGroup(*[VGroup(*[Dot(radius=0.045, color=th.correct).next_to(cell, LEFT, buff=0.06)
                                  for cell, d in zip(col.cells, differs) if d]) for col in finals[:1]])
        verdict = label(f"{moved} of {len(a)} dimensions differ by more than {MOVED}", 22,
                        th.correct if moved else th.wrong).move_to([0, -2.65, 0])
        extra = [("correct", f"differs by more than {MOVED} (of the {SHOWN_DIMS} shown)", "dot")] if len(marks[0]) else []
        key = self.value_key(*extra)
        self.play(FadeIn(heads), FadeIn(verdict, shift=0.2 * UP), Create(marks), *fade_replace(self.key, key),
                  run_time=share(self, 0.9))
