"""Train the three variants deterministically and write `assets/models/<name>.{safetensors,json}`.

    python -m model.train [--model plain|attention|lstm|all] [--pairs FILE.tsv] [--seed N]

The JSON beside the weights holds everything needed to use them without this script: the
architecture, both vocabularies, the seed and recipe, the training time, the weights' sha256,
and the evaluation by source length (the shape of Bahdanau et al. 2014, Figure 2).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from model import corpus
from model.corpus import LENGTH_BUCKETS, MAX_SOURCE_LEN, Pair, Splits
from model.files import atomic_path, atomic_write_text
from model.names import DIFFERS_FROM_PLAIN, EOS, MODEL_NAMES, PAD, SOS, SPECIALS
from model.networks import Architecture, Seq2Seq, build

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "models"


@dataclass(frozen=True)
class Recipe:
    """How every variant is trained: one recipe for all three, so the experiment compares the
    architectures alone (same sizes, optimiser, schedule, batches, epochs and seed)."""
    embed: int = 32
    hidden: int = 64
    attn: int = 32
    epochs: int = 10
    batch_size: int = 64
    max_lr: float = 3e-3
    clip: float = 0.5
    encoder: str = "unidirectional"
    optimizer: str = "adam"
    schedule: str = "one-cycle"
    checkpoints: int = 9   # weights kept along training (attention only), step 0 and the end included


RECIPE = Recipe()
CHECKPOINTED = ("attention",)  # the variant whose learning the film shows


def checkpoint_steps(total: int, count: int) -> list[int]:
    """`count` optimiser steps from 0 (the untrained initialisation) to `total`, log-spaced in
    between, so the early steps where the alignment forms are sampled densely."""
    if count < 2 or total < 1:
        return [total]
    inner = np.geomspace(max(1, total / 30), total, count - 1)
    steps = [0] + [int(round(s)) for s in inner]
    return sorted(set(steps))


def build_vocab(pairs: list[Pair]) -> tuple[list[str], list[str]]:
    src = sorted({t for p in pairs for t in p.source})
    tgt = sorted({t for p in pairs for t in p.target})
    return list(SPECIALS) + src, list(SPECIALS) + tgt


def encode_batch(pairs: list[Pair], src_index: dict, tgt_index: dict):
    """Pad a batch: source ids, lengths, decoder inputs (SOS + target) and outputs (target + EOS)."""
    unk = src_index["<unk>"]
    width = max(len(p.source) for p in pairs)
    twidth = max(len(p.target) for p in pairs) + 1
    src = torch.full((len(pairs), width), PAD, dtype=torch.long)
    tgt_in = torch.full((len(pairs), twidth), PAD, dtype=torch.long)
    tgt_out = torch.full((len(pairs), twidth), PAD, dtype=torch.long)
    for i, p in enumerate(pairs):
        src[i, :len(p.source)] = torch.tensor([src_index.get(t, unk) for t in p.source])
        ids = [tgt_index.get(t, unk) for t in p.target]
        tgt_in[i, :len(ids) + 1] = torch.tensor([SOS] + ids)
        tgt_out[i, :len(ids) + 1] = torch.tensor(ids + [EOS])
    return src, torch.tensor([len(p.source) for p in pairs]), tgt_in, tgt_out


def prepare_batches(pairs: list[Pair], size: int, src_index: dict, tgt_index: dict, rng: random.Random) -> list:
    """Tensorise the training set once: batches of similar source length (little padding)."""
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i].source), rng.random()))
    return [encode_batch([pairs[i] for i in order[k:k + size]], src_index, tgt_index)
            for k in range(0, len(order), size)]


def decode_ids(ids: list[int], vocab: list[str]) -> list[str]:
    words = []
    for i in ids:
        if i == EOS or i == PAD:
            break
        words.append(vocab[i])
    return words


def evaluate(model: Seq2Seq, pairs: list[Pair], src_vocab: list[str], tgt_vocab: list[str]) -> dict:
    """Exact match and token accuracy per source-length bucket.

    Token accuracy: the share of reference positions (the final end-of-sentence included) where
    the output has the same token; a missing or extra word shifts and so costs what follows.
    """
    src_index = {t: i for i, t in enumerate(src_vocab)}
    tgt_index = {t: i for i, t in enumerate(tgt_vocab)}
    model.eval()
    stats = {f"{lo}-{hi}": [0, 0, 0, 0] for lo, hi in LENGTH_BUCKETS}  # n, exact, correct, total
    for k in range(0, len(pairs), 256):
        chunk = pairs[k:k + 256]
        src, src_len, _, _ = encode_batch(chunk, src_index, tgt_index)
        out = model.greedy(src, src_len, max_len=max(len(p.target) for p in chunk) + 10)
        for p, row in zip(chunk, out.tolist()):
            hyp = decode_ids(row, tgt_vocab) + ["<eos>"]
            ref = list(p.target) + ["<eos>"]
            s = stats[corpus.bucket_of(len(p.source))]
            s[0] += 1
            s[1] += hyp == ref
            s[2] += sum(h == r for h, r in zip(hyp, ref))
            s[3] += len(ref)
    return {b: {"exact_match": round(e / n, 4) if n else None, "token_accuracy": round(c / t, 4) if t else None, "n": n}
            for b, (n, e, c, t) in stats.items()}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _save_weights(model: Seq2Seq, path: Path) -> str:
    with atomic_path(path) as tmp:
        save_file({k: v.contiguous() for k, v in sorted(model.state_dict().items())}, str(tmp))
    return sha256_of(path)


def train_one(name: str, splits: Splits, seed: int, out_dir: Path, corpus_info: dict,
              recipe: Recipe = RECIPE, on_batch=None) -> dict:
    """Train one variant from scratch; write weights (+ checkpoints) and the JSON card; return the card."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(seed)
    src_vocab, tgt_vocab = build_vocab(splits.train)
    src_index = {t: i for i, t in enumerate(src_vocab)}
    tgt_index = {t: i for i, t in enumerate(tgt_vocab)}
    arch = Architecture(name=name, src_vocab=len(src_vocab), tgt_vocab=len(tgt_vocab),
                        embed=recipe.embed, hidden=recipe.hidden, attn=recipe.attn)
    model = build(arch)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.max_lr)
    n_batches = -(-len(splits.train) // recipe.batch_size)
    total_steps = recipe.epochs * n_batches
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=recipe.max_lr, epochs=recipe.epochs,
                                                steps_per_epoch=n_batches)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    out_dir.mkdir(parents=True, exist_ok=True)
    keep = checkpoint_steps(total_steps, recipe.checkpoints) if name in CHECKPOINTED else []
    for stale in out_dir.glob(f"{name}.step-*.safetensors"):  # from an earlier run with other steps
        stale.unlink()
    checkpoints: list[dict] = []

    def checkpoint(step: int) -> None:
        """Keep the weights at this step (the last one is the final model) and their evaluation."""
        final = step == total_steps
        path = out_dir / (f"{name}.safetensors" if final else f"{name}.step-{step}.safetensors")
        sha = _save_weights(model, path)
        evaluation = evaluate(model, splits.test, src_vocab, tgt_vocab)
        model.train()
        checkpoints.append({"step": step, "epoch": round(step / n_batches, 3), "file": path.name,
                            "sha256": sha, "evaluation": evaluation})

    start, cpu_start = time.perf_counter(), time.process_time()
    batches = prepare_batches(splits.train, recipe.batch_size, src_index, tgt_index, rng)
    history, step = [], 0
    eval_seconds = 0.0
    if 0 in keep:
        t0 = time.perf_counter()
        checkpoint(0)
        eval_seconds += time.perf_counter() - t0
    for epoch in range(recipe.epochs):
        model.train()
        total = 0.0
        rng.shuffle(batches)
        for src, src_len, tgt_in, tgt_out in batches:
            logits = model(src, src_len, tgt_in)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), recipe.clip)
            opt.step()
            sched.step()
            step += 1
            total += loss.item()
            if on_batch:
                on_batch(name, loss.item())
            if step in keep and step != total_steps:
                t0 = time.perf_counter()
                checkpoint(step)
                eval_seconds += time.perf_counter() - t0
        history.append(round(total / n_batches, 4))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start

    weights = out_dir / f"{name}.safetensors"
    if keep:
        checkpoint(total_steps)
        sha, evaluation = checkpoints[-1]["sha256"], checkpoints[-1]["evaluation"]
    else:
        sha = _save_weights(model, weights)
        evaluation = evaluate(model, splits.test, src_vocab, tgt_vocab)
    languages = corpus_info.get("languages", ["source", "target"])
    info = {
        "name": name,
        "architecture": arch.to_dict(),
        "vocab": {"source": src_vocab, "target": tgt_vocab},
        "max_source_len": MAX_SOURCE_LEN,
        "max_target_len": max(len(p.target) for p in splits.train) + 10,
        "seed": seed,
        "corpus": corpus_info,
        "languages": {"source": languages[0], "target": languages[1]},
        "recipe": asdict(recipe),
        "experiment": {"baseline": "plain", "differs_by": DIFFERS_FROM_PLAIN.get(name)},
        # cpu_seconds is what one idle core takes (one torch thread); seconds is the wall time of this
        # run, longer when other work shared the machine
        "training": {"seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
                     "checkpoint_eval_seconds": round(eval_seconds, 1),
                     "steps": total_steps, "epoch_loss": history, "torch": torch.__version__,
                     "threads": torch.get_num_threads(), "machine": platform.machine(),
                     "train_pairs": len(splits.train), "test_pairs": len(splits.test)},
        "sha256": sha,
        "evaluation": evaluation,
        "checkpoints": checkpoints,
    }
    atomic_write_text(out_dir / f"{name}.json", json.dumps(info, indent=1, ensure_ascii=False) + "\n")
    return info


def load_splits(pairs_file: str | None, seed: int) -> tuple[Splits, dict]:
    if pairs_file:
        path = Path(pairs_file)
        return corpus.tsv_splits(path, seed), {"kind": "tsv", "file": path.name, "sha256": sha256_of(path)}
    return corpus.grammar_splits(seed), {"kind": "grammar", "seed": seed, "languages": ["English", "French"]}


def _train_in_worker(name, splits, seed, out_dir, corpus_info, threads, recipe, queue) -> dict:
    torch.set_num_threads(threads)
    return train_one(name, splits, seed, out_dir, corpus_info, recipe,
                     on_batch=lambda n, loss: queue.put((n, loss)))


def train_models(names, splits, seed, out_dir, corpus_info, jobs, threads, console, recipe=RECIPE) -> list[dict]:
    """Train `names` in `jobs` processes (longest first), with one progress bar per model."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, wait, FIRST_COMPLETED
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description:9s}"), BarColumn(), TextColumn("loss {task.fields[loss]:.3f}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    order = sorted(names, key=lambda n: n != "attention")  # the slowest (a Python loop per step) first
    results = []
    ctx = mp.get_context("spawn")
    with Progress(*columns, console=console) as progress, ctx.Manager() as manager, \
            ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        queue = manager.Queue()
        steps = recipe.epochs * -(-len(splits.train) // recipe.batch_size)
        tasks = {n: progress.add_task(n, total=steps, loss=float("nan")) for n in order}
        pending = {pool.submit(_train_in_worker, n, splits, seed, out_dir, corpus_info, threads, recipe, queue)
                   for n in order}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            while not queue.empty():
                n, loss = queue.get()
                progress.update(tasks[n], advance=1, loss=loss)
            for future in done:
                info = future.result()
                results.append(info)
                ev = " ".join(f"{b}: {v['exact_match']:.1%}" for b, v in info["evaluation"].items())
                progress.console.print(f"{info['name']}: trained in {info['training']['seconds']:.0f} s; "
                                       f"exact match by source length {ev}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="all", choices=(*MODEL_NAMES, "all"))
    parser.add_argument("--pairs", help="your own source<TAB>target phrase pairs (default: the built-in grammar)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--languages", nargs=2, metavar=("SOURCE", "TARGET"),
                        help="names shown on screen for your pairs' languages, e.g. --languages English German")
    parser.add_argument("--epochs", type=int, default=RECIPE.epochs,
                        help=f"passes over the training pairs, the same for every model (default {RECIPE.epochs})")
    parser.add_argument("--out", default=str(ASSETS), help="output folder (default: assets/models)")
    parser.add_argument("--jobs", type=int, default=2, help="models trained in parallel processes (default 2)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads per process (default 1: fastest for these tiny models, and reproducible)")
    args = parser.parse_args(argv)
    from rich.console import Console

    console = Console(stderr=True)
    try:
        splits, corpus_info = load_splits(args.pairs, args.seed)
        if args.languages:
            corpus_info["languages"] = list(args.languages)
    except (OSError, corpus.PairsFileError) as err:
        console.print(f"[red]error:[/red] {err}")
        return 2
    console.print(f"corpus: {len(splits.train)} train / {len(splits.valid)} valid / {len(splits.test)} test pairs")
    names = MODEL_NAMES if args.model == "all" else (args.model,)
    start = time.perf_counter()
    if args.epochs < 1:
        console.print("[red]error:[/red] --epochs must be at least 1")
        return 2
    recipe = dataclasses.replace(RECIPE, epochs=args.epochs)
    train_models(names, splits, args.seed, Path(args.out), corpus_info, max(1, args.jobs), args.threads, console,
                 recipe)
    console.print(f"done in {time.perf_counter() - start:.0f} s; weights and metrics in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
