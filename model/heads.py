"""What the Transformer's attention heads do, as far as one trace's weights show it (numpy only, no torch).

A head is named by its block and place: "encoder L1·H2" is head 2 of the encoder's layer 1. What it
does is said only when the weights show it for this sentence:
- a self-attention head "looks at the word before" (itself, the word after) when, averaged over the
  words that have such a neighbour, that position gets at least ROLE_SHARE of the weight;
- any head "looks at 'w' from everywhere" when every row gives one column at least ROLE_SHARE;
- otherwise it "spreads": no one relative position or word takes ROLE_SHARE on average.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROLE_SHARE = 0.5          # the average weight a position must get for a head to be said to look there
KINDS = {"encoder": "encoder_self_attention", "decoder": "decoder_self_attention", "cross": "cross_attention"}
KIND_TITLES = {"encoder": "encoder self-attention", "decoder": "decoder masked self-attention",
               "cross": "cross-attention (decoder → encoder)"}
OFFSETS = {-1: "the word before", 0: "itself", 1: "the word after"}


@dataclass(frozen=True)
class HeadRole:
    kind: str           # encoder, decoder or cross
    layer: int          # 1-based
    head: int           # 1-based
    role: str           # 'previous', 'self', 'next', 'word' or 'spread'
    share: float        # the average weight on what `role` names (the best one for 'spread')
    word: str | None    # the word looked at ('word' only)

    @property
    def name(self) -> str:
        return f"{self.kind} L{self.layer}·H{self.head}"

    @property
    def says(self) -> str:
        """The head's role in words, with its measured share."""
        pct = f"{100 * self.share:.0f}%"
        if self.role in ("previous", "self", "next"):
            where = OFFSETS[{"previous": -1, "self": 0, "next": 1}[self.role]]
            return f"looks at {where} ({pct} on average)"
        if self.role == "word":
            return f"gives '{self.word}' at least half its weight ({pct} on average)"  # ROLE_SHARE: not 'most'
        return f"spreads its weight (largest average share {int(100 * self.share)}%)"  # floored: never 'spreads (50%)'


def offset_share(weights: np.ndarray, offset: int) -> float | None:
    """The average weight a square attention matrix [n,n] gives position i+offset from row i, over
    the rows that have such a position (None: no row has one)."""
    n = weights.shape[0]
    rows = [i for i in range(n) if 0 <= i + offset < n]
    if not rows:
        return None
    return float(np.mean([weights[i, i + offset] for i in rows]))


def role_of(weights: np.ndarray, columns: tuple[str, ...], square: bool) -> tuple[str, float, str | None]:
    """(role, share, word) of one head's weights [rows, columns]; see the module's rules."""
    best_role, best = "spread", 0.0
    if square:
        for offset, role in ((-1, "previous"), (0, "self"), (1, "next")):
            share = offset_share(weights, offset)
            if share is not None and share > best:
                best_role, best = role, share
    column_means = weights.mean(axis=0)
    j = int(column_means.argmax())
    if column_means[j] >= ROLE_SHARE and column_means[j] > best:
        return "word", float(column_means[j]), columns[j]
    if best >= ROLE_SHARE:
        return best_role, best, None
    return "spread", max(best, float(column_means[j])), None


def head_roles(trace, kind: str) -> list[HeadRole]:
    """Every head of one kind ('encoder', 'decoder', 'cross') of a Transformer trace, layer by layer."""
    weights = getattr(trace, KINDS[kind])
    if weights is None:
        return []
    columns = tuple(trace.source_tokens) if kind != "decoder" else ("<sos>", *tuple(trace.target_tokens[:-1]))
    out = []
    for layer, per_layer in enumerate(weights, 1):
        for head, w in enumerate(per_layer, 1):
            role, share, word = role_of(np.asarray(w), columns, square=kind != "cross")
            out.append(HeadRole(kind, layer, head, role, share, word))
    return out


def causal_zeros(trace) -> bool | None:
    """Whether every decoder self-attention weight above the diagonal is exactly 0 (None: no Transformer)."""
    weights = trace.decoder_self_attention
    if weights is None:
        return None
    n = weights.shape[-1]
    above = np.triu(np.ones((n, n), dtype=bool), k=1)
    return bool((weights[..., above] == 0.0).all())
