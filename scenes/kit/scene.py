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
from manim import DOWN, UP, Scene, VGroup, config

from model.trace import DEFAULT_MODEL, DEFAULT_SENTENCE, Trace, TraceInputError, check_sentence, trace
from scenes.kit.mobjects import fit_width, label
from scenes.kit.theme import current

SENTENCE_ENV = "ATTENTION_SENTENCE"
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
    """Subclasses set `title`, `model_name` (the variant their story needs) and `max_tokens`
    (the longest sentence their layout holds), and write `construct` as a list of named steps."""

    title = ""
    model_name = DEFAULT_MODEL
    max_tokens = 40
    models_allowed: tuple[str, ...] | None = None  # None: any model with the fields the scene needs

    def setup(self) -> None:
        self.theme = current()
        self.camera.background_color = self.theme.background
        self.example = Example.from_env()
        model = self.model_name
        if self.example.model and (self.models_allowed is None or self.example.model in self.models_allowed):
            model = self.example.model
        self.check_length(self.example.sentence)
        self.tr: Trace = trace(self.example.sentence, model)
        self._beat: tuple[float, str] | None = None

    @classmethod
    def check_length(cls, sentence: str) -> None:
        n = len(check_sentence(sentence, cls.model_name))
        if n > cls.max_tokens:
            raise TraceInputError(f"{cls.__name__} shows at most {cls.max_tokens} words; the sentence has {n}")

    def trace_of(self, sentence: str, model: str) -> Trace:
        return trace(sentence, model)

    # --- beats and narration ---------------------------------------------------------------
    def beat(self, name: str, narration: str) -> None:
        """Start a beat: a new section (clip/slide) and its narration, shown until the next beat."""
        self._flush_narration()
        self.next_section(name)
        self._beat = (self.time, narration)

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
