"""Preview benchmark: a new sentence's poster, 480p clip and one beat's 480p clip, warm (render.py preview) against cold
(render.py render, and plain Manim), all measured in this one run on this machine.

    .venv/bin/python benchmarks/bench_preview.py

Every measurement uses a sentence whose trace is not cached (a private, empty trace cache), so the
cold paths pay for torch and the model as a user's new sentence does. Wall times on a loaded machine
are noisy, so the CPU seconds of the render processes are printed beside them, and the ratios compare
measurements of the same run.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import timed  # noqa: E402

SCENE = "attention-weights"
BEAT = "softmax"  # a typical beat of it (13 s of video with the article's example)
SENTENCES = iter(["the cat sees the dog", "the big dog sees a red car", "a red car sees the cat",
                  "the young student finds a red car", "the dog likes the big car", "the cat likes the red car",
                  "the student sees the big dog", "a small cat finds the dog", "the dog sees the big cat",
                  "a big dog finds the cat", "the cat finds a small dog"])



def warm(sentence: str, out: Path, env: dict, *extra: str) -> dict[str, float]:
    """`render.py preview` as a user runs it: wall seconds until each line appears, and the server's CPU."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "render.py", "preview", SCENE, "--sentence", sentence, "--out", str(out), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    seen = {}
    for line in proc.stdout:
        what = line.split(":", 1)[0]
        seen[what] = time.perf_counter() - started
        if match := re.search(r"([0-9.]+) CPU s\)", line):
            seen[what + " cpu"] = float(match.group(1))
    if proc.wait() != 0:
        raise SystemExit(f"preview failed: {seen}")
    return seen


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        # a private preview server (its socket in the runtime folder XDG_RUNTIME_DIR), private trace and LaTeX/text caches:
        # nothing of these sentences was computed or typeset before this run
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ATTENTION_TRACE_CACHE": str(out / "traces"),
               "ATTENTION_MANIM_CACHE": str(out / "manim-cache"), "TMPDIR": tmp, "XDG_RUNTIME_DIR": tmp}
        rows = []
        sentence = next(SENTENCES)
        rows.append(("cold poster: render.py render --format png", *timed(
            [sys.executable, "render.py", "render", SCENE, "--format", "png", "--quality", "low", "--jobs", "1",
             "--sentence", sentence, "--out", str(out / "cold")], env)))
        sentence = next(SENTENCES)
        rows.append(("cold poster: plain manim -s -ql", *timed(
            [sys.executable, "-m", "manim", "render", "-s", "-ql", "--disable_caching", "--media_dir", str(out / "m"),
             "scenes/attention_weights.py", "AttentionWeights"], {**env, "ATTENTION_SENTENCE": sentence})))
        sentence = next(SENTENCES)
        rows.append(("cold 480p clip: render.py render", *timed(
            [sys.executable, "render.py", "render", SCENE, "--quality", "low", "--jobs", "1", "--sentence", sentence,
             "--out", str(out / "cold")], env)))
        sentence = next(SENTENCES)
        rows.append(("cold 480p clip: plain manim -ql", *timed(
            [sys.executable, "-m", "manim", "render", "-ql", "--disable_caching", "--media_dir", str(out / "m"),
             "scenes/attention_weights.py", "AttentionWeights"], {**env, "ATTENTION_SENTENCE": sentence})))
        sentence = next(SENTENCES)
        # plain Manim's -n needs animation numbers; the scene base takes the beat's name from the environment
        rows.append((f"cold beat '{BEAT}': plain manim -ql, ATTENTION_BEAT", *timed(
            [sys.executable, "-m", "manim", "render", "-ql", "--disable_caching", "--media_dir", str(out / "m"),
             "scenes/attention_weights.py", "AttentionWeights"],
            {**env, "ATTENTION_SENTENCE": sentence, "ATTENTION_BEAT": BEAT})))

        start = time.perf_counter()
        warm(next(SENTENCES), out / "warm", env)  # starts the server: imports, models (paid once)
        first = time.perf_counter() - start
        warm_rows = [warm(next(SENTENCES), out / "warm", env) for _ in range(2)]
        beat_rows = [warm(next(SENTENCES), out / "warm", env, "--beat", BEAT) for _ in range(2)]
        subprocess.run([sys.executable, "render.py", "preview", "--stop"], cwd=ROOT, env=env, check=True)

    print(f"scene: {SCENE}, a new sentence each time (trace not cached); wall s (CPU s of the render processes)")
    for name, wall, cpu in rows:
        print(f"  {name:45s} {wall:6.1f} s  ({cpu:.1f} CPU s)")
    print(f"  {'warm: first call (starts the preview process)':45s} {first:6.1f} s")
    for k, seen in enumerate(warm_rows, 1):
        print(f"  warm call {k}: poster after {seen['poster']:.1f} s ({seen['poster cpu']:.1f} CPU s), "
              f"480p clip after {seen['clip']:.1f} s ({seen['clip cpu']:.1f} CPU s for the clip alone)")
    poster = min(seen["poster"] for seen in warm_rows)
    clip = min(seen["clip"] for seen in warm_rows)
    print(f"poster: cold render.py / warm = {rows[0][1] / poster:.1f}×, plain manim / warm = {rows[1][1] / poster:.1f}× "
          f"(target ≤ 1.5 s: {'met' if poster <= 1.5 else 'missed'} at {poster:.1f} s)")
    print(f"480p clip: cold render.py / warm = {rows[2][1] / clip:.1f}×, plain manim / warm = {rows[3][1] / clip:.1f}× "
          f"(target ≤ 3 s: {'met' if clip <= 3 else 'missed'} at {clip:.1f} s)")
    for k, seen in enumerate(beat_rows, 1):
        print(f"  warm beat '{BEAT}' call {k}: 480p clip after {seen['clip']:.1f} s ({seen['clip cpu']:.1f} CPU s)")
    beat = min(seen["clip"] for seen in beat_rows)
    print(f"one beat's 480p clip: plain manim / warm = {rows[4][1] / beat:.1f}× "
          f"(target ≤ 3 s: {'met' if beat <= 3 else 'missed'} at {beat:.1f} s)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
