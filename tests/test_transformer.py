"""The fourth model: a small encoder–decoder Transformer, its card, its trace (three kinds of attention
per layer and head) and what is said about its heads."""
import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from model import corpus
from model.heads import causal_zeros, head_roles, offset_share, role_of
from model.trace import ROOT, Trace, model_info, trace

EXAMPLE = "the european economic area"
TARGET_SHORT_EXACT = 0.95   # the card's 1–10-word exact match


@pytest.fixture(scope="module")
def example():
    return trace(EXAMPLE, "transformer")


def test_the_trace_has_three_kinds_of_attention_per_layer_and_head(example):
    tr, info = example, model_info("transformer")["architecture"]
    L, A = info["layers"], info["heads"]
    S, T = len(tr.source_tokens), len(tr.target_tokens)
    assert tr.encoder_self_attention.shape == (L, A, S, S)
    assert tr.decoder_self_attention.shape == (L, A, T, T)
    assert tr.cross_attention.shape == (L, A, T, S)
    assert tr.attention is None and tr.decoder_states.shape == (T, info["hidden"])
    for kind in ("encoder_self_attention", "decoder_self_attention", "cross_attention"):
        weights = getattr(tr, kind)
        assert weights.dtype == np.float32 and (weights >= 0).all()
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5, err_msg=kind)
    above = np.triu(np.ones((T, T), dtype=bool), k=1)
    assert (tr.decoder_self_attention[..., above] == 0.0).all()       # the causal mask, exactly
    assert (tr.decoder_self_attention[..., ~above] > 0.0).all()       # …and nothing else is masked
    assert causal_zeros(tr) is True


def test_the_example_is_translated_exactly_and_the_trace_round_trips(example):
    assert example.exact and example.translation == "la zone économique européenne"
    back = Trace.from_json(example.to_json())
    for f in dataclasses.fields(Trace):
        a, b = getattr(example, f.name), getattr(back, f.name)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, f.name


def test_the_weights_kept_are_what_each_decoding_step_computed():
    """Decoding's last pass holds every row; each step's own pass computed the same row before."""
    import torch

    from model.networks import _mask
    from model.trace import load_model

    net, info = load_model("transformer"), model_info("transformer")
    index = {t: i for i, t in enumerate(info["vocab"]["source"])}
    tgt_index = {t: i for i, t in enumerate(info["vocab"]["target"])}
    tr = trace("the big dog sees a red car", "transformer")
    src = torch.tensor([[index[t] for t in tr.source_tokens]])
    memory = net.encode(src, torch.tensor([src.shape[1]])).states
    prefix = [1] + [tgt_index[t] for t in tr.target_tokens[:-1]]   # <sos> and every output but the last
    with torch.no_grad():
        for i in range(1, len(prefix) + 1):
            step = net.decode(torch.tensor([prefix[:i]]), memory, _mask(torch.tensor([src.shape[1]]), src.shape[1]))
            assert int(net.out(step.states[0, -1]).argmax()) == tgt_index[tr.target_tokens[i - 1]]
            for layer in range(len(step.self_weights)):
                np.testing.assert_allclose(step.self_weights[layer][0, :, -1].numpy(),
                                           tr.decoder_self_attention[layer, :, i - 1, :i], atol=1e-5)
                np.testing.assert_allclose(step.cross_weights[layer][0, :, -1].numpy(),
                                           tr.cross_attention[layer, :, i - 1], atol=1e-5)


def test_padding_gets_exactly_zero_weight_in_a_batch():
    import torch

    from model.trace import load_model

    net = load_model("transformer")
    src = torch.tensor([[4, 5, 6, 7], [4, 5, 0, 0]])
    _, weights = net.encode_embedded(net.src_emb(src), torch.tensor([4, 2]))
    for w in weights:
        assert (w[1, :, :, 2:] == 0.0).all()
        torch.testing.assert_close(w.sum(-1), torch.ones_like(w.sum(-1)))


def test_the_card_meets_its_target_and_its_figures_are_the_weights(grammar_splits):
    from model.trace import load_model
    from model.train import evaluate

    info = model_info("transformer")
    assert info["evaluation"]["1-10"]["exact_match"] >= TARGET_SHORT_EXACT
    assert info["experiment"] == {"baseline": "plain", "differs_by": "architecture"}
    assert all(0 <= b["bleu"] <= 100 for b in info["evaluation"].values())
    assert "sacrebleu" in info["bleu_signature"] or "nrefs:1" in info["bleu_signature"]
    short = [p for p in grammar_splits.test if len(p.source) <= 10]
    ev = evaluate(load_model("transformer"), short, info["vocab"]["source"], info["vocab"]["target"])
    assert ev["1-10"] == info["evaluation"]["1-10"]


def test_the_four_models_share_everything_but_the_architecture():
    import copy

    from model.experiment import shared_recipe, uncontrolled
    from model.names import MODEL_NAMES

    cards = {n: model_info(n) for n in MODEL_NAMES}
    assert "transformer" in cards and uncontrolled(cards) == [] and shared_recipe(cards)
    for key, value, expected in ((("seed",), 1, "transformer: seed"),
                                 (("training", "steps"), 1, "transformer: training.steps"),
                                 (("experiment", "differs_by"), "cell", "transformer: experiment")):
        changed = copy.deepcopy(cards)
        target = changed["transformer"]
        for k in key[:-1]:
            target = target[k]
        target[key[-1]] = value
        assert expected in uncontrolled(changed)


def test_retraining_a_tiny_transformer_gives_the_same_bytes(tmp_path):
    from model.train import Recipe, train_one

    tiny = Recipe(hidden=8, embed=8, attn=4, epochs=1, batch_size=32)
    pairs = corpus.generate_pairs(7, 200)
    splits = corpus.split_pairs(pairs, 7, test_per_bucket=3, valid_per_bucket=1)
    cards = [train_one("transformer", splits, 7, tmp_path / tag, {"kind": "grammar", "seed": 7}, recipe=tiny)
             for tag in "ab"]
    assert cards[0]["sha256"] == cards[1]["sha256"]
    assert (tmp_path / "a" / "transformer.safetensors").read_bytes() == (tmp_path / "b" / "transformer.safetensors").read_bytes()
    assert cards[0]["architecture"]["layers"] >= 1 and cards[0]["architecture"]["heads"] >= 2


def test_the_cli_traces_all_three_kinds_and_names_the_heads():
    run = lambda *a: subprocess.run([sys.executable, "render.py", "trace", *a], cwd=ROOT, capture_output=True,
                                    text=True, check=True).stdout
    data = json.loads(run(EXAMPLE, "--model", "transformer", "--json"))
    for kind in ("encoder_self_attention", "decoder_self_attention", "cross_attention"):
        assert np.asarray(data[kind]).ndim == 4, kind
    shown = run("--model", "transformer")
    assert "cross-attention L1·H1" in shown and "encoder L2·H" in shown and "decoder L1·H1" in shown


# What a head is said to do: only what its weights show, and nothing when they do not.

def test_a_head_that_looks_back_is_said_to_and_a_spread_one_is_not():
    n = 5
    previous = np.eye(n, k=-1)
    previous[0, 0] = 1.0
    assert role_of(previous, tuple("abcde"), square=True)[0] == "previous"
    assert role_of(np.eye(n), tuple("abcde"), square=True)[0] == "self"
    uniform = np.full((n, n), 1 / n)
    role, share, _ = role_of(uniform, tuple("abcde"), square=True)
    assert role == "spread" and share < 0.5
    half = 0.45 * np.eye(n, k=-1) + 0.55 / n   # 0.45 + 0.11 on the word before: just above half
    half[0] = 1 / n
    assert offset_share(half, -1) > 0.5 and role_of(half, tuple("abcde"), square=True)[0] == "previous"
    below = 0.3 * np.eye(n, k=-1) + 0.7 / n
    below[0] = 1 / n
    assert role_of(below, tuple("abcde"), square=True)[0] == "spread"


def test_a_head_said_to_look_at_one_word_gives_it_half_its_weight_on_average():
    w = np.full((3, 4), 0.1)
    w[:, 2] = 0.7
    assert role_of(w, ("the", "big", "dog", "runs"), square=False)[:3:2] == ("word", "dog")
    w[1] = [0.6, 0.1, 0.2, 0.1]   # one row looks elsewhere; 'dog' still gets 53% on average: still said
    assert role_of(w, ("the", "big", "dog", "runs"), square=False)[0] == "word"
    w[2] = [0.1, 0.7, 0.1, 0.1]   # 30% on average: no longer said; the head spreads
    role, share, word = role_of(w, ("the", "big", "dog", "runs"), square=False)
    assert role == "spread" and word is None and share < 0.5


def test_a_causal_mask_is_said_only_when_the_zeros_are_there(example):
    broken = example.decoder_self_attention.copy()
    broken[0, 0, 0, 1] = 1e-9
    assert causal_zeros(dataclasses.replace(example, decoder_self_attention=broken)) is False
    assert causal_zeros(trace(EXAMPLE, "attention")) is None
    roles = head_roles(example, "encoder")
    layers, heads = example.encoder_self_attention.shape[:2]
    assert [r.name for r in roles][:2] == ["encoder L1·H1", "encoder L1·H2"] and len(roles) == layers * heads


# What the last chapters say, fed weights and cards where each claim is false.

def test_the_heads_narration_names_only_what_the_weights_show():
    from model.heads import HeadRole
    from scenes.story import heads_narration

    spread = [HeadRole("encoder", 1 + k // 2, 1 + k % 2, "spread", 0.3, None) for k in range(4)]
    text = heads_narration(spread, 2, 2)
    assert "none of the 4" in text and "word before" not in text and "'" not in text.split("way.")[1]
    back = [HeadRole("encoder", 1, 1, "previous", 0.7, None), *spread[1:]]
    text = heads_narration(back, 2, 2)
    assert "1 of the 4 gives the word before at least half its weight on average (L1·H1)" in text
    assert "the other 3 spread their weight, as L1·H2 does" in text
    assert " does" not in heads_narration(spread, 2, 2)   # all spread: no one head is singled out
    words = [HeadRole("encoder", 1, 1, "word", 0.6, "the"), HeadRole("encoder", 2, 2, "word", 0.9, "the"), *spread[1:3]]
    text = heads_narration(words, 2, 2)
    assert "L1·H1 and L2·H2 give 'the' at least half their weight on average" in text and "most" not in text
    # a head that gives its word 50 % on average: half, never 'most'
    half = HeadRole("encoder", 1, 4, "word", 0.5, "the")
    assert half.says == "gives 'the' at least half its weight (50% on average)"


def test_the_mask_is_narrated_only_when_its_zeros_are_in_the_weights(example):
    from scenes.story import mask_narration

    assert "exactly 0" in mask_narration(True, 5, 2, 4) and "10 weights above" in mask_narration(True, 5, 2, 4)
    assert "exactly 0" not in mask_narration(False, 5, 2, 4) and "no mask is claimed" in mask_narration(False, 5, 2, 4)
    assert "nothing ahead" in mask_narration(True, 1, 2, 4)


def test_the_length_curve_says_where_the_transformer_does_not_win():
    from scenes.length_curve import Bucket, versus_sentence

    def points(*values):   # BLEU by group (exact match does not decide this comparison)
        return [Bucket(lo, lo + 9, 50.0, 250, v) for lo, v in zip((1, 11, 21, 31), values)]

    behind = versus_sentence(points(100, 100, 100, 99.89), points(98.75, 96.66, 92.06, 73.6))
    assert behind == ("Trained the same way, the Transformer trails attention at every length: "
                      "by 1.2 BLEU points on 1–10 words, by 26 on 31–40.")
    mixed = versus_sentence(points(90, 60, 30, 10), points(99, 60.5, 20, 5))
    assert "ahead on 1–10 words; level (within 1 point) on 11–20 words; behind on 21–30 and 31–40 words" in mixed
    assert "does not beat attention everywhere" in mixed
    ahead = versus_sentence(points(50, 40, 30, 20), points(60, 50, 40, 30))
    assert "behind" not in ahead and "not beat" not in ahead
    level = versus_sentence(points(50, 40, 30, 20), points(50, 40.5, 30, 19.5))
    assert "level (within 1 point) on" in level and "anywhere" in level
    one = versus_sentence(points(100)[:1], points(98.96)[:1])
    assert one == "Trained the same way, the Transformer trails attention by 1.0 BLEU point."
    assert "level (within 1 point)" in versus_sentence(points(100)[:1], points(99)[:1])   # 1 point: within noise


def test_still_learning_is_said_only_when_the_last_epoch_lowered_the_loss():
    from scenes.length_curve import still_learning

    assert still_learning(model_info("transformer"))   # 0.1423 → 0.1182 in the shipped card
    assert not still_learning({"training": {"epoch_loss": [0.5, 0.2, 0.21]}})
    assert not still_learning({"training": {"epoch_loss": [0.5]}}) and not still_learning({})


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
