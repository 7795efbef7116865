"""Learning to align: the example's α heatmap and one decoding step's fan, checkpoint by checkpoint,
from the untrained weights (α spread over the sentence) to the final ones (α on the aligned word),
with each checkpoint's output words and its measured exact match. Every value is a real trace of a
real checkpoint; every sentence is computed from them."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UP,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    SurroundingRectangle,
    Transform,
    VGroup,
    config,
)

from model.names import SPECIALS
from model.trace import Trace, checkpoints
from scenes.kit import (
    AlphaFan,
    ExplainerScene,
    Heatmap,
    WordFlow,
    alignment,
    fade_replace,
    fit_width,
    label,
    mark_differences,
    percent,
)
from scenes.kit.claims import (
    check_words,
    quoted,
    said_percent,
    tokens_text,
)
from scenes.kit.layout import TEXT_EDGE_X, TEXT_MARGIN
from scenes.kit.pacing import until_said

SPREAD = 0.5       # a mean largest α below this is "spread over the sentence"
SHARPENED = 0.2    # the mean largest α must grow at least this much to say "the weights sharpen"
DIP = 0.02         # a fall of the mean largest α smaller than this between checkpoints is noise
GATHER = 0.1       # the mean largest α must rise this much over the start before "gather" is said
EARLY_SHOWN = 3    # at most this many checkpoints shown before the weights gather (the early beat is short)


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint's trace of the example and its measured figures."""
    trace: Trace
    step: int
    exact_match: float      # share of all test sentences translated exactly
    test_sentences: int
    longest_bucket: str
    longest_exact: float    # share of the longest test sentences translated exactly
    longest_n: int = 0      # how many test sentences the longest group holds (0: not recorded)


def mean_peak(tr: Trace) -> float:
    """The largest α of each output step, averaged over the steps that wrote a word."""
    rows = tr.attention[:max(len(tr.output_words), 1)]
    return float(rows.max(axis=1).mean())


def wrong_words(tr: Trace) -> int | None:
    """Output words off the LCS alignment with the reference (None: no reference)."""
    return None if tr.reference_tokens is None else check_words(tr.reference_tokens, tr.output_words).wrong


def first_exact(story: list[Checkpoint]) -> Checkpoint | None:
    """The first checkpoint from which on the example comes out right (and stays right)."""
    for k in range(len(story)):
        if all(c.trace.exact for c in story[k:]):
            return story[k]
    return None


def spread_below(source_words: int) -> float:
    """The mean largest α under which the weights are "spread": SPREAD, or 10 points over an even
    split when that is higher (with two words an even split is already 50%)."""
    return max(SPREAD, 1 / source_words + 0.1)


def start_narration(first: Checkpoint, src_lang: str, tgt_lang: str) -> str:
    tr = first.trace
    peak, even = mean_peak(tr), 1 / len(tr.source_tokens)
    if peak < spread_below(len(tr.source_tokens)):
        text = (f"Untrained, every step spreads its weight over the whole sentence: the largest weight averages "
                f"{said_percent(peak)}, near the {said_percent(even)} of an even split.")
    else:
        text = (f"Even untrained, the weights are uneven: the largest weight averages {said_percent(peak)}, where an "
                f"even split gives {said_percent(even)}.")
    wrong = wrong_words(tr)
    if tr.exact:
        return text + " And it already writes the right translation."
    if wrong is None:
        return text + " Its output is not a translation yet."
    if wrong >= len(tr.output_words):
        return text + f" Its output: {output_count(tr.output_words)}, all wrong."
    return text + f" Its output: {output_count(tr.output_words)}, {wrong} of them wrong."


def output_count(tokens: tuple[str, ...]) -> str:
    """'4 words', or, when the output holds special tokens (an untrained model writes '<sos>'),
    '13 tokens (12 words and '‹sos›')': a special token is not a word (written as on screen)."""
    specials = [t for t in tokens if t in SPECIALS]
    words = len(tokens) - len(specials)
    plural = "s" if words != 1 else ""
    if not specials:
        return f"{words} word{plural}"
    kinds = quoted(tokens_text(sorted(set(specials))))
    extra = kinds if len(specials) == 1 else f"{len(specials)} special tokens ({kinds})"
    return f"{len(tokens)} tokens ({words} word{plural} and {extra})"


def learning_narration(story: list[Checkpoint]) -> str:
    """What happens to the weights over training (said while the checkpoints go by): "fewer and
    fewer" only when the average largest α never falls by more than DIP from one checkpoint to the next."""
    peaks = [mean_peak(c.trace) for c in story]
    start, end = peaks[0], peaks[-1]
    rise = f"the average largest weight goes from {said_percent(start)} to {said_percent(end)}"
    if end - start >= SHARPENED:
        if all(b >= a - DIP for a, b in itertools.pairwise(peaks)):
            return f"As training goes on, the weights gather on fewer and fewer words: {rise}."
        return f"As training goes on, the weights gather on fewer words, though not at every checkpoint: {rise}."
    if start - end >= SHARPENED:
        return "As training goes on, the weights spread out rather than sharpen."
    return "As training goes on, the weights change little in sharpness."


def shown_checkpoints(story: list[Checkpoint]) -> list[int]:
    """The checkpoints the scene shows: all of them, but of those before the weights start to gather
    (gathering_from) at most EARLY_SHOWN, the last ones (the early beat is short); one the sentence first
    comes out right at is always shown."""
    k, right = gathering_from(story), first_exact(story)
    early = [n for n in range(1, k) if story[n] is not right]
    skipped = set(early[:max(len(early) - EARLY_SHOWN, 0)])
    return [n for n in range(len(story)) if n not in skipped]


def kept_narration(story: list[Checkpoint]) -> str:
    """How many checkpoints were kept and, when fewer are shown, how many are."""
    shown = len(shown_checkpoints(story))
    text = (f"Attention is learned. We kept the model's weights {len(story)} times in training, from untrained "
            "to final, and ran this sentence through each")
    return text + ("." if shown == len(story) else f"; {shown} of them are shown.")


def gathering_from(story: list[Checkpoint]) -> int:
    """The first checkpoint whose mean largest α is GATHER above the start's: where "the weights
    gather" starts to be true (len(story) - 1 when it never is before the end)."""
    start = mean_peak(story[0].trace)
    for k in range(1, len(story)):
        if mean_peak(story[k].trace) - start >= GATHER:
            return k
    return len(story) - 1


def early_narration(story: list[Checkpoint], k: int) -> str:
    """The checkpoints between the start and the one where the weights start to gather (k)."""
    if k <= 1:
        return ""
    peak = max(mean_peak(c.trace) for c in story[1:k])
    how = "stay spread" if peak < spread_below(len(story[0].trace.source_tokens)) else "change little"
    return (f"Up to training step {story[k - 1].step}, the weights {how}: the largest weight averages at most "
            f"{said_percent(peak)}.")


def right_narration(story: list[Checkpoint]) -> str:
    """When the example first comes out right (and stays right), and how the test set fares then."""
    right = first_exact(story)
    if right is None:
        return "None of the kept checkpoints translates this sentence right."
    if right is story[0]:
        return "This sentence comes out right at every checkpoint."
    return (f"From the checkpoint at step {right.step} on, this sentence comes out right; by then "
            f"{said_percent(right.exact_match)} of all {right.test_sentences} test sentences do.")


def longest_rose(story: list[Checkpoint]) -> bool:
    """Whether exact translations of the longest test sentences rose from the first checkpoint to the last."""
    return story[-1].longest_exact > story[0].longest_exact


def end_narration(story: list[Checkpoint], src_lang: str, tgt_lang: str) -> str:
    last = story[-1]
    text = (f"After {last.step} steps, each {tgt_lang} word puts {said_percent(mean_peak(last.trace))} of its weight, "
            f"on average, on one {src_lang} word.")
    return text


def bridge_narration(story: list[Checkpoint], words: int) -> str:
    """The hand-over to length-curve, from the status line the viewer has read all along (exact match
    on all test sentences) to its longest ones, whose rise is said; "" when they did not rise."""
    first, last = story[0], story[-1]
    if not longest_rose(story):
        return ""
    many = f"the {last.longest_n} longest" if last.longest_n else "the longest"
    return (f"The exact-match figure under the title counts all {last.test_sentences} test sentences; this one has {words} "
            f"word{'s' if words != 1 else ''}. On {many}, of {last.longest_bucket} words, exact translations rose "
            f"from {said_percent(first.longest_exact)} to {said_percent(last.longest_exact)}. "
            "Next: sentence length.")


def looks(tr: Trace, i: int) -> int:
    """The source word step i of a trace looks at hardest."""
    return int(tr.attention[i].argmax())


def matched_rows(final: Trace, tr: Trace) -> list[int]:
    """The steps (among the words a checkpoint wrote and the final model has a step for) whose α looks
    hardest at the source word the final model's same step looks at hardest, with at least twice an
    even share there, or halfway from an even share to all of it when twice is out of reach (two source
    words): a near-even split that happens to peak there is not looking."""
    n = min(len(tr.output_words), len(final.output_words))
    even = 1 / len(tr.source_tokens)
    least = min(2 * even, (1 + even) / 2)
    return [i for i in range(n) if looks(tr, i) == looks(final, i) and float(tr.attention[i].max()) >= least]


def words_wrong(tr: Trace, final: Trace) -> int:
    """A checkpoint's wrong words: off the reference (as marked red on screen), or, without a
    reference, those that differ from the final model's at the same position."""
    wrong = wrong_words(tr)
    if wrong is not None:
        return wrong
    return sum(1 for k, w in enumerate(tr.output_words) if k >= len(final.output_words) or final.output_words[k] != w)


def attention_first(story: list[Checkpoint]) -> Checkpoint | None:
    """The first checkpoint whose attention is right before its words are: at more than half of the
    steps it can be compared at, it looks hardest where the final model looks (matched_rows), those
    steps look at two or more different source words (every step on one word matches by chance), and
    some of its words are still wrong. None when no kept checkpoint has that."""
    final = story[-1].trace
    for c in story[:-1]:
        n = min(len(c.trace.output_words), len(final.output_words))
        rows = matched_rows(final, c.trace)
        if n and 2 * len(rows) > n and len({looks(c.trace, i) for i in rows}) >= 2 and words_wrong(c.trace, final):
            return c
    return None


def attention_first_narration(story: list[Checkpoint]) -> str:
    """The look back: the checkpoint attention_first finds, with its matched steps' weights and how
    many of its words still differ from the reference (not "wrong": a word may be off by a plural only);
    said as it is when no checkpoint has attention right before words."""
    c = attention_first(story)
    if c is None:
        return "At no kept checkpoint is the attention right at most steps while some words are still wrong."
    final, tr = story[-1].trace, c.trace
    rows = matched_rows(final, tr)
    n = min(len(tr.output_words), len(final.output_words))
    written = tokens_text(tr.output_words)
    of = (f"all {n} of its words" if len(rows) == n else
          f"{len(rows)} of its {'first ' if len(tr.output_words) > n else ''}{n} words")
    shown = rows[:3]
    examples = ", ".join(f"'{written[i]}'{' puts' if j == 0 else ''} {said_percent(float(tr.attention[i].max()))} "
                         f"on '{tr.source_tokens[looks(tr, i)]}'" for j, i in enumerate(shown))
    more = f" and {len(rows) - len(shown)} more" if len(rows) > len(shown) else ""
    wrong, total = words_wrong(tr, final), len(tr.output_words)
    against = "the reference translation" if tr.reference_tokens is not None else "the final model's words"
    count = (f"all {total} of its words still differ from {against}" if wrong == total else
             f"{wrong} of its {total} words still differ from {against}")
    return (f"Back to training step {c.step}. At {of}, attention already looks hardest where the final model's "
            f"does: {examples}{more}. Yet {count}: here, where to look came before what to write.")


def fan_step(tr: Trace) -> int:
    """The final model's step whose fan says most about alignment (alignment.telling_step): a word that
    stands for a crossing, else one that looks at several, else one that looks ahead."""
    return alignment.telling_step(alignment.trace_facts(tr))


def clear_scale(mob, factor: float, margin: float = 0.3) -> float:
    """At most `factor`, so that mob scaled about its centre stays `margin` clear of the frame's left edge."""
    room = mob.get_center()[0] + config.frame_width / 2 - margin
    return max(1.0, min(factor, 2 * room / mob.width)) if mob.width else factor


class LearningToAlign(ExplainerScene):
    title = "Attention is learned"

    def construct(self) -> None:
        self.checkpoint_story = self.load_story()
        self.marks = VGroup()   # the final model's marks (sweep, links), gone before the look back
        self.final = self.checkpoint_story[-1].trace               # the scene shows every checkpoint, whatever --checkpoint says
        self.rows = len(self.final.target_tokens)       # the final model's output, end token included
        self.step_i = fan_step(self.final)
        self.show_untrained()
        self.train()
        self.show_final()
        self.coda()
        self.bridge()

    # --- data ---------------------------------------------------------------------------------
    def load_story(self) -> list[Checkpoint]:
        kept = checkpoints(self.tr.model)
        story = []
        for k, info in enumerate(kept):
            ev = {b: v for b, v in info["evaluation"].items() if v["n"]}   # lengths with no test sentence: not measured
            n = sum(v["n"] for v in ev.values())
            longest = list(ev)[-1]
            story.append(Checkpoint(
                trace=self.trace_of(self.example.sentence, self.tr.model, checkpoint=k), step=info["step"],
                exact_match=sum(v["exact_match"] * v["n"] for v in ev.values()) / n, test_sentences=n,
                longest_bucket=longest, longest_exact=ev[longest]["exact_match"], longest_n=int(ev[longest]["n"])))
        return story

    def rows_of(self, tr: Trace) -> tuple[np.ndarray, list[str]]:
        """α and labels of the first `self.rows` output steps; steps the checkpoint never took are empty
        (dark, no label: a mark there would need explaining)."""
        matrix = np.zeros((self.rows, len(tr.source_tokens)))
        labels = [""] * self.rows
        n = min(self.rows, len(tr.target_tokens))
        matrix[:n] = tr.attention[:n]
        labels[:n] = tokens_text(tr.target_tokens[:n])
        return matrix, labels

    # --- pieces -------------------------------------------------------------------------------
    def heatmap(self, tr: Trace) -> Heatmap:
        """The left half: rows are output steps, columns source words; its grid stays put across
        checkpoints (the column labels, the source words, are the same for all of them)."""
        matrix, labels = self.rows_of(tr)
        cell = min(0.75, 4.2 / (self.rows + 1.0), 5.2 / (len(tr.source_tokens) + 2.5))
        heat = Heatmap(matrix, labels, tr.source_tokens, cell=cell, values=False)
        top = self.status_mob.get_bottom()[1] - 0.2 - (heat.col_labels.get_top()[1] - heat.cells.get_top()[1])
        heat.shift([-3.4 - heat.cells.get_center()[0], top - heat.cells.get_top()[1], 0])
        # the grid stays put across checkpoints: long row labels shrink (all alike) to keep the margin
        left = -config.frame_width / 2 + TEXT_MARGIN + 0.02
        if heat.row_labels.get_left()[0] < left:
            widest = max(lab.width for lab in heat.row_labels)
            factor = (widest - (left - heat.row_labels.get_left()[0])) / widest
            for lab in heat.row_labels:
                lab.scale(factor, about_point=lab.get_right())
        return heat

    def source_column(self) -> VGroup:
        """The right half: the source words one under another, so a fan line and its % meet each word."""
        n = len(self.tr.source_tokens)
        gap = min(0.5, 3.6 / max(n - 1, 1))
        words = VGroup(*[label(w, 22, self.theme.source) for w in self.tr.source_tokens])
        for k, w in enumerate(words):
            w.move_to([0, -k * gap, 0]).align_to([4.55, 0, 0], LEFT)
        return words.shift((1.95 - words.get_top()[1]) * UP)

    def fan(self, tr: Trace) -> AlphaFan:
        alphas = tr.attention[self.step_i] if self.step_i < len(tr.target_tokens) else np.zeros(len(tr.source_tokens))
        targets = [np.array([4.45, w.get_center()[1], 0]) for w in self.words]
        spots = [np.array([6.45, w.get_center()[1], 0]) for w in self.words]
        return AlphaFan(self.node.get_right(), targets, alphas, labels=True, label_size=18, label_points=spots)

    def output_line(self, tr: Trace) -> VGroup:
        """The checkpoint's output under its heading, wrong words marked; as many words as fit above
        the footnote (at most the grid's rows and two), the rest counted."""
        for count in range(min(self.rows + 2, len(tr.output_words)), 0, -1):
            line = self.output_flow(tr, count)
            if line.get_bottom()[1] >= self.note.get_top()[1] + 0.1:
                return line
        return self.output_flow(tr, 0)

    def output_flow(self, tr: Trace, count: int) -> VGroup:
        shown = list(tr.output_words[:count])
        more = len(tr.output_words) - len(shown)
        if tr.reference_tokens is not None:
            ok = mark_differences(tr.reference_tokens, shown)
            colors = [self.theme.target if good else self.theme.wrong for good in ok]
        else:
            colors = [self.theme.target] * len(shown)
        hidden = tr.output_words[len(shown):]
        what = "tokens" if any(t in SPECIALS for t in hidden) else "words"
        words = tokens_text(shown) + ([f"… +{more} {what}"] if more > 0 else [])
        colors = colors + ([self.theme.muted] if more > 0 else [])
        line = WordFlow(words or ["(nothing)"], colors or [self.theme.muted], width=6.4, font_size=22)
        line.next_to(self.says, DOWN, buff=0.15, aligned_edge=LEFT)
        if "<sos>" in tr.output_words:  # an untrained model writes the start token: say what it is
            note = label(f"{tokens_text(['<sos>'])[0]} = the start token, not a word", 16, self.theme.muted)
            note = fit_width(note, TEXT_EDGE_X - line.get_left()[0])
            noted = VGroup(line, note.next_to(line, DOWN, buff=0.08, aligned_edge=LEFT))
            noted.words = line
            return noted
        return line

    def status(self, c: Checkpoint) -> VGroup:
        text = (f"training step {c.step} of {self.checkpoint_story[-1].step}  ·  exact on {c.test_sentences} test sentences: "
                f"{percent(c.exact_match)}")
        return label(text, 20, self.theme.text).next_to(self.title_mob, DOWN, buff=0.2)

    # --- beats --------------------------------------------------------------------------------
    def show_untrained(self) -> None:
        first = self.checkpoint_story[0]
        self.beat("kept", kept_narration(self.checkpoint_story))
        self.title_mob = self.heading()
        self.note = self.footnote(f"real values from {len(self.checkpoint_story)} training checkpoints of the '{self.tr.model}' "
                                  f"model (final weights {self.final.sha256[:8]}); stronger colour = more weight")
        self.add(self.title_mob, self.note)
        # it opens where the heatmap chapter left the example, on the final model's grid, and rewinds
        # to the untrained weights as "from untrained" is said
        self.status_mob = self.status(self.checkpoint_story[-1])
        self.heat = self.heatmap(self.final)
        self.words = self.source_column()
        self.node = Dot([1.0, self.words.get_center()[1], 0], radius=0.09, color=self.theme.decoder)
        self.writer = self.writer_label()
        self.fan_mob = self.fan(first.trace)
        self.says = label(f"{self.tgt_lang} output at this checkpoint", 18, self.theme.muted)
        self.says.move_to([0, -1.95, 0]).align_to([0.35, 0, 0], LEFT)
        self.out = self.output_line(first.trace)
        self.row_box = self.row_highlight(self.heat)
        self.add(self.status_mob, self.heat.col_labels, self.words, self.heat.cells, self.heat.row_labels)
        # the checkpoint line as the kept weights are said; back to step 0 as "from untrained" is said
        self.play(Indicate(self.status_mob, color=self.theme.alpha, scale_factor=1.05),
                  run_time=max(1.0, until_said(self, "from untrained")))
        start, status = self.heatmap(first.trace), self.status(first)
        self.play(Transform(self.heat.cells, start.cells), *fade_replace(self.status_mob, status),
                  *fade_replace(self.heat.row_labels, start.row_labels),
                  run_time=max(1.0, until_said(self, "ran this sentence")))
        self.heat.row_labels, self.status_mob = start.row_labels, status
        self.play(Indicate(self.words, color=self.theme.alpha, scale_factor=1.1),
                  run_time=max(1.0, self.reading_time_left() - 0.3))
        self.beat("untrained", start_narration(first, self.src_lang, self.tgt_lang))
        self.play(FadeIn(self.node), FadeIn(self.writer), Create(self.row_box), run_time=1.0)
        self.play(Create(self.fan_mob.lines, lag_ratio=0.1), run_time=2.0)
        self.play(FadeIn(self.fan_mob.labels, lag_ratio=0.2), run_time=1.5)
        self.rows_note = self.rows_shown_note(self.heat, first.trace)
        self.play(FadeIn(self.says), FadeIn(self.out, lag_ratio=0.15), FadeIn(self.rows_note), run_time=2.5)
        self.light_output(self.reading_time_left() - 0.2)

    def writer_label(self) -> VGroup:
        """Under the decoder's dot: which step the fan is, and the final model's word there."""
        final_word = tokens_text(self.final.target_tokens)[self.step_i]
        writer = VGroup(label(f"decoder step {self.step_i + 1}", 18, self.theme.decoder),
                        label(f"(the final model writes '{final_word}' here)", 16, self.theme.muted))
        return writer.arrange(DOWN, buff=0.08).next_to(self.node, DOWN, buff=0.15)

    def rows_shown_note(self, heat: Heatmap, tr: Trace) -> VGroup:
        """Under the grid, when this checkpoint wrote more steps than the final model's rows shown:
        'first 5 of its 13 rows shown' (empty otherwise)."""
        n = len(tr.target_tokens)
        if n <= self.rows:
            return VGroup()
        return label(f"first {self.rows} of its {n} rows shown", 16, self.theme.muted).next_to(
            heat.cells, DOWN, buff=0.12).align_to(heat.cells, LEFT)

    def row_highlight(self, heat: Heatmap) -> SurroundingRectangle:
        return SurroundingRectangle(heat.row(self.step_i)[:len(self.tr.source_tokens)], buff=0.03,
                                    color=self.theme.decoder, stroke_width=2.5)

    def move_to_checkpoint(self, c: Checkpoint, run_time: float) -> None:
        """Colours and line widths morph; the words and numbers swap at once as the morph starts (a
        glyph morph or a cross-fade between two words is unreadable, a fade through nothing blinks)."""
        heat, fan, out, status = self.heatmap(c.trace), self.fan(c.trace), self.output_line(c.trace), self.status(c)
        self.remove(self.heat.row_labels, self.fan_mob.labels, self.out, self.status_mob, self.rows_note)
        self.rows_note = self.rows_shown_note(heat, c.trace)
        self.add(heat.row_labels, fan.labels, out, status, self.rows_note)
        self.play(Transform(self.heat.cells, heat.cells), Transform(self.fan_mob.lines, fan.lines), run_time=run_time)
        self.heat.row_labels, self.fan_mob.labels, self.out, self.status_mob = heat.row_labels, fan.labels, out, status

    def train(self) -> None:
        """The checkpoints between the first and the last, grouped under the beat said while they show:
        the "gather" line starts at the checkpoint where it becomes true (gathering_from), "right" at
        the one where the sentence first comes out right. While the weights stay spread at most
        EARLY_SHOWN are shown (shown_checkpoints; the first beat says how many); each checkpoint shown gets its share of its
        beat, its output words lit one after another, so they can be read."""
        story = self.checkpoint_story
        right, k = first_exact(story), gathering_from(story)
        early = early_narration(story, k)
        skipped = set(range(len(story))) - set(shown_checkpoints(story))
        groups: list[tuple[str, str, list[Checkpoint]]] = [("early", early, [])] if early else []
        for n, c in enumerate(story[1:-1], start=1):
            if n == k:
                groups.append(("learning", learning_narration(story), []))
            if c is right:
                groups.append(("right", right_narration(story), []))
            if n in skipped:
                continue
            if not groups:   # no early beat and the gathering starts later: shown under the learning beat
                groups.append(("learning", learning_narration(story), []))
            groups[-1][2].append(c)
        said = {name for name, _, _ in groups}
        if "learning" not in said:
            groups.append(("learning", learning_narration(story), []))
        if "right" not in said and (right is None or right is story[0] or right is story[-1]):
            groups.append(("right", right_narration(story), []))
        for name, text, shown in groups:
            self.beat(name, text)
            for j, c in enumerate(shown):
                dwell = self.reading_time_left() / (len(shown) - j)
                move = min(2.0, max(1.0, 0.45 * dwell))
                self.move_to_checkpoint(c, run_time=move)
                self.light_output(dwell - move - 0.1)

    def show_final(self) -> None:
        last = self.checkpoint_story[-1]
        self.beat("aligned", end_narration(self.checkpoint_story, self.src_lang, self.tgt_lang))
        self.move_to_checkpoint(last, run_time=1.2)
        best = int(last.trace.attention[self.step_i].argmax()) if self.step_i < len(last.trace.target_tokens) else 0
        self.lit_word = self.words[best]
        self.sweep(last.trace, self.lit_word.animate.set_color(self.theme.alpha), FadeOut(self.row_box))
        if self.reading_time_left() > 0.6 and len(self.marks):
            self.play(Indicate(self.marks[-1], color=self.theme.alpha, scale_factor=1.1),
                      run_time=self.reading_time_left() - 0.1)

    def bridge(self) -> None:
        """Last, the hand-over to length-curve: the status line's exact match on all test sentences,
        then, in its place, the longest test sentences' rise while it is said."""
        story = self.checkpoint_story
        said = bridge_narration(story, len(self.final.source_tokens))
        if not said:
            return
        first, last = story[0], story[-1]
        self.beat("longest", said)
        self.play(FadeOut(self.marks), self.lit_word.animate.set_color(self.theme.source), run_time=0.6)
        self.marks = VGroup()
        self.move_to_checkpoint(last, run_time=1.2)
        self.play(Indicate(self.status_mob, color=self.theme.alpha, scale_factor=1.05),
                  run_time=max(1.0, until_said(self, "On the") - 0.6))
        rose = label(f"exact on the {last.longest_n or ''} test sentences of {last.longest_bucket} words: "
                     f"{percent(first.longest_exact)} at step {first.step} → {percent(last.longest_exact)} at step "
                     f"{last.step}".replace("the  ", "the "), 20, self.theme.text)
        rose = fit_width(rose, 2 * (TEXT_EDGE_X - 0.3)).move_to(self.status_mob)
        self.play(*fade_replace(self.status_mob, rose), run_time=1.0)
        self.status_mob = rose
        self.play(Indicate(rose, color=self.theme.alpha, scale_factor=1.05),
                  run_time=max(1.0, until_said(self, "Next") - 0.2))
        # "Next: ...": this sentence's picture goes, the longest sentences' figure stays for the next chapter
        self.play(FadeOut(VGroup(self.heat.cells, self.heat.row_labels, self.heat.col_labels, self.words, self.node,
                                 self.writer, self.fan_mob.lines, self.fan_mob.labels, self.says, self.out,
                                 self.rows_note)), run_time=0.8)
        grow = min(1.25, 2 * (TEXT_EDGE_X - 0.3) / rose.width)   # larger, but clear of the frame's edges
        self.play(rose.animate.scale(grow).move_to([0, 0.3, 0]), run_time=max(1.0, self.reading_time_left() - 0.2))

    def coda(self) -> None:
        """One look back, kept short: the first checkpoint whose attention is right at most steps while
        its words are still wrong (attention_first). The final model's strongest cells stay outlined;
        the grid goes back to that checkpoint, so its bright cells land in the outlines while its words
        are red; the matched steps get their weights beside them. Said as it is when none qualifies."""
        said = attention_first_narration(self.checkpoint_story)
        c = attention_first(self.checkpoint_story)
        self.beat("looking-back", said)
        if c is None:   # nothing to go back to: the final model's marks go, its words light as "words" is said
            self.play(FadeOut(self.marks), self.lit_word.animate.set_color(self.theme.source), run_time=0.8)
            self.marks = VGroup()
            self.light_output(self.reading_time_left() - 0.2)
            return
        final, cols = self.final, len(self.tr.source_tokens)
        th = self.theme
        compared = min(self.rows, len(final.output_words), len(c.trace.output_words))   # the steps the claim counts
        outlines = VGroup(*[SurroundingRectangle(self.heat.cells[i * cols + looks(final, i)], buff=-0.03,
                                                 color=th.text, stroke_width=3) for i in range(compared)])
        key = label("outlined: where the final model looks hardest", 18, th.text)
        key = fit_width(key, TEXT_EDGE_X + config.frame_width / 2 - 0.3 - self.heat.cells.get_left()[0])
        key.next_to(self.heat.cells, DOWN, buff=0.12).align_to(self.heat.cells, LEFT)
        self.play(FadeOut(self.marks), self.lit_word.animate.set_color(th.source), Create(outlines),
                  FadeIn(key), run_time=1.0)
        self.marks = VGroup(outlines, key)
        self.move_to_checkpoint(c, run_time=1.5)
        self.bring_to_front(outlines)
        rows = matched_rows(final, c.trace)
        right = self.heat.cells.get_right()[0] + 0.12
        size = min(18, max(12, 40 * self.heat.cells[0].height))
        weights = VGroup(*[label(percent(float(c.trace.attention[i].max())), size, th.alpha).move_to(
            [right, self.heat.cells[i * cols].get_center()[1], 0], aligned_edge=LEFT) for i in rows])
        lit = [self.heat.row_labels[i] for i in rows if i < len(self.heat.row_labels)]
        self.play(FadeIn(weights, lag_ratio=0.4), run_time=1.2)
        self.play(*[Indicate(w, color=th.alpha, scale_factor=clear_scale(w, 1.15)) for w in [*lit, *weights]],
                  run_time=max(1.0, until_said(self, "Yet")))
        self.marks.add(weights)
        # "Yet ... its words still differ": the output words (wrong ones red) light one after another
        self.light_output(self.reading_time_left() - 0.2)

    def light_output(self, seconds: float) -> None:
        """The output words light one after another (each its own play: a LaggedStart's group would
        stay on screen after the next checkpoint swaps the output)."""
        words = getattr(self.out, "words", self.out)
        if seconds < 0.5 or not len(words):
            return
        for w in words:
            self.play(Indicate(w, color=self.theme.alpha, scale_factor=1.1), run_time=seconds / len(words))

    def sweep(self, tr: Trace, *with_start) -> None:
        """Walk the alignment over the rows the narrated average covers (the words written, not the
        end token): a box on each row's strongest source word and, beside the row, that weight;
        then the average of those weights, as said."""
        cols = len(self.tr.source_tokens)
        rows = tr.attention[:min(self.rows, len(tr.output_words))]
        if not len(rows):
            return
        path = [self.heat.cells[i * cols + int(row.argmax())] for i, row in enumerate(rows)]
        right = self.heat.cells.get_right()[0] + 0.12
        size = min(18, max(12, 40 * self.heat.cells[0].height))
        peaks = [label(percent(float(row.max())), size, self.theme.alpha) for row in rows]
        for i, peak in enumerate(peaks):
            peak.move_to([right, self.heat.cells[i * cols].get_center()[1], 0], aligned_edge=LEFT)
        # drawn just inside the cell, so on the last column it does not spill past the grid
        box = SurroundingRectangle(path[0], buff=-0.025, color=self.theme.text, stroke_width=3)
        # the weights appear while "each word puts ..." is said, the average as "on average" is
        each = min(0.6, max(0.25, until_said(self, "on average") / len(path)))
        self.play(Create(box), FadeIn(peaks[0]), *with_start, run_time=each)
        for cell, peak in zip(path[1:], peaks[1:]):
            self.play(box.animate.move_to(cell), FadeIn(peak), run_time=each)
        head = VGroup(*peaks).get_left()
        average = VGroup(label(f"average {percent(mean_peak(tr))}", size, self.theme.alpha))
        average.next_to(self.heat.cells, DOWN, buff=0.12).align_to([head[0], 0, 0], LEFT)
        left_out = tr.target_tokens[len(rows):self.rows]   # the end token's row: not a word
        if len(left_out):
            average.add(label(f"(not the {quoted(tokens_text(sorted(set(left_out))))} row{'s' if len(left_out) > 1 else ''})",
                              size * 0.85, self.theme.muted).next_to(average, DOWN, buff=0.05, aligned_edge=LEFT))
        self.play(FadeOut(box), FadeIn(average, shift=0.1 * UP), run_time=0.6)
        self.marks.add(*peaks, average)
