"""Film and batch benchmark: our render beside plain Manim on the same scene, in one run.

    .venv/bin/python benchmarks/bench_film.py [--scene KEY] [--full] [--batch]

1. One scene (default attention-weights, the article's example) at 1080p60, rendered by
   `render.py render` (our worker: the speed-ups of output/encoding.py and output/speedups.py) and
   by plain `manim -qh`, one after the other. Printed: wall seconds, CPU seconds (the render's
   processes and their children: less affected by the other users of a shared machine), video
   seconds, CPU seconds per video second, and the ratios.
2. The whole story at 1080p60 with `--jobs 2`, extrapolated from (1): the film's length (the scenes'
   typical durations, scenes/catalog.py) times our CPU seconds per video second, divided by the two
   cores. An estimate, and labelled so: scenes differ in how much moves. With --full the film is
   rendered and timed instead (several minutes).
3. With --batch: a batch of 4 small renders (2 scenes × 2 sentences, 480p15) through `render.py
   batch --jobs 2` beside the same 4 renders by plain Manim one after the other.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import timed  # noqa: E402
from scenes.catalog import BY_KEY, SCENES, Example  # noqa: E402

REAL_TIME_TARGET = 0.5  # the whole story at 1080p60 with --jobs 2 (issue 15)



def duration(video: Path) -> float:
    import av

    with av.open(str(video)) as container:
        return container.duration / 1e6


def plain_manim(entry, quality_flag: str, media: Path, sentence: str | None, env: dict) -> list[str]:
    env.update(Example(sentence=sentence).environment({}) if sentence else {})
    return [sys.executable, "-m", "manim", "render", quality_flag, "--disable_caching", "--media_dir", str(media),
            str(entry.path), entry.cls]


def one_scene(key: str, out: Path, env: dict) -> float:
    """(1) and (2); returns our CPU seconds per video second."""
    entry = BY_KEY[key]
    ours_wall, ours_cpu = timed([sys.executable, "render.py", "render", key, "--quality", "high", "--jobs", "1",
                                 "--force", "--out", str(out / "ours")], env)
    seconds = duration(out / "ours" / f"{key}.mp4")
    plain_env = dict(env)
    plain_wall, plain_cpu = timed(plain_manim(entry, "-qh", out / "plain", None, plain_env), plain_env)
    print(f"one scene, {key}, 1080p60, {seconds:.1f} s of video (one after the other, this run):")
    for name, wall, cpu in (("render.py render (ours)", ours_wall, ours_cpu), ("plain manim -qh", plain_wall, plain_cpu)):
        print(f"  {name:25s} {wall:6.1f} s wall = {wall / seconds:.2f}× real time; {cpu:6.1f} CPU s "
              f"= {cpu / seconds:.2f} CPU s per video second")
    print(f"  plain / ours: {plain_wall / ours_wall:.2f}× wall, {plain_cpu / ours_cpu:.2f}× CPU")
    film = sum(e.typical_seconds for e in SCENES)
    per_second = ours_cpu / seconds
    estimate = film * per_second / 2
    print(f"whole story, estimated from this scene: {film} s of video × {per_second:.2f} CPU s per video second "
          f"÷ 2 cores = {estimate:.0f} s = {estimate / film:.2f}× real time with --jobs 2 if both cores are ours "
          f"(target ≤ {REAL_TIME_TARGET}×: {'met' if estimate / film <= REAL_TIME_TARGET else 'missed'})")
    return per_second


def full_film(out: Path, env: dict) -> None:
    wall, cpu = timed([sys.executable, "render.py", "render", "all", "--quality", "high", "--jobs", "2", "--force",
                       "--out", str(out / "full")], env)
    video = sum(json.loads(p.read_text(encoding="utf-8"))["duration"] for p in (out / "full").glob("*.json")
                if "duration" in json.loads(p.read_text(encoding="utf-8")))
    print(f"whole story, measured: {video:.0f} s of 1080p60 in {wall:.0f} s with --jobs 2 = {wall / video:.2f}× real "
          f"time ({cpu:.0f} CPU s = {cpu / video:.2f} per video second)")


BATCH = """out = "{out}"
layout = "{{quality}}"
[[render]]
scenes = ["rnn-relay", "attention-weights"]
sentences = ["the cat sees the dog", "the big dog sees a red car"]
qualities = ["low"]
formats = ["mp4"]
"""


def batch(out: Path, env: dict) -> None:
    jobs = out / "jobs.toml"
    jobs.write_text(BATCH.format(out=out / "batch"), encoding="utf-8")
    ours_wall, ours_cpu = timed([sys.executable, "render.py", "batch", str(jobs), "--jobs", "2"], env)
    plain_wall = plain_cpu = 0.0
    for k, (key, sentence) in enumerate((k, s) for k in ("rnn-relay", "attention-weights")
                                        for s in ("the cat sees the dog", "the big dog sees a red car")):
        plain_env = dict(env)
        wall, cpu = timed(plain_manim(BY_KEY[key], "-ql", out / f"plain-batch-{k}", sentence, plain_env), plain_env)
        plain_wall, plain_cpu = plain_wall + wall, plain_cpu + cpu
    print("batch of 4 renders at 480p15 (2 scenes × 2 sentences):")
    print(f"  render.py batch --jobs 2     {ours_wall:6.1f} s wall, {ours_cpu:6.1f} CPU s")
    print(f"  plain manim, one after other {plain_wall:6.1f} s wall, {plain_cpu:6.1f} CPU s")
    print(f"  plain / ours: {plain_wall / ours_wall:.2f}× wall, {plain_cpu / ours_cpu:.2f}× CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scene", default="attention-weights")
    parser.add_argument("--full", action="store_true", help="also render the whole story at 1080p60, --jobs 2")
    parser.add_argument("--batch", action="store_true", help="also a batch of 4 small renders against plain Manim")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ATTENTION_MANIM_CACHE": str(out / "manim-cache")}
        one_scene(args.scene, out, env)
        if args.full:
            full_film(out, env)
        if args.batch:
            batch(out, env)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
