"""The commands that explain one example: list, trace, vocab, render, slides, script, film. Each
parses its options into one Example and jobs, hands them to the output package and prints."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import cloup

from cli.options import (
    BURN_OPTION,
    VERBOSE_OPTION,
    WHAT_OPTIONS,
    _folder,
    checkpoint_option,
    example_options,
    model_option,
    options,
)
from model.report import print_trace, print_vocab
from model.trace import MODELS_DIR, default_sentence
from model.trace import trace as run_trace
from output import voice as speech
from output.captions import burn
from output.explorer import build_explorer
from output.film import Film
from output.jobs import FORMATS, TRANSPARENT_FORMATS, RenderJob, select_scenes, trace_warnings
from output.rendering import prepare
from output.rendering import render as render_job
from output.slides import SLIDE_FORMATS, make_slides
from output.terminal import describe_clip, print_scenes, run_shown
from output.workdirs import prepare_out
from scenes.catalog import SCENES, Example

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
@BURN_OPTION
def render(scenes, quality, theme, sentence, model, checkpoint, out, voice, jobs, force, verbose, fmt, transparent,
           sections, burn_captions) -> None:
    """Render SCENES (keys from `list`, or `all`): video, .srt subtitles, poster .png, manifest .json.

    Outputs are named <scene>[--<sentence>][--<model>][--light][--transparent][--<format>].<ext>
    in --out (the format when it is not mp4).
    An identical earlier render (same trace, drawing code and options) is reused.
    """
    if transparent and fmt not in TRANSPARENT_FORMATS:
        raise click.UsageError("--transparent needs --format webm, mov or png (mp4 and gif have no alpha channel)")
    if burn_captions and fmt != "mp4":
        raise click.UsageError("--burn-captions writes an mp4 beside the clip: use it with --format mp4")
    entries = select_scenes(scenes)
    example = Example(sentence=sentence, model=model, theme=theme, checkpoint=checkpoint)
    prepare(out, entries, example, voice)
    render_jobs = [RenderJob(scene=e, example=example, quality=quality, fmt=fmt, transparent=transparent,
                             sections=sections, out=out, voice=voice) for e in entries]
    run(render_jobs, lambda job, slot: render_job(job, force=force, verbose=verbose, slot=slot), jobs, verbose,
        "failed to render: ")
    if burn_captions:
        for job in render_jobs:
            burn_into_copy(job.outputs["video"], job.outputs["subtitles"])


@cli.command()
@cloup.argument("scenes", nargs=-1)
@example_options
@cloup.option("--to", "to", type=cloup.Choice(SLIDE_FORMATS), default="html", show_default=True,
              help="html: an offline reveal.js page; pptx: PowerPoint, a video per slide; pdf: a still per slide.")
@cloup.option("--explorer", "with_explorer", is_flag=True, help="html: end with a slide holding the explorer (see `explorer`).")
def slides(scenes, quality, theme, sentence, model, checkpoint, out, voice, jobs, force, verbose, to, with_explorer) -> None:
    """Turn SCENES into slides, one per beat, with manim-slides (<scene>.slides.<to> in --out).

    html: an offline reveal.js page; reveal.js and the clips sit beside it in <name>.slides_assets/."""
    if with_explorer and to != "html":
        raise click.UsageError("--explorer needs --to html (the explorer is a web page)")
    entries = select_scenes(scenes)
    example = Example(sentence=sentence, model=model, theme=theme, checkpoint=checkpoint)
    prepare(out, entries, example, voice)
    slide_jobs = [RenderJob(scene=e, example=example, quality=quality, out=out, voice=voice) for e in entries]
    run(slide_jobs, lambda job, slot: make_slides(job, to, verbose, with_explorer), jobs, verbose, "failed to make slides: ",
        describe=lambda job, made: f"{job.scene.key}: {made['file']}")


@cli.command()
@cloup.argument("scenes", nargs=-1)
@options(*WHAT_OPTIONS, VERBOSE_OPTION)
@cloup.option("--out", type=cloup.Path(dir_okay=False, path_type=Path), help="A file (.csv, .json, else text).")
def script(scenes, sentence, model, checkpoint, verbose, out) -> None:
    """The narration of SCENES as a recording script: scene, beat, file to record, seconds, text.

    Record <folder>/<scene>/<beat>.wav, then `render SCENE --voice <folder>`. No video is made."""
    entries = select_scenes(scenes)
    example = Example(sentence=sentence, model=model, checkpoint=checkpoint)
    prepare(out.parent if out else Path("."), entries, example)
    text = speech.recording_script([RenderJob(scene=e, example=example) for e in entries], out, verbose)
    click.echo(f"script: {out}" if out else text)


@cli.command()
@cloup.argument("scenes", nargs=-1)
@example_options
@BURN_OPTION
def film(scenes, quality, theme, sentence, model, checkpoint, out, voice, jobs, force, verbose, burn_captions) -> None:
    """The whole story: every scene in order (or the SCENES named, in story order), stitched into one
    video with chapters and one .srt.

    Each scene's own clip is rendered (or reused) first; the film is <out>/film[--...].mp4, a film of
    some chapters <out>/film-<first>-to-<last>[--...].mp4.
    """
    entries = [s for s in SCENES if s in select_scenes(scenes)] if scenes else list(SCENES)
    example = Example(sentence=sentence, model=model, theme=theme, checkpoint=checkpoint)
    prepare(out, entries, example, voice)
    the_film = Film(example=example, quality=quality, out=out, voice=voice, scenes=tuple(entries))
    manifests = run(the_film.jobs, lambda job, slot: render_job(job, force=force, verbose=verbose, slot=slot),
                    jobs, verbose, "the film needs every scene; failed: ")
    started = time.perf_counter()
    made = the_film.assemble(manifests)  # a failure here is one line too (main)
    click.echo(f"film: {the_film.path} ({made['duration']:.1f} s, {len(made['chapters'])} chapters, "
               f"subtitles {made['subtitles']}; stitched in {time.perf_counter() - started:.1f} s)")
    if burn_captions:
        burn_into_copy(the_film.path, the_film.path.with_suffix(".srt"))


def burn_into_copy(video: Path, subtitles: Path) -> None:
    """<video>--captioned.mp4: the clip with its subtitles drawn into the picture (the clip itself is kept)."""
    if not subtitles.exists():
        click.echo(f"{video.name}: no narration, so no captions to burn")
        return
    started = time.perf_counter()
    target = burn(video, subtitles, video.with_name(f"{video.stem}--captioned.mp4"))
    click.echo(f"captions burned: {target} ({time.perf_counter() - started:.1f} s)")


@cli.command()
@cloup.option("--out", default="media/explorer", show_default=True, callback=_folder,
              help="The folder to write (index.html and what it loads).")
@cloup.option("--models", "models_dir", type=cloup.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A model folder (default: ATTENTION_MODELS_DIR, else the shipped models).")
def explorer(out, models_dir) -> None:
    """An offline page that runs the trained models in the browser: type a sentence, see each model's
    output, the attention model's α and one word's fan (<out>/index.html; no server, no network)."""
    prepare_out(out)
    made = build_explorer(out, models_dir or MODELS_DIR)
    for note in made["skipped"]:
        click.echo(f"note: {note}", err=True)
    click.echo(f"explorer: {made['page']} (runs {', '.join(made['models'])}; {made['bytes'] / 1e6:.1f} MB); "
               "open it in a browser, or copy the folder")
