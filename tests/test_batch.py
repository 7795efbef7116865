"""`render.py batch`: planning a jobs file, and real small batches (posters of a diagram scene at low
quality) run here through the job runner and on a local Ray instance started by the test."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.trace import MODELS_DIR, MODELS_DIR_ENV
from output import batch
from output.batch import BatchError, plan
from scenes.catalog import BY_KEY, SceneEntry

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"scenes": ["timeline"], "sentences": ["the european economic area", "the cat"], "themes": ["dark", "light"],
         "qualities": ["low"], "formats": ["png"]}  # 4 renders of a few seconds each


@pytest.fixture(scope="module")
def broken_catalog(tmp_path_factory):
    """The catalog plus a scene that fails at render time (its file raises)."""
    folder = tmp_path_factory.mktemp("broken")
    (folder / "broken_scene.py").write_text(
        "from manim import Scene\n\n\nclass Broken(Scene):\n    def construct(self):\n"
        "        raise RuntimeError('broken on purpose')\n", encoding="utf-8")
    broken = SceneEntry(key="broken", module="broken_scene", cls="Broken", title="Broken", figure="-", summary="fails",
                        model="attention", models=("attention",), max_tokens=40, typical_seconds=1,
                        file=folder / "broken_scene.py")
    return {**BY_KEY, "broken": broken}


def with_broken(spec: dict) -> dict:
    return {**spec, "render": [*spec["render"], {**SMALL, "scenes": ["broken"], "sentences": ["the cat"],
                                                 "themes": ["dark"]}]}


# --- planning ---------------------------------------------------------------------------------------
def test_a_jobs_file_is_the_product_of_its_lists_laid_out_under_out(tmp_path):
    spec = {"out": str(tmp_path), "layout": "{theme}/{format}",
            "render": [{**SMALL, "formats": ["png", "mp4"]}, SMALL]}  # the second table repeats the first's pngs
    jobs = plan(spec).jobs
    assert len(jobs) == 8
    paths = {job.render.outputs["poster"].relative_to(tmp_path).as_posix() for job in jobs if job.render.fmt == "png"}
    assert paths == {"dark/png/timeline--png.png", "dark/png/timeline--the-cat--png.png",
                     "light/png/timeline--light--png.png", "light/png/timeline--the-cat--light--png.png"}
    assert {job.render.example.models_dir for job in jobs} == {MODELS_DIR}


def test_a_layout_that_would_let_two_renders_share_a_file_is_refused(tmp_path):
    with pytest.raises(BatchError, match="add the field they differ in"):
        plan({"out": str(tmp_path), "layout": "{theme}", "render": [{**SMALL, "qualities": ["low", "high"]}]})
    # an mp4's poster and a png's share no name (the format is in the name), so one folder holds both
    plan({"out": str(tmp_path), "layout": "{quality}", "render": [{**SMALL, "formats": ["png", "mp4"]}]})
    with pytest.raises(BatchError, match="unknown field"):
        plan({"layout": "{colour}", "render": [SMALL]})


def test_a_model_a_scene_cannot_show_is_one_render_not_two(tmp_path):
    """The relay cannot show `attention`: that render is the relay's own, named and rendered once."""
    jobs = plan({"out": str(tmp_path), "render": [{"scenes": ["rnn-relay"], "models": ["attention", "plain", "lstm"],
                                                   "qualities": ["low"]}]}).jobs
    assert sorted(job.render.stem for job in jobs) == ["rnn-relay", "rnn-relay--lstm"]


def test_bad_jobs_files_name_what_is_wrong(tmp_path):
    with pytest.raises(BatchError, match="unknown scene"):
        plan({"render": [{"scenes": ["no-such-scene"]}]})
    with pytest.raises(BatchError, match="does not know the word"):
        plan({"render": [{"scenes": ["timeline"], "sentences": ["the zzzqx"]}]})
    with pytest.raises(BatchError, match="no trained models"):
        plan({"render": [{"scenes": ["timeline"], "model_sets": [str(tmp_path)]}]})
    with pytest.raises(BatchError, match="qualities"):
        plan({"render": [{"scenes": ["timeline"], "qualities": ["ultra"]}]})
    with pytest.raises(BatchError, match="lists no renders"):
        plan({"out": "x"})
    bad = tmp_path / "bad.toml"
    bad.write_text("render = [", encoding="utf-8")
    with pytest.raises(BatchError, match=r"bad\.toml"):
        batch.load(bad)


def test_a_sentence_too_long_for_one_scene_skips_that_scene_only(tmp_path):
    long = " and ".join(["the cat"] * 6)  # 17 words: the relay holds 12, the timeline 40
    the_plan = plan({"out": str(tmp_path), "render": [{"scenes": ["timeline", "rnn-relay"], "sentences": [long]}]})
    assert [job.render.scene.key for job in the_plan.jobs] == ["timeline"]
    assert [(s["scene"], "at most 12 words" in s["reason"]) for s in the_plan.skipped] == [("rnn-relay", True)]


def test_the_sample_jobs_file_plans():
    the_plan = batch.load(ROOT / "examples" / "batch.toml")
    assert len(the_plan.jobs) > 50 and not the_plan.skipped


# --- real batches -----------------------------------------------------------------------------------
def check_results(manifest: dict, out: Path, *, failed: int, cached: bool) -> None:
    by_scene = {}
    for row in manifest["renders"]:
        by_scene.setdefault(row["scene"], []).append(row)
    good = by_scene["timeline"]
    assert len(good) == 4
    assert {row["status"] for row in good} == ({"cached"} if cached else {"rendered"})
    for row in good:
        poster = out / row["files"]["poster"]
        assert poster.exists() and (out / row["files"]["manifest"]).exists()
        assert json.loads((out / row["files"]["manifest"]).read_text())["theme"] == row["theme"]
    assert manifest["counts"]["failed"] == failed
    for row in by_scene.get("broken", []):
        assert row["status"] == "failed" and "broken" in row["error"] and "files" not in row
    assert json.loads((out / batch.MANIFEST).read_text(encoding="utf-8")) == manifest


def test_a_batch_runs_here_reports_a_failure_and_hits_the_cache_when_run_again(tmp_path, broken_catalog):
    spec = {"out": str(tmp_path), "layout": "{quality}", "render": [SMALL]}
    heard = []
    manifest = batch.run(plan(with_broken(spec), catalog=broken_catalog), workers=2, on_result=heard.append)
    check_results(manifest, tmp_path, failed=1, cached=False)
    assert len(heard) == 5 and manifest["runner"].startswith("local")
    assert not list(tmp_path.rglob(".work"))
    again = batch.run(plan(spec), workers=2)
    check_results(again, tmp_path, failed=0, cached=True)


def test_the_cli_runs_a_jobs_file(tmp_path):
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(f'out = "{tmp_path / "out"}"\n[[render]]\nscenes = ["timeline"]\nqualities = ["low"]\n'
                    'formats = ["png"]\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "render.py", "batch", str(jobs)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "1 rendered" in proc.stdout and (tmp_path / "out" / "shipped" / "low" / "png" / "timeline--png.png").exists()
    proc = subprocess.run([sys.executable, "render.py", "batch", str(tmp_path / "missing.toml")], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 2


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install .[ray]); make test installs it")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env=batch.ray_runtime_env())
    yield ray
    ray.shutdown()


def test_a_batch_runs_on_ray_reports_a_failure_and_hits_the_cache_when_run_again(tmp_path, broken_catalog, local_ray):
    """Each render is a Ray task in a work folder of its own; its files are copied back here."""
    spec = {"out": str(tmp_path), "layout": "{theme}", "render": [SMALL]}
    manifest = batch.run(plan(with_broken(spec), catalog=broken_catalog), ray_address="local")
    check_results(manifest, tmp_path, failed=1, cached=False)
    assert manifest["runner"].startswith("ray") and "tried 2 times" in manifest["renders"][-1]["error"]
    again = batch.run(plan(spec), ray_address="local")
    check_results(again, tmp_path, failed=0, cached=True)


# --- issue 20: paths stay under out, large plans, interruptions -------------------------------------
@pytest.mark.parametrize(("spec", "message"), [
    ({"layout": "../escaped/{quality}"}, "leaves out"),
    ({"layout": "{model_set}/../../escaped"}, "leaves out"),
    ({"layout": "/tmp/escaped/{quality}"}, "leaves out"),
    ({"layout": "~/escaped"}, "leaves out"),
    ({"layout": "{model_set.__class__}"}, "unknown field"),
    ({"layout": "{0}"}, "unknown field"),
    ({"layout": "{quality!r}"}, "unknown field"),
    ({"layout": "{quality:>40}"}, "unknown field"),
    ({"layout": "{"}, "layout"),
    ({"layout": 5}, "layout"),
    ({"manifest": "../batch.json"}, "leaves out"),
    ({"manifest": "/tmp/batch.json"}, "leaves out"),
    ({"out": ""}, "empty"),
    ({"out": "   "}, "empty"),
    ({"out": 5}, "`out`"),
])
def test_a_jobs_file_cannot_write_outside_out(tmp_path, spec, message):
    with pytest.raises(BatchError, match=message):
        plan({"out": str(tmp_path / "out"), **spec, "render": [SMALL]})


def test_a_link_inside_out_that_leads_outside_is_refused_before_anything_renders(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "low").symlink_to(elsewhere)
    the_plan = plan({"out": str(out), "layout": "{quality}", "render": [SMALL]})
    with pytest.raises(BatchError, match="lies outside out"):
        the_plan.jobs  # noqa: B018 - what run() builds first
    assert list(elsewhere.iterdir()) == []


def cli_batch(tmp_path, toml: str, *args, **kwargs) -> subprocess.CompletedProcess:
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(toml, encoding="utf-8")
    return subprocess.run([sys.executable, "render.py", "batch", str(jobs), *args], cwd=ROOT, capture_output=True,
                          text=True, **kwargs)


def test_the_cli_refuses_a_layout_that_climbs_out_and_an_empty_out_in_one_line(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    table = '[[render]]\nscenes = ["timeline"]\nqualities = ["low"]\nformats = ["png"]\n'
    for toml, args in ((f'out = "{work / "out"}"\nlayout = "../../escaped"\n' + table, ()),
                       ('out = ""\n' + table, ()), (table, ("--out", ""))):
        proc = cli_batch(tmp_path, toml, *args)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.toml", "work"] and not any(work.iterdir())


def big_spec(out: Path, sentences: int = 200) -> dict:
    adjectives = ["big", "black", "bad", "free", "good", "green", "red", "long", "pretty", "public"]
    nouns = ["car", "cat", "dog", "house", "city", "book", "bank", "road", "river", "school", "garden", "idea",
             "law", "market", "report", "country", "friend", "child", "policy", "area"]
    return {"out": str(out), "layout": "{quality}/{format}", "render": [{
        "scenes": ["all"], "sentences": [f"the {a} {n}" for a in adjectives for n in nouns][:sentences],
        "themes": ["dark", "light"], "qualities": list(batch.QUALITIES), "formats": list(batch.FORMATS),
        "checkpoints": list(range(9))}]}


def test_a_million_render_plan_is_counted_without_listing_its_renders(tmp_path):
    """14 scenes × 200 sentences × 9 checkpoints × 2 themes × 4 qualities × 5 formats: counted and its
    first renders shown in well under a second of CPU (the plan is 2,800 blocks, not 10⁶ jobs)."""
    import itertools
    import time

    started = time.process_time()
    the_plan = plan(big_spec(tmp_path))
    lines = batch.describe_plan(the_plan)
    first = list(itertools.islice(the_plan.iter_jobs(), batch.SHOWN))
    seconds = time.process_time() - started
    assert the_plan.count == 14 * 200 * 9 * 2 * 4 * 5 == 1_008_000
    assert lines[0] == ("[[render]] #1: 14 scenes × 200 sentences × 9 checkpoints × 2 themes × 4 qualities × "
                        "5 formats = 1,008,000") and lines[-1].startswith("plan: 1,008,000 renders")
    assert len(first) == batch.SHOWN and seconds < 2.0, seconds  # measured 0.3 s on an idle core


@pytest.mark.parametrize("tables", [
    [SMALL, {**SMALL, "formats": ["png", "mp4"]}],                               # the second repeats 4 of its 8
    [{**SMALL, "scenes": ["rnn-relay", "timeline"], "models": ["plain", "lstm", "attention"]}, SMALL],
    [{**SMALL, "model_sets": {"a": str(MODELS_DIR), "b": str(MODELS_DIR)}}],    # one folder, two names
    [{"scenes": ["timeline", "rnn-relay"], "sentences": [" and ".join(["the cat"] * 6)]}, SMALL],  # one skipped
])
def test_the_count_of_a_plan_is_the_number_of_its_renders(tmp_path, tables):
    the_plan = plan({"out": str(tmp_path), "layout": "{model_set}/{quality}", "render": tables})
    assert the_plan.count == len(the_plan.jobs) == len({job.render for job in the_plan.jobs})


def test_renders_of_two_tables_that_would_share_a_file_are_refused(tmp_path):
    with pytest.raises(BatchError, match="add the field they differ in"):
        plan({"out": str(tmp_path), "layout": "{theme}", "render": [SMALL, {**SMALL, "qualities": ["high"]}]})
    with pytest.raises(BatchError, match="list one of the two sentences"):
        plan({"out": str(tmp_path), "render": [SMALL, {**SMALL, "sentences": ["The cat"]}]})


def test_a_large_batch_asks_first_and_without_a_terminal_is_refused(tmp_path):
    out = tmp_path / "out"
    toml = (f'out = "{out}"\n[[render]]\nscenes = ["all"]\nsentences = ["the cat", "the dog"]\n'
            'themes = ["dark", "light"]\nqualities = ["low", "medium", "high", "4k"]\nformats = ["mp4", "png"]\n')
    proc = cli_batch(tmp_path, toml, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "14 scenes × 2 sentences × 2 themes × 4 qualities × 2 formats = 448" in proc.stdout
    assert proc.stderr.strip().splitlines() == [
        "error: the batch makes 448 renders (more than 200) and there is no terminal to ask: add --yes to start it "
        "(--dry-run shows the plan)"]
    # on a terminal it asks; "n" starts nothing
    import pty

    controller, terminal = pty.openpty()
    os.write(controller, b"n\n")
    proc = cli_batch(tmp_path, toml, stdin=terminal)
    os.close(controller)
    os.close(terminal)
    assert proc.returncode == 130 and "start 448 renders? [y/N]" in proc.stderr, proc.stderr
    assert proc.stderr.strip().endswith("[y/N]: error: the batch was not started")  # the terminal echoes the "n"
    assert not out.exists()
    # --dry-run counts them and shows the first few
    proc = cli_batch(tmp_path, toml, "--dry-run", stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and proc.stdout.strip().splitlines()[-1] == f"… and {448 - batch.SHOWN} more"
    assert not out.exists()


def workers_under(marker: str) -> list[int]:
    """Live processes (not zombies) whose command line mentions `marker`."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0]
            except OSError:
                continue
            if marker in cmdline and state != "Z":
                found.append(int(proc.name))
    return found


def children_of(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(")", 1)[-1].split()[1]) == pid:
                    found.append(int(proc.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def wait_until(condition, seconds: float = 120.0):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s")


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm-model-set"])
def test_an_interrupted_batch_starts_nothing_more_and_ends_its_renders(tmp_path, how):
    """Ctrl-C (SIGINT to the terminal's process group) or SIGTERM: the running render ends with its
    workers, no queued render starts, nothing is left in out, exit 130. Another model set renders in
    the batch's own process: its Manim worker is the batch's child, with that set in its environment."""
    import signal
    import time

    out = tmp_path / "out"
    sets = ""
    if how == "sigterm-model-set":
        shutil.copytree(MODELS_DIR, tmp_path / "set", ignore=shutil.ignore_patterns("*.step-*"))
        sets = f'model_sets = ["{tmp_path / "set"}"]\n'
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(f'out = "{out}"\n[[render]]\nscenes = ["timeline"]\nsentences = ["the cat", "the dog", '
                    f'"the red car", "the big house"]\nqualities = ["low"]\n{sets}', encoding="utf-8")
    victim = subprocess.Popen([sys.executable, "render.py", "batch", str(jobs), "--jobs", "1", "--force"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_until(lambda: [p for p in workers_under(f"{out}/") if p in workers_under("output.worker")])
        render = [p for p in children_of(victim.pid) if p in workers_under("output.worker")]
        assert render  # every model set: the batch's own child, no process in between
        env = dict(line.split("=", 1) for line in Path(f"/proc/{render[0]}/environ").read_text().split("\0") if "=" in line)
        assert Path(env[MODELS_DIR_ENV]).resolve() == (tmp_path / "set" if sets else MODELS_DIR).resolve()
        if how == "ctrl-c":
            os.killpg(victim.pid, signal.SIGINT)
        else:
            victim.send_signal(signal.SIGTERM)
        _, err = victim.communicate(timeout=60)
    finally:
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
    assert victim.returncode == 130 and err.strip().splitlines()[-1] == "error: aborted", err
    time.sleep(1.0)  # a queued render would have started by now
    assert not workers_under(f"{out}/")
    assert [p for p in out.rglob("*") if not p.is_dir() or p.name == ".work"] == []  # the layout's folders only


def test_an_interruption_cancels_the_queued_jobs_of_the_runner():
    """A KeyboardInterrupt in the waiting thread (what Ctrl-C and SIGTERM raise there) leaves the
    queued jobs unstarted: before, the pool ran every one of them on its way out."""
    import time

    from output.runner import run_jobs

    started = []

    def work(job, slot):
        started.append(job)
        time.sleep(0.05)
        return job

    def heard(event):
        if event.status == "done":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_jobs(list(range(100)), work, workers=2, on_event=heard)
    time.sleep(0.2)
    assert len(started) <= 4, started


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
