#!/usr/bin/env python3
"""The command line of the attention explainer.

    python render.py trace "the european economic area" [--model NAME] [--json]
    python render.py vocab [--model NAME]
    python render.py render SCENE... | all [--quality ...] [--theme ...] [--sentence ...]
"""
from __future__ import annotations

import sys

import click
import cloup

from model.trace import DEFAULT_MODEL, DEFAULT_SENTENCE, MODEL_NAMES, TraceInputError

EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@cloup.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Animated explainers of why attention was needed, drawn from a real trained model."""


model_option = cloup.option("--model", type=cloup.Choice(MODEL_NAMES), default=DEFAULT_MODEL,
                            show_default=True, help="Which trained variant to run.")


@cli.command()
@cloup.argument("sentence", default=DEFAULT_SENTENCE)
@model_option
@cloup.option("--json", "as_json", is_flag=True, help="Print the whole Trace as JSON.")
def trace(sentence: str, model: str, as_json: bool) -> None:
    """Run SENTENCE through a model and show its output and attention weights."""
    from model.trace import trace as run

    try:
        result = run(sentence, model)
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


@cli.command()
@cloup.argument("scenes", nargs=-1, required=True)
@cloup.option("--quality", type=cloup.Choice(["low", "medium", "high", "4k"]), default="high", show_default=True,
              help="Manim preset: 480p15, 720p30, 1080p60, 2160p60.")
@cloup.option("--theme", type=cloup.Choice(["dark", "light"]), default="dark", show_default=True)
@cloup.option("--sentence", default=DEFAULT_SENTENCE, show_default=True, help="The English example to explain.")
@cloup.option("--model", type=cloup.Choice(MODEL_NAMES), default=None,
              help="Force a model (default: the one each scene's story needs).")
@cloup.option("--out", type=cloup.Path(file_okay=False), default="media", show_default=True,
              help="Output folder.")
@cloup.option("--jobs", type=int, default=None, help="Scenes rendered in parallel (default: number of cores).")
@cloup.option("--verbose", is_flag=True, help="Show Manim's own log.")
def render(scenes, quality, theme, sentence, model, out, jobs, verbose) -> None:
    """Render SCENES (keys from `render.py list`, or `all`) to video + subtitles + manifest."""
    import os
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from scenes.catalog import BY_KEY, SCENES
    from scenes.rendering import RenderError, RenderJob, render as render_one

    entries = list(SCENES) if list(scenes) == ["all"] else []
    for key in scenes if not entries else ():
        if key not in BY_KEY:
            import difflib
            close = difflib.get_close_matches(key, list(BY_KEY), n=1, cutoff=0.0)
            fail(f"unknown scene '{key}'" + (f"; did you mean '{close[0]}'?" if close else ""))
        entries.append(BY_KEY[key])
    from model.trace import trace as run_trace

    try:  # validate (and cache) the traces up front: one clear error, and workers never train torch twice
        for entry in entries:
            module = __import__(f"scenes.{entry.module}", fromlist=[entry.cls])
            scene_cls = getattr(module, entry.cls)
            scene_cls.check_length(sentence)
            for name in {scene_cls.model_name, model or scene_cls.model_name, "attention"}:
                run_trace(sentence, name)
    except TraceInputError as err:
        fail(str(err))
    jobs = jobs or os.cpu_count() or 1
    failed = []

    def one(entry):
        job = RenderJob(entry, sentence, model, theme, quality, Path(out))
        try:
            manifest = render_one(job, verbose=verbose)
            click.echo(f"{entry.key}: {Path(out) / manifest['video']} ({manifest['duration']:.1f} s video, "
                       f"rendered in {manifest['render_seconds']:.1f} s)")
        except RenderError as err:
            failed.append(entry.key)
            click.echo(f"error: {err}", err=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, entries))
    if failed:
        fail(f"failed to render: {', '.join(failed)}", code=1)


if __name__ == "__main__":
    cli()
