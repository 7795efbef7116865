"""The fast tier's one scene (`make check`): a scene renders at 320×180 through plain Manim, as a user
runs it, with the layout check on (no text off frame, none overlapping), video and subtitles."""
from __future__ import annotations

import srt

from model.trace import DEFAULT_SENTENCE
from scenes.catalog import BY_KEY
from tests.test_scenes import _manim


def test_one_scene_renders_with_its_layout_checked(tmp_path):
    entry = BY_KEY["rnn-relay"]
    proc = _manim(entry, tmp_path, DEFAULT_SENTENCE, "dark", last_frame_only=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    videos = list(tmp_path.rglob(f"{entry.cls}.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 0
    subtitles = list(srt.parse(videos[0].with_suffix(".srt").read_text(encoding="utf-8")))
    assert len(subtitles) >= 3
