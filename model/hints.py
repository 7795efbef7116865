"""The training command a message suggests: one that is safe to paste.

It names the model set's folder (`--out`) and, for a set trained on a pair file, that file, its
languages and its options, read from any readable card of the set; the shipped set is named with
`--force`, the only way `python -m model.train` replaces it. No torch here: these are error paths.
"""
from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from model.files import UnsafeFile, read_bounded

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = (ROOT / "assets" / "models").resolve()
DEFAULT_EPOCHS = 10  # model.train.RECIPE.epochs (a test keeps them equal)
DEFAULT_SEED = 0


def shown_path(folder: Path) -> str:
    """`folder` as a user would type it here: relative to the current folder when inside it."""
    folder = Path(folder).resolve()
    try:
        return os.path.relpath(folder) if folder.is_relative_to(Path.cwd()) else str(folder)
    except (OSError, ValueError):
        return str(folder)


def set_card(folder: Path, prefer: str | None = None) -> dict | None:
    """A readable card of the set (the named model's first), for how the set was trained."""
    folder = Path(folder)
    names = ([f"{prefer}.json"] if prefer else []) + sorted(p.name for p in folder.glob("*.json"))
    for name in dict.fromkeys(names):
        try:
            card = json.loads(read_bounded(folder / name, "model card").decode("utf-8"))  # never a /dev/zero whole
        except (OSError, ValueError, UnsafeFile):
            continue
        if isinstance(card, dict) and isinstance(card.get("corpus"), dict):
            return card
    return None


def retrain_command(folder: Path, model: str | None = None) -> str:
    """`python -m model.train [--model NAME] [--pairs FILE --languages A B ...] --out FOLDER [--force]`
    for the set in `folder`, trained as its cards say it was."""
    folder = Path(folder).resolve()
    card = set_card(folder, model) or {}
    corpus = card.get("corpus", {})
    args = ["python", "-m", "model.train"]
    if model:
        args += ["--model", model]
    if corpus.get("kind") == "tsv" or (not card and folder != SHIPPED):
        args += ["--pairs", str(corpus.get("file") or "YOUR_PAIRS.tsv")]
        languages = corpus.get("languages")
        if isinstance(languages, list) and len(languages) == 2 and languages != ["source", "target"]:
            args += ["--languages", *map(str, languages)]
        tokens = corpus.get("tokens") or {}
        if (tokens.get("source") or {}).get("lowercase"):
            args.append("--lowercase-source")
        if tokens.get("exact_ignores_case"):
            args.append("--fold-case")
    epochs = (card.get("recipe") or {}).get("epochs", DEFAULT_EPOCHS)
    if epochs != DEFAULT_EPOCHS:
        args += ["--epochs", str(epochs)]
    if card.get("seed", DEFAULT_SEED) != DEFAULT_SEED:
        args += ["--seed", str(card["seed"])]
    args += ["--out", shown_path(folder)]
    if folder == SHIPPED:
        args.append("--force")  # retraining reproduces the shipped weights; `git checkout assets/models` too
    return shlex.join(args)
