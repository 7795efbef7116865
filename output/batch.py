"""Batch renders: a jobs file → every render of a product of scenes × sentences × model sets × models ×
themes × qualities × formats, laid out under one folder, with one manifest of all results.

    out = "media/batch"
    layout = "{model_set}/{quality}/{format}"     # folders under out; file names are render's own
    [[render]]                                    # each table is one product; several are added up
    scenes = ["timeline", "attention-weights"]    # keys from `render.py list`, or "all"
    sentences = ["the european economic area", "the cat"]
    themes = ["dark", "light"]
    qualities = ["low", "high"]
    formats = ["mp4", "png"]
    # model_sets = ["assets/models", "my_models"] or {shipped = "assets/models", de = "my_models"}
    # models = ["plain", "lstm"]                  # where a scene can show that model; checkpoints = [0, 8]

Two ways to run the same jobs, with the same results and the same manifest (`<out>/batch.json`):
- here, through the one job runner of `render` (output.runner), `workers` renders at a time;
- on a Ray cluster: each render is one Ray task (Ray schedules them), rendered in a work folder of
  its own on whichever node runs it; its files come back to the driver (or are written to a path
  every node shares). Ray retries a failed task once; a job that still fails is reported and the
  others finish. Renders whose files are already up to date are reused in both ways.

A process reads one model set (model.trace takes it from ATTENTION_MODELS_DIR when it is imported),
so a render of another model set runs in a child process with that set in its environment.
"""
from __future__ import annotations

import dataclasses
import datetime
import itertools
import json
import os
import pickle
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from model.files import atomic_write_bytes, atomic_write_text
from model.trace import DEFAULT_SENTENCE, MODEL_NAMES, MODELS_DIR, TraceInputError, check_sentence
from output import worker
from output.jobs import (FORMATS, NARRATION_OUTPUTS, QUALITIES, ROOT, TRANSPARENT_FORMATS, RenderError, RenderJob,
                         describe_missing, missing_models, slug)
from scenes.catalog import BY_KEY, SCENES, THEME_NAMES, Example, SceneEntry

MANIFEST = "batch.json"
DEFAULT_LAYOUT = "{model_set}/{quality}/{format}"
LAYOUT_FIELDS = ("model_set", "quality", "format", "theme", "sentence", "model", "checkpoint", "scene")
# axis in the jobs file → (default values, what one value must be)
AXES = {"scenes": None, "sentences": [DEFAULT_SENTENCE], "model_sets": None, "models": [None],
        "checkpoints": [None], "themes": ["dark"], "qualities": ["high"], "formats": ["mp4"]}
RETRIES = 1  # a failed render is tried once more, here and on Ray
# what a Ray task need not receive: the repository is shipped to the cluster without these
RAY_EXCLUDES = [".git", ".venv", "media", ".cache", "**/__pycache__", "*.mp4", "*.webm", "*.mov", "*.gif",
                ".pytest_cache", ".ruff_cache", "tests/control_frames"]


class BatchError(ValueError):
    """A jobs file that cannot be planned: the message says which entry and why."""


@dataclass(frozen=True)
class BatchJob:
    render: RenderJob
    model_set: str  # the model set's name (layout, manifest)

    @property
    def name(self) -> str:
        return f"{self.render.stem} ({self.model_set}, {self.render.quality}, {self.render.fmt})"


@dataclass
class Batch:
    out: Path
    jobs: list[BatchJob]
    skipped: list[dict] = field(default_factory=list)  # combinations a scene cannot draw, with the reason
    manifest: str = MANIFEST

    @property
    def manifest_path(self) -> Path:
        return self.out / self.manifest


@dataclass
class Result:
    job: BatchJob
    status: str  # rendered | cached | failed
    manifest: dict | None = None
    error: str | None = None
    host: str | None = None


# --- planning ---------------------------------------------------------------------------------------
def load(path: Path, *, out: Path | None = None, catalog: Mapping[str, SceneEntry] = BY_KEY) -> Batch:
    """Read a TOML jobs file and plan it (see the module's docstring for the format)."""
    try:
        spec = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise BatchError(f"cannot read the jobs file '{path}': {err.strerror or err}")
    except tomllib.TOMLDecodeError as err:
        raise BatchError(f"{path}: {err}")
    return plan(spec, out=out, catalog=catalog)


def plan(spec: Mapping, *, out: Path | None = None, catalog: Mapping[str, SceneEntry] = BY_KEY) -> Batch:
    """The jobs of a parsed jobs file: every combination of each [[render]] table, each render once.
    Relative paths (out, model sets) are relative to the current folder, like render's --out."""
    unknown = set(spec) - {"out", "layout", "manifest", "render"}
    if unknown:
        raise BatchError(f"unknown key(s) in the jobs file: {', '.join(sorted(unknown))}")
    out = Path(out or spec.get("out", "media/batch"))
    layout = spec.get("layout", DEFAULT_LAYOUT)
    fields = set(re.findall(r"{(\w*)}", layout))
    if fields - set(LAYOUT_FIELDS):
        raise BatchError(f"layout '{layout}': unknown field(s) {sorted(fields - set(LAYOUT_FIELDS))}; "
                         f"use {', '.join('{' + f + '}' for f in LAYOUT_FIELDS)}")
    tables = spec.get("render")
    if not tables or not isinstance(tables, list):
        raise BatchError("the jobs file lists no renders: add a [[render]] table with at least `scenes = [...]`")
    jobs: dict[Path, BatchJob] = {}
    skipped: list[dict] = []
    for number, table in enumerate(tables, 1):
        for job in _product(table, number, out, layout, catalog, skipped):
            for path in job.render.outputs.values():
                other = jobs.get(path)
                if other is not None and other.render != job.render:
                    raise BatchError(f"two renders would write {path}: {other.name} and {job.name}; "
                                     f"add the field they differ in to the layout ('{layout}')")
                jobs[path] = job
    return Batch(out=out, jobs=list(dict.fromkeys(jobs.values())), skipped=skipped,
                 manifest=spec.get("manifest", MANIFEST))


def _product(table: Mapping, number: int, out: Path, layout: str, catalog: Mapping[str, SceneEntry],
             skipped: list[dict]) -> list[BatchJob]:
    where = f"[[render]] #{number}"
    unknown = set(table) - set(AXES) - {"transparent"}
    if unknown:
        raise BatchError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; the axes are {', '.join(AXES)}")
    axes = {}
    for axis, default in AXES.items():
        values = table.get(axis, default)
        if values is None and axis == "scenes":
            raise BatchError(f"{where}: name the scenes (`scenes = [\"timeline\"]`, or [\"all\"])")
        if axis == "model_sets":
            values = _model_sets(values, where)
        elif not isinstance(values, list) or not values:
            raise BatchError(f"{where}: `{axis}` must be a non-empty list")
        axes[axis] = values
    scenes = _scenes(axes["scenes"], catalog, where)
    _check_choices(where, "models", axes["models"], (None, *MODEL_NAMES))
    _check_choices(where, "themes", axes["themes"], THEME_NAMES)
    _check_choices(where, "qualities", axes["qualities"], tuple(QUALITIES))
    _check_choices(where, "formats", axes["formats"], FORMATS)
    transparent = bool(table.get("transparent", False))
    if transparent and set(axes["formats"]) - set(TRANSPARENT_FORMATS):
        raise BatchError(f"{where}: transparent needs formats among {', '.join(TRANSPARENT_FORMATS)}")
    jobs = []
    for entry, sentence, (set_name, models_dir), model, checkpoint, theme, quality, fmt in itertools.product(
            scenes, axes["sentences"], axes["model_sets"].items(), axes["models"], axes["checkpoints"],
            axes["themes"], axes["qualities"], axes["formats"]):
        model = model if entry.model_for(model) != entry.model else None  # the same picture, one name
        reason = _refusal(entry, sentence, model, models_dir)
        if reason:
            skipped.append({"scene": entry.key, "sentence": sentence, "model_set": set_name, "reason": reason})
            continue
        example = Example(sentence=sentence, models_dir=models_dir, model=model, checkpoint=checkpoint, theme=theme)
        values = {"model_set": set_name, "quality": quality, "format": fmt, "theme": theme, "sentence": slug(sentence),
                  "model": model or "default", "checkpoint": "final" if checkpoint is None else checkpoint,
                  "scene": entry.key}
        folder = out / layout.format(**values) if layout else out
        jobs.append(BatchJob(RenderJob(scene=entry, example=example, quality=quality, fmt=fmt,
                                       transparent=transparent, out=folder), set_name))
    return jobs


def _model_sets(values, where: str) -> dict[str, Path]:
    """{name: folder}; a list names each set by its folder, a table by its keys."""
    if values is None:
        return {MODELS_DIR.name if MODELS_DIR.name != "models" else "shipped": MODELS_DIR}
    if isinstance(values, list):
        values = {Path(v).resolve().name: v for v in values}
    if not isinstance(values, dict) or not values:
        raise BatchError(f"{where}: `model_sets` must be a list of folders or a table of name = folder")
    sets = {}
    for name, folder in values.items():
        path = Path(folder).resolve()
        if not any(path.glob("*.safetensors")):
            raise BatchError(f"{where}: the model set '{folder}' holds no trained models (*.safetensors)")
        sets[slug(str(name))] = path
    return sets


def _scenes(keys, catalog: Mapping[str, SceneEntry], where: str) -> list[SceneEntry]:
    if "all" in keys:
        return list(SCENES)
    missing = [k for k in keys if k not in catalog]
    if missing:
        raise BatchError(f"{where}: unknown scene(s) {', '.join(missing)} (see `render.py list`)")
    return [catalog[k] for k in dict.fromkeys(keys)]


def _check_choices(where: str, axis: str, values: list, choices: tuple) -> None:
    bad = [v for v in values if v not in choices]
    if bad:
        raise BatchError(f"{where}: {axis} {bad} not among {[c for c in choices if c is not None]}")


def _refusal(entry: SceneEntry, sentence: str, model: str | None, models_dir: Path) -> str | None:
    """Why `entry` cannot draw this sentence (None if it can). Words the model does not know are an
    error of the jobs file; a sentence too long for one scene's layout skips that combination only.
    A model set that lacks a model (or checkpoints) the scene draws skips it too. Another model set's
    vocabulary is checked when its render runs (this process reads one set)."""
    if missing := missing_models(entry, model, models_dir):
        return f"the model set lacks {describe_missing(missing)}"
    if models_dir != MODELS_DIR:
        return None
    try:
        tokens = check_sentence(sentence, entry.model_for(model))
    except TraceInputError as err:
        raise BatchError(f"sentence '{sentence}': {err}")
    if len(tokens) > entry.max_tokens:
        return f"the scene shows sentences of at most {entry.max_tokens} words; this one has {len(tokens)}"
    return None


# --- one render, in a process that reads its model set -------------------------------------------
def render_one(job: RenderJob, *, force: bool = False, slot: int | str = 0, known_key: str | None = None) -> dict:
    """Render `job` (or reuse it) and return its manifest. `known_key`: the cache key of the files the
    caller already has; when the job's key equals it, nothing is rendered ({"cached": True, ...}).
    A job of another model set than this process's runs in a child process that reads that set."""
    if job.example.models_dir != MODELS_DIR:
        return _render_in_child(job, force=force, slot=slot, known_key=known_key)
    from output.cache import cache_key
    from output.rendering import render

    try:
        if known_key and not force and cache_key(job) == known_key:
            return {"cached": True, "cache_key": known_key}
        return render(job, force=force, slot=slot)
    except TraceInputError as err:
        raise RenderError(f"{job.scene.key}: {err}") from None


def _render_in_child(job: RenderJob, **options) -> dict:
    with tempfile.TemporaryDirectory(prefix="attention-batch-") as tmp:
        request, answer = Path(tmp) / "request.pickle", Path(tmp) / "answer.pickle"
        request.write_bytes(pickle.dumps((job, options)))
        proc = subprocess.run([sys.executable, "-m", "output.batch", str(request), str(answer)], cwd=ROOT,
                              env=worker.environment(job.example), capture_output=True, text=True)
        if proc.returncode != 0 or not answer.exists():
            tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
            raise RenderError(f"{job.scene.key}: the render of model set {job.example.models_dir} failed\n{tail}")
        ok, value = pickle.loads(answer.read_bytes())
    if not ok:
        raise RenderError(value)
    return value


def _child_main(request: str, answer: str) -> None:
    job, options = pickle.loads(Path(request).read_bytes())
    try:
        result = (True, render_one(job, **options))
    except RenderError as err:
        result = (False, str(err))
    Path(answer).write_bytes(pickle.dumps(result))


# --- here, through the job runner of `render` -----------------------------------------------------
def run_local(batch: Batch, *, workers: int | None = None, force: bool = False,
              on_result: Callable[[Result], None] = lambda result: None) -> list[Result]:
    from output.runner import run_jobs

    def work(job: BatchJob, slot: int) -> dict:
        for attempt in range(RETRIES + 1):
            try:
                return render_one(job.render, force=force, slot=slot)
            except RenderError:
                if attempt == RETRIES:
                    raise

    results: dict[BatchJob, Result] = {}

    def heard(event) -> None:
        if event.status == "started":
            return
        if event.status == "failed":
            result = Result(event.job, "failed", error=str(event.error), host=socket.gethostname())
        else:
            status = "cached" if event.result.get("cached") else "rendered"
            result = Result(event.job, status, manifest=event.result, host=socket.gethostname())
        results[event.job] = result
        on_result(result)

    run_jobs(batch.jobs, work, workers=workers, longest_first=lambda job: _expected_seconds(job.render),
             on_event=heard)
    return [results[job] for job in batch.jobs]


def _expected_seconds(job: RenderJob) -> float:
    """For starting long renders first: the scene's length times its quality's cost."""
    return job.scene.typical_seconds * {"low": 1, "medium": 3, "high": 8, "4k": 30}[job.quality] * (
        0.1 if job.fmt == "png" else 1)


# --- on a Ray cluster: one task per render --------------------------------------------------------
def ray_runtime_env() -> dict:
    """What every Ray task runs with: this repository (models included) as its working folder."""
    return {"working_dir": str(ROOT), "excludes": RAY_EXCLUDES}


def connect_ray(address: str) -> None:
    """Join the cluster at `address` ("auto": the one this machine belongs to; "local": start one here)."""
    import ray

    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, runtime_env=ray_runtime_env(),
                 include_dashboard=False if address == "local" else None, log_to_driver=False)


def _ray_task(job: RenderJob, driver_root: str, shared: bool, force: bool, known_key: str | None) -> dict:
    """Runs on a Ray worker: render in a work folder of its own (or straight to a shared `out`), and
    hand back the manifest with the files' bytes."""
    job = _relocated(job, Path(driver_root), ROOT)
    slot = f"ray-{os.getpid()}"  # this worker process's own LaTeX/text caches
    if shared:
        return {"manifest": render_one(job, force=force, slot=slot, known_key=known_key), "host": socket.gethostname()}
    work = Path(tempfile.mkdtemp(prefix="attention-ray-"))
    try:
        job = dataclasses.replace(job, out=work)
        manifest = render_one(job, force=force, slot=slot, known_key=known_key)
        files = {} if manifest.get("cached") and "scene" not in manifest else {
            name: path.read_bytes() for name, path in job.outputs.items() if path.exists() and name != "manifest"}
        return {"manifest": manifest, "files": files, "host": socket.gethostname()}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _relocated(job: RenderJob, old: Path, new: Path) -> RenderJob:
    """The job with the driver's repository paths (its models, a scene file) moved to this node's copy."""
    if old == new:
        return job

    def move(path: Path | None) -> Path | None:
        if path is None or not path.is_relative_to(old):  # a path outside the repository: shared
            return path
        return new / path.relative_to(old)

    example = dataclasses.replace(job.example, models_dir=move(job.example.models_dir))
    return dataclasses.replace(job, example=example, scene=dataclasses.replace(job.scene, file=move(job.scene.file)))


def run_ray(batch: Batch, *, address: str | None = None, force: bool = False, shared: bool = False,
            cpus_per_render: float = 1, on_result: Callable[[Result], None] = lambda result: None) -> list[Result]:
    """Every job as one Ray task (Ray schedules, and retries a failed task once); results as they come.
    `shared`: `out` is a path every node sees, written by the tasks themselves; otherwise each task's
    files come back here. Uses the Ray connection already made, or joins `address`."""
    import ray

    if address is not None:
        connect_ray(address)
    task = ray.remote(_ray_task).options(num_cpus=cpus_per_render, max_retries=RETRIES, retry_exceptions=True)
    pending = {}
    for job in batch.jobs:
        known = None if force or shared else _current_key(job.render)
        pending[task.remote(job.render, str(ROOT), shared, force, known)] = job
    results: dict[BatchJob, Result] = {}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        job = pending.pop(done[0])
        try:
            answer = ray.get(done[0])
            result = _received(job, answer, shared)
        except (ray.exceptions.RayError, RenderError, OSError) as err:
            cause = getattr(err, "cause", None) or err
            result = Result(job, "failed", error=f"{cause}".strip() + f" (tried {RETRIES + 1} times)")
        results[job] = result
        on_result(result)
    return [results[job] for job in batch.jobs]


def _current_key(job: RenderJob) -> str | None:
    """The cache key of the files this machine already has for `job`, if all of them are there."""
    try:
        manifest = json.loads(job.outputs["manifest"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not all(path.exists() for name, path in job.outputs.items() if name not in NARRATION_OUTPUTS):
        return None
    return manifest.get("cache_key")


def _received(job: BatchJob, answer: dict, shared: bool) -> Result:
    """Publish a task's files under their names here (each atomically, the manifest last)."""
    manifest = answer["manifest"]
    if manifest.get("cached"):
        if "scene" not in manifest:  # the files here were found up to date by the task
            manifest = {**json.loads(job.render.outputs["manifest"].read_text(encoding="utf-8")), "cached": True}
        return Result(job, "cached", manifest=manifest, host=answer["host"])
    if not shared:
        outputs = job.render.outputs
        outputs["manifest"].parent.mkdir(parents=True, exist_ok=True)
        for name, data in answer["files"].items():
            atomic_write_bytes(outputs[name], data)
        for name in NARRATION_OUTPUTS:
            if name in outputs and name not in answer["files"] and outputs[name].exists():
                outputs[name].unlink()
        stored = {key: value for key, value in manifest.items() if key != "cached"}
        atomic_write_text(outputs["manifest"], json.dumps(stored, indent=1, ensure_ascii=False) + "\n")
    return Result(job, "rendered", manifest=manifest, host=answer["host"])


def describe(result: Result) -> str:
    """A finished render's line on the terminal."""
    where = f" on {result.host}" if result.host and result.host != socket.gethostname() else ""
    if result.status == "failed":
        return f"failed: {result.job.name}{where}: {result.error}"
    path = result.job.render.outputs.get("video", result.job.render.outputs["poster"])
    how = "cached" if result.status == "cached" else f"{result.manifest.get('render_seconds', 0):.1f} s"
    return f"{path} ({how}{where})"


def summary(manifest: dict, path: Path) -> str:
    counts = manifest["counts"]
    return (f"batch: {counts['rendered']} rendered, {counts['cached']} cached, {counts['failed']} failed, "
            f"{counts['skipped']} skipped in {manifest['seconds']:.1f} s ({manifest['runner']}); manifest {path}")


# --- the batch's manifest ---------------------------------------------------------------------------
def write_manifest(batch: Batch, results: list[Result], *, runner: str, seconds: float) -> dict:
    """<out>/batch.json: every render of the batch (its files relative to out, or why it failed or was
    skipped), written atomically."""
    counts = {status: sum(r.status == status for r in results) for status in ("rendered", "cached", "failed")}
    counts["skipped"] = len(batch.skipped)
    renders = []
    for r in results:
        job = r.job.render
        row = {"scene": job.scene.key, "sentence": job.example.sentence, "model_set": r.job.model_set,
               "model": job.example.model, "checkpoint": job.example.checkpoint, "theme": job.example.theme,
               "quality": job.quality, "format": job.fmt, "transparent": job.transparent, "status": r.status,
               "host": r.host}
        if r.manifest:
            row["files"] = {name: os.path.relpath(path, batch.out) for name, path in job.outputs.items()
                            if name in r.manifest.get("files", {})}
            row["render_seconds"] = r.manifest.get("render_seconds")
            row["duration"] = r.manifest.get("duration")
        if r.error:
            row["error"] = r.error
        renders.append(row)
    manifest = {"finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "runner": runner, "seconds": round(seconds, 2), "counts": counts, "renders": renders,
                "skipped": batch.skipped}
    batch.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(batch.manifest_path, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def run(batch: Batch, *, ray_address: str | None = None, workers: int | None = None, force: bool = False,
        shared: bool = False, on_result: Callable[[Result], None] = lambda result: None) -> dict:
    """Run the batch here or on Ray and write its manifest; returns the manifest."""
    started = time.perf_counter()
    if ray_address is None:
        results = run_local(batch, workers=workers, force=force, on_result=on_result)
        runner = f"local ({workers or os.cpu_count()} workers)"
    else:
        results = run_ray(batch, address=ray_address, force=force, shared=shared, on_result=on_result)
        runner = f"ray ({ray_address})"
    return write_manifest(batch, results, runner=runner, seconds=time.perf_counter() - started)


if __name__ == "__main__":
    _child_main(*sys.argv[1:3])
