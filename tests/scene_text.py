"""Every scene of the catalog, played for its words only: `python tests/scene_text.py` prints JSON
{scene key: {"beats": [narration, ...], "texts": [every Text the scene made, ...]}}.

It runs each scene's real `setup` and `construct` (the example, model set and theme come from the
environment, as in a render), with Manim's `play` and `wait` replaced by nothing: every narration
and every on-screen text is computed before its animation, so this reads them all in seconds
without drawing a frame. Formulas (MathTex) are not collected."""
from __future__ import annotations

import importlib
import json
import sys
import tempfile

import manim
from manim import tempconfig

from scenes.catalog import SCENES

TEXTS: list[str] = []
_text_init = manim.Text.__init__


def _recording_init(self, text, *args, **kwargs):
    TEXTS.append(text)
    _text_init(self, text, *args, **kwargs)


def scene_words(keys=None) -> dict[str, dict[str, list[str]]]:
    manim.Text.__init__ = _recording_init
    manim.Scene.play = lambda self, *args, **kwargs: None
    manim.Scene.wait = lambda self, *args, **kwargs: None
    found = {}
    with tempfile.TemporaryDirectory(prefix="scene-text-") as media:
        for entry in SCENES:
            if keys and entry.key not in keys:
                continue
            TEXTS.clear()
            cls = getattr(importlib.import_module(f"scenes.{entry.module}"), entry.cls)
            with tempconfig({"media_dir": media, "dry_run": True, "disable_caching": True, "verbosity": "ERROR",
                             "progress_bar": "none", "pixel_width": 320, "pixel_height": 180, "frame_rate": 5}):
                scene = cls()
                scene.setup()
                scene.construct()
                scene.tear_down()
            found[entry.key] = {"beats": [b["narration"] for b in scene.beats], "texts": list(TEXTS)}
    return found


if __name__ == "__main__":
    json.dump(scene_words(sys.argv[1:]), sys.stdout, ensure_ascii=False, indent=1)
