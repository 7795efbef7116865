"""preview --beat: one beat's clip from the warm process lasts as long as that beat does in a full
render, starts on the full render's frame at the beat's start, and a wrong beat name is refused.
A tiny three-beat scene keeps it cheap."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import av
import numpy as np
import pytest

from output import preview
from output.jobs import ROOT, RenderJob
from output.rendering import render
from scenes.catalog import Example, SceneEntry

BEATS = ("from manim import BLUE, RED, Circle, FadeIn, Square\n"
         "from scenes.kit.scene import ExplainerScene\n\n\n"
         "class ThreeBeats(ExplainerScene):\n"
         "    def construct(self):\n"
         "        self.beat('appear', 'A square appears.')\n"
         "        square = Square(side_length=2, color=RED, fill_opacity=1)\n"
         "        self.play(FadeIn(square), run_time=0.6)\n"
         "        self.beat('slide', 'It slides to the right, and a circle comes in.')\n"
         "        self.play(square.animate.shift(3 * RIGHT_), run_time=1)\n"
         "        self.play(FadeIn(Circle(color=BLUE, fill_opacity=1).shift(3 * LEFT_)), run_time=0.6)\n"
         "        self.beat('turn', 'It turns.')\n"
         "        self.play(square.animate.rotate(0.6), run_time=0.8)\n\n\n"
         "RIGHT_, LEFT_ = __import__('numpy').array([1, 0, 0]), __import__('numpy').array([-1, 0, 0])\n")


@pytest.fixture(scope="module")
def scene():
    """The scene file inside the project (the preview server imports a user's own file only from there)."""
    (ROOT / "media").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="test-beat-", dir=ROOT / "media"))
    (folder / "three_beats.py").write_text(BEATS, encoding="utf-8")
    yield SceneEntry(key="three-beats", module="three_beats", cls="ThreeBeats", title="", figure="", summary="",
                     model="attention", models=("attention",), max_tokens=40, typical_seconds=6,
                     file=folder / "three_beats.py")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("preview") / "s.sock"
    yield path
    preview.stop(path)


def frames(video: str) -> list[np.ndarray]:
    with av.open(video) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_a_beat_clip_is_that_beat_of_the_full_render(scene, server, tmp_path):
    full = RenderJob(scene=scene, quality="low", out=tmp_path / "full")
    render(full)
    beats = {b["name"]: b for b in json.loads(full.outputs["manifest"].read_text(encoding="utf-8"))["beats"]}
    whole = frames(str(full.outputs["video"]))
    events = list(preview.preview(RenderJob(scene=scene, example=Example(beat="slide"), quality="low",
                                            out=tmp_path / "beat"), path=server))
    assert [e["event"] for e in events] == ["clip"], events
    clip = frames(events[0]["files"]["video"])
    slide = beats["slide"]
    assert len(clip) == pytest.approx((slide["end"] - slide["start"]) * 15, abs=2)  # 480p15
    first = round(slide["start"] * 15)
    assert np.abs(clip[0].astype(int) - whole[first].astype(int)).mean() < 2  # the beat's first frame
    assert np.abs(clip[-1].astype(int) - whole[first + len(clip) - 1].astype(int)).mean() < 2
    assert np.abs(clip[0].astype(int) - clip[-1].astype(int)).mean() > 2  # and it shows the beat's motion


def test_a_wrong_beat_name_is_one_error_line_listing_the_beats_and_exit_2(scene, server, tmp_path, monkeypatch, capsys):
    job = RenderJob(scene=scene, example=Example(beat="spin"), quality="low", out=tmp_path)
    monkeypatch.setattr(preview, "socket_path", lambda: server)
    with pytest.raises(SystemExit) as exited:
        preview.show(job)  # what `render.py preview SCENE --beat spin` runs
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: three-beats: the scene has no beat 'spin'; its beats: appear, slide, turn"]


pytestmark = pytest.mark.slow
