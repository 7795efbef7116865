"""What helps an attention model that fails on long sentences of a small pair file: more epochs,
or more pairs of that length? Measured, for the advice `python -m model.train` prints.

A pair file shaped like a user's (many short pairs, few long ones: 2,600 / 2,600 / 900 / 300 pairs
of 1-10 / 11-20 / 21-30 / 31-40 words, drawn from the built-in grammar and written as a TSV) is
trained as `--pairs` trains it (10 % test split per bucket, the rest training), with the attention
model alone: as is for 10 epochs (`base`); as is for 20 and 40 epochs (`epochs`, `epochs40`); with
1,500 more pairs of each of 21-30 and 31-40 words for 10 epochs (`pairs`) and for 20 (`both`).
Every run is scored on one fixed held-out set (250 sentences per bucket, in none of the files), so
all runs are compared on the same sentences. Figures: README, "Training advice".

    .venv/bin/python benchmarks/bench_training_advice.py [--runs base,epochs,pairs,epochs40,both] [--out DIR]

Takes about 6 CPU minutes (one core; measured 30-113 s per run).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

from model import corpus  # noqa: E402
from model.networks import Architecture, build  # noqa: E402
from model.train import RECIPE, evaluate, load_splits, train_one  # noqa: E402

SHAPE = {"1-10": 2600, "11-20": 2600, "21-30": 900, "31-40": 300}
EXTRA_LONG = {"21-30": 1500, "31-40": 1500}
HELD_OUT = 250


def pools(seed: int) -> dict[str, list[corpus.Pair]]:
    """Distinct grammar pairs by length bucket, in generation order (deterministic)."""
    by_bucket: dict[str, list[corpus.Pair]] = {b: [] for b in SHAPE}
    for p in corpus.generate_pairs(seed, 26000):
        by_bucket[corpus.bucket_of(len(p.source))].append(p)
    return by_bucket


def write_tsv(pairs: list[corpus.Pair], path: Path) -> None:
    path.write_text("".join(f"{' '.join(p.source)}\t{corpus.FRENCH.text(p.target)}\n" for p in pairs),
                    encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", default="base,epochs,pairs,epochs40,both")
    parser.add_argument("--out", default="/tmp/training-advice")
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    by_bucket = pools(11)
    held_out = [p for b in SHAPE for p in by_bucket[b][:HELD_OUT]]
    small = [p for b, n in SHAPE.items() for p in by_bucket[b][HELD_OUT:HELD_OUT + n]]
    extra = [p for b, n in EXTRA_LONG.items()
             for p in by_bucket[b][HELD_OUT + SHAPE[b]:HELD_OUT + SHAPE[b] + n]]
    assert all(len(by_bucket[b]) >= HELD_OUT + SHAPE[b] + EXTRA_LONG.get(b, 0) for b in SHAPE), "pool too small"
    runs = {"base": (small, 10), "epochs": (small, 20), "pairs": (small + extra, 10),
            "epochs40": (small, 40), "both": (small + extra, 20)}
    saved = out / "results.json"
    results = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
    for name in args.runs.split(","):
        pairs, epochs = runs[name]
        tsv = out / f"{name}.tsv"
        write_tsv(pairs, tsv)
        splits, info = load_splits(str(tsv), 0, ["English", "French"])
        cpu = time.process_time()
        card = train_one("attention", splits, 0, out / name, info, dataclasses.replace(RECIPE, epochs=epochs))
        cpu = time.process_time() - cpu
        net = build(Architecture(**card["architecture"]))
        net.load_state_dict(load_file(str(out / name / "attention.safetensors")))
        fixed = evaluate(net, held_out, card["vocab"]["source"], card["vocab"]["target"])
        results[name] = {"epochs": epochs, "train_pairs": len(splits.train), "cpu_seconds": round(cpu, 1),
                         "steps": card["training"]["steps"],
                         "own_test_split": {b: v["exact_match"] for b, v in card["evaluation"].items()},
                         "held_out": {b: v["exact_match"] for b, v in fixed.items()}}
        print(name, json.dumps(results[name]), flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"{'run':8s} {'epochs':>6s} {'pairs':>6s} {'cpu s':>6s}  " + "  ".join(f"{b:>6s}" for b in SHAPE))
    for name, r in results.items():
        print(f"{name:8s} {r['epochs']:6d} {r['train_pairs']:6d} {r['cpu_seconds']:6.0f}  "
              + "  ".join(f"{r['held_out'][b]:6.1%}" for b in SHAPE))


if __name__ == "__main__":
    main()
