"""Every scene renders (tiny resolution, low frame rate) for the article's example, a 2-word
sentence and the longest sentence its layout allows, with no text off frame or overlapping (the
scenes' own layout check), and its last frame matches a control image. Both themes are drawn: the
2-word sentence in the light theme, the others in the dark one (a theme changes colours, never
positions, so each sentence is laid out once)."""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from model.corpus import sentence_of_length
from model.trace import DEFAULT_SENTENCE
from scenes.catalog import BY_KEY, CHECK_LAYOUT_ENV, SCENES, Example

ROOT = Path(__file__).resolve().parent.parent
CONTROL = Path(__file__).resolve().parent / "control_frames"
SIZE = (320, 180)
SHORT = "the cat"
UPDATE = os.environ.get("UPDATE_CONTROL_FRAMES") == "1"


def _manim(entry, media: Path, sentence: str, theme: str, last_frame_only: bool, check_layout: bool = True):
    """Plain Manim, as a user runs it, with the example in its environment."""
    env = {**Example(sentence=sentence, theme=theme).environment(os.environ), CHECK_LAYOUT_ENV: "1" if check_layout else "0"}
    cmd = [sys.executable, "-m", "manim", "render", "--disable_caching", "-r", f"{SIZE[0]},{SIZE[1]}",
           "--frame_rate", "5", "--media_dir", str(media), str(entry.path), entry.cls]
    if last_frame_only:
        cmd.insert(4, "-s")
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)


VARIANTS = {  # name: (sentence of the entry, theme, last frame only)
    "video": (lambda entry: DEFAULT_SENTENCE, "dark", False),
    "still": (lambda entry: DEFAULT_SENTENCE, "dark", True),
    "short-light": (lambda entry: SHORT, "light", True),
    "longest-dark": (lambda entry: sentence_of_length(entry.max_tokens), "dark", True),
}


class SceneRenders:
    """A scene's renders, made when a test first asks for that scene: its variants two at a time,
    each in its own media dir. Per scene, so that two pytest workers share the scenes between them
    (each scene is one xdist group: its tests run on the worker that rendered it)."""

    def __init__(self, base: Path):
        self.base, self.made = base, {}

    def __getitem__(self, key_variant: tuple[str, str]):
        key, variant = key_variant
        if key not in self.made:
            entry = BY_KEY[key]

            def run(name):
                sentence, theme, last = VARIANTS[name]
                media = self.base / f"{key}-{name}"
                # the layout is checked after every play of the stills: a still plays every animation to
                # its end state, so the video of the same sentence and theme would check the same states
                return name, (media, _manim(entry, media, sentence(entry), theme, last, check_layout=last))

            with ThreadPoolExecutor(max_workers=2) as pool:
                self.made[key] = dict(pool.map(run, VARIANTS))
        return self.made[key][variant]


@pytest.fixture(scope="session")
def renders(tmp_path_factory):
    return SceneRenders(tmp_path_factory.mktemp("scenes"))


# each scene is one xdist group (`make test` runs --dist loadgroup): its renders stay on one worker
EACH_SCENE = [pytest.param(entry, id=entry.key, marks=pytest.mark.xdist_group(f"scene-{entry.key}"))
              for entry in SCENES]


def _ok(result):
    media, proc = result
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return media


@pytest.mark.parametrize("entry", EACH_SCENE)
def test_scene_renders_a_video_with_subtitles(entry, renders):
    import av

    media = _ok(renders[(entry.key, "video")])
    videos = list(media.rglob(f"{entry.cls}.mp4"))
    assert len(videos) == 1
    with av.open(str(videos[0])) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == SIZE
        duration = float(stream.duration * stream.time_base)
    # at most 75 s, or a quarter more than the catalog's typical length for the scenes that must say more
    # (length-curve narrates four models)
    assert 12 <= duration <= max(75, 1.25 * entry.typical_seconds), f"{entry.key} lasts {duration:.1f} s"
    srt = videos[0].with_suffix(".srt").read_text(encoding="utf-8")
    assert srt.count("-->") >= 2


@pytest.mark.parametrize("variant", ["short-light", "longest-dark"])
@pytest.mark.parametrize("entry", EACH_SCENE)
def test_scene_lays_out_short_and_longest_sentences(entry, variant, renders):
    media = _ok(renders[(entry.key, variant)])
    assert list(media.rglob("*.png")), "no last frame written"


@pytest.mark.parametrize("entry", EACH_SCENE)
def test_last_frame_matches_control_image(entry, renders, tmp_path):
    from PIL import Image

    media = _ok(renders[(entry.key, "still")])
    frame = next(media.rglob("*.png"))  # Manim's own last frame: no video codec in between
    control = CONTROL / f"{entry.key}.png"
    if UPDATE or not control.exists():
        CONTROL.mkdir(exist_ok=True)
        Image.open(frame).save(control)
        if not UPDATE:
            pytest.fail(f"no control frame for {entry.key}; wrote {control}, check it and commit it")
    got = np.asarray(Image.open(frame).convert("RGB"), dtype=np.int16)
    want = np.asarray(Image.open(control).convert("RGB"), dtype=np.int16)
    assert got.shape == want.shape
    diff = np.abs(got - want)
    # tolerance: anti-aliasing and font hinting may move a few pixels a little on another
    # machine; a changed number, colour or layout moves many pixels a lot
    assert diff.mean() < 0.5, f"mean difference {diff.mean():.2f}"
    assert (diff.max(axis=2) > 64).mean() < 0.001, f"{(diff.max(axis=2) > 64).mean():.3%} of pixels changed a lot"


@pytest.mark.parametrize("variant", ["video", "short-light", "longest-dark"])
@pytest.mark.parametrize("entry", EACH_SCENE)
def test_every_beat_has_a_speech_form_a_voice_reads_whole(entry, variant, renders):
    """Each beat's narration (the article's example, a 2-word and the longest sentence), as the
    voices read it (output.speech): no symbol left that a voice would skip or spell out."""
    import json

    from output.speech import spoken, unspoken

    media = _ok(renders[(entry.key, variant)])
    beats = json.loads((media / "beats" / f"{entry.cls}.json").read_text(encoding="utf-8"))
    assert beats
    for beat in beats:
        said = spoken(beat["narration"])
        assert said and unspoken(said) == [], (beat["name"], said)


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
