"""What the terminal shows: the scene list, and a run of the job runner (one line per finished job, or
a live display when there are several). render.py decides what to show; this is how it looks."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from output.jobs import RenderJob
from output.runner import Event, Outcome, run_jobs
from scenes.catalog import SceneEntry


def print_scenes(scenes: tuple[SceneEntry, ...], as_json: bool = False) -> None:
    """The catalog as a table, or as JSON rows (a stable schema scripts may read)."""
    rows = [{"key": s.key, "title": s.title, "figure": s.figure, "summary": s.summary,
             "typical_seconds": s.typical_seconds, "model": s.model, "models": list(s.models),
             "max_words": s.max_tokens} for s in scenes]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    table = Table(title="Scenes, in story order")
    for col in ("key", "fig.", "shows", "≈ s", "model", "max words"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["key"], r["figure"], r["summary"], str(r["typical_seconds"]), r["model"], str(r["max_words"]))
    Console().print(table)


def describe_clip(job: RenderJob, manifest: dict) -> str:
    """A rendered clip's line: where it is, and how long it took (or that it was reused)."""
    how = "cached" if manifest.get("cached") else f"{manifest['render_seconds']:.1f} s"
    return f"{job.scene.key}: {job.outputs.get('video', job.outputs['poster'])} ({how})"


class ProgressDisplay:
    """A context manager whose `report` is the runner's progress callback. Failures go to stderr as
    `error:` lines; `describe(job, result)` is the line of a finished job. Several jobs get a live
    display on stderr (one row per scene); one job, or a verbose run (Manim's log), gets plain lines."""

    def __init__(self, jobs: list[RenderJob], describe: Callable[[RenderJob, Any], str], live: bool = True):
        self.describe = describe
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                 console=Console(stderr=True)) if live and len(jobs) > 1 else None
        self.tasks = {job.scene.key: self.progress.add_task(f"{job.scene.key}: rendering", total=1)
                      for job in jobs} if self.progress else {}

    def __enter__(self) -> ProgressDisplay:
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress:
            self.progress.stop()

    def report(self, event: Event) -> None:
        key = event.job.scene.key
        if event.status == "failed":
            click.echo(f"error: {event.error}", err=True)
            line = f"[red]{key}: failed"
        elif event.status == "done":
            line = self.describe(event.job, event.result)
        else:
            return
        if self.progress:
            self.progress.update(self.tasks[key], description=line, completed=1)
        elif event.status == "done":
            click.echo(line)


def voice_warnings(results: list[tuple[RenderJob, Any]]) -> list[str]:
    """One line naming every beat that had no recording (it kept its reading time), and one naming
    recordings that matched no beat, over all the jobs' results (manifests with a "voice")."""
    missing, unused = [], []
    for job, result in results:
        voice = result.get("voice") if isinstance(result, dict) else None
        if voice and voice.get("missing"):
            missing.append(f"{job.scene.key}: {', '.join(voice['missing'])}")
        if voice and voice.get("unused"):
            unused.append(f"{job.scene.key}: {', '.join(voice['unused'])}")
    lines = []
    if missing:
        lines.append("no recording for these beats, which keep their reading time: " + "; ".join(missing))
    if unused:
        lines.append("recordings that match no beat (see `render.py script`): " + "; ".join(unused))
    return lines


def run_shown(jobs: list[RenderJob], work: Callable[[RenderJob, int], Any], *, workers: int | None,
              describe: Callable[[RenderJob, Any], str] = describe_clip, live: bool = True) -> Outcome:
    """`run_jobs` for scene jobs (longest first) with their progress on the terminal, then the voice's
    warnings (beats without a recording)."""
    with ProgressDisplay(jobs, describe, live=live) as display:
        outcome = run_jobs(jobs, work, workers=workers, longest_first=lambda job: job.scene.typical_seconds,
                           on_event=display.report)
    for line in voice_warnings(outcome.results):
        click.echo(f"warning: {line}", err=True)
    return outcome
