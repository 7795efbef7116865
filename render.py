#!/usr/bin/env python3
"""The command line of the attention explainer.

    python render.py trace "the european economic area" [--model NAME] [--json]
    python render.py vocab [--model NAME]
    python render.py render SCENE... | all [--quality ...] [--theme ...] [--sentence ...]
"""
from __future__ import annotations

import sys

import cloup

from model.trace import DEFAULT_MODEL, DEFAULT_SENTENCE, MODEL_NAMES, TraceInputError

EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    cloup.echo(f"error: {message}", err=True)
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
        cloup.echo(result.to_json())
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


if __name__ == "__main__":
    cli()
