import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """For pytest-xdist's `--dist loadgroup` (`make test`): a test file is one group, so its module
    fixtures (trained models, servers, slides) are made once on one worker, unless a test names its
    own group (tests/test_scenes.py: one per scene). The scene groups come first (with
    --no-loadscope-reorder, groups are handed out in this order): the long work is shared out early."""
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.path.name))
            # xdist groups by a "@group" suffix of the test's id, which its own hook (already run on the
            # workers, before this conftest's) adds for the marks it saw then: add it the same way
            if getattr(config.option, "loadgroup", False) and "@" not in item.nodeid:
                item._nodeid = f"{item.nodeid}@{item.path.name}"
    items.sort(key=lambda item: item.path.name != "test_scenes.py")  # stable: file order otherwise


@pytest.fixture(autouse=True)
def _private_trace_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own trace cache so tests never read a stale user cache."""
    monkeypatch.setenv("ATTENTION_TRACE_CACHE", str(tmp_path_factory.getbasetemp() / "trace-cache"))


@pytest.fixture(scope="session")
def grammar_splits():
    from model import corpus

    return corpus.grammar_splits(0)
