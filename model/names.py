"""Names shared by the model and everything that reads its output, importable without torch."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ModelCell:
    """One network the film can show, everything the code needs to know of it in one entry: a fifth
    model is one more entry here (plus its module in model.networks, whose `build` a test checks
    against this), and the training order, the experiment record, the cell drawn, the colours in
    comparisons and the trace fields checked all follow."""
    name: str
    cell: str | None               # its recurrent cell ('GRU', 'LSTM'); None: no recurrence
    attends: bool                  # whether its decoder reads the encoder through attention
    differs_from_plain: str | None  # what it changes against `plain` in the controlled experiment (None: the baseline;
    # "architecture": the whole network differs, so the cards' sizes may too; everything else is shared)
    trace_fields: tuple[str, ...]  # the optional Trace fields its trace fills (the others stay None)
    color_dark: str                # its colour wherever models are compared, in each theme
    color_light: str
    legend: str                    # what that colour stands for (the palette's documentation)
    training_cpu_seconds: int      # measured on this machine (its card): the longest trains first
    checkpointed: bool = False     # keeps training checkpoints (the film shows its learning)


CELLS = {cell.name: cell for cell in (
    ModelCell(name="plain", cell="GRU", attends=False, differs_from_plain=None, trace_fields=(),
              color_dark="#C9A27E", color_light="#8B5E34", legend="the plain (GRU, no attention) model in comparisons",
              training_cpu_seconds=133),
    ModelCell(name="attention", cell="GRU", attends=True, differs_from_plain="attention",
              trace_fields=("attention", "attention_scores", "step_contexts", "score_terms", "score_query", "score_keys",
                            "score_v"),
              color_dark="#22D3EE", color_light="#0F766E", legend="the attention model in comparisons",
              training_cpu_seconds=238, checkpointed=True),
    ModelCell(name="lstm", cell="LSTM", attends=False, differs_from_plain="cell",
              trace_fields=("encoder_cells", "encoder_gates"),
              color_dark="#F472B6", color_light="#A61E4D", legend="the LSTM model in comparisons",
              training_cpu_seconds=91),
    ModelCell(name="transformer", cell=None, attends=True, differs_from_plain="architecture",
              trace_fields=("encoder_self_attention", "decoder_self_attention", "cross_attention"),
              color_dark="#FFB000", color_light="#92400E", legend="the transformer model in comparisons",
              training_cpu_seconds=333),
)}
MODEL_NAMES = tuple(CELLS)
DEFAULT_MODEL = "attention"
# The first four entries of every vocabulary, in this order (their ids are their positions).
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
PAD, SOS, EOS, UNK = range(len(SPECIALS))
# Views of the registry, for the readers of before.
DIFFERS_FROM_PLAIN = {c.name: c.differs_from_plain for c in CELLS.values()}
# (cell, attends) of each architecture a card names (model.networks.build; a test checks they agree).
DESIGNS = {c.name: (c.cell, c.attends) for c in CELLS.values()}
# The optional Trace fields; each model fills those its entry names (a test checks it).
OPTIONAL_TRACE_FIELDS = tuple(dict.fromkeys(f for c in CELLS.values() for f in c.trace_fields))


def design(card: dict) -> tuple[str | None, bool] | None:
    """(cell, attends) of the model a card describes, from the architecture it records (None: a card
    without a known architecture, about which nothing is said; cell None: no recurrence)."""
    name = (card.get("architecture") or {}).get("name")
    return DESIGNS.get(name) if isinstance(name, str) else None


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
