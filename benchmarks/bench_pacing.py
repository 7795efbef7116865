"""Pacing you can measure: how much of a video is a still picture.

Renders the film (or the scenes named) at low quality through the ordinary CLI, decodes the
videos with PyAV and reports, per scene and overall, the share of one-second windows in which
nothing visibly changes, and the longest still. Targets (issue 11): ≤ 35 % still windows, no
still longer than 6 s.

    python benchmarks/bench_pacing.py                       # the whole film
    python benchmarks/bench_pacing.py lstm-cell-state timeline --theme light
    python benchmarks/bench_pacing.py --videos media/*.mp4  # measure videos already rendered

"Visible change": a frame counts as changed when more than CHANGED_PIXELS pixels (at half
resolution, grey) differ by more than LEVELS from the last frame that counted as changed, so a
slow fade that moves one level per frame is still seen once it adds up.
"""
from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEVELS = 12           # grey levels (of 255) a pixel must move to count
CHANGED_PIXELS = 40   # pixels (at half resolution) that must move for a frame to count as changed
TARGET_STILL_SHARE = 0.35
TARGET_LONGEST = 6.0


@dataclass
class Pacing:
    name: str
    seconds: float
    windows: int
    still_windows: int
    longest_still: float
    longest_at: float

    @property
    def still_share(self) -> float:
        return self.still_windows / max(self.windows, 1)


def grey_frames(video: Path):
    """(fps, iterator of half-resolution grey frames as int16 arrays)."""
    import av

    container = av.open(str(video))
    stream = container.streams.video[0]
    fps = float(stream.average_rate)

    def frames():
        with container:
            for frame in container.decode(stream):
                yield frame.to_ndarray(format="gray")[::2, ::2].astype(np.int16)
    return fps, frames()


def change_times(video: Path) -> tuple[list[int], int, float]:
    """Indices of frames that visibly differ from the last changed frame; frame count; fps."""
    fps, frames = grey_frames(video)
    changes, reference, count = [], None, 0
    for i, frame in enumerate(frames):
        count += 1
        if reference is None:
            reference = frame
            changes.append(i)
            continue
        if int((np.abs(frame - reference) > LEVELS).sum()) > CHANGED_PIXELS:
            changes.append(i)
            reference = frame
    return changes, count, fps


def measure(name: str, changes: list[int], start: int, end: int, fps: float) -> Pacing:
    """Pacing of frames [start, end) given the change indices of the whole video."""
    inside = [c for c in changes if start < c < end]  # the first frame of a clip is not a change
    per_window = round(fps)
    windows = max(1, -(-(end - start) // per_window))
    moving = {(c - start) // per_window for c in inside}
    edges = [start, *inside, end]
    gaps = [(b - a, a) for a, b in itertools.pairwise(edges)]
    longest, at = max(gaps)
    return Pacing(name, (end - start) / fps, windows, windows - len(moving), longest / fps, (at - start) / fps)


def measure_video(video: Path, name: str | None = None) -> Pacing:
    changes, count, fps = change_times(video)
    return measure(name or video.stem, changes, 0, count, fps)


def measure_film(video: Path) -> list[Pacing]:
    """One Pacing per chapter of a stitched film (chapters from scenes/film.py)."""
    from output.film import read_chapters

    changes, count, fps = change_times(video)
    return [measure(c["title"], changes, round(c["start"] * fps), min(count, round(c["end"] * fps)), fps)
            for c in read_chapters(video)]


def overall(results: list[Pacing]) -> Pacing:
    windows = sum(r.windows for r in results)
    still = sum(r.still_windows for r in results)
    worst = max(results, key=lambda r: r.longest_still)
    return Pacing("overall", sum(r.seconds for r in results), windows, still, worst.longest_still, worst.longest_at)


def report(results: list[Pacing]) -> str:
    lines = [f"{'scene':34} {'length':>7} {'still windows':>14} {'longest still':>14}"]
    for r in [*results, overall(results)]:
        where = f" (at {r.longest_at:.0f} s)" if r.name != "overall" else f" ({max(results, key=lambda x: x.longest_still).name})"
        lines.append(f"{r.name:34} {r.seconds:6.1f}s {r.still_share:13.0%} {r.longest_still:13.1f}s{where}")
    total = overall(results)
    ok = total.still_share <= TARGET_STILL_SHARE and total.longest_still <= TARGET_LONGEST
    lines.append(f"targets: ≤ {TARGET_STILL_SHARE:.0%} still windows, no still > {TARGET_LONGEST:.0f} s: "
                 + ("met" if ok else "missed"))
    return "\n".join(lines)


def render(scenes: list[str], out: Path, theme: str) -> list[Path]:
    """Render through the CLI at low quality; returns the videos (film.mp4 when no scene is named)."""
    command = "render" if scenes else "film"
    args = [sys.executable, str(ROOT / "render.py"), command, *scenes, "--quality", "low", "--theme", theme,
            "--out", str(out)]
    subprocess.run(args, cwd=ROOT, check=True)
    if not scenes:
        return [out / ("film--light.mp4" if theme == "light" else "film.mp4")]
    suffix = "--light" if theme == "light" else ""
    return [out / f"{key}{suffix}.mp4" for key in scenes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenes", nargs="*", help="scene keys (default: the whole film)")
    parser.add_argument("--theme", default="dark", choices=["dark", "light"])
    parser.add_argument("--out", type=Path, help="render folder (default: a temporary one)")
    parser.add_argument("--videos", type=Path, nargs="+", help="measure these videos instead of rendering")
    args = parser.parse_args(argv)
    if args.videos:
        videos = args.videos
    else:
        out = args.out or Path(tempfile.mkdtemp(prefix="bench-pacing-"))
        videos = render(args.scenes, out, args.theme)
    results: list[Pacing] = []
    for video in videos:
        if not video.exists():
            matches = sorted(video.parent.glob(video.stem.split("--")[0] + "*.mp4"))
            if not matches:
                print(f"error: no video {video}", file=sys.stderr)
                return 1
            video = matches[0]
        film = video.stem.startswith("film")
        results.extend(measure_film(video) if film else [measure_video(video, video.stem)])
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
