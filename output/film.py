"""The whole story: every scene's clip in order, stitched into one film with chapters and one .srt (and its WebVTT twin).

`Film` owns the film's name (`film[--...]`, named like a scene's clip), the render jobs of its
scenes and its manifest. The clips share codec and size (one quality, one format), so their packets
are copied into the film without re-encoding: stitching takes a second, not minutes. With a voice,
their sound tracks are joined and encoded once (a few seconds of AAC encoding for the whole film).
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import srt

from model.files import atomic_path, atomic_write_text
from model.trace import DEFAULT_MODEL, MODEL_NAMES
from output.captions import vtt_from_srt
from output.jobs import RenderJob, stem
from output.voice import RATE, encode_into, sound_track
from output.voice import describe as describe_voice
from scenes.catalog import SCENES, Example, SceneEntry


@dataclass(frozen=True, kw_only=True)
class Film:
    example: Example
    quality: str = "high"
    out: Path = Path("media")
    scenes: tuple[SceneEntry, ...] = SCENES
    voice: str | None = None  # "synth" or a folder of recordings: every clip, hence the film, speaks

    @property
    def name(self) -> str:
        """film for the whole story; a film of some chapters names them: film-<first>-to-<last> for a run
        of the story, else film-<key>+<key>+... (so it never overwrites the whole film or another cut)."""
        keys = [s.key for s in self.scenes]
        if keys == [s.key for s in SCENES]:
            return "film"
        at = [SCENES.index(s) for s in self.scenes]
        if len(keys) > 1 and at == list(range(at[0], at[0] + len(at))):
            return f"film-{keys[0]}-to-{keys[-1]}"
        return "film-" + "+".join(keys)

    @property
    def path(self) -> Path:
        """<out>/<name>[--<sentence>][--<model>][--light].mp4: a film tells the attention model's story
        and can show any model, so it is named like a scene that does."""
        return self.out / (stem(self.name, self.example, story_model=DEFAULT_MODEL, models=MODEL_NAMES) + ".mp4")

    @property
    def jobs(self) -> list[RenderJob]:
        """The scenes' clips, in story order (rendered, or reused, before stitching)."""
        return [RenderJob(scene=s, example=self.example, quality=self.quality, out=self.out, voice=self.voice)
                for s in self.scenes]

    def assemble(self, manifests: list[dict]) -> dict:
        """Stitch the rendered clips (their `manifests`, in story order) and write the film's manifest."""
        clips = [(job.scene.title, job.outputs["video"], job.outputs["subtitles"]) for job in self.jobs]
        result = stitch(clips, self.path)
        manifest = {"film": self.path.name, "subtitles": self.path.with_suffix(".srt").name,
                    "captions": self.path.with_suffix(".vtt").name,
                    "sentence": self.example.sentence, "theme": self.example.theme, "quality": self.quality,
                    "duration": result["duration"], "chapters": result["chapters"],
                    "scenes": [m["files"]["manifest"] for m in manifests]}
        if self.example.checkpoint is not None:
            manifest["checkpoint"] = self.example.checkpoint
        if self.voice is not None:
            manifest["voice"] = describe_voice(self.voice)
        atomic_write_text(self.path.with_suffix(".json"), json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
        return manifest


def stitch(clips: list[tuple[str, Path, Path | None]], target: Path) -> dict:
    """clips: (chapter title, video, subtitles or None) in order. Writes target video and .srt.
    Video packets are copied; sound tracks (clips with a voice) are joined, each cut or padded to
    its clip's length, and encoded once, so the film's sound stays in step with every chapter.

    Returns {"duration": seconds, "chapters": [{"title", "start", "end"}]}.
    """
    import av  # PyAV is imported where it is used: a cache hit needs none of it

    chapters, subtitles, sound = [], [], []
    tracks = [sound_track(video) for _, video, _ in clips]
    offset = Fraction(0)
    with atomic_path(target) as tmp_video, av.open(str(tmp_video), "w") as out:
        out_stream = audio_stream = None
        for (title, video, subs), track in zip(clips, tracks):
            with av.open(str(video)) as src:
                in_stream = src.streams.video[0]
                if out_stream is None:
                    out_stream = out.add_stream_from_template(in_stream)
                    if any(t is not None for t in tracks):
                        audio_stream = out.add_stream("aac", rate=RATE, layout="mono")
                tb_in = in_stream.time_base
                shift = int(offset / tb_in)
                last_end = 0
                for packet in src.demux(in_stream):
                    if packet.dts is None:
                        continue
                    packet.pts = (packet.pts or 0) + shift
                    packet.dts = packet.dts + shift
                    last_end = max(last_end, packet.pts + (packet.duration or 0))
                    packet.stream = out_stream
                    out.mux(packet)
                length = Fraction(last_end - shift) * tb_in
            samples = round(length * RATE)
            sound.append(np.zeros(samples, np.float32) if track is None else
                         np.pad(track[:samples], (0, max(0, samples - len(track)))))
            chapters.append({"title": title, "start": float(offset), "end": float(offset + length)})
            if subs and subs.exists():
                shift_td = datetime.timedelta(seconds=float(offset))
                # a scene's last cue may end a frame after its video (frame rounding): keep it in its chapter
                chapter_end = datetime.timedelta(seconds=float(offset + length))
                for sub in srt.parse(subs.read_text(encoding="utf-8")):
                    start, end = sub.start + shift_td, min(sub.end + shift_td, chapter_end)
                    if end > start:
                        subtitles.append(srt.Subtitle(index=0, start=start, end=end, content=sub.content))
            offset += length
        if audio_stream is not None:
            encode_into(out, audio_stream, np.concatenate(sound))
        out.set_chapters([
            {"id": i, "start": int(c["start"] * 1000), "end": int(c["end"] * 1000),
             "time_base": Fraction(1, 1000), "metadata": {"title": c["title"]}}
            for i, c in enumerate(chapters)])
    composed = srt.compose(subtitles, reindex=True)
    atomic_write_text(target.with_suffix(".srt"), composed)
    atomic_write_text(target.with_suffix(".vtt"), vtt_from_srt(composed))  # the same cues, to the millisecond
    return {"duration": round(float(offset), 3), "chapters": chapters}


def read_chapters(video: Path) -> list[dict]:
    """The chapters of a video, as written by `stitch` (used by tests)."""
    import av

    with av.open(str(video)) as container:
        return [{"title": c["metadata"].get("title"), "start": float(c["start"] * c["time_base"]),
                 "end": float(c["end"] * c["time_base"])} for c in container.chapters()]
