import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _private_trace_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own trace cache so tests never read a stale user cache."""
    monkeypatch.setenv("ATTENTION_TRACE_CACHE", str(tmp_path_factory.getbasetemp() / "trace-cache"))


@pytest.fixture(scope="session")
def grammar_splits():
    from model import corpus

    return corpus.grammar_splits(0)
