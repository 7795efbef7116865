"""The four seq2seq variants of one controlled experiment, small enough that their states can be drawn.

All three read the sentence with the same unidirectional encoder (h_j has seen words 1..j, as in
the relay the film shows) and start decoding from its last state h_T. They differ in one thing each:
- `plain`: GRU cells; every decoder step reads the one fixed vector h_T (the bottleneck).
- `attention`: GRU cells; every decoder step reads c_i = Σ_j α_ij h_j instead (Bahdanau et al. 2014):
  e_ij = vᵀ tanh(W s_{i-1} + U h_j),  α_i = softmax_j(e_i) (padding masked).
- `lstm`: like `plain` with LSTM cells (a cell state c beside h); the trace replays its gates.
- `transformer`: no recurrence at all (Vaswani et al. 2017): a small encoder–decoder Transformer
  (TRANSFORMER: layers, heads, feed-forward size, positions), d_model = the others' hidden size.
  Every encoder word attends to every word, each decoder position to the positions before it
  (causal mask) and to every encoder output (cross-attention). Attention is computed here, by
  hand (`MultiHeadAttention`), so the weights a trace keeps are exactly the ones the model used.

Every model has `forward(src, src_len, tgt_in)` for teacher-forced training, `greedy(src, src_len,
max_len)` for batched evaluation, and `run_trace(model, src_ids, ...)` decodes one sentence keeping
every intermediate quantity as numpy arrays (the raw material of `model.trace.Trace`).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from model.names import EOS, PAD, SOS, SPECIALS  # noqa: F401  (re-exported for older imports)


@dataclass(frozen=True)
class Architecture:
    """Sizes of one variant; identical for all three but for `name` (attn is unused outside attention)."""
    name: str
    src_vocab: int
    tgt_vocab: int
    embed: int = 32
    hidden: int = 64
    attn: int = 32            # size of the additive-attention layer
    # the Transformer's own sizes (None for the recurrent variants, and left out of their cards)
    layers: int | None = None     # encoder layers = decoder layers
    heads: int | None = None      # attention heads per attention block
    ffn: int | None = None        # inner size of each feed-forward block
    positions: str | None = None  # "sinusoidal" or "learned"

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


# The Transformer's shape (chosen by measurement: README, "The models"); d_model = Recipe.hidden.
TRANSFORMER = {"layers": 2, "heads": 4, "positions": "sinusoidal"}
FFN_FACTOR = 2        # feed-forward inner size = 2 × d_model
MAX_POSITIONS = 128   # learned positions only: longer than any source (40) or decoding cap (85)


class Encoded(NamedTuple):
    """What the encoder hands the decoder."""
    states: torch.Tensor            # [B,S,H]: h_1..h_S (zeros at padding)
    last: torch.Tensor              # [B,H]: h_T, the final state
    start: object                   # the decoder's initial hidden state (built from h_T)
    keys: torch.Tensor | None       # [B,S,A]: U h_j, precomputed once (attention only)


class Step(NamedTuple):
    """One decoder step."""
    logits: torch.Tensor            # [B,V]
    hidden: object                  # the decoder's hidden state to carry on
    state: torch.Tensor             # [B,H]: s_i, the decoder state drawn in the scenes
    context: torch.Tensor           # [B,H]: what the step read about the source (h_T, or c_i)
    alpha: torch.Tensor | None = None   # [B,S] attention weights α_i
    scores: torch.Tensor | None = None  # [B,S] scores e_ij before the softmax


def architecture(name: str, src_vocab: int, tgt_vocab: int, embed: int, hidden: int, attn: int) -> Architecture:
    """The architecture a variant is built with from the shared recipe's sizes: the recurrent ones
    take them as they are; the Transformer works at d_model = hidden throughout (embeddings too)."""
    if name == "transformer":
        return Architecture(name=name, src_vocab=src_vocab, tgt_vocab=tgt_vocab, embed=hidden, hidden=hidden,
                            attn=hidden // TRANSFORMER["heads"], ffn=FFN_FACTOR * hidden, **TRANSFORMER)
    return Architecture(name=name, src_vocab=src_vocab, tgt_vocab=tgt_vocab, embed=embed, hidden=hidden, attn=attn)


def build(arch: Architecture) -> Seq2Seq:
    return {"plain": PlainSeq2Seq, "attention": AttentionSeq2Seq, "lstm": LSTMSeq2Seq,
            "transformer": TransformerSeq2Seq}[arch.name](arch)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


def _mask(src_len: torch.Tensor, width: int) -> torch.Tensor:
    return torch.arange(width)[None, :] < src_len[:, None]


def _run_rnn(rnn: nn.RNNBase, emb: torch.Tensor, src_len: torch.Tensor):
    """Run an RNN over padded inputs: its states [B,S,H] and its final hidden state (h_n, or
    (h_n, c_n) for an LSTM, taken at each row's own last word). Packing (so padding never enters
    a state) is skipped outside training when no row is padded (one sentence: much faster).
    Training always packs, so retraining follows exactly the arithmetic of the shipped weights."""
    if not rnn.training and bool((src_len == emb.shape[1]).all()):
        return rnn(emb)
    packed = pack_padded_sequence(emb, src_len, batch_first=True, enforce_sorted=False)
    out, final = rnn(packed)
    return pad_packed_sequence(out, batch_first=True, total_length=emb.shape[1])[0], final


def _last_state(states: torch.Tensor, src_len: torch.Tensor) -> torch.Tensor:
    return states[torch.arange(states.shape[0]), src_len - 1]


class Seq2Seq(nn.Module):
    """Embeddings, the unidirectional encoder and the output layer every variant shares."""
    cell_type: type[nn.RNNBase] = nn.GRU

    def __init__(self, arch: Architecture):
        super().__init__()
        self.arch = arch
        self.src_emb = nn.Embedding(arch.src_vocab, arch.embed, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(arch.tgt_vocab, arch.embed, padding_idx=PAD)
        self.encoder = self.cell_type(arch.embed, arch.hidden, batch_first=True)
        self.out = nn.Linear(2 * arch.hidden + arch.embed, arch.tgt_vocab)

    def encode(self, src: torch.Tensor, src_len: torch.Tensor) -> Encoded:
        raise NotImplementedError

    def step(self, prev: torch.Tensor, hidden, enc: Encoded, mask: torch.Tensor) -> Step:
        raise NotImplementedError

    def context_of(self, emb: torch.Tensor, src_len: torch.Tensor) -> torch.Tensor:
        """h_T from embedded words: the vector every decoder starts from (differentiable)."""
        return _last_state(_run_rnn(self.encoder, emb, src_len)[0], src_len)

    def extra_trace(self, emb: torch.Tensor) -> dict:
        """Quantities only this variant has, for one embedded sentence [S,E] (none by default)."""
        return {}

    @torch.no_grad()
    def greedy(self, src: torch.Tensor, src_len: torch.Tensor, max_len: int) -> torch.Tensor:
        """Batched greedy decoding; returns token ids [B, ≤max_len] (EOS then PAD after it)."""
        enc = self.encode(src, src_len)
        mask = _mask(src_len, src.shape[1])
        prev = torch.full((src.shape[0],), SOS, dtype=torch.long)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        hidden, out = enc.start, []
        for _ in range(max_len):
            step = self.step(prev, hidden, enc, mask)
            hidden = step.hidden
            prev = torch.where(done, torch.full_like(prev, PAD), step.logits.argmax(-1))
            out.append(prev)
            done |= prev == EOS
            if done.all():
                break
        return torch.stack(out, 1)


class _FixedContextSeq2Seq(Seq2Seq):
    """The decoder reads the one fixed vector h_T at every step (Cho et al. 2014): all it ever
    learns about the source."""

    def __init__(self, arch: Architecture):
        super().__init__(arch)
        self.decoder = self.cell_type(arch.embed + arch.hidden, arch.hidden, batch_first=True)

    def encode(self, src, src_len):
        states, final = _run_rnn(self.encoder, self.src_emb(src), src_len)
        return Encoded(states, _last_state(states, src_len), final, None)

    def forward(self, src, src_len, tgt_in):
        enc = self.encode(src, src_len)
        emb = self.tgt_emb(tgt_in)
        fixed = enc.last[:, None].expand(-1, emb.shape[1], -1)
        dec, _ = self.decoder(torch.cat([emb, fixed], -1), enc.start)
        return self.out(torch.cat([dec, fixed, emb], -1))

    def step(self, prev, hidden, enc, mask):
        emb = self.tgt_emb(prev)
        dec, hidden = self.decoder(torch.cat([emb, enc.last], -1)[:, None], hidden)
        state = dec[:, 0]
        return Step(self.out(torch.cat([state, enc.last, emb], -1)), hidden, state, enc.last)


class PlainSeq2Seq(_FixedContextSeq2Seq):
    """GRU cells; the decoder starts from h_T and never sees the other states."""
    cell_type = nn.GRU


class LSTMSeq2Seq(_FixedContextSeq2Seq):
    """LSTM cells: a cell state c runs beside h, guarded by gates; the decoder starts from (h_T, c_T)."""
    cell_type = nn.LSTM

    def extra_trace(self, emb):
        """Replays the encoder by hand for one sentence [S,E]: h, c and the four gates per step."""
        w_ih, w_hh = self.encoder.weight_ih_l0, self.encoder.weight_hh_l0
        b = self.encoder.bias_ih_l0 + self.encoder.bias_hh_l0
        size = self.arch.hidden
        h, c = torch.zeros(size), torch.zeros(size)
        hs, cs, gs = [], [], []
        for x in emb:
            i, f, g, o = (w_ih @ x + w_hh @ h + b).split(size)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            hs.append(h)
            cs.append(c)
            gs.append(torch.stack([i, f, g, o]))
        return {"encoder_cells": torch.stack(cs), "encoder_gates": torch.stack(gs), "replayed_states": torch.stack(hs)}


class AttentionSeq2Seq(Seq2Seq):
    """GRU cells; each decoder step weighs every encoder state and reads their weighted sum c_i."""
    cell_type = nn.GRU

    def __init__(self, arch: Architecture):
        super().__init__(arch)
        self.W = nn.Linear(arch.hidden, arch.attn, bias=False)
        self.U = nn.Linear(arch.hidden, arch.attn)
        self.v = nn.Linear(arch.attn, 1, bias=False)
        self.cell = nn.GRUCell(arch.embed + arch.hidden, arch.hidden)

    def encode(self, src, src_len):
        states, _ = _run_rnn(self.encoder, self.src_emb(src), src_len)
        last = _last_state(states, src_len)
        return Encoded(states, last, last, self.U(states))

    def score_terms(self, hidden, enc: Encoded):
        """The attn terms of every score, v_k·tanh(W s_{i-1} + U h_j)_k [B,S,attn]: they sum to e_ij
        (v has no bias). Only the trace reads them, to show why one score is high."""
        return self.v.weight[0] * torch.tanh(self.W(hidden)[:, None] + enc.keys)

    def _advance(self, emb, hidden, enc: Encoded, mask):
        """One decoder step before the output layer: score, softmax, weighted sum, GRU update."""
        scores = self.v(torch.tanh(self.W(hidden)[:, None] + enc.keys))[..., 0]
        scores = scores.masked_fill(~mask, float("-inf"))
        alpha = torch.softmax(scores, -1)  # exp(-inf) = 0 exactly at padding
        context = torch.bmm(alpha[:, None], enc.states)[:, 0]
        return self.cell(torch.cat([emb, context], -1), hidden), context, alpha, scores

    def step(self, prev, hidden, enc, mask):
        emb = self.tgt_emb(prev)
        hidden, context, alpha, scores = self._advance(emb, hidden, enc, mask)
        logits = self.out(torch.cat([hidden, context, emb], -1))
        return Step(logits, hidden, hidden, context, alpha, scores)

    def forward(self, src, src_len, tgt_in):
        enc = self.encode(src, src_len)
        mask = _mask(src_len, src.shape[1])
        embs = self.tgt_emb(tgt_in)
        hidden, features = enc.start, []
        for t in range(tgt_in.shape[1]):
            hidden, context, _, _ = self._advance(embs[:, t], hidden, enc, mask)
            features.append(torch.cat([hidden, context], -1))
        return self.out(torch.cat([torch.stack(features, 1), embs], -1))


class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention with `heads` heads, written out so its weights can be kept:
    weights = softmax(q kᵀ / √d_head) over the allowed keys (a masked key gets exp(-inf) = 0 exactly)."""

    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x: torch.Tensor, memory: torch.Tensor, allowed: torch.Tensor):
        """x [B,Lq,D] attends to memory [B,Lk,D] where `allowed` [B or 1,Lq,Lk] is True; returns the
        output [B,Lq,D] and the weights [B,heads,Lq,Lk] (each row sums to 1)."""
        b, lq, d = x.shape
        lk, h = memory.shape[1], self.heads
        q = self.q(x).view(b, lq, h, d // h).transpose(1, 2)
        k = self.k(memory).view(b, lk, h, d // h).transpose(1, 2)
        v = self.v(memory).view(b, lk, h, d // h).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d // h)
        weights = torch.softmax(scores.masked_fill(~allowed[:, None], float("-inf")), -1)
        return self.o((weights @ v).transpose(1, 2).reshape(b, lq, d)), weights


class _FeedForward(nn.Sequential):
    def __init__(self, d: int, inner: int):
        super().__init__(nn.Linear(d, inner), nn.ReLU(), nn.Linear(inner, d))


class EncoderLayer(nn.Module):
    """Pre-norm: x + self-attention(LN x), then x + feed-forward(LN x)."""

    def __init__(self, d: int, heads: int, inner: int):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn, self.ff = MultiHeadAttention(d, heads), _FeedForward(d, inner)

    def forward(self, x, allowed):
        y = self.norm1(x)
        out, weights = self.attn(y, y, allowed)
        x = x + out
        return x + self.ff(self.norm2(x)), weights


class DecoderLayer(nn.Module):
    """Pre-norm: masked self-attention, cross-attention to the encoder's outputs, feed-forward."""

    def __init__(self, d: int, heads: int, inner: int):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn, self.cross = MultiHeadAttention(d, heads), MultiHeadAttention(d, heads)
        self.ff = _FeedForward(d, inner)

    def forward(self, x, memory, causal, src_allowed):
        y = self.norm1(x)
        out, self_w = self.self_attn(y, y, causal)
        x = x + out
        out, cross_w = self.cross(self.norm2(x), memory, src_allowed)
        x = x + out
        return x + self.ff(self.norm3(x)), self_w, cross_w


def sinusoids(length: int, d: int) -> torch.Tensor:
    """The fixed position signals of Vaswani et al.: sin/cos at geometrically spaced frequencies."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    table = torch.zeros(length, d)
    table[:, 0::2], table[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return table


class Decoded(NamedTuple):
    """One pass of the Transformer's decoder over a prefix."""
    states: torch.Tensor            # [B,T,D]: the last layer's outputs (after its final norm)
    self_weights: list              # per layer [B,heads,T,T]: masked self-attention (0 above the diagonal)
    cross_weights: list             # per layer [B,heads,T,S]: attention to the encoder's outputs


class TransformerSeq2Seq(Seq2Seq):
    """An encoder–decoder Transformer: no recurrence; the encoder's words attend to each other,
    the decoder attends to its own earlier positions and to every encoder output."""

    def __init__(self, arch: Architecture):
        nn.Module.__init__(self)
        self.arch = arch
        d = arch.hidden
        self.src_emb = nn.Embedding(arch.src_vocab, d, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(arch.tgt_vocab, d, padding_idx=PAD)
        if arch.positions == "learned":
            self.src_pos = nn.Embedding(MAX_POSITIONS, d)
            self.tgt_pos = nn.Embedding(MAX_POSITIONS, d)
        self.encoder_layers = nn.ModuleList(EncoderLayer(d, arch.heads, arch.ffn) for _ in range(arch.layers))
        self.decoder_layers = nn.ModuleList(DecoderLayer(d, arch.heads, arch.ffn) for _ in range(arch.layers))
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(d), nn.LayerNorm(d)
        self.out = nn.Linear(d, arch.tgt_vocab)

    def _embed(self, emb: torch.Tensor, which: str) -> torch.Tensor:
        """Scaled token embeddings [B,L,D] plus their positions."""
        length, d = emb.shape[1], self.arch.hidden
        pos = getattr(self, f"{which}_pos")(torch.arange(length)) if self.arch.positions == "learned" else sinusoids(length, d)
        return emb * math.sqrt(d) + pos

    def encode_embedded(self, emb: torch.Tensor, src_len: torch.Tensor):
        """Encoder outputs [B,S,D] from token embeddings, and each layer's weights [B,heads,S,S]."""
        allowed = _mask(src_len, emb.shape[1])[:, None, :].expand(-1, emb.shape[1], -1)
        x, weights = self._embed(emb, "src"), []
        for layer in self.encoder_layers:
            x, w = layer(x, allowed)
            weights.append(w)
        return self.encoder_norm(x), weights

    def encode(self, src, src_len):
        states, _ = self.encode_embedded(self.src_emb(src), src_len)
        return Encoded(states, _last_state(states, src_len), None, None)

    def decode(self, tgt_in: torch.Tensor, memory: torch.Tensor, src_allowed: torch.Tensor) -> Decoded:
        """The decoder over a whole prefix at once (teacher forcing, or greedy decoding's each step)."""
        length = tgt_in.shape[1]
        causal = torch.ones(length, length, dtype=torch.bool).tril()[None]
        x = self._embed(self.tgt_emb(tgt_in), "tgt")
        cross_allowed = src_allowed[:, None, :].expand(-1, length, -1)
        selfs, crosses = [], []
        for layer in self.decoder_layers:
            x, self_w, cross_w = layer(x, memory, causal, cross_allowed)
            selfs.append(self_w)
            crosses.append(cross_w)
        return Decoded(self.decoder_norm(x), selfs, crosses)

    def forward(self, src, src_len, tgt_in):
        enc = self.encode(src, src_len)
        return self.out(self.decode(tgt_in, enc.states, _mask(src_len, src.shape[1])).states)

    def context_of(self, emb, src_len):
        """The last word's encoder output (no decoder starts from it; kept for the trace's `influence`)."""
        return _last_state(self.encode_embedded(emb, src_len)[0], src_len)

    @torch.no_grad()
    def greedy(self, src, src_len, max_len):
        """Batched greedy decoding: each step runs the decoder over the whole prefix (no cache)."""
        memory = self.encode(src, src_len).states
        allowed = _mask(src_len, src.shape[1])
        ys = torch.full((src.shape[0], 1), SOS, dtype=torch.long)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        out = []
        for _ in range(max_len):
            logits = self.out(self.decode(ys, memory, allowed).states[:, -1])
            prev = torch.where(done, torch.full_like(done, PAD, dtype=torch.long), logits.argmax(-1))
            out.append(prev)
            ys = torch.cat([ys, prev[:, None]], 1)
            done |= prev == EOS
            if done.all():
                break
        return torch.stack(out, 1)


@torch.no_grad()
def _run_transformer_trace(model: TransformerSeq2Seq, src_ids: list[int], max_len: int, top_k: int) -> dict:
    """Greedy-decode one sentence with the Transformer. Each step runs the decoder over the whole
    prefix; the last step's pass (its inputs: <sos> and every output but the last) holds every
    output position, so its states and weights are the ones kept: decoder self-attention [L,heads,T,T]
    with exact zeros above the diagonal, cross-attention [L,heads,T,S]. Each step's top-k comes from
    that step's own pass."""
    src = torch.tensor([src_ids])
    src_len = torch.tensor([len(src_ids)])
    emb = model.src_emb(src)
    states, enc_weights = model.encode_embedded(emb, src_len)
    allowed = _mask(src_len, src.shape[1])
    ys = torch.tensor([[SOS]])
    ids, top_ids, top_p = [], [], []
    for _ in range(max_len):
        passed = model.decode(ys, states, allowed)
        probs = torch.softmax(model.out(passed.states[0, -1]), -1)
        top = probs.topk(top_k)
        prev = int(probs.argmax())
        ids.append(prev)
        top_ids.append(top.indices.tolist())
        top_p.append(_np(top.values))
        if prev == EOS or len(ids) == max_len:
            break
        ys = torch.cat([ys, torch.tensor([[prev]])], 1)
    return {
        "source_embeddings": _np(emb[0]),
        "encoder_states": _np(states[0]),
        "context": _np(states[0, -1]),
        "influence": _influence(model, src_ids),
        "output_ids": ids,
        "decoder_states": _np(passed.states[0]),
        "top_ids": top_ids,
        "top_probs": np.stack(top_p),
        "encoder_self_attention": _np(torch.stack([w[0] for w in enc_weights])),
        "decoder_self_attention": _np(torch.stack([w[0] for w in passed.self_weights])),
        "cross_attention": _np(torch.stack([w[0] for w in passed.cross_weights])),
    }


@torch.no_grad()
def run_trace(model: Seq2Seq, src_ids: list[int], max_len: int, top_k: int) -> dict:
    """Greedy-decode one sentence, keeping every intermediate quantity the scenes draw."""
    if isinstance(model, TransformerSeq2Seq):
        return _run_transformer_trace(model, src_ids, max_len, top_k)
    src = torch.tensor([src_ids])
    src_len = torch.tensor([len(src_ids)])
    emb = model.src_emb(src)[0]
    enc = model.encode(src, src_len)
    mask = _mask(src_len, src.shape[1])
    rec: dict = {
        "source_embeddings": _np(emb),
        "encoder_states": _np(enc.states[0]),
        "context": _np(enc.last[0]),
        "influence": _influence(model, src_ids),
    }
    rec.update({k: _np(v) for k, v in model.extra_trace(emb).items()})
    steps: dict[str, list] = {"ids": [], "state": [], "alpha": [], "scores": [], "terms": [], "query": [], "context": [],
                              "top_ids": [], "top_p": []}
    prev, hidden = torch.tensor([SOS]), enc.start
    for _ in range(max_len):
        if isinstance(model, AttentionSeq2Seq):
            steps["terms"].append(_np(model.score_terms(hidden, enc)[0]))
            steps["query"].append(_np(model.W(hidden)[0]))
        step = model.step(prev, hidden, enc, mask)
        hidden = step.hidden
        top = torch.softmax(step.logits[0], -1).topk(top_k)
        prev = step.logits.argmax(-1)
        steps["ids"].append(int(prev))
        steps["state"].append(_np(step.state[0]))
        steps["top_ids"].append(top.indices.tolist())
        steps["top_p"].append(_np(top.values))
        if step.alpha is not None:
            steps["alpha"].append(_np(step.alpha[0]))
            steps["scores"].append(_np(step.scores[0]))
            steps["context"].append(_np(step.context[0]))
        if int(prev) == EOS:
            break
    rec["output_ids"] = steps["ids"]
    rec["decoder_states"] = np.stack(steps["state"])
    rec["top_ids"] = steps["top_ids"]
    rec["top_probs"] = np.stack(steps["top_p"])
    if steps["alpha"]:
        rec["attention"] = np.stack(steps["alpha"])
        rec["attention_scores"] = np.stack(steps["scores"])
        rec["step_contexts"] = np.stack(steps["context"])
        rec["score_terms"] = np.stack(steps["terms"])
        rec["score_query"] = np.stack(steps["query"])
        rec["score_keys"] = _np(enc.keys[0])
        rec["score_v"] = _np(model.v.weight[0])
    return rec


def _influence(model: Seq2Seq, src_ids: list[int]) -> np.ndarray:
    """‖∂h_T/∂(embedding of word j)‖ for each source word j: how much word j can still move the
    one vector every decoder starts from.

    The Jacobian is computed in one batched pass: the sentence is repeated once per output
    dimension k, and backpropagating Σ_k h_T[k] of copy k gives row k of the Jacobian in copy k.
    """
    emb = model.src_emb(torch.tensor([src_ids]))[0].detach()
    size = model.arch.hidden
    with torch.enable_grad():
        copies = emb.expand(size, *emb.shape).clone().requires_grad_(True)
        context = model.context_of(copies, torch.tensor([len(src_ids)] * size))
        context.diagonal().sum().backward()
    return _np(copies.grad.pow(2).sum(dim=(0, 2)).sqrt())
