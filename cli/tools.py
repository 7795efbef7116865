"""preview (a warm process for quick looks while editing a scene) and batch (a jobs file's renders)."""
from __future__ import annotations

import functools
import itertools
import sys
from pathlib import Path

import click
import cloup

from cli.commands import EXIT_RENDER_FAILED, cli, fail
from cli.options import checkpoint_option
from model.trace import MODEL_NAMES, default_sentence
from output import batch as batches
from output import preview as previews
from output import voice as voices
from output.jobs import QUALITIES, RenderJob, select_scenes
from output.workdirs import prepare_out
from scenes.catalog import THEME_NAMES, Example

EXIT_INTERRUPTED = 130  # as for Ctrl-C (cli.main)


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
@cloup.option("--voice", help="The clip speaks: neural, synth or a folder of recordings (as for render).")
@cloup.option("--beat", help="One beat only (a name `script SCENE` lists): from its start to its end, "
                             "earlier animations skipped to their end states.")
def preview(scene, sentence, theme, model, checkpoint, quality, out, poster_only, watch, open_files, stop,
            voice, beat) -> None:
    """SCENE's poster frame first, then its clip, from a warm process that keeps Manim, torch and the
    models loaded between calls (started on first use; it exits after 20 idle minutes)."""
    if stop:
        return click.echo("preview process stopped" if previews.stop() else "no preview process was running")
    if beat is not None and voice is not None:
        raise click.UsageError("--beat with --voice is not supported yet: preview the beat silent, "
                               "or the whole scene with its voice")
    example = Example(sentence=sentence, model=model, theme=theme, checkpoint=checkpoint, beat=beat)
    voices.check(voice)
    if voice is not None and voice not in voices.VOICES:
        voice = str(Path(voice).resolve())  # the warm process runs elsewhere
    job = RenderJob(scene=select_scenes([scene] if scene else [])[0], example=example, quality=quality, out=out,
                    voice=voice)
    show = functools.partial(previews.show, poster_only=poster_only, open_files=open_files)
    if watch:
        previews.watch(job, show)
    elif not show(job):
        sys.exit(EXIT_RENDER_FAILED)


def _out_folder(ctx, param, value) -> Path | None:
    if value is not None and not value.strip():  # a Path would quietly make it the current folder
        raise click.BadParameter("is empty; name an output folder")
    return None if value is None else Path(value)


@cli.command()
@cloup.argument("jobs_file", type=cloup.Path(exists=True, dir_okay=False, path_type=Path))
@cloup.option("--out", default=None, callback=_out_folder, help="Output folder (default: the jobs file's `out`).")
@cloup.option("--jobs", type=click.IntRange(min=1), default=None, help="Renders at a time here (default: cores).")
@cloup.option("--ray", "ray_address", default=None, metavar="ADDRESS|auto|local",
              help="Run each render as a task on a Ray cluster (auto: the cluster of this machine; local: start one).")
@cloup.option("--shared", is_flag=True, help="With --ray: the tasks write to --out themselves (a path every node sees).")
@cloup.option("--force", is_flag=True, help="Render again even if identical renders exist.")
@cloup.option("--dry-run", is_flag=True, help=f"Count the renders, show the first {batches.SHOWN} and exit.")
@cloup.option("--yes", "-y", is_flag=True,
              help=f"Start a batch of more than {batches.CONFIRM_ABOVE} renders without asking.")
def batch(jobs_file, out, jobs, ray_address, shared, force, dry_run, yes) -> None:
    """Render every combination a JOBS_FILE (TOML) lists, with a manifest of all results (<out>/batch.json).
    The plan (how many renders, from which lists) is printed first; a batch of more than
    200 renders asks before it starts (--yes starts it; without a terminal it is refused)."""
    plan = batches.load(jobs_file, out=out)
    for line in batches.describe_plan(plan):
        click.echo(line)
    for skip in plan.skipped[:batches.SHOWN]:
        click.echo(f"skipped: {skip['scene']} × '{skip['sentence']}': {skip['reason']}", err=True)
    if len(plan.skipped) > batches.SHOWN:
        click.echo(f"skipped: … and {len(plan.skipped) - batches.SHOWN:,} more (all listed in the manifest)", err=True)
    if dry_run:
        first = list(itertools.islice(plan.iter_jobs(), batches.SHOWN))
        for job in first:
            click.echo(f"{job.name}: {job.render.outputs.get('video', job.render.outputs['poster'])}")
        if plan.count > len(first):
            click.echo(f"… and {plan.count - len(first):,} more")
        return
    if plan.count > batches.CONFIRM_ABOVE and not yes:
        if not sys.stdin.isatty():
            fail(f"the batch makes {plan.count:,} renders (more than {batches.CONFIRM_ABOVE}) and there is no "
                 f"terminal to ask: add --yes to start it (--dry-run shows the plan)")
        if not click.confirm(f"start {plan.count:,} renders?", default=False, err=True):
            fail("the batch was not started", code=EXIT_INTERRUPTED)
    plan.jobs  # noqa: B018 - every folder is checked (under out, links followed) before anything renders
    prepare_out(plan.out)
    made = batches.run(plan, ray_address=ray_address, workers=jobs, force=force, shared=shared,
                       on_result=lambda result: click.echo(batches.describe(result)))
    click.echo(batches.summary(made, plan.manifest_path))
    if made["counts"]["failed"]:
        fail(f"{made['counts']['failed']} render(s) failed; see {plan.manifest_path}", code=EXIT_RENDER_FAILED)
