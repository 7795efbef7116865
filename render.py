#!/usr/bin/env python3
"""render.py — the command line of the attention explainer.

    python render.py list [--json]
    python render.py trace "the european economic area" [--model NAME] [--json]
    python render.py vocab [--model NAME]
    python render.py render SCENE... | all [--quality ...] [--format ...] [--theme ...] [--sentence ...]
    python render.py slides SCENE... [--to html|pptx|pdf]
    python render.py film [--quality ...] [--theme ...] [--sentence ...]

Bad input exits 2 with one line on stderr; a failed render exits 1 and names the scene.
"""
from __future__ import annotations

import difflib
import json
import os
import sys
import time
from pathlib import Path

import click
import cloup

from model.trace import DEFAULT_MODEL, MODEL_NAMES, TraceInputError, default_sentence
from scenes.catalog import BY_KEY, SCENES

EXIT_BAD_INPUT = 2
EXIT_RENDER_FAILED = 1
QUALITY_NAMES = ("low", "medium", "high", "4k")
FORMAT_NAMES = ("mp4", "webm", "mov", "gif", "png")


class BadInput(Exception):
    """Input we refuse: printed as one line, exit code 2."""


def fail(message: str, code: int = EXIT_BAD_INPUT):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@cloup.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Animated explainers of why attention was needed, drawn from a real trained model.

    Every number, colour and weight on screen comes from the small seq2seq models in
    assets/models/. Start with `list`, try a sentence with `trace`, then `render` it.
    """


model_option = cloup.option("--model", type=cloup.Choice(MODEL_NAMES), default=DEFAULT_MODEL,
                            show_default=True, help="Which trained variant to run.")


def example_options(f):
    """Options shared by render, slides and film: what to explain and how it looks."""
    options = [
        cloup.option("--quality", type=cloup.Choice(QUALITY_NAMES), default="high", show_default=True,
                     help="Manim preset: low 480p15, medium 720p30, high 1080p60, 4k 2160p60."),
        cloup.option("--theme", type=cloup.Choice(["dark", "light"]), default="dark", show_default=True,
                     help="dark for screens, light for slides and print."),
        cloup.option("--sentence", default=default_sentence, show_default="the models' default example",
                     help="The example to explain (see `vocab` for the words the model knows and the default)."),
        cloup.option("--model", type=cloup.Choice(MODEL_NAMES), default=None,
                     help="Show this model where a scene can (relay and bottleneck: plain or lstm); "
                          "default: the model each scene's story needs."),
        cloup.option("--out", type=cloup.Path(file_okay=False, path_type=Path), default=Path("media"),
                     show_default=True, help="Output folder."),
        cloup.option("--jobs", type=click.IntRange(min=1), default=None,
                     help="Scenes rendered in parallel processes (default: the number of cores)."),
        cloup.option("--force", is_flag=True, help="Render again even if an identical render exists."),
        cloup.option("--verbose", is_flag=True, help="Show Manim's own log."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


# --- list, trace, vocab -------------------------------------------------------------------------
@cli.command(name="list")
@cloup.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_scenes(as_json: bool) -> None:
    """Every scene in story order, with its article figure, summary and typical duration."""
    rows = [{"key": s.key, "title": s.title, "figure": s.figure, "summary": s.summary,
             "typical_seconds": s.typical_seconds, "model": s.model, "models": list(s.models),
             "max_words": s.max_tokens} for s in SCENES]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Scenes, in story order")
    for col in ("key", "fig.", "shows", "≈ s", "model", "max words"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["key"], r["figure"], r["summary"], str(r["typical_seconds"]), r["model"], str(r["max_words"]))
    Console().print(table)


@cli.command()
@cloup.argument("sentence", default=default_sentence)
@model_option
@cloup.option("--checkpoint", type=click.IntRange(min=0), default=None,
              help="Use the weights kept at training checkpoint K (0 = untrained; see the model card).")
@cloup.option("--json", "as_json", is_flag=True, help="Print the whole Trace as JSON.")
def trace(sentence: str, model: str, checkpoint: int | None, as_json: bool) -> None:
    """Run SENTENCE through a model and show its output and attention weights."""
    from model.trace import trace as run

    try:
        result = run(sentence, model, checkpoint=checkpoint)
    except TraceInputError as err:
        fail(str(err))
    if as_json:
        click.echo(result.to_json())
        return
    from model.report import print_trace

    print_trace(result)


@cli.command()
@model_option
def vocab(model: str) -> None:
    """List the English words a model knows, grouped by part of speech for the built-in grammar."""
    from model.report import print_vocab

    try:
        print_vocab(model)
    except TraceInputError as err:
        fail(str(err))


# --- render -------------------------------------------------------------------------------------
def resolve_scenes(keys: tuple[str, ...]):
    if not keys:
        raise BadInput("name at least one scene, or `all` (see `render.py list`)")
    if "all" in keys:
        return list(SCENES)
    entries = []
    for key in keys:
        if key not in BY_KEY:
            close = difflib.get_close_matches(key, list(BY_KEY), n=1, cutoff=0.0)
            raise BadInput(f"unknown scene '{key}'" + (f"; did you mean '{close[0]}'?" if close else ""))
        if BY_KEY[key] not in entries:
            entries.append(BY_KEY[key])
    return entries


def check_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise BadInput(f"cannot write to the output folder '{out}': {err.strerror or err}")


def prepare(entries, sentence: str, model: str | None) -> None:
    """Validate the sentence for every scene and cache its traces (one clear error, up front)."""
    from model.trace import trace as run

    try:
        for entry in entries:
            entry.check(sentence, model)
        for name in {entry.model_for(model) for entry in entries}:
            run(sentence, name)
    except TraceInputError as err:
        raise BadInput(str(err))


def render_many(jobs_list, jobs: int | None, force: bool, verbose: bool) -> tuple[list[dict], list[str]]:
    """Render jobs in parallel; a progress display when there are several. Returns (manifests, failures)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from scenes.rendering import RenderError, render

    manifests: dict[str, dict] = {}
    failed: list[str] = []
    workers = min(jobs or os.cpu_count() or 1, len(jobs_list))

    import queue

    from scenes.rendering import MANIM_CACHE

    slots: queue.Queue[int] = queue.Queue()
    for slot in range(workers):
        slots.put(slot)

    def run(job):
        slot = slots.get()  # each concurrent render gets its own LaTeX/text cache folder
        try:
            return render(job, force=force, verbose=verbose, cache_dir=MANIM_CACHE / f"slot-{slot}")
        finally:
            slots.put(slot)

    quiet = len(jobs_list) == 1 or verbose
    if quiet:
        progress = None
    else:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                            console=__import__("rich.console").console.Console(stderr=True))
        progress.start()
        tasks = {job.scene.key: progress.add_task(f"{job.scene.key}: rendering", total=1) for job in jobs_list}
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            # longest first: the last scene to start is a short one, so both workers finish together
            by_length = sorted(jobs_list, key=lambda j: -j.scene.typical_seconds)
            futures = {pool.submit(run, job): job for job in by_length}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    manifest = future.result()
                except RenderError as err:
                    failed.append(job.scene.key)
                    if progress:
                        progress.update(tasks[job.scene.key], description=f"[red]{job.scene.key}: failed", completed=1)
                    click.echo(f"error: {err}", err=True)
                    continue
                manifests[job.scene.key] = manifest
                how = "cached" if manifest.get("cached") else f"{manifest['render_seconds']:.1f} s"
                line = f"{job.scene.key}: {job.outputs.get('video', job.outputs['poster'])} ({how})"
                if progress:
                    progress.update(tasks[job.scene.key], description=line, completed=1)
                else:
                    click.echo(line)
    finally:
        if progress:
            progress.stop()
    return [manifests[j.scene.key] for j in jobs_list if j.scene.key in manifests], failed


@cli.command()
@cloup.argument("scenes", nargs=-1)
@example_options
@cloup.option("--format", "fmt", type=cloup.Choice(FORMAT_NAMES), default="mp4", show_default=True,
              help="Video container; png writes the poster frame only.")
@cloup.option("--transparent", is_flag=True, help="Transparent background (webm, mov or png).")
@cloup.option("--sections", is_flag=True, help="Also write one clip per beat, for slides (<name>.sections/).")
def render(scenes, quality, theme, sentence, model, out, jobs, force, verbose, fmt, transparent, sections) -> None:
    """Render SCENES (keys from `list`, or `all`): video, .srt subtitles, poster .png, manifest .json.

    Outputs are named <scene>[--<sentence>][--<model>][--light][--transparent].<ext> in --out.
    An identical earlier render (same scene code, weights, sentence and options) is reused.
    """
    from scenes.rendering import TRANSPARENT_FORMATS, RenderJob

    if transparent and fmt not in TRANSPARENT_FORMATS:
        raise BadInput("--transparent needs --format webm, mov or png (mp4 and gif have no alpha channel)")
    entries = resolve_scenes(scenes)
    check_out_dir(out)
    prepare(entries, sentence, model)
    jobs_list = [RenderJob(e, sentence, model, theme, quality, fmt, transparent, sections, out) for e in entries]
    _, failed = render_many(jobs_list, jobs, force, verbose)
    if failed:
        fail(f"failed to render: {', '.join(failed)}", code=EXIT_RENDER_FAILED)


@cli.command()
@cloup.argument("scenes", nargs=-1)
@example_options
@cloup.option("--to", "to", type=cloup.Choice(["html", "pptx", "pdf"]), default="html", show_default=True,
              help="html: a reveal.js page; pptx: PowerPoint with one video per slide; pdf: one still per slide.")
def slides(scenes, quality, theme, sentence, model, out, jobs, force, verbose, to) -> None:
    """Turn SCENES into slides, one per beat, with manim-slides (<scene>.slides.<to> in --out)."""
    from concurrent.futures import ThreadPoolExecutor

    from scenes.rendering import RenderError, RenderJob
    from scenes.slides import make_slides

    entries = resolve_scenes(scenes)
    check_out_dir(out)
    prepare(entries, sentence, model)
    failed = []

    def one(entry):
        job = RenderJob(entry, sentence, model, theme, quality, "mp4", False, False, out)
        try:
            click.echo(f"{entry.key}: {make_slides(job, to, verbose)}")
        except RenderError as err:
            failed.append(entry.key)
            click.echo(f"error: {err}", err=True)

    with ThreadPoolExecutor(max_workers=min(jobs or os.cpu_count() or 1, len(entries))) as pool:
        list(pool.map(one, entries))
    if failed:
        fail(f"failed to make slides: {', '.join(failed)}", code=EXIT_RENDER_FAILED)


@cli.command()
@example_options
def film(quality, theme, sentence, model, out, jobs, force, verbose) -> None:
    """The whole story: every scene in order, stitched into one video with chapters and one .srt.

    Each scene's own clip is rendered (or reused) first; the film is <out>/film[--...].mp4.
    """
    from scenes.film import stitch
    from scenes.rendering import RenderJob

    check_out_dir(out)
    prepare(SCENES, sentence, model)
    jobs_list = [RenderJob(e, sentence, model, theme, quality, "mp4", False, False, out) for e in SCENES]
    manifests, failed = render_many(jobs_list, jobs, force, verbose)
    if failed:
        fail(f"the film needs every scene; failed: {', '.join(failed)}", code=EXIT_RENDER_FAILED)
    clips = [(job.scene.title, job.outputs["video"], job.outputs["subtitles"]) for job in jobs_list]
    target = out / (jobs_list[0].stem.replace(jobs_list[0].scene.key, "film", 1) + ".mp4")
    started = time.perf_counter()
    result = stitch(clips, target)
    manifest = {"film": target.name, "subtitles": target.with_suffix(".srt").name, "sentence": sentence,
                "theme": theme, "quality": quality, "duration": result["duration"], "chapters": result["chapters"],
                "scenes": [m["files"]["manifest"] for m in manifests]}
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, target.with_suffix(".json"))
    click.echo(f"film: {target} ({result['duration']:.1f} s, {len(result['chapters'])} chapters, "
               f"subtitles {target.with_suffix('.srt').name}; stitched in {time.perf_counter() - started:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; bad input becomes one `error:` line and exit code 2 (usage errors included)."""
    try:
        cli.main(args=argv, prog_name="render.py", standalone_mode=False)
    except (BadInput, TraceInputError) as err:
        fail(str(err))
    except click.UsageError as err:
        fail(err.format_message())
    except click.exceptions.Abort:
        fail("aborted", code=130)
    except click.exceptions.Exit as err:
        return err.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
