"""A scene's beats as slides, through manim-slides: present them, or convert to HTML, PPTX or PDF.

The scene itself is not touched: a small module made on the fly mixes manim-slides' `Slide` into
the scene class, and `ExplainerScene.beat` calls `next_slide()` whenever it is a Slide. The worker
renders it (what `manim-slides render` would do: run Manim), then manim-slides converts.

Where we step in, and only there:
- voice: manim-slides cuts each slide's clip from Manim's silent partial movies, so each clip is
  given its stretch of the scene's sound track (output.voice.add_audio_to_slides) before converting;
- html: manim-slides' page loads reveal.js from a CDN. We point its `cdn_url` option at a folder
  beside the page and copy there, from the pinned reveal.js package that `make setup` fetched from
  the npm registry (vendor/reveal.js, with its licence), exactly the files the page loads; the clips
  sit in the same folder. With a voice, the first slide is not muted (reveal.js mutes and shows an
  unmute button itself if the browser blocks sound before a click). A page that would still load
  anything from the network is refused.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sys
from pathlib import Path

from output import voice, worker
from output.jobs import QUALITIES, ROOT, RenderError, RenderJob
from output.manim_call import time_limit
from output.rendering import played_beats
from output.workdirs import work_dir

SLIDE_FORMATS = ("html", "pptx", "pdf")
REVEAL_DIR = ROOT / "vendor" / "reveal.js"  # written by tools/fetch_revealjs.sh (make setup)
# The time limit of `manim-slides convert`: a minute to start, plus this many seconds per slide.
# Measured on 2 cores at 480p15: about 1 s for a whole scene of 8-12 slides, any format; the
# limits leave 30x and more for a loaded machine, bigger clips and a long sentence.
CONVERT_SECONDS_PER_SLIDE = {"low": 3, "medium": 6, "high": 10, "4k": 25}


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


CONVERTER = [_tool("manim-slides"), "convert"]  # the tests point it at a converter that hangs


def make_slides(job: RenderJob, to: str = "html", verbose: bool = False, explorer: bool = False) -> dict:
    """Render `job.scene` as slides and convert them; returns {"file": the written file, and "voice"
    (as in a manifest) when the slides speak}. `explorer` (html): a last slide holds the explorer."""
    if to not in SLIDE_FORMATS:
        raise ValueError(f"unknown slide format '{to}'; choose one of: {', '.join(SLIDE_FORMATS)}")
    if to == "html":
        reveal_version()  # fail before rendering when reveal.js is missing
    with work_dir(job, "slides") as work:
        return _make_slides(job, to, verbose, work, explorer)


def _make_slides(job: RenderJob, to: str, verbose: bool, work: Path, explorer: bool = False) -> dict:
    cls = f"{job.scene.cls}Slides"
    (work / "slides_scene.py").write_text(
        f"from manim_slides import Slide\nfrom scenes.{job.scene.module} import {job.scene.cls}\n\n\n"
        f"class {cls}({job.scene.cls}, Slide):\n    pass\n", encoding="utf-8")
    example, made = job.example, {}
    if job.voice is not None:
        folder, voice_info = voice.prepare(job, work, verbose)
        example = dataclasses.replace(example, voice=folder)
    flag, folder_name = QUALITIES[job.quality]
    worker.run(example, ["render", f"-q{flag}", "--disable_caching", "--media_dir", str(work / "media"),
                         "slides_scene.py", cls], what=job.scene.key, cwd=work, verbose=verbose, limit=time_limit(job))
    if job.voice is not None:
        movie = work / "media" / "videos" / "slides_scene" / folder_name / f"{cls}.mp4"
        voice.add_audio_to_slides(movie, slide_clips(work, cls))
        made["voice"] = voice.report(voice_info, played_beats(work / "media", cls))
    name = f"{job.stem}.slides.{to}"
    options = []
    if to == "html":
        assets = f"{job.stem}.slides_assets"
        options = [f"-cassets_dir={assets}", f"-ccdn_url={assets}/reveal.js", f"-ctitle={job.scene.title}",
                   f"-creveal_version={reveal_version()}",
                   f"-creveal_theme={'white' if job.example.theme == 'light' else 'black'}"]
    convert(job, cls, to, options, name, work, verbose)
    if to == "html":
        offline_page(work / name, work / assets, speaks=job.voice is not None)
        if explorer:
            add_explorer_slide(work / name, work / assets, job.example.models_dir, job.example.theme)
        final_assets = job.out / assets
        if final_assets.exists():
            shutil.rmtree(final_assets)
        os.replace(work / assets, final_assets)
    os.replace(work / name, job.out / name)
    return {**made, "file": job.out / name}


def convert(job: RenderJob, cls: str, to: str, options: list[str], name: str, work: Path, verbose: bool) -> None:
    """`manim-slides convert` the slides of `cls` in `work` to `work/name`, ended with its children
    (RenderError) when it passes its time limit."""
    count = len(slide_clips(work, cls))
    limit = worker.override_limit() or convert_limit(count, job.quality)
    worker.run_tool([*CONVERTER, "--folder", "slides", "--to", to, *options, cls, name], job.example,
                    what=job.scene.key, tool="manim-slides convert", cwd=work, verbose=verbose, limit=limit,
                    limit_reason=f"for {count} slides at this quality")


def convert_limit(slides: int, quality: str) -> float:
    """Seconds `manim-slides convert` may take for `slides` slides at `quality`."""
    return 60.0 + slides * CONVERT_SECONDS_PER_SLIDE.get(quality, 25)


def slide_clips(work: Path, cls: str) -> list[Path]:
    """The clip of each slide, in order, from manim-slides' presentation config (paths are relative
    to the folder manim-slides ran in)."""
    config = json.loads((work / "slides" / f"{cls}.json").read_text(encoding="utf-8"))
    return [work / slide["file"] for slide in config["slides"]]


def reveal_version() -> str:
    """The version of the reveal.js package set-up installed (RenderError when there is none)."""
    try:
        return json.loads((REVEAL_DIR / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        raise RenderError(f"reveal.js is not installed in {REVEAL_DIR}: run `make setup` "
                          "(or tools/fetch_revealjs.sh)") from None


def offline_page(page: Path, assets: Path, speaks: bool) -> None:
    """Copy into `assets`/reveal.js every reveal.js file the page loads (and the licence), drop the
    template's commented-out index.js, unmute the first slide when the slides speak; refuse a page
    that still loads anything from the network."""
    html = page.read_text(encoding="utf-8")
    html = html.replace('<!-- <script src="index.js"></script> -->', "")
    if speaks:
        html = re.sub(r"\s*data-background-video-muted\b", "", html)
    prefix = f"{assets.name}/reveal.js/"
    wanted = {"LICENSE"} | set(re.findall(rf'(?:src|href)="{re.escape(prefix)}([^"]+)"', html))
    for name in sorted(wanted):
        source = REVEAL_DIR / name
        if not source.is_file():
            raise RenderError(f"the slides page loads {name}, which the reveal.js package in {REVEAL_DIR} lacks")
        (assets / "reveal.js" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, assets / "reveal.js" / name)
    remote = re.findall(r'(?:src|href|data-background-video)="((?:https?:)?//[^"]*)"', html)
    if remote:
        raise RenderError(f"the slides page would load from the network: {', '.join(remote)}")
    page.write_text(html, encoding="utf-8")


def add_explorer_slide(page: Path, assets: Path, models_dir: Path, theme: str) -> None:
    """End the slides page with a slide that holds the explorer (output/explorer.py), built into
    `assets`/explorer and shown in an iframe in the slides' theme."""
    from output.explorer import build_explorer
    from scenes.kit.theme import THEMES

    build_explorer(assets / "explorer", models_dir)
    slide = (f'<section data-background-color="{THEMES[theme].background}" aria-label="Attention explorer">'
             f'<iframe src="{assets.name}/explorer/index.html?theme={theme}&amp;compact" '
             'title="Attention explorer: type a sentence" style="width:100%;height:700px;border:0"></iframe></section>\n')
    html = page.read_text(encoding="utf-8")
    start = html.index('<div class="slides">')
    end = html.index("</div>", start)  # the slides' sections hold no div
    page.write_text(html[:end] + slide + html[end:], encoding="utf-8")
