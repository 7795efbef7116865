"""The fault suite (issue 14): what a careful tester throws at the CLI, each case a test.

Sentences outside the grammar, hostile `--out` strings, kills, time limits, concurrent renders,
damaged caches of each kind, odd model folders, bytes that are not UTF-8. Each must end in one
`error:` line (exit 1 or 2) or in correct output, with nothing half-written and nothing outside
`--out` and `.cache/`. Most cases need no real render; the ones that do render a tiny scene of this
file (registered through a test SceneEntry) or the cheap `timeline` diagram at low quality.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model import corpus
from model.trace import MODELS_DIR, TraceInputError
from model.trace import trace as run_trace
from output import jobs, manim_call, rendering, workdirs
from output.cache import cache_key, cached_manifest, file_check
from output.film import stitch
from output.jobs import FORMATS, RenderError, RenderJob, model_set_tag
from output.manim_call import cache_slot, damaged_cache_files
from output.rendering import render
from output.workdirs import clean_stale
from scenes.catalog import SceneEntry

ROOT = Path(__file__).resolve().parent.parent
OUT_OF_GRAMMAR = ["red cars", "and and", "the the the the", "car the red"]

FAST_SCENE = '''
from manim import MathTex, Scene, Text, VGroup


class Fast(Scene):
    def construct(self):
        self.add(VGroup(Text("fault"), MathTex("x^2")).arrange())
        self.wait(0.2)
'''
SLOW_SCENE = '''
import time

from manim import Scene


class Slow(Scene):
    def construct(self):
        time.sleep(300)
'''


def entry(tmp: Path, key: str, cls: str, source: str) -> SceneEntry:
    path = tmp / f"{key}_scene.py"
    path.write_text(source, encoding="utf-8")
    return SceneEntry(key=key, module=path.stem, cls=cls, title=key, figure="-", summary="a test scene",
                      model="attention", models=("attention",), max_tokens=40, typical_seconds=1, file=path)


def cli(*args, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kwargs)


def one_error_line(proc, code: int) -> str:
    assert proc.returncode == code, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def workers_of(marker: str) -> list[int]:
    """Live processes whose command line mentions `marker` (a scene file or an output folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (proc / "stat").read_text().split(")")[-1].split()[0]
            except OSError:
                continue
            if marker in cmdline and state != "Z" and int(proc.name) != os.getpid():
                found.append(int(proc.name))
    return found


def wait_for(condition, seconds: float = 60.0, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds} s")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return entry(tmp_path_factory.mktemp("scenes"), "fast", "Fast", FAST_SCENE)


@pytest.fixture(scope="module")
def rendered(tiny, tmp_path_factory):
    """One real render of the tiny scene into an --out that Manim would read as a template."""
    out = tmp_path_factory.mktemp("rendered") / "q{quality}"
    job = RenderJob(scene=tiny, quality="low", out=out)
    return job, render(job)


# --- 1. paths are data, never templates -----------------------------------------------------------
def test_an_out_folder_with_format_fields_gets_the_files_and_nothing_else(rendered):
    job, manifest = rendered
    assert manifest["cached"] is False and manifest["frames"] >= 1
    assert sorted(p.name for p in job.out.iterdir()) == ["fast.json", "fast.mp4", "fast.png"]
    assert [p.name for p in job.out.parent.iterdir()] == ["q{quality}"]  # no q480p15/ beside it
    assert not workdirs.SAFE_WORK.exists() or not any(workdirs.SAFE_WORK.iterdir())


@pytest.mark.parametrize("name", ["L{log_dir}", "br{ace}s", "{", "a}b{{c", "sp ace %(x)s"])
def test_hostile_out_strings_are_plain_folder_names(tiny, tmp_path, name):
    job = RenderJob(scene=tiny, quality="low", fmt="png", out=tmp_path / name)
    render(job)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert sorted(p.name for p in job.out.iterdir()) == ["fast--png.json", "fast--png.png"]


def test_an_empty_out_is_refused():
    line = one_error_line(cli("render", "timeline", "--out", ""), 2)
    assert "--out" in line and "empty" in line


# --- 2. a time limit on every Manim process -------------------------------------------------------
def test_a_render_past_its_time_limit_is_ended_with_its_children(tmp_path, monkeypatch):
    slow = entry(tmp_path, "slow", "Slow", SLOW_SCENE)
    monkeypatch.setenv(rendering.TIMEOUT_ENV, "4")
    started = time.monotonic()
    with pytest.raises(RenderError, match="slow: manim took longer than 4 s"):
        render(RenderJob(scene=slow, quality="low", out=tmp_path / "out"))
    assert time.monotonic() - started < 60
    assert workers_of(str(slow.path)) == []
    assert list((tmp_path / "out").iterdir()) == []


def test_the_time_limit_follows_the_scene_and_the_quality(tiny):
    long = SceneEntry(**{**tiny.__dict__, "typical_seconds": 40})
    low, high = (manim_call.time_limit(RenderJob(scene=long, quality=q)) for q in ("low", "high"))
    assert 60 < low < high
    assert manim_call.time_limit(RenderJob(scene=tiny, quality="low")) < low


HUNG_CONVERTER = '''
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "hung-converter-child"])
time.sleep(300)
'''


def test_a_hung_slides_converter_is_ended_with_its_children(tmp_path, monkeypatch):
    from output import slides

    script = tmp_path / "hung_converter.py"
    script.write_text(HUNG_CONVERTER, encoding="utf-8")
    monkeypatch.setattr(slides, "CONVERTER", [sys.executable, str(script)])
    monkeypatch.setenv(rendering.TIMEOUT_ENV, "3")
    work = tmp_path / "work"
    (work / "slides").mkdir(parents=True)
    (work / "slides" / "FastSlides.json").write_text(json.dumps({"slides": [{"file": "a.mp4"}, {"file": "b.mp4"}]}))
    job = RenderJob(scene=jobs_entry(), quality="low", out=tmp_path / "out")
    started = time.monotonic()
    with pytest.raises(RenderError, match="timeline: manim-slides convert took longer than 3 s"):
        slides.convert(job, "FastSlides", "pdf", [], "x.slides.pdf", work, verbose=False)
    assert time.monotonic() - started < 30
    assert workers_of(str(script)) == [] and workers_of("hung-converter-child") == []


def test_the_converters_time_limit_follows_the_slides_and_the_quality():
    from output.slides import convert_limit

    assert 60 < convert_limit(8, "low") < convert_limit(16, "low") < convert_limit(16, "high")


# --- 3. caches that heal --------------------------------------------------------------------------
def test_a_cache_slot_is_held_by_one_render_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(manim_call, "MANIM_CACHE", tmp_path / "manim")
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, time\nfrom output import manim_call\nfrom pathlib import Path\n"
                               "manim_call.MANIM_CACHE = Path(sys.argv[1])\n"
                               "with manim_call.cache_slot(0):\n    print('held', flush=True)\n    time.sleep(30)\n",
                               str(tmp_path / "manim")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with cache_slot(0) as mine, cache_slot(0) as other:  # another invocation holds slot-0
            assert (mine.name, other.name) == ("slot-1", "slot-2")
    finally:
        holder.kill()
        holder.wait()
    with cache_slot(0) as freed:  # a dead holder's slot is free again
        assert freed.name == "slot-0"


def test_damaged_manim_cache_entries_are_removed_and_made_again(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(manim_call, "MANIM_CACHE", tmp_path / "manim")
    job = RenderJob(scene=tiny, quality="low", fmt="png", out=tmp_path / "out")
    render(job)
    entries = sorted(p for p in (tmp_path / "manim").rglob("*") if p.suffix in (".svg", ".tex", ".dvi", ".xdv"))
    kinds = {(p.parent.name, p.suffix) for p in entries}
    assert {("Tex", ".svg"), ("texts", ".svg"), ("Tex", ".tex")} <= kinds, kinds
    for n, path in enumerate(entries):  # zero bytes, random bytes, cut short
        data = path.read_bytes()
        path.write_bytes([b"", os.urandom(256), data[: len(data) // 2]][n % 3])
    assert set(damaged_cache_files(tmp_path / "manim")) == set(entries)
    capsys.readouterr()
    assert render(job, force=True)["cached"] is False
    assert "warning: removed" in capsys.readouterr().err
    assert damaged_cache_files(tmp_path / "manim") == []


@pytest.mark.parametrize("damage", ["[]", "null", "", "{\"version\": 2}", "\x00\xff garbage"])
def test_a_damaged_trace_cache_entry_is_computed_again(tmp_path, monkeypatch, capsys, damage):
    monkeypatch.setenv("ATTENTION_TRACE_CACHE", str(tmp_path / "traces"))
    good = run_trace("the cat", "attention")
    (entry_file,) = (tmp_path / "traces").iterdir()
    entry_file.write_text(damage, encoding="utf-8", errors="surrogateescape")
    capsys.readouterr()
    again = run_trace("the cat", "attention")
    assert again.target_tokens == good.target_tokens
    assert "warning: the cached trace" in capsys.readouterr().err
    assert json.loads(entry_file.read_text(encoding="utf-8"))["sentence"] == "the cat"  # healed


def test_an_unwritable_trace_cache_is_a_warning():
    blocker = ROOT / ".cache" / f"not-a-folder-{os.getpid()}"
    blocker.parent.mkdir(exist_ok=True)
    blocker.write_text("")
    try:
        proc = cli("trace", "the red car", env={"ATTENTION_TRACE_CACHE": str(blocker / "traces")})
    finally:
        blocker.unlink()
    assert proc.returncode == 0 and "la voiture rouge" in proc.stdout
    assert proc.stderr.startswith("warning: cannot keep the trace")


def test_a_cached_render_counts_only_if_its_files_are_complete(rendered):
    job, manifest = rendered
    key = cache_key(job)
    assert cached_manifest(job, key)["cache_key"] == key
    assert render(job)["cached"] is True
    video, poster = job.outputs["video"], job.outputs["poster"]
    saved = {path: path.read_bytes() for path in (video, poster)}
    try:
        video.write_bytes(b"")  # a 0-byte clip
        assert cached_manifest(job, key) is None
        video.write_bytes(saved[video])
        poster.write_bytes(saved[poster][:-1] + bytes([saved[poster][-1] ^ 1]))  # same size, other bytes
        assert cached_manifest(job, key) is None
        poster.write_bytes(saved[poster])
        job.outputs["manifest"].write_text("null", encoding="utf-8")
        assert cached_manifest(job, key) is None
    finally:
        for path, data in saved.items():
            path.write_bytes(data)
        job.outputs["manifest"].write_text(json.dumps({k: v for k, v in manifest.items() if k != "cached"}))
    assert manifest["checks"]["video"] == file_check(video)


def test_stitching_a_broken_clip_leaves_no_part_file(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever PyAV raises; the CLI makes it one line
        stitch([("a", clip, None)], tmp_path / "film.mp4")
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_dead_runs_leftovers_are_removed_and_live_ones_kept(tmp_path):
    out = tmp_path / "out"
    (out / ".work" / "dead-run").mkdir(parents=True)
    (out / ".work" / "dead-run.lock").write_text("")  # nobody holds its lock
    old = out / ".work" / "from-before-locks"
    old.mkdir()
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    part = out / ".film.999999999-1.part.mp4"  # atomic_path's temporary file of a dead process
    part.write_bytes(b"x")
    job = RenderJob(scene=jobs_entry(), out=out)
    with workdirs.work_dir(job, "render") as live:
        removed = clean_stale(out)
        assert live.exists()
    assert {p.name for p in removed} == {"dead-run", "from-before-locks", part.name}
    assert list(out.iterdir()) == []


def jobs_entry() -> SceneEntry:
    from scenes.catalog import BY_KEY

    return BY_KEY["timeline"]


# --- 4. kills and concurrent invocations ----------------------------------------------------------
def test_kill_9_mid_render_leaves_no_worker_and_the_next_render_cleans_up(tmp_path):
    out = tmp_path / "out"
    victim = subprocess.Popen([sys.executable, "render.py", "render", "timeline", "--quality", "low", "--force",
                               "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: [p for p in workers_of(str(out)) if p != victim.pid])
    victim.kill()
    victim.wait()
    wait_for(lambda: not workers_of(str(out)), seconds=30)  # the worker died with its parent
    assert any((out / ".work").iterdir())
    proc = cli("render", "timeline", "--quality", "low", "--format", "png", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["timeline--png.json", "timeline--png.png"]


def test_an_interrupted_render_ends_its_workers_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    victim = subprocess.Popen([sys.executable, "render.py", "render", "timeline", "--quality", "low", "--force",
                               "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: [p for p in workers_of(str(out)) if p != victim.pid])
    victim.send_signal(signal.SIGTERM)
    _, err = victim.communicate(timeout=60)
    assert victim.returncode == 130 and err.strip().splitlines()[-1] == "error: aborted", err
    assert not workers_of(str(out))
    assert list(out.iterdir()) == []


def test_two_invocations_into_one_out_at_once_both_succeed(tmp_path):
    out = tmp_path / "out"
    args = [sys.executable, "render.py", "render", "timeline", "--quality", "low", "--format", "png", "--force",
            "--out", str(out)]
    procs = [subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["timeline--png.json", "timeline--png.png"]
    job = RenderJob(scene=jobs_entry(), quality="low", fmt="png", out=out)
    assert cached_manifest(job, cache_key(job)) is not None


# --- 5. sentences outside what the model learned, and bytes that are not text --------------------
@pytest.mark.parametrize("sentence", OUT_OF_GRAMMAR)
def test_a_sentence_outside_the_grammar_is_refused_before_manim_with_a_suggestion(sentence, tmp_path):
    line = one_error_line(cli("render", "all", "--sentence", sentence, "--out", str(tmp_path / "out")), 2)
    suggestion = line.rsplit('"', 2)[-2]
    assert "not a sentence of the grammar" in line and corpus.in_grammar(suggestion.split())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [("film",), ("slides", "rnn-relay")])
def test_film_and_slides_refuse_it_too(command):
    assert "not a sentence of the grammar" in one_error_line(cli(*command, "--sentence", "red cars"), 2)


def test_trace_warns_about_a_sentence_outside_the_grammar():
    proc = cli("trace", "car the red")
    assert proc.returncode == 0 and proc.stdout
    assert proc.stderr.startswith("warning:") and "the red car" in proc.stderr


def test_the_grammar_check_knows_every_sentence_the_models_learned(grammar_splits):
    sources = [p.source for p in grammar_splits.train + grammar_splits.test]
    assert all(corpus.in_grammar(s) for s in sources)
    for sentence in [*OUT_OF_GRAMMAR, "the cat sees", "the cats sees the dog", "the cat and", "a cats"]:
        assert not corpus.in_grammar(sentence.split())
        assert corpus.in_grammar(corpus.known_sentence(sentence.split()).split())


def test_an_own_models_unfinished_translation_is_refused(monkeypatch):
    class Unfinished:
        finished, output_words = False, ("x",) * 13

    class OwnSet:   # a model set trained on a user's pairs (the checks read it through its ModelSet)
        def info(self, model):
            return {"corpus": {"kind": "tsv"}}

        def check_sentence(self, sentence, model):
            return sentence.split()

        def trace(self, sentence, model):
            return Unfinished()

    with pytest.raises(TraceInputError, match="did not finish its translation"):
        jobs.check_known("ein satz", "attention", OwnSet())
    Unfinished.finished = True
    jobs.check_known("ein satz", "attention", OwnSet())


def test_an_argument_that_is_not_utf8_is_refused_before_anything_starts(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "render.py", "render", "timeline", "--sentence", b"the cat\xff",
                           "--out", str(out)], cwd=ROOT, capture_output=True)
    assert proc.returncode == 2 and proc.stderr.decode().startswith("error: argument 4 is not valid UTF-8")
    assert len(proc.stderr.decode().strip().splitlines()) == 1 and not out.exists()


# --- 6. odd model folders -------------------------------------------------------------------------
@pytest.fixture
def models_copy(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("attention.json", "attention.safetensors"):
        shutil.copy(MODELS_DIR / name, folder / name)
    return folder


def test_a_folder_with_only_the_attention_model_renders_what_needs_only_it(models_copy, tmp_path):
    env = {"ATTENTION_MODELS_DIR": str(models_copy), "ATTENTION_TRACE_CACHE": str(tmp_path / "traces")}
    assert "plain" in one_error_line(cli("render", "rnn-relay", "--out", str(tmp_path / "o"), env=env), 2)
    proc = cli("render", "timeline", "--quality", "low", "--format", "png", "--out", str(tmp_path / "o"), env=env)
    assert proc.returncode == 0, proc.stderr
    tag = model_set_tag(models_copy)  # an own model set is named in the file names
    assert tag and tag.startswith("models-")
    manifest = json.loads((tmp_path / "o" / f"timeline--{tag}--png.json").read_text(encoding="utf-8"))
    assert list(manifest["models"]) == ["attention"]


def test_scenes_that_draw_missing_models_are_refused_before_manim_naming_both(models_copy, tmp_path):
    shutil.copy(MODELS_DIR / "plain.json", models_copy)
    shutil.copy(MODELS_DIR / "plain.safetensors", models_copy)  # attention (no checkpoints) and plain
    env = {"ATTENTION_MODELS_DIR": str(models_copy), "ATTENTION_TRACE_CACHE": str(tmp_path / "traces")}
    started = time.monotonic()
    line = one_error_line(cli("render", "all", "--out", str(tmp_path / "o"), env=env), 2)
    assert time.monotonic() - started < 60 and not (tmp_path / "o").exists()  # no Manim, no output folder
    assert "the lstm model (lstm.json, lstm.safetensors), which lstm-cell-state, length-curve need" in line
    assert "the attention model's training checkpoints" in line and "learning-to-align" in line
    assert not any(key in line for key in ("rnn-relay", "no-order", "context-bottleneck", "timeline", "attention-weights"))
    line = one_error_line(cli("render", "length-curve", "--out", str(tmp_path / "o"), env=env), 2)
    assert "lstm model" in line and "length-curve" in line and "plain model" not in line


def test_the_catalog_declares_every_model_a_scene_draws(tmp_path):
    from scenes import catalog, length_curve

    assert set(length_curve.MODELS) <= set(catalog.BY_KEY["length-curve"].models_needed())
    assert "attention" in catalog.BY_KEY["context-bottleneck"].models_needed("lstm")
    card = json.loads((MODELS_DIR / "attention.json").read_text(encoding="utf-8"))
    (tmp_path / "attention.json").write_text(json.dumps(card), encoding="utf-8")
    (tmp_path / "attention.safetensors").write_bytes(b"")
    needs = {entry.key: jobs.missing_models(entry, None, tmp_path) for entry in catalog.SCENES}
    assert needs["length-curve"].keys() == {"the plain model", "the lstm model", "the transformer model"}
    assert needs["learning-to-align"] == {"the attention model's training checkpoints":
                                          [c["file"] for c in card["checkpoints"] if not (tmp_path / c["file"]).exists()]}
    assert needs["rnn-relay"] == {"the plain model": ["plain.json", "plain.safetensors"]}
    assert [key for key, missing in needs.items() if not missing] == [
        "timeline", "context-window", "attention-weights", "bahdanau-steps", "alignment-heatmap"]
    for key in ("where-attention-lives", "evolution", "self-attention-teaser"):   # they draw the transformer
        assert needs[key] == {"the transformer model": ["transformer.json", "transformer.safetensors"]}


def test_a_batch_skips_the_scenes_a_model_set_cannot_draw(models_copy, tmp_path):
    from output.batch import plan

    the_plan = plan({"out": str(tmp_path / "o"), "render": [{"scenes": ["timeline", "length-curve"],
                                                             "model_sets": [str(models_copy)]}]})
    assert [job.render.scene.key for job in the_plan.jobs] == ["timeline"]
    (skip,) = the_plan.skipped
    assert skip["scene"] == "length-curve" and "lacks the plain model" in skip["reason"]


def test_a_malformed_model_card_is_one_line(models_copy, tmp_path):
    (models_copy / "attention.json").write_text("{ not json", encoding="utf-8")
    line = one_error_line(cli("trace", "the cat", env={"ATTENTION_MODELS_DIR": str(models_copy)}), 2)
    assert "attention.json" in line and "retrain" in line


def test_deleted_weights_are_one_line(models_copy, tmp_path):
    (models_copy / "attention.safetensors").unlink()
    env = {"ATTENTION_MODELS_DIR": str(models_copy), "ATTENTION_TRACE_CACHE": str(tmp_path / "traces")}
    assert "missing" in one_error_line(cli("trace", "the big dog", env=env), 2)


# --- 7. names -------------------------------------------------------------------------------------
def test_no_two_formats_share_a_file(tmp_path):
    timeline = jobs_entry()
    for i, a in enumerate(FORMATS):
        for b in FORMATS[i + 1:]:
            files_a = set(RenderJob(scene=timeline, fmt=a, out=tmp_path).outputs.values())
            files_b = set(RenderJob(scene=timeline, fmt=b, out=tmp_path).outputs.values())
            assert not files_a & files_b, (a, b)
    assert RenderJob(scene=timeline, out=tmp_path).outputs["video"].name == "timeline.mp4"


def test_long_and_non_ascii_sentences_keep_distinct_names():
    a = corpus.sentence_of_length(30, seed=1)
    b = a + " and the cat"
    assert jobs.slug(a) != jobs.slug(b) and max(len(jobs.slug(a)), len(jobs.slug(b))) <= 48
    assert jobs.slug("The cat.") == "the-cat" and jobs.slug("l'été") == "l-ete"
    assert jobs.slug("кошка") != jobs.slug("собака") and jobs.slug("кошка").isascii()


# --- 8. one line for every failure ----------------------------------------------------------------
def test_a_folder_named_like_an_output_file_is_one_line(tmp_path):
    (tmp_path / "out" / "timeline--png.png").mkdir(parents=True)
    line = one_error_line(cli("render", "timeline", "--format", "png", "--out", str(tmp_path / "out")), 1)
    assert "is a folder" in line


def test_an_unexpected_error_is_one_line_and_a_traceback_with_verbose(monkeypatch, capsys):
    from cli import commands
    from render import main

    monkeypatch.setattr(signal, "signal", lambda *args: None)  # main() would install its handlers here

    def broken(*args, **kwargs):
        raise RuntimeError("something odd")

    monkeypatch.setattr(commands, "run_trace", broken)
    with pytest.raises(SystemExit) as exit_info:
        main(["trace", "the cat"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: RuntimeError: something odd (run again with --verbose for the traceback)"]
    monkeypatch.setattr(commands, "prepare", broken)
    with pytest.raises(RuntimeError):
        main(["render", "timeline", "--verbose"])


@pytest.mark.parametrize(("args", "message"), [
    (("render", "all", "rnn-rely"), "did you mean 'rnn-relay'"),
    (("render", "ALL", "--sentence", "red cars"), "not a sentence of the grammar"),  # ALL is all
    (("render", "Timeline", "--sentence", "the zebra"), "zebra"),
])
def test_scene_names_ignore_case_and_a_typo_next_to_all_is_caught(args, message):
    assert message in one_error_line(cli(*args), 2)


def test_trace_of_a_long_sentence_fits_80_columns():
    sentence = corpus.sentence_of_length(38)
    proc = cli("trace", sentence, env={"COLUMNS": "80"})
    assert proc.returncode == 0
    assert all(len(line) <= 80 for line in proc.stdout.splitlines())
    assert proc.stdout.count("%") >= 38 * 38  # every weight is printed, none blanked out


# --- 7. a full disk (issue 20) --------------------------------------------------------------------
@pytest.fixture
def full_disk(tmp_path):
    """A folder on a file system with no space left: a 512 kB tmpfs, filled by the test (CI runs as
    root); None where mounting is not allowed."""
    mount = tmp_path / "full"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as f:
        while True:
            f.write(b"\0" * 65536)
            f.flush()


def test_a_worker_that_meets_enospc_says_so_and_which_file():
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    from output import worker

    with pytest.raises(RenderError) as caught:
        worker.run_tool([sys.executable, "-c", "open('/dev/full', 'wb').write(b'x' * 100000)"], jobs.Example(),
                        what="fast", tool="manim", writes=Path("/tmp/work"))
    assert str(caught.value) == "fast: no space left on device while writing /tmp/work"
    # Manim's log names the file, wrapped at 80 columns
    log = ("OSError: [Errno 28] No space left on device: \n'/media/out/.work/timeline-render-1-2/videos/story/"
           "480p15/\npartial_movie_files/Timeline/uncached_00008.mp4'\n")
    assert worker.disk_full(log, None) == ("no space left on device while writing /media/out/.work/timeline-render-1-2/"
                                           "videos/story/480p15/partial_movie_files/Timeline/uncached_00008.mp4")


def test_a_worker_that_crashes_on_a_full_disk_is_not_reported_as_a_signal(full_disk, monkeypatch, tmp_path):
    from output import worker

    if full_disk is None:  # no mount allowed here: the disk is full as the worker sees it
        full_disk = tmp_path
        monkeypatch.setattr(worker, "free_bytes", lambda folder: 0)
    else:
        fill(full_disk)
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]
    with pytest.raises(RenderError) as caught:
        worker.run_tool(crash, jobs.Example(), what="fast", tool="manim", writes=full_disk / "work")
    assert str(caught.value) == f"fast: no space left on device while writing {full_disk / 'work'}"
    monkeypatch.undo()
    with pytest.raises(RenderError, match="stopped by signal 11"):  # with space left, the signal is the news
        worker.run_tool(crash, jobs.Example(), what="fast", tool="manim", writes=ROOT)


def test_an_os_error_for_want_of_space_is_said_as_such():
    import errno

    err = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "media/x.json")
    assert rendering.describe_os_error(err) == "no space left on device while writing 'media/x.json'"


def test_a_render_into_a_full_disk_is_one_line_and_leaves_nothing(full_disk):
    if full_disk is None:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    out = full_disk / "out"
    line = one_error_line(cli("render", "timeline", "--quality", "low", "--force", "--out", str(out)), 1)
    assert line.startswith(f"error: timeline: no space left on device while writing {out}/"), line
    assert list(out.iterdir()) == []


# --- 8. training never loses a model set (issue 20) -----------------------------------------------
def train_main(*args) -> tuple[int, str]:
    from io import StringIO

    from model import train

    printed = StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stderr", printed)
        code = train.main(list(args))
    return code, " ".join(printed.getvalue().split())


@pytest.mark.parametrize("out", ["assets/models", "./assets/models/", "link"])
def test_training_refuses_to_replace_the_shipped_set_without_force(out, tmp_path, monkeypatch):
    from model import train

    monkeypatch.chdir(tmp_path)
    (tmp_path / "assets").symlink_to(ROOT / "assets")
    (tmp_path / "link").symlink_to(train.ASSETS)
    before = {p.name: p.stat().st_mtime_ns for p in train.ASSETS.iterdir()}
    code, printed = train_main("--out", out, "--epochs", "1")
    assert code == 2 and "holds the shipped models" in printed and "--force" in printed
    assert {p.name: p.stat().st_mtime_ns for p in train.ASSETS.iterdir()} == before


def test_training_refuses_a_folder_that_is_not_a_model_set(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, printed = train_main("--out", str(tmp_path), "--epochs", "1")
    assert code == 2 and "holds other files than a model set" in printed
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_new_set_is_swapped_in_whole(tmp_path):
    from model import train

    target = tmp_path / "set"
    target.mkdir()
    (target / "plain.safetensors").write_bytes(b"old")
    (target / "plain.json").write_text("{}", encoding="utf-8")
    staging = train.staging_folder(target)
    assert sorted(p.name for p in staging.iterdir()) == ["plain.json", "plain.safetensors"]  # training one keeps all
    (staging / "plain.safetensors").write_bytes(b"new")
    train.swap_in(staging, target)
    assert (target / "plain.safetensors").read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["set"]


def default_interrupts() -> None:
    """In the child before exec: Ctrl-C handled as a user's shell hands it over (not ignored, not blocked),
    whatever an earlier test left in this pytest worker (a fresh-clone run saw SIGINT not reach training)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def test_an_interrupted_training_leaves_the_old_set_exactly_as_it_was(tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group, training workers included) once training has
    written its first checkpoint: exit 130, the old set byte for byte, no folder left beside it. (40 epochs:
    interrupted after its first checkpoint, so they cost nothing, and on a loaded machine 3 epochs could end
    before the interrupt arrived: seen once, exit 0.)"""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_own_pair import write_pairs

    pairs, target = tmp_path / "de.tsv", tmp_path / "set"
    write_pairs(pairs, 300)
    target.mkdir()
    for name in ("plain.json", "plain.safetensors", "attention.json", "attention.safetensors"):
        shutil.copy2(MODELS_DIR / name, target / name)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    victim = subprocess.Popen([sys.executable, "-m", "model.train", "--pairs", str(pairs), "--languages", "English",
                               "German", "--epochs", "40", "--out", str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=default_interrupts)
    try:
        wait_for(lambda: list(tmp_path.glob(".set.training-*/attention.step-0.safetensors")), seconds=300)
        os.killpg(victim.pid, signal.SIGINT)
        _, err = victim.communicate(timeout=60)
    finally:
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
    assert victim.returncode == 130 and f"{target} is as it was" in " ".join(err.split()), err
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["de.tsv", "set"]
    assert not workers_of(str(pairs))


def test_retrain_hints_are_safe_to_paste(tmp_path, monkeypatch):
    """The hint names --out (and --force only for the shipped set), and for a set trained on a pair
    file, that file, its languages and options; pasted, it never trains the built-in grammar into
    someone's set nor replaces the shipped one without saying so."""
    import shlex

    from model import hints, train

    assert train.RECIPE.epochs == hints.DEFAULT_EPOCHS
    assert hints.retrain_command(train.ASSETS, "attention") == \
        f"python -m model.train --model attention --out {hints.shown_path(train.ASSETS)} --force"
    mine = tmp_path / "my models"
    mine.mkdir()
    card = {"corpus": {"kind": "tsv", "file": "de.tsv", "languages": ["English", "German"],
                       "tokens": {"source": {"lowercase": True}, "exact_ignores_case": True}},
            "recipe": {"epochs": 40}, "seed": 3}
    (mine / "plain.json").write_text(json.dumps(card), encoding="utf-8")
    (mine / "attention.json").write_text("{broken", encoding="utf-8")
    hint = hints.retrain_command(mine, "attention")
    assert shlex.split(hint) == ["python", "-m", "model.train", "--model", "attention", "--pairs", "de.tsv",
                                 "--languages", "English", "German", "--lowercase-source", "--fold-case",
                                 "--epochs", "40", "--seed", "3", "--out", str(mine)]
    (mine / "plain.json").unlink()  # nothing readable: a placeholder pair file, which training refuses
    hint = hints.retrain_command(mine, "attention")
    assert "--pairs YOUR_PAIRS.tsv" in hint and "--force" not in hint
    code, _printed = train_main(*shlex.split(hint)[3:])
    assert code == 2 and sorted(p.name for p in mine.iterdir()) == ["attention.json"]
    # a message that prints it: a folder without the models a scene draws
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(TraceInputError) as caught:
        jobs.check_models([jobs_entry()], folder=tmp_path / "empty")
    assert "(python -m model.train --model attention --pairs YOUR_PAIRS.tsv --out empty)" in str(caught.value)


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
