"""Names shared by the model and everything that reads its output, importable without torch."""
from __future__ import annotations

MODEL_NAMES = ("plain", "attention", "lstm")
DEFAULT_MODEL = "attention"
# The first four entries of every vocabulary, in this order (their ids are their positions).
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
PAD, SOS, EOS, UNK = range(len(SPECIALS))
# What each variant changes against `plain` in the controlled experiment (None: the baseline).
DIFFERS_FROM_PLAIN = {"plain": None, "attention": "attention", "lstm": "cell"}


def words_of(vocab: list[str]) -> list[str]:
    """A vocabulary without its special tokens."""
    return vocab[len(SPECIALS):]
