"""A second language pair, end to end: a pair file written by a tiny generator below (an invented
English→German-like mapping: capitalised nouns, gender agreement, a name with an apostrophe, no
elision), trained in seconds through `python -m model.train`'s own main, then read back the way a
user's commands read it."""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys

import pytest

from model import corpus
from model import trace as trace_mod
from model.trace import ROOT

# English noun → (German-like noun, gender); the article agrees with the gender and the case.
NOUNS = {"dog": ("Hund", "m"), "cat": ("Katze", "f"), "house": ("Haus", "n"), "tree": ("Baum", "m"),
         "city": ("Stadt", "f"), "book": ("Buch", "n")}
ADJECTIVES = {"red": "rot", "small": "klein", "old": "alt", "green": "grün"}
VERBS = {"sees": "sieht", "likes": "mag", "finds": "findet"}
NAMES = ("D'Arcy", "Anna")  # kept as written on both sides: German does not elide
ARTICLES = {("nom", "m"): "der", ("nom", "f"): "die", ("nom", "n"): "das",
            ("acc", "m"): "den", ("acc", "f"): "die", ("acc", "n"): "das"}


def noun_phrase(rng: random.Random, case: str) -> tuple[list[str], list[str]]:
    if rng.random() < 0.15:
        name = rng.choice(NAMES)
        return [name], [name]
    noun = rng.choice(sorted(NOUNS))
    german, gender = NOUNS[noun]
    adjs = rng.sample(sorted(ADJECTIVES), rng.choice((0, 1, 1, 2)))
    ending = "en" if (case, gender) == ("acc", "m") else "e"
    return (["the", *adjs, noun],
            [ARTICLES[case, gender], *(ADJECTIVES[a] + ending for a in adjs), german])


def sentence(rng: random.Random) -> tuple[str, str]:
    """A noun phrase alone, or one or two clauses: `subject verb object [and subject verb object]`."""
    if rng.random() < 0.4:
        en, de = noun_phrase(rng, "nom")
    else:
        en, de = [], []
        for k in range(rng.choice((1, 1, 2))):
            se, sd = noun_phrase(rng, "nom")
            oe, od = noun_phrase(rng, "acc")
            verb = rng.choice(sorted(VERBS))
            en += (["and"] if k else []) + [*se, verb, *oe]
            de += (["und"] if k else []) + [*sd, VERBS[verb], *od]
    en[0], de[0] = en[0][:1].upper() + en[0][1:], de[0][:1].upper() + de[0][1:]  # as a sentence is written
    return " ".join(en) + ".", " ".join(de) + "."


def write_pairs(path, n: int = 400, seed: int = 3) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = {}
    while len(pairs) < n:
        en, de = sentence(rng)
        pairs.setdefault(en, de)
    path.write_text("# an invented English→German-like pair file\n"
                    + "".join(f"{en}\t{de}\n" for en, de in pairs.items()), encoding="utf-8")
    return list(pairs.items())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The pair file, the models trained on it with `python -m model.train` (one process, 5 epochs:
    a few seconds) and what training printed."""
    from model.train import main

    folder = tmp_path_factory.mktemp("own-pair")
    pairs = write_pairs(folder / "de.tsv")
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        code = main(["--pairs", str(folder / "de.tsv"), "--languages", "English", "German", "--epochs", "5",
                     "--out", str(folder / "models"), "--jobs", "1"])
    assert code == 0, printed.getvalue()
    cards = {n: json.loads((folder / "models" / f"{n}.json").read_text(encoding="utf-8"))
             for n in ("plain", "attention", "lstm")}
    return {"folder": folder, "models": folder / "models", "pairs": pairs, "printed": printed.getvalue(),
            "cards": cards}


@pytest.fixture
def own_models(trained, monkeypatch):
    """model.trace pointed at the trained folder (as ATTENTION_MODELS_DIR does), caches cleared."""
    def clear():
        for cached in (trace_mod.model_info, trace_mod.load_model, trace_mod._file_references):
            cached.cache_clear()

    clear()
    monkeypatch.setattr(trace_mod, "MODELS_DIR", trained["models"])
    yield trained
    clear()


def splits_of(trained):
    from model.train import load_splits

    return load_splits(str(trained["folder"] / "de.tsv"), 0, ["English", "German"])[0]


def test_case_and_words_with_apostrophes_are_kept(own_models):
    card = own_models["cards"]["attention"]
    source, target = card["vocab"]["source"], card["vocab"]["target"]
    assert {"Hund", "Katze", "Der", "D'Arcy"} <= set(target) and "hund" not in target
    assert {"The", "the", "D'Arcy"} <= set(source)
    assert card["corpus"]["tokens"]["target"] == {"elided": [], "lowercase": False, "words": "unicode"}  # German: no elision
    assert card["corpus"]["tokens"]["exact_ignores_case"] is False
    tr = trace_mod.trace("D'Arcy sees the red dog.")
    assert tr.source_tokens == ("D'Arcy", "sees", "the", "red", "dog")
    assert tr.reference_tokens is None or "D'Arcy" in tr.reference_tokens


def test_the_reference_is_the_files_own_translation(own_models):
    splits = splits_of(own_models)
    for pair in (splits.train[0], splits.test[0]):
        tr = trace_mod.trace(" ".join(pair.source))
        assert tr.reference_tokens == pair.target
        assert any(t[:1].isupper() for t in tr.reference_tokens[1:])  # a German noun keeps its capital
        assert tr.text(tr.reference_tokens) == corpus.detokenise(list(pair.target), "German")
    in_file = {tuple(corpus.tokenise(en, "English")) for en, _ in own_models["pairs"]}
    made_up = ("Anna", "sees", "Anna", "and", "D'Arcy", "finds", "D'Arcy")
    assert made_up not in in_file
    tr = trace_mod.trace(" ".join(made_up))
    assert tr.reference_tokens is None and tr.exact is None


def test_a_typed_sentence_keeps_its_case_unless_the_source_was_lowercased(own_models):
    with pytest.raises(trace_mod.TraceInputError, match=r"'anna' \(closest known: Anna"):
        trace_mod.check_sentence("anna sees the dog")
    assert trace_mod.check_sentence("Anna sees the dog") == ["Anna", "sees", "the", "dog"]


def test_the_default_example_is_a_short_test_sentence_the_attention_model_gets_right(own_models):
    example = own_models["cards"]["attention"]["default_example"]
    assert trace_mod.default_sentence() == trace_mod.default_sentence("plain") == example["sentence"]
    tokens = tuple(corpus.tokenise(example["sentence"], "English"))
    assert example == {"sentence": example["sentence"], "split": "test", "exact": True}
    assert tokens in {p.source for p in splits_of(own_models).test} and len(tokens) <= 10
    tr = trace_mod.trace()   # no sentence: the default example
    assert tr.source_tokens == tokens and tr.exact is True


def test_training_prints_the_table_the_cap_and_plain_warnings(own_models):
    printed = " ".join(own_models["printed"].split())  # rich wraps at the terminal's width
    attention = own_models["cards"]["attention"]["evaluation"]
    assert "test split: at most 10 % of each length bucket" in printed
    assert "exact match on the test split, by source length" in printed
    for name in ("plain", "attention", "lstm"):
        assert f"{name} " in printed
    weak = [b for b, v in attention.items() if v["n"] and v["exact_match"] < 0.9]
    assert weak, "5 epochs on 360 pairs should leave a length below 90 %"
    assert "warning: The attention model translates fewer than 90% of the test sentences exactly" in printed
    for bucket in weak:
        assert f"{bucket} words: {attention[bucket]['exact_match']:.1%}" in printed
    steps = own_models["cards"]["attention"]["training"]["steps"]
    assert f"This run made {steps:,} steps: try --epochs" in printed and f"add pairs of {' and '.join(weak)} words" in printed


def test_the_advice_follows_the_measurement():
    from model.report import ENOUGH_STEPS, training_warnings

    def card(steps, exact):
        evaluation = {"1-10": {"exact_match": 1.0, "n": 50}, "11-20": {"exact_match": exact, "n": 40},
                      "21-30": {"exact_match": None, "n": 0}, "31-40": {"exact_match": None, "n": 0}}
        return {"name": "attention", "evaluation": evaluation, "training": {"steps": steps}, "recipe": {"epochs": 10}}

    counts = {"1-10": 500, "11-20": 400, "21-30": 3, "31-40": 0}
    assert training_warnings([card(ENOUGH_STEPS, 0.95)], counts) == [
        "No test sentence has 21-30 words, so how well the attention model translates them is not measured "
        "(it learnt from 3 pairs of that length)."]
    few_steps = " ".join(training_warnings([card(1000, 0.5)], counts))
    assert "try --epochs 40 (about 4,000 steps), and add pairs of 11-20 words (this run learnt from 400)" in few_steps
    tiny = " ".join(training_warnings([card(100, 0.5)], counts))   # never beyond the measured 4× the epochs
    assert "try --epochs 40 (about 400 steps)" in tiny
    enough = " ".join(training_warnings([card(5000, 0.5)], counts))
    assert "--epochs" not in enough and "add pairs of 11-20 words" in enough
    assert training_warnings([{**card(1000, 0.5), "name": "plain"}], counts) == []


def test_the_cli_uses_the_stored_default_and_keeps_case(own_models):
    env = {**os.environ, "ATTENTION_MODELS_DIR": str(own_models["models"])}
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True}
    example = own_models["cards"]["attention"]["default_example"]["sentence"]
    vocab = subprocess.run([sys.executable, "render.py", "vocab"], **run)
    assert vocab.returncode == 0, vocab.stderr
    assert f'default example (used when no sentence is given): "{example}"' in vocab.stdout
    assert "English words" in vocab.stdout
    out = subprocess.run([sys.executable, "render.py", "trace", "--json"], **run)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert " ".join(data["source_tokens"]) == " ".join(corpus.tokenise(example, "English"))
    assert data["reference_tokens"] == [t for t in data["target_tokens"] if t != "<eos>"]
    assert any(t[:1].isupper() for t in data["target_tokens"])


def test_a_card_from_before_still_works(own_models, tmp_path, monkeypatch):
    """A card without the token rules, references and default example (written by an earlier
    version): read the old way (lower case), no references, and a clear message for the default."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(own_models["models"], old)
    for name in ("plain", "attention", "lstm"):
        card = json.loads((old / f"{name}.json").read_text(encoding="utf-8"))
        for key in ("references", "default_example"):
            card.pop(key, None)
        card["corpus"].pop("tokens")
        (old / f"{name}.json").write_text(json.dumps(card), encoding="utf-8")
    monkeypatch.setattr(trace_mod, "MODELS_DIR", old)
    trace_mod.model_info.cache_clear()
    with pytest.raises(trace_mod.TraceInputError, match="store no default example"):
        trace_mod.default_sentence()
    tr = trace_mod.trace("the red dog", use_cache=False)   # lower-cased as the old reader did
    assert tr.reference_tokens is None and tr.target_elided is None


def test_case_folding_is_only_what_the_user_asks_for(own_models):
    import dataclasses

    from model.train import load_splits

    tsv = str(own_models["folder"] / "de.tsv")
    splits, info = load_splits(tsv, 0, ["English", "German"], lowercase_source=True, fold_case=True)
    pair = splits.train[0]
    assert all(t == t.lower() for t in pair.source) and any(t[:1].isupper() for t in pair.target)
    assert info["tokens"]["source"]["lowercase"] and info["tokens"]["exact_ignores_case"]
    tr = trace_mod.trace()
    shouting = dataclasses.replace(tr, reference_tokens=tuple(t.upper() for t in tr.output_words))
    assert shouting.exact is False                                      # as written by default
    assert dataclasses.replace(shouting, exact_ignores_case=True).exact is True


def test_names_say_which_model_set_drew_them(own_models, tmp_path):
    """Shipped and own renders into one --out never share a file; shipped names stay as they were."""
    import re
    import shutil

    from output.film import Film
    from output.jobs import SHIPPED_MODELS_DIR, RenderJob, model_set_tag
    from scenes.catalog import BY_KEY, Example

    def job(models_dir, **kwargs):
        example = Example(sentence=trace_mod.DEFAULT_SENTENCE, models_dir=models_dir, **kwargs)
        return RenderJob(scene=BY_KEY["rnn-relay"], example=example, out=tmp_path)

    assert model_set_tag(SHIPPED_MODELS_DIR) is None
    assert job(SHIPPED_MODELS_DIR).stem == "rnn-relay"
    assert job(SHIPPED_MODELS_DIR, model="lstm", theme="light").stem == "rnn-relay--lstm--light"
    tag = model_set_tag(own_models["models"])
    assert re.fullmatch(r"models-[0-9a-f]{8}", tag)
    assert job(own_models["models"]).stem == f"rnn-relay--{tag}"
    assert job(own_models["models"], model="lstm").stem == f"rnn-relay--{tag}--lstm"
    assert not set(job(own_models["models"]).outputs.values()) & set(job(SHIPPED_MODELS_DIR).outputs.values())
    film = Film(example=Example(sentence="the cat", models_dir=own_models["models"]), out=tmp_path)
    assert film.path.name == f"film--the-cat--{tag}.mp4"

    copy = tmp_path / "Meine Modelle"   # the same weights elsewhere: the same weights' hash
    shutil.copytree(own_models["models"], copy)
    assert model_set_tag(copy) == "meine-modelle-" + tag.rsplit("-", 1)[1]
    card = json.loads((copy / "plain.json").read_text(encoding="utf-8"))
    card["sha256"] = "0" * 64   # retrained: other weights, another tag at once
    (copy / "plain.json").write_text(json.dumps(card), encoding="utf-8")
    retrained = model_set_tag(copy)
    assert retrained.startswith("meine-modelle-") and retrained[-8:] != tag[-8:]


def test_every_scene_speaks_of_the_pair_and_never_of_french(own_models, tmp_path):
    """Every scene's narration and on-screen text for the German-like pair, through the scenes' own
    code (tests/scene_text.py): the pair's language names, none of the built-in French (its name,
    its words, its word-order facts), nothing about the shipped models."""
    import re

    from output import speech
    from scenes.catalog import SCENES

    env = {**os.environ, "ATTENTION_MODELS_DIR": str(own_models["models"]),
           "ATTENTION_TRACE_CACHE": str(tmp_path / "traces"), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "tests/scene_text.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    scenes = json.loads(run.stdout)
    assert list(scenes) == [entry.key for entry in SCENES]
    shipped = json.loads((ROOT / "assets" / "models" / "attention.json").read_text(encoding="utf-8"))["vocab"]
    mine = own_models["cards"]["attention"]["vocab"]
    french_words = set(shipped["target"]) - set(shipped["source"]) - set(mine["source"]) - set(mine["target"])
    french_words -= {"<pad>", "<sos>", "<eos>", "<unk>"}
    french_facts = re.compile(r"French|Fran[cç]ais|after the noun|mirror|different order|says last|gender|"
                              r"elision|assets/models|european economic area", re.IGNORECASE)
    other_languages = re.compile(r"\b(French|Spanish|Italian|Catalan|Portuguese|Dutch)\b")
    said = []
    for key, found in scenes.items():
        assert found["beats"], key
        for text in found["beats"] + found["texts"]:
            assert not french_facts.search(text), (key, text)
            assert not other_languages.search(text), (key, text)
            assert not set(re.findall(r"[\w'’]+", text.lower())) & french_words, (key, text)
            said.append(text)
        for text in found["beats"]:  # what the voices read (output.speech): nothing a voice would skip
            assert speech.unspoken(speech.spoken(text)) == [], (key, speech.spoken(text))
    everything = " ".join(said)
    assert "German" in everything and "English" in everything   # the names given to --languages
    # word order is told from the alignment's links (tests/test_russian_pair.py), and special tokens as ‹eos›
    from test_russian_pair import assert_order_told_truly

    from scenes.kit import alignment
    assert_order_told_truly(scenes["alignment-heatmap"]["beats"], alignment.trace_facts(trace_mod.trace()), "German",
                            "English")
    assert not re.search(r"<(eos|sos|unk)>", " ".join(t for found in scenes.values() for t in found["beats"] + found["texts"]))
    assert "diagonal" not in " ".join(scenes["alignment-heatmap"]["beats"])   # order is read from crossing links
    bottleneck = " ".join(scenes["context-bottleneck"]["beats"])
    longest = max(len(corpus.tokenise(en, "English")) for en, _ in own_models["pairs"])
    # the long-sentence beat takes the file's longest sentence, not the 3-to-5-word default example
    assert f"sentence ({longest} words)" in bottleneck or f"a sentence of {longest} words" in bottleneck


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
