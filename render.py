#!/usr/bin/env python3
"""render.py — the command line of the attention explainer: list, trace, vocab, render, slides, script,
film, preview, batch (see `render.py --help`; the commands live in cli/, the work in output/)."""
import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
