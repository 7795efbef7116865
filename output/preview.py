"""Preview in seconds: a warm render process that the CLI reuses.

A cold render starts a Python process that imports Manim, the kit and (for a sentence whose trace is
not cached) torch, loads a model, and only then draws. The preview server does all of that once and
then renders scene after scene in its own process: for each request it reloads the scene's file (so
edits show), draws the poster frame first (animations skipped) and sends its path, then the 480p
clip. `render.py preview` talks to it over a Unix socket and starts it when none is running; it
stops by itself after IDLE_MINUTES without requests.

The server serves one version of the drawing code: the client that starts it hands it a digest of
everything it imports for good (output/, scenes/kit/, scenes/catalog.py, model/, the model set);
a request with another digest makes it exit, and the client starts a fresh one. Scene files are re-read on
every request, so editing a scene costs no restart. Requests are served one at a time; each render
runs in a fork of the warm process, which keeps the server's own state as it was after warming up.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import pickle
import select
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from output import worker
from output.jobs import QUALITIES, ROOT, RenderError, RenderJob, check_models
from output.rendering import ENCODERS_IN_FLIGHT, MANIM_CACHE, work_dir
from scenes.catalog import Example

IDLE_MINUTES = 20
START_TIMEOUT = 120  # seconds for a new server to import everything and load the models
# imported once by the server: a change here needs a new server (scene files are re-read each time)
WARM_SOURCES = ("output", "scenes/kit", "scenes/catalog.py", "model")


def socket_path(root: Path = ROOT) -> Path:
    """One server per checkout and user, in the temp folder (Unix socket paths must be short)."""
    tag = hashlib.sha256(f"{root}:{sys.executable}".encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"attention-preview-{os.getuid()}-{tag}.sock"


def code_digest(example: Example) -> str:
    """What a server must have been started with to serve `example`: its imported code and model set."""
    h = hashlib.sha256(f"{example.models_dir}\n{sys.executable}\n".encode())
    for name in WARM_SOURCES:
        path = ROOT / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(f"{file.relative_to(ROOT)}\n".encode())
            h.update(file.read_bytes())
    for card in sorted(Path(example.models_dir).glob("*.json")):
        h.update(card.read_bytes())
    return h.hexdigest()


# --- the server: Manim, the kit, torch and the models, loaded once ----------------------------------
class WarmRenderer:
    """Renders jobs in this process. Construct it once; it imports and loads everything up front."""

    def __init__(self) -> None:
        import manim  # noqa: F401  (the point is to pay for these imports once)
        import scenes.kit  # noqa: F401
        from model import trace
        from output import encoding, speedups

        encoding.install()
        speedups.install()
        for name in trace.MODEL_NAMES:  # torch and every model's weights (and checkpoints), loaded once
            if (trace.MODELS_DIR / f"{name}.safetensors").exists():
                trace.load_model(name)
                for k in range(len(trace.checkpoints(name))):
                    trace.load_model(name, k)

    def render(self, job: RenderJob, work: Path, poster_only: bool) -> dict[str, Path]:
        """Render `job` into `work`: {"poster": png} with `poster_only`, else {"video": mp4, "subtitles": srt?}."""
        from manim import config, tempconfig

        example = job.example
        if job.voice is not None and not poster_only:  # the clip speaks: per-beat WAVs first (output.voice)
            from output import voice

            voice_folder, _ = voice.prepare(job, work)
            example = dataclasses.replace(example, voice=voice_folder)
        environment = worker.environment(example)  # the scene base reads the example from here
        os.environ.clear()
        os.environ.update(environment)
        _, folder = QUALITIES[job.quality]
        # LaTeX/text caches kept between calls: one folder, as the server renders one step at a time
        # (Manim's temporary SVG names are fixed: two renders at once must not share a folder)
        caches = MANIM_CACHE / "preview"
        options = {"media_dir": str(work), "tex_dir": str(caches / "Tex"), "text_dir": str(caches / "texts"),
                   "input_file": str(job.scene.path), "disable_caching": True,
                   "verbosity": "ERROR", "progress_bar": "none", "save_last_frame": poster_only,
                   "write_to_movie": not poster_only, "output_file": job.scene.cls,
                   "max_inflight_encoders": ENCODERS_IN_FLIGHT}
        with tempconfig(options), contextlib.chdir(work):  # Manim writes a poster's .srt beside the cwd
            config.quality = _manim_quality(job.quality)
            config.format = None if poster_only else "mp4"
            scene_class = getattr(_fresh_module(job.scene.path), job.scene.cls)
            scene_class().render()
        if poster_only:
            images = sorted((work / "images").rglob("*.png"))
            if not images:
                raise RenderError(f"{job.scene.key}: manim wrote no image")
            return {"poster": images[-1]}
        videos = sorted((work / "videos").rglob(f"{folder}/{job.scene.cls}.mp4"))
        if not videos:
            raise RenderError(f"{job.scene.key}: manim wrote no video")
        produced = {"video": videos[0]}
        if videos[0].with_suffix(".srt").exists():
            produced["subtitles"] = videos[0].with_suffix(".srt")
        return produced


def _manim_quality(quality: str) -> str:
    return {"low": "low_quality", "medium": "medium_quality", "high": "high_quality", "4k": "fourk_quality"}[quality]


def _fresh_module(path: Path):
    """The scene file as it is now: scene modules are dropped and imported again (the kit stays)."""
    for name in [n for n in sys.modules if n.startswith("scenes.") and not n.startswith(("scenes.kit", "scenes.catalog"))]:
        del sys.modules[name]
    spec = importlib.util.spec_from_file_location(f"preview_{Path(path).stem}_{time.monotonic_ns()}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve(path: Path, digest: str) -> None:
    """Answer requests on the Unix socket `path` until idle for IDLE_MINUTES, or until a request comes
    from code of another `digest` (the client that started this server computed it)."""
    renderer = WarmRenderer()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    server.bind(str(path))
    server.listen(4)
    server.settimeout(IDLE_MINUTES * 60)
    try:
        while True:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                return
            with conn, conn.makefile("rw", encoding="utf-8") as stream:
                request = json.loads(stream.readline())
                if request["digest"] != digest:
                    _send(stream, event="stale")
                    return
                job = _job_from(request)
                _answer(renderer, job, request, stream)
    finally:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _answer(renderer: WarmRenderer, job: RenderJob, request: dict, stream) -> None:
    """The poster, then the clip, each rendered in a fork of this warm process. A fork starts from
    the warm state and gives nothing back, so no render can leave Manim's global state changed for the
    next. One after the other: rendered at once, the clip took the poster's CPU on this busy machine
    (poster after 8 s instead of 5). The trace is computed here first (torch stays in this process;
    the forks read the trace from the cache)."""
    from model.trace import TraceInputError

    started = time.perf_counter()
    try:
        job.example.trace(job.scene.model_for(job.example.model))
    except TraceInputError as err:
        _send(stream, event="error", message=f"{job.scene.key}: {err}")
        return
    for step in ["poster"] if request.get("poster_only") else ["poster", "clip"]:
        parsed = Path(tempfile.gettempdir()) / f"attention-preview-parsed-{os.getpid()}-{step}.pickle"
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the fork: render, publish, report, and leave without running any cleanup of the server
            os.close(read)
            parsed_before = _parsed_text()
            os.write(write, json.dumps(_render_step(renderer, job, step)).encode())
            os.close(write)  # the answer is complete: the server tells the client while this fork goes on
            _save_parsed_text(parsed_before, parsed)
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as answer:
            data = answer.read()
        event = json.loads(data) if data else None
        if event is None:
            _, status = os.waitpid(pid, 0)
            event = {"event": "error", "message": f"{job.scene.key}: the {step} render died (wait status {status})"}
        _send(stream, **event, seconds=round(time.perf_counter() - started, 3), server=os.getpid())
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        _keep_parsed_text(parsed)
        if event["event"] == "error":
            return


def _render_step(renderer: WarmRenderer, job: RenderJob, step: str) -> dict:
    try:
        with work_dir(job, f"preview-{step}") as work:
            produced = renderer.render(job, work, poster_only=step == "poster")
            published = {name: str(_publish(source, job, name)) for name, source in produced.items()}
    except BaseException as err:  # noqa: BLE001  (any failure of a scene is reported, the server lives on)
        traceback.print_exc()  # into the server's log
        return {"event": "error", "message": f"{job.scene.key}: {type(err).__name__}: {err}"}
    return {"event": step, "cpu_seconds": round(time.process_time(), 3), "files": published}


# Text a fork parsed (output.speedups) goes back to the server, so that later forks start with it: a
# new sentence then parses only its own words. An optimisation only: a failure costs a parse later.
def _parsed_text() -> tuple[set, set]:
    from output import speedups

    return speedups.svg_cache_keys()


def _save_parsed_text(before: tuple[set, set], path: Path) -> None:
    from output import speedups

    with contextlib.suppress(Exception):
        with open(path.with_suffix(".part"), "wb") as out:
            pickle.dump(speedups.new_svg_entries(before), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(path.with_suffix(".part"), path)


def _keep_parsed_text(path: Path) -> None:
    from output import speedups

    try:
        with open(path, "rb") as source:
            speedups.add_svg_entries(pickle.load(source))
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001
        traceback.print_exc()
    finally:
        for leftover in (path, path.with_suffix(".part")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _publish(source: Path, job: RenderJob, name: str) -> Path:
    target = job.outputs["poster"] if name == "poster" else job.outputs[name]
    os.replace(source, target)
    return target


def _send(stream, **event) -> None:
    stream.write(json.dumps(event) + "\n")
    stream.flush()


def _request(job: RenderJob, poster_only: bool) -> dict:
    e = job.example
    return {"scene": job.scene.key, "file": str(job.scene.path), "cls": job.scene.cls, "module": job.scene.module,
            "sentence": e.sentence, "models_dir": str(e.models_dir), "model": e.model, "checkpoint": e.checkpoint,
            "theme": e.theme, "quality": job.quality, "out": str(job.out), "poster_only": poster_only,
            "voice": job.voice,
            "digest": code_digest(e)}


def _job_from(request: dict) -> RenderJob:
    from scenes.catalog import BY_KEY, SceneEntry

    entry = BY_KEY.get(request["scene"])
    if entry is None or entry.path != Path(request["file"]):
        entry = SceneEntry(key=request["scene"], module=request["module"], cls=request["cls"], title="", figure="",
                           summary="", model="attention", models=("attention",), max_tokens=40, typical_seconds=0,
                           file=Path(request["file"]))
    example = Example(sentence=request["sentence"], models_dir=Path(request["models_dir"]), model=request["model"],
                      checkpoint=request["checkpoint"], theme=request["theme"])
    return RenderJob(scene=entry, example=example, quality=request["quality"], out=Path(request["out"]),
                     voice=request.get("voice"))


# --- the client: what `render.py preview` calls ---------------------------------------------------------
def preview(job: RenderJob, *, poster_only: bool = False, path: Path | None = None) -> Iterator[dict]:
    """Ask the warm server (started if needed) for `job`'s poster, then its clip; yields each event as
    it arrives: {"event": "poster"|"clip", "seconds", "files"} or {"event": "error", "message"}."""
    path = path or socket_path()
    job.out.mkdir(parents=True, exist_ok=True)
    request = _request(job, poster_only)
    for attempt in range(2):
        conn = _connect(path, job.example, request["digest"])
        with conn, conn.makefile("rw", encoding="utf-8") as stream:
            _send(stream, **request)
            for line in stream:
                event = json.loads(line)
                if event["event"] == "stale":
                    break
                yield event
            else:
                return
        _wait_gone(path)  # a server of older code exited: start one of this code
    raise RenderError("the preview server keeps running other code than this checkout's")


def _connect(path: Path, example: Example, digest: str) -> socket.socket:
    conn = _try_connect(path)
    if conn:
        return conn
    log = path.with_suffix(".log")
    with open(log, "w", encoding="utf-8") as out:
        subprocess.Popen([sys.executable, "-m", "output.preview", str(path), digest], cwd=ROOT, env=worker.environment(example),
                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if conn := _try_connect(path):
            return conn
    raise RenderError(f"the preview server did not start in {START_TIMEOUT} s; see {log}")


def _try_connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
        return conn
    except OSError:
        conn.close()
        return None


def _wait_gone(path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def stop(path: Path | None = None) -> bool:
    """Stop a running server (it is sent a request it cannot serve); True if one was running."""
    conn = _try_connect(path or socket_path())
    if not conn:
        return False
    with conn, conn.makefile("rw", encoding="utf-8") as stream:
        _send(stream, digest="stop")  # no server serves this digest: it exits
        stream.readline()
    _wait_gone(path or socket_path())
    return True


def show(job: RenderJob, *, poster_only: bool = False, open_files: bool = False) -> bool:
    """One preview on the terminal: the poster's path as soon as it exists, then the clip's (each
    opened in the default viewer with `open_files`). False, with an `error:` line, if it failed."""
    import click

    from model.trace import TraceInputError

    try:
        check_models([job.scene], job.example.model)  # bad input, refused before rendering
        job.scene.check(job.example.sentence, job.example.model)
        for event in preview(job, poster_only=poster_only):
            if event["event"] == "error":
                click.echo(f"error: {event['message']}", err=True)
                return False
            path = event["files"]["poster" if event["event"] == "poster" else "video"]
            click.echo(f"{event['event']}: {path} ({event['seconds']:.1f} s, {event['cpu_seconds']:.1f} CPU s)")
            if open_files:
                click.launch(path)
    except (TraceInputError, RenderError) as err:
        click.echo(f"error: {err}", err=True)
        return False
    return True


def watch(job: RenderJob, render_once: Callable[[RenderJob], None], lines=sys.stdin) -> None:
    """Render `job`, then again whenever the scene's file (or the kit) changes; a line read from
    `lines` (the terminal) is a new sentence. Runs until interrupted."""
    files = [job.scene.path, *sorted((ROOT / "scenes" / "kit").glob("*.py"))]

    def stamp():
        return [f.stat().st_mtime_ns if f.exists() else 0 for f in files]

    render_once(job)
    last = stamp()
    while True:
        ready = select.select([lines], [], [], 0.3)[0] if lines else time.sleep(0.3)
        if ready:
            line = lines.readline()
            if not line:
                lines = None  # end of input: keep watching the files
            elif line.strip():
                job = dataclasses.replace(job, example=dataclasses.replace(job.example, sentence=line.strip()))
                render_once(job)
                last = stamp()
            continue
        if stamp() != last:
            render_once(job)
            last = stamp()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2])
