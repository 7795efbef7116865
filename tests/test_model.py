import hashlib
from pathlib import Path
import json

import pytest
import torch

from model import corpus
from model.networks import SOS
from model.trace import MODELS_DIR, load_model, model_info
from model.train import MODEL_NAMES, Recipe, encode_batch, evaluate, train_one

TARGET_ATTENTION_TOKEN = 0.95
TARGET_ATTENTION_EXACT_UP_TO_30 = 0.95


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_shipped_weights_match_their_sha256(name):
    info = model_info(name)
    digest = hashlib.sha256((MODELS_DIR / f"{name}.safetensors").read_bytes()).hexdigest()
    assert digest == info["sha256"]
    assert not list(MODELS_DIR.glob("*.pt")) and not list(MODELS_DIR.glob("*.pkl"))


def test_attention_model_meets_targets_on_the_test_split(grammar_splits):
    info = model_info("attention")
    ev = evaluate(load_model("attention"), grammar_splits.test, info["vocab"]["source"], info["vocab"]["target"])
    assert ev == info["evaluation"]  # the stored figures are the ones the shipped weights give
    for bucket, stats in ev.items():
        assert stats["n"] >= 200
        assert stats["token_accuracy"] >= TARGET_ATTENTION_TOKEN, bucket
    for bucket in ("1-10", "11-20", "21-30"):
        assert ev[bucket]["exact_match"] >= TARGET_ATTENTION_EXACT_UP_TO_30, bucket


def test_plain_model_shows_the_bottleneck(grammar_splits):
    info = model_info("plain")
    ev = evaluate(load_model("plain"), grammar_splits.test, info["vocab"]["source"], info["vocab"]["target"])
    assert ev == info["evaluation"]
    assert ev["1-10"]["exact_match"] - ev["31-40"]["exact_match"] >= 0.30
    attention = model_info("attention")["evaluation"]
    assert all(attention[b]["exact_match"] > ev[b]["exact_match"] for b in ev)


def test_padding_gets_exactly_zero_attention():
    net = load_model("attention")
    info = model_info("attention")
    pairs = [corpus.Pair(("the", "cat"), ("le", "chat")),
             corpus.Pair(tuple("the european economic area".split()), tuple("la zone économique européenne".split()))]
    index_s = {t: i for i, t in enumerate(info["vocab"]["source"])}
    index_t = {t: i for i, t in enumerate(info["vocab"]["target"])}
    src, src_len, _, _ = encode_batch(pairs, index_s, index_t)
    states, hidden = net.encode(src, src_len)
    mask = torch.arange(src.shape[1])[None] < src_len[:, None]
    _, _, info_step = net.step(torch.tensor([SOS, SOS]), hidden, states, mask)
    alpha = info_step["alpha"]
    assert torch.all(alpha[0, 2:] == 0.0)
    assert torch.allclose(alpha.sum(-1), torch.ones(2))


def _tiny_run(tmp_path, tag, splits):
    recipe = Recipe(hidden=8, enc_hidden=4, epochs=1, batch_size=32)
    return train_one("attention", splits, 7, tmp_path / tag, {"kind": "grammar", "seed": 7}, recipe=recipe)


def test_training_is_deterministic_for_a_seed(tmp_path):
    pairs = corpus.generate_pairs(7, 600)
    splits = corpus.split_pairs(pairs, 7, test_per_bucket=20, valid_per_bucket=5)
    first, second = _tiny_run(tmp_path, "a", splits), _tiny_run(tmp_path, "b", splits)
    assert first["sha256"] == second["sha256"]
    assert (tmp_path / "a" / "attention.safetensors").read_bytes() == (tmp_path / "b" / "attention.safetensors").read_bytes()
    saved = json.loads((tmp_path / "a" / "attention.json").read_text(encoding="utf-8"))
    assert set(saved["evaluation"]) == {"1-10", "11-20", "21-30", "31-40"}
    assert saved["architecture"]["name"] == "attention" and saved["vocab"]["source"][:4] == ["<pad>", "<sos>", "<eos>", "<unk>"]


def test_lstm_gates_replayed_by_hand_match_torch():
    from model.networks import run_trace

    info = model_info("lstm")
    index = {t: i for i, t in enumerate(info["vocab"]["source"])}
    rec = run_trace(load_model("lstm"), [index[t] for t in "the big dog sees a cat".split()], 20, 3)
    assert rec["lstm_check"] < 1e-5


def test_a_model_trained_on_your_own_pairs_is_traced_from_its_folder(tmp_path):
    """The new-language-pair path: TSV → train → ATTENTION_MODELS_DIR → trace, with its language names."""
    import os
    import subprocess
    import sys

    pairs = corpus.generate_pairs(5, 300)
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("\n".join(f"{' '.join(p.source)}\t{corpus.detokenise(list(p.target))}" for p in pairs),
                   encoding="utf-8")
    splits = corpus.tsv_splits(tsv)
    info = {"kind": "tsv", "file": tsv.name, "languages": ["Anglais", "Français"]}
    recipe = Recipe(hidden=8, enc_hidden=4, epochs=1, batch_size=32)
    for name in ("attention", "plain"):
        train_one(name, splits, 5, tmp_path / "models", info, recipe=recipe)
    sentence = " ".join(splits.train[0].source)
    code = ("import json, sys; from model.trace import trace, languages; t = trace(sys.argv[1]); "
            "print(json.dumps([t.model, t.reference_tokens, languages('attention')]))")
    env = {**os.environ, "ATTENTION_MODELS_DIR": str(tmp_path / "models")}
    out = subprocess.run([sys.executable, "-c", code, sentence], cwd=Path(__file__).resolve().parent.parent,
                         env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["attention", None, ["Anglais", "Français"]]
