"""Preview in seconds: a warm render process that the CLI reuses.

A cold render starts a Python process that imports Manim, the kit and (for a sentence whose trace is
not cached) torch, loads a model, and only then draws. The preview server does all of that once and
then renders scene after scene in its own process: for each request it reloads the scene's file (so
edits show), draws the poster frame first (animations skipped) and sends its path, then the 480p
clip. `render.py preview` talks to it over a Unix socket and starts it when none is running; it
stops by itself after IDLE_MINUTES without requests.

The server serves one version of the drawing code: the client that starts it hands it a digest of
everything it imports for good (output/, scenes/kit/, scenes/catalog.py, model/); a request with another
digest makes it exit, and the client starts a fresh one. It serves any model set: a request names its
folder, whose models the server loads once and keeps (read afresh when the folder's cards change). Scene files are re-read on
every request, so editing a scene costs no restart. Requests are served one at a time; each render
runs in a fork of the warm process, which keeps the server's own state as it was after warming up.

What the server trusts (README, "Security"): it listens in a private runtime folder ($XDG_RUNTIME_DIR
when that is private, else a 0700 folder of its own in the temp folder, owner and mode checked), on a
socket of mode 0600, and serves only processes of its own user (SO_PEERCRED). A request names a
catalog scene, or a .py file inside this checkout that the same user owns, and a models folder that is
the server's own or the user's (weights and cards are data: bounded, confined, sha256-checked reads);
it carries no output path:
the client hands over its open output folder (SCM_RIGHTS), and the server writes only into it. The
digest is a staleness check, not a password, and travels on the server's stdin, not its command line.
No file at a predictable name is trusted: the log is created afresh (O_EXCL | O_NOFOLLOW), and what a
fork parsed comes back through its pipe as data that cannot run code (output.parsed_text), not a pickle.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import re
import select
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from model.files import read_bounded
from output import parsed_text, worker
from output.jobs import QUALITIES, ROOT, RenderError, RenderJob, check
from output.manim_call import preview_options
from output.workdirs import work_dir
from scenes.catalog import Example

IDLE_MINUTES = 20
START_TIMEOUT = 120  # seconds for a new server to import everything and load the models
# imported once by the server: a change here needs a new server (scene files are re-read each time)
WARM_SOURCES = ("output", "scenes/kit", "scenes/catalog.py", "model")


MAX_REQUEST = 64 * 1024  # bytes of one request line
REQUEST_SECONDS = 30  # a client that connects and sends nothing is dropped after this


class PreviewError(RenderError):
    """The preview server cannot be used safely here (its runtime folder is not private)."""


class Refused(ValueError):
    """A request the server does not serve; its message is the client's one error line."""


def _is_private_folder(path: Path, uid: int | None = None) -> str | None:
    """None if `path` is a real folder (not a symlink) of this user that nobody else may enter; else why not."""
    uid = os.getuid() if uid is None else uid
    try:
        st = os.lstat(path)
    except OSError as err:
        return err.strerror or str(err)
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if st.st_uid != uid:
        return f"it belongs to uid {st.st_uid}, not {uid}"
    if st.st_mode & 0o077:
        return f"its mode is {stat.S_IMODE(st.st_mode):04o}, not 0700"
    return None


def runtime_dir(environ=os.environ, temp: str | None = None) -> Path:
    """The private folder of this user's preview servers: $XDG_RUNTIME_DIR/attention-preview when
    $XDG_RUNTIME_DIR is this user's and private, else <temp>/attention-preview-<uid>, created 0700;
    an existing one is used only if it is a real folder of this user with mode 0700 (PreviewError)."""
    xdg = environ.get("XDG_RUNTIME_DIR")
    base = Path(xdg) if xdg and os.path.isabs(xdg) and _is_private_folder(Path(xdg)) is None else None
    folder = base / "attention-preview" if base else Path(temp or tempfile.gettempdir()) / f"attention-preview-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    problem = _is_private_folder(folder)
    if problem:
        raise PreviewError(f"the preview's runtime folder {folder} is not private ({problem}); remove it, "
                           "or set XDG_RUNTIME_DIR to a folder of yours with mode 0700")
    return folder


def socket_path(root: Path = ROOT) -> Path:
    """One server per checkout and user, in the user's private runtime folder (socket paths must be short)."""
    tag = hashlib.sha256(f"{root}:{sys.executable}".encode()).hexdigest()[:12]
    return runtime_dir() / f"preview-{tag}.sock"


def code_digest() -> str:
    """What a server must have been started with: the code it imported for good (not a model set: a
    request names its own, see WarmRenderer.warm_set)."""
    h = hashlib.sha256(f"{sys.executable}\n".encode())
    for name in WARM_SOURCES:
        path = ROOT / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(f"{file.relative_to(ROOT)}\n".encode())
            h.update(file.read_bytes())
    return h.hexdigest()


def cards_digest(folder: Path) -> str:
    """The model cards of a set as they are now (a retrained set has other cards: other sha256s)."""
    h = hashlib.sha256()
    for card in sorted(Path(folder).glob("*.json")):
        h.update(f"{card.name}\n".encode())
        h.update(read_bounded(card, "model card"))
    return h.hexdigest()


# --- the server: Manim, the kit, torch and the models, loaded once ----------------------------------
class WarmRenderer:
    """Renders jobs in this process. Construct it once; it imports and loads everything up front."""

    def __init__(self) -> None:
        import manim  # noqa: F401  (the point is to pay for these imports once)

        import scenes.kit  # noqa: F401
        self.speech_folders: list[Path] = []  # removed after each step (_render_step)
        from model import trace
        from output import speedups

        speedups.install_all()
        self.sets: dict[Path, str] = {}  # the model folders loaded here, with their cards' digest then
        with contextlib.suppress(trace.TraceInputError):  # a broken set is reported to the request that names it
            self.warm_set(trace.MODELS_DIR)

    def warm_set(self, folder: Path) -> None:
        """Load torch and every model (and checkpoint) of the set in `folder` once, in this process, so
        every fork finds them loaded; a set whose cards changed since (retrained) is read afresh."""
        from model.trace import model_set

        folder = Path(folder).resolve()
        digest = cards_digest(folder)
        if self.sets.get(folder) == digest:
            return
        models = model_set(folder)
        models.clear()
        self.sets.pop(folder, None)
        for name in models.trained():
            if (folder / f"{name}.safetensors").exists():
                models.load_model(name)
                for k in range(len(models.checkpoints(name))):
                    models.load_model(name, k)
        self.sets[folder] = digest

    def render(self, job: RenderJob, work: Path, poster_only: bool) -> dict[str, Path]:
        """Render `job` into `work`: {"poster": png} with `poster_only`, else {"video": mp4, "subtitles": srt?}."""
        from manim import tempconfig

        example = job.example
        if job.voice is not None and not poster_only:  # the clip speaks: per-beat WAVs first (output.voice)
            from output import voice

            # the speech is prepared by a Manim process of its own (a dry run of the scene), which
            # cannot see this process's /proc/self/fd/N: it works in a private folder of this user's
            speech_work = Path(tempfile.mkdtemp(prefix="preview-voice-"))
            self.speech_folders.append(speech_work)
            voice_folder, _ = voice.prepare(dataclasses.replace(job, out=speech_work), speech_work)
            example = dataclasses.replace(example, voice=voice_folder)
        environment = worker.environment(example)  # the scene base reads the example from here
        os.environ.clear()
        os.environ.update(environment)
        _, folder = QUALITIES[job.quality]
        with tempconfig(preview_options(job, work, poster_only)), contextlib.chdir(work):  # a poster's .srt lands in the cwd
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


def _fresh_module(path: Path):
    """The scene file as it is now: scene modules are dropped and imported again (the kit stays)."""
    for name in [n for n in sys.modules if n.startswith("scenes.") and not n.startswith(("scenes.kit", "scenes.catalog"))]:
        del sys.modules[name]
    spec = importlib.util.spec_from_file_location(f"preview_{Path(path).stem}_{time.monotonic_ns()}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def listen(path: Path) -> socket.socket:
    """A Unix socket bound at `path` with mode 0600 whatever the umask (only its user may connect)."""
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise PreviewError(f"{path} is in the way of the preview's socket (not a socket)")
        os.unlink(path)  # a dead server's socket
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    umask = os.umask(0o177)
    try:
        server.bind(str(path))
    finally:
        os.umask(umask)
    os.chmod(path, 0o600)
    server.listen(4)
    return server


def peer_uid(conn: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (SO_PEERCRED: pid, uid, gid)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def check_peer(uid: int, own: int | None = None) -> None:
    """Refused unless the peer is this server's own user."""
    own = os.getuid() if own is None else own
    if uid != own:
        raise Refused(f"refused: the preview process serves its own user (uid {own}) only, not uid {uid}")


def serve(path: Path, digest: str) -> None:
    """Answer requests on the Unix socket `path` until idle for IDLE_MINUTES, or until a request comes
    from code of another `digest` (the client that started this server computed it)."""
    renderer = WarmRenderer()
    server = listen(path)
    server.settimeout(IDLE_MINUTES * 60)
    try:
        while True:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                return
            with conn:
                out = None
                try:
                    uid = peer_uid(conn)
                    check_peer(uid)
                    request, out = _receive(conn)
                    if request.get("digest") != digest:
                        _send_to(conn, event="stale")
                        return
                    job = _job_from(request, out, uid)
                    conn.settimeout(None)
                    with conn.makefile("w", encoding="utf-8") as stream:
                        _answer(renderer, job, request, stream)
                except (Refused, OSError) as err:  # a bad request costs its client an error line, nothing more
                    print(f"preview: {err}", file=sys.stderr, flush=True)
                    with contextlib.suppress(OSError):
                        _send_to(conn, event="error", message=str(err))
                finally:
                    if out is not None:
                        os.close(out)
    finally:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _receive(conn: socket.socket) -> tuple[dict, int | None]:
    """One request line, and the output folder the client handed over with it (an open descriptor)."""
    conn.settimeout(REQUEST_SECONDS)
    data, fds, flags, _ = socket.recv_fds(conn, MAX_REQUEST, 1)
    fd = fds[0] if fds else None
    try:
        if flags & socket.MSG_CTRUNC:
            raise Refused("refused: more than one descriptor came with the request")
        while data and not data.endswith(b"\n"):
            if len(data) >= MAX_REQUEST:
                raise Refused(f"refused: a request longer than {MAX_REQUEST} bytes")
            chunk = conn.recv(MAX_REQUEST - len(data))
            if not chunk:
                break
            data += chunk
        try:
            request = json.loads(data.decode("utf-8"))
        except ValueError:
            raise Refused("refused: a request that is not one JSON line") from None
        if not isinstance(request, dict):
            raise Refused("refused: a request that is not a JSON object")
    except BaseException:
        if fd is not None:
            os.close(fd)
        raise
    return request, fd


def _answer(renderer: WarmRenderer, job: RenderJob, request: dict, stream) -> None:
    """The poster, then the clip, each rendered in a fork of this warm process. A fork starts from
    the warm state and gives nothing back, so no render can leave Manim's global state changed for the
    next. One after the other: rendered at once, the clip took the poster's CPU on this busy machine
    (poster after 8 s instead of 5). The trace is computed here first (torch stays in this process;
    the forks read the trace from the cache)."""
    from model.trace import TraceInputError

    started = time.perf_counter()
    try:
        renderer.warm_set(job.example.models_dir)
        job.example.trace(job.scene.model_for(job.example.model))
    except TraceInputError as err:
        _send(stream, event="error", message=f"{job.scene.key}: {err}")
        return
    # one beat (--beat): its clip only, sooner (a poster would cost the whole scene's construction again)
    steps = ["poster"] if request.get("poster_only") else ["clip"] if job.example.beat else ["poster", "clip"]
    for step in steps:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the fork: render, publish, report, and leave without running any cleanup of the server
            os.close(read)
            with contextlib.suppress(BaseException):
                parsed_before = _parsed_text()
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(json.dumps(_render_step(renderer, job, step)).encode() + b"\n")
                    pipe.flush()  # the answer is out: the server tells the client while this fork goes on
                    pipe.write(_new_parsed_text(parsed_before))
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as answer:
            line = answer.readline()
            event = json.loads(line) if line.endswith(b"\n") else None
            if event is None:
                _, status = os.waitpid(pid, 0)
                event = {"event": "error", "message": f"{job.scene.key}: the {step} render died (wait status {status})"}
            _send(stream, **event, seconds=round(time.perf_counter() - started, 3), server=os.getpid())
            parsed = answer.read(parsed_text.MAX_BYTES + 1)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        _keep_parsed_text(parsed)
        if event["event"] == "error":
            return


def _render_step(renderer: WarmRenderer, job: RenderJob, step: str) -> dict:
    renderer.speech_folders = []
    try:
        with work_dir(job, f"preview-{step}") as work:
            produced = renderer.render(job, work, poster_only=step == "poster")
            published = {name: _publish(source, job, name).name for name, source in produced.items()}
    except BaseException as err:
        from scenes.kit.scene import UnknownBeat

        if isinstance(err, UnknownBeat):  # bad input, not a broken render: the client exits 2
            return {"event": "error", "message": f"{job.scene.key}: {err}", "bad_input": True}
        traceback.print_exc()  # into the server's log
        return {"event": "error", "message": f"{job.scene.key}: {type(err).__name__}: {err}"}
    finally:
        for folder in renderer.speech_folders:
            shutil.rmtree(folder, ignore_errors=True)
    return {"event": step, "cpu_seconds": round(time.process_time(), 3), "files": published}


# Text a fork parsed (output.speedups) goes back to the server through the fork's pipe, as data that
# cannot run code (output.parsed_text), so that later forks start with it: a new sentence then parses
# only its own words. An optimisation only: a failure costs a parse later.
def _parsed_text() -> tuple[set, set]:
    from output import speedups

    return speedups.svg_cache_keys()


def _new_parsed_text(before: tuple[set, set]) -> bytes:
    from output import speedups

    return parsed_text.encode(speedups.new_svg_entries(before))


def _keep_parsed_text(data: bytes) -> None:
    from output import speedups

    if not data:
        return
    try:
        speedups.add_svg_entries(parsed_text.decode(data))
    except Exception:
        traceback.print_exc()


def _publish(source: Path, job: RenderJob, name: str) -> Path:
    target = job.outputs["poster"] if name == "poster" else job.outputs[name]
    os.replace(source, target)
    return target


def _send(stream, **event) -> None:
    stream.write(json.dumps(event) + "\n")
    stream.flush()


def _send_to(conn: socket.socket, **event) -> None:
    conn.sendall((json.dumps(event) + "\n").encode())


def _request(job: RenderJob, poster_only: bool) -> dict:
    """What the client asks for. No output path: the output folder goes with the request as an open
    descriptor. The models folder goes by its absolute path (the server checks whose it is)."""
    from scenes.catalog import BY_KEY

    e = job.example
    request = {"scene": job.scene.key, "sentence": e.sentence, "model": e.model, "checkpoint": e.checkpoint,
               "theme": e.theme, "quality": job.quality, "poster_only": poster_only, "digest": code_digest(),
               "models": str(Path(e.models_dir).resolve()),
               "voice": None if job.voice is None else voice_field(job.voice), "beat": e.beat}
    if BY_KEY.get(job.scene.key) != job.scene:  # a scene of the user's own, by file and class
        request.update(file=str(Path(job.scene.path).absolute()), cls=job.scene.cls)
    return request


_FIELDS = {"digest", "scene", "file", "cls", "sentence", "model", "checkpoint", "theme", "quality", "poster_only", "voice",
           "beat", "models"}
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MAX_SENTENCE = 2000  # characters: far beyond what any scene's layout holds


def voice_field(voice: str) -> str:
    """A job's --voice as a request carries it: a built-in voice by name, a recordings folder as an absolute path."""
    from output.voice import VOICES

    return voice if voice in VOICES else str(Path(voice).absolute())


def own_voice(voice, uid: int) -> str | None:
    """A request's voice the server may use for user `uid`: a built-in voice, or a folder of recordings
    the user owns (each recording in it is checked again when it is read: output.voice.check)."""
    from output.voice import VOICES

    if voice is None or voice in VOICES:
        return voice
    if type(voice) is not str or not Path(voice).is_absolute():
        raise Refused(f"refused: the request's voice {voice!r:.80}")
    try:
        st = os.stat(voice)
    except OSError as err:
        raise Refused(f"refused: the voice folder '{voice:.200}' cannot be read ({err.strerror})") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid:
        raise Refused(f"refused: the voice folder '{voice:.200}' is not a folder of the requesting user's own")
    return voice


def own_models_folder(models, uid: int) -> Path:
    """A request's models folder the server may read for user `uid`: its own default set (None), the
    shipped set, or a folder the user owns that nobody else may write to. What is read from it is data
    (cards, safetensors, pair files), through the bounded, confined, sha256-checked reads of model/files.py."""
    from model.trace import MODELS_DIR
    from output.jobs import SHIPPED_MODELS_DIR

    if models is None:
        return MODELS_DIR.resolve()
    if type(models) is not str or not Path(models).is_absolute():
        raise Refused(f"refused: the request's models folder {models!r:.80}")
    folder = Path(models).resolve()
    if folder in (MODELS_DIR.resolve(), SHIPPED_MODELS_DIR):
        return folder
    try:
        st = os.stat(folder)
    except OSError as err:
        raise Refused(f"refused: the models folder '{models:.200}' cannot be read ({err.strerror})") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o002:
        raise Refused(f"refused: the models folder '{models:.200}' is not a folder of the requesting user's own "
                      "(another owner, or writable by everyone)")
    return folder


def own_scene_file(file: str, uid: int, root: Path = ROOT) -> Path:
    """`file` as a scene file the server may import for user `uid`: a .py file inside the project
    `root` (after resolving links), a regular file owned by that user and not writable by others."""
    project = Path(root).resolve()
    path = Path(file)
    if not path.is_absolute():
        raise Refused(f"refused: the scene file '{file}' is not an absolute path")
    try:
        resolved = path.resolve(strict=True)
        st = os.stat(resolved)
    except (OSError, RuntimeError) as err:
        raise Refused(f"refused: the scene file '{file}' cannot be read ({getattr(err, 'strerror', None) or err})") from None
    if not resolved.is_relative_to(project):
        raise Refused(f"refused: the scene file '{file}' is outside this project ({project}); the preview "
                      "serves catalog scenes and scene files inside the project only")
    if resolved.suffix != ".py" or not stat.S_ISREG(st.st_mode):
        raise Refused(f"refused: the scene file '{file}' is not a regular .py file")
    if st.st_uid != uid or st.st_mode & 0o002:
        raise Refused(f"refused: the scene file '{file}' is not the requesting user's own file "
                      "(another owner, or writable by everyone)")
    return resolved


def _job_from(request: dict, out: int | None, uid: int) -> RenderJob:
    """The render a checked request asks for (Refused, with the reason, for anything else)."""
    from model.trace import MODEL_NAMES
    from scenes.catalog import BY_KEY, THEME_NAMES, SceneEntry

    unknown = sorted(set(request) - _FIELDS)
    if unknown:
        raise Refused(f"refused: a request with unknown fields ({', '.join(unknown)}); the output folder "
                      "is the descriptor the client hands over")

    def field(name, kinds, allowed=None):
        value = request.get(name)
        if type(value) not in kinds or (allowed is not None and value not in allowed):
            raise Refused(f"refused: the request's {name} {value!r:.80}")
        return value

    key = field("scene", (str,))
    if request.get("file") is None:
        entry = BY_KEY.get(key)
        if entry is None:
            raise Refused(f"refused: '{key:.80}' is not a scene of the catalog")
    else:
        path = own_scene_file(field("file", (str,)), uid)
        cls = field("cls", (str,))
        if not _KEY.fullmatch(key) or not cls.isidentifier():
            raise Refused(f"refused: a scene key or class that is not a plain name ({key!r:.80}, {cls!r:.80})")
        entry = BY_KEY.get(key)
        if entry is None or entry.path.resolve() != path or entry.cls != cls:
            entry = SceneEntry(key=key, module=path.stem, cls=cls, title="", figure="", summary="",
                               model="attention", models=("attention",), max_tokens=40, typical_seconds=0, file=path)
    sentence = field("sentence", (str,))
    if len(sentence) > MAX_SENTENCE:
        raise Refused(f"refused: a sentence of more than {MAX_SENTENCE} characters")
    checkpoint = field("checkpoint", (int, type(None)))
    if checkpoint is not None and checkpoint < 0:
        raise Refused(f"refused: the request's checkpoint {checkpoint}")
    models_dir = own_models_folder(request.get("models"), uid)
    example = Example(sentence=sentence, models_dir=models_dir, model=field("model", (str, type(None)), (*MODEL_NAMES, None)),
                      checkpoint=checkpoint, theme=field("theme", (str,), THEME_NAMES), beat=field("beat", (str, type(None))))
    if example.beat is not None and not _KEY.fullmatch(example.beat):
        raise Refused(f"refused: a beat name that is not a plain name ({example.beat!r:.80})")
    field("poster_only", (bool, type(None)))
    if out is None:
        raise Refused("refused: a request without its output folder (the client hands over the open folder)")
    if not stat.S_ISDIR(os.fstat(out).st_mode):
        raise Refused("refused: the output the client handed over is not a folder")
    os.set_inheritable(out, False)
    return RenderJob(scene=entry, example=example, quality=field("quality", (str,), QUALITIES),
                     out=Path(f"/proc/self/fd/{out}"), voice=own_voice(request.get("voice"), uid))


# --- the client: what `render.py preview` calls ---------------------------------------------------------
def preview(job: RenderJob, *, poster_only: bool = False, path: Path | None = None) -> Iterator[dict]:
    """Ask the warm server (started if needed) for `job`'s poster, then its clip; yields each event as
    it arrives: {"event": "poster"|"clip", "seconds", "files"} or {"event": "error", "message"}."""
    path = path or socket_path()
    job.out.mkdir(parents=True, exist_ok=True)
    request = _request(job, poster_only)
    for _attempt in range(2):
        conn = _connect(path, job.example, request["digest"])
        out = os.open(job.out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:  # the request, with the output folder as an open descriptor: the only place the server writes
            socket.send_fds(conn, [(json.dumps(request) + "\n").encode()], [out])
        finally:
            os.close(out)
        with conn, conn.makefile("r", encoding="utf-8") as stream:
            for line in stream:
                event = json.loads(line)
                if event["event"] == "stale":
                    break
                if "files" in event:  # names inside the output folder
                    event["files"] = {name: str(job.out / Path(file).name) for name, file in event["files"].items()}
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
    with os.fdopen(open_new_file(log), "w", encoding="utf-8") as out:  # the digest goes on stdin, not in `ps`
        server = subprocess.Popen([sys.executable, "-m", "output.preview", str(path)], cwd=ROOT,
                                  env=worker.environment(example), stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.PIPE, start_new_session=True)
    with contextlib.suppress(OSError), server.stdin:
        server.stdin.write(f"{digest}\n".encode())
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if conn := _try_connect(path):
            return conn
    raise RenderError(f"the preview server did not start in {START_TIMEOUT} s; see {log}")


def open_new_file(path: Path) -> int:
    """A new file at the predictable `path`, mode 0600: whatever was there (a planted symbolic link
    too) is removed, never followed or truncated, and a file that reappears in between is an error."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


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
        _send(stream, digest="stop")  # no server serves this digest: it exits (also a refusal: read and go)
        stream.readline()
    _wait_gone(path or socket_path())
    return True


def show(job: RenderJob, *, poster_only: bool = False, open_files: bool = False) -> bool:
    """One preview on the terminal: the poster's path as soon as it exists, then the clip's (each
    opened in the default viewer with `open_files`). False, with an `error:` line, if it failed."""
    import click

    from model.trace import TraceInputError

    try:
        check([job.scene], job.example, traces=False)  # bad input, refused before rendering
        for event in preview(job, poster_only=poster_only):
            if event["event"] == "error":
                click.echo(f"error: {event['message']}", err=True)
                if event.get("bad_input"):  # a beat the scene does not have: the one line lists its beats
                    sys.exit(2)
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
    serve(Path(sys.argv[1]), sys.stdin.readline().strip())
