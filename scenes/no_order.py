"""No sense of order (article figs. 3-4). The article's point: a feed-forward network keeps nothing
from one input to the next, so to take in a sentence it must combine its word vectors, here by
averaging them (one simple way), and an average is the same for a sentence and its shuffle (computed). Then the real
recurrent chain of the shown model (its cell named once in the film, here: the `plain` model is a
GRU) reads both orders, and its final states replace the averages: how far apart they end up is said
and shown as a share of a state's size (computed; it changes when they do not differ). How the
state is handed on step by step is rnn-relay's idea, not this chapter's."""
from __future__ import annotations

import numpy as np
from manim import (
    UP,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    ReplacementTransform,
    SurroundingRectangle,
    VGroup,
)

from model.names import DESIGNS
from scenes.kit import ExplainerScene, label
from scenes.kit.claims import cell_intro
from scenes.kit.layout import inside_margin
from scenes.kit.mobjects import fade_replace
from scenes.kit.order_stage import (  # noqa: F401  (the tests read the claims' pieces from here)
    MOVED,
    ORDER_TITLE,
    SAME_STATE,
    VERDICT_Y,
    OrderGaps,
    OrderStage,
    order_gaps,
    pooling_verdict,
    shuffled_order,
)
from scenes.kit.pacing import share, until_said


def shuffled(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A fixed reordering of the words that differs from the original (reversed when all else fails)."""
    return tuple(tokens[i] for i in shuffled_order(tokens))


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


def final_sentence(g: OrderGaps) -> str:
    """What the two final states say about order, as it is."""
    if not g.far:
        return (f"Yet the two final states end up almost the same, {g.final:.2f} apart: here the order "
                "barely reached the end of the chain.")
    return (f"Same words, other order: the two final states end up {g.final:.2f} apart, "
            f"{g.share}% of a state's own size (its distance from zero), and {g.moved} of their {g.dims} numbers "
            f"move by more than {MOVED}. The state carries the order.")


class NoOrder(ExplainerScene):
    title = "Without memory, no sense of order"

    def construct(self) -> None:
        self.shuffle()
        self.pool()
        self.recurrent()
        self.apart()

    def shuffle(self) -> None:
        tr = self.tr
        self.order = shuffled_order(tr.source_tokens)
        self.other = self.trace_of(" ".join(tr.source_tokens[i] for i in self.order), tr.model)
        self.stage = st = OrderStage(tr, self.other, self.order)
        self.beat("shuffle", "Take a sentence and shuffle its words. To a reader the meaning is gone, or changed.")
        self.title_mob = self.heading()
        self.add(self.title_mob)
        self.add(self.footnote(self.provenance(extra=st.footnote_extra())))
        self.play(FadeIn(st.top, lag_ratio=0.1), FadeIn(st.tags[0]), run_time=1.2)
        # every word travels from its place in the sentence to its place in the shuffle
        copies = VGroup(*[st.top[i].copy() for i in self.order])
        self.add(copies)
        self.play(*[c.animate.move_to(st.bottom[k]) for k, c in enumerate(copies)], FadeIn(st.tags[1]),
                  run_time=share(self, 0.9, at_least=2.5))
        self.remove(*copies)  # play() added each copy on its own
        self.add(st.bottom)

    def pool(self) -> None:
        """Each picture comes as its words are said (pacing.until_said): the words one by one (each
        input alone), their vectors, the same vector moved, the averaging, the verdict."""
        st, tr, other, th = self.stage, self.tr, self.other, self.theme
        same, gap = st.same_average, st.average_gap
        moved = same_vectors_moved(tr.source_embeddings, other.source_embeddings, self.order)
        start = ("A feed-forward network has no memory: each input goes in alone, and nothing is kept for the "
                 "next. Under each word is its vector, as our trained model embeds it"
                 + (", the same wherever the word stands. " if moved else ". ")
                 + "One simple way to take in a whole sentence without memory is to average the vectors, ")
        if same:
            diff = ("exactly equal" if gap == 0 else f"different by {tiny_in_words(gap)}, a rounding error")
            text = start + f"and an average forgets order: the two averages are {diff}."
        else:
            text = start + f"and the two averages differ by up to {gap:.2g}."
        self.beat("pool", text)
        top_cols, bottom_cols = st.inputs
        # each input alone: the sentence's words, one at a time
        alone = until_said(self, "Under each word")
        for word in st.top:
            self.play(Indicate(word, color=th.text, scale_factor=1.25), run_time=max(0.4, alone / len(st.top)))
        self.key = st.key()
        self.play(FadeIn(top_cols, lag_ratio=0.1), FadeIn(bottom_cols, lag_ratio=0.1), FadeIn(self.key),
                  run_time=max(1.2, until_said(self, "the same wherever") if moved else 1.5))
        if moved:  # the same vector, moved: each word's column travels to its place in the shuffle
            copies = VGroup(*[top_cols[i].copy() for i in self.order])
            self.play(*[c.animate.move_to(bottom_cols[k]) for k, c in enumerate(copies)],
                      run_time=max(1.5, until_said(self, "One simple way")))
            self.remove(*copies)  # play() added each copy on its own
        means = st.means()
        heads = VGroup(*[inside_margin(label("average", 16, th.text).next_to(m, UP, buff=0.1)) for m in means])
        # the average being taken: every word's column slides into one (copies: the columns stay)
        self.play(*[ReplacementTransform(c.copy(), means[0]) for c in top_cols],
                  *[ReplacementTransform(c.copy(), means[1]) for c in bottom_cols],
                  FadeIn(heads), run_time=max(2.0, until_said(self, "and an average") if same
                                              else until_said(self, "and the two averages")))
        equal = "the two averages are identical" + ("" if gap == 0 else " (up to rounding)")
        verdict = label(equal if same else f"the averages differ by up to {gap:.2g}", 22, th.text)
        verdict.move_to([0, VERDICT_Y + 0.12, 0])
        self.play(FadeIn(verdict, shift=0.2 * UP), run_time=1.0)
        # the verdict read: the shuffle's average laid on the sentence's, and back
        laid = means[1].copy()
        self.play(laid.animate.move_to(means[0]), run_time=max(1.0, share(self, 0.45)))
        self.play(laid.animate.move_to(means[1]), run_time=max(1.0, self.reading_time_left()))
        self.remove(laid)
        self.pooled = VGroup(means, heads, verdict)

    def recurrent(self) -> None:
        st, tr, th = self.stage, self.tr, self.theme
        self.beat("rnn", "A recurrent network does keep something: a state, handed from word to word, so what it "
                         "holds after a word depends on the words before. "
                         + cell_intro(tr.model, DESIGNS.get(tr.model)) + " It reads both orders, one word at a time.")
        title = self.heading(ORDER_TITLE)
        means, heads, verdict = self.pooled
        self.play(verdict.animate.set_opacity(0.45), *fade_replace(self.title_mob, title), run_time=0.8)
        self.title_mob = title
        # each word's vector goes into its cell, in reading order, both rows at once; the state is handed on
        n = len(tr.source_tokens)
        each = max(0.5, share(self, 0.55, at_least=2.5) / n)
        for t in range(n):
            anims = []
            for (cells, batons), inputs in zip(st.chains, st.inputs):
                anims += [FadeOut(inputs[t], target_position=cells[t], scale=0.3), FadeIn(cells[t], scale=1.3)]
                if t:
                    anims.append(Create(batons[t - 1]))
            self.play(*anims, run_time=each)
        # what comes out of each chain: its final state, where the average stood
        finals, names, outs = st.finals()
        self.play(*[ReplacementTransform(m, f) for m, f in zip(means, finals)], *fade_replace(heads, names),
                  Create(outs), *[c[-1].pulse(th.encoder) for c, _ in st.chains], run_time=share(self, 0.9))
        self.finals, self.verdict = finals, verdict

    def apart(self) -> None:
        st, th = self.stage, self.theme
        g = st.gaps
        self.beat("apart", final_sentence(g))
        verdict = st.verdict()
        boxes = VGroup(*[SurroundingRectangle(c, color=th.target, buff=0.06, stroke_width=4) for c in self.finals])
        self.play(*fade_replace(self.verdict, verdict), Create(boxes), run_time=1.2)
        # the boxes swell, not the columns (Indicate would paint every cell one colour)
        self.play(*[Indicate(b, color=th.target, scale_factor=1.08) for b in boxes],
                  *[Indicate(row, color=th.target, scale_factor=1.04) for row in (st.top, st.bottom)],
                  run_time=share(self, 0.6))
        # the last picture is OrderStage.end(): rnn-relay opens on it
        self.play(FadeOut(boxes), run_time=share(self, 0.9))
