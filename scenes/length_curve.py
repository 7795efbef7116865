"""Length curve, as Bahdanau et al. (2015) draw it in their Fig. 2: translation quality against
source length. Two panels share the length axis: BLEU (sacreBLEU, as model/train.py stores it in each
card) and exact match, one curve per model, so a BLEU curve that falls gently can be seen beside an
exact-match curve that falls off a cliff. Every number and every sentence (which model leads where,
where the Transformer does not win, how large the gaps are, what is within noise) is computed from
the model cards' evaluation; nothing is typed in."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    Polygon,
    VGroup,
    VMobject,
    config,
    there_and_back,
)

from model.corpus import LENGTH_BUCKETS, grammar_splits
from model.experiment import shared_recipe, uncontrolled
from model.names import design, design_note
from model.trace import model_info
from scenes.kit import ExplainerScene, WordFlow, claims, fit_width, label
from scenes.kit.key import key_entry
from scenes.kit.pacing import share, until_said

MODELS = ("plain", "lstm", "attention", "transformer")
TREND = 5.0         # BLEU points from the shortest to the longest group for a BLEU curve to "fall" or "rise"
LEVEL = 1.0         # BLEU points within which two models are "level" on a group (below what 250 sentences resolve)
CLIFF = 25.0        # exact-match points one step must lose to be a cliff
STEEPER = 2.0       # ... and how many times BLEU's own steepest step
DASHED = ("lstm",)  # drawn dashed (and said so in its key): its curves run close to plain's
NUMBER_SIZE = 22    # every number a sentence refers to: ≥ 20 px at 1080p


@dataclass(frozen=True)
class Bucket:
    lo: int
    hi: int
    exact: float        # % of sentences translated exactly
    n: int
    bleu: float | None = None  # sacreBLEU corpus BLEU of the group (0-100), None when the card has none

    @property
    def name(self) -> str:
        return f"{self.lo}–{self.hi}"


def buckets(card: dict) -> list[Bucket]:
    """The stored evaluation of one model card, by length group; a group with no test sentence (a
    pair file without sentences of that length) was not measured and is left out."""
    evaluation = card["evaluation"]
    found = []
    for lo, hi in LENGTH_BUCKETS:
        group = evaluation.get(f"{lo}-{hi}", {})
        if group.get("n"):
            bleu = group.get("bleu")
            found.append(Bucket(lo, hi, 100 * group["exact_match"], int(group["n"]),
                                None if bleu is None else float(bleu)))
    return found


def score(value: float | None) -> str:
    """A BLEU score or a gap in points, as said and shown: whole numbers, but one decimal where
    rounding would hide something (99.89 is not 100, a gap of 1.3 is not 1)."""
    v = value or 0.0
    return f"{v:.1f}" if 99.5 <= abs(v) < 100 or 0 < abs(v) < 9.5 else f"{v:.0f}"


def signed(value: float) -> str:
    """A gap on screen: '+36', '−1.3' (a real minus sign)."""
    return ("+" if value >= 0 else "−") + score(abs(value))


def points_word(value: float) -> str:
    return "point" if score(value) in ("1", "1.0") else "points"


def has_bleu(points: list[Bucket]) -> bool:
    return bool(points) and all(b.bleu is not None for b in points)


def shape(points: list[Bucket]) -> str:
    """Exact match's shape: 'falls', 'rises', 'flat', 'varies' or 'unclear', from the size of the
    change and the number of test sentences behind it (claims.trend, Fisher's exact test)."""
    return claims.trend([b.exact for b in points], [b.n for b in points])


def bleu_shape(points: list[Bucket]) -> str:
    """BLEU's shape: 'falls' or 'rises' (more than TREND points from first to last group), 'flat'
    (every group within TREND points), else 'varies'."""
    values = [b.bleu or 0.0 for b in points]
    change = values[-1] - values[0]
    if abs(change) > TREND:
        return "falls" if change < 0 else "rises"
    return "flat" if max(values) - min(values) <= TREND else "varies"


BLEU_WORDS = {"falls": "falling", "rises": "rising", "flat": "flat", "varies": "up and down"}
EXACT_WORDS = {"falls": "falling", "rises": "rising", "flat": "flat", "varies": "up and down",
               "unclear": "too few sentences differ to call a trend"}


def steepest(values: list[float]) -> tuple[int, float]:
    """The neighbouring groups (index of the first) between which a curve loses most, and how much."""
    drops = [a - b for a, b in itertools.pairwise(values)]
    k = max(range(len(drops)), key=lambda i: drops[i])
    return k, drops[k]


def what_it_is(card: dict) -> str:
    """What a model is built from, from its card, for the line that introduces it: a GRU is named as
    gated (the name 'plain' must not pass it off as the article's simple RNN); '' when the card does not say."""
    found = design(card)
    if found is None:
        return ""
    cell, attends = found
    if cell is None:
        return ", self-attention with no recurrence"
    gated = " (a gated recurrent cell, not the article's simple RNN)" if cell == "GRU" else ""
    return f", a{'n' if cell[0] in 'AEFHILMNORSX' else ''} {cell}{gated} {'with' if attends else 'without'} attention"


def describe(name: str, points: list[Bucket], what: str = "") -> str:
    """One model's line of narration: both measures on its shortest and longest group, and their
    shapes, as measured; where exact match falls, the step where it falls most. `what`: what the
    model is built from (`what_it_is`)."""
    first, last = points[0], points[-1]
    bleu = has_bleu(points)
    if len(points) == 1:
        scored = f"scores BLEU {score(first.bleu)} on" if bleu else "was tested on"
        return (f"The {name} model{what} {scored} the {first.name}-word test sentences and translates {first.exact:.0f}% of "
                "them exactly; no longer sentences were tested.")
    said = (f"BLEU {score(first.bleu)} on {first.name} words and {score(last.bleu)} on {last.name}, "
            f"{BLEU_WORDS[bleu_shape(points)]}; " if bleu else
            f"no BLEU by length in its card; on {first.name} and {last.name} words, ")
    exact = f"exact match {first.exact:.0f}% and {last.exact:.0f}%, {EXACT_WORDS[shape(points)]}"
    if shape(points) == "falls":
        k, _ = steepest([b.exact for b in points])
        exact += f", most steeply between the {points[k].name} and {points[k + 1].name}-word groups"
    return f"The {name} model{what}: {said}{exact}."


def compare_sentence(points: dict[str, list[Bucket]]) -> str:
    """Every model's curves in one comparison, shortest to longest group: BLEU grouped by its shape
    (each model's first and last value), then where each exact match ends. '' when no model was tested
    on more than one length group."""
    named = {m: pts for m, pts in points.items() if len(pts) > 1}
    if not named:
        return ""
    first, last = next(iter(named.values()))[0], next(iter(named.values()))[-1]
    by_shape: dict[str, list[str]] = {}
    for m, pts in named.items():
        if has_bleu(pts):
            by_shape.setdefault(bleu_shape(pts), []).append(f"{m} ({score(pts[0].bleu)} to {score(pts[-1].bleu)})")
    verbs = {"falls": "falls for", "rises": "rises for", "flat": "stays flat for", "varies": "goes up and down for"}
    bleu = "; ".join(f"{verbs[k]} {_groups(v)}" for k, v in by_shape.items())
    ends: dict[str, list[str]] = {}
    for m, pts in named.items():
        ends.setdefault(f"{pts[-1].exact:.0f}%", []).append(m)
    exact = _groups([f"{v} for {_groups(ms)}" for v, ms in ends.items()])
    said = f"From {first.name} to {last.name} words, BLEU {bleu}. " if bleu else f"From {first.name} to {last.name} words, "
    return said + ("Exact match ends at " if bleu else "exact match ends at ") + exact + "."


def cliff(points: dict[str, list[Bucket]]) -> str | None:
    """The model whose exact match falls off a cliff (one step losing at least CLIFF points, and
    STEEPER times BLEU's steepest step) while its BLEU falls more gently; of several, the one whose
    two curves part most. None when no model's curves part like that."""
    found = {}
    for name, pts in points.items():
        if len(pts) < 2 or not has_bleu(pts):
            continue
        _, exact_step = steepest([b.exact for b in pts])
        _, bleu_step = steepest([b.bleu or 0.0 for b in pts])
        if exact_step >= CLIFF and exact_step >= STEEPER * max(bleu_step, 0.0) and shape(pts) == "falls":
            found[name] = exact_step - bleu_step
    return max(found, key=lambda m: found[m]) if found else None


def cliff_sentence(points: dict[str, list[Bucket]]) -> str:
    name = cliff(points)
    if name is None:
        return ("Here no model's exact match falls much more steeply than its BLEU: "
                "on these sentences the two measures fall together.")
    pts = points[name]
    k, drop = steepest([b.exact for b in pts])
    _, bleu_drop = steepest([b.bleu or 0.0 for b in pts])
    first, last = pts[0], pts[-1]
    return (f"The {name} model's two curves part. Exact match loses {drop:.0f} points in one step, between the "
            f"{pts[k].name} and {pts[k + 1].name}-word groups, down to {last.exact:.0f}%; BLEU loses at most "
            f"{score(bleu_drop)} a step, from {score(first.bleu)} to {score(last.bleu)}. One wrong word fails a "
            "whole sentence in exact match; BLEU still credits the words that match.")


def leaders(points: dict[str, list[Bucket]]) -> list[tuple[str, list[str]]]:
    """Per length group, the models with the best BLEU: the top one and any within LEVEL of it."""
    names = [m for m in points if has_bleu(points[m])]
    if not names:
        return []
    groups = points[names[0]]
    found = []
    for g, bucket in enumerate(groups):
        scores = {m: points[m][g].bleu or 0.0 for m in names if len(points[m]) > g}
        top = max(scores.values())
        found.append((bucket.name, [m for m in names if top - scores[m] <= LEVEL]))
    return found


def _groups(names: list[str]) -> str:
    return (", ".join(names[:-1]) + " and " + names[-1]) if len(names) > 1 else names[0]


def best_sentence(points: dict[str, list[Bucket]]) -> str:
    """Which model has the best BLEU at which lengths; models within LEVEL points are said to be
    level (a gap that small is not one these test sets resolve)."""
    found = leaders(points)
    if not found:
        return ""
    by_leader: dict[tuple[str, ...], list[str]] = {}
    for group, names in found:
        by_leader.setdefault(tuple(names), []).append(group)
    parts = []
    everywhere = len(by_leader) == 1
    for names, groups in by_leader.items():
        where = "at every length" if everywhere else f"on {_groups(groups)} words"
        if len(names) == 1:
            parts.append(f"{names[0]} has the best BLEU {where}")
        else:
            parts.append(f"{_groups(list(names))} are level for the best BLEU {where} (within {LEVEL:.0f} point)")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def versus_sentence(attention: list[Bucket], transformer: list[Bucket]) -> str:
    """The Transformer against the attention model in BLEU, group by group, as measured: where it is
    ahead, level (within LEVEL points) and behind; the groups where it does not win are always said."""
    ahead, level, behind = [], [], []
    for a, t in zip(attention, transformer):
        gap = (t.bleu or 0.0) - (a.bleu or 0.0)
        (ahead if gap > LEVEL else behind if gap < -LEVEL else level).append((a, t))
    if behind and not ahead and not level:
        (a0, t0), (a1, t1) = behind[0], behind[-1]
        if len(behind) == 1:
            gap = (a0.bleu or 0) - (t0.bleu or 0)
            return f"Trained the same way, the Transformer trails attention by {score(gap)} BLEU {points_word(gap)}."
        first, last = (a0.bleu or 0) - (t0.bleu or 0), (a1.bleu or 0) - (t1.bleu or 0)
        return (f"Trained the same way, the Transformer trails attention at every length: by {score(first)} BLEU "
                f"{points_word(first)} on {t0.name} words, by {score(last)} on {t1.name}.")

    def groups(found) -> str:
        return _groups([t.name for _, t in found])

    parts = [f"{word} on {groups(found)} words" for word, found in
             (("ahead", ahead), (f"level (within {LEVEL:.0f} point)", level), ("behind", behind)) if found]
    verdict = ("" if not (behind or level) else " It does not beat attention everywhere." if ahead else
               " It does not beat attention anywhere here.")
    return "Against attention in BLEU, trained the same way, the Transformer is " + "; ".join(parts) + "." + verdict


def beats_rnns_sentence(points: dict[str, list[Bucket]], rnns: tuple[str, ...] = ("plain", "lstm")) -> str:
    """Whether the Transformer beats the recurrent models without attention at every length (by more
    than LEVEL BLEU points), with the real gaps, smallest to largest; otherwise where it does not."""
    mine = points["transformer"]
    gaps = [(t.bleu or 0) - (b.bleu or 0) for m in rnns for b, t in zip(points[m], mine)]
    losses = [(m, b.name) for m in rnns for b, t in zip(points[m], mine) if (t.bleu or 0) - (b.bleu or 0) <= LEVEL]
    if losses:
        where = _groups([f"{m} on {g} words" for m, g in losses])
        return f"It does not clearly beat every model without attention: not {where}."
    low, high = min(gaps), max(gaps)
    by = f"by {score(low)} BLEU points" if score(low) == score(high) else f"by {score(low)} to {score(high)} BLEU points"
    return f"It beats {_groups(list(rnns))} at every length, {by}."


def baseline_sentence(name: str, base: str, mine: list[Bucket], theirs: list[Bucket]) -> str:
    """A variant against its baseline, when their curves run close: above or below in BLEU (or where it is
    within LEVEL points), and whether exact match differs by more than luck anywhere (Fisher's exact test,
    named only in the footnote: the student has not met it)."""
    pairs = list(zip(mine, theirs))
    gaps = [(m.bleu or 0.0) - (t.bleu or 0.0) for m, t in pairs]
    level = [m.name for (m, _), gap in zip(pairs, gaps) if abs(gap) <= LEVEL]
    if level:
        bleu = f"within {LEVEL:.0f} BLEU point of {base} on {_groups(level)} words"
    elif all(gap > 0 for gap in gaps):   # the gap is read off the chart: no number said that is not drawn
        bleu = f"above {base} in BLEU at every length"
    elif all(gap < 0 for gap in gaps):
        bleu = f"below {base} in BLEU at every length"
    else:
        bleu = f"above {base} in BLEU on some lengths and below on others"
    real = [m.name for m, t in pairs if claims.change_is_real(m.exact, m.n, t.exact, t.n)]
    exact = (f"its exact match differs from {base}'s by more than luck would give on {_groups(real)} words" if real else
             f"its exact match differs from {base}'s so little that the difference could be luck")
    return f"It is {bleu}; {exact}."


def gap_sentence(plain: list[Bucket], attention: list[Bucket]) -> str:
    """Attention's lead over the plain model in BLEU (the shaded band), as it changes with length."""
    gaps = [(a.bleu or 0.0) - (p.bleu or 0.0) for a, p in zip(attention, plain)]
    if max(gaps) <= LEVEL:
        return "Here attention is no better than the plain model in BLEU at any length."
    first, last = gaps[0], gaps[-1]
    if len(gaps) == 1:
        trend = f"{score(first)} BLEU points on the {attention[0].name}-word sentences, the only length tested"
    elif last - first > TREND:
        trend = f"it grows from {score(first)} BLEU points on the shortest sentences to {score(last)} on the longest"
    elif first - last > TREND:
        trend = f"it shrinks from {score(first)} BLEU points on the shortest sentences to {score(last)} on the longest"
    else:
        trend = f"it is {score(first)} BLEU points on the shortest sentences and {score(last)} on the longest"
    return f"The shaded band is attention's lead over the plain model: {trend}."


def missing_bleu_sentence(points: dict[str, list[Bucket]]) -> str:
    """Cards without BLEU by length (trained before model/train.py stored it) are named, never filled in."""
    missing = [m for m, pts in points.items() if pts and not has_bleu(pts)]
    if not missing:
        return ""
    return (f"The card{'s' if len(missing) > 1 else ''} of {_groups(missing)} record{'' if len(missing) > 1 else 's'} "
            "no BLEU by length, so the BLEU panel leaves them out; retraining with model/train.py stores it.")
def counts_sentence(cards: dict[str, dict]) -> str:
    """How many test sentences each bar stands on: one number if all agree, else the range."""
    ns = {b.n for card in cards.values() for b in buckets(card)}
    if len(ns) == 1:
        return f"{ns.pop()} unseen test sentences in each length group"
    return f"between {min(ns)} and {max(ns)} unseen test sentences per length group"


def difference_phrases(cards: dict[str, dict]) -> dict[str, str]:
    """Each variant's documented difference from its baseline, in words: the cells by name when the
    cards' architectures say what they are ('the cell ('lstm' uses LSTM cells where 'plain' uses GRU
    cells)'), else just which models are compared ('cell (lstm vs plain)')."""
    phrases = {}
    for name, card in cards.items():
        exp = card.get("experiment") or {}
        what, base = exp.get("differs_by"), exp.get("baseline")
        if not what:
            continue
        mine, theirs = design(card), design(cards.get(base) or {})
        if what == "cell" and mine and theirs and mine[0] != theirs[0] and mine[1] == theirs[1]:
            phrases[name] = f"the cell ('{name}' uses {mine[0]} cells where '{base}' uses {theirs[0]} cells)"
        elif what == "attention" and mine and theirs and mine[1] and not theirs[1] and mine[0] == theirs[0]:
            phrases[name] = f"attention ('{name}' adds it to the same {mine[0]} as '{base}')"
        elif what == "architecture" and mine and theirs and mine[0] is None and theirs[0]:
            phrases[name] = f"the architecture ('{name}': attention layers, no recurrence)"
        else:
            phrases[name] = f"{what} ({name} vs {base})"
    return phrases


def controls_sentence(cards: dict[str, dict], each_said: bool = False) -> str:
    """What the comparison controls, as `model.experiment` checks it (the one source of truth): the
    same recorded recipe, data, seed, sizes and training length, each variant differing from `plain`
    only by its documented difference; otherwise the settings that differ are named. `each_said`:
    the differences are said one by one as each model's curve is drawn (`introduction`), so here
    only that each variant differs in one thing."""
    differ = uncontrolled(cards)
    if differ:
        shown = ", ".join(differ[:3]) + (f" and {len(differ) - 3} more" if len(differ) > 3 else "")
        return f"Their training differs beyond the one thing compared ({shown}), so this is not a controlled comparison."
    if not shared_recipe(cards):
        return "Their training settings are not recorded, so this comparison is not controlled."
    named = list(difference_phrases(cards).values())
    if not named:
        return "All were trained with identical settings, so nothing else differs."
    if each_said:
        bases = sorted({(card.get("experiment") or {}).get("baseline") for card in cards.values()
                        if (card.get("experiment") or {}).get("differs_by")})
        return f"All were trained with identical settings; each of the others differs from {_groups(bases)} in one thing."
    return f"All were trained with identical settings. The only differences: {'; '.join(named)}."


def introduction(name: str, cards: dict[str, dict], controlled: bool) -> str:
    """A variant's line as its curve is drawn: its difference from its baseline, as its card and its
    baseline's record them ('one difference' only when the comparison is controlled); a model without recurrence
    is said to be built from attention layers, which the next chapters open up. Otherwise what its
    card says it is built from (`what_it_is`)."""
    card = cards[name]
    exp = card.get("experiment") or {}
    what, base = exp.get("differs_by"), exp.get("baseline")
    mine, theirs = design(card), design(cards.get(base) or {})
    one = "one " if controlled else ""
    if what == "cell" and mine and theirs and mine[0] and theirs[0] and mine[0] != theirs[0] and mine[1] == theirs[1]:
        return f"The {name} model's {one}difference from {base}: its cell, {mine[0]} where {base} has {theirs[0]}."
    if what == "attention" and mine and theirs and mine[1] and not theirs[1] and mine[0] == theirs[0]:
        return f"The {name} model's {one}difference from {base}: attention, added to the same {mine[0]}."
    if mine and mine[0] is None:
        return (f"The {name} model has no recurrence at all: it is built from attention layers, "
                "a design the next chapters open up.")
    return f"The {name} model{what_it_is(card)}."



def still_learning(card: dict) -> bool:
    """Whether the card's training loss was still falling in its last epoch (then a model that loses
    is said to have had the same budget, not to have reached its best)."""
    losses = (card.get("training") or {}).get("epoch_loss") or []
    return len(losses) >= 2 and losses[-1] < losses[-2]


def short_training_share(card: dict) -> float | None:
    """The share of the model's training sentences that fall in the shortest length group, rebuilt
    from the built-in grammar with the card's seed; None when it cannot be rebuilt exactly (a pair
    file, or a training set of another size than the card records): then nothing is said about it."""
    corpus, trained = card.get("corpus") or {}, (card.get("training") or {}).get("train_pairs")
    if corpus.get("kind") != "grammar" or "seed" not in corpus or not trained:
        return None
    train = grammar_splits(int(corpus["seed"])).train
    if len(train) != trained:
        return None
    return sum(len(p.source) <= LENGTH_BUCKETS[0][1] for p in train) / len(train)


def state_size(cards: dict[str, dict]) -> int | None:
    """The hidden size all the cards record, or None when they differ or do not say."""
    sizes = {(card.get("architecture") or {}).get("hidden") for card in cards.values()}
    return sizes.pop() if len(sizes) == 1 and None not in sizes else None


def cpu_minutes(cards: dict[str, dict]) -> tuple[int, int] | None:
    """The fewest and most whole minutes of CPU the cards record for training (None: not recorded).
    CPU time, not wall time: the wall clock of a shared machine says more about the machine than the model."""
    minutes = [(card["training"].get("cpu_seconds") or card["training"]["seconds"]) / 60 for card in cards.values()
               if (card.get("training") or {}).get("seconds")]
    return (max(1, round(min(minutes))), max(1, round(max(minutes)))) if minutes else None


def caveat_sentence(cards: dict[str, dict], points: dict[str, list[Bucket]],
                    short_share: float | None) -> str:
    """Why a drop after the shortest group is this toy's and not a law: the models' size and training
    time as the cards record them, and how short their training sentences were (when known). Said
    only when some model's curve falls."""
    if not any(len(p) > 1 and shape(p) == "falls" for p in points.values()):
        return ""
    limit = LENGTH_BUCKETS[0][1]
    hidden = state_size(cards)
    size = f" (a state of {hidden} numbers)" if hidden else ""
    found = cpu_minutes(cards)
    if found:
        low, high = found
        trained = (f", each trained for {low} minutes of CPU" if low == high else
                   f", trained for {low} to {high} minutes of CPU each")
    else:
        trained = ""
    data = ""
    if short_share is not None:
        share = round(100 * short_share)
        data = (f", on training sentences mostly of {limit} words or fewer ({share}%)" if short_share > 0.5 else
                f"; most of their training sentences ({100 - share}%) are longer than {limit} words")
    return (f"These are tiny models{size}{trained}{data}. The drop after {limit} words is this toy's, not a "
            "law: larger LSTMs (Sutskever and colleagues, 2014) translate long sentences far better.")



class LengthCurve(ExplainerScene):
    title = "Longer sentences: where our bottleneck breaks"   # ours: the drop is this toy's (the caveat)

    def construct(self) -> None:
        self.cards = {m: model_info(m) for m in MODELS}
        self.points = {m: buckets(card) for m, card in self.cards.items()}
        self.labels = VGroup()   # the numbers the open beat's narration refers to
        self.setup_beat()
        self.plot(MODELS[0])      # the first curve while the chart is still new: no long empty axes
        self.controls_beat()
        for name in MODELS[1:]:
            self.plot(name)
        self.compare()
        self.show_cliff()
        self.who_wins()
        self.shade_gap()
        self.caveat()

    # --- the set-up: what is measured, and on what; the chart is drawn only when a curve fills it --------
    def setup_beat(self) -> None:
        """The chart builds as the set-up is read: each panel's axes with the measure that names it
        (what it counts written inside, until the curves come), the length groups as the test
        sentences are named, each model's key as its difference is."""
        measures = ("Bahdanau and colleagues plotted BLEU against sentence length. BLEU credits every word and "
                    "run of words shared with the reference; exact match counts only flawless sentences.")
        missing = missing_bleu_sentence(self.points)
        self.beat("setup", " ".join(t for t in (measures, missing) if t))
        self.add(self.heading())
        self.add(self.footnote(f"BLEU: sacreBLEU, {bleu_settings(self.cards)}; both measured on held-out test "
                               f"sentences after training the {len(MODELS)} models for this film; "
                               "'could be luck': Fisher's exact test, p ≥ 0.05"))
        self.build_panels()
        self.legend = self.model_keys()
        self.keys_shown: set[str] = set()
        (axes0, ticks0, _), (axes1, ticks1, _) = self.furniture
        self.play(FadeIn(self.titles[0], shift=0.2 * DOWN), Create(axes0), FadeIn(ticks0, lag_ratio=0.2),
                  run_time=max(0.8, until_said(self, "BLEU credits")))
        self.play(FadeIn(self.meanings[0], shift=0.2 * DOWN), run_time=max(0.8, until_said(self, "exact match counts")))
        self.play(FadeIn(self.titles[1], shift=0.2 * DOWN), FadeIn(self.meanings[1], shift=0.2 * DOWN),
                  Create(axes1), FadeIn(ticks1, lag_ratio=0.2), run_time=max(0.8, share(self, 0.6)))
        self.play(*[FadeIn(f[2], lag_ratio=0.3) for f in self.furniture], FadeIn(self.x_name), run_time=share(self, 0.9))

    def controls_beat(self) -> None:
        """What the comparison controls; the other models' keys appear as their differences are said."""
        controls = controls_sentence(self.cards, each_said=True)
        self.beat("controls", controls)
        self.show_keys(controls)

    def build_panels(self) -> None:
        """Two charts on one length axis: BLEU left, exact match right (built, not yet shown)."""
        th = self.theme
        groups = max(len(p) for p in self.points.values())
        self.panels: list[Axes] = []
        self.furniture: list[VGroup] = []
        for x in (-3.35, 3.55):
            axes = Axes(x_range=[0, groups, 1], y_range=[0, 100, 20], x_length=5.2, y_length=3.2,
                        axis_config={"color": th.muted, "include_tip": False, "include_ticks": False})
            axes.shift([x, -0.08, 0] - axes.c2p(groups / 2, 50))
            ticks = VGroup(*[label(f"{y}", 20, th.muted).next_to(axes.c2p(0, y), LEFT, buff=0.12)
                             for y in range(0, 101, 20)])
            names = VGroup()
            for g, bucket in enumerate(self.points[MODELS[0]]):
                names.add(label(bucket.name, 20, th.text).next_to(axes.c2p(g + 0.5, 0), DOWN, buff=0.12))
            self.panels.append(axes)
            self.furniture.append(VGroup(axes, ticks, names))
        self.titles = VGroup(label("BLEU (0–100)", 24, th.text), label("exact match (% of sentences)", 24, th.text))
        for title, axes in zip(self.titles, self.panels):
            title.next_to(axes.c2p(len(self.points[MODELS[0]]) / 2, 100), UP, buff=0.28)
        # what each measure counts, under its title while the set-up is read (the curves replace it)
        self.meanings = VGroup()
        for title, words in zip(self.titles, (("credits each word and", "each run of words", "that match the reference"),
                                              ("a sentence counts only", "if every word is right"))):
            lines = VGroup(*[label(w, 24, th.muted) for w in words]).arrange(DOWN, buff=0.14)
            self.meanings.add(fit_width(lines, 4.4).move_to([title.get_x() + 0.2, 0.3, 0]))   # clear of the scale
        ns = sorted({b.n for pts in self.points.values() for b in pts})
        n = f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"
        self.x_name = label(f"source sentence length in words; {n} test sentences per group", 20, th.text)
        self.x_name.next_to(self.furniture[0][2], DOWN, buff=0.2).set_x(0)

    def model_keys(self) -> VGroup:
        """One key per model in a row under the heading: its colour, its name and, from its card, what
        it is built from ('GRU, no attention')."""
        th = self.theme
        keys = VGroup()
        for name in MODELS:
            key = key_entry(f"model_{name}", name, size=22)
            note = design_note(self.cards[name])
            if name in DASHED:
                note = f"{note}; dashed" if note else "dashed"
            if note:
                key.add(label(note, 17, th.muted).next_to(key[1], DOWN, buff=0.06, aligned_edge=LEFT))
            keys.add(key)
        keys.arrange(RIGHT, buff=0.4, aligned_edge=UP)   # room for lstm's "dashed"
        return keys.move_to([0, 2.62, 0])

    def show_keys(self, controls: str) -> None:
        """The keys appear as the narration names each model's difference (the baseline's first);
        when the cards name none, one after another over the sentence."""
        phrases = {m: p for m, p in difference_phrases(self.cards).items() if p in controls} \
            if "identical settings" in controls else {}
        order = [m for m in MODELS if m not in phrases] + [m for m in MODELS if m in phrases]
        order = [m for m in order if m not in self.keys_shown]
        for k, name in enumerate(order):
            later = order[k + 1] if k + 1 < len(order) else None
            wait = until_said(self, phrases[later]) if later in phrases else (
                self.reading_time_left() / (len(order) - k) if later else share(self, 0.9))
            self.play(FadeIn(self.legend[MODELS.index(name)], shift=0.15 * DOWN), run_time=max(0.6, wait))
            self.keys_shown.add(name)

    # --- the curves ------------------------------------------------------------------------------
    def curve(self, axes: Axes, name: str, values: list[float]) -> VGroup:
        """A model's curve on one panel: its groups' values as dots, joined by a line."""
        color = self.theme.model_color(name)
        corners = [axes.c2p(g + 0.5, v) for g, v in enumerate(values)]
        line = VMobject(stroke_color=color, stroke_width=4).set_points_as_corners(corners)
        if name in DASHED:   # its curve runs close to another model's: told apart by its dashes too
            line = DashedVMobject(line, num_dashes=12 * len(corners), dashed_ratio=0.6)
        dots = VGroup(*[Dot(p, radius=0.07, color=color) for p in corners])
        return VGroup(line, dots)

    @staticmethod
    def dim(curves: VGroup, opacity: float) -> list:
        """Animations that fade a model's curves, lines and dots (set_opacity would also fill a line's polygon)."""
        return [a for line, dots in curves for a in (line.animate.set_stroke(opacity=opacity),
                                                     dots.animate.set_fill(opacity=opacity))]

    @staticmethod
    def lines(curves: VGroup) -> list[VMobject]:
        return [line for line, _ in curves]

    def number(self, text: str, color: str, point, sides, axes: Axes) -> VGroup:
        """A number a sentence refers to (≥ 20 px at 1080p), on a patch of background so no line runs
        through it, on the first of `sides` where it stays over its own panel (clear of the other
        panel's scale and of the frame's edge)."""
        value = label(text, NUMBER_SIZE, color)
        left, right = axes.get_left()[0] - 0.05, axes.get_right()[0] + 0.75
        for side in sides:
            value.next_to(point, side, buff=0.12)
            if value.get_left()[0] >= left and value.get_right()[0] <= right:
                break
        return value.add_background_rectangle(color=self.theme.background, opacity=0.85, buff=0.04)

    def end_labels(self, name: str) -> VGroup:
        """The first and last group's values of a model, on both panels (what `describe` says)."""
        color = self.theme.model_color(name)
        pts = self.points[name]
        found = VGroup()
        for axes, values, unit in ((self.panels[0], [b.bleu for b in pts], ""),
                                   (self.panels[1], [b.exact for b in pts], "%")):
            if values[0] is None:
                continue
            for g in sorted({0, len(values) - 1}):
                shown = score(values[g]) if unit == "" else f"{values[g]:.0f}%"
                vertical = DOWN if values[g] > 85 else UP   # clear of the panel's title above
                beside = RIGHT if values[g] >= 12 else UP + RIGHT   # off the x axis near 0
                sides = (vertical, beside) if g == 0 and len(values) > 1 else (beside, vertical)
                found.add(self.number(shown, color, axes.c2p(g + 0.5, values[g]), sides, axes))
        return found

    def relabel(self, new: VGroup, run_time: float = 0.6) -> None:
        """The numbers of the beat before go, this beat's come."""
        anims = [FadeIn(new)] + ([FadeOut(self.labels)] if len(self.labels) else [])
        self.play(*anims, run_time=run_time)
        self.remove(self.labels)
        self.labels = new

    def plot(self, name: str) -> None:
        if name == MODELS[0] or not compare_sentence(self.points):
            said = describe(name, self.points[name], what_it_is(self.cards[name]))
            if name == MODELS[0]:
                said = f"We measured both on {counts_sentence(self.cards)}. " + said
        else:
            said = introduction(name, self.cards, controlled=not uncontrolled(self.cards) and shared_recipe(self.cards))
        base = (self.cards[name].get("experiment") or {}).get("baseline")
        if (self.cards[name].get("experiment") or {}).get("differs_by") == "cell" and base in self.points and \
                has_bleu(self.points[name]) and has_bleu(self.points[base]):   # two recurrent curves side by side
            beside = baseline_sentence(name, base, self.points[name], self.points[base])
            said += " " + beside
        else:
            beside = ""
        self.beat(name, said)
        pts = self.points[name]
        curves = VGroup(self.curve(self.panels[1], name, [b.exact for b in pts]))
        if has_bleu(pts):
            curves.add(self.curve(self.panels[0], name, [b.bleu or 0.0 for b in pts]))
        gone = [FadeOut(self.labels)] if len(self.labels) else []   # no new line drawn through old numbers
        key = self.legend[MODELS.index(name)]
        first = [FadeOut(self.meanings)] if name == MODELS[0] else []   # the meanings make room for the first curve
        if name not in self.keys_shown:
            first.append(FadeIn(key, shift=0.15 * DOWN))
            self.keys_shown.add(name)
        self.play(key.animate.scale(1.12), *gone, *first, run_time=0.6)
        self.remove(self.labels)
        self.labels = VGroup()
        self.curves = getattr(self, "curves", {})
        if beside and base in self.curves:   # two recurrent curves close together: the baseline dims, the gaps are drawn as said
            self.play(*[Create(c) for c in curves], *self.dim(self.curves[base], 0.3),
                      run_time=max(0.8, until_said(self, beside)))
            self.relabel(self.baseline_gaps(name, base), run_time=max(0.8, until_said(self, "its exact match")))
            exact_lines = [self.curves[base][0][0], curves[0][0]]
            self.play(*[line.animate.set_stroke(width=8) for line in exact_lines], run_time=share(self, 0.4))
            self.play(*[line.animate.set_stroke(width=4) for line in exact_lines], *self.dim(self.curves[base], 1.0),
                      key.animate.scale(1 / 1.12), run_time=share(self, 0.9))
        else:
            self.play(*[Create(c) for c in curves], run_time=share(self, 0.55))
            self.relabel(self.end_labels(name))
            if "most steeply" in said:   # the step `describe` names, lit as it is said
                k, _ = steepest([b.exact for b in pts])
                axes = self.panels[1]
                step = Line(axes.c2p(k + 0.5, pts[k].exact), axes.c2p(k + 1.5, pts[k + 1].exact),
                            stroke_color=self.theme.text, stroke_width=9)
                # while its two measures are read: the BLEU curve thick, then the exact-match one, then the step
                exact_line, bleu_line = curves[0][0], curves[-1][0]
                self.play(bleu_line.animate.set_stroke(width=8), run_time=max(0.6, until_said(self, "exact match")))
                self.play(bleu_line.animate.set_stroke(width=4), exact_line.animate.set_stroke(width=8),
                          run_time=max(0.6, until_said(self, "most steeply")))
                self.play(Create(step), exact_line.animate.set_stroke(width=4), run_time=share(self, 0.4))
                self.play(FadeOut(step), self.legend[MODELS.index(name)].animate.scale(1 / 1.12),
                          run_time=share(self, 0.9))
            else:
                self.play(self.legend[MODELS.index(name)].animate.scale(1 / 1.12), run_time=share(self, 0.9))
        self.curves[name] = curves

    def baseline_gaps(self, name: str, base: str) -> VGroup:
        """A variant's BLEU minus its baseline's at each length, over its own dots (what 'above in BLEU
        at every length' is read from)."""
        axes, color = self.panels[0], self.theme.model_color(name)
        found = VGroup()
        for g, (m, b) in enumerate(zip(self.points[name], self.points[base])):
            if m.bleu is None or b.bleu is None:
                continue
            top = axes.c2p(g + 0.5, max(m.bleu, b.bleu))
            found.add(self.number(signed(m.bleu - b.bleu), color, top, (UP, UP + RIGHT), axes))
        return found

    def compare(self) -> None:
        """Every model's curves compared once: each model's curves thickened in turn while it is named."""
        text = compare_sentence(self.points)
        if not text or len(self.curves) < 2:
            return
        self.beat("compare", text)
        self.play(FadeOut(self.labels), run_time=0.5)
        self.remove(self.labels)
        self.labels = VGroup()
        for name in MODELS:
            lines = self.lines(self.curves[name])
            self.play(*[line.animate.set_stroke(width=8) for line in lines], run_time=max(0.6, until_said(self, name)))
            self.play(*[line.animate.set_stroke(width=4) for line in lines], run_time=0.6)
        self.play(*[a for c in self.curves.values() for a in self.dim(c, 0.5)], run_time=share(self, 0.5))
        self.play(*[a for c in self.curves.values() for a in self.dim(c, 1.0)], run_time=share(self, 0.9))

    # --- the two measures part: one model's gentle BLEU beside its exact-match cliff ------------------
    def show_cliff(self) -> None:
        self.beat("cliff", cliff_sentence(self.points))
        name = cliff(self.points)
        if name is None:
            lines = [line for c in self.curves.values() for line in self.lines(c)]
            self.play(*[line.animate.set_stroke(width=6) for line in lines], run_time=share(self, 0.4))
            self.play(*[line.animate.set_stroke(width=4) for line in lines], run_time=share(self, 0.9))
            return
        others = [c for m, c in self.curves.items() if m != name]
        self.play(*[a for c in others for a in self.dim(c, 0.2)], FadeOut(self.labels), run_time=1.0)
        self.remove(self.labels)
        self.labels = VGroup()
        pts = self.points[name]
        steps = VGroup()
        for axes, values, words in ((self.panels[1], [b.exact for b in pts], "in one step"),
                                    (self.panels[0], [b.bleu or 0.0 for b in pts], "at most a step")):
            k, drop = steepest(values)
            a, b = axes.c2p(k + 0.5, values[k]), axes.c2p(k + 1.5, values[k + 1])
            lit = Line(a, b, stroke_color=self.theme.text, stroke_width=9)
            drop_text = score(drop) if axes is self.panels[0] else f"{drop:.0f}"
            sides = (UP + RIGHT, DOWN + LEFT) if drop > 0 else (DOWN + RIGHT, UP + LEFT)   # off a falling or rising step
            steps.add(VGroup(lit, self.number(f"−{drop_text} {words}", self.theme.text, (a + b) / 2, sides, axes)))
        first = self.end_labels(name)
        self.play(FadeIn(first), run_time=share(self, 0.25))
        self.play(Create(steps[0][0]), FadeIn(steps[0][1]), run_time=max(0.8, until_said(self, "BLEU loses at most")))
        self.play(Create(steps[1][0]), FadeIn(steps[1][1]), run_time=share(self, 0.5))
        self.play(*[a for c in others for a in self.dim(c, 1.0)], run_time=share(self, 0.9))
        self.labels = VGroup(first, steps)

    # --- who leads where, and where the Transformer does not win --------------------------------------
    def who_wins(self) -> None:
        att, tra = self.points["attention"], self.points["transformer"]
        versus = versus_sentence(att, tra)
        if still_learning(self.cards["transformer"]) and any(
                (t.bleu or 0) < (a.bleu or 0) - LEVEL for a, t in zip(att, tra)):   # the budget, said once, briefly
            versus = versus.replace("Trained the same way, the Transformer",
                                    "With the same training steps, its loss still falling, the Transformer")
        text = " ".join(t for t in (best_sentence(self.points), versus, beats_rnns_sentence(self.points)) if t)
        self.beat("who-wins", text)
        axes, th = self.panels[0], self.theme
        gaps = VGroup()
        for g, (a, t) in enumerate(zip(att, tra)):
            if a.bleu is None or t.bleu is None:
                continue
            top, bottom = axes.c2p(g + 0.5, a.bleu), axes.c2p(g + 0.5, t.bleu)
            gaps.add(Line(top, bottom, stroke_color=th.text, stroke_width=3))
        numbers = VGroup()
        if len(gaps) and len(att) > 1:
            for g in (0, len(att) - 1):
                diff = (tra[g].bleu or 0) - (att[g].bleu or 0)
                short = gaps[g].get_length() < 0.4   # a short gap's number goes under it, off the lines
                at = gaps[g].get_bottom() if short else gaps[g].get_center()
                numbers.add(self.number(signed(diff), th.model_color("transformer"), at,
                                        (DOWN + RIGHT, DOWN + LEFT) if short else (RIGHT, LEFT), axes))
        self.play(FadeOut(self.labels), run_time=0.6)
        self.remove(self.labels)
        self.labels = VGroup()
        lead = self.lines(self.curves["attention"])[-1]   # its BLEU curve when it has one
        # "Attention has the best BLEU": its curve thick, the others dimmed until the Transformer is named
        others = [self.curves[m] for m in MODELS if m != "attention"]
        versus_at = next((until_said(self, p) for p in ("Against attention", "Trained the same way",
                                                         "With the same training") if until_said(self, p)), 0.0)
        self.play(lead.animate.set_stroke(width=8), *[a for c in others for a in self.dim(c, 0.3)],
                  run_time=max(0.8, versus_at))
        if len(gaps):
            self.play(Create(gaps, lag_ratio=0.5), *self.dim(self.curves["transformer"], 1.0),
                      lead.animate.set_stroke(width=4), run_time=max(0.8, until_said(self, "by ") - 0.6))
        self.relabel(VGroup(gaps, numbers), run_time=0.6)
        # "It beats plain and lstm ... by X to Y": the smallest and the largest of those gaps, drawn as said
        rnns = [self.curves[m] for m in ("plain", "lstm")]
        self.play(lead.animate.set_stroke(width=4), *self.dim(self.curves["transformer"], 1.0),
                  run_time=max(0.6, until_said(self, "It beats") or until_said(self, "It does not clearly")))
        self.play(*[a for c in rnns for a in self.dim(c, 1.0)], run_time=0.6)
        spans = self.rnn_spans(("plain", "lstm"))
        if len(spans):
            self.relabel(spans, run_time=share(self, 0.4))
        # each span's line swells and comes back (an Indicate would paint its number's background patch)
        self.play(*[span[0].animate(rate_func=there_and_back).set_stroke(width=9) for span in spans],
                  run_time=share(self, 0.9))

    def rnn_spans(self, rnns: tuple[str, ...]) -> VGroup:
        """The Transformer's smallest and largest BLEU lead over the recurrent models without
        attention (the 'by X to Y' of beats_rnns_sentence), each a line from its curve down to that
        model's, with the gap; one line when they are the same."""
        axes, th = self.panels[0], self.theme
        mine = self.points["transformer"]
        found = [((t.bleu or 0) - (b.bleu or 0), g, m) for m in rnns for g, (b, t) in enumerate(zip(self.points[m], mine))
                 if b.bleu is not None and t.bleu is not None]
        if not found:
            return VGroup()
        spans = VGroup()
        for gap, g, m in dict.fromkeys([min(found), max(found)]):
            top, bottom = axes.c2p(g + 0.5, mine[g].bleu or 0), axes.c2p(g + 0.5, self.points[m][g].bleu or 0)
            line = Line(top, bottom, stroke_color=th.model_color("transformer"), stroke_width=3)
            spans.add(VGroup(line, self.number(signed(gap), th.model_color("transformer"), line.get_center(),
                                               (RIGHT, LEFT), axes)))
        return spans

    # --- attention's lead over the plain model: the shaded band ---------------------------------------
    def shade_gap(self) -> None:
        plain, att = self.points["plain"], self.points["attention"]
        if not (has_bleu(plain) and has_bleu(att)):
            return
        clear = any((a.bleu or 0) - (p.bleu or 0) > TREND for p, a in zip(plain, att))
        self.beat("gap", gap_sentence(plain, att) + (" That gap is why attention was needed." if clear else ""))
        axes, th = self.panels[0], self.theme
        top = [axes.c2p(g + 0.5, b.bleu or 0) for g, b in enumerate(att)]
        bottom = [axes.c2p(g + 0.5, b.bleu or 0) for g, b in enumerate(plain)]
        band = Polygon(*top, *reversed(bottom), stroke_width=0, fill_color=th.model_color("attention"),
                       fill_opacity=0.16)
        numbers = VGroup()
        for g in sorted({0, len(att) - 1}):
            mid = (top[g] + bottom[g]) / 2
            numbers.add(self.number(signed((att[g].bleu or 0) - (plain[g].bleu or 0)),
                                    th.model_color("attention"), mid, (RIGHT, LEFT) if g == 0 else (LEFT, RIGHT), axes))
        # the band, then its first and its last gap as each is said, then the band pulses on the last words
        self.play(FadeIn(band), run_time=share(self, 0.25))
        self.bring_to_back(band)
        self.relabel(VGroup(numbers[0]), run_time=share(self, 0.3))
        self.play(FadeIn(numbers[1:]), run_time=share(self, 0.35))
        self.labels = numbers
        self.play(band.animate(rate_func=there_and_back).set_fill(opacity=0.4), run_time=share(self, 0.9))

    # --- the caveat: the drop is this toy's ---------------------------------------------------------
    def caveat(self) -> None:
        """Said (and written under the chart) only when some exact-match curve falls."""
        short = short_training_share(self.cards["plain"])
        text = caveat_sentence(self.cards, self.points, short)
        if not text:
            return
        self.beat("caveat", text)
        th = self.theme
        hidden, limit = state_size(self.cards), LENGTH_BUCKETS[0][1]
        data = ("" if short is None else f"{round(100 * short)}% of training sentences have ≤ {limit} words;"
                if short > 0.5 else f"{100 - round(100 * short)}% of training sentences have > {limit} words;")
        found = cpu_minutes(self.cards)
        minutes = "" if not found else f" for {found[0]} minutes" if found[0] == found[1] else \
            f" for {found[0]}–{found[1]} CPU-minutes"
        note_text = (f"tiny models{f', {hidden}-number state' if hidden else ''}, trained{minutes}; {data} "
                     "larger LSTMs do far better on long sentences (Sutskever and colleagues, 2014)")
        words = note_text.split()
        note = WordFlow(words, [th.muted] * len(words), width=config.frame_width - 1.2, font_size=20)
        note.move_to(self.x_name).align_to(self.x_name, UP)   # in the axis name's place: clear of the footer
        self.play(FadeOut(self.x_name), run_time=0.4)   # gone first: the note takes its place, never over it
        self.play(FadeIn(note, shift=0.2 * UP, lag_ratio=0.02), run_time=share(self, 0.35))
        # the drop the caveat is about: each curve's dots after the shortest group, lit one group at a time
        later = [VGroup(*[dots[g] for c in self.curves.values() for _, dots in c if len(dots) > g])
                 for g in range(1, max(len(p) for p in self.points.values()))]
        for dots in later:   # each dot swells and shrinks back in place
            self.play(*[dot.animate(rate_func=lambda t: 1 - abs(2 * t - 1)).scale(1.8) for dot in dots],
                      run_time=share(self, 0.9) / max(1, len(later)))


def bleu_settings(cards: dict[str, dict]) -> str:
    """sacreBLEU's signature as the cards record it ('tok:none|smooth:exp|version:2.6.0'), shortened
    to what differs from sacreBLEU's defaults and its version."""
    sigs = {card.get("bleu_signature") for card in cards.values() if card.get("bleu_signature")}
    if len(sigs) != 1:
        return "settings per card" if sigs else "settings not recorded"
    keep = [part for part in sigs.pop().split("|") if part.split(":")[0] in ("tok", "version")]
    return ", ".join(keep)
