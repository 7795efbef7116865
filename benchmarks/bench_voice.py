"""Voice benchmark: every beat of every scene spoken, measured; and what a voice adds to a render.

    .venv/bin/python benchmarks/bench_voice.py [--voice neural|synth] [--scene KEY] [--no-render] [--narrations F]

1. Per beat (the narration of every scene for the default example, collected by tests/scene_text.py):
   the speech form (output.speech) synthesised from scratch (no cache), then cleaned as a render
   cleans it (trimmed, -16 LUFS, limited). Printed per beat: seconds of speech, words per minute
   (words of the speech form over the trimmed speech; target 130-190), samples the voice itself
   clipped (|x| >= 1 before cleaning) and samples at full scale after, the loudness after cleaning
   (target -16 ± 1 LUFS), and the synthesis's real-time factor (seconds spent per second of speech).
2. Unless --no-render: one scene (default attention-weights) rendered at low quality silent and with
   the voice, one after the other in the same run (--force), wall and CPU seconds of each and the
   clips' lengths: the voice's cost on that scene (a dry run of the scene to read its beats, the
   speech, and the longer clip's frames: the picture waits for the speech).
The load average is printed first and last: the machine is shared.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import timed  # noqa: E402
from output import speech, voice  # noqa: E402


def narrations() -> dict[str, list[str]]:
    run = subprocess.run([sys.executable, "tests/scene_text.py"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    return {key: found["beats"] for key, found in json.loads(run.stdout).items()}


def per_beat(which: str, scenes: dict[str, list[str]]) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-voice-") as cache:
        voice.SYNTH_CACHE = Path(cache)  # synthesise every beat afresh
        if which == voice.NEURAL:
            voice.neural_model()  # loaded once, as a render does; its load time is not a beat's
        for key, beats in scenes.items():
            for i, text in enumerate(beats):
                said = speech.spoken(text)
                started = time.perf_counter()
                raw = voice.decode(voice.synthesise(text, which))
                spent = time.perf_counter() - started
                clipped_raw = int(np.sum(np.abs(raw) >= 0.999))
                cleaned = voice.clean(raw)
                seconds = len(cleaned) / voice.RATE
                words = speech.word_count(said)
                rows.append({"scene": key, "beat": i, "seconds": round(seconds, 2), "words": words,
                             "wpm": round(words / seconds * 60), "clipped_raw": clipped_raw,
                             "clipped": int(np.sum(np.abs(cleaned) >= 0.999)),
                             "lufs": round(voice.loudness(cleaned), 2), "rtf": round(spent / seconds, 3)})
    return rows


def cost_on_scene(which: str, scene: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-voice-render-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        base = [sys.executable, "render.py", "render", scene, "--quality", "low", "--force", "--jobs", "1"]
        silent = timed([*base, "--out", f"{tmp}/silent"], env)
        voiced = timed([*base, "--out", f"{tmp}/voiced", "--voice", which], env)
        manifests = [json.loads((Path(tmp) / d / f"{scene}.json").read_text()) for d in ("silent", "voiced")]
    lengths = [m["duration"] for m in manifests]
    beats = len(manifests[1]["beats"])
    print(f"\n{scene} at low quality, {beats} beats: silent {silent[0]:.1f} s wall / {silent[1]:.1f} s CPU "
          f"({lengths[0]:.1f} s of video); --voice {which} {voiced[0]:.1f} s wall / {voiced[1]:.1f} s CPU "
          f"({lengths[1]:.1f} s of video)")
    print(f"the voice adds {voiced[0] - silent[0]:+.1f} s wall, {voiced[1] - silent[1]:+.1f} s CPU "
          f"({(voiced[1] - silent[1]) / beats:+.2f} s CPU per beat); the clip is "
          f"{lengths[1] / lengths[0]:.2f}x as long")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default=voice.NEURAL, choices=voice.VOICES)
    parser.add_argument("--scene", default="attention-weights")
    parser.add_argument("--no-render", action="store_true")
    parser.add_argument("--narrations", type=Path, help="tests/scene_text.py's JSON, if already written")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} cores")
    voice.check(args.voice)
    print(voice.describe(args.voice))
    started = time.perf_counter()
    if args.voice == voice.NEURAL:
        voice.neural_model()
        print(f"model loaded in {time.perf_counter() - started:.2f} s")
    scenes = ({k: v["beats"] for k, v in json.loads(args.narrations.read_text()).items()} if args.narrations
              else narrations())
    rows = per_beat(args.voice, scenes)
    print(f"\n{'scene':24} beat  sec  words  wpm  clipped(raw/after)  LUFS    RTF")
    for r in rows:
        print(f"{r['scene']:24} {r['beat']:4} {r['seconds']:5.1f} {r['words']:5} {r['wpm']:4} "
              f"{r['clipped_raw']:8}/{r['clipped']:<9} {r['lufs']:6.2f} {r['rtf']:6.3f}")
    wpm = [r["wpm"] for r in rows]
    lufs = [r["lufs"] for r in rows]
    speech_seconds = sum(r["seconds"] for r in rows)
    print(f"\n{len(rows)} beats, {speech_seconds:.0f} s of speech: words/min {min(wpm)}-{max(wpm)} "
          f"(median {int(np.median(wpm))}; {sum(130 <= w <= 190 for w in wpm)} of {len(wpm)} in 130-190); "
          f"clipped samples {sum(r['clipped_raw'] for r in rows)} raw, {sum(r['clipped'] for r in rows)} after; "
          f"loudness {min(lufs):.2f} to {max(lufs):.2f} LUFS; RTF {np.median([r['rtf'] for r in rows]):.3f} median")
    if not args.no_render:
        cost_on_scene(args.voice, args.scene)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
