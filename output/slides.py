"""A scene's beats as slides, through manim-slides: present them, or convert to HTML, PPTX or PDF.

The scene itself is not touched: a small module made on the fly mixes manim-slides' `Slide` into
the scene class, and `ExplainerScene.beat` calls `next_slide()` whenever it is a Slide. The worker
renders it (what `manim-slides render` would do: run Manim), then manim-slides converts.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from output import worker
from output.jobs import QUALITIES, RenderJob
from output.rendering import work_dir

SLIDE_FORMATS = ("html", "pptx", "pdf")


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def make_slides(job: RenderJob, to: str = "html", verbose: bool = False) -> Path:
    """Render `job.scene` as slides and convert them; returns the written file."""
    if to not in SLIDE_FORMATS:
        raise ValueError(f"unknown slide format '{to}'; choose one of: {', '.join(SLIDE_FORMATS)}")
    with work_dir(job, "slides") as work:
        return _make_slides(job, to, verbose, work)


def _make_slides(job: RenderJob, to: str, verbose: bool, work: Path) -> Path:
    cls = f"{job.scene.cls}Slides"
    (work / "slides_scene.py").write_text(
        f"from manim_slides import Slide\nfrom scenes.{job.scene.module} import {job.scene.cls}\n\n\n"
        f"class {cls}({job.scene.cls}, Slide):\n    pass\n", encoding="utf-8")
    flag, _ = QUALITIES[job.quality]
    worker.run(job.example, ["render", f"-q{flag}", "--disable_caching", "--media_dir", str(work / "media"),
                             "slides_scene.py", cls], what=job.scene.key, cwd=work, verbose=verbose)
    worker.run_tool([_tool("manim-slides"), "convert", "--folder", "slides", "--to", to, cls, f"out.{to}"],
                    job.example, what=job.scene.key, tool="manim-slides convert", cwd=work, verbose=verbose)
    produced = work / f"out.{to}"
    if to == "html":
        # the page plays videos from a folder beside it: keep both under predictable names
        assets = work / "out_assets"
        final_assets = job.out / f"{job.stem}.slides_assets"
        if final_assets.exists():
            shutil.rmtree(final_assets)
        if assets.exists():
            os.replace(assets, final_assets)
        text = produced.read_text(encoding="utf-8").replace("out_assets/", f"{final_assets.name}/")
        produced.write_text(text, encoding="utf-8")
    target = job.out / f"{job.stem}.slides.{to}"
    os.replace(produced, target)
    return target
