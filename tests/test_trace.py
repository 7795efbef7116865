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
        # the terms shown in bahdanau-steps are the score's own: they add up to e_ij, from their parts
        np.testing.assert_allclose(tr.score_terms.sum(-1), tr.attention_scores, atol=1e-4)
        np.testing.assert_allclose(tr.score_terms, tr.score_v * np.tanh(tr.score_query[:, None] + tr.score_keys[None]),
                                   atol=1e-5)
    else:
        assert tr.attention is None and tr.attention_scores is None and tr.step_contexts is None
        assert tr.score_terms is None and tr.score_query is None
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


@pytest.mark.parametrize(("sentence", "message"), [
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


def test_checkpoints_show_alpha_being_learned():
    """Untrained weights spread α over the sentence; the final weights align it."""
    first = trace(EXAMPLE, "attention", checkpoint=0)
    last_k = len(trace_mod.checkpoints("attention")) - 1
    last = trace(EXAMPLE, "attention", checkpoint=last_k)
    assert first.checkpoint == 0 and first.training_step == 0
    assert last.training_step == trace_mod.checkpoints("attention")[-1]["step"]
    assert not np.array_equal(first.attention[:1], last.attention[:1])
    assert np.mean(first.attention.max(axis=1) < 0.9) > 0.5          # spread on most rows
    final = trace(EXAMPLE, "attention")
    assert final.checkpoint is None and final.sha256 == last.sha256
    np.testing.assert_array_equal(final.attention, last.attention)  # the last checkpoint is the final model
    assert last.translation == "la zone économique européenne"


@pytest.mark.parametrize(("model", "checkpoint", "message"), [
    ("attention", 99, "checkpoint 99 does not exist"),
    ("plain", 0, "trained without checkpoints; use --model attention"),
])
def test_a_missing_checkpoint_is_refused_clearly(model, checkpoint, message):
    with pytest.raises(TraceInputError) as err:
        trace(EXAMPLE, model, checkpoint=checkpoint)
    assert message in str(err.value)


def test_editing_the_code_that_computes_a_trace_misses_the_cache(tmp_path):
    """Traces are keyed on the model code: an edited copy of model/ computes a fresh trace."""
    import shutil

    for tag, edit in (("same", False), ("edited", True)):
        shutil.copytree(ROOT / "model", tmp_path / tag / "model", ignore=shutil.ignore_patterns("__pycache__"))
        if edit:
            with open(tmp_path / tag / "model" / "networks.py", "a", encoding="utf-8") as f:
                f.write("\n# an edit\n")
    env = {**__import__("os").environ, "ATTENTION_MODELS_DIR": str(trace_mod.MODELS_DIR),
           "ATTENTION_TRACE_CACHE": str(tmp_path / "cache")}
    code = "from model.trace import trace; trace('the european economic area')"
    for tag in ("same", "same", "edited"):
        subprocess.run([sys.executable, "-c", code], cwd=tmp_path / tag, env={**env, "PYTHONPATH": str(tmp_path / tag)},
                       check=True, capture_output=True)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2   # one per version of the code


def test_decoding_stops_at_a_length_that_fits_the_source():
    """An untrained checkpoint never writes the end token: it stops at 2 × 4 + 5 words."""
    tr = trace(EXAMPLE, "attention", checkpoint=0)
    assert not tr.finished and len(tr.target_tokens) == 2 * 4 + 5
    assert trace(EXAMPLE, "attention").finished
