"""The base of every explainer scene: its example, its theme, its beats and its narration.

A scene's example (sentence, model) comes from the render command through environment
variables, or defaults to the article's example, so `manim scenes/<file>.py <Scene>` just works.
`beat(name, narration)` marks one beat: a Manim section (one clip per beat, hence one slide per
beat later) and a narration subtitle that lasts until the next beat (.srt beside the video).
"""
from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass

import srt
from manim import DL, DOWN, UP, UR, ManimColor, MathTex, Scene, Text, VGroup, config

from model.trace import (DEFAULT_MODEL, DEFAULT_SENTENCE, Trace, TraceInputError, check_sentence, languages,
                         trace)
from scenes.catalog import BY_CLASS, SceneEntry
from scenes.kit.mobjects import fit_width, label
from scenes.kit.theme import current

SENTENCE_ENV = "ATTENTION_SENTENCE"
CHECK_ENV = "ATTENTION_CHECK_LAYOUT"  # set to 1: fail the render on text off frame or overlapping
READING_RATE = 17.0  # characters per second a viewer comfortably reads in subtitles
MODEL_ENV = "ATTENTION_MODEL"
# A long sentence from the grammar, used where a scene needs one and the user's is short.
LONG_EXAMPLE = ("the big dog sees the european economic area and some small cats like the green garden "
                "but the young student finds a red car")


@dataclass(frozen=True)
class Example:
    sentence: str
    model: str | None  # None: each scene uses the model its story needs

    @classmethod
    def from_env(cls) -> "Example":
        return cls(os.environ.get(SENTENCE_ENV) or DEFAULT_SENTENCE, os.environ.get(MODEL_ENV) or None)


class ExplainerScene(Scene):
    """Subclasses set `title` and write `construct` as a list of named steps. The model their
    story needs and the longest sentence their layout holds come from their entry in
    `scenes.catalog` (a scene outside the catalog gets the defaults below)."""

    title = ""
    story = SceneEntry("", "", "", "", "", "", DEFAULT_MODEL, (DEFAULT_MODEL,), 40, 0)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.story = BY_CLASS.get(cls.__name__, cls.story)

    def setup(self) -> None:
        self.theme = current()
        if not config.transparent:  # a transparent clip keeps its alpha for compositing
            self.camera.background_color = ManimColor(self.theme.background)
        self.example = Example.from_env()
        self.story.check(self.example.sentence, self.example.model)
        self.tr: Trace = trace(self.example.sentence, self.story.model_for(self.example.model))
        self.src_lang, self.tgt_lang = languages(self.tr.model)  # "English", "French" for the grammar
        self._beat: tuple[float, str] | None = None

    def trace_of(self, sentence: str, model: str) -> Trace:
        return trace(sentence, model)

    def long_example(self, min_words: int) -> str:
        """The user's sentence if it has at least `min_words`, else the built-in long example
        (or, for a model trained on other phrases that lacks its words, the user's sentence)."""
        if len(self.tr.source_tokens) >= min_words:
            return self.example.sentence
        try:
            check_sentence(LONG_EXAMPLE, self.tr.model)
        except TraceInputError:
            return self.example.sentence
        return LONG_EXAMPLE

    # --- layout checks (tests turn them on) -------------------------------------------------
    def play(self, *args, **kwargs) -> None:
        super().play(*args, **kwargs)
        if os.environ.get(CHECK_ENV) == "1":
            self.layout_problems.extend(p for p in layout_problems(self.mobjects) if p not in self.layout_problems)

    @property
    def layout_problems(self) -> list[str]:
        if not hasattr(self, "_layout_problems"):
            self._layout_problems = []
        return self._layout_problems

    # --- beats and narration ---------------------------------------------------------------
    def beat(self, name: str, narration: str) -> None:
        """Start a beat: a new section (clip/slide) and its narration, shown until the next beat."""
        self._flush_narration()
        if hasattr(self, "next_slide"):  # rendered through manim-slides (render.py slides)
            if self.time > 0:
                self.next_slide(notes=narration)  # the narration becomes the presenter's notes
        else:
            self.next_section(name)
        self._beat = (self.time, narration)

    def reading_time_left(self) -> float:
        """Seconds the open beat's narration still needs on screen (0 when none is open): lets a
        beat pace its animation over its narration instead of freezing at the end."""
        if self._beat is None:
            return 0.0
        start, text = self._beat
        return max(0.0, len(text) / READING_RATE + 0.5 - (self.time - start))

    def _flush_narration(self) -> None:
        """Close the open beat: hold the picture until its narration can be read, then write it."""
        if self._beat is None:
            return
        start, text = self._beat
        self._beat = None
        reading_time = len(text) / READING_RATE + 0.5
        if self.time - start < reading_time:
            self.wait(reading_time - (self.time - start))
        end = self.time
        if end <= start:
            return
        writer = self.renderer.file_writer
        for piece_start, piece_end, piece in _split_caption(text, start, end):
            writer.subcaptions.append(srt.Subtitle(
                index=len(writer.subcaptions) + 1, content=piece,
                start=datetime.timedelta(seconds=piece_start), end=datetime.timedelta(seconds=piece_end)))

    def tear_down(self) -> None:
        self._flush_narration()
        super().tear_down()
        if self.layout_problems:
            raise AssertionError(f"{type(self).__name__}: layout problems:\n" + "\n".join(self.layout_problems))

    # --- shared furniture ------------------------------------------------------------------
    def heading(self, text: str | None = None) -> VGroup:
        title = fit_width(label(text or self.title, 34, self.theme.text, weight="BOLD"), config.frame_width - 1)
        title.to_edge(UP, buff=0.3)
        return title

    def footnote(self, text: str) -> VGroup:
        """A small line at the bottom: where the numbers come from and what is simplified."""
        note = fit_width(label(text, 17, self.theme.muted), config.frame_width - 0.8)
        note.to_edge(DOWN, buff=0.18)
        return note

    def provenance(self, tr: Trace | None = None, extra: str = "") -> str:
        tr = tr or self.tr
        text = f"real values from the trained '{tr.model}' model (weights {tr.sha256[:8]})"
        return text + (f"; {extra}" if extra else "")


def _visible(mob) -> bool:
    return mob.has_points() and max(mob.get_fill_opacity(), mob.get_stroke_opacity()) > 0.05


def layout_problems(mobjects, tolerance: float = 0.03) -> list[str]:
    """What a viewer would see as a bug: anything outside the frame, text overlapping text."""
    half_w, half_h = config.frame_width / 2 + tolerance, config.frame_height / 2 + tolerance
    problems = []
    texts = []
    for top in mobjects:
        for mob in top.get_family():
            if isinstance(mob, (Text, MathTex)) and any(_visible(m) for m in mob.get_family()):
                texts.append(mob)
            if not _visible(mob):
                continue
            (x0, y0, _), (x1, y1, _) = mob.get_corner(DL), mob.get_corner(UR)
            if x0 < -half_w or x1 > half_w or y0 < -half_h or y1 > half_h:
                name = getattr(mob, "text", None) or getattr(top, "text", None) or type(top).__name__
                problems.append(f"off frame: {name!r} at x {x0:.2f}..{x1:.2f}, y {y0:.2f}..{y1:.2f}")
                break
    boxes = [(t, t.get_corner(DL), t.get_corner(UR)) for t in texts]
    for k, (a, a0, a1) in enumerate(boxes):
        for b, b0, b1 in boxes[k + 1:]:
            w = min(a1[0], b1[0]) - max(a0[0], b0[0])
            h = min(a1[1], b1[1]) - max(a0[1], b0[1])
            if w > 0 and h > 0 and w * h > 0.15 * min(a.width * a.height, b.width * b.height):
                problems.append(f"overlap: {getattr(a, 'text', type(a).__name__)!r} and "
                                f"{getattr(b, 'text', type(b).__name__)!r}")
    return problems


def _split_caption(text: str, start: float, end: float, max_chars: int = 90):
    """Long narration → subtitle pieces of at most ~2 lines, timed in proportion to their length."""
    sentences = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        while len(sentence) > max_chars:  # break a long sentence at the comma nearest its middle
            cuts = [m.end() for m in re.finditer(r"[,;:] ", sentence)]
            if not cuts:
                break
            cut = min(cuts, key=lambda c: abs(c - len(sentence) / 2))
            sentences.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            sentences.append(sentence)
    pieces: list[str] = []
    for s in sentences:
        if pieces and len(pieces[-1]) + 1 + len(s) <= max_chars:
            pieces[-1] += " " + s
        else:
            pieces.append(s)
    total = sum(len(p) for p in pieces)
    t = start
    for p in pieces:
        dt = (end - start) * len(p) / total
        yield t, t + dt, p
        t += dt
