"""No sense of order (article figs. 3–4): a network that reads words independently gives the same
answer for a sentence and its shuffle; a recurrent network does not. Both computed, not asserted."""
from __future__ import annotations

import random

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, VGroup

from scenes.kit import ExplainerScene, StateColumn, label, pick_dims
from scenes.kit.mobjects import WordFlow


def shuffled(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A fixed reordering of the words that differs from the original (reversed when all else fails)."""
    order = list(range(len(tokens)))
    random.Random(len(tokens)).shuffle(order)
    out = tuple(tokens[i] for i in order)
    return out if out != tokens else tuple(reversed(tokens))


class NoOrder(ExplainerScene):
    title = "A plain network has no sense of order"
    shown_dims = 8

    def construct(self) -> None:
        self.show_sentences()
        self.bag_of_words()
        self.recurrent()

    def show_sentences(self) -> None:
        tr = self.tr
        self.other_tokens = shuffled(tr.source_tokens)
        self.other = self.trace_of(" ".join(self.other_tokens), tr.model)
        self.beat("shuffle", "Take a sentence and shuffle its words. To a reader the meaning is gone.")
        self.add(self.heading())
        self.add(self.footnote(self.provenance(extra="word vectors of the trained model; "
                                                      f"{self.shown_dims} of {tr.source_embeddings.shape[1]} "
                                                      "dimensions shown")))
        rows = VGroup()
        for name, tokens in (("sentence", tr.source_tokens), ("shuffled", self.other_tokens)):
            words = WordFlow(tokens, [self.theme.source] * len(tokens), width=10.0, font_size=26)
            rows.add(VGroup(label(name, 20, self.theme.muted), words).arrange(RIGHT, buff=0.4, aligned_edge=UP))
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.3).next_to(self.heading(), DOWN, buff=0.35).set_x(0)
        self.rows = rows
        self.play(FadeIn(rows[0]), run_time=1.0)
        self.play(FadeIn(rows[1]), run_time=1.0)

    def panel(self, title: str, a: np.ndarray, b: np.ndarray, dims, vmax: float, x: float,
              verdict: str, color: str) -> VGroup:
        """A titled pair of columns (sentence, shuffled) with a verdict beneath, under the sentences."""
        cols = VGroup(StateColumn(a, vmax, dims, cell=0.26, numbers=True),
                      StateColumn(b, vmax, dims, cell=0.26, numbers=True)).arrange(RIGHT, buff=0.25)
        tags = VGroup(*[label(n, 16, self.theme.muted).next_to(c, UP, buff=0.12)
                        for n, c in zip(("sentence", "shuffled"), cols)])
        head = label(title, 22, self.theme.text).next_to(tags, UP, buff=0.15)
        foot = label(verdict, 22, color).next_to(cols, DOWN, buff=0.2)
        panel = VGroup(head, tags, cols, foot)
        panel.move_to([x, 0, 0]).shift((self.rows.get_bottom()[1] - 0.3 - panel.get_top()[1]) * UP)
        return panel

    def bag_of_words(self) -> None:
        tr, other = self.tr, self.other
        a, b = tr.source_embeddings.mean(axis=0), other.source_embeddings.mean(axis=0)
        same = bool(np.array_equal(np.sort(tr.source_embeddings, axis=0), np.sort(other.source_embeddings, axis=0)))
        gap = float(np.abs(a - b).max())
        self.beat("bag", "A plain feed-forward network that takes each word on its own and pools them sees the "
                         f"same thing both times: here the pooled word vectors differ by at most {gap:.0e}, "
                         "rounding error.")
        vmax = float(np.abs(tr.source_embeddings).max())
        dims = pick_dims(tr.source_embeddings, self.shown_dims)
        verdict = "identical" if same and gap < 1e-5 else f"max difference {gap:.1e}"
        panel = self.panel("average of word vectors", a, b, dims, vmax, -3.4, verdict, self.theme.right)
        self.play(FadeIn(panel[:3], lag_ratio=0.05), run_time=1.5)
        self.play(FadeIn(panel[3]), run_time=0.6)

    def recurrent(self) -> None:
        tr, other = self.tr, self.other
        a, b = tr.encoder_states[-1], other.encoder_states[-1]
        moved = int((np.abs(a - b) > 0.1).sum())
        self.beat("rnn", f"A recurrent network reads in order, so its final state changes: {moved} of its "
                         f"{len(a)} dimensions move by more than 0.1. Order reaches the model at last.")
        dims = pick_dims(np.stack([a, b]), self.shown_dims)
        panel = self.panel("recurrent network's final state", a, b, dims, tr.state_range, 3.4,
                           f"{moved} of {len(a)} dims differ by > 0.1", self.theme.wrong)
        self.play(FadeIn(panel[:3], lag_ratio=0.05), run_time=1.5)
        self.play(FadeIn(panel[3]), run_time=0.6)
        self.wait(2.0)
