import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from model import trace as trace_mod
from model.trace import GATE_NAMES, TOP_K, Trace, TraceInputError, trace

ROOT = trace_mod.ROOT
EXAMPLE = "the european economic area"
LONG = ("the big dog sees the european economic area and some small cats like the green garden "
        "but the young student finds a red car")


@pytest.fixture(scope="module", params=["plain", "attention", "lstm"])
def any_trace(request):
    return trace("The European Economic Area.", request.param)


def test_every_field_has_its_documented_shape_and_dtype(any_trace):
    tr = any_trace
    S, T = len(tr.source_tokens), len(tr.target_tokens)
    assert tr.source_tokens == ("the", "european", "economic", "area")
    assert tr.target_tokens[-1] == "<eos>"
    assert tr.source_embeddings.shape[0] == S
    assert tr.encoder_states.shape[0] == S and tr.encoder_states.ndim == 2
    assert tr.decoder_states.shape[0] == T and tr.context.ndim == 1
    assert tr.influence.shape == (S,) and (tr.influence > 0).all()
    assert tr.top_probs.shape == (T, TOP_K) and len(tr.top_tokens) == T
    assert all(len(row) == TOP_K for row in tr.top_tokens)
    assert (np.diff(tr.top_probs, axis=1) <= 0).all() and (tr.top_probs[:, 0] > 0).all()
    for f in dataclasses.fields(Trace):
        value = getattr(tr, f.name)
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, f.name
    if tr.model == "attention":
        assert tr.attention.shape == tr.attention_scores.shape == (T, S)
        assert tr.step_contexts.shape == (T, tr.encoder_states.shape[1])
        # c_i really is the α-weighted sum of the encoder states
        np.testing.assert_allclose(tr.step_contexts, tr.attention @ tr.encoder_states, atol=1e-5)
    else:
        assert tr.attention is None and tr.attention_scores is None and tr.step_contexts is None
        # the bottleneck: what the decoder starts from is the encoder's last state
        np.testing.assert_allclose(tr.context, tr.encoder_states[-1], atol=1e-6)
    if tr.model == "lstm":
        assert tr.encoder_cells.shape == tr.encoder_states.shape
        assert tr.encoder_gates.shape == (S, len(GATE_NAMES), tr.encoder_states.shape[1])
        sig = tr.encoder_gates[:, [0, 1, 3]]
        assert (sig >= 0).all() and (sig <= 1).all()
        # h = o * tanh(c): the gates shown are the ones that produced the states
        np.testing.assert_allclose(tr.encoder_states, tr.encoder_gates[:, 3] * np.tanh(tr.encoder_cells), atol=1e-5)
    else:
        assert tr.encoder_cells is None and tr.encoder_gates is None


def test_attention_rows_are_distributions():
    tr = trace(LONG, "attention")
    assert (tr.attention >= 0).all()
    np.testing.assert_allclose(tr.attention.sum(axis=1), 1.0, atol=1e-5)


def test_json_round_trip_is_exact(any_trace):
    back = Trace.from_json(any_trace.to_json())
    for f in dataclasses.fields(Trace):
        a, b = getattr(any_trace, f.name), getattr(back, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), f.name
        else:
            assert a == b, f.name


def test_article_example_is_translated_with_reordered_alignment():
    tr = trace(EXAMPLE, "attention")
    assert tr.translation == "la zone économique européenne" and tr.exact
    best = {out: tr.source_tokens[int(row.argmax())] for out, row in zip(tr.target_tokens, tr.attention)}
    assert best["zone"] == "area"
    assert best["économique"] == "economic"
    assert best["européenne"] == "european"


def test_plain_model_loses_a_long_sentence_that_attention_keeps():
    assert trace(LONG, "attention").exact
    plain = trace(LONG, "plain")
    assert plain.exact is False
    # early words barely move the plain model's final state
    assert plain.influence[0] < plain.influence[-1]


def test_cache_serves_the_same_trace_without_torch(tmp_path):
    first = trace(EXAMPLE, "attention")
    cached = trace(EXAMPLE, "attention")
    assert np.array_equal(first.attention, cached.attention)
    code = ("import sys; from model.trace import trace; t = trace('the european economic area'); "
            "print(t.translation); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["la zone économique européenne", "False"]


@pytest.mark.parametrize("sentence, message", [
    ("", "empty"),
    ("   \t ", "empty"),
    ("?! ...", "no words"),
    ("the european economc aera", "economc' (closest known: economic"),
    ("the zebra", "'zebra'"),
    (" ".join(["the cat"] * 21), "42 words; the model reads at most 40"),
])
def test_bad_input_gets_one_clear_message(sentence, message):
    with pytest.raises(TraceInputError, match=None) as err:
        trace(sentence, "attention")
    assert message in str(err.value)


def test_unknown_model_is_refused():
    with pytest.raises(TraceInputError, match="unknown model 'gpt'"):
        trace(EXAMPLE, "gpt")
