"""Names shared by the model and everything that reads its output, importable without torch."""
from __future__ import annotations

MODEL_NAMES = ("plain", "attention", "lstm", "transformer")
DEFAULT_MODEL = "attention"
# The first four entries of every vocabulary, in this order (their ids are their positions).
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
PAD, SOS, EOS, UNK = range(len(SPECIALS))
# What each variant changes against `plain` in the controlled experiment (None: the baseline).
# ("architecture": the whole network differs, so the cards' sizes may too; everything else is shared.)
DIFFERS_FROM_PLAIN = {"plain": None, "attention": "attention", "lstm": "cell", "transformer": "architecture"}
# What each architecture a card names is built from (model.networks.build; a test checks they agree):
# its recurrent cell (None: no recurrence) and whether its decoder attends.
DESIGNS = {"plain": ("GRU", False), "attention": ("GRU", True), "lstm": ("LSTM", False), "transformer": (None, True)}


def design(card: dict) -> tuple[str, bool] | None:
    """(cell, attends) of the model a card describes, from the architecture it records (None: a card
    without a known architecture, about which nothing is said)."""
    return DESIGNS.get((card.get("architecture") or {}).get("name"))


def design_note(card: dict) -> str:
    """'GRU, no attention' / 'GRU + attention' / 'self-attention, no recurrence' for a legend ('' when the card does not say)."""
    found = design(card)
    if found is None:
        return ""
    cell, attends = found
    if cell is None:
        return "self-attention, no recurrence"
    return f"{cell} + attention" if attends else f"{cell}, no attention"


def words_of(vocab: list[str]) -> list[str]:
    """A vocabulary without its special tokens."""
    return vocab[len(SPECIALS):]
