"""Alignment facts: what the film may say about word order, computed from the α matrix alone.

Order is a property of the alignment, not of positions (the two sentences may differ in length, a
word may have no partner), so nothing here compares row i with column i:

- an output word's **link** is the source word it gives its largest α;
- several output words may share a link (an article looking at its noun, which its next word
  translates): the **last** of them stands for that source word, the earlier ones **look ahead**;
- two source words **cross** when the output words that stand for them come out in the opposite
  order: that, and only that, is a reordering; with no crossing the alignment is **monotone**;
- a source word no output word links to has **no partner** in the output (in the weights); the ‹eos›
  row writes no word and is left out (kept in Facts.end, drawn but no link);
- an output word that puts at least 25 % of its weight on each of two or more source words
  **looks at several** (agreement, an article and its noun).

Linguistic reasons are said only for the built-in grammar, whose rules are known (`grammar=True`);
for a user's pair the narration says what the weights show, and no more.

Pure Python + numpy (no Manim): the scenes place the text and marks; tests feed matrices where each
fact is true and where it is false.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from scenes.kit.claims import ARTICLES, quoted

SPLIT = 0.25   # an output word giving at least this share to each of two or more source words looks at several
NAMED = 3      # at most this many items are named in one sentence; the rest are counted


@dataclass(frozen=True, eq=False)
class Facts:
    """The alignment facts of one α matrix (rows: the output words, the end token left out)."""
    source: tuple[str, ...]
    output: tuple[str, ...]
    weights: np.ndarray = field(repr=False)
    ended: bool = True   # the trace had an end row (decoding did not stop at its cap)
    end: np.ndarray | None = field(default=None, repr=False)   # that ‹eos› row's α, drawn but no word

    @cached_property
    def links(self) -> tuple[int, ...]:
        """Per output word: the source position it gives its largest α (the first on ties)."""
        return tuple(int(j) for j in self.weights.argmax(axis=1)) if len(self.output) else ()

    @property
    def rows(self) -> int:
        return len(self.output)

    @cached_property
    def stands_for(self) -> dict[int, int]:
        """Source position → the last output word linked to it."""
        return {j: i for i, j in enumerate(self.links)}

    @cached_property
    def ahead(self) -> tuple[tuple[int, int], ...]:
        """(output word, the later output word that stands for its link): words that look ahead."""
        return tuple((i, self.stands_for[j]) for i, j in enumerate(self.links) if self.stands_for[j] != i)

    @cached_property
    def crossings(self) -> tuple[tuple[int, int], ...]:
        """Pairs of source positions j < k whose standing output words come out in the opposite order."""
        linked = sorted(self.stands_for)
        return tuple((j, k) for a, j in enumerate(linked) for k in linked[a + 1:]
                     if self.stands_for[j] > self.stands_for[k])

    @property
    def monotone(self) -> bool:
        return not self.crossings

    @property
    def still(self) -> bool:
        """Every output word links to one source word: the rows show no order at all."""
        return self.rows > 0 and len(set(self.links)) == 1

    @cached_property
    def crossing_rows(self) -> tuple[int, ...]:
        """The output words that stand for a source word in a crossing (the rows marked as reordered)."""
        return tuple(sorted({self.stands_for[j] for pair in self.crossings for j in pair}))

    @cached_property
    def swaps(self) -> tuple[tuple[int, ...], ...]:
        """The crossings grouped: source positions connected by crossings, each group in source order."""
        groups: list[set[int]] = []
        for j, k in self.crossings:
            touching = [g for g in groups if j in g or k in g]
            merged = {j, k}.union(*touching)
            groups = [g for g in groups if g not in touching] + [merged]
        return tuple(sorted(tuple(sorted(g)) for g in groups))

    @cached_property
    def unlinked(self) -> tuple[int, ...]:
        """Source positions no output word links to: no partner in the output, by the weights."""
        return tuple(j for j in range(len(self.source)) if j not in self.stands_for)

    @cached_property
    def split(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        """(output word, the source positions it gives at least SPLIT each), for words that look at several."""
        found = []
        for i in range(self.rows):
            many = tuple(int(j) for j in np.flatnonzero(self.weights[i] >= SPLIT))
            if len(many) >= 2:
                found.append((i, many))
        return tuple(found)


def facts(attention: np.ndarray, source: Sequence[str], output: Sequence[str], ended: bool | None = None) -> Facts:
    """The facts of the rows of `attention` that wrote `output` (the end row, if any, left out)."""
    full = np.asarray(attention, dtype=float)
    rows = full[:len(output)]
    if ended is None:
        ended = len(attention) > len(output)
    end = full[len(output)] if len(full) > len(output) else None
    return Facts(tuple(source), tuple(output), rows, ended, end)


def trace_facts(tr) -> Facts:
    """The facts of a Trace's attention model output."""
    return facts(tr.attention, tr.source_tokens, tr.output_words)


# --- naming the words that look ahead (shared_narration) ------------------------------------
def listing(counts: dict[str, int], limit: int = 6) -> str:
    """'the' (3 times), 'a' and 'and': words with how often they occur, as many as `limit`, the rest counted."""
    items = [f"'{w}'" + (f" ({n} times)" if n > 1 else "") for w, n in counts.items()]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ahead_words(f: Facts) -> str:
    """The output words that look ahead, named: "'le' (3 times), 'la' and 'une'"."""
    words = [f.output[i] for i, _ in f.ahead]
    return listing({w: words.count(w) for w in dict.fromkeys(words)})


# --- learning-to-align: the step whose fan is worth showing -------------------------------------------
def telling_step(f: Facts) -> int:
    """The output word whose fan says most about alignment: one that stands for a crossing (the first),
    else one that looks at several, else one that looks ahead, else the one whose link is furthest from
    its own position (the first on ties). 0 for an empty output."""
    if f.crossing_rows:
        return f.crossing_rows[0]
    if f.split:
        return f.split[0][0]
    if f.ahead:
        return f.ahead[0][0]
    if not f.rows:
        return 0
    return int(np.argmax([abs(j - i) for i, j in enumerate(f.links)]))


# --- a word outside a window that moves with the output (context-window) ----------------------------
@dataclass(frozen=True)
class Outside:
    output: int     # the output word being written
    source: int     # its link: the source word it gives its largest α, outside the window
    weight: float   # that α
    start: int      # the window's first source word at that step
    away: int       # how many words past the window's nearer edge its link lies


def diagonal(i: int, n_source: int, n_output: int) -> int:
    """Output word i's own position in the source: i scaled to the source's length."""
    return round(i * (n_source - 1) / (n_output - 1)) if n_output > 1 else 0


def window_start(i: int, n_source: int, n_output: int, window: int) -> int:
    """The first source word of a `window`-word window centred on output word i's diagonal position,
    kept inside the sentence."""
    return int(np.clip(diagonal(i, n_source, n_output) - window // 2, 0, max(n_source - window, 0)))


def outside_window(attention: np.ndarray, source: Sequence[str], output: Sequence[str], window: int) -> Outside | None:
    """With a window that moves with the output (centred on each output word's diagonal position), the
    output word whose link lies furthest outside its window (the first on ties): a word the window
    cannot see, which the real attention looks at most. None when every link lies inside its window."""
    rows = np.asarray(attention, dtype=float)[:len(output)]
    n = len(source)
    if len(rows) == 0 or n <= window:
        return None
    best: Outside | None = None
    for i, row in enumerate(rows):
        start, j = window_start(i, n, len(rows), window), int(row.argmax())
        away = start - j if j < start else j - (start + window - 1)
        if away > 0 and (best is None or away > best.away):
            best = Outside(i, j, float(row[j]), start, away)
    return best


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def window_steps(attention: np.ndarray, source: Sequence[str], output: Sequence[str],
                 window: int) -> list[tuple[int, int, bool]]:
    """Per output word: the start of the window that moves with it, its link (largest α) and whether
    the link lies inside that window. What the scene sweeps over, so the count is seen being made."""
    rows = np.asarray(attention, dtype=float)[:len(output)]
    n = len(source)
    steps = []
    for i, row in enumerate(rows):
        start, j = window_start(i, n, len(rows), window), int(row.argmax())
        steps.append((start, j, start <= j < start + window))
    return steps


def window_hits(attention: np.ndarray, source: Sequence[str], output: Sequence[str], window: int) -> int:
    """How many output words have their link (largest α) inside the window that moves with them."""
    return sum(inside for _, _, inside in window_steps(attention, source, output, window))


GENDERED = {"le": "la", "la": "le", "un": "une", "une": "un"}   # French articles chosen by the noun's gender


def adjectives_before(source: Sequence[str], output: Sequence[str], found: Outside | None,
                      nouns: Sequence[str] = (), adjectives: Sequence[str] = ()) -> tuple[int, ...]:
    """Built-in grammar only: when the missed word is a noun needed by a gendered French article, and
    only adjectives stand between it and its English article, those adjectives' positions (what pushes
    the noun away). () otherwise, or without the grammar's word lists."""
    if found is None or output[found.output] not in GENDERED or source[found.source] not in set(nouns):
        return ()
    k = found.source - 1
    while k >= 0 and source[k] in set(adjectives):
        k -= 1
    return tuple(range(k + 1, found.source)) if k >= 0 and source[k] in ARTICLES and k < found.source - 1 else ()


def outside_narration(attention: np.ndarray, source: Sequence[str], output: Sequence[str], window: int,
                      tgt_lang: str, src_lang: str = "source", nouns: Sequence[str] = (),
                      adjectives: Sequence[str] = ()) -> str:
    """What a window moving with the output misses, from the real weights: for how many output words it
    holds the word relied on most (the link); the step where that word lies furthest outside it, and, for
    the built-in grammar, why (an article needs its noun, which English puts after its adjectives); or,
    truthfully, that no step needs such a word. No shares: it is said before the film explains α."""
    found = outside_window(attention, source, output, window)
    m = min(len(output), len(attention))
    if found is None:
        if len(source) <= window:
            return f"Here the window holds all {len(source)} words, so nothing lies outside it."
        return (f"Here, at every step, the {src_lang} word relied on most lies inside the window "
                f"around its position: for this sentence, a moving window of {window} would miss nothing.")
    hits = window_hits(attention, source, output, window)
    word, writing = source[found.source], output[found.output]
    side = "before" if found.source < found.start else "after"
    text = (f"For {hits} of the {m} {tgt_lang} words, the window holds the {src_lang} word relied on most. "
            f"{'It misses only' if m - hits == 1 else 'It misses ' + str(m - hits) + ', furthest'} at the "
            f"{ordinal(found.output + 1)} {tgt_lang} word, '{writing}': the window holds {src_lang} words "
            f"{found.start + 1} to {found.start + window}, and '{word}' is "
            f"{'the ' + ordinal(found.away) + ' word' if found.away > 1 else 'just'} {side} it, out of sight.")
    between = adjectives_before(source, output, found, nouns, adjectives)
    if between:
        other = GENDERED[writing]
        text += (f" {tgt_lang} chooses '{writing}' or '{other}' from the noun's gender, and English puts the noun "
                 f"after its adjectives: {quoted([source[k] for k in between])} stand{'s' if len(between) == 1 else ''} "
                 f"between '{source[between[0] - 1]}' and '{word}', and every adjective pushes the noun one word "
                 "further away.")
    return text


# --- crossing links (alignment-heatmap) -----------------------------------------------------------
# Each output word's link joins it to the source word it gives its largest α. When several output words
# share a link, the last of them stands for that source word; the earlier ones are drawn faint and not
# counted (a French article looks at its noun, which the next words translate). Drawn as lines between
# the two sentences written left to right, two standing links cross exactly when the earlier output word
# stands for the later source word: there the order changed, whatever the two sentences' lengths.
FRENCH_ARTICLES = {"le", "la", "l'", "les", "un", "une", "des"}   # the built-in grammar's target articles


def crossing_groups(f: Facts) -> tuple[tuple[int, ...], ...]:
    """The output words standing for each crossing group of source words (Facts.swaps), in output order."""
    return tuple(sorted(tuple(sorted(f.stands_for[j] for j in group)) for group in f.swaps))


def group_phrase(f: Facts, rows: Sequence[int]) -> str:
    """One crossing group said from its links: "the links of 'jardin' and 'vert' cross: 'green' and
    'garden' come out in reverse order"."""
    looked = [f.links[i] for i in rows]
    backwards = all(a > b for a, b in itertools.pairwise(looked))
    return (f"the links of {quoted([f.output[i] for i in rows], limit=6)} cross: "
            f"{quoted([f.source[j] for j in sorted(looked)], limit=6)} come out "
            f"{'in reverse order' if backwards else 'in another order'}")


def links_narration(f: Facts, tgt_lang: str, src_lang: str, fans: bool = True) -> str:
    """What a link is (from the α fans on screen, or without them), and the ‹eos› step said when the
    trace has one (it writes no word: no link)."""
    text = (f"Keep only the heaviest line of each step's fan: it joins the {tgt_lang} word written then to the "
            f"{src_lang} word it looks at most, the word's link." if fans else
            f"Join each {tgt_lang} word to the {src_lang} word it looks at most (its largest α): the word's link.")
    if f.end is not None:
        text += " ‹eos› writes no word: no link."
    return text


def shared_narration(f: Facts, tgt_lang: str, src_lang: str, grammar: bool = False, nouns: Sequence[str] = ()) -> str:
    """Output words that share their link with a later word: the last one stands for that source word,
    the earlier ones are faint and not counted; with the built-in grammar, an article's reason. '' when
    no link is shared, or when every word shares one (nothing to read then)."""
    if not f.ahead or f.still:
        return ""
    why = ""
    if grammar and all(f.output[i] in FRENCH_ARTICLES and f.source[f.links[i]] in set(nouns) for i, _ in f.ahead):
        # said as fitting, not as the cause: the weights show where the model looks, not why
        why = f", which fits {tgt_lang}: an article takes its form from its noun"
    if len(f.ahead) == 1:
        (i, k), = f.ahead
        return (f"'{f.output[i]}' looks most at '{f.source[f.links[i]]}', like '{f.output[k]}' after it{why}. "
                f"Only the later word, '{f.output[k]}', keeps the link to '{f.source[f.links[i]]}', so "
                f"'{f.output[i]}' is drawn faint.")
    return (f"{ahead_words(f)} look most at the same {src_lang} word as a later {tgt_lang} word{why}. Only the "
            "later word keeps the link, so these are drawn faint.")


def crossing_rule(f: Facts, tgt_lang: str, src_lang: str) -> str:
    """The reading rule, with this sentence's two lengths when they differ. '' with fewer than two output words."""
    if f.rows < 2:
        return ""
    lengths = (f", even though the two sentences differ in length (here {len(f.source)} {src_lang} words, "
               f"{f.rows} {tgt_lang} words)" if len(f.source) != f.rows else "")
    counted = " solid" if f.ahead and not f.still else ""
    return (f"Where two{counted} links cross, the earlier {tgt_lang} word looks at the later {src_lang} word: "
            f"the order changed. Links that do not cross keep the order{lengths}.")


def crossing_narration(f: Facts, tgt_lang: str, src_lang: str) -> str:
    """This sentence's crossings, named group by group (at most NAMED, the rest counted), or that none
    cross, or that every link meets at one word."""
    if f.rows == 0:
        return ""
    if f.rows == 1:
        return f"With one {tgt_lang} word there is one link, and nothing to cross."
    if f.still:
        return (f"Here every {tgt_lang} word looks most at '{f.source[f.links[0]]}': the links all meet there, "
                "so they show no order.")
    groups = crossing_groups(f)
    if not groups:
        return f"Here no links cross, so the {tgt_lang} words keep the {src_lang} order."
    named = "; ".join(group_phrase(f, g) for g in groups[:NAMED])
    rest = len(groups) - NAMED
    more = f"; links cross in {rest} more place{'s' if rest > 1 else ''}" if rest > 0 else ""
    return f"Here {named}{more}."


def grid_narration(f: Facts, tgt_lang: str, src_lang: str, numbers: bool = True) -> str:
    """The heatmap as the same links: rows, columns, boxes; where crossing links show in it. `numbers`:
    the cells show α in % (else, too small for numbers, as colour)."""
    shown = "its step's α in %" if numbers else "its step's α as colour"
    text = (f"The heatmap holds the same links as a grid: a row per {tgt_lang} word ({shown}), a column "
            f"per {src_lang} word, each link boxed on its row's largest cell.")
    solid = " solid" if f.ahead and not f.still else ""
    if f.crossings:
        text += f" Two links cross where a{solid} box lies further left than a{solid} box in a row above it."
    elif f.rows >= 2 and not f.still:
        text += f" No{solid} box lies further left than a{solid} box in a row above it: no links cross."
    return text


def long_parts(f: Facts, tgt_lang: str, src_lang: str, said: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The longer sentence, one short beat each: its size and how many places links cross ('long'), each
    named group up to NAMED ('group') unless its phrase was `said` already (then counted as seen), the rest
    counted ('more'). [] with fewer than two output words."""
    if f.rows < 2:
        return []
    head = f"A longer sentence, {len(f.source)} words"
    if f.still:
        return [("long", f"{head}: every {tgt_lang} word looks most at '{f.source[f.links[0]]}'.")]
    groups = crossing_groups(f)
    if not groups:
        return [("long", f"{head}: no links cross, so the {tgt_lang} words keep the {src_lang} order.")]
    n = len(groups)
    seen = sum(group_phrase(f, g) in said for g in groups[:NAMED])
    again = f", {'one' if seen == 1 else seen} as before" if seen else ""
    parts = [("long", f"{head}: links cross in {n} place{'s' if n > 1 else ''}{again}.")]
    for g in groups[:NAMED]:
        phrase = group_phrase(f, g)
        if phrase not in said:
            parts.append(("group", phrase[0].upper() + phrase[1:] + "."))
    if n > NAMED:
        parts.append(("more", f"And {n - NAMED} more place{'s' if n - NAMED > 1 else ''} where links cross."))
    return parts


LEARNED = ("Nobody drew these links for the model: it was trained on sentence pairs alone, so its attention "
           "learned where to look, word order included.")
