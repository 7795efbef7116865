"""The output package's plumbing: the example's one path to a scene, names, the render cache key,
the job runner, atomic writes. Cheap tests (one tiny render), apart from test_cli_render.py's."""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import threading
import time

import pytest

from model.files import atomic_path, atomic_write_text
from model.trace import DEFAULT_SENTENCE, MODELS_DIR
from output import worker
from output.cache import SOURCE_ROOTS, cache_key
from output.film import Film
from output.jobs import ROOT, RenderError, RenderJob
from output.runner import run_jobs
from scenes.catalog import BY_KEY, SCENES, THEME_NAMES, Example

RELAY = BY_KEY["rnn-relay"]


# --- what to draw: one value, one path -------------------------------------------------------------
def test_example_survives_the_trip_through_the_environment():
    example = Example(sentence="the cat", model="lstm", checkpoint=3, theme="light")
    assert Example.from_env(example.environment({})) == example
    assert Example.from_env({}) == Example() == Example(sentence=DEFAULT_SENTENCE, models_dir=MODELS_DIR)


def test_a_workers_environment_holds_this_example_only():
    stale = Example(model="lstm", checkpoint=2, theme="light").environment({"HOME": "/home/x"})
    env = Example(sentence="the cat").environment(stale)
    assert env["HOME"] == "/home/x"
    assert Example.from_env(env) == Example(sentence="the cat")


def test_the_environment_variable_names_are_spelled_in_one_module():
    names = ["ATTENTION_SENTENCE", "ATTENTION_MODEL\"", "ATTENTION_CHECKPOINT", "ATTENTION_THEME",
             "ATTENTION_CHECK_LAYOUT"]
    files = [ROOT / "render.py", *sorted((ROOT / "scenes").rglob("*.py")), *sorted((ROOT / "output").rglob("*.py")),
             *sorted((ROOT / "tests").glob("*.py"))]
    spelled = {name: [f.relative_to(ROOT).as_posix() for f in files if name in f.read_text(encoding="utf-8")]
               for name in names}
    assert all(where in (["scenes/example.py"], ["scenes/example.py", "tests/test_output.py"])
               for where in spelled.values()), spelled


def test_the_cli_offers_the_themes_the_kit_has():
    from scenes.kit.theme import THEMES

    assert tuple(THEMES) == THEME_NAMES


def test_the_worker_installs_the_encoder_and_hands_the_example_to_the_scene(tmp_path, monkeypatch):
    """The one path: Example → worker environment → ExplainerScene.setup; the x264 speed-up is
    installed by the worker, not by importing the kit."""
    probe = tmp_path / "probe_scene.py"
    probe.write_text(
        "import json, os, types\n"
        "from manim.scene import scene_file_writer\n"
        "from scenes.kit import ExplainerScene\n\n\n"
        "class Probe(ExplainerScene):\n"
        "    def construct(self):\n"
        "        e = self.example\n"
        "        report = {'sentence': e.sentence, 'model': e.model, 'theme': self.theme.name,\n"
        "                  'trace': self.tr.sentence, 'bg': str(self.camera.background_color),\n"
        "                  'encoder': isinstance(scene_file_writer.av, types.SimpleNamespace)}\n"
        "        open(os.environ['PROBE_OUT'], 'w').write(json.dumps(report))\n", encoding="utf-8")
    monkeypatch.setenv("PROBE_OUT", str(tmp_path / "report.json"))
    example = Example(sentence="The cat.", model="plain", theme="light")
    worker.run(example, ["render", "-s", "--disable_caching", "-r", "64,36", "--media_dir", str(tmp_path / "media"),
                         str(probe), "Probe"], what="probe")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["sentence"] == "The cat." and report["model"] == "plain" and report["trace"] == "the cat"
    assert report["theme"] == "light" and report["bg"].upper() == "#FBFAF7"
    assert report["encoder"] is True
    plain = subprocess.run([sys.executable, "-c", "import types, scenes.kit\n"
                            "from manim.scene import scene_file_writer as w\n"
                            "print(isinstance(w.av, types.SimpleNamespace))"],
                           cwd=ROOT, capture_output=True, text=True, env=worker.environment(example))
    assert plain.stdout.strip() == "False", plain.stderr


PROBE_MOTION = (
    "from manim import DOWN, FadeIn, FadeOut, Indicate, MathTex, Square, Text, Transform, Create, Scene, "
    "there_and_back\n\n\n"
    "class Motion(Scene):\n"
    "    def construct(self):\n"
    "        word = Text('attention', color='#F0B429')\n"
    "        box = Square().shift(DOWN)\n"
    "        self.play(FadeIn(word), Create(box))\n"
    "        self.play(box.animate(rate_func=there_and_back).scale(1.3).set_stroke(width=9))  # ends where it began\n"
    "        self.wait(0.4)\n"
    "        self.play(Transform(word, Text('weights', font_size=60)), Indicate(word))\n"
    "        self.play(word.animate.shift(DOWN), FadeIn(MathTex(r'\\alpha_{ij}')), FadeIn(Text('attention')))\n"
    "        self.play(FadeOut(word))\n")


def _frames(media) -> list:
    import av
    import numpy as np
    from PIL import Image

    stills = sorted(media.rglob("*.png"))
    if stills:
        return [np.asarray(Image.open(stills[-1]))]
    video = next(p for p in media.rglob("*.mp4") if "partial_movie_files" not in p.parts)
    with av.open(str(video)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.mark.parametrize("what", ["video", "still", "scene still"])
def test_the_workers_speed_ups_draw_what_plain_manim_draws(what, tmp_path, monkeypatch):
    """output.encoding and output.speedups change how fast a frame is made, never the frame: the
    worker's frames equal plain Manim's bit for bit (with Manim's own x264 preset, for the video)."""
    import numpy as np

    probe = tmp_path / "motion.py"
    probe.write_text(PROBE_MOTION, encoding="utf-8")
    file, cls = (probe, "Motion") if what != "scene still" else (BY_KEY["attention-weights"].path, "AttentionWeights")
    args = ["render", "--disable_caching", "-r", "320,180", "--frame_rate", "10", *(["-s"] if "still" in what else []),
            str(file), cls]
    monkeypatch.setenv("ATTENTION_X264_PRESET", "medium")
    worker.run(Example(), [*args[:1], "--media_dir", str(tmp_path / "ours"), *args[1:]], what="probe")
    plain = subprocess.run([sys.executable, "-m", "manim", *args[:1], "--media_dir", str(tmp_path / "plain"), *args[1:]],
                           cwd=ROOT, capture_output=True, text=True, env=worker.environment(Example()))
    assert plain.returncode == 0, plain.stderr[-2000:]
    ours, theirs = _frames(tmp_path / "ours"), _frames(tmp_path / "plain")
    assert len(ours) == len(theirs) > 0
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))


def test_a_failing_worker_names_what_failed(tmp_path):
    with pytest.raises(RenderError, match="probe: manim exited with code"):
        worker.run(Example(), ["render", str(tmp_path / "missing.py"), "Nothing"], what="probe")


# --- names ----------------------------------------------------------------------------------------
def test_names_show_only_what_differs_from_the_defaults(tmp_path):
    def name(**kwargs):
        return RenderJob(scene=RELAY, example=Example(**kwargs), out=tmp_path).stem

    assert name() == "rnn-relay"
    assert name(sentence="The Cat!", model="lstm", theme="light") == "rnn-relay--the-cat--lstm--light"
    assert name(model="attention") == "rnn-relay"  # the relay cannot show it: not in the name
    assert name(checkpoint=4) == "rnn-relay--checkpoint-4"
    job = RenderJob(scene=RELAY, example=Example(), fmt="webm", transparent=True, out=tmp_path)
    assert job.outputs["video"] == tmp_path / "rnn-relay--transparent--webm.webm"
    assert set(RenderJob(scene=RELAY, fmt="png", out=tmp_path).outputs) == {"poster", "manifest"}


@pytest.mark.parametrize(("example", "name"), [
    (Example(), "film.mp4"), (Example(sentence="the cat", theme="light"), "film--the-cat--light.mp4"),
    (Example(model="plain"), "film--plain.mp4"), (Example(model="attention"), "film.mp4")])
def test_the_film_is_named_as_before(example, name, tmp_path):
    """The film keeps the names it always had (its first scene, now drawn from the transformer, can no
    longer show plain, so the old rule "the first scene's name with its key replaced" no longer says it)."""
    film = Film(example=example, out=tmp_path)
    assert film.path == tmp_path / name
    assert [job.scene for job in film.jobs] == list(SCENES)



@pytest.mark.parametrize(("keys", "name"), [
    (("timeline", "no-order", "rnn-relay"), "film-timeline-to-rnn-relay.mp4"),
    (("rnn-relay", "length-curve"), "film-rnn-relay+length-curve.mp4"),
    (("evolution",), "film-evolution.mp4")])
def test_a_film_of_some_chapters_names_them_and_never_the_whole_films_name(keys, name, tmp_path):
    cut = Film(example=Example(), out=tmp_path, scenes=tuple(s for s in SCENES if s.key in keys))
    assert cut.path == tmp_path / name
    assert [job.scene.key for job in cut.jobs] == [s.key for s in SCENES if s.key in keys]

# --- the render cache key: what is drawn and the code that draws it -------------------------------
@pytest.fixture
def job(tmp_path):
    return RenderJob(scene=RELAY, example=Example(sentence="the cat"), quality="low", out=tmp_path)


@pytest.fixture
def source_copy(tmp_path):
    roots = []
    for root in SOURCE_ROOTS:
        shutil.copytree(root, tmp_path / "repo" / root.name, ignore=shutil.ignore_patterns("__pycache__"))
        roots.append(tmp_path / "repo" / root.name)
    return tuple(roots)


def test_the_key_is_stable_and_depends_on_the_options(job):
    key = cache_key(job)
    assert cache_key(dataclasses.replace(job)) == key
    assert cache_key(dataclasses.replace(job, quality="high")) != key
    assert cache_key(dataclasses.replace(job, example=Example(sentence="the cat", theme="light"))) != key


@pytest.mark.parametrize("edited", ["scenes/kit/mobjects.py", "scenes/catalog.py", "scenes/alignment_heatmap.py",
                                    "output/rendering.py", "output/encoding.py"])
def test_editing_any_drawing_source_misses_the_cache(job, source_copy, edited):
    """No hand-kept list: every .py file of scenes/ (kit and catalog included) and output/ counts,
    even one that is not the scene's own file."""
    before = cache_key(job, roots=source_copy)
    assert before == cache_key(job)  # a faithful copy hashes the same
    path = source_copy[0].parent / edited
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert cache_key(job, roots=source_copy) != before


def test_a_new_kit_module_misses_the_cache(job, source_copy):
    before = cache_key(job, roots=source_copy)
    (source_copy[0] / "kit" / "arrows.py").write_text("ARROW = 1\n", encoding="utf-8")
    assert cache_key(job, roots=source_copy) != before


def test_a_changed_trace_misses_the_cache(job, monkeypatch):
    """Whatever changes the numbers (the model code that computes the influence, the weights, a
    checkpoint) changes the trace's content, and so the key."""
    before = cache_key(job)
    real = Example.trace

    def nudged(self, model, sentence=None):
        tr = real(self, model, sentence)
        return dataclasses.replace(tr, influence=tr.influence * 1.001)

    monkeypatch.setattr(Example, "trace", nudged)
    assert cache_key(job) != before


def test_an_edited_model_card_misses_the_cache(job, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    for card in MODELS_DIR.glob("*.json"):
        shutil.copy(card, models / card.name)
    moved = dataclasses.replace(job, example=dataclasses.replace(job.example, models_dir=models))
    before = cache_key(moved)
    assert before == cache_key(job)  # the same cards elsewhere: the same key
    card = models / "lstm.json"  # a card the relay does not show: the length curve may
    data = json.loads(card.read_text(encoding="utf-8"))
    data["evaluation_note"] = "edited"
    card.write_text(json.dumps(data), encoding="utf-8")
    assert cache_key(moved) != before


# --- the one job runner ---------------------------------------------------------------------------
def test_the_runner_returns_results_in_order_failures_apart_and_reports_progress():
    jobs = ["a", "bb", "ccc", "dddd", "eeeee"]
    running, slots_seen, events, lock = set(), [], [], threading.Lock()

    def work(job, slot):
        with lock:
            assert slot not in running, "two running jobs shared a slot"
            running.add(slot)
            slots_seen.append(slot)
        time.sleep(0.01 * len(job))
        with lock:
            running.discard(slot)
        if job == "ccc":
            raise RenderError("ccc: failed on purpose")
        return job.upper()

    outcome = run_jobs(jobs, work, workers=2, longest_first=len, on_event=lambda e: events.append((e.job, e.status)))
    assert outcome.results == [("a", "A"), ("bb", "BB"), ("dddd", "DDDD"), ("eeeee", "EEEEE")]
    assert [(job, str(err)) for job, err in outcome.failures] == [("ccc", "ccc: failed on purpose")]
    assert set(slots_seen) == {0, 1}
    assert sorted(events) == sorted([(j, "started") for j in jobs] + [(j, "done") for j in jobs if j != "ccc"]
                                    + [("ccc", "failed")])


def test_one_worker_starts_the_longest_job_first():
    order = []
    run_jobs(["a", "ccc", "bb"], lambda job, slot: order.append(job), workers=1, longest_first=len)
    assert order == ["ccc", "bb", "a"]


def test_the_runner_lets_other_errors_through():
    with pytest.raises(ZeroDivisionError):
        run_jobs([1], lambda job, slot: job / 0)


# --- atomic writes ----------------------------------------------------------------------------------
def test_an_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path):
    target = tmp_path / "film.json"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:  # noqa: PT012 - the write is cut short inside
        assert tmp.parent == target.parent and tmp.suffix == ".json"
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("killed")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["film.json"]
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["film.json"]


def test_nothing_outside_model_writes_a_temp_file_by_hand():
    """The tmp-then-replace idiom lives in model/files.py only (model/ is being switched to it)."""
    files = [ROOT / "render.py", *(ROOT / "scenes").rglob("*.py"), *(ROOT / "output").rglob("*.py")]
    assert [f.name for f in files if ".tmp" in f.read_text(encoding="utf-8")] == []


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
