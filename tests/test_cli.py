import json
import subprocess
import sys

import pytest

from model.trace import ROOT


def run(*args):
    return subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True, text=True)


def test_trace_json_schema():
    out = run("trace", "the european economic area", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("source_tokens", "target_tokens", "encoder_states", "context", "attention", "model"):
        assert key in data
    assert data["model"]["name"] == "attention" and len(data["model"]["sha256"]) == 64
    assert len(data["attention"]) == len(data["target_tokens"])
    assert all(len(row) == len(data["source_tokens"]) for row in data["attention"])


def test_trace_table_and_plain_model():
    out = run("trace", "The European Economic Area.")
    assert out.returncode == 0
    assert "la zone économique européenne" in out.stdout and "européenne" in out.stdout
    plain = run("trace", "the european economic area", "--model", "plain", "--json")
    assert plain.returncode == 0 and json.loads(plain.stdout)["attention"] is None


@pytest.mark.parametrize(("args", "message"), [
    (("trace", ""), "empty"),
    (("trace", "the zebra"), "zebra"),
    (("trace", "the cat", "--model", "gpt"), "gpt"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    out = run(*args)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == ""


def test_vocab_lists_the_known_words():
    out = run("vocab")
    assert out.returncode == 0 and "european" in out.stdout and "adjectives" in out.stdout


def test_vocab_prints_the_grammar_line_and_the_default_example_intact():
    out = run("vocab")
    assert "noun phrase [verb noun phrase] [(and|or|but|with) …]" in " ".join(out.stdout.split())
    assert 'default example (used when no sentence is given): "the european economic area"' in out.stdout


def test_trace_of_40_words_stays_readable_at_80_columns():
    from model.corpus import sentence_of_length

    sentence = sentence_of_length(40)
    out = subprocess.run([sys.executable, "render.py", "trace", sentence], cwd=ROOT, capture_output=True, text=True,
                         env={**__import__("os").environ, "COLUMNS": "80"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in out.stdout.split("(exact)")[-1]
    headers = [line.split() for line in lines if line.startswith(" output ↓")]
    assert len(headers) > 1  # split into several tables of consecutive source words…
    assert [word for header in headers for word in header[2:]] == sentence.split()  # …every column, in order
