"""Issue 14's fault cases, by hand through the CLI: each must end in one `error:` line (exit 1/2) or
correct output, with nothing outside --out (and .cache/) and nothing half-written.
Usage: python tools/fault_cases.py [NAME FILTER]; MODE=light (no renders) or MODE=heavy (renders only).
The same cases as tests/test_faults.py and more, run the way a tester would; prints a count."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MODELS = ROOT / "assets" / "models"
HALF = (".part", ".tmp", ".work", ".lock", ".write-test")


def cli(args, cwd, env=None, timeout=900):
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([PY, str(ROOT / "render.py"), *args], cwd=cwd, capture_output=True, env=full,
                          timeout=timeout)


def repo_state():
    out = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"], cwd=ROOT,
                         capture_output=True, text=True).stdout.splitlines()
    return {line for line in out if ".cache/" not in line and "__pycache__" not in line and "vendor" not in line}


def half_written(folder: Path) -> list[str]:
    bad = []
    if not folder.exists():
        return bad
    for path in folder.rglob("*"):
        if any(h in path.name for h in HALF):
            bad.append(str(path))
        elif path.is_file() and path.stat().st_size == 0:
            bad.append(f"{path} (0 bytes)")
    for manifest in folder.glob("*.json"):
        try:
            data = json.loads(manifest.read_text())
        except ValueError:
            bad.append(f"{manifest} (not JSON)")
            continue
        if isinstance(data, dict) and "files" in data:
            bad += [f"{manifest}: {name} missing" for name in data["files"].values() if not (folder / name).exists()]
    return bad


class Case:
    def __init__(self, name, args, expect, env=None, setup=None, check=None, out_name="out", outside_ok=()):
        self.name, self.args, self.expect, self.env = name, args, expect, env or {}
        self.setup, self.check, self.out_name, self.outside_ok = setup, check, out_name, outside_ok


def judge(proc, expect) -> str | None:
    err = proc.stderr.decode("utf-8", "replace")
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning:")]
    if expect == "ok":
        return None if proc.returncode == 0 and "Traceback" not in err else f"exit {proc.returncode}: {err[-300:]}"
    code = {"bad": 2, "fail": 1, "abort": 130}[expect]
    if proc.returncode != code:
        return f"exit {proc.returncode} (wanted {code}): {err[-300:]}"
    if len(lines) != 1 or not lines[0].startswith("error:") or "Traceback" in err:
        return f"not one error line: {err[-400:]}"
    return None


def main(filter_: str = "") -> None:
    sandbox = Path(tempfile.mkdtemp(prefix="faults-"))
    models_only_attention = sandbox / "m-attention"
    models_only_attention.mkdir()
    for name in ("attention.json", "attention.safetensors"):
        shutil.copy(MODELS / name, models_only_attention / name)
    bad_card = sandbox / "m-badcard"
    shutil.copytree(models_only_attention, bad_card)
    (bad_card / "attention.json").write_text("{ not json")
    no_weights = sandbox / "m-noweights"
    shutil.copytree(models_only_attention, no_weights)
    (no_weights / "attention.safetensors").unlink()
    tampered = sandbox / "m-tampered"
    shutil.copytree(models_only_attention, tampered)
    data = bytearray((tampered / "attention.safetensors").read_bytes())
    data[-1] ^= 1
    (tampered / "attention.safetensors").write_bytes(bytes(data))
    a_file = sandbox / "a-file"
    a_file.write_text("x")
    traces = {"ATTENTION_TRACE_CACHE": str(sandbox / "traces")}
    only_attention = {"ATTENTION_MODELS_DIR": str(models_only_attention)}
    without_weights = {"ATTENTION_MODELS_DIR": str(no_weights), **traces}
    words38 = ("the dog watches the european council but some cats see a social red country and the bank finds some "
               "young small laws but some councils find the market but the young european bank changes a black white policy")
    long40 = " and ".join(["the red car"] * 10)  # 39 words
    long41 = long40 + " and the cat"
    png = ["--format", "png", "--quality", "low"]

    def damage_trace(content):
        def setup(case_dir):
            env = {"ATTENTION_TRACE_CACHE": str(case_dir / "tc")}
            cli(["trace", "the cat"], case_dir, env)
            for f in (case_dir / "tc").iterdir():
                f.write_bytes(content)
            case_dir.joinpath("env.json").write_text(json.dumps(env))
        return setup

    def expect_files(*names):
        def check(out, proc):
            have = sorted(p.name for p in out.iterdir()) if out.exists() else []
            return None if have == sorted(names) else f"files {have}, wanted {sorted(names)}"
        return check

    def rendered_then(mutate):
        def setup(case_dir):
            cli(["render", "timeline", *png, "--out", str(case_dir / "out")], case_dir, traces)
            mutate(case_dir / "out")
        return setup

    def not_cached(out, proc):
        text = proc.stdout.decode()
        return None if "(cached)" not in text and "timeline--png.png" in text else f"stdout: {text}"

    cases = [
        # --- refused up front (exit 2), nothing written
        Case("empty sentence", ["render", "timeline", "--sentence", ""], "bad"),
        Case("blank sentence", ["render", "timeline", "--sentence", "   "], "bad"),
        Case("punctuation only", ["render", "timeline", "--sentence", "!!! ?"], "bad"),
        Case("unknown word", ["render", "timeline", "--sentence", "the zebra"], "bad"),
        Case("unknown words", ["render", "all", "--sentence", "zebra giraffe"], "bad"),
        Case("41 words", ["render", "timeline", "--sentence", long41], "bad"),
        Case("13 words for the relay", ["render", "rnn-relay", "--sentence", " ".join(["the red car and"] * 3) + " the"], "bad"),
        *[Case(f"out of grammar '{s}'", ["render", "all", "--sentence", s], "bad")
          for s in ("red cars", "and and", "the the the the", "car the red")],
        Case("film out of grammar", ["film", "--sentence", "red cars"], "bad"),
        Case("slides out of grammar", ["slides", "rnn-relay", "--sentence", "and and"], "bad"),
        Case("script out of grammar", ["script", "timeline", "--sentence", "car the red"], "bad"),
        Case("unknown scene", ["render", "rnn-rely"], "bad"),
        Case("typo next to all", ["render", "all", "rnn-rely"], "bad"),
        Case("ALL out of grammar", ["render", "ALL", "--sentence", "red cars"], "bad"),
        Case("Timeline unknown word", ["render", "Timeline", "--sentence", "the zebra"], "bad"),
        Case("no scene", ["render"], "bad"),
        Case("bad quality", ["render", "timeline", "--quality", "ultra"], "bad"),
        Case("bad format", ["render", "timeline", "--format", "avi"], "bad"),
        Case("transparent mp4", ["render", "timeline", "--transparent"], "bad"),
        Case("bad theme", ["render", "timeline", "--theme", "neon"], "bad"),
        Case("bad model", ["render", "timeline", "--model", "foo"], "bad"),
        Case("jobs 0", ["render", "timeline", "--jobs", "0"], "bad"),
        Case("checkpoint -1", ["render", "timeline", "--checkpoint", "-1"], "bad"),
        Case("checkpoint 99", ["render", "attention-weights", "--checkpoint", "99"], "bad"),
        Case("slides to key", ["slides", "rnn-relay", "--to", "key"], "bad"),
        Case("voice folder missing", ["render", "timeline", "--voice", "/nonexistent/voice"], "bad"),
        Case("non-UTF-8 sentence", ["render", "timeline", "--sentence", b"the cat\xff"], "bad"),
        Case("non-UTF-8 scene", ["render", b"time\xfeline"], "bad"),
        Case("--out empty", ["render", "timeline", "--out", ""], "bad", out_name=None),
        Case("--out blank", ["render", "timeline", "--out", "   "], "bad", out_name=None),
        Case("--out cannot be made", ["render", "timeline", "--out", "/proc/nope/out"], "bad", out_name=None),
        Case("--out under a file", ["render", "timeline", "--out", str(a_file / "out")], "bad", out_name=None),
        Case("--out is a file", ["render", "timeline", "--out", str(a_file)], "bad", out_name=None),
        Case("trace unknown word", ["trace", "the zebra"], "bad"),
        Case("trace empty", ["trace", ""], "bad"),
        Case("trace bad model", ["trace", "--model", "foo"], "bad"),
        Case("vocab bad model", ["vocab", "--model", "foo"], "bad"),
        Case("batch missing file", ["batch", "/nonexistent.toml"], "bad"),
        Case("batch bad toml", ["batch", "__BADTOML__"], "bad"),
        Case("batch unknown scene", ["batch", "__UNKNOWNSCENE__"], "bad"),
        Case("preview unknown scene", ["preview", "rnn-rely"], "bad"),
        Case("only attention: relay", ["render", "rnn-relay"], "bad", env=only_attention),
        Case("only attention: length-curve", ["render", "length-curve"], "bad", env=only_attention),
        Case("only attention: learning-to-align", ["render", "learning-to-align"], "bad", env=only_attention),
        Case("only attention: checkpoint 2", ["render", "timeline", "--checkpoint", "2"], "bad", env=only_attention),
        Case("only attention: film", ["film"], "bad", env=only_attention),
        Case("malformed card", ["trace", "the cat"], "bad", env={"ATTENTION_MODELS_DIR": str(bad_card)}),
        Case("malformed card render", ["render", "timeline"], "bad", env={"ATTENTION_MODELS_DIR": str(bad_card)}),
        Case("deleted weights", ["trace", "the big dog"], "bad", env=without_weights),
        Case("deleted weights render", ["render", "timeline", "--sentence", "the big dog"], "bad", env=without_weights),
        Case("tampered weights", ["trace", "the red dog"], "bad", env={"ATTENTION_MODELS_DIR": str(tampered), **traces}),
        Case("missing models folder", ["trace", "the cat"], "bad", env={"ATTENTION_MODELS_DIR": str(sandbox / "nothing")}),
        # --- failures that name the scene (exit 1)
        Case("folder named like the output", ["render", "timeline", *png], "fail",
             setup=lambda d: (d / "out" / "timeline--png.png").mkdir(parents=True),
             check=expect_files("timeline--png.png")),
        Case("time limit 2 s", ["render", "timeline", *png, "--force"], "fail", env={"ATTENTION_RENDER_TIMEOUT": "2"},
             check=expect_files()),
        # --- correct output
        Case("--out L{log_dir}", ["render", "timeline", *png], "ok", out_name="L{log_dir}",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("--out q{quality}", ["render", "timeline", *png], "ok", out_name="q{quality}",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("--out br{ace}s", ["render", "timeline", *png], "ok", out_name="br{ace}s",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("--out {", ["render", "timeline", *png], "ok", out_name="{",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("--out a}b{{c", ["render", "timeline", *png], "ok", out_name="a}b{{c",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("--out sp ace %(x)s", ["render", "timeline", *png], "ok", out_name="sp ace %(x)s",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("a relative --out", ["render", "timeline", *png, "--out", "rel/out"], "ok", out_name="rel"),
        Case("39-word sentence: name with a hash", ["render", "timeline", *png, "--sentence", long40], "ok",
             check=lambda out, proc: None if all(len(p.name) < 100 for p in out.iterdir()) and len(list(out.iterdir())) == 2
             else f"{[p.name for p in out.iterdir()]}"),
        Case("cached render reused", ["render", "timeline", *png], "ok", setup=rendered_then(lambda out: None),
             check=lambda out, proc: None if "(cached)" in proc.stdout.decode() else proc.stdout.decode()),
        Case("forced render byte-identical", ["render", "timeline", *png, "--force"], "ok",
             setup=rendered_then(lambda out: shutil.copy(out / "timeline--png.png", out.parent / "before.png")),
             check=lambda out, proc: None if (out / "timeline--png.png").read_bytes() == (out.parent / "before.png").read_bytes()
             else "poster differs"),
        Case("0-byte poster not reused", ["render", "timeline", *png], "ok",
             setup=rendered_then(lambda out: (out / "timeline--png.png").write_bytes(b"")), check=not_cached),
        Case("flipped byte not reused", ["render", "timeline", *png], "ok",
             setup=rendered_then(lambda out: (out / "timeline--png.png").write_bytes(
                 (out / "timeline--png.png").read_bytes()[:-1] + b"\x00")), check=not_cached),
        Case("manifest null not reused", ["render", "timeline", *png], "ok",
             setup=rendered_then(lambda out: (out / "timeline--png.json").write_text("null")), check=not_cached),
        Case("stale .work and .part removed", ["render", "timeline", *png], "ok",
             setup=lambda d: ((d / "out" / ".work" / "dead").mkdir(parents=True),
                              (d / "out" / ".work" / "dead.lock").write_text(""),
                              (d / "out" / ".x.999999999-1.part.mp4").write_bytes(b"x")),
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("only attention: timeline", ["render", "timeline", *png], "ok", env={**only_attention, **traces},
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("damaged Manim cache healed", ["render", "timeline", *png, "--force"], "ok",
             env={"ATTENTION_MANIM_CACHE": "__CASE__/manim"},
             setup=lambda d: (cli(["render", "timeline", *png, "--out", str(d / "first")], d,
                                  {"ATTENTION_MANIM_CACHE": str(d / "manim")}),
                              [p.write_bytes(b"") for p in (d / "manim").rglob("*.svg")], shutil.rmtree(d / "first")),
             check=lambda out, proc: None if "warning: removed" in proc.stderr.decode() else "no warning"),
        Case("trace cache []", ["trace", "the cat"], "ok", setup=damage_trace(b"[]")),
        Case("trace cache null", ["trace", "the cat"], "ok", setup=damage_trace(b"null")),
        Case("trace cache garbage", ["trace", "the cat"], "ok", setup=damage_trace(b"\x00\xff garbage")),
        Case("trace cache unwritable", ["trace", "the red car"], "ok",
             env={"ATTENTION_TRACE_CACHE": str(a_file / "traces")}),
        Case("trace out of grammar warns", ["trace", "car the red"], "ok",
             check=lambda out, proc: None if proc.stderr.decode().startswith("warning:") else "no warning"),
        Case("trace 38 words at 80 columns", ["trace", words38], "ok", env={"COLUMNS": "80"},
             check=lambda out, proc: None if all(len(x) <= 80 for x in proc.stdout.decode().splitlines())
             and proc.stdout.decode().count("%") >= 38 * 38 else "blank or wide table"),
        Case("trace --json", ["trace", "the cat", "--json"], "ok",
             check=lambda out, proc: None if json.loads(proc.stdout)["sentence"] == "the cat" else "bad json"),
        Case("trace checkpoint 0 warns", ["trace", "--checkpoint", "0"], "ok",
             check=lambda out, proc: None if "cap" in proc.stderr.decode() else "no warning"),
        Case("list --json", ["list", "--json"], "ok"),
        Case("script to a csv in out", ["script", "rnn-relay", "--out", "__OUT__/script.csv"], "ok",
             check=expect_files("script.csv")),
        Case("batch dry run", ["batch", str(ROOT / "examples" / "batch.toml"), "--dry-run", "--out", "__OUT__"], "ok"),
        Case("concurrent renders into one out", ["render", "timeline", *png, "--force"], "ok", setup="concurrent",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("kill -9 then render cleans up", ["render", "timeline", *png], "ok", setup="kill9",
             check=expect_files("timeline--png.json", "timeline--png.png")),
        Case("SIGTERM mid-render", None, "abort", setup="sigterm", check=expect_files()),
        Case("slides to pdf (time-limited converter)", ["slides", "rnn-relay", "--to", "pdf", "--quality", "low",
                                                        "--sentence", "the cat"], "ok",
             check=expect_files("rnn-relay--the-cat.slides.pdf")),
    ]
    bad_toml = sandbox / "bad.toml"
    bad_toml.write_text("render = [")
    unknown = sandbox / "unknown.toml"
    unknown.write_text('[[render]]\nscenes = ["nope"]\n')
    results = []
    for case in cases:
        if filter_ and filter_ not in case.name:
            continue
        light = case.expect == "bad" or (case.args and case.args[0] in ("trace", "list", "script", "batch"))
        if (os.environ.get("MODE") == "light" and not light) or (os.environ.get("MODE") == "heavy" and light):
            continue
        case_dir = sandbox / f"case-{len(results):03d}"
        case_dir.mkdir()
        out = case_dir / case.out_name if case.out_name else None
        args = None if case.args is None else [a.replace("__BADTOML__", str(bad_toml)).replace(
            "__UNKNOWNSCENE__", str(unknown)).replace("__OUT__", str(case_dir / "out")) if isinstance(a, str) else a
            for a in case.args]
        env = {**traces, **{k: v.replace("__CASE__", str(case_dir)) for k, v in case.env.items()}}
        if callable(case.setup):
            case.setup(case_dir)
            if (case_dir / "env.json").exists():
                env.update(json.loads((case_dir / "env.json").read_text()))
                (case_dir / "env.json").unlink()
        pass_out = args is not None and out is not None and "--out" not in [a for a in args if isinstance(a, str)] \
            and args[0] in ("render", "slides", "film")
        if pass_out:
            args = [*args, "--out", str(out)]
        before = repo_state()
        started = time.monotonic()
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        if case.setup == "concurrent":
            procs = [subprocess.Popen([PY, str(ROOT / "render.py"), *args], cwd=case_dir, env=full_env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
            outs = [p.communicate() for p in procs]
            proc = subprocess.CompletedProcess(args, max(p.returncode for p in procs), outs[0][0], outs[0][1] + outs[1][1])
        elif case.setup in ("kill9", "sigterm"):
            victim = subprocess.Popen([PY, str(ROOT / "render.py"), "render", "timeline", "--quality", "low", "--force",
                                       "--out", str(out)], cwd=case_dir, env=full_env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (out / ".work").exists():
                time.sleep(0.2)
            time.sleep(3)
            if case.setup == "kill9":
                victim.kill()
                victim.communicate()
                time.sleep(2)
                proc = cli(args, case_dir, env)
            else:
                victim.send_signal(signal.SIGTERM)
                o, e = victim.communicate(timeout=120)
                proc = subprocess.CompletedProcess([], victim.returncode, o, e)
        else:
            proc = cli(args, case_dir, env)
        seconds = time.monotonic() - started
        problems = []
        if (why := judge(proc, case.expect)):
            problems.append(why)
        if case.check and out is not None and (why := case.check(out, proc)):
            problems.append(why)
        if case.expect in ("bad",) and out is not None and out.exists() and not callable(case.setup):
            problems.append(f"out created: {list(out.iterdir())}")
        allowed = {case.out_name, "tc", "manim", "before.png", "first", "rel"} - {None}
        outside = [p.name for p in case_dir.iterdir() if p.name not in allowed]
        if outside:
            problems.append(f"outside --out: {outside}")
        leftovers = half_written(out) if out is not None else []
        if leftovers:
            problems.append(f"half-written: {leftovers}")
        if (new := repo_state() - before):
            problems.append(f"repository changed: {sorted(new)}")
        line = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1][:160]
        results.append((case.name, not problems, problems, seconds))
        print(f"{'PASS' if not problems else 'FAIL'} {case.name} ({seconds:.1f} s) {problems if problems else line}",
              flush=True)
    passed = sum(ok for _, ok, _, _ in results)
    print(f"\n{passed} of {len(results)} cases: one-line error or correct output, nothing outside --out, "
          f"nothing half-written")
    shutil.rmtree(sandbox, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
