"""main(): run a command; every failure is one `error:` line on stderr. Bad input (usage errors
included) exits 2, a failed render 1, an interruption 130; with --verbose an unexpected error
shows its traceback instead."""
from __future__ import annotations

import sys

import click

from cli import tools  # noqa: F401 - registers preview and batch on the group
from cli.commands import EXIT_RENDER_FAILED, cli, fail
from model.files import UnsafeFile
from model.trace import TraceInputError
from output import batch as batches
from output import voice as speech
from output import worker
from output.jobs import OutFolderError, RenderError
from output.rendering import describe_os_error
from scenes.catalog import UnknownScene

BAD_INPUT = (UnknownScene, TraceInputError, batches.BatchError, speech.VoiceError, OutFolderError, UnsafeFile)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if bad := [n for n, arg in enumerate(args, 1) if any("\ud800" <= c <= "\udfff" for c in arg)]:
        fail(f"argument {bad[0]} is not valid UTF-8 text")  # Python kept its bytes as lone surrogates
    worker.stop_on_signals()  # Ctrl-C or a kill ends the workers first, then this command
    try:
        cli.main(args=args, prog_name="render.py", standalone_mode=False)
    except BAD_INPUT as err:
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
