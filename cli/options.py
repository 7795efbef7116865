"""The options several commands share, declared once."""
from __future__ import annotations

import functools
from pathlib import Path

import click
import cloup

from model.trace import DEFAULT_MODEL, MODEL_NAMES, default_sentence
from output.jobs import QUALITIES
from scenes.catalog import THEME_NAMES


def options(*decorators):
    """Several option decorators as one."""
    return lambda f: functools.reduce(lambda g, option: option(g), reversed(decorators), f)


def _folder(ctx, param, value) -> Path:
    if not str(value).strip():  # a Path would quietly make it the current folder
        raise click.BadParameter("is empty; name an output folder")
    return Path(value)


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
BURN_OPTION = cloup.option("--burn-captions", is_flag=True,
                           help="Also write <name>--captioned.mp4 with the subtitles drawn into the picture, "
                                "for players and LMSs that show no caption track.")

example_options = options(  # render, slides and film: what to explain, how it looks, where it goes
    cloup.option("--quality", type=cloup.Choice(list(QUALITIES)), default="high", show_default=True,
                 help="Manim preset: low 480p15, medium 720p30, high 1080p60, 4k 2160p60."),
    cloup.option("--theme", type=cloup.Choice(THEME_NAMES), default="dark", show_default=True,
                 help="dark for screens, light for slides and print."),
    *WHAT_OPTIONS,
    cloup.option("--out", default="media", show_default=True, callback=_folder, help="Output folder."),
    cloup.option("--voice", help="Speak every beat: neural (an offline neural voice), synth (espeak-ng) or a folder "
                                 "of recordings (see script)."),
    cloup.option("--jobs", type=click.IntRange(min=1), default=None,
                 help="Scenes rendered in parallel processes (default: the number of cores)."),
    cloup.option("--force", is_flag=True, help="Render again even if an identical render exists."),
    VERBOSE_OPTION)
