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

Every model set renders in this process's job runner: the set is part of each job's Example, which the
render's own Manim worker reads from its environment; nothing in a render reads this process's default set.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import itertools
import json
import math
import os
import shutil
import socket
import string
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import tomllib

from model.files import atomic_write_bytes, atomic_write_text
from model.trace import DEFAULT_SENTENCE, MODEL_NAMES, MODELS_DIR, TraceInputError, model_set
from output import worker
from output.jobs import (
    FORMATS,
    NARRATION_OUTPUTS,
    QUALITIES,
    ROOT,
    TRANSPARENT_FORMATS,
    RenderError,
    RenderJob,
    describe_missing,
    missing_models,
    model_set_tag,
    slug,
)
from scenes.catalog import BY_KEY, SCENES, THEME_NAMES, Example, SceneEntry

MANIFEST = "batch.json"
DEFAULT_LAYOUT = "{model_set}/{quality}/{format}"
LAYOUT_FIELDS = ("model_set", "quality", "format", "theme", "sentence", "model", "checkpoint", "scene")
# axis in the jobs file → (default values, what one value must be)
AXES = {"scenes": None, "sentences": [DEFAULT_SENTENCE], "model_sets": None, "models": [None],
        "checkpoints": [None], "themes": ["dark"], "qualities": ["high"], "formats": ["mp4"]}
RETRIES = 1  # a failed render is tried once more, here and on Ray
CONFIRM_ABOVE = 200  # renders: a larger batch asks before it starts (--yes answers for you)
SHOWN = 10  # renders a --dry-run lists (it counts them all)
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


@dataclass(eq=False)
class Table:
    """One [[render]] table as planned: its small axes (values deduplicated, in the order given),
    how many values each axis listed (for the summary) and how many renders it makes."""
    number: int
    sizes: list[tuple[str, int]]
    checkpoints: tuple
    themes: tuple
    qualities: tuple
    formats: tuple
    transparent: bool
    renders: int = 0

    @property
    def product(self) -> int:
        return math.prod(n for _, n in self.sizes)

    @property
    def per_block(self) -> int:
        return len(self.checkpoints) * len(self.themes) * len(self.qualities) * len(self.formats)

    def combinations(self):
        return itertools.product(self.checkpoints, self.themes, self.qualities, self.formats)


@dataclass(frozen=True)
class Block:
    """One scene × sentence × model set × model of one table: its renders are the table's
    checkpoints × themes × qualities × formats. A plan is a list of blocks, never a list of renders,
    so planning (and --dry-run) costs what the jobs file lists, not what it multiplies to."""
    table: Table
    scene: SceneEntry
    sentence: str
    set_name: str
    models_dir: Path
    model: str | None


@dataclass(eq=False)
class Batch:
    out: Path
    layout: str
    tables: list[Table]
    blocks: list[Block]
    count: int  # distinct renders
    skipped: list[dict] = field(default_factory=list)  # combinations a scene cannot draw, with the reason
    manifest: str = MANIFEST

    @property
    def manifest_path(self) -> Path:
        return self.out / self.manifest

    def job(self, block: Block, checkpoint, theme: str, quality: str, fmt: str) -> BatchJob:
        example = Example(sentence=block.sentence, models_dir=block.models_dir, model=block.model,
                          checkpoint=checkpoint, theme=theme)
        values = {"model_set": block.set_name, "quality": quality, "format": fmt, "theme": theme,
                  "sentence": _slug(block.sentence), "model": block.model or "default",
                  "checkpoint": "final" if checkpoint is None else checkpoint, "scene": block.scene.key}
        folder = self.out / self.layout.format(**values) if self.layout else self.out
        return BatchJob(RenderJob(scene=block.scene, example=example, quality=quality, fmt=fmt,
                                  transparent=block.table.transparent, out=folder), block.set_name)

    def iter_jobs(self) -> Iterator[BatchJob]:
        """Every render once, in the order of the jobs file; each folder resolved (symbolic links
        followed) and refused (BatchError) unless it lies under `out`."""
        base = self.out.resolve()
        _confined(self.manifest_path, base, "the manifest")
        seen: set[Path] = set()
        checked: set[Path] = set()
        for block in self.blocks:
            for combination in block.table.combinations():
                job = self.job(block, *combination)
                if job.render.out not in checked:
                    _confined(job.render.out, base, f"the folder of {job.name}")
                    checked.add(job.render.out)
                path = job.render.outputs["manifest"]
                if path not in seen:
                    seen.add(path)
                    yield job

    @functools.cached_property
    def jobs(self) -> list[BatchJob]:
        return list(self.iter_jobs())


def _confined(path: Path, base: Path, what: str) -> None:
    resolved = path.resolve()
    if resolved != base and not resolved.is_relative_to(base):
        raise BatchError(f"{what} ({path}) lies outside out ({base}): every file of a batch is written under out")


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
        raise BatchError(f"cannot read the jobs file '{path}': {err.strerror or err}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise BatchError(f"{path}: {err}") from None
    return plan(spec, out=out, catalog=catalog)


def plan(spec: Mapping, *, out: Path | None = None, catalog: Mapping[str, SceneEntry] = BY_KEY) -> Batch:
    """The renders of a parsed jobs file: every combination of each [[render]] table, each render once.
    Relative paths (out, model sets) are relative to the current folder, like render's --out. Every
    path the file makes stays under `out`: a layout or manifest name that is absolute or climbs out
    (`..`), and an empty `out`, are refused."""
    unknown = set(spec) - {"out", "layout", "manifest", "render"}
    if unknown:
        raise BatchError(f"unknown key(s) in the jobs file: {', '.join(sorted(unknown))}")
    out = _out(out if out is not None else spec.get("out", "media/batch"))
    layout = _layout(spec.get("layout", DEFAULT_LAYOUT))
    manifest = _manifest_name(spec.get("manifest", MANIFEST))
    tables = spec.get("render")
    if not tables or not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise BatchError("the jobs file lists no renders: add a [[render]] table with at least `scenes = [...]`")
    fields = {name for _, name, _, _ in string.Formatter().parse(layout) if name}
    planned, blocks, skipped = [], [], []
    refusals: dict = {}
    for number, table in enumerate(tables, 1):
        planned.append(_table(table, number, catalog, blocks, skipped, refusals))
    return Batch(out=out, layout=layout, tables=planned, blocks=blocks, skipped=skipped, manifest=manifest,
                 count=_count(blocks, fields, out, layout))


def _out(value) -> Path:
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise BatchError("`out` must name a folder (an empty `out` would mean the current folder)")
    return Path(value)


def _relative_name(value: str, what: str) -> None:
    """Refuse a folder or file name under out that is absolute or climbs out of it."""
    if "\0" in value or "\\" in value:
        raise BatchError(f"{what} '{value}' holds a character that cannot be in a file name")
    parts = PurePosixPath(value).parts
    if value.startswith(("/", "~")) or ".." in parts:
        raise BatchError(f"{what} '{value}' leaves out: it must be a relative path under out without '..'")


def _layout(layout) -> str:
    if not isinstance(layout, str):
        raise BatchError("`layout` must be a string such as \"{model_set}/{quality}/{format}\"")
    try:
        parsed = list(string.Formatter().parse(layout))
    except ValueError as err:
        raise BatchError(f"layout '{layout}': {err}; write a brace as {{{{ or }}}}") from None
    bad = [name for _, name, spec, conversion in parsed
           if name is not None and (name not in LAYOUT_FIELDS or spec or conversion)]
    if bad:
        raise BatchError(f"layout '{layout}': unknown field(s) {sorted(set(bad))}; "
                         f"use {', '.join('{' + f + '}' for f in LAYOUT_FIELDS)}")
    # every field's value is a slug or a fixed choice (letters, digits, dashes), never empty: the
    # literal text alone decides where the folders go
    _relative_name(layout.format(**dict.fromkeys(LAYOUT_FIELDS, "x")), "the layout")
    return layout


def _manifest_name(name) -> str:
    if not isinstance(name, str) or not name.strip() or name.endswith("/"):
        raise BatchError("`manifest` must be a file name under out, such as \"batch.json\"")
    _relative_name(name, "the manifest")
    return name


def _table(table: Mapping, number: int, catalog: Mapping[str, SceneEntry], blocks: list[Block],
           skipped: list[dict], refusals: dict) -> Table:
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
        else:
            if axis != "checkpoints" and axis != "models" and not all(isinstance(v, str) for v in values):
                raise BatchError(f"{where}: `{axis}` must be a list of strings")
            values = list(dict.fromkeys(values))
        axes[axis] = values
    scenes = _scenes(axes["scenes"], catalog, where)
    _check_choices(where, "models", axes["models"], (None, *MODEL_NAMES))
    _check_choices(where, "themes", axes["themes"], THEME_NAMES)
    _check_choices(where, "qualities", axes["qualities"], tuple(QUALITIES))
    _check_choices(where, "formats", axes["formats"], FORMATS)
    if not all(c is None or (type(c) is int and 0 <= c < 1000) for c in axes["checkpoints"]):
        raise BatchError(f"{where}: `checkpoints` must list checkpoint numbers (0 = untrained, as `vocab` lists them)")
    transparent = table.get("transparent", False)
    if not isinstance(transparent, bool):
        raise BatchError(f"{where}: `transparent` must be true or false")
    if transparent and set(axes["formats"]) - set(TRANSPARENT_FORMATS):
        raise BatchError(f"{where}: transparent needs formats among {', '.join(TRANSPARENT_FORMATS)}")
    sizes = [("scenes", len(scenes))] + [(axis, len(axes[axis])) for axis in AXES if axis != "scenes"]
    planned = Table(number, sizes, tuple(axes["checkpoints"]), tuple(axes["themes"]), tuple(axes["qualities"]),
                    tuple(axes["formats"]), transparent)
    for entry in scenes:
        models = dict.fromkeys(m if entry.model_for(m) != entry.model else None  # the same picture, one name
                               for m in axes["models"])
        for sentence in axes["sentences"]:
            for set_name, models_dir in axes["model_sets"].items():
                for model in models:
                    if reason := _refusal(entry, sentence, model, models_dir, refusals):
                        skipped.append({"scene": entry.key, "sentence": sentence, "model_set": set_name,
                                        "reason": reason})
                        continue
                    blocks.append(Block(planned, entry, sentence, set_name, models_dir, model))
                    planned.renders += planned.per_block
    return planned


def _count(blocks: list[Block], fields: set[str], out: Path, layout: str) -> int:
    """How many distinct renders the blocks make, refusing (BatchError) two renders that would write
    one file. Blocks whose files cannot meet (another scene, sentence, model set or model) are
    counted by multiplying; only blocks that share all of those are compared render by render, and
    their comparison is made once per combination of tables."""
    groups: dict[tuple, list[Block]] = {}
    tags: dict[Path, str | None] = {}
    for block in blocks:
        sentence = (_slug(block.sentence), block.sentence == DEFAULT_SENTENCE)
        if block.models_dir not in tags:
            tags[block.models_dir] = model_set_tag(block.models_dir)
        model_set = (block.set_name if "model_set" in fields else None, tags[block.models_dir])
        groups.setdefault((block.scene.key, sentence, model_set, block.model), []).append(block)
    batch = Batch(out=out, layout=layout, tables=[], blocks=[], count=0)
    total = 0
    compared: dict[tuple, int] = {}
    for group in groups.values():
        if len(group) == 1 and ("quality" in fields or len(group[0].table.qualities) == 1):
            total += group[0].table.per_block
            continue
        identities = list(dict.fromkeys((b.sentence, b.models_dir) for b in group))
        shape = tuple((id(b.table), identities.index((b.sentence, b.models_dir))) for b in group)
        if shape not in compared:
            compared[shape] = _compare(batch, group, fields)
        total += compared[shape]
    return total


def _compare(batch: Batch, group: list[Block], fields: set[str]) -> int:
    """The distinct renders of blocks whose file names can meet; BatchError if two differ and share one."""
    writers: dict[tuple, tuple] = {}
    for block in group:
        for checkpoint, theme, quality, fmt in block.table.combinations():
            where = (checkpoint, theme, quality if "quality" in fields else None, fmt, block.table.transparent)
            what = (block.sentence, block.models_dir, quality)
            other = writers.setdefault(where, (what, block))
            if other[0] != what:
                first = batch.job(other[1], checkpoint, theme, other[0][2], fmt)
                second = batch.job(block, checkpoint, theme, quality, fmt)
                if other[0][0] != what[0]:
                    fix = "list one of the two sentences: their file names are the same"
                elif other[0][1] != what[1]:
                    fix = "the two model sets have the same folder name and weights: list one of them"
                else:
                    fix = f"add the field they differ in to the layout ('{batch.layout}')"
                raise BatchError(f"two renders would write {second.render.outputs['manifest'].with_suffix('')}.*: "
                                 f"{first.name} and {second.name}; {fix}")
    return len(writers)


@functools.lru_cache(maxsize=4096)
def _slug(sentence: str) -> str:
    return slug(sentence)


def _model_sets(values, where: str) -> dict[str, Path]:
    """{name: folder}; a list names each set by its folder, a table by its keys."""
    if values is None:
        return {MODELS_DIR.name if MODELS_DIR.name != "models" else "shipped": MODELS_DIR}
    if isinstance(values, list):
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise BatchError(f"{where}: `model_sets` must list folders")
        values = {Path(v).resolve().name: v for v in values}
    if not isinstance(values, dict) or not values or not all(isinstance(v, str) and v.strip() for v in values.values()):
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


@functools.lru_cache(maxsize=4096)
def _tokens(sentence: str, model: str, models_dir: Path = MODELS_DIR) -> int | str:
    """The number of words of `sentence` for `model` of the set in `models_dir`, or why it cannot read it."""
    try:
        return len(model_set(models_dir).check_sentence(sentence, model))
    except TraceInputError as err:
        return str(err)


def _refusal(entry: SceneEntry, sentence: str, model: str | None, models_dir: Path, known: dict) -> str | None:
    """Why `entry` cannot draw this sentence (None if it can). Words the model does not know are an
    error of the jobs file; a sentence too long for one scene's layout skips that combination only.
    A model set that lacks a model (or checkpoints) the scene draws skips it too. Each set's own
    vocabulary is checked (a set is a value: model.trace.model_set). `known`: what the model sets
    hold, found once per plan."""
    key = (entry.key, model, models_dir)
    if key not in known:
        missing = missing_models(entry, model, models_dir)
        known[key] = f"the model set lacks {describe_missing(missing)}" if missing else None
    if known[key]:
        return known[key]
    words = _tokens(sentence, entry.model_for(model), models_dir)
    if isinstance(words, str):
        raise BatchError(f"sentence '{sentence}': {words}")
    if words > entry.max_tokens:
        return f"the scene shows sentences of at most {entry.max_tokens} words; this one has {words}"
    return None


def describe_plan(batch: Batch) -> list[str]:
    """The plan in a few lines: each table's product (scenes × sentences × ...) and the total."""
    names = {"scenes": "scene", "sentences": "sentence", "model_sets": "model set", "models": "model",
             "checkpoints": "checkpoint", "themes": "theme", "qualities": "quality", "formats": "format"}

    def factor(axis: str, n: int) -> str:
        noun = names[axis]
        return f"{n:,} {noun if n == 1 else 'qualities' if axis == 'qualities' else noun + 's'}"

    lines = []
    for table in batch.tables:
        shown = [factor(axis, n) for axis, n in table.sizes if n > 1 or axis in ("scenes", "sentences")]
        line = f"[[render]] #{table.number}: {' × '.join(shown)} = {table.product:,}"
        if table.renders != table.product:
            line += f" → {table.renders:,} (skipped, or one render where a scene shows no other model)"
        lines.append(line)
    twice = sum(t.renders for t in batch.tables) - batch.count
    lines.append(f"plan: {batch.count:,} render{'s' if batch.count != 1 else ''} into {batch.out}"
                 + (f" ({twice:,} listed twice, made once)" if twice else "")
                 + (f"; {len(batch.skipped):,} skipped" if batch.skipped else ""))
    return lines


# --- one render ----------------------------------------------------------------------------------
def render_one(job: RenderJob, *, force: bool = False, slot: int | str = 0, known_key: str | None = None) -> dict:
    """Render `job` (or reuse it) and return its manifest. `known_key`: the cache key of the files the
    caller already has; when the job's key equals it, nothing is rendered ({"cached": True, ...})."""
    from output.cache import cache_key
    from output.rendering import render

    try:
        if known_key and not force and cache_key(job) == known_key:
            return {"cached": True, "cache_key": known_key}
        return render(job, force=force, slot=slot)
    except TraceInputError as err:
        raise RenderError(f"{job.scene.key}: {err}") from None


# --- here, through the job runner of `render` -----------------------------------------------------
def run_local(batch: Batch, *, workers: int | None = None, force: bool = False,
              on_result: Callable[[Result], None] = lambda result: None) -> list[Result]:
    from output.runner import run_jobs

    def work(job: BatchJob, slot: int) -> dict:
        for attempt in range(RETRIES + 1):
            if worker.stopping():  # interrupted: nothing more starts, nothing is tried again
                raise RenderError(f"{job.render.scene.key}: not started, the batch was interrupted")
            try:
                return render_one(job.render, force=force, slot=slot)
            except RenderError:
                if attempt == RETRIES or worker.stopping():
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
    try:
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
    except BaseException:  # Ctrl-C or SIGTERM: no task is left queued or running
        for ref in pending:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        raise
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
