"""Readable terminal views of a Trace and a vocabulary (rich tables), for `render.py`."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from model import corpus
from model.names import words_of
from model.trace import Trace, model_info


def print_trace(tr: Trace, console: Console | None = None) -> None:
    console = console or Console()
    when = "" if tr.checkpoint is None else f", checkpoint {tr.checkpoint} at training step {tr.training_step}"
    console.print(f"[bold]model[/bold]      {tr.model} (weights sha256 {tr.sha256[:12]}…{when})")
    console.print(f"[bold]source[/bold]     {' '.join(tr.source_tokens)}")
    console.print(f"[bold]output[/bold]     {tr.translation}")
    if tr.reference_tokens is not None:
        mark = "[green]exact[/green]" if tr.exact else "[red]differs[/red]"
        console.print(f"[bold]reference[/bold]  {corpus.detokenise(list(tr.reference_tokens))}  ({mark})")
    if tr.attention is None:
        console.print(f"({tr.model} has no attention: its decoder sees only the final encoder state)")
        return
    if 22 + 6 * len(tr.source_tokens) > console.width:  # one column per source word would not fit
        table = Table(title="attention: the source words each output word attends to most "
                            "(the full α table needs a wider terminal, or --json)")
        table.add_column("output")
        table.add_column("strongest source words (α)")
        for out_tok, row in zip(tr.target_tokens, tr.attention):
            top = row.argsort()[::-1][:3]
            table.add_row(out_tok, ", ".join(f"{tr.source_tokens[j]} {row[j]:.0%}" for j in top))
        console.print(table)
        return
    table = Table(title="attention weights α (% of each output word's attention per source word)")
    table.add_column("output ↓ / source →")
    for tok in tr.source_tokens:
        table.add_column(tok, justify="right")
    for out_tok, row in zip(tr.target_tokens, tr.attention):
        best = int(row.argmax())
        cells = [f"[bold]{p:.0%}[/bold]" if j == best else f"{p:.0%}" for j, p in enumerate(row * 1.0)]
        table.add_row(out_tok, *cells)
    console.print(table)


def print_vocab(model: str, console: Console | None = None) -> None:
    console = console or Console()
    info = model_info(model)
    words = words_of(info["vocab"]["source"])
    console.print(f"The {model} model knows {len(words)} English words; sentences may have up to "
                  f"{info['max_source_len']} of them.")
    if info["corpus"]["kind"] != "grammar":
        console.print(", ".join(words))
        return
    groups = {
        "determiners": ["the", "a", "an", "some"],
        "nouns (singular and plural)": [w for w in words if w in corpus._EN_NOUN],
        "adjectives placed before the noun in French": [a for a, v in corpus.ADJECTIVES.items() if v[4] == "before"],
        "adjectives placed after the noun in French": [a for a, v in corpus.ADJECTIVES.items() if v[4] == "after"],
        "verbs": [w for w in words if w in corpus._EN_VERB],
        "joining words": [w for w in words if w in corpus._EN_JOINER],
    }
    for title, members in groups.items():
        console.print(f"[bold]{title}[/bold]: {', '.join(sorted(m for m in members if m in words))}")
    console.print("Sentences follow the pattern: noun phrase [verb noun phrase] [(and|or|but|with) …], "
                  "e.g. \"the big dog sees some european cities\".")
