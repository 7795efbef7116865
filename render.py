#!/usr/bin/env python3
"""render.py — the command line of the attention explainer: list, trace, vocab, render, slides, script, film.

It parses options into one Example (what to draw) and jobs, hands them to the output package, and
prints. Bad input exits 2 with one line on stderr; a failed render exits 1 and names the scene.
"""
from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click
import cloup

from model.report import print_trace, print_vocab
from model.trace import DEFAULT_MODEL, MODEL_NAMES, TraceInputError, default_sentence
from model.trace import trace as run_trace
from output import batch as batches
from output import preview as previews
from output import worker
from output.film import Film
from output import voice as speech
from output.jobs import FORMATS, QUALITIES, TRANSPARENT_FORMATS, RenderError, RenderJob, check, select_scenes, trace_warnings
from output.rendering import describe_os_error, prepare_out
from output.rendering import render as render_job
from output.slides import SLIDE_FORMATS, make_slides
from output.terminal import describe_clip, print_scenes, run_shown
from scenes.catalog import SCENES, THEME_NAMES, Example, UnknownScene

EXIT_BAD_INPUT = 2
EXIT_RENDER_FAILED = 1


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
checkpoint_option = cloup.option("--checkpoint", type=click.IntRange(min=0), default=None,
                                 help="The attention model's weights at training checkpoint K (0 = untrained).")
WHAT_OPTIONS = [  # what to explain: shared by render, slides, film and script
    cloup.option("--sentence", default=default_sentence, show_default="the models' default example",
                 help="The example to explain (see `vocab` for the words the model knows and the default)."),
    cloup.option("--model", type=cloup.Choice(MODEL_NAMES), default=None,
                 help="Show this model where a scene can (relay and bottleneck: plain or lstm); "
                      "default: the model each scene's story needs."),
    checkpoint_option,
]
VERBOSE_OPTION = cloup.option("--verbose", is_flag=True, help="Show Manim's own log.")


def _folder(ctx, param, value) -> Path:
    if not str(value).strip():  # a Path would quietly make it the current folder
        raise click.BadParameter("is empty; name an output folder")
    return Path(value)


def options(*decorators):
    return lambda f: functools.reduce(lambda g, option: option(g), reversed(decorators), f)


example_options = options(  # render, slides and film: what to explain, how it looks, where it goes
    cloup.option("--quality", type=cloup.Choice(list(QUALITIES)), default="high", show_default=True,
                 help="Manim preset: low 480p15, medium 720p30, high 1080p60, 4k 2160p60."),
    cloup.option("--theme", type=cloup.Choice(THEME_NAMES), default="dark", show_default=True,
                 help="dark for screens, light for slides and print."),
    *WHAT_OPTIONS,
    cloup.option("--out", default="media", show_default=True, callback=_folder, help="Output folder."),
    cloup.option("--voice", help="Speak every beat: synth (espeak-ng) or a folder of recordings (see script)."),
    cloup.option("--jobs", type=click.IntRange(min=1), default=None,
                 help="Scenes rendered in parallel processes (default: the number of cores)."),
    cloup.option("--force", is_flag=True, help="Render again even if an identical render exists."),
    VERBOSE_OPTION)


@cli.command(name="list")
@cloup.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_scenes(as_json: bool) -> None:
    """Every scene in story order, with its article figure, summary and typical duration."""
    print_scenes(SCENES, as_json)


@cli.command()
@cloup.argument("sentence", default=default_sentence)
@model_option
@checkpoint_option
@cloup.option("--json", "as_json", is_flag=True, help="Print the whole Trace as JSON.")
def trace(sentence: str, model: str, checkpoint: int | None, as_json: bool) -> None:
    """Run SENTENCE through a model and show its output and attention weights."""
    result = run_trace(sentence, model, checkpoint=checkpoint)
    for note in trace_warnings(result):
        click.echo(f"warning: {note}", err=True)
    if as_json:
        click.echo(result.to_json())
    else:
        print_trace(result)


@cli.command()
@model_option
def vocab(model: str) -> None:
    """List the English words a model knows, grouped by part of speech for the built-in grammar."""
    print_vocab(model)


def prepare(out: Path, entries, sentence: str, model: str | None, theme: str, checkpoint: int | None,
            voice: str | None = None) -> Example:
    """The one Example of this command, refused up front if any scene cannot draw it (or speak it) or
    `out` is not writable; what dead runs left in `out` is removed."""
    speech.check(voice)  # a VoiceError is bad input
    example = Example(sentence=sentence, model=model, theme=theme, checkpoint=checkpoint)
    check(entries, example)  # a TraceInputError is bad input
    try:
        prepare_out(out)
    except OSError as err:
        raise click.UsageError(f"cannot write to the output folder '{out}': {err.strerror or err}")
    return example


def run(jobs: list[RenderJob], work, workers: int | None, verbose: bool, failed: str, describe=describe_clip) -> list:
    """The runner's results in job order, shown as they come; exits 1 after `failed` naming failed scenes."""
    outcome = run_shown(jobs, work, workers=workers, describe=describe, live=not verbose)
    if outcome.failures and len(jobs) == 1:
        sys.exit(EXIT_RENDER_FAILED)  # its one error line is out already
    if outcome.failures:
        fail(failed + ", ".join(job.scene.key for job, _ in outcome.failures), code=EXIT_RENDER_FAILED)
    return [result for _, result in outcome.results]


@cli.command()
@cloup.argument("scenes", nargs=-1)
@example_options
@cloup.option("--format", "fmt", type=cloup.Choice(FORMATS), default="mp4", show_default=True,
              help="Video container; png writes the poster frame only.")
@cloup.option("--transparent", is_flag=True, help="Transparent background (webm, mov or png).")
@cloup.option("--sections", is_flag=True, help="Also write one clip per beat, for slides (<name>.sections/).")
def render(scenes, quality, theme, sentence, model, checkpoint, out, voice, jobs, force, verbose, fmt, transparent,
           sections) -> None:
    """Render SCENES (keys from `list`, or `all`): video, .srt subtitles, poster .png, manifest .json.

    Outputs are named <scene>[--<sentence>][--<model>][--light][--transparent][--<format>].<ext>
    in --out (the format when it is not mp4).
    An identical earlier render (same trace, drawing code and options) is reused.
    """
    if transparent and fmt not in TRANSPARENT_FORMATS:
        raise click.UsageError("--transparent needs --format webm, mov or png (mp4 and gif have no alpha channel)")
    entries = select_scenes(scenes)
    example = prepare(out, entries, sentence, model, theme, checkpoint, voice)
    render_jobs = [RenderJob(scene=e, example=example, quality=quality, fmt=fmt, transparent=transparent,
                             sections=sections, out=out, voice=voice) for e in entries]
    run(render_jobs, lambda job, slot: render_job(job, force=force, verbose=verbose, slot=slot), jobs, verbose,
        "failed to render: ")


@cli.command()
@cloup.argument("scenes", nargs=-1)
@example_options
@cloup.option("--to", "to", type=cloup.Choice(SLIDE_FORMATS), default="html", show_default=True,
              help="html: an offline reveal.js page; pptx: PowerPoint, a video per slide; pdf: a still per slide.")
def slides(scenes, quality, theme, sentence, model, checkpoint, out, voice, jobs, force, verbose, to) -> None:
    """Turn SCENES into slides, one per beat, with manim-slides (<scene>.slides.<to> in --out).

    html: an offline reveal.js page; reveal.js and the clips sit beside it in <name>.slides_assets/."""
    entries = select_scenes(scenes)
    example = prepare(out, entries, sentence, model, theme, checkpoint, voice)
    slide_jobs = [RenderJob(scene=e, example=example, quality=quality, out=out, voice=voice) for e in entries]
    run(slide_jobs, lambda job, slot: make_slides(job, to, verbose), jobs, verbose, "failed to make slides: ",
        describe=lambda job, made: f"{job.scene.key}: {made['file']}")


@cli.command()
@cloup.argument("scenes", nargs=-1)
@options(*WHAT_OPTIONS, VERBOSE_OPTION)
@cloup.option("--out", type=cloup.Path(dir_okay=False, path_type=Path), help="A file (.csv, .json, else text).")
def script(scenes, sentence, model, checkpoint, verbose, out) -> None:
    """The narration of SCENES as a recording script: scene, beat, file to record, seconds, text.

    Record <folder>/<scene>/<beat>.wav, then `render SCENE --voice <folder>`. No video is made."""
    entries = select_scenes(scenes)
    example = prepare(out.parent if out else Path("."), entries, sentence, model, "dark", checkpoint)
    text = speech.recording_script([RenderJob(scene=e, example=example) for e in entries], out, verbose)
    click.echo(f"script: {out}" if out else text)


@cli.command()
@example_options
def film(quality, theme, sentence, model, checkpoint, out, voice, jobs, force, verbose) -> None:
    """The whole story: every scene in order, stitched into one video with chapters and one .srt.

    Each scene's own clip is rendered (or reused) first; the film is <out>/film[--...].mp4.
    """
    the_film = Film(example=prepare(out, SCENES, sentence, model, theme, checkpoint, voice), quality=quality,
                    out=out, voice=voice)
    manifests = run(the_film.jobs, lambda job, slot: render_job(job, force=force, verbose=verbose, slot=slot),
                    jobs, verbose, "the film needs every scene; failed: ")
    started = time.perf_counter()
    made = the_film.assemble(manifests)  # a failure here is one line too (main)
    click.echo(f"film: {the_film.path} ({made['duration']:.1f} s, {len(made['chapters'])} chapters, "
               f"subtitles {made['subtitles']}; stitched in {time.perf_counter() - started:.1f} s)")


@cli.command()
@cloup.argument("scene", required=False)
@cloup.option("--sentence", default=default_sentence, show_default="the models' default example", help="The example to explain.")
@cloup.option("--theme", type=cloup.Choice(THEME_NAMES), default="dark", show_default=True)
@cloup.option("--model", type=cloup.Choice(MODEL_NAMES), default=None, help="Show this model where the scene can.")
@checkpoint_option
@cloup.option("--quality", type=cloup.Choice(list(QUALITIES)), default="low", show_default=True)
@cloup.option("--out", type=cloup.Path(file_okay=False, path_type=Path), default=Path("media/preview"), show_default=True)
@cloup.option("--poster-only", is_flag=True, help="The poster frame only.")
@cloup.option("--watch", is_flag=True, help="Render again when the scene's file changes; type a sentence to show it.")
@cloup.option("--open", "open_files", is_flag=True, help="Open the poster and the clip in the default viewer.")
@cloup.option("--stop", is_flag=True, help="Stop the warm preview process.")
def preview(scene, sentence, theme, model, checkpoint, quality, out, poster_only, watch, open_files, stop) -> None:
    """SCENE's poster frame first, then its clip, from a warm process that keeps Manim, torch and the
    models loaded between calls (started on first use; it exits after 20 idle minutes)."""
    if stop:
        return click.echo("preview process stopped" if previews.stop() else "no preview process was running")
    example = Example(sentence=sentence, model=model, theme=theme, checkpoint=checkpoint)
    job = RenderJob(scene=select_scenes([scene] if scene else [])[0], example=example, quality=quality, out=out)
    show = functools.partial(previews.show, poster_only=poster_only, open_files=open_files)
    if watch:
        previews.watch(job, show)
    elif not show(job):
        sys.exit(EXIT_RENDER_FAILED)


@cli.command()
@cloup.argument("jobs_file", type=cloup.Path(exists=True, dir_okay=False, path_type=Path))
@cloup.option("--out", type=cloup.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: the jobs file's `out`).")
@cloup.option("--jobs", type=click.IntRange(min=1), default=None, help="Renders at a time here (default: cores).")
@cloup.option("--ray", "ray_address", default=None, metavar="ADDRESS|auto|local",
              help="Run each render as a task on a Ray cluster (auto: the cluster of this machine; local: start one).")
@cloup.option("--shared", is_flag=True, help="With --ray: the tasks write to --out themselves (a path every node sees).")
@cloup.option("--force", is_flag=True, help="Render again even if identical renders exist.")
@cloup.option("--dry-run", is_flag=True, help="List the renders and exit.")
def batch(jobs_file, out, jobs, ray_address, shared, force, dry_run) -> None:
    """Render every combination a JOBS_FILE (TOML) lists, with a manifest of all results (<out>/batch.json)."""
    plan = batches.load(jobs_file, out=out)
    prepare_out(plan.out)
    for job in plan.jobs if dry_run else ():
        click.echo(f"{job.name}: {job.render.outputs.get('video', job.render.outputs['poster'])}")
    for skip in plan.skipped:
        click.echo(f"skipped: {skip['scene']} × '{skip['sentence']}': {skip['reason']}", err=True)
    if not dry_run:
        made = batches.run(plan, ray_address=ray_address, workers=jobs, force=force, shared=shared,
                           on_result=lambda result: click.echo(batches.describe(result)))
        click.echo(batches.summary(made, plan.manifest_path))
        if made["counts"]["failed"]:
            fail(f"{made['counts']['failed']} render(s) failed; see {plan.manifest_path}", code=EXIT_RENDER_FAILED)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; bad input becomes one `error:` line and exit code 2 (usage errors included), any
    other failure one `error:` line and exit 1 (the traceback too with --verbose)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if bad := [n for n, arg in enumerate(args, 1) if any("\ud800" <= c <= "\udfff" for c in arg)]:
        fail(f"argument {bad[0]} is not valid UTF-8 text")  # Python kept its bytes as lone surrogates
    worker.stop_on_signals()  # Ctrl-C or a kill ends the workers first, then this command
    try:
        cli.main(args=args, prog_name="render.py", standalone_mode=False)
    except (UnknownScene, TraceInputError, batches.BatchError, speech.VoiceError) as err:
        fail(str(err))
    except RenderError as err:  # what the runner does not catch: a script's dry runs
        fail(str(err), code=EXIT_RENDER_FAILED)
    except click.UsageError as err:  # bad options, and input we refuse
        fail(err.format_message())
    except click.exceptions.Abort:
        fail("aborted", code=130)
    except click.exceptions.Exit as err:
        return err.exit_code
    except Exception as err:
        if "--verbose" in args:
            raise
        detail = describe_os_error(err) if isinstance(err, OSError) else f"{err.__class__.__name__}: {err}"
        fail(f"{detail} (run again with --verbose for the traceback)", code=EXIT_RENDER_FAILED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
