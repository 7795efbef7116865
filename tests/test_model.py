import hashlib
import io
import itertools
import json
from pathlib import Path

import pytest
import torch

from model import corpus
from model.experiment import shared_recipe, uncontrolled
from model.names import DIFFERS_FROM_PLAIN, MODEL_NAMES, SOS
from model.trace import MODELS_DIR, checkpoints, load_model, model_info
from model.train import RECIPE, Recipe, checkpoint_steps, encode_batch, evaluate, load_splits, train_one

TARGET_ATTENTION_TOKEN = 0.95
TARGET_ATTENTION_EXACT = 0.95   # in every length bucket, 31-40 words included
TARGET_PLAIN_DROP = 0.30        # plain's exact match falls at least this much from 1-10 to 31-40
TINY = Recipe(hidden=8, embed=8, attn=4, epochs=1, batch_size=32, checkpoints=4)


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
        assert stats["exact_match"] >= TARGET_ATTENTION_EXACT, bucket


def test_plain_model_shows_the_bottleneck(grammar_splits):
    info = model_info("plain")
    ev = evaluate(load_model("plain"), grammar_splits.test, info["vocab"]["source"], info["vocab"]["target"])
    assert ev == info["evaluation"]
    assert ev["1-10"]["exact_match"] - ev["31-40"]["exact_match"] >= TARGET_PLAIN_DROP
    attention = model_info("attention")["evaluation"]
    assert all(attention[b]["exact_match"] > ev[b]["exact_match"] for b in ev)


def test_padding_gets_exactly_zero_attention():
    net = load_model("attention")
    info = model_info("attention")
    pairs = [corpus.Pair(("the", "cat"), ("le", "chat")),
             corpus.Pair(("the", "european", "economic", "area"), ("la", "zone", "économique", "européenne"))]
    index_s = {t: i for i, t in enumerate(info["vocab"]["source"])}
    index_t = {t: i for i, t in enumerate(info["vocab"]["target"])}
    src, src_len, _, _ = encode_batch(pairs, index_s, index_t)
    enc = net.encode(src, src_len)
    mask = torch.arange(src.shape[1])[None] < src_len[:, None]
    alpha = net.step(torch.tensor([SOS, SOS]), enc.start, enc, mask).alpha
    assert torch.all(alpha[0, 2:] == 0.0)
    assert torch.allclose(alpha.sum(-1), torch.ones(2))


def _tiny_run(tmp_path, tag, splits):
    return train_one("attention", splits, 7, tmp_path / tag, {"kind": "grammar", "seed": 7}, recipe=TINY)


def test_training_is_deterministic_for_a_seed(tmp_path):
    pairs = corpus.generate_pairs(7, 600)
    splits = corpus.split_pairs(pairs, 7, test_per_bucket=20, valid_per_bucket=5)
    first, second = _tiny_run(tmp_path, "a", splits), _tiny_run(tmp_path, "b", splits)
    assert first["sha256"] == second["sha256"]
    assert (tmp_path / "a" / "attention.safetensors").read_bytes() == (tmp_path / "b" / "attention.safetensors").read_bytes()
    # the checkpoints too, bit for bit
    assert [c["sha256"] for c in first["checkpoints"]] == [c["sha256"] for c in second["checkpoints"]]
    assert len(first["checkpoints"]) == TINY.checkpoints and first["checkpoints"][0]["step"] == 0
    saved = json.loads((tmp_path / "a" / "attention.json").read_text(encoding="utf-8"))
    assert set(saved["evaluation"]) == {"1-10", "11-20", "21-30", "31-40"}
    assert saved["architecture"]["name"] == "attention" and saved["vocab"]["source"][:4] == ["<pad>", "<sos>", "<eos>", "<unk>"]


def test_lstm_gates_replayed_by_hand_match_torch():
    from model.networks import run_trace

    info = model_info("lstm")
    index = {t: i for i, t in enumerate(info["vocab"]["source"])}
    rec = run_trace(load_model("lstm"), [index[t] for t in ["the", "big", "dog", "sees", "a", "cat"]], 20, 3)
    assert abs(rec["replayed_states"] - rec["encoder_states"]).max() < 1e-5


def test_a_model_trained_on_your_own_pairs_is_traced_from_its_folder(tmp_path):
    """The new-language-pair path: TSV → train → ATTENTION_MODELS_DIR → trace, with its language names."""
    import os
    import subprocess
    import sys

    pairs = corpus.generate_pairs(5, 300)
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("\n".join(f"{' '.join(p.source)}\t{corpus.FRENCH.text(p.target)}" for p in pairs),
                   encoding="utf-8")
    splits, info = load_splits(str(tsv), 5, ["Anglais", "Français"])
    for name in ("attention", "plain"):
        train_one(name, splits, 5, tmp_path / "models", info, recipe=TINY)
    sentence = " ".join(splits.train[0].source)
    assert "l'" in {t for p in splits.train for t in p.target}  # "Français" elides: l'arbre → l' arbre
    code = ("import json, sys; from model.trace import trace, languages; t = trace(sys.argv[1]); "
            "print(json.dumps([t.model, t.reference_tokens, languages('attention')]))")
    env = {**os.environ, "ATTENTION_MODELS_DIR": str(tmp_path / "models")}
    out = subprocess.run([sys.executable, "-c", code, sentence], cwd=Path(__file__).resolve().parent.parent,
                         env=env, capture_output=True, text=True, check=True)
    # the file's own translation is the reference of a sentence in it
    assert json.loads(out.stdout) == ["attention", list(splits.train[0].target), ["Anglais", "Français"]]


def test_the_three_models_differ_only_in_the_documented_thing():
    """A fair experiment: same encoder direction, sizes, optimiser, schedule, batches, epochs,
    seed and data; plain vs attention differ by the attention, plain vs lstm by the cell."""
    cards = {name: model_info(name) for name in MODEL_NAMES}
    assert cards["plain"]["recipe"]["encoder"] == "unidirectional"
    assert uncontrolled(cards) == []
    assert shared_recipe(cards) == cards["attention"]["recipe"]
    assert {n: c["experiment"]["differs_by"] for n, c in cards.items()} == DIFFERS_FROM_PLAIN


@pytest.mark.parametrize(("name", "path", "value", "expected"), [
    ("attention", ("recipe", "epochs"), 11, "attention: recipe"),
    ("lstm", ("architecture", "hidden"), 32, "lstm: architecture"),
    ("attention", ("seed",), 1, "attention: seed"),
    ("plain", ("experiment", "differs_by"), "attention", "plain: experiment"),
    ("lstm", ("training", "steps"), 1, "lstm: training.steps"),
])
def test_any_other_difference_is_caught(name, path, value, expected):
    """The fairness check is not vacuous: each kind of difference is reported."""
    import copy

    cards = {n: copy.deepcopy(model_info(n)) for n in MODEL_NAMES}
    target = cards[name]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert expected in uncontrolled(cards)


def test_the_three_models_train_within_the_time_budget():
    """≤ 300 s on 2 idle cores: attention trains in one process while plain then lstm train in the
    other (CPU seconds of one torch thread each, so other work on the machine does not count)."""
    cpu = {n: model_info(n)["training"]["cpu_seconds"] for n in MODEL_NAMES}
    assert max(cpu["attention"], cpu["plain"] + cpu["lstm"]) <= 300


def test_checkpoints_span_training_and_are_small():
    kept = checkpoints("attention")
    info = model_info("attention")
    assert len(kept) == RECIPE.checkpoints
    steps = [c["step"] for c in kept]
    assert steps == checkpoint_steps(info["training"]["steps"], RECIPE.checkpoints)
    assert steps[0] == 0 and steps[-1] == info["training"]["steps"]
    assert kept[-1]["sha256"] == info["sha256"] and kept[-1]["evaluation"] == info["evaluation"]
    total = 0
    for c in kept:
        path = MODELS_DIR / c["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == c["sha256"]
        assert all(v["n"] >= 200 for v in c["evaluation"].values())
        total += path.stat().st_size if c["file"] != "attention.safetensors" else 0
    assert total <= 5 * 2 ** 20
    # the model learns: exact match on the longest bucket rises from nothing to the target
    assert kept[0]["evaluation"]["31-40"]["exact_match"] == 0.0
    assert kept[-1]["evaluation"]["31-40"]["exact_match"] >= TARGET_ATTENTION_EXACT


def test_a_checkpoint_evaluates_to_its_stored_figures(grammar_splits):
    info = model_info("attention")
    middle = len(checkpoints("attention")) // 2
    ev = evaluate(load_model("attention", middle), grammar_splits.test, info["vocab"]["source"], info["vocab"]["target"])
    assert ev == checkpoints("attention")[middle]["evaluation"]


def test_checkpoint_steps_are_log_spaced_from_the_start():
    steps = checkpoint_steps(4000, 9)
    assert steps[0] == 0 and steps[-1] == 4000 and len(steps) == 9
    gaps = [b / a for a, b in itertools.pairwise(steps[1:])]  # after the 0 of the untrained start
    assert max(gaps) / min(gaps) < 1.1


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_each_model_fills_the_trace_fields_its_registry_entry_names(name):
    """A model's entry in model.names.CELLS says which optional Trace fields it fills; its real trace
    fills those and leaves every other optional field empty (so a scene can trust the entry)."""
    from model.names import CELLS, OPTIONAL_TRACE_FIELDS
    from model.trace import trace

    tr = trace("the european economic area", name)
    filled = {f for f in OPTIONAL_TRACE_FIELDS if getattr(tr, f) is not None}
    assert filled == set(CELLS[name].trace_fields)


def test_the_registry_orders_training_and_checkpoints():
    """The training order and the checkpointed models come from the registry, and the CPU time each
    entry records is its card's (rounded), so the order follows what was measured."""
    from model.names import CELLS
    from model.train import CHECKPOINTED, SLOWEST_FIRST

    cpu = {n: model_info(n)["training"]["cpu_seconds"] for n in MODEL_NAMES}
    assert list(SLOWEST_FIRST) == sorted(MODEL_NAMES, key=lambda n: -cpu[n])
    assert all(abs(CELLS[n].training_cpu_seconds - cpu[n]) <= max(5, 0.05 * cpu[n]) for n in MODEL_NAMES)
    assert tuple(n for n in MODEL_NAMES if checkpoints(n)) == CHECKPOINTED


def test_models_trained_in_parallel_report_every_step_of_their_progress(tmp_path, monkeypatch):
    """Workers send progress in batches of steps; each model's bar still ends at its step count,
    and the cards come back in the order asked."""
    import rich.progress
    from rich.console import Console

    from model.train import PROGRESS_EVERY, train_models

    advanced: dict[int, int] = {}

    class Recorder(rich.progress.Progress):
        def update(self, task_id, *, advance=None, **fields):
            advanced[task_id] = advanced.get(task_id, 0) + (advance or 0)
            super().update(task_id, advance=advance, **fields)

    monkeypatch.setattr(rich.progress, "Progress", Recorder)
    splits = corpus.split_pairs(corpus.generate_pairs(3, 120 + 5), 3, test_per_bucket=2, valid_per_bucket=1)
    recipe = Recipe(hidden=8, embed=8, attn=4, epochs=2, batch_size=8, checkpoints=2)
    steps = recipe.epochs * -(-len(splits.train) // recipe.batch_size)
    assert steps % PROGRESS_EVERY, "a step count that leaves a remainder after the batched messages"
    cards = train_models(["lstm", "plain"], splits, 3, tmp_path, {"kind": "grammar", "seed": 3}, jobs=2,
                         threads=1, console=Console(file=io.StringIO()), recipe=recipe)
    assert [c["name"] for c in cards] == ["lstm", "plain"]
    assert sorted(advanced.values()) == [steps, steps]
