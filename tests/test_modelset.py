"""The model set is a value: two sets (the shipped models and a tiny Russian-like pair trained
here) trace side by side in one process, each from its own folder, and ATTENTION_MODELS_DIR is
read in one place of the source tree."""
from __future__ import annotations

import contextlib
import io
import re

import pytest
from russian_pair import write_pairs

from model import trace as trace_mod
from model.trace import ROOT, SHIPPED_MODELS_DIR, model_set
from scenes.catalog import Example


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    """The attention model alone on 200 Russian-like pairs, 5 epochs: a few CPU seconds."""
    from model.train import main

    folder = tmp_path_factory.mktemp("tiny-set")
    write_pairs(folder / "ru.tsv", 200)
    with contextlib.redirect_stderr(io.StringIO()) as printed:
        code = main(["--pairs", str(folder / "ru.tsv"), "--languages", "English", "Russian", "--epochs", "5",
                     "--model", "attention", "--out", str(folder / "models"), "--jobs", "1"])
    assert code == 0, printed.getvalue()
    return folder / "models"


def test_two_model_sets_trace_in_one_process(tiny_set, tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_TRACE_CACHE", str(tmp_path / "traces"))
    sentence = model_set(tiny_set).default_sentence()   # the tiny set's own default example
    shipped, tiny = Example(models_dir=SHIPPED_MODELS_DIR), Example(models_dir=tiny_set, sentence=sentence)
    assert trace_mod.MODELS_DIR == SHIPPED_MODELS_DIR  # the process's default set is not the tiny one
    a, b = tiny.trace("attention"), shipped.trace("attention")
    assert a.sentence == " ".join(tiny.model_set.check_sentence(sentence, "attention"))
    assert b.sentence == "the european economic area"
    assert a.sha256 == tiny.model_set.info("attention")["sha256"] != b.sha256
    assert any(re.search("[а-я]", w) for w in a.top_tokens[0]) and not any(
        re.search("[а-я]", w) for w in b.top_tokens[0])   # each decodes into its own vocabulary
    # one set per resolved folder; each keeps its own cards, the default set's functions are untouched
    assert model_set(tiny_set) is tiny.model_set is model_set(tiny_set / ".") and model_set() is shipped.model_set
    assert tiny.model_set.trained() == ["attention"] and "plain" in shipped.model_set.trained()
    assert trace_mod.model_info("attention")["sha256"] == b.sha256
    with pytest.raises(trace_mod.TraceInputError, match="not trained yet"):
        tiny.trace("plain")
    # the worker's environment carries the set, and from_env reads it back with its own default sentence
    back = Example.from_env(tiny.to_env())
    assert back.models_dir == tiny_set.resolve() and back.trace("attention").sha256 == a.sha256
    assert Example.from_env({"ATTENTION_MODELS_DIR": str(tiny_set)}).sentence == sentence


READS = re.compile(r"""(?:environ|env)(?:\.get\(|\[)\s*(?:["']ATTENTION_MODELS_DIR["']|MODELS_DIR_ENV)|getenv\(""")


def test_the_model_set_variable_is_read_in_one_place():
    """Only model.trace's env_models_dir reads ATTENTION_MODELS_DIR (for the default set and
    Example.from_env); everything else takes a set as a value (tools and tests may set it for a child)."""
    readers = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("tests", ".venv", "vendor") or rel.parts[0].startswith("."):
            continue
        found = [m.group(0) for m in READS.finditer(path.read_text(encoding="utf-8"))
                 if "MODELS_DIR" in m.group(0)]
        if found:
            readers[str(rel)] = found
    assert readers == {"model/trace.py": ["env.get(MODELS_DIR_ENV"]}
    assert READS.search('os.environ.get("ATTENTION_MODELS_DIR")') and READS.search("env[MODELS_DIR_ENV]")
