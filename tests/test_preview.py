"""The warm preview process: it draws what a cold render draws, re-reads an edited scene file, survives
a failing scene, and serves call after call from one process. Tiny scenes at 320x180-sized posters."""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from output import preview
from output.jobs import ROOT, RenderJob
from output.rendering import render
from scenes.catalog import BY_KEY, Example, SceneEntry

SQUARE = ("from manim import Scene, Square\n\n\nclass Probe(Scene):\n    def construct(self):\n"
          "        self.add(Square(side_length=6, color='{color}', fill_opacity=1))\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A private preview process (its own socket), stopped at the end."""
    path = tmp_path_factory.mktemp("preview") / "s.sock"
    yield path
    preview.stop(path)


@pytest.fixture
def project_tmp():
    """A folder inside the project: the preview server imports a user's own scene file only from there."""
    (ROOT / "media").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="test-preview-", dir=ROOT / "media"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def poster(job: RenderJob, path) -> tuple[dict, np.ndarray]:
    events = list(preview.preview(job, poster_only=True, path=path))
    assert [e["event"] for e in events] == ["poster"], events
    with Image.open(events[0]["files"]["poster"]) as im:
        return events[0], np.asarray(im.convert("RGB"))


def test_the_warm_poster_is_the_cold_poster(server, tmp_path):
    job = RenderJob(scene=BY_KEY["timeline"], example=Example(sentence="the cat", theme="light"), quality="low",
                    fmt="png", out=tmp_path / "cold")
    render(job)
    with Image.open(job.outputs["poster"]) as im:
        cold = np.asarray(im.convert("RGB"))
    first, warm = poster(dataclasses.replace(job, out=tmp_path / "warm"), server)
    assert warm.shape == cold.shape == (480, 854, 3)
    assert np.abs(warm.astype(int) - cold.astype(int)).max() <= 2  # the same picture
    second, _ = poster(dataclasses.replace(job, example=Example(sentence="the big dog"), out=tmp_path / "warm"), server)
    assert second["server"] == first["server"]  # one warm process served both


def test_an_edited_scene_shows_and_a_failing_scene_is_reported(server, tmp_path, project_tmp):
    scene_file = project_tmp / "probe_scene.py"
    entry = SceneEntry(key="probe", module="probe_scene", cls="Probe", title="", figure="", summary="",
                       model="attention", models=("attention",), max_tokens=40, typical_seconds=1, file=scene_file)
    job = RenderJob(scene=entry, quality="low", out=tmp_path)
    scene_file.write_text(SQUARE.format(color="#FF0000"), encoding="utf-8")
    _, red = poster(job, server)
    scene_file.write_text(SQUARE.format(color="#0000FF"), encoding="utf-8")
    _, blue = poster(job, server)
    assert tuple(red[240, 427]) == (255, 0, 0) and tuple(blue[240, 427]) == (0, 0, 255)
    scene_file.write_text("from manim import Scene\n\n\nclass Probe(Scene):\n    def construct(self):\n"
                          "        raise RuntimeError('broken on purpose')\n", encoding="utf-8")
    events = list(preview.preview(job, poster_only=True, path=server))
    assert events[-1]["event"] == "error" and "broken on purpose" in events[-1]["message"]
    scene_file.write_text(SQUARE.format(color="#00FF00"), encoding="utf-8")
    _, green = poster(job, server)  # still alive
    assert tuple(green[240, 427]) == (0, 255, 0)


def test_a_new_drawing_code_digest_replaces_the_server(server, tmp_path, monkeypatch):
    """A server started before the kit or output code changed is replaced, not reused."""
    job = RenderJob(scene=BY_KEY["timeline"], quality="low", fmt="png", out=tmp_path)
    before, _ = poster(job, server)
    monkeypatch.setattr(preview, "code_digest", lambda: "edited code")
    after, _ = poster(job, server)
    assert after["server"] != before["server"]


def test_one_server_serves_two_model_sets_and_rereads_a_retrained_one(server, tmp_path):
    """A request names its model set: the warm process serves the shipped set and a user's copy one
    after the other (no restart; the poster is named with the set), and a set whose cards change on
    disk is read again, never served from what was loaded before."""
    from model.trace import MODELS_DIR

    own = tmp_path / "my-models"
    shutil.copytree(MODELS_DIR, own, ignore=shutil.ignore_patterns("*.step-*"))
    card = own / "attention.json"
    card.write_text(card.read_text(encoding="utf-8").replace('"checkpoints"', '"no_checkpoints"'), encoding="utf-8")
    job = RenderJob(scene=BY_KEY["timeline"], example=Example(sentence="the cat"), quality="low", fmt="png",
                    out=tmp_path / "out")
    shipped, _ = poster(job, server)
    mine, _ = poster(dataclasses.replace(job, example=Example(sentence="the cat", models_dir=own)), server)
    assert mine["server"] == shipped["server"]
    assert "my-models" in Path(mine["files"]["poster"]).name and "my-models" not in Path(shipped["files"]["poster"]).name
    (own / "attention.safetensors").write_bytes(b"retrained?")  # the card's sha256 no longer matches
    card.write_text(card.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # the cards changed: read again
    events = list(preview.preview(dataclasses.replace(job, example=Example(sentence="the dog", models_dir=own)),
                                  poster_only=True, path=server))
    assert events[-1]["event"] == "error" and "does not match the sha256" in events[-1]["message"], events


def test_a_preview_clip_speaks_with_a_voice(server, tmp_path):
    """--voice reaches the warm process: the clip of the shortest scene carries the neural voice's
    speech at the voice's loudness, its sound track as long as its video."""
    from output import voice

    job = RenderJob(scene=BY_KEY["where-attention-lives"], quality="low", out=tmp_path, voice="neural")
    events = list(preview.preview(job, path=server))
    assert [e["event"] for e in events] == ["poster", "clip"], events
    clip = events[1]["files"]["video"]
    track = voice.sound_track(clip)
    assert track is not None and len(track) / voice.RATE == pytest.approx(voice.video_seconds(clip), abs=0.1)
    assert voice.loudness(track) == pytest.approx(voice.TARGET_LUFS, abs=2)  # speech, with the pauses between beats


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
