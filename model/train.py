"""Train the four variants deterministically and write `assets/models/<name>.{safetensors,json}`.

    python -m model.train [--model plain|attention|lstm|transformer|all] [--pairs FILE.tsv] [--seed N] [--epochs N]
                          [--out FOLDER | --force]

The JSON beside the weights holds everything needed to use them without this script: the
architecture, both vocabularies, how text becomes tokens, the seed and recipe, the training time,
the weights' sha256, the evaluation by source length (the shape of Bahdanau et al. 2014, Figure 2)
and the default example. Trained on a pair file, `references.tsv` beside them keeps the file's own
translations, the reference of every sentence in it.
"""
from __future__ import annotations

import argparse
import ctypes
import dataclasses
import glob
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import stat
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from model import corpus
from model.corpus import LENGTH_BUCKETS, MAX_SOURCE_LEN, Pair, Splits, Tokeniser
from model.files import alive, atomic_path, atomic_write_text
from model.names import CELLS, DEFAULT_MODEL, DIFFERS_FROM_PLAIN, EOS, MODEL_NAMES, PAD, SOS, SPECIALS
from model.networks import Seq2Seq, architecture, build

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
CHECKPOINTED = tuple(c.name for c in CELLS.values() if c.checkpointed)  # the variants whose learning the film shows
# measured CPU time per training, longest first (two processes finish together when the longest starts first)
SLOWEST_FIRST = tuple(sorted(CELLS, key=lambda n: -CELLS[n].training_cpu_seconds))
REFERENCES_FILE = "references.tsv"
DEFAULT_EXAMPLE_WORDS = 5      # the default example is a test sentence of about this many words…
DEFAULT_EXAMPLE_MAX_WORDS = 10  # …and never longer (the film's scenes all take 10 words)


def checkpoint_steps(total: int, count: int) -> list[int]:
    """`count` optimiser steps from 0 (the untrained initialisation) to `total`, log-spaced in
    between, so the early steps where the alignment forms are sampled densely."""
    if count < 2 or total < 1:
        return [total]
    inner = np.geomspace(max(1, total / 30), total, count - 1)
    steps = [0] + [round(s) for s in inner]
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
        tgt_in[i, :len(ids) + 1] = torch.tensor([SOS, *ids])
        tgt_out[i, :len(ids) + 1] = torch.tensor([*ids, EOS])
    return src, torch.tensor([len(p.source) for p in pairs]), tgt_in, tgt_out


def prepare_batches(pairs: list[Pair], size: int, src_index: dict, tgt_index: dict, rng: random.Random) -> list:
    """Tensorise the training set once: batches of similar source length (little padding)."""
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i].source), rng.random()))
    return [encode_batch([pairs[i] for i in order[k:k + size]], src_index, tgt_index)
            for k in range(0, len(order), size)]


def decode_ids(ids: list[int], vocab: list[str]) -> list[str]:
    words = []
    for i in ids:
        if i in (EOS, PAD):
            break
        words.append(vocab[i])
    return words


def same_words(a, b, ignore_case: bool = False) -> bool:
    """Whether two token sequences match: as written, or ignoring case when the card asks for it."""
    if ignore_case:
        return [t.casefold() for t in a] == [t.casefold() for t in b]
    return list(a) == list(b)


def bleu_metric(ignore_case: bool = False):
    """sacreBLEU's corpus BLEU over the models' own tokens (tokenize='none': the pairs are tokenised
    already, so l' and arbre count as two words for every model alike), ignoring case when trained so."""
    from sacrebleu.metrics import BLEU

    return BLEU(tokenize="none", lowercase=ignore_case)


def bleu_signature(ignore_case: bool = False) -> str:
    """sacreBLEU's signature of the BLEU in the cards (its version and settings), for the card."""
    metric = bleu_metric(ignore_case)
    metric.corpus_score(["a"], [["a"]])  # sacreBLEU names the number of references once it has scored
    return str(metric.get_signature())


def evaluate(model: Seq2Seq, pairs: list[Pair], src_vocab: list[str], tgt_vocab: list[str],
             ignore_case: bool = False) -> dict:
    """Exact match, token accuracy and BLEU per source-length bucket, comparing words as written
    (`ignore_case`: regardless of case, when training was asked to fold it).

    Token accuracy: the share of reference positions (the final end-of-sentence included) where
    the output has the same token; a missing or extra word shifts and so costs what follows.
    BLEU: sacreBLEU's corpus BLEU of the bucket's outputs against their references (`bleu_metric`).
    """
    src_index = {t: i for i, t in enumerate(src_vocab)}
    tgt_index = {t: i for i, t in enumerate(tgt_vocab)}
    model.eval()
    stats = {f"{lo}-{hi}": [0, 0, 0, 0] for lo, hi in LENGTH_BUCKETS}  # n, exact, correct, total
    texts: dict[str, tuple[list[str], list[str]]] = {b: ([], []) for b in stats}  # hypotheses, references
    for k in range(0, len(pairs), 256):
        chunk = pairs[k:k + 256]
        src, src_len, _, _ = encode_batch(chunk, src_index, tgt_index)
        out = model.greedy(src, src_len, max_len=max(len(p.target) for p in chunk) + 10)
        for p, row in zip(chunk, out.tolist()):
            hyp = [*decode_ids(row, tgt_vocab), "<eos>"]
            ref = [*list(p.target), "<eos>"]
            bucket = corpus.bucket_of(len(p.source))
            s = stats[bucket]
            s[0] += 1
            s[1] += same_words(hyp, ref, ignore_case)
            s[2] += sum(h.casefold() == r.casefold() if ignore_case else h == r for h, r in zip(hyp, ref))
            s[3] += len(ref)
            texts[bucket][0].append(" ".join(hyp[:-1]))
            texts[bucket][1].append(" ".join(ref[:-1]))
    metric = bleu_metric(ignore_case)

    def bleu(bucket: str) -> float | None:
        hyps, refs = texts[bucket]
        return round(metric.corpus_score(hyps, [refs]).score, 2) if hyps else None

    return {b: {"exact_match": round(e / n, 4) if n else None, "token_accuracy": round(c / t, 4) if t else None,
                "bleu": bleu(b), "n": n}
            for b, (n, e, c, t) in stats.items()}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _save_weights(model: Seq2Seq, path: Path) -> str:
    with atomic_path(path) as tmp:
        save_file({k: v.contiguous() for k, v in sorted(model.state_dict().items())}, str(tmp))
    return sha256_of(path)


def text_rules(corpus_info: dict) -> dict:
    """How text becomes tokens for these pairs, as recorded in the card: each side's tokeniser
    and whether exact match ignores case (the built-in grammar: lower-case English, French)."""
    if "tokens" in corpus_info:
        return corpus_info["tokens"]
    if corpus_info.get("kind") == "grammar":
        source, target = corpus.ENGLISH, corpus.FRENCH
    else:
        languages = corpus_info.get("languages") or [None, None]
        source, target = Tokeniser.for_language(languages[0]), Tokeniser.for_language(languages[1])
    return {"source": source.to_card(), "target": target.to_card(), "exact_ignores_case": False}


def write_references(splits: Splits, out_dir: Path) -> dict:
    """The pair file's own translations (every split), one `source tokens<TAB>target tokens` line per
    sentence, sorted: the reference a trace shows for a sentence of the file. Tokens never hold
    whitespace, so a space joins them. Returns the card's entry for it."""
    lines = sorted({" ".join(p.source): " ".join(p.target)
                    for p in splits.train + splits.valid + splits.test}.items())
    path = out_dir / REFERENCES_FILE
    atomic_write_text(path, "".join(f"{s}\t{t}\n" for s, t in lines))  # three trainings write the same bytes
    return {"kind": "file", "file": path.name, "sha256": sha256_of(path), "pairs": len(lines)}


def choose_default_example(model: Seq2Seq, splits: Splits, src_vocab: list[str], tgt_vocab: list[str],
                           max_target_len: int, rules: dict, grammar: bool) -> dict:
    """The example commands use when given no sentence: for the grammar the article's; otherwise a
    test sentence the model translates exactly, as close to DEFAULT_EXAMPLE_WORDS words as there is
    (ties: alphabetical), each candidate decoded alone as a trace decodes it. Falls back to a
    training sentence, then to the closest-length test sentence (`exact` false)."""
    src_index = {t: i for i, t in enumerate(src_vocab)}
    ignore_case = rules.get("exact_ignores_case", False)
    source_text = Tokeniser.from_card(rules["source"]).text
    model.eval()

    def exact(pair: Pair) -> bool:
        ids = torch.tensor([[src_index[t] for t in pair.source]])
        limit = min(max_target_len, 2 * len(pair.source) + 5)  # model.trace.decode_limit
        out = decode_ids(model.greedy(ids, torch.tensor([len(pair.source)]), limit)[0].tolist(), tgt_vocab)
        return same_words(out, pair.target, ignore_case)

    def candidates(pairs: list[Pair]) -> list[Pair]:
        known = [p for p in pairs if len(p.source) <= DEFAULT_EXAMPLE_MAX_WORDS and all(t in src_index for t in p.source)]
        return sorted(known, key=lambda p: (abs(len(p.source) - DEFAULT_EXAMPLE_WORDS), len(p.source), p.source))

    if grammar:
        pinned = Pair(tuple(corpus.ENGLISH.tokens(corpus.EXAMPLE_SOURCE)), tuple(corpus.FRENCH.tokens(corpus.EXAMPLE_TARGET)))
        return {"sentence": corpus.EXAMPLE_SOURCE, "split": "train", "exact": exact(pinned)}
    with torch.no_grad():
        for split, pairs in (("test", splits.test), ("train", splits.train)):
            for pair in candidates(pairs)[:500]:
                if exact(pair):
                    return {"sentence": source_text(pair.source), "split": split, "exact": True}
    fallback = (candidates(splits.test) or candidates(splits.train))[:1]
    if not fallback:
        return {}
    return {"sentence": source_text(fallback[0].source), "split": "test" if fallback[0] in splits.test else "train",
            "exact": False}


def train_one(name: str, splits: Splits, seed: int, out_dir: Path, corpus_info: dict,
              recipe: Recipe = RECIPE, on_batch=None) -> dict:
    """Train one variant from scratch; write weights (+ checkpoints) and the JSON card; return the card."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(seed)
    rules = text_rules(corpus_info)
    ignore_case = rules.get("exact_ignores_case", False)
    src_vocab, tgt_vocab = build_vocab(splits.train)
    src_index = {t: i for i, t in enumerate(src_vocab)}
    tgt_index = {t: i for i, t in enumerate(tgt_vocab)}
    arch = architecture(name, len(src_vocab), len(tgt_vocab), recipe.embed, recipe.hidden, recipe.attn)
    model = build(arch)
    # foreach: one kernel over all parameters (~1 ms a step less for the transformer's many small tensors);
    # the same weights bit for bit as the loop (checked on full retrainings of all four models)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.max_lr, foreach=True)
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
        evaluation = evaluate(model, splits.test, src_vocab, tgt_vocab, ignore_case)
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
    for _epoch in range(recipe.epochs):
        model.train()
        total = 0.0
        rng.shuffle(batches)
        for src, src_len, tgt_in, tgt_out in batches:
            logits = model(src, src_len, tgt_in)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), recipe.clip, foreach=True)
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
        evaluation = evaluate(model, splits.test, src_vocab, tgt_vocab, ignore_case)
    languages = corpus_info.get("languages", ["source", "target"])
    grammar = corpus_info.get("kind") == "grammar"
    max_target_len = max(len(p.target) for p in splits.train) + 10
    extra: dict = {"references": {"kind": "grammar"} if grammar else write_references(splits, out_dir)}
    if name == DEFAULT_MODEL:
        extra["default_example"] = choose_default_example(model, splits, src_vocab, tgt_vocab, max_target_len,
                                                          rules, grammar)
    info = {
        "name": name,
        "architecture": arch.to_dict(),
        "vocab": {"source": src_vocab, "target": tgt_vocab},
        "max_source_len": MAX_SOURCE_LEN,
        "max_target_len": max_target_len,
        "seed": seed,
        "corpus": {**corpus_info, "tokens": rules},
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
        "bleu_signature": bleu_signature(ignore_case),
        "checkpoints": checkpoints,
        **extra,
    }
    atomic_write_text(out_dir / f"{name}.json", json.dumps(info, indent=1, ensure_ascii=False) + "\n")
    return info


def load_splits(pairs_file: str | None, seed: int, languages: list[str] | None = None,
                lowercase_source: bool = False, fold_case: bool = False,
                notes: list[str] | None = None) -> tuple[Splits, dict]:
    """The splits and the corpus entry of the cards: the built-in grammar, or a pair file read as
    written, each side tokenised for its language (elisions split only where ELISIONS says so).
    Warnings about the file (sources with different targets) are added to `notes`."""
    if pairs_file:
        path = Path(pairs_file)
        corpus.check_pairs_file(path)  # before hashing it: a FIFO or /dev/zero would never end
        names = list(languages) if languages else ["source", "target"]
        source = Tokeniser.for_language(names[0], lowercase=lowercase_source)
        target = Tokeniser.for_language(names[1])
        info = {"kind": "tsv", "file": path.name, "sha256": sha256_of(path), "languages": names,
                "tokens": {"source": source.to_card(), "target": target.to_card(), "exact_ignores_case": fold_case}}
        return corpus.tsv_splits(path, seed, source, target, notes), info
    info = {"kind": "grammar", "seed": seed, "languages": list(corpus.GRAMMAR_LANGUAGES)}
    if languages:
        info["languages"] = list(languages)
    return corpus.grammar_splits(seed), info


# --- where a set is written: a folder beside the target, swapped in whole when complete -------------
class OutRefused(ValueError):
    """An --out that training must not write (the shipped set without --force, a folder that is not a set)."""


STAGING = ".{name}.training-{pid}-"  # beside the target; a dead run's is removed by the next run


def check_out(out: Path, force: bool) -> Path:
    """The folder a new set replaces (links followed), or OutRefused: the shipped set unless `force`,
    and an existing folder that holds anything but a model set's files."""
    target = Path(out).resolve()
    if target == ASSETS.resolve() and not force:
        raise OutRefused(f"{out} holds the shipped models, which this would replace: name a folder of your own "
                         f"(--out my_models), or add --force to retrain the shipped set (it comes back byte for "
                         f"byte with the same seed; `git checkout assets/models` restores it too)")
    if target.exists() and not target.is_dir():
        raise OutRefused(f"--out {out} is a file, not a folder")
    if target.is_dir():
        entries = list(target.iterdir())
        if any(p.is_dir() for p in entries) or (entries and not any(p.suffix == ".safetensors" for p in entries)):
            raise OutRefused(f"--out {out} holds other files than a model set; training replaces the whole folder, "
                             f"so name a new or empty folder, or an earlier set's")
    return target


def staging_folder(target: Path) -> Path:
    """A new private folder beside `target` holding a copy of the set there (training one model keeps
    the others); folders left by dead runs are removed first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob(STAGING.format(name=glob.escape(target.name), pid="*") + "*"):
        pid = old.name[len(f".{target.name}.training-"):].split("-")[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING.format(name=target.name, pid=os.getpid()), dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, stat.S_IMODE(target.stat().st_mode) if target.is_dir() else 0o777 & ~umask)  # not mkdtemp's 0700
    if target.is_dir():
        for path in target.iterdir():
            shutil.copy2(path, staging / path.name)
    return staging


def swap_in(staging: Path, target: Path) -> None:
    """Put the finished set at `target` in one step (the old set goes with its folder): Linux
    exchanges the two folders atomically (renameat2); elsewhere two renames, with Ctrl-C held off."""
    if not target.exists():
        os.rename(staging, target)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "renameat2") and libc.renameat2(-100, os.fsencode(staging), -100, os.fsencode(target), 2) == 0:
        shutil.rmtree(staging, ignore_errors=True)  # it holds the old set now
        return
    old = staging.with_name(staging.name + "-old")
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        os.rename(target, old)
        os.rename(staging, target)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    shutil.rmtree(old, ignore_errors=True)


def _ignore_interrupts() -> None:
    """Training workers leave Ctrl-C to the main process, which ends them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def font_warnings(splits: Splits) -> list[str]:
    """A line per script of the pairs' words that no installed font draws (the scenes would show
    empty boxes), naming the Debian package that draws it."""
    from model import fonts
    pairs = [*splits.train, *splits.valid, *splits.test]
    return [*fonts.warnings(sorted({w for p in pairs for w in p.source}), "source words"),
            *fonts.warnings(sorted({w for p in pairs for w in p.target}), "target words")]


PROGRESS_EVERY = 25  # batches between a worker's progress messages (each is a round trip to the manager)


def _train_in_worker(name, splits, seed, out_dir, corpus_info, threads, recipe, queue) -> dict:
    torch.set_num_threads(threads)
    count = 0

    def report(n: str, loss: float) -> None:
        nonlocal count
        count += 1
        if count % PROGRESS_EVERY == 0:
            queue.put((n, PROGRESS_EVERY, loss))

    info = train_one(name, splits, seed, out_dir, corpus_info, recipe, on_batch=report)
    queue.put((name, count % PROGRESS_EVERY, None))  # the last few batches
    return info


def train_models(names, splits, seed, out_dir, corpus_info, jobs, threads, console, recipe=RECIPE) -> list[dict]:
    """Train `names` in `jobs` processes (longest first; one job: in this process), with one
    progress bar per model. Returns the cards in the order of `names`."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description:9s}"), BarColumn(), TextColumn("loss {task.fields[loss]:.3f}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    # the slowest first (transformer 333, attention 238 CPU-s), so plain and lstm fill in behind them
    order = sorted(names, key=lambda n: SLOWEST_FIRST.index(n) if n in SLOWEST_FIRST else len(SLOWEST_FIRST))
    results: dict[str, dict] = {}

    def done(info: dict) -> None:
        results[info["name"]] = info
        console.print(f"{info['name']}: trained in {info['training']['seconds']:.0f} s")

    steps = recipe.epochs * -(-len(splits.train) // recipe.batch_size)
    with Progress(*columns, console=console) as progress:
        tasks = {n: progress.add_task(n, total=steps, loss=float("nan")) for n in order}
        if jobs == 1:
            torch.set_num_threads(threads)
            for n in order:
                done(train_one(n, splits, seed, out_dir, corpus_info, recipe,
                               on_batch=lambda m, loss: progress.update(tasks[m], advance=1, loss=loss)))
            return [results[n] for n in names]
        ctx = mp.get_context("spawn")
        with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=jobs, mp_context=ctx,
                                                           initializer=_ignore_interrupts) as pool:
            queue = manager.Queue()
            pending = {pool.submit(_train_in_worker, n, splits, seed, out_dir, corpus_info, threads, recipe, queue)
                       for n in order}
            try:
                while pending:
                    finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    while not queue.empty():
                        n, advance, loss = queue.get()
                        progress.update(tasks[n], advance=advance, **({} if loss is None else {"loss": loss}))
                    for future in finished:
                        done(future.result())
            except BaseException:  # interrupted: the workers stop writing before the caller removes their folder
                workers = list(pool._processes.values())
                pool.shutdown(wait=False, cancel_futures=True)
                for process in workers:
                    process.terminate()
                for process in workers:
                    process.join()
                raise
    return [results[n] for n in names]


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="all", choices=(*MODEL_NAMES, "all"))
    parser.add_argument("--pairs", help="your own source<TAB>target phrase pairs (default: the built-in grammar)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--languages", nargs=2, metavar=("SOURCE", "TARGET"),
                        help="names shown on screen for your pairs' languages, e.g. --languages English German; "
                             f"they also choose the tokeniser (elisions are split for: {', '.join(sorted(corpus.ELISIONS))})")
    parser.add_argument("--lowercase-source", action="store_true",
                        help="lower-case the source side, so a typed 'The' is the word 'the' (the target keeps its case)")
    parser.add_argument("--fold-case", action="store_true",
                        help="exact match ignores case (default: outputs must match the file's translations as written)")
    parser.add_argument("--epochs", type=int, default=RECIPE.epochs,
                        help=f"passes over the training pairs, the same for every model (default {RECIPE.epochs})")
    parser.add_argument("--out", default=str(ASSETS),
                        help="the model set's folder (default: assets/models, the shipped set, which needs --force); "
                             "a new set is written beside it and replaces it whole when complete")
    parser.add_argument("--force", action="store_true", help="allow replacing the shipped set (assets/models)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="models trained in parallel processes (default: one per model; the cores are shared "
                             "out by the system, so the set takes about its total CPU time over the cores)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads per process (default 1: fastest for these tiny models, and reproducible)")
    args = parser.parse_args(argv)
    from rich.console import Console
    from rich.markup import escape

    from model.report import print_split, print_training_summary

    console = Console(stderr=True)
    if args.epochs < 1:
        console.print("[red]error:[/red] --epochs must be at least 1")
        return 2
    notes: list[str] = []
    try:
        target = check_out(Path(args.out), args.force)
    except (OutRefused, OSError) as err:
        console.print(f"[red]error:[/red] {escape(str(err))}")
        return 2
    try:
        splits, corpus_info = load_splits(args.pairs, args.seed, args.languages, args.lowercase_source,
                                          args.fold_case, notes)
    except (OSError, corpus.PairsFileError) as err:
        console.print(f"[red]error:[/red] {escape(str(err))}", soft_wrap=True)  # one line, however long
        return 2
    for note in [*notes, *font_warnings(splits)]:
        console.print(f"[yellow]warning:[/yellow] {escape(note)}", soft_wrap=True)
    print_split(splits, corpus_info["kind"] == "tsv", console)
    names = MODEL_NAMES if args.model == "all" else (args.model,)
    start = time.perf_counter()
    recipe = dataclasses.replace(RECIPE, epochs=args.epochs)
    staging = staging_folder(target)
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        jobs = len(names) if args.jobs is None else max(1, args.jobs)
        cards = train_models(names, splits, args.seed, staging, corpus_info, jobs, args.threads,
                             console, recipe)
        swap_in(staging, target)
    except KeyboardInterrupt:
        console.print(f"[red]error:[/red] interrupted; {escape(args.out)} is as it was")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(staging, ignore_errors=True)
    console.print(f"done in {time.perf_counter() - start:.0f} s; weights and metrics in {args.out}")
    print_training_summary(cards, corpus.bucket_counts(splits.train), console)
    return 0


if __name__ == "__main__":
    sys.exit(main())
