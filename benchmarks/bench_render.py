"""Render benchmarks, measured in one run on this machine (figures go in the README).

    .venv/bin/python benchmarks/bench_render.py [--full]

Reports: real-time factor (render seconds / video seconds) of one representative scene at low
and high quality; the pure PyAV encoding time of the same frames with the same encoder settings
(the floor) and our ratio to it; --jobs 2 against --jobs 1 on all scenes at low quality; a cache
hit; the preview loop (a new sentence to a finished low-quality clip of one scene). With --full,
also the whole story at 1080p60 with --jobs 2 (several minutes).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENE = "attention-weights"


def cli(*args, env=None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def manifest(out: Path, stem: str) -> dict:
    return json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))


def encode_floor(video: Path) -> tuple[float, int]:
    """Seconds to encode every frame of `video` from RGBA with our settings (libx264, crf 23,
    our preset, yuv420p), the way Manim receives frames; decoding is not counted."""
    import av

    from output.encoding import preset

    total, frames = 0.0, 0
    with av.open(str(video)) as src, tempfile.TemporaryDirectory() as tmp:
        stream_in = src.streams.video[0]
        with av.open(str(Path(tmp) / "floor.mp4"), "w") as out:
            stream = out.add_stream("libx264", rate=stream_in.average_rate, options={"crf": "23", "preset": preset()})
            stream.pix_fmt, stream.width, stream.height = "yuv420p", stream_in.width, stream_in.height
            for frame in src.decode(stream_in):
                rgba = frame.to_ndarray(format="rgba")
                start = time.perf_counter()
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgba, format="rgba")):
                    out.mux(packet)
                total += time.perf_counter() - start
                frames += 1
            start = time.perf_counter()
            for packet in stream.encode():
                out.mux(packet)
            total += time.perf_counter() - start
    return total, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="also the whole story at 1080p60 with --jobs 2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print(f"scene: {SCENE} (article example)")
        for quality in ("low", "high"):
            seconds = cli("render", SCENE, "--quality", quality, "--out", str(out / quality), "--force", "--jobs", "1")
            m = manifest(out / quality, SCENE)
            print(f"  {quality:5s} {m['width']}x{m['height']}@{m['fps']:.0f}: {m['duration']:.1f} s of video in "
                  f"{seconds:.1f} s → real-time factor {seconds / m['duration']:.2f}")
        floor, frames = encode_floor(out / "high" / f"{SCENE}.mp4")
        render_seconds = manifest(out / "high", SCENE)["render_seconds"]
        print(f"  encode floor (PyAV, {frames} frames at 1080p): {floor:.1f} s; our render / floor = "
              f"{render_seconds / floor:.2f}")

        timings = {}
        for jobs in ("1", "2"):
            timings[jobs] = cli("render", "all", "--quality", "low", "--jobs", jobs, "--force",
                                "--out", str(out / f"jobs{jobs}"))
        print(f"all scenes at low quality: --jobs 1 {timings['1']:.1f} s, --jobs 2 {timings['2']:.1f} s "
              f"→ speed-up {timings['1'] / timings['2']:.2f}×")
        hit = cli("render", "all", "--quality", "low", "--jobs", "2", "--out", str(out / "jobs2"))
        print(f"cache hit (all scenes unchanged): {hit:.2f} s")

        from model.corpus import sentence_of_length

        sentence = sentence_of_length(6, seed=int(time.time()))
        env = {**os.environ, "ATTENTION_TRACE_CACHE": str(out / "fresh-trace-cache")}
        preview = cli("render", SCENE, "--quality", "low", "--sentence", sentence, "--out", str(out / "preview"), env=env)
        print(f"preview loop (new sentence '{sentence}', trace not cached, {SCENE} at 480p15): {preview:.1f} s")

        if args.full:
            seconds = cli("render", "all", "--quality", "high", "--jobs", "2", "--force", "--out", str(out / "full"))
            video = sum(manifest(out / "full", p.stem)["duration"] for p in (out / "full").glob("*.mp4"))
            print(f"whole story at 1080p60, --jobs 2: {video:.0f} s of video in {seconds:.0f} s "
                  f"→ real-time factor {seconds / video:.2f}")


if __name__ == "__main__":
    main()
