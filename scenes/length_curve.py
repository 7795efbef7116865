"""Length curve (Bahdanau et al. 2014, fig. 2 analogue): exact match by source length for the
models trained here, from the evaluation stored beside their weights. Buckets are drawn as what
they are — a bar per model per length group, with its n — and every sentence said about them
(falls or flat, the gap, n, what the comparison controls) is computed from the model cards."""
from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, RIGHT, UP, Axes, Create, FadeIn, GrowFromEdge, Indicate, Rectangle, VGroup, config, there_and_back

from model.corpus import LENGTH_BUCKETS, grammar_splits
from model.experiment import shared_recipe, uncontrolled
from model.names import design, design_note
from model.trace import model_info
from scenes.kit import ExplainerScene, WordFlow, claims, fit_width, label
from scenes.kit.key import key_entry
from scenes.kit.pacing import share, until_said

MODELS = ("plain", "lstm", "attention", "transformer")
FALL = 10.0  # points lost from the shortest to the longest group for a curve to "fall"
FLAT = 5.0   # a curve whose groups stay within this many points is "flat"


@dataclass(frozen=True)
class Bucket:
    lo: int
    hi: int
    exact: float  # % of sentences translated exactly
    n: int

    @property
    def name(self) -> str:
        return f"{self.lo}–{self.hi}"


def buckets(card: dict) -> list[Bucket]:
    """The stored evaluation of one model card, by length group; a group with no test sentence (a
    pair file without sentences of that length) was not measured and is left out."""
    evaluation = card["evaluation"]
    return [Bucket(lo, hi, 100 * evaluation[f"{lo}-{hi}"]["exact_match"], int(evaluation[f"{lo}-{hi}"]["n"]))
            for lo, hi in LENGTH_BUCKETS if evaluation.get(f"{lo}-{hi}", {}).get("n")]


def shape(points: list[Bucket]) -> str:
    """'falls', 'rises', 'flat', 'varies' or 'unclear': from the size of the change and the number of
    test sentences behind it (claims.trend)."""
    return claims.trend([b.exact for b in points], [b.n for b in points])


def describe(name: str, points: list[Bucket]) -> str:
    """One model's line of narration: its first and last group, and the shape, as measured."""
    first, last = points[0], points[-1]
    if len(points) == 1:
        return (f"The {name} model translates {first.exact:.0f}% of the {first.name}-word test sentences exactly; "
                "no longer sentences were tested.")
    verdict = claims.TREND_WORDS[shape(points)]
    return (f"The {name} model translates {first.exact:.0f}% of the {first.name}-word sentences exactly and "
            f"{last.exact:.0f}% of the {last.name}-word ones: {verdict}.")


def counts_sentence(cards: dict[str, dict]) -> str:
    """How many test sentences each bar stands on: one number if all agree, else the range."""
    ns = {b.n for card in cards.values() for b in buckets(card)}
    if len(ns) == 1:
        return f"{ns.pop()} unseen test sentences in each length group"
    return f"between {min(ns)} and {max(ns)} unseen test sentences per length group (n under each bar)"


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


def controls_sentence(cards: dict[str, dict]) -> str:
    """What the comparison controls, as `model.experiment` checks it (the one source of truth): the
    same recorded recipe, data, seed, sizes and training length, each variant differing from `plain`
    only by its documented difference; otherwise the settings that differ are named."""
    differ = uncontrolled(cards)
    if differ:
        shown = ", ".join(differ[:3]) + (f" and {len(differ) - 3} more" if len(differ) > 3 else "")
        return f"Their training differs beyond the one thing compared ({shown}), so this is not a controlled comparison."
    if not shared_recipe(cards):
        return "Their training settings are not recorded, so this comparison is not controlled."
    named = list(difference_phrases(cards).values())
    what = f"the only differences are {' and '.join(named)}" if named else "nothing else differs"
    return f"All were trained with identical settings, so {what}."


def gap_sentence(plain: list[Bucket], attention: list[Bucket]) -> str:
    gaps = [a.exact - p.exact for a, p in zip(attention, plain)]
    if max(gaps) <= 0:
        return "Here attention is no better than the plain model in any length group."
    first, last = gaps[0], gaps[-1]
    if len(gaps) == 1:
        trend = f"{first:.0f} points on the {attention[0].name}-word sentences, the only length tested"
    elif last - first >= FALL:
        trend = f"it grows from {first:.0f} points on the shortest sentences to {last:.0f} on the longest"
    elif first - last >= FALL:
        trend = f"it shrinks from {first:.0f} points on the shortest sentences to {last:.0f} on the longest"
    else:
        trend = f"it is {first:.0f} points on the shortest sentences and {last:.0f} on the longest"
    return f"The shaded part of each attention bar is what it gets right beyond the plain model: {trend}."


LEVEL = 1.0  # points within which two models are level on a length group


def versus_sentence(attention: list[Bucket], transformer: list[Bucket]) -> str:
    """The Transformer against the attention model, group by group, as measured: where it is ahead,
    level (within LEVEL points) and behind; the groups where it does not win are always said."""
    ahead, level, behind = [], [], []
    for a, t in zip(attention, transformer):
        gap = t.exact - a.exact
        (ahead if gap > LEVEL else behind if gap < -LEVEL else level).append((a, t))
    if behind and not ahead and not level:
        (a0, t0), (a1, t1) = behind[0], behind[-1]
        if len(behind) == 1:
            return f"Trained the same way, the Transformer trails attention by {a0.exact - t0.exact:.0f} points."
        return (f"Trained the same way, the Transformer trails attention in every length group: by "
                f"{a0.exact - t0.exact:.0f} points on {t0.name} words, by {a1.exact - t1.exact:.0f} on {t1.name}.")

    def groups(found) -> str:
        names = [t.name for _, t in found]
        return (", ".join(names[:-1]) + " and " + names[-1]) if len(names) > 1 else names[0]

    parts = [f"{word} on {groups(found)} words" for word, found in
             (("ahead", ahead), ("level", level), ("behind", behind)) if found]
    verdict = ("" if not (behind or level) else " It does not beat attention everywhere." if ahead else
               " It does not beat attention anywhere here.")
    return "Against attention, trained the same way, the Transformer is " + "; ".join(parts) + "." + verdict


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


def caveat_sentence(cards: dict[str, dict], points: dict[str, list[Bucket]],
                    short_share: float | None) -> str:
    """Why a drop after the shortest group is this toy's and not a law: the models' size and training
    time as the cards record them, and how short their training sentences were (when known). Said
    only when some model's curve falls."""
    if not any(len(p) > 1 and shape(p) == "falls" for p in points.values()):
        return ""
    limit = LENGTH_BUCKETS[0][1]
    hidden = state_size(cards)
    # CPU time, not wall time: the wall clock of a shared machine says more about the machine than the model
    minutes = [(card["training"].get("cpu_seconds") or card["training"]["seconds"]) / 60 for card in cards.values()
               if (card.get("training") or {}).get("seconds")]
    size = f" (a state of {hidden} numbers)" if hidden else ""
    if minutes:
        low, high = max(1, round(min(minutes))), max(1, round(max(minutes)))
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
    title = "Longer sentences: where the bottleneck breaks"

    def construct(self) -> None:
        self.cards = {m: model_info(m) for m in MODELS}
        self.points = {m: buckets(card) for m, card in self.cards.items()}
        self.draw_axes()
        for k, name in enumerate(MODELS):
            self.plot(name, k)
        self.shade_gap()
        self.caveat()

    def draw_axes(self) -> None:
        """While the method is said, the chart is built with it: the length groups with the
        question, each group's n as the count is said, each model's key as its difference is named."""
        th = self.theme
        question = "How often does each model translate a whole sentence exactly right?"
        counts = f"We measured it on {counts_sentence(self.cards)}."
        controls = controls_sentence(self.cards)
        self.beat("axes", f"{question} {counts} {controls}")
        self.add(self.heading())
        self.add(self.footnote("exact match by source length, as measured on held-out test sentences after "
                               f"training the {len(MODELS)} models for this film"))
        groups = len(self.points["attention"])
        self.axes = Axes(x_range=[0, groups, 1], y_range=[0, 100, 20], x_length=8.6, y_length=4.2,
                         axis_config={"color": th.muted, "include_tip": False, "include_ticks": False})
        self.axes.shift(0.15 * DOWN + 0.9 * LEFT)
        y_ticks = VGroup(*[label(f"{y}%", 18, th.muted).next_to(self.axes.c2p(0, y), LEFT, buff=0.12)
                           for y in range(0, 101, 20)])
        y_name = label("sentences translated exactly", 20, th.text).rotate(1.5708)
        y_name.next_to(y_ticks, LEFT, buff=0.2)
        words = len(self.tr.source_tokens)
        names, ns, group_labels = VGroup(), VGroup(), VGroup()
        for g, bucket in enumerate(self.points["attention"]):
            counted = sorted({self.points[m][g].n for m in MODELS})
            n_text = (f"n = {counted[0]}" if len(counted) == 1 else
                      "n = " + "/".join(str(self.points[m][g].n) for m in MODELS))
            mine = bucket.lo <= words <= bucket.hi
            name = label(f"{bucket.name} words", 19, th.source if mine else th.text)
            n = label(n_text, 15, th.muted)
            lab = VGroup(name, n).arrange(DOWN, buff=0.06)
            if mine:
                name = VGroup(name, label(f"(the example has {words} word{'s' if words != 1 else ''})", 14, th.source)
                              .next_to(lab, DOWN, buff=0.04))
                lab = VGroup(name, n)
            group_labels.add(lab.next_to(self.axes.c2p(g + 0.5, 0), DOWN, buff=0.12))
            names.add(name)
            ns.add(n)
        x_name = label("source sentence length", 20, th.text).next_to(group_labels, DOWN, buff=0.15)
        self.legend = self.model_keys()
        self.play(Create(self.axes), FadeIn(y_ticks), FadeIn(y_name), run_time=1.5)
        self.play(FadeIn(names, shift=0.2 * UP, lag_ratio=0.3), FadeIn(x_name),
                  run_time=max(0.8, until_said(self, counts)))
        self.play(FadeIn(ns, shift=0.1 * UP, lag_ratio=0.5), run_time=max(0.8, until_said(self, controls) - 0.2))
        self.show_keys(controls)
        self.bars: dict[str, VGroup] = {}
        self.values: dict[str, VGroup] = {}

    def model_keys(self) -> VGroup:
        """One key per model, right of the chart: its colour, its name and, from its card, what it
        is built from ('GRU, no attention')."""
        th = self.theme
        keys = VGroup()
        for name in MODELS:
            key = key_entry(f"model_{name}", name, size=20)
            note = design_note(self.cards[name])
            if note:
                key.add(label(note, 15, th.muted).next_to(key[1], DOWN, buff=0.06, aligned_edge=LEFT))
            keys.add(key)
        keys.arrange(DOWN, buff=0.22 if len(MODELS) < 4 else 0.12, aligned_edge=LEFT)
        return keys.next_to([self.axes.get_right()[0] + 0.35, self.axes.c2p(0, 100)[1], 0], DOWN + RIGHT, buff=0)

    def show_keys(self, controls: str) -> None:
        """The keys appear as the narration names each model's difference (the baseline's first);
        when the cards name none, one after another over the sentence."""
        phrases = difference_phrases(self.cards) if "identical settings" in controls else {}
        order = [m for m in MODELS if m not in phrases] + [m for m in MODELS if m in phrases]
        for k, name in enumerate(order):
            key = self.legend[MODELS.index(name)]
            self.play(FadeIn(key, shift=0.15 * LEFT), run_time=0.6)
            later = order[k + 1] if k + 1 < len(order) else None
            wait = until_said(self, phrases[later]) if later in phrases else (
                self.reading_time_left() / (len(order) - k) if later else 0.0)
            if wait > 0.05:
                self.wait(wait)

    def bar(self, name: str, k: int, g: int, value: float) -> Rectangle:
        width = 1.62 / len(MODELS) - 0.06   # 0.48 for three models, 0.345 for four
        x = self.axes.c2p(g + 0.5, 0)[0] + (k - (len(MODELS) - 1) / 2) * (width + 0.06)
        height = max(0.02, self.axes.c2p(0, value)[1] - self.axes.c2p(0, 0)[1])
        return Rectangle(width=width, height=height, stroke_width=0, fill_color=self.theme.model_color(name),
                         fill_opacity=1).move_to([x, self.axes.c2p(0, 0)[1] + height / 2, 0])

    def plot(self, name: str, k: int) -> None:
        color = self.theme.model_color(name)
        versus = ""
        if name == "transformer":
            versus = " " + versus_sentence(self.points["attention"], self.points[name])
            if still_learning(self.cards[name]) and ("trails" in versus or "does not beat" in versus):
                versus += " Its loss was still falling: the same budget, not its best."
        self.beat(name, versus.strip() if versus else describe(name, self.points[name]))
        bars = VGroup(*[self.bar(name, k, g, b.exact) for g, b in enumerate(self.points[name])])
        values = VGroup(*[fit_width(label(f"{b.exact:.0f}%", 15, color), bar.width + 0.04).next_to(bar, UP, buff=0.06)
                          for bar, b in zip(bars, self.points[name])])
        self.play(Indicate(self.legend[k], color=self.theme.text, scale_factor=1.0), run_time=0.6)  # its key lights up
        each = share(self, 0.85) / len(bars)
        for bar, value in zip(bars, values):
            self.play(GrowFromEdge(bar, DOWN), FadeIn(value), run_time=each)
        self.bars[name], self.values[name] = bars, values

    def shade(self, width: float, low: float, high: float) -> Rectangle:
        """The look of the part of an attention bar above the plain bar (drawn on it, and in its key)."""
        th = self.theme
        return Rectangle(width=width, height=high - low, stroke_color=th.text, stroke_width=2,
                         fill_color=th.text, fill_opacity=0.25)

    def shade_key(self) -> VGroup:
        """The legend's entry for the shading: a small attention bar with its top shaded."""
        th = self.theme
        swatch = Rectangle(width=0.3, height=0.3, stroke_width=0, fill_color=th.model_color("attention"),
                           fill_opacity=1)
        top = self.shade(0.3, 0, 0.15).move_to(swatch.get_top(), aligned_edge=UP)
        words = VGroup(label("gain over plain", 18, th.text), label("(shaded)", 15, th.muted))
        words.arrange(DOWN, buff=0.05, aligned_edge=LEFT)
        key = VGroup(VGroup(swatch, top), words).arrange(RIGHT, buff=0.12)
        return key.next_to(self.legend, DOWN, buff=0.28, aligned_edge=LEFT)

    def shade_gap(self) -> None:
        plain, attention = self.points["plain"], self.points["attention"]
        clear = any(a.exact - p.exact > FLAT for p, a in zip(plain, attention))   # more than a few sentences
        self.beat("gap", gap_sentence(plain, attention) + (" That gap is why attention was needed." if clear else ""))
        shades = VGroup()
        for g, (p, a) in enumerate(zip(plain, attention)):
            if a.exact <= p.exact:
                continue
            bar = self.bars["attention"][g]
            low, high = self.axes.c2p(0, p.exact)[1], self.axes.c2p(0, a.exact)[1]
            shades.add(self.shade(bar.width, low, high).move_to([bar.get_x(), (low + high) / 2, 0]))
        if len(shades):
            key = self.shade_key()
            self.play(FadeIn(key, shift=0.15 * LEFT), run_time=0.8)
            self.legend.add(key)
            each = share(self, 0.8) / len(shades)
            for shade in shades:
                self.play(GrowFromEdge(shade, DOWN), run_time=each)
        else:
            self.play(*[b.animate.set_opacity(0.5) for b in self.bars["attention"]], run_time=share(self, 0.8))

    def caveat(self) -> None:
        """The drop is this toy's: said (and shown beside the keys) only when some curve falls."""
        short = short_training_share(self.cards["plain"])
        text = caveat_sentence(self.cards, self.points, short)
        if not text:
            return
        self.beat("caveat", text)
        th = self.theme
        hidden, limit = state_size(self.cards), LENGTH_BUCKETS[0][1]
        data = ("" if short is None else f"{round(100 * short)}% of training sentences have ≤ {limit} words;"
                if short > 0.5 else f"{100 - round(100 * short)}% of training sentences have > {limit} words;")
        text = (f"tiny models{f', {hidden}-number state' if hidden else ''}, trained for minutes; {data} larger "
                "LSTMs do far better on long sentences (Sutskever and colleagues, 2014)")
        left = self.legend.get_left()[0]
        note = WordFlow(text.split(), [th.muted] * len(text.split()), width=config.frame_width / 2 - 0.25 - left,
                        font_size=15 if len(MODELS) < 4 else 14)
        note.next_to(self.legend, DOWN, buff=0.45 if len(MODELS) < 4 else 0.25, aligned_edge=LEFT)
        self.play(FadeIn(note, shift=0.2 * UP, lag_ratio=0.02), run_time=share(self, 0.45))
        # the drop the caveat is about: the bars after the shortest group, lit one by one while it is read
        # (a colour flash of the bar and its value: a scaled bar would cross the axis and the group labels)
        after_first = [(bar, value) for name in MODELS
                       for bar, value in list(zip(self.bars.get(name, []), self.values.get(name, [])))[1:]]
        for bar, value in after_first:
            self.play(bar.animate(rate_func=there_and_back).set_fill(th.text),
                      value.animate(rate_func=there_and_back).set_color(th.text),
                      run_time=share(self, 0.9) / len(after_first))

