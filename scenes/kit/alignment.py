"""Alignment facts: what the film may say about word order, computed from the α matrix alone.

Order is a property of the alignment, not of positions (the two sentences may differ in length, a
word may have no partner), so nothing here compares row i with column i:

- an output word's **link** is the source word it gives its largest α;
- several output words may share a link (an article looking at its noun, which its next word
  translates): the **last** of them stands for that source word, the earlier ones **look ahead**;
- two source words **cross** when the output words that stand for them come out in the opposite
  order: that, and only that, is a reordering; with no crossing the alignment is **monotone**;
- a source word no output word links to has **no partner** in the output (in the weights); the ‹eos›
  row writes no word and is left out (said when it has its largest cell in such a column);
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

from scenes.kit.claims import ARTICLES, percent, quoted, said_percent

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


# --- narration ---------------------------------------------------------------------------------
def swap_phrase(f: Facts, group: Sequence[int]) -> str:
    """One group of crossing source words and how they come out: "'green' and 'garden' swap ('jardin'
    before 'vert')", "'european', 'economic' and 'area' come out in reverse order ('zone', …)"."""
    words = [f.source[j] for j in group]
    out_order = sorted(group, key=lambda j: f.stands_for[j])
    partners = [f.output[f.stands_for[j]] for j in out_order]
    if len(group) == 2:
        return f"{quoted(words)} swap ({quoted(partners[:1])} before {quoted(partners[1:])})"
    how = "in reverse order" if out_order == sorted(group, reverse=True) else "in another order"
    return f"{quoted(words)} come out {how} ({quoted(partners, limit=6)})"


def order_narration(f: Facts, tgt_lang: str, src_lang: str) -> str:
    """What the links say about order: none to see, monotone, or which words cross. '' with < 2 rows."""
    if f.rows < 2:
        return ""
    if f.still:
        return (f"Every {tgt_lang} word looks most at the same {src_lang} word, '{f.source[f.links[0]]}', "
                "so these rows show no word order at all.")
    if f.monotone:
        if f.ahead:  # a word that looks ahead at a later word's partner would cross the rows between
            return (f"With {ahead_words(f)} left out, the links never cross: row after row they stay or move right, "
                    f"so the {tgt_lang} words keep the {src_lang} order.")
        return (f"The links never cross: row after row they stay or move right, so the {tgt_lang} words keep "
                f"the {src_lang} order.")
    groups = f.swaps
    named = "; ".join(swap_phrase(f, g) for g in groups[:NAMED])
    more = f"; and {len(groups) - NAMED} more group{'s' if len(groups) - NAMED > 1 else ''} cross" \
        if len(groups) > NAMED else ""
    if f.ahead:  # their links cross the rows between too: the count holds only with them left out
        return f"With {ahead_words(f)} left out, where links cross, words change order: {named}{more}."
    return f"Where links cross, words change order: {named}{more}."


def ahead_narration(f: Facts, tgt_lang: str, grammar: bool = False, nouns: Sequence[str] = ()) -> str:
    """Output words that share their link with a later word. With the built-in grammar, the reason for
    an article looking at its noun; for any other pair, what the weights show. '' when there are none."""
    if not f.ahead or f.still:   # with every row on one word, sharing it says nothing more
        return ""
    pairs = f.ahead[:NAMED]
    more = len(f.ahead) - len(pairs)
    tail = f" ({more} more like {'it' if len(pairs) == 1 else 'them'})" if more else ""
    if grammar and all(f.source[f.links[i]] in set(nouns) for i, _ in f.ahead):
        whose = "; ".join(f"'{f.output[i]}' looks most at '{f.source[f.links[i]]}', like '{f.output[k]}' after it"
                          for i, k in pairs)
        they = "They look" if len(f.ahead) > 1 else "It looks"
        return (f"A {tgt_lang} article takes its form from its noun: {whose}{tail}. {they} ahead, which is no "
                "reordering, so it is dimmed and left out." if len(f.ahead) == 1 else
                f"A {tgt_lang} article takes its form from its noun: {whose}{tail}. {they} ahead, which is no "
                "reordering, so they are dimmed and left out.")
    whose = "; ".join(f"'{f.output[i]}' looks most at '{f.source[f.links[i]]}', like '{f.output[k]}' after it"
                      for i, k in pairs)
    if len(pairs) > 1:
        return f"{whose}{tail}: they look ahead at a later word's partner, so the order is read from the later words."
    return (f"{whose}{tail}: it looks ahead at a later word's partner, so the order is read from "
            f"'{f.output[pairs[0][1]]}'.")


def listing(counts: dict[str, int], limit: int = 6) -> str:
    """'the' (3 times), 'a' and 'and': words with how often they occur, as many as `limit`, the rest counted."""
    items = [f"'{w}'" + (f" ({n} times)" if n > 1 else "") for w, n in counts.items()]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def partners_narration(f: Facts, tgt_lang: str, src_lang: str, grammar: bool = False,
                       nouns: Sequence[str] = ()) -> str:
    """Source words no output word links to. With the built-in grammar, English articles are said to
    be looked past for their noun when some output word looks ahead at a noun. '' when every word is linked."""
    if not f.unlinked or f.rows == 0:
        return ""
    words = [f.source[j] for j in f.unlinked]
    counts = {w: words.count(w) for w in dict.fromkeys(words)}
    if len(counts) == 1:
        w, n = next(iter(counts.items()))
        which = f"'{w}'" if n == 1 else f"any of the {n} '{w}'s"
    else:
        which = f"these {len(words)} {src_lang} words, " + listing(counts)
    these = "this word has" if len(words) == 1 else "these words have"
    end = " (the end token ‹eos› is not a word and is not counted)" if f.ended else ""
    text = (f"No {tgt_lang} word looks most at {which}: in the weights, {these} no partner in "
            f"{tgt_lang}{end}. {partner_meaning(f)}")
    if (grammar and all(w in ARTICLES for w in counts)
            and any(f.source[f.links[i]] in set(nouns) for i, _ in f.ahead)):
        text += (f" The {tgt_lang} article looks at its noun instead." if len(words) == 1
                 else f" The {tgt_lang} articles look at their nouns instead.")
    return text


def partners_short(f: Facts, tgt_lang: str, grammar: bool = False, nouns: Sequence[str] = ()) -> str:
    """The source words no output word links to, in one sentence: with the built-in grammar and an
    unlinked article, the output article that looks at its noun instead; the ‹eos› row named when it has
    its largest cell (or more than any word's row) there, since it writes no word. '' when every word is linked."""
    if not f.unlinked or f.rows == 0:
        return ""
    words = [f.source[j] for j in f.unlinked]
    counts = {w: words.count(w) for w in dict.fromkeys(words)}
    one = len(words) == 1
    which = listing(counts)
    text = f"No {tgt_lang} word looks most at {which}, so in the weights {'it has' if one else 'they have'} no partner"
    nounset = set(nouns)
    stand_in = next(((i, f.links[i]) for i, _ in f.ahead if f.source[f.links[i]] in nounset), None)
    if grammar and stand_in is not None and all(w in ARTICLES for w in counts):
        i, j = stand_in
        text += f": '{f.output[i]}', the {tgt_lang} article, looks at its noun '{f.source[j]}' instead"
    peak = max(unlinked_peak(f, j)[1] for j in f.unlinked)
    col = end_column(f, f.unlinked, peak)
    if col is not None and f.end is not None:
        text += f" (the ‹eos› row, {said_percent(f.end[col])} on {source_name(f, col)}, writes no word)"
    return text + "."


def diagonal_band(n_source: int) -> int:
    """How many words either side of its own place a row's link may lie and still count as on the diagonal:
    0 for short sentences, 1 from 8 source words on (a long sentence's diagonal is a band, not a line)."""
    return 1 if n_source >= 8 else 0


def on_diagonal(f: Facts) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(rows whose link lies on the diagonal band, rows whose link lies off it): a row's own place is its
    index scaled to the source length (diagonal()), as the article's figure reads it."""
    band = diagonal_band(len(f.source))
    on = tuple(i for i in range(f.rows) if abs(f.links[i] - diagonal(i, len(f.source), f.rows)) <= band)
    return on, tuple(i for i in range(f.rows) if i not in on)


def diagonal_narration(f: Facts, tgt_lang: str) -> str:
    """The article's reading of the picture (same order on the diagonal, reordered off it), then which
    rows have their largest α on it and which off it, named. '' with fewer than two output words."""
    if f.rows < 2:
        return ""
    on, off = on_diagonal(f)

    def named(rows: tuple[int, ...]) -> str:
        words = [f.output[i] for i in rows]
        return listing({w: words.count(w) for w in dict.fromkeys(words)}, limit=4)
    lead = ("Read it by its diagonal, each word's own place: words kept in the same order sit on it, "
            "words that change order sit off it.")
    if not off:
        return f"{lead} Here every {tgt_lang} word's strongest cell is on it."
    said = (f"{lead} Here no {tgt_lang} word's strongest cell is on it." if not on else
            f"{lead} Here the strongest cell of {named(on)} is on it; that of {named(off)} is off it.")
    kept = tuple(i for i in off if i not in f.crossing_rows)   # off it, yet no link of theirs crosses
    if kept:
        were = "is" if len(kept) == 1 else "are"
        said += f" Yet {named(kept)} {were} off it without changing order, as the links show."
    return said


def partner_meaning(f: Facts) -> str:
    """What "no partner" means, with the first such word's numbers: the row that gives it most gives
    another word more. '' when every word is linked."""
    if not f.unlinked:
        return ""
    j = f.unlinked[0]
    i, most, link = unlinked_peak(f, j)
    than = "below" if most < link else "no more than"
    return (f"No partner means every word's row has its largest cell in another column: {source_name(f, j)} gets "
            f"at most {said_percent(most)} (from '{f.output[i]}'), {than} the {said_percent(link)} of that row's "
            f"link.{end_left_out(f, [j], most, sentence=True)}")


def end_column(f: Facts, columns: Sequence[int], most: float) -> int | None:
    """The column of `columns` where the ‹eos› row has its largest cell, or else the one it gives more than
    `most`: where leaving that row out matters. None when it does not."""
    end = f.end
    if end is None or not len(columns):
        return None
    j = max(columns, key=lambda k: end[k])
    return j if int(np.argmax(end)) == j or end[j] > most else None


def end_left_out(f: Facts, columns: Sequence[int], most: float, sentence: bool = False) -> str:
    """The ‹eos› row is drawn but writes no word, so the "no partner" facts leave it out: said only when
    it matters, i.e. when that row has its largest cell in `columns` or gives one of them more than `most`
    (the most any word's row gives them). '' otherwise."""
    j = end_column(f, columns, most)
    if j is None or f.end is None:
        return ""
    end = f.end
    top = int(np.argmax(end)) == j
    how = (f"its largest cell, {said_percent(end[j])}, is on {source_name(f, j)}" if top
           else f"it gives {source_name(f, j)} {said_percent(end[j])}")
    return (f" The ‹eos› row, which writes no word, is left out: {how}." if sentence
            else f"; the ‹eos› row, which writes no word, is left out: {how}")


def source_name(f: Facts, j: int) -> str:
    """A source word quoted; a word the sentence holds more than once with its place ('cat' (word 15))."""
    w = f.source[j]
    return f"'{w}'" if f.source.count(w) == 1 else f"'{w}' (word {j + 1})"


def split_narration(f: Facts, tgt_lang: str, grammar: bool = False, nouns: Sequence[str] = (),
                    adjectives: Sequence[str] = ()) -> str:
    """Output words whose weight splits over several source words, with the shares. '' when none. With
    the built-in grammar, agreement is given as the reason only when every split is over one noun and
    articles or adjectives of the grammar."""
    if not f.split:
        return ""
    said = []
    for i, many in f.split[:NAMED]:
        shares = [f"{said_percent(f.weights[i, j])} on {source_name(f, j)}" for j in many]
        said.append(f"'{f.output[i]}' splits its weight, " + (" and ".join(shares) if len(shares) == 2
                                                             else ", ".join(shares[:-1]) + " and " + shares[-1]))
    more = len(f.split) - len(said)
    text = "; ".join(said) + (f"; {more} more {tgt_lang} word{'s split their' if more > 1 else ' splits its'} weight too"
                              if more else "")
    agreeing = set(ARTICLES) | set(adjectives)
    if grammar and all(sum(f.source[j] in set(nouns) for j in many) == 1
                       and all(f.source[j] in set(nouns) | agreeing for j in many) for _, many in f.split):
        return text + f": a {tgt_lang} article or adjective takes its form from its noun."
    return text + "."


def ahead_words(f: Facts) -> str:
    """The output words that look ahead, named: "'le' (3 times), 'la' and 'une'"."""
    words = [f.output[i] for i, _ in f.ahead]
    return listing({w: words.count(w) for w in dict.fromkeys(words)})


def unlinked_peak(f: Facts, j: int) -> tuple[int, float, float]:
    """For a source word with no partner: the word's row that gives it most, that α and that row's largest
    α (its link): what "no partner" means, every word's row has its largest cell in another column."""
    i = int(np.argmax(f.weights[:, j]))
    return i, float(f.weights[i, j]), float(f.weights[i].max())


def summary_parts(f: Facts, tgt_lang: str, src_lang: str) -> list[tuple[str, str]]:
    """The long sentence's facts, one short sentence each, tagged with what the scene draws while it is
    said: 'ahead' (the words left out of the crossing count, named, dimmed), 'order' (monotone, still,
    or how many places links cross), one 'swap' per crossing group up to NAMED (named), 'more' (the rest,
    counted), 'unlinked' (how many words have no partner and what that means in the weights), 'split'
    (how many look at several). [] with fewer than two output words."""
    if f.rows < 2:
        return []
    parts: list[tuple[str, str]] = []
    if f.ahead and not f.still:
        n = len(f.ahead)
        parts.append(("ahead", f"Leave out {ahead_words(f)} (dimmed): the {n} word{'s' if n > 1 else ''} that "
                               f"look{'' if n > 1 else 's'} ahead at a later word's partner."))
    if f.still:
        parts.append(("order", f"Every {tgt_lang} word looks most at '{f.source[f.links[0]]}'."))
    elif f.monotone:
        parts.append(("order", "No links cross: the order is kept (the path of links)."))
    else:
        n = len(f.swaps)
        parts.append(("order", f"Links cross in {n} place{'s' if n > 1 else ''} (coloured boxes)."))
        for g in f.swaps[:NAMED]:
            phrase = swap_phrase(f, g)
            parts.append(("swap", phrase[0].upper() + phrase[1:] + "."))
        if n > NAMED:
            parts.append(("more", f"And {n - NAMED} more."))
    if f.unlinked:
        n = len(f.unlinked)
        peak = max(unlinked_peak(f, j)[1] for j in f.unlinked)
        parts.append(("unlinked", f"{n} {src_lang} word{'s have' if n > 1 else ' has'} no partner (dashed columns): "
                                  f"no word's row has its largest cell in {'their columns' if n > 1 else 'its column'}, "
                                  f"where α stays at {said_percent(peak)} or less" + end_left_out(f, f.unlinked, peak)
                                  + "."))
    if f.split:
        n = len(f.split)
        boxed = "their shares boxed" if n > 1 else "its shares boxed"
        parts.append(("split", f"{n} {tgt_lang} word{'s look' if n > 1 else ' looks'} at several ({boxed})."))
    return parts


def summary_narration(f: Facts, tgt_lang: str, src_lang: str) -> str:
    """The long sentence's facts (summary_parts) as one text."""
    return " ".join(text for _, text in summary_parts(f, tgt_lang, src_lang))


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


# --- words attention hardly looked at (context-window's last strips) -------------------------------
OVERLOOKED_WEIGHT = 0.10   # a source word no output word gave more than this was hardly looked at


@dataclass(frozen=True)
class Overlooked:
    words: tuple[int, ...]       # source positions no output word gave more than OVERLOOKED_WEIGHT
    stand_in: int | None = None  # built-in grammar: the output article that looks at the first one's noun
    looked: int | None = None    # that noun's source position


def overlooked(attention: np.ndarray, source: Sequence[str], output: Sequence[str],
               nouns: Sequence[str] = ()) -> Overlooked:
    """Which source words the rows that wrote `output` hardly looked at; with the built-in grammar's
    nouns, when the first of them is an article, the output word that looks ahead at its noun (an
    article that shares its noun's link) and that noun. No position is compared with another."""
    rows = np.asarray(attention, dtype=float)[:len(output)]
    if len(rows) == 0:
        return Overlooked(())
    most = rows.max(axis=0)
    words = tuple(k for k in range(len(source)) if most[k] <= OVERLOOKED_WEIGHT)
    if not words or source[words[0]] not in ARTICLES:
        return Overlooked(words)
    noun = next((k for k in range(words[0] + 1, len(source)) if source[k] in set(nouns)), None)
    f = facts(rows, source, output, ended=True)
    ahead = [i for i, _ in f.ahead if f.links[i] == noun]
    return Overlooked(words, ahead[0], noun) if noun is not None and ahead else Overlooked(words)


def under(p: float) -> str:
    """The smallest whole percentage a share stays under as the film shows it (percent() rounds):
    0.034 → '4%', 0.036 (shown 4%) → '5%', 0.04997 (shown 5%) → '6%', 0.003 (shown <1%) → '1%'."""
    shown = percent(p)
    return "1%" if shown.startswith("<") else f"{int(shown.lstrip('>').rstrip('%')) + 1}%"


def overlooked_narration(attention: np.ndarray, source: Sequence[str], output: Sequence[str], tgt_lang: str,
                         nouns: Sequence[str] = ()) -> str:
    """The source words no output word gave more than 10 % of its weight (attention could reach them and
    hardly looked at them directly; the encoder's states around them may still carry them); whether they
    are any output word's link; with the built-in grammar's nouns, the article that looks at the first
    one's noun instead, and why. '' when every source word was looked at."""
    rows = np.asarray(attention, dtype=float)[:len(output)]
    found = overlooked(rows, source, output, nouns)
    if not found.words:
        return ""
    names = list(dict.fromkeys(source[k] for k in found.words))
    times = sum(source[k] == names[0] for k in found.words)
    which = (f"any of the {times} '{names[0]}'s" if len(names) == 1 and times > 1 else quoted(names, joiner='or'))
    most = float(rows.max(axis=0)[list(found.words)].max())
    text = (f"The faintest strips are words it hardly looked at directly: no {tgt_lang} word gave "
            f"{which} as much as {under(most)} of its weight.")
    if found.stand_in is not None and found.looked is not None:
        text += (f" '{output[found.stand_in]}', the {tgt_lang} article, looks at its noun "
                 f"'{source[found.looked]}' instead: a {tgt_lang} article takes its form from its noun.")
    elif not nouns and set(found.words) <= set(facts(rows, source, output).unlinked):
        text += f" In the weights, {'it has' if len(found.words) == 1 else 'they have'} no partner in {tgt_lang}."
    return text


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


def window_hits(attention: np.ndarray, source: Sequence[str], output: Sequence[str], window: int) -> int:
    """How many output words have their link (largest α) inside the window that moves with them."""
    rows = np.asarray(attention, dtype=float)[:len(output)]
    n = len(source)
    return sum(window_start(i, n, len(rows), window) <= int(row.argmax()) < window_start(i, n, len(rows), window)
               + window for i, row in enumerate(rows))


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


def further_narration(attention: np.ndarray, source: Sequence[str], output: Sequence[str], window: int,
                      before: Outside, nouns: Sequence[str] = (), adjectives: Sequence[str] = ()) -> str:
    """A second sentence with more adjectives before a noun (built-in grammar): how far outside its
    window the word the model needs then lies, compared with `before` (the first sentence's miss), or
    that the window holds it after all."""
    found = outside_window(attention, source, output, window)
    between = adjectives_before(source, output, found, nouns, adjectives)
    said = "'" + " ".join(source) + "'"
    if found is None or not between:
        return f"In {said}, the moving window misses no word the model needs."
    far = ("further than" if found.away > before.away else "as far as" if found.away == before.away
           else "less far than")
    return (f"With {len(between)} adjectives, as in {said}, '{output[found.output]}' needs "
            f"'{source[found.source]}', {found.away} word{'s' if found.away > 1 else ''} outside its window: "
            f"{far} in the long sentence.")


def backward_run(attention: np.ndarray, output: Sequence[str], start: int = 0) -> tuple[int, ...]:
    """From output word `start` on, the longest run of consecutive output words whose link (largest α)
    moves backwards in the source at every step while the output moves forwards (the first on ties):
    the order flips there. () when no link ever moves backwards."""
    links = [int(r.argmax()) for r in np.asarray(attention, dtype=float)[:len(output)]]
    best: tuple[int, ...] = ()
    run = [start] if start < len(links) else []
    for i in range(start + 1, len(links)):
        run = [*run, i] if links[i] < links[i - 1] else [i]
        if len(run) > max(len(best), 1):
            best = tuple(run)
    return best


def backward_narration(attention: np.ndarray, source: Sequence[str], output: Sequence[str], start: int = 0) -> str:
    """The backward run said: which output words, and the source words they look at most, in turn."""
    run = backward_run(attention, output, start)
    if not run:
        return ""
    links = [int(np.asarray(attention)[i].argmax()) for i in run]
    pairs = [f"'{output[i]}' {'looks at ' if k == 0 else 'at '}'{source[j]}'" for k, (i, j) in enumerate(zip(run, links))]
    return ("Where the order flips, the strongest strip runs backwards while the output runs forwards: "
            + ", ".join(pairs[:-1]) + ", and " + pairs[-1] + ".")


def sweep_narration(attention: np.ndarray, source: Sequence[str], output: Sequence[str], k: int) -> str:
    """Output words 2 to `k` (the first is said before), each with its largest α and the word it goes to,
    as their strips show them. '' with fewer than two output words."""
    rows = np.asarray(attention, dtype=float)[:min(k, len(output))]
    said = [f"'{output[i]}' gives {said_percent(float(rows[i].max()))} to '{source[int(rows[i].argmax())]}'"
            for i in range(1, len(rows))]
    if not said:
        return ""
    return "Then " + (said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]) + "."


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
        why = f" (a {tgt_lang} article takes its form from its noun)"
    if len(f.ahead) == 1:
        (i, k), = f.ahead
        return (f"'{f.output[i]}' looks most at '{f.source[f.links[i]]}', like '{f.output[k]}' after it{why}: "
                f"the last one stands for '{f.source[f.links[i]]}', so '{f.output[i]}' is drawn faint.")
    return (f"{ahead_words(f)} look most at the same {src_lang} word as a later {tgt_lang} word{why}: the last "
            "one stands for it, so these are drawn faint.")


def crossing_rule(f: Facts, tgt_lang: str, src_lang: str) -> str:
    """The reading rule, with this sentence's two lengths when they differ. '' with fewer than two output words."""
    if f.rows < 2:
        return ""
    lengths = (f" (here {len(f.source)} {src_lang} words, {f.rows} {tgt_lang} words)"
               if len(f.source) != f.rows else "")
    counted = " solid" if f.ahead and not f.still else ""
    return (f"Where two{counted} links cross, the earlier {tgt_lang} word looks at the later {src_lang} word: "
            f"the order changed. Links that do not cross keep the order, whatever the two lengths{lengths}.")


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
        text += f" A crossing is a{solid} box left of a{solid} box above it."
    elif f.rows >= 2 and not f.still:
        text += f" No{solid} box lies left of a{solid} box above it: no links cross."
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
