"""The explorer: an offline page that runs the shipped weights in the browser (`render.py explorer`).

The folder it writes opens by double-click from file://, with no server and no network: index.html,
its style and scripts (copied from output/explorer_page/), and data.js, which holds every model of the
model set as its card (vocabularies, how text becomes tokens, sha256, evaluation) and its very
safetensors file, base64-encoded. The page parses those files itself and runs a plain-JavaScript
forward pass of exactly the cells of model/networks.py (GRU or LSTM encoder and decoder, Bahdanau's
additive attention), decoding greedily with model/trace.py's stopping rule; tests/test_explorer.py
checks it against model.trace. Data travels as a script because Chromium lets no file:// page fetch
a file (JSON, wasm) beside it.

A model whose architecture the page does not run (a future Transformer, say) is listed without its
weights, and the page names it in a note instead of running it.
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from model.files import UnsafeFile, atomic_write_text, confined, read_bounded
from model.names import DEFAULT_MODEL, design
from model.trace import TraceInputError

PAGE_DIR = Path(__file__).resolve().parent / "explorer_page"
PAGE_FILES = ("index.html", "explorer.css", "model.js", "grammar.js", "explorer.js")
# The (cell, attends) designs model.js runs; any other model is skipped with a note.
RUNS = {("GRU", False), ("GRU", True), ("LSTM", False)}
DATA_VERSION = 1
DEFAULT_SENTENCE = "the european economic area"  # the built-in models' example (model.trace's)
CARD_FIELDS = ("name", "architecture", "vocab", "max_source_len", "max_target_len", "languages", "sha256",
               "evaluation", "experiment", "default_example")
# The references of the built-in grammar are its rules (grammar.js); of a pair file, its translations.


class ExplorerError(TraceInputError):
    """A models folder the explorer cannot use; the message is meant for the user as is (bad input,
    as every TraceInputError is to the command line)."""


def model_cards(models_dir: Path) -> list[tuple[Path, dict]]:
    """Every model card in `models_dir` (a JSON file with an architecture and a sha256), attention
    first, then plain, lstm and the rest by name."""
    found = []
    for path in sorted(Path(models_dir).glob("*.json")):
        try:
            card = json.loads(read_bounded(path, "model card").decode("utf-8"))
        except (OSError, ValueError, UnsafeFile) as err:
            raise ExplorerError(f"the model card {path} cannot be read ({err.__class__.__name__}); "
                                "retrain with: python -m model.train") from None
        if isinstance(card, dict) and {"architecture", "sha256", "vocab"} <= set(card):
            found.append((path, card))
    order = {DEFAULT_MODEL: 0, "plain": 1, "lstm": 2}
    return sorted(found, key=lambda pc: (order.get(pc[0].stem, 9), pc[0].stem))


def _weights(card_path: Path, card: dict) -> bytes:
    weights = card_path.with_suffix(".safetensors")
    try:
        data = read_bounded(weights, "weights file")
    except FileNotFoundError:
        raise ExplorerError(f"{weights} is missing; retrain with: python -m model.train") from None
    except UnsafeFile as err:
        raise ExplorerError(str(err)) from None
    if hashlib.sha256(data).hexdigest() != card["sha256"]:
        raise ExplorerError(f"{weights} does not match the sha256 in {card_path.name}; "
                            "retrain with: python -m model.train")
    return data


def model_entry(card_path: Path, card: dict) -> dict:
    """One model as data.js carries it: its card's fields the page reads, and its weights (a base64
    safetensors file) when the page can run its design, else a note why it is skipped."""
    entry = {key: card[key] for key in CARD_FIELDS if key in card}
    entry["name"] = card_path.stem
    entry["tokens"] = (card.get("corpus") or {}).get("tokens")  # None: a card from before (legacy reading)
    entry["corpus_kind"] = (card.get("corpus") or {}).get("kind")
    entry["exact_ignores_case"] = bool(((card.get("corpus") or {}).get("tokens") or {}).get("exact_ignores_case", False))
    found = design(card)
    entry["design"] = None if found is None else {"cell": found[0], "attends": found[1]}
    if found in RUNS:
        entry["weights"] = base64.b64encode(_weights(card_path, card)).decode("ascii")
    else:
        kind = (card.get("architecture") or {}).get("name", "unknown")
        entry["weights"] = None
        entry["skipped"] = (f"the '{card_path.stem}' model ({kind}) is not run by this page: it runs GRU and "
                            "LSTM encoder-decoders, with or without additive attention")
    return entry


def theme_colours() -> dict:
    """The film's colours by role, both themes (scenes/kit/theme.py, the one source)."""
    from scenes.kit.theme import THEMES

    return {name: theme.roles() for name, theme in THEMES.items()}


def default_example(cards: list[tuple[Path, dict]]) -> str:
    """The example every command uses with no sentence (model.trace.default_sentence, read from these cards)."""
    for path, card in cards:
        if path.stem == DEFAULT_MODEL and (card.get("default_example") or {}).get("sentence"):
            return card["default_example"]["sentence"]
    for _, card in cards:
        if (card.get("default_example") or {}).get("sentence"):
            return card["default_example"]["sentence"]
    return DEFAULT_SENTENCE


def grammar_tables() -> dict:
    """The built-in grammar's word tables (model/corpus.py), from which the page's grammar.js makes
    its rule-based French reference and decides which sentences the grammar can make."""
    from model import corpus

    return {"nouns": corpus.NOUNS, "plurals": corpus.ENGLISH_PLURALS, "adjectives": corpus.ADJECTIVES,
            "verbs": [[*forms, *french] for forms, french in corpus.VERBS.items()],
            "np_joiners": corpus.NP_JOINERS, "clause_joiners": corpus.CLAUSE_JOINERS,
            "vowels": "".join(sorted(corpus.VOWELS))}


def references(models_dir: Path, cards: list[tuple[Path, dict]]) -> dict:
    """Where the correct translation of a sentence comes from, as model.trace.reference_of finds it:
    the built-in grammar's rules, the pair file's own translations (checked against the card's
    sha256), or nothing. Read from the attention model's card (the first card without one)."""
    path, card = next(((p, c) for p, c in cards if p.stem == DEFAULT_MODEL), cards[0])
    kind = (card.get("corpus") or {}).get("kind")
    refs = card.get("references") or {"kind": "grammar" if kind == "grammar" else "none"}
    if refs["kind"] == "grammar":
        return {"kind": "grammar", "grammar": grammar_tables()}
    if refs["kind"] == "file":
        try:
            table = confined(models_dir, refs["file"], "pair file")
            data = read_bounded(table, "pair file")
        except UnsafeFile as err:
            raise ExplorerError(str(err)) from None
        except OSError:
            raise ExplorerError(f"{Path(models_dir) / refs['file']} is missing; retrain the models in {models_dir}") from None
        if hashlib.sha256(data).hexdigest() != refs["sha256"]:
            raise ExplorerError(f"{table} does not match the sha256 in {path.name}; retrain the models")
        pairs = dict(line.split("\t") for line in data.decode("utf-8").splitlines())
        return {"kind": "file", "pairs": pairs}
    return {"kind": "none"}


def explorer_data(models_dir: Path) -> dict:
    cards = model_cards(models_dir)
    if not cards:
        raise ExplorerError(f"{models_dir} holds no model card; train models with: python -m model.train")
    models = [model_entry(path, card) for path, card in cards]
    if not any(m["weights"] for m in models):
        raise ExplorerError(f"no model in {models_dir} is one the explorer can run")
    return {"version": DATA_VERSION, "models": models, "example": default_example(cards),
            "references": references(models_dir, cards), "themes": theme_colours(),
            "models_dir": Path(models_dir).resolve().name}


def build_explorer(out: Path, models_dir: Path) -> dict:
    """Write the explorer folder into `out` (each file atomically); returns what was written:
    {"page": index.html, "models": names run, "skipped": names noted, "bytes": the folder's size}."""
    data = explorer_data(models_dir)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    script = ("// The models the explorer runs: their cards and weights (generated by render.py explorer).\n"
              "window.EXPLORER_DATA = " + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + ";\n")
    atomic_write_text(out / "data.js", script)
    for name in PAGE_FILES:
        atomic_write_text(out / name, (PAGE_DIR / name).read_text(encoding="utf-8"))
    return {"page": out / "index.html",
            "models": [m["name"] for m in data["models"] if m["weights"]],
            "skipped": [m["skipped"] for m in data["models"] if not m["weights"]],
            "bytes": sum((out / n).stat().st_size for n in (*PAGE_FILES, "data.js"))}
