"""render.py as a lecturer uses it: real renders at low quality through the real entry point."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import srt

from output.captions import vtt_from_subtitles
from output.film import read_chapters
from output.jobs import RenderError, RenderJob
from output.rendering import render, video_facts
from scenes.catalog import BY_KEY, SCENES, SceneEntry
from tests.helpers import cli

ROOT = Path(__file__).resolve().parent.parent
SHORT = "the cat"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("renders")


def test_list_json_schema():
    rows = json.loads(cli("list", "--json").stdout)
    assert [r["key"] for r in rows] == [s.key for s in SCENES]
    for r in rows:
        assert {"key", "title", "figure", "summary", "typical_seconds", "model", "max_words"} <= set(r)
        assert r["typical_seconds"] > 0


def test_render_writes_video_subtitles_poster_and_manifest(out):
    proc = cli("render", "attention-weights", "--sentence", SHORT, "--quality", "low", "--out", str(out / "one"))
    stem = out / "one" / "attention-weights--the-cat"
    assert str(stem.with_suffix(".mp4")) in proc.stdout
    manifest = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    facts = video_facts(stem.with_suffix(".mp4"))
    assert (facts["width"], facts["height"]) == (854, 480) and facts["fps"] == 15
    assert manifest["duration"] == pytest.approx(facts["duration"], abs=0.1) and facts["duration"] > 10
    assert manifest["frames"] == facts["frames"]
    assert manifest["model"]["name"] == "attention" and len(manifest["model"]["sha256"]) == 64
    assert manifest["sentence"] == SHORT and manifest["quality"] == "low" and manifest["tools"]["manim"] == "0.21.0"
    subs = list(srt.parse(stem.with_suffix(".srt").read_text(encoding="utf-8")))
    assert subs and subs[-1].end.total_seconds() <= facts["duration"] + 0.05
    assert stem.with_suffix(".vtt").read_text(encoding="utf-8") == vtt_from_subtitles(subs)
    assert manifest["files"]["captions"] == stem.with_suffix(".vtt").name
    from PIL import Image

    with Image.open(stem.with_suffix(".png")) as poster:
        assert poster.size == (854, 480)
    assert not (out / "one" / ".work").exists()


def test_an_unchanged_render_is_reused_and_force_renders_again(out):
    video = out / "one" / "attention-weights--the-cat.mp4"
    before = video.stat().st_mtime_ns
    again = cli("render", "attention-weights", "--sentence", SHORT, "--quality", "low", "--out", str(out / "one"))
    assert "(cached)" in again.stdout and video.stat().st_mtime_ns == before
    other_theme = cli("render", "attention-weights", "--sentence", SHORT, "--quality", "low", "--theme", "light",
                      "--format", "png", "--out", str(out / "one"))
    assert "(cached)" not in other_theme.stdout
    assert (out / "one" / "attention-weights--the-cat--light--png.png").exists()
    forced = cli("render", "attention-weights", "--sentence", SHORT, "--quality", "low", "--force", "--out", str(out / "one"))
    assert "(cached)" not in forced.stdout and video.stat().st_mtime_ns != before


def test_two_jobs_make_the_same_files_as_one(out):
    keys = ["rnn-relay", "bahdanau-steps"]
    for jobs in ("1", "2"):
        cli("render", *keys, "--sentence", SHORT, "--quality", "low", "--jobs", jobs, "--out", str(out / f"jobs{jobs}"))
    names1 = sorted(p.name for p in (out / "jobs1").iterdir())
    names2 = sorted(p.name for p in (out / "jobs2").iterdir())
    assert names1 == names2 and len(names1) == 10  # video, poster, manifest, .srt, .vtt per scene
    for key in keys:
        stem = f"{key}--the-cat"
        assert (out / "jobs1" / f"{stem}.srt").read_bytes() == (out / "jobs2" / f"{stem}.srt").read_bytes()
        assert (out / "jobs1" / f"{stem}.png").read_bytes() == (out / "jobs2" / f"{stem}.png").read_bytes()
        assert video_facts(out / "jobs1" / f"{stem}.mp4") == video_facts(out / "jobs2" / f"{stem}.mp4")


# three chapters, named out of order: the film keeps the story's order (the whole film is this with all 14)
CUT = [BY_KEY["self-attention-teaser"], BY_KEY["timeline"], BY_KEY["where-attention-lives"]]


def test_film_has_a_chapter_per_scene_and_subtitles_in_sync(out):
    cli("film", *[s.key for s in CUT], "--sentence", SHORT, "--quality", "low", "--out", str(out / "film"))
    film = out / "film" / "film-where-attention-lives+timeline+self-attention-teaser--the-cat.mp4"
    story = [s for s in SCENES if s in CUT]
    facts = video_facts(film)
    chapters = read_chapters(film)
    assert [c["title"] for c in chapters] == [s.title for s in story]
    assert chapters[0]["start"] == 0 and chapters[-1]["end"] == pytest.approx(facts["duration"], abs=0.1)
    clip_seconds = [video_facts(out / "film" / f"{s.key}--the-cat.mp4")["duration"] for s in story]
    for chapter, seconds in zip(chapters, clip_seconds):
        assert chapter["end"] - chapter["start"] == pytest.approx(seconds, abs=0.1)
    subs = list(srt.parse(film.with_suffix(".srt").read_text(encoding="utf-8")))
    assert all(a.end <= b.start + __import__("datetime").timedelta(milliseconds=2) for a, b in itertools.pairwise(subs))
    assert subs[-1].end.total_seconds() <= facts["duration"] + 0.05
    assert film.with_suffix(".vtt").read_text(encoding="utf-8") == vtt_from_subtitles(subs)
    # each scene's narration starts inside its own chapter
    first_line = {s.key: next(srt.parse((out / "film" / f"{s.key}--the-cat.srt").read_text(encoding="utf-8"))).content
                  for s in story}
    for scene, chapter in zip(story, chapters):
        match = next(sub for sub in subs if sub.content == first_line[scene.key])
        assert match.start.total_seconds() == pytest.approx(chapter["start"], abs=0.05)


def test_slides_as_html(out):
    proc = cli("slides", "rnn-relay", "--sentence", SHORT, "--quality", "low", "--out", str(out / "slides"))
    page = out / "slides" / "rnn-relay--the-cat.slides.html"
    assert str(page) in proc.stdout
    html = page.read_text(encoding="utf-8")
    videos = [line.split('"')[1] for line in html.splitlines() if "data-background-video=" in line]
    assert len(videos) == 3  # one slide per beat of the relay
    assert all((page.parent / v).exists() for v in videos)


def test_a_failed_render_leaves_no_file_behind(tmp_path):
    broken = tmp_path / "broken_scene.py"
    broken.write_text("from manim import Scene\n\nclass Broken(Scene):\n    def construct(self):\n"
                      "        raise RuntimeError('boom')\n", encoding="utf-8")
    entry = SceneEntry(key="broken", module="broken_scene", cls="Broken", title="Broken", figure="-",
                       summary="fails on purpose", model="attention", models=("attention",), max_tokens=40,
                       typical_seconds=1, file=broken)
    job = RenderJob(scene=entry, quality="low", out=tmp_path / "out")
    with pytest.raises(RenderError, match="broken: manim exited"):
        render(job)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (("render", "atention-weights"), "did you mean 'attention-weights'"),
    (("render",), "name at least one scene"),
    (("render", "rnn-relay", "--quality", "ultra"), "'ultra' is not one of"),
    (("render", "rnn-relay", "--format", "avi"), "'avi' is not one of"),
    (("render", "rnn-relay", "--transparent"), "--transparent needs"),
    (("render", "rnn-relay", "--sentence", "the zebra"), "'zebra'"),
    (("render", "bahdanau-steps", "--sentence", " ".join(["the cat"] * 6)), "at most 10 words"),
    (("render", "rnn-relay", "--out", "/proc/no/such/dir"), "cannot write to the output folder"),
    (("render", "rnn-relay", "--jobs", "0"), "--jobs"),
    (("film", "--sentence", ""), "empty"),
    (("slides", "rnn-relay", "--to", "key"), "'key' is not one of"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = cli(*args, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error:")


def test_help_of_every_command():
    for command in ((), ("list",), ("trace",), ("vocab",), ("render",), ("slides",), ("film",)):
        proc = cli(*command, "--help")
        assert "Usage:" in proc.stdout


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
