"""`render.py batch`: planning a jobs file, and real small batches (posters of a diagram scene at low
quality) run here through the job runner and on a local Ray instance started by the test."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from model.trace import MODELS_DIR
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
    with pytest.raises(BatchError, match="bad.toml"):
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
