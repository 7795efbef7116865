"""Readable terminal views (rich) of a Trace, a vocabulary and a training run, for `render.py` and
`python -m model.train`. Everything printed from data is escaped: rich would eat "[…]" as markup."""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from model import corpus
from model.corpus import LENGTH_BUCKETS, Splits
from model.names import DEFAULT_MODEL, words_of
from model.trace import Trace, TraceInputError, default_sentence, languages, model_info

# The attention model should translate at least this share of every length bucket exactly; below
# it, training ends with a warning and the advice that measured best (README: "Training advice").
WARN_BELOW = 0.90
# Optimiser steps after which the measurement's attention model had learnt the short and middle
# lengths (3,640 steps: 99.6 / 98 / 92.8 %; the built-in models train for 4,380).
ENOUGH_STEPS = 4000
MEASURED_EPOCHS_FACTOR = 4  # the measurement went from 10 to 40 epochs; the advice goes no further


def print_trace(tr: Trace, console: Console | None = None) -> None:
    console = console or Console()
    when = "" if tr.checkpoint is None else f", checkpoint {tr.checkpoint} at training step {tr.training_step}"
    console.print(f"[bold]model[/bold]      {tr.model} (weights sha256 {tr.sha256[:12]}…{when})")
    console.print(f"[bold]source[/bold]     {escape(' '.join(tr.source_tokens))}")
    console.print(f"[bold]output[/bold]     {escape(tr.translation)}")
    if tr.reference_tokens is not None:
        mark = "[green]exact[/green]" if tr.exact else "[red]differs[/red]"
        console.print(f"[bold]reference[/bold]  {escape(tr.text(tr.reference_tokens))}  ({mark})")
    else:
        console.print("[bold]reference[/bold]  none known for this sentence (nothing to mark right or wrong)")
    if tr.cross_attention is not None:
        print_heads(tr, console)
        return
    if tr.attention is None:
        console.print(f"({tr.model} has no attention: its decoder sees only the final encoder state)")
        return
    for table in alpha_tables(tr, console):
        console.print(table)


def print_heads(tr: Trace, console: Console) -> None:
    """A Transformer's trace: its cross-attention table per layer and head (rows: the position that
    predicts each output word), then every head named with what its weights show for this sentence."""
    from model.heads import KIND_TITLES, head_roles

    layers, heads = tr.cross_attention.shape[:2]
    console.print(f"{layers} layers × {heads} heads in each of: encoder self-attention, decoder masked "
                  "self-attention, cross-attention (all three in --json)")
    for layer in range(layers):
        for head in range(heads):
            title = (f"cross-attention L{layer + 1}·H{head + 1} in %: the position predicting each output word "
                     "(rows) attending to source words (columns)")
            for table in alpha_tables(tr, console, tr.cross_attention[layer, head], title):
                console.print(table)
    for kind, title in KIND_TITLES.items():
        console.print(f"[bold]{title}[/bold]")
        for role in head_roles(tr, kind):
            console.print(f"  {role.name}: {escape(role.says)}")


def _alpha_table(tr: Trace, columns: range, chunked: bool, matrix=None, title: str | None = None) -> Table:
    S = len(tr.source_tokens)
    matrix = tr.attention if matrix is None else matrix
    title = title or "α in %: output words (rows) attending to source words (columns)"
    if chunked:
        title += f", source words {columns.start + 1}–{columns.stop} of {S}"
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("output ↓", no_wrap=True)
    for j in columns:
        table.add_column(escape(tr.source_tokens[j]), justify="right", no_wrap=True)
    for out_tok, row in zip(tr.target_tokens, matrix):
        best = int(row.argmax())
        cells = [f"[bold]{row[j]:.0%}[/bold]" if j == best else f"{row[j]:.0%}" for j in columns]
        table.add_row(escape(out_tok), *cells)
    return table


def alpha_tables(tr: Trace, console: Console, matrix=None, title: str | None = None) -> list[Table]:
    """The α table, split into as few tables of consecutive source words as fit the console's
    width, so every column keeps its word and its numbers (40 words fit in 5 tables at 80 columns)."""
    S, width = len(tr.source_tokens), console.width
    unbounded = console.options.update_width(10 ** 6)

    def fits(table: Table) -> bool:
        return Measurement.get(console, unbounded, table).maximum <= width

    whole = _alpha_table(tr, range(S), False, matrix, title)
    if fits(whole):
        return [whole]
    tables, start = [], 0
    while start < S:
        stop = start + 1
        while stop < S and fits(_alpha_table(tr, range(start, stop + 1), True, matrix, title)):
            stop += 1
        tables.append(_alpha_table(tr, range(start, stop), True, matrix, title))
        start = stop
    return tables


def print_vocab(model: str, console: Console | None = None) -> None:
    console = console or Console()
    info = model_info(model)
    words = words_of(info["vocab"]["source"])
    source_language = languages(model)[0]
    console.print(f"The {model} model knows {len(words)} {escape(source_language)} words; sentences may have "
                  f"up to {info['max_source_len']} of them.")
    try:
        example = default_sentence(model)
        console.print(f"[bold]default example[/bold] (used when no sentence is given): \"{escape(example)}\"")
    except TraceInputError as err:
        console.print(f"[bold]default example[/bold]: none ({escape(str(err))})")
    if info["corpus"]["kind"] != "grammar":
        console.print(escape(", ".join(words)))
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
    console.print(escape("Sentences follow the pattern: noun phrase [verb noun phrase] [(and|or|but|with) …], "
                         "e.g. \"the big dog sees some european cities\"."))


def print_split(splits: Splits, pair_file: bool, console: Console) -> None:
    """How the pairs were split; for a pair file, the test split's cap per length bucket."""
    valid = f" / {len(splits.valid):,} valid" if splits.valid else ""
    console.print(f"corpus: {len(splits.train):,} train{valid} / {len(splits.test):,} test pairs")
    if pair_file:
        test, train = corpus.bucket_counts(splits.test), corpus.bucket_counts(splits.train)
        parts = [f"{b} words: {test[b]:,} of {test[b] + train[b]:,}" for b in test if test[b] + train[b]]
        console.print(f"test split: at most {corpus.TSV_TEST_SHARE} % of each length bucket and at most "
                      f"{corpus.TSV_TEST_MAX_PER_BUCKET} sentences of it ({'; '.join(parts)}); the rest trains")


def training_warnings(cards: list[dict], train_counts: dict[str, int]) -> list[str]:
    """Plain-words warnings about the attention model's exact match per length bucket, with the
    advice that measured best: enough optimiser steps first, then more pairs of the failing lengths."""
    attention = next((c for c in cards if c["name"] == DEFAULT_MODEL), None)
    if attention is None:
        return []
    out, weak = [], []
    for bucket, stats in attention["evaluation"].items():
        if not stats["n"]:
            if train_counts.get(bucket, 0):
                out.append(f"No test sentence has {bucket} words, so how well the attention model translates "
                           f"them is not measured (it learnt from {train_counts[bucket]:,} pairs of that length).")
        elif stats["exact_match"] < WARN_BELOW:
            weak.append(bucket)
    if weak:
        scores = "; ".join(f"{b} words: {attention['evaluation'][b]['exact_match']:.1%} "
                           f"of {attention['evaluation'][b]['n']:,}" for b in weak)
        out.append(f"The attention model translates fewer than {WARN_BELOW:.0%} of the test sentences exactly "
                   f"at these lengths ({scores}).")
        steps, epochs = attention["training"]["steps"], attention["recipe"]["epochs"]
        have = " and ".join(f"{train_counts.get(b, 0):,}" for b in weak)
        pairs = f"add pairs of {' and '.join(weak)} words (this run learnt from {have})"
        if steps < ENOUGH_STEPS:
            # as many epochs as make about ENOUGH_STEPS, but no more than the measurement tried (4×)
            more = min(-(-epochs * ENOUGH_STEPS // steps), MEASURED_EPOCHS_FACTOR * epochs)
            out.append(f"What helped in a measurement on a small pair file (README, 'Training advice'): more "
                       f"training steps lifted every length, and more pairs of the failing lengths lifted the "
                       f"longest most. This run made {steps:,} steps: try --epochs {more} (about "
                       f"{steps * more // epochs:,} steps), and {pairs}.")
        else:
            out.append(f"What helped in a measurement on a small pair file (README, 'Training advice'): after "
                       f"about {ENOUGH_STEPS:,} training steps (this run: {steps:,}), more pairs of the failing "
                       f"lengths helped more than more epochs: {pairs}.")
    example = attention.get("default_example") or {}
    if example and not example.get("exact"):
        out.append(f"No short sentence is translated exactly; the default example \"{example['sentence']}\" "
                   "is not either. Train longer (--epochs) or on more pairs.")
    return out


def print_training_summary(cards: list[dict], train_counts: dict[str, int], console: Console) -> None:
    """After training: exact match by length bucket for the models trained, then any warning."""
    buckets = [f"{lo}-{hi}" for lo, hi in LENGTH_BUCKETS]
    table = Table(title="exact match on the test split, by source length (words)", box=box.SIMPLE_HEAD)
    table.add_column("model")
    for b in buckets:
        table.add_column(b, justify="right")
    for card in cards:
        cells = [("–" if card["evaluation"][b]["exact_match"] is None else f"{card['evaluation'][b]['exact_match']:.1%}")
                 for b in buckets]
        table.add_row(card["name"], *cells)
    table.add_row("test sentences", *(f"{cards[0]['evaluation'][b]['n']:,}" for b in buckets), style="dim")
    table.add_row("training pairs", *(f"{train_counts.get(b, 0):,}" for b in buckets), style="dim")
    console.print(table)
    example = next((c.get("default_example") for c in cards if c.get("default_example")), None)
    if example:
        how = "a test sentence" if example["split"] == "test" else "a training sentence"
        right = "translates exactly" if example["exact"] else "does NOT translate exactly"
        console.print(f"default example: \"{escape(example['sentence'])}\" ({how} the attention model {right})")
    for warning in training_warnings(cards, train_counts):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
