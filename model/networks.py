"""The three seq2seq variants, small enough that their states can be drawn.

- `plain`: GRU encoder → one final state → GRU decoder (the bottleneck).
- `attention`: bidirectional GRU encoder + Bahdanau additive attention in the decoder:
  e_ij = vᵀ tanh(W s_{i-1} + U h_j),  α_i = softmax_j(e_i) (padding masked),  c_i = Σ_j α_ij h_j.
- `lstm`: LSTM encoder → final (h, c) → LSTM decoder; the trace recomputes its gates.

Every model has `forward(src, src_len, tgt_in)` for teacher-forced training, `greedy(src, src_len,
max_len)` for batched evaluation, and `trace(src_ids, max_len, top_k)` that decodes one sentence and
returns every intermediate quantity as numpy arrays (the raw material of `model.trace.Trace`).
"""
from __future__ import annotations

from dataclasses import dataclass, asdict

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, SOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")


@dataclass(frozen=True)
class Architecture:
    name: str
    src_vocab: int
    tgt_vocab: int
    embed: int = 32
    hidden: int = 64          # decoder hidden size; encoder too unless bidirectional
    enc_hidden: int = 64      # per direction
    attn: int = 32            # size of the additive-attention layer

    def to_dict(self) -> dict:
        return asdict(self)


def build(arch: Architecture) -> "Seq2Seq":
    return {"plain": PlainSeq2Seq, "attention": AttentionSeq2Seq, "lstm": LSTMSeq2Seq}[arch.name](arch)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


class Seq2Seq(nn.Module):
    arch: Architecture

    def encode(self, src, src_len):  # -> (states [B,T,H], decoder init state, extra)
        raise NotImplementedError

    @torch.no_grad()
    def greedy(self, src: torch.Tensor, src_len: torch.Tensor, max_len: int) -> torch.Tensor:
        """Batched greedy decoding; returns token ids [B, ≤max_len] (EOS then PAD after it)."""
        states, hidden = self.encode(src, src_len)
        mask = _mask(src_len, src.shape[1])
        batch = src.shape[0]
        prev = torch.full((batch,), SOS, dtype=torch.long)
        done = torch.zeros(batch, dtype=torch.bool)
        out = []
        for _ in range(max_len):
            logits, hidden, _ = self.step(prev, hidden, states, mask)
            prev = logits.argmax(-1)
            prev = torch.where(done, torch.full_like(prev, PAD), prev)
            out.append(prev)
            done |= prev == EOS
            if done.all():
                break
        return torch.stack(out, 1)


def _mask(src_len: torch.Tensor, width: int) -> torch.Tensor:
    return torch.arange(width)[None, :] < src_len[:, None]


def _run_rnn(rnn: nn.RNNBase, emb: torch.Tensor, src_len: torch.Tensor):
    """Run an RNN over padded inputs; packing (needed so padding never enters a state) is
    skipped outside training when no row is padded (one sentence: much faster). Training always
    packs, so retraining follows exactly the arithmetic that produced the shipped weights."""
    if not rnn.training and bool((src_len == emb.shape[1]).all()):
        return rnn(emb)
    packed = pack_padded_sequence(emb, src_len, batch_first=True, enforce_sorted=False)
    out, hidden = rnn(packed)
    return pad_packed_sequence(out, batch_first=True, total_length=emb.shape[1])[0], hidden


def _last_state(states: torch.Tensor, src_len: torch.Tensor) -> torch.Tensor:
    return states[torch.arange(states.shape[0]), src_len - 1]


def _decode_with_fixed_context(model, emb, context, hidden):
    """Teacher-forced decoding where every step sees the same vector: the encoder's last state
    (as in Cho et al. 2014) — the only thing the decoder ever learns about the source."""
    fixed = context[:, None].expand(-1, emb.shape[1], -1)
    dec, _ = model.decoder(torch.cat([emb, fixed], -1), hidden)
    return model.out(torch.cat([dec, fixed, emb], -1))


def _step_with_fixed_context(model, emb, context, hidden):
    dec, hidden = model.decoder(torch.cat([emb, context], -1)[:, None], hidden)
    return model.out(torch.cat([dec[:, 0], context, emb], -1)), hidden, dec[:, 0]


class PlainSeq2Seq(Seq2Seq):
    """The decoder starts from the encoder's last state and never sees the others."""

    def __init__(self, arch: Architecture):
        super().__init__()
        self.arch = arch
        self.src_emb = nn.Embedding(arch.src_vocab, arch.embed, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(arch.tgt_vocab, arch.embed, padding_idx=PAD)
        self.encoder = nn.GRU(arch.embed, arch.hidden, batch_first=True)
        self.decoder = nn.GRU(arch.embed + arch.hidden, arch.hidden, batch_first=True)
        self.out = nn.Linear(2 * arch.hidden + arch.embed, arch.tgt_vocab)

    def encode_embedded(self, emb, src_len):
        states, _ = _run_rnn(self.encoder, emb, src_len)
        return states, _last_state(states, src_len)

    def encode(self, src, src_len):
        states, last = self.encode_embedded(self.src_emb(src), src_len)
        return (states, last), last[None]

    def forward(self, src, src_len, tgt_in):
        (_, context), hidden = self.encode(src, src_len)
        return _decode_with_fixed_context(self, self.tgt_emb(tgt_in), context, hidden)

    def step(self, prev, hidden, states, mask):
        logits, hidden, dec = _step_with_fixed_context(self, self.tgt_emb(prev), states[1], hidden)
        return logits, hidden, {"state": dec}

    def context_of(self, emb, src_len):
        return self.encode_embedded(emb, src_len)[1]


class LSTMSeq2Seq(Seq2Seq):
    """Like `plain`, with LSTMs: a cell state c runs beside h, guarded by gates."""

    def __init__(self, arch: Architecture):
        super().__init__()
        self.arch = arch
        self.src_emb = nn.Embedding(arch.src_vocab, arch.embed, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(arch.tgt_vocab, arch.embed, padding_idx=PAD)
        self.encoder = nn.LSTM(arch.embed, arch.hidden, batch_first=True)
        self.decoder = nn.LSTM(arch.embed + arch.hidden, arch.hidden, batch_first=True)
        self.out = nn.Linear(2 * arch.hidden + arch.embed, arch.tgt_vocab)

    def encode(self, src, src_len):
        states, (h, c) = _run_rnn(self.encoder, self.src_emb(src), src_len)
        return (states, h[0]), (h, c)

    def forward(self, src, src_len, tgt_in):
        (_, context), hidden = self.encode(src, src_len)
        return _decode_with_fixed_context(self, self.tgt_emb(tgt_in), context, hidden)

    def step(self, prev, hidden, states, mask):
        logits, hidden, dec = _step_with_fixed_context(self, self.tgt_emb(prev), states[1], hidden)
        return logits, hidden, {"state": dec}

    def gates(self, emb: torch.Tensor):
        """Replays the encoder by hand for one sentence [T,E]: h, c and the four gates per step."""
        w_ih, w_hh = self.encoder.weight_ih_l0, self.encoder.weight_hh_l0
        b = self.encoder.bias_ih_l0 + self.encoder.bias_hh_l0
        hidden = self.arch.hidden
        h = torch.zeros(hidden)
        c = torch.zeros(hidden)
        hs, cs, gs = [], [], []
        for x in emb:
            i, f, g, o = (w_ih @ x + w_hh @ h + b).split(hidden)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            hs.append(h)
            cs.append(c)
            gs.append(torch.stack([i, f, g, o]))
        return torch.stack(hs), torch.stack(cs), torch.stack(gs)

    def context_of(self, emb, src_len):
        return _run_rnn(self.encoder, emb, src_len)[1][0][0]


class AttentionSeq2Seq(Seq2Seq):
    """Bahdanau et al. (2014): a bidirectional encoder whose every state the decoder can weigh."""

    def __init__(self, arch: Architecture):
        super().__init__()
        self.arch = arch
        annot = 2 * arch.enc_hidden
        self.src_emb = nn.Embedding(arch.src_vocab, arch.embed, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(arch.tgt_vocab, arch.embed, padding_idx=PAD)
        self.encoder = nn.GRU(arch.embed, arch.enc_hidden, batch_first=True, bidirectional=True)
        self.init = nn.Linear(arch.enc_hidden, arch.hidden)
        self.W = nn.Linear(arch.hidden, arch.attn, bias=False)
        self.U = nn.Linear(annot, arch.attn)
        self.v = nn.Linear(arch.attn, 1, bias=False)
        self.cell = nn.GRUCell(arch.embed + annot, arch.hidden)
        self.out = nn.Linear(arch.hidden + annot + arch.embed, arch.tgt_vocab)

    def encode_embedded(self, emb, src_len):
        states, _ = _run_rnn(self.encoder, emb, src_len)
        # s_0 from the backward state of the first word, as in the paper
        s0 = torch.tanh(self.init(states[:, 0, self.arch.enc_hidden:]))
        return states, s0

    def encode(self, src, src_len):
        states, s0 = self.encode_embedded(self.src_emb(src), src_len)
        return (states, self.U(states)), s0

    def advance(self, emb, hidden, states, mask):
        """One decoder step before the output layer: score, softmax, weighted sum, GRU update."""
        annotations, keys = states
        scores = self.v(torch.tanh(self.W(hidden)[:, None] + keys))[..., 0]
        scores = scores.masked_fill(~mask, float("-inf"))
        alpha = torch.softmax(scores, -1)  # exp(-inf) = 0 exactly at padding
        context = torch.bmm(alpha[:, None], annotations)[:, 0]
        hidden = self.cell(torch.cat([emb, context], -1), hidden)
        return hidden, context, alpha, scores

    def step(self, prev, hidden, states, mask):
        emb = self.tgt_emb(prev)
        hidden, context, alpha, scores = self.advance(emb, hidden, states, mask)
        logits = self.out(torch.cat([hidden, context, emb], -1))
        return logits, hidden, {"state": hidden, "alpha": alpha, "scores": scores, "context": context}

    def forward(self, src, src_len, tgt_in):
        states, hidden = self.encode(src, src_len)
        mask = _mask(src_len, src.shape[1])
        embs = self.tgt_emb(tgt_in)
        features = []
        for t in range(tgt_in.shape[1]):
            hidden, context, _, _ = self.advance(embs[:, t], hidden, states, mask)
            features.append(torch.cat([hidden, context], -1))
        return self.out(torch.cat([torch.stack(features, 1), embs], -1))

    def context_of(self, emb, src_len):
        return self.encode_embedded(emb, src_len)[1]


@torch.no_grad()
def run_trace(model: Seq2Seq, src_ids: list[int], max_len: int, top_k: int) -> dict:
    """Greedy-decode one sentence, keeping every intermediate quantity the scenes draw."""
    src = torch.tensor([src_ids])
    src_len = torch.tensor([len(src_ids)])
    states, hidden = model.encode(src, src_len)
    mask = _mask(src_len, src.shape[1])
    annotations = states[0]
    context = hidden[0] if isinstance(hidden, tuple) else hidden
    rec: dict = {
        "source_embeddings": _np(model.src_emb(src)[0]),
        "encoder_states": _np(annotations[0]),
        "context": _np(context.reshape(-1)),
        "influence": _influence(model, src_ids),
    }
    if isinstance(model, LSTMSeq2Seq):
        h, c, gates = model.gates(model.src_emb(src)[0])
        rec.update(encoder_cells=_np(c), encoder_gates=_np(gates), lstm_check=float((h - annotations[0]).abs().max()))
    steps: dict[str, list] = {"ids": [], "state": [], "alpha": [], "scores": [], "context": [], "top_ids": [], "top_p": []}
    prev = torch.tensor([SOS])
    for _ in range(max_len):
        logits, hidden, info = model.step(prev, hidden, states, mask)
        probs = torch.softmax(logits[0], -1)
        top = probs.topk(top_k)
        prev = logits.argmax(-1)
        steps["ids"].append(int(prev))
        steps["state"].append(_np(info["state"][0]))
        steps["top_ids"].append(top.indices.tolist())
        steps["top_p"].append(_np(top.values))
        for key in ("alpha", "scores", "context"):
            if key in info:
                steps[key].append(_np(info[key][0]))
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
    return rec


def _influence(model: Seq2Seq, src_ids: list[int]) -> np.ndarray:
    """‖∂(decoder's starting vector)/∂(embedding of word j)‖ for each source word j.

    This measures how much each word can still move the one vector the decoder starts from.
    The Jacobian is computed in one batched pass: the sentence is repeated once per output
    dimension k, and backpropagating Σ_k c_k of copy k gives row k of the Jacobian in copy k.
    """
    emb = model.src_emb(torch.tensor([src_ids]))[0].detach()
    size = model.context_of(emb[None], torch.tensor([len(src_ids)])).shape[-1]
    with torch.enable_grad():
        copies = emb.expand(size, *emb.shape).clone().requires_grad_(True)
        context = model.context_of(copies, torch.tensor([len(src_ids)] * size))
        context.diagonal().sum().backward()
    return _np(copies.grad.pow(2).sum(dim=(0, 2)).sqrt())
