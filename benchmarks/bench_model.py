"""Model benchmarks: one trace after the model is loaded (target ≤ 20 ms), a cached trace, and,
with --train, training all three variants from scratch (target ≤ 5 minutes on 2 cores).

    .venv/bin/python benchmarks/bench_model.py [--train]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.corpus import sentence_of_length  # noqa: E402
from model.trace import load_model, trace  # noqa: E402


def time_calls(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", action="store_true", help="also time `python -m model.train` (about 4 minutes)")
    args = parser.parse_args()
    for name in ("plain", "lstm", "attention"):
        load_model(name)
    print("one trace, model loaded, no cache (median of 20):")
    for n in (4, 20, 40):
        sentence = sentence_of_length(n)
        for name in ("plain", "lstm", "attention"):
            t = statistics.median(time_calls(lambda s=sentence, m=name: trace(s, m, use_cache=False), 20))
            print(f"  {name:9s} {n:2d} words: {t * 1000:6.1f} ms")
    with tempfile.TemporaryDirectory() as cache:
        import os
        os.environ["ATTENTION_TRACE_CACHE"] = cache
        trace("the european economic area", "attention")
        t = statistics.median(time_calls(lambda: trace("the european economic area", "attention"), 20))
        print(f"cached trace: {t * 1000:.1f} ms")
    if args.train:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "model.train", "--out", out], cwd=ROOT, check=True)
            print(f"training all three from scratch: {time.perf_counter() - start:.0f} s wall clock")


if __name__ == "__main__":
    main()
