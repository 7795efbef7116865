"""The base of every explainer scene: its example, its theme, its beats and its narration.

A scene's example (sentence, model set, model, checkpoint, theme) is read here, once, in `setup`:
the render command hands it over as an `Example` (scenes.catalog), which defaults to the article's
example in the dark theme, so `manim scenes/<file>.py <Scene>` just works.
`beat(name, narration)` marks one beat: a Manim section (one clip per beat, hence one slide per
beat later) and a narration subtitle that lasts until the next beat (.srt beside the video). With a
voice (the example's folder of per-beat recordings), the beat's recording is mixed in with Manim's
own `add_sound`, the picture waits for it, and the subtitle follows it. The beats as played are
written to <media_dir>/beats/<Scene>.json (the manifest and the recording script read them).
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
from pathlib import Path

import srt
from manim import DOWN, UP, ManimColor, Scene, VGroup, config
from manim.utils.exceptions import EndSceneEarlyException

from model.corpus import NOUNS
from model.trace import (
    DEFAULT_MODEL,
    Trace,
    TraceInputError,
    check_sentence,
    checkpoints,
    file_sentences,
    languages,
    model_info,
    trace,
)
from scenes.catalog import BY_CLASS, CHECK_LAYOUT_ENV, RECORDING_EXTENSIONS, Example, SceneEntry
from scenes.kit import claims
from scenes.kit.layout import TEXT_MARGIN, layout_problems
from scenes.kit.mobjects import fit_width, label
from scenes.kit.theme import use_theme

READING_RATE = 17.0  # characters per second a viewer comfortably reads in subtitles
PAUSE_AFTER_SPEECH = 0.4  # seconds of quiet between one beat's voice and the next
# A long sentence from the grammar, used where a scene needs one and the user's is short.
LONG_EXAMPLE = ("the big dog sees the european economic area and some small cats like the green garden "
                "but the young student finds a red car")


class UnknownBeat(ValueError):
    """The example names a beat this scene does not have (preview --beat); the message lists its beats."""


class ExplainerScene(Scene):
    """Subclasses set `title` and write `construct` as a list of named steps. The model their
    story needs and the longest sentence their layout holds come from their entry in
    `scenes.catalog` (a scene outside the catalog gets the defaults below)."""

    title = ""
    story = SceneEntry(key="", module="", cls="", title="", figure="", summary="", model=DEFAULT_MODEL,
                       models=(DEFAULT_MODEL,), max_tokens=40, typical_seconds=0)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.story = BY_CLASS.get(cls.__name__, cls.story)

    def setup(self) -> None:
        self.example = Example.from_env()  # the one place a scene learns what to draw
        self._theme_scope = contextlib.ExitStack()  # the example's theme, for every mobject until tear_down
        self.theme = self._theme_scope.enter_context(use_theme(self.example.theme))
        if not config.transparent:  # a transparent clip keeps its alpha for compositing
            self.camera.background_color = ManimColor(self.theme.background)
        self.story.check(self.example.sentence, self.example.model)
        self.tr: Trace = self.example.trace(self.story.model_for(self.example.model))
        self.src_lang, self.tgt_lang = languages(self.tr.model)  # "English", "French" for the grammar
        self._beat: dict | None = None
        if self.example.beat is not None:  # one beat only: what comes before it is skipped to its end state
            self.renderer.file_writer.sections[-1].skip_animations = True

    def trace_of(self, sentence: str, model: str, checkpoint: int | None = None) -> Trace:
        """Another trace for this scene: the example's settings, or an explicit training checkpoint."""
        if checkpoint is None:
            return self.example.trace(model, sentence)
        return trace(sentence, model, checkpoint=checkpoint)

    def long_example(self, min_words: int) -> str:
        """The user's sentence if it has at least `min_words`, else the built-in long example; for
        models trained on a pair file, which lack its words, the longest sentence of that file no
        longer than the built-in one (ties alphabetical), or the user's if none is longer."""
        if len(self.tr.source_tokens) >= min_words:
            return self.example.sentence
        try:
            check_sentence(LONG_EXAMPLE, self.tr.model)
            return LONG_EXAMPLE
        except TraceInputError:
            pass
        limit, own = len(LONG_EXAMPLE.split()), len(self.tr.source_tokens)
        for sentence in sorted(file_sentences(self.tr.model), key=lambda s: (-len(s.split()), s)):
            if own < len(sentence.split()) <= limit:
                try:
                    check_sentence(sentence, self.tr.model)
                    return sentence
                except TraceInputError:   # a test sentence with a word training never saw
                    continue
        return self.example.sentence

    # --- layout checks (tests turn them on) -------------------------------------------------
    def play(self, *args, **kwargs) -> None:
        super().play(*args, **kwargs)
        if os.environ.get(CHECK_LAYOUT_ENV) == "1":
            self.layout_problems.extend(p for p in layout_problems(self.mobjects) if p not in self.layout_problems)

    @property
    def layout_problems(self) -> list[str]:
        if not hasattr(self, "_layout_problems"):
            self._layout_problems = []
        return self._layout_problems

    # --- beats and narration ---------------------------------------------------------------
    def beat(self, name: str, narration: str) -> None:
        """Start a beat: a new section (clip/slide) and its narration, shown until the next beat.
        With a voice (`Example.voice`), the beat's recording starts here and the picture waits for it."""
        self._flush_narration()
        only = self.example.beat
        if only is not None and any(b["name"] == only for b in self.beats):
            raise EndSceneEarlyException()  # the one beat asked for is over (Scene.render ends the scene here)
        if hasattr(self, "next_slide"):  # rendered through manim-slides (render.py slides)
            # the narration becomes the presenter's notes (at time 0 it only sets the first slide's)
            self.next_slide(notes=readable_names(narration))  # read by a person, like the subtitles
        else:  # with one beat asked for, the beats before it are skipped (Manim's own section skipping)
            self.next_section(name, skip_animations=only is not None and name != only)
        self._beat = {"name": name, "narration": narration, "start": self.time, "speech": self._speak(name)}

    def _speak(self, name: str) -> float | None:
        """Play this beat's recording from now on, if the voice has one; its length in seconds."""
        scene = type(self).story.key or type(self).__name__  # the class's entry (a scene may use self.story)
        recording = find_recording(self.example.voice, scene, name)
        if recording is None:
            return None
        self.add_sound(str(recording))
        return audio_seconds(recording)

    def reading_time_left(self) -> float:
        """Seconds the open beat's narration still needs on screen (0 when none is open): lets a
        beat pace its animation over its narration instead of freezing at the end."""
        if self._beat is None:
            return 0.0
        return max(0.0, _hold_seconds(self._beat) - (self.time - self._beat["start"]))

    def _flush_narration(self) -> None:
        """Close the open beat: hold the picture until its narration is spoken (or, without a
        recording, can be read), then write its subtitles, timed to the speech when there is one."""
        if self._beat is None:
            return
        beat, self._beat = self._beat, None
        start, text, speech = beat["start"], beat["narration"], beat["speech"]
        hold = _hold_seconds(beat)
        if self.time - start < hold:
            self.wait(hold - (self.time - start))
        end = self.time
        self.beats.append({**beat, "end": round(end, 3), "start": round(start, 3)})
        if end <= start or self.example.beat not in (None, beat["name"]):
            return
        offset = start if self.example.beat is not None else 0.0  # one beat's clip starts at its start
        writer = self.renderer.file_writer
        for piece_start, piece_end, piece in _split_caption(readable_names(text), start - offset,
                                                            (start + speech if speech else end) - offset):
            writer.subcaptions.append(srt.Subtitle(
                index=len(writer.subcaptions) + 1, content=piece,
                start=datetime.timedelta(seconds=piece_start), end=datetime.timedelta(seconds=piece_end)))

    @property
    def beats(self) -> list[dict]:
        """The closed beats: name, narration, start, end, and the seconds of speech (None: silent)."""
        if not hasattr(self, "_beats"):
            self._beats = []
        return self._beats

    def tear_down(self) -> None:
        self._flush_narration()
        if self.example.beat is not None and not any(b["name"] == self.example.beat for b in self.beats):
            names = ", ".join(b["name"] for b in self.beats) or "none"
            raise UnknownBeat(f"the scene has no beat '{self.example.beat}'; its beats: {names}")
        if self.example.voice is not None and not self.renderer.skip_animations:
            from pydub import AudioSegment  # Manim's own dependency; the sound track ends with the picture

            self.renderer.file_writer.add_audio_segment(AudioSegment.silent(0), time=self.time)
        # the beats as played, for the manifest and the recording script (render.py script)
        beats_file = Path(config.media_dir) / "beats" / f"{type(self).__name__}.json"
        beats_file.parent.mkdir(parents=True, exist_ok=True)
        beats_file.write_text(json.dumps(self.beats, indent=1, ensure_ascii=False), encoding="utf-8")
        super().tear_down()
        self._theme_scope.close()
        if self.layout_problems:
            raise AssertionError(f"{type(self).__name__}: layout problems:\n" + "\n".join(self.layout_problems))

    # --- shared furniture ------------------------------------------------------------------
    def heading(self, text: str | None = None) -> VGroup:
        title = fit_width(label(text or self.title, 34, self.theme.text, weight="BOLD"), config.frame_width - 1)
        title.to_edge(UP, buff=TEXT_MARGIN)
        return title

    def footnote(self, text: str) -> VGroup:
        """A small line at the bottom: where the numbers come from and what is simplified."""
        note = fit_width(label(text, 17, self.theme.muted), config.frame_width - 2 * TEXT_MARGIN - 0.1)
        note.to_edge(DOWN, buff=TEXT_MARGIN + 0.02)
        return note

    def provenance(self, tr: Trace | None = None, extra: str = "") -> str:
        tr = tr or self.tr
        text = f"real values from {self.weights_name(tr)} (weights {tr.sha256[:8]})"
        return text + (f"; {extra}" if extra else "")

    @staticmethod
    def grammar_nouns(tr: Trace) -> list[str]:
        """The built-in grammar's English nouns when `tr`'s model learned that grammar, else none: a
        reason that holds only for it (a French article takes its form from its noun) needs them."""
        return list(NOUNS) if model_info(tr.model).get("corpus", {}).get("kind") == "grammar" else []

    @staticmethod
    def weights_name(tr: Trace) -> str:
        """"the trained 'attention' model", or the training checkpoint it is (never called trained)."""
        kept = checkpoints(tr.model) if tr.training_step is not None else []
        return claims.weights_name(tr.model, tr.training_step, kept[-1]["step"] if kept else None)


def find_recording(voice: Path | None, scene: str, beat: str) -> Path | None:
    """<voice>/<scene>/<beat>.<wav|mp3|...>, if the voice folder has that beat."""
    if voice is None:
        return None
    return next((path for ext in RECORDING_EXTENSIONS if (path := voice / scene / f"{beat}.{ext}").is_file()), None)


def audio_seconds(path: Path) -> float:
    import av  # Manim's own dependency (its file writer)

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        if stream.duration is not None:
            return float(stream.duration * stream.time_base)
        return container.duration / 1e6


def _hold_seconds(beat: dict) -> float:
    """How long a beat stays on screen at least: its speech (and a pause), or its reading time."""
    if beat["speech"] is not None:
        return beat["speech"] + PAUSE_AFTER_SPEECH
    return len(beat["narration"]) / READING_RATE + 0.5


_SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_TEX_NAME = re.compile(r"\b([A-Za-z])_(?:\{([^{}]+)\}|([A-Za-z0-9]+)\b)")


def readable_names(text: str) -> str:
    """Narration for reading (subtitles, the recording script): TeX-like names as Unicode, 's_{i-1}'
    → 'sᵢ₋₁', 'e_ij' → 'eᵢⱼ'; a name with no subscript form ('h_T') stays; special tokens as on
    screen ('‹eos›'). The voice (espeak-ng)
    keeps the plain text: it spells Unicode subscripts out as code points."""
    def sub(m: re.Match) -> str:
        index = (m.group(2) or m.group(3)).replace(" ", "")
        if all(ch in _SUBSCRIPTS for ch in index):
            return m.group(1) + "".join(_SUBSCRIPTS[ch] for ch in index)
        return m.group(0)
    return claims.caption_text(_TEX_NAME.sub(sub, text))   # ‹eos›: caption readers drop '<eos>' as a tag


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
