"""What comes from outside is not trusted (issue 20): the preview server's holes, and unbounded or
unconfined reads of model cards and recordings. Each test shows one hole closed: the exploit that
worked before is tried again and refused, or finds nothing to act on.

Cost: one preview server (its start imports Manim and torch) and two posters for the end-to-end
cases; the rest are checks of the functions that decide, with real sockets, files and FIFOs.
"""
from __future__ import annotations

import ast
import contextlib
import json
import os
import pickle
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from model import trace as trace_mod
from model.files import UnsafeFile, check_file, confined, read_bounded
from model.trace import MODELS_DIR, TraceInputError
from output import parsed_text, preview
from output import voice as speech
from output.jobs import ROOT, RenderError, RenderJob
from scenes.catalog import BY_KEY, Example, SceneEntry

PROBE = ("from manim import Scene, Square\n\n\nclass Probe(Scene):\n    def construct(self):\n"
         "        self.add(Square())\n")


@contextlib.contextmanager
def within(seconds: int):
    """Fail instead of hanging: a read that blocks (a FIFO) ends the test after `seconds`."""
    def hung(*_):
        raise TimeoutError(f"still reading after {seconds} s")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def project_tmp():
    """A folder inside the project (gitignored media/), where a user's own scene file may live."""
    (ROOT / "media").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="test-trust-", dir=ROOT / "media"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def out_fd(tmp_path):
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    yield fd
    with contextlib.suppress(OSError):
        os.close(fd)


def request(**fields) -> dict:
    return {"scene": "timeline", "sentence": "the cat", "model": None, "checkpoint": None, "theme": "dark",
            "quality": "low", "poster_only": True, "digest": "d", **fields}


# --- the preview server: where it listens, who may connect ------------------------------------------
def test_the_runtime_folder_is_private_and_a_planted_one_is_refused(tmp_path):
    made = preview.runtime_dir(environ={}, temp=str(tmp_path))
    assert made == tmp_path / f"attention-preview-{os.getuid()}" and stat.S_IMODE(made.stat().st_mode) == 0o700
    made.chmod(0o755)  # left open (or made by someone else): not used
    with pytest.raises(preview.PreviewError, match="not private"):
        preview.runtime_dir(environ={}, temp=str(tmp_path))
    made.rmdir()
    made.symlink_to(tmp_path)  # a planted link to a folder of the attacker's choosing
    with pytest.raises(preview.PreviewError, match="symbolic link"):
        preview.runtime_dir(environ={}, temp=str(tmp_path))
    xdg = tmp_path / "xdg"
    xdg.mkdir(mode=0o777)
    xdg.chmod(0o777)  # an XDG_RUNTIME_DIR others may enter is passed over for a folder of our own
    other = tmp_path / "t"
    other.mkdir()
    assert preview.runtime_dir(environ={"XDG_RUNTIME_DIR": str(xdg)}, temp=str(other)).parent == other
    xdg.chmod(0o700)
    assert preview.runtime_dir(environ={"XDG_RUNTIME_DIR": str(xdg)}) == xdg / "attention-preview"


def test_the_socket_is_0600_even_under_umask_000(tmp_path):
    old = os.umask(0)
    try:
        server = preview.listen(tmp_path / "s.sock")
    finally:
        os.umask(old)
    with server:
        assert stat.S_IMODE(os.stat(tmp_path / "s.sock").st_mode) == 0o600


def test_a_connection_from_another_user_is_refused(tmp_path):
    preview.check_peer(os.getuid())  # the server's own user is served
    with pytest.raises(preview.Refused, match="uid 4242"):
        preview.check_peer(4242, own=1000)
    if os.getuid() != 0:
        return  # below: a real second user (needs root to become one)
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o711)
    path = folder / "s.sock"
    try:
        with preview.listen(path) as server:
            path.chmod(0o777)  # as the old server's socket was under umask 000: anyone may connect
            server.settimeout(20)
            child = os.fork()
            if child == 0:  # another user connects
                try:
                    os.setgid(65534)
                    os.setuid(65534)
                    with socket.socket(socket.AF_UNIX) as conn:
                        conn.connect(str(path))
                        conn.recv(1)
                finally:
                    os._exit(0)
            conn, _ = server.accept()
            with conn:
                uid = preview.peer_uid(conn)
                assert uid == 65534
                with pytest.raises(preview.Refused, match="not uid 65534"):
                    preview.check_peer(uid)
            os.waitpid(child, 0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- what a request may name --------------------------------------------------------------------------
def test_a_request_names_catalog_scenes_or_the_users_files_inside_the_project(tmp_path, project_tmp, out_fd):
    job = preview._job_from(request(), out_fd, os.getuid())
    assert job.scene == BY_KEY["timeline"] and job.out == Path(f"/proc/self/fd/{out_fd}")
    assert job.outputs["poster"].parent == job.out  # every file it writes lands in the client's folder

    outside = tmp_path / "evil.py"  # any Python file the request names used to be imported and run
    outside.write_text("import os\nos.system('touch /tmp/pwned')\n", encoding="utf-8")
    with pytest.raises(preview.Refused, match="outside this project"):
        preview._job_from(request(scene="x", file=str(outside), cls="X"), out_fd, os.getuid())
    link = project_tmp / "link.py"  # a link inside the project to a file outside it
    link.symlink_to(outside)
    with pytest.raises(preview.Refused, match="outside this project"):
        preview._job_from(request(scene="x", file=str(link), cls="X"), out_fd, os.getuid())
    with pytest.raises(preview.Refused, match="not a scene of the catalog"):
        preview._job_from(request(scene="no-such-scene"), out_fd, os.getuid())

    own = project_tmp / "probe_scene.py"  # the user's own scene in their project: served
    own.write_text(PROBE, encoding="utf-8")
    job = preview._job_from(request(scene="probe", file=str(own), cls="Probe"), out_fd, os.getuid())
    assert job.scene.path == own.resolve() and job.scene.cls == "Probe"
    with pytest.raises(preview.Refused, match="not the requesting user's own"):
        preview._job_from(request(scene="probe", file=str(own), cls="Probe"), out_fd, os.getuid() + 1)
    own.chmod(0o666)
    with pytest.raises(preview.Refused, match="not the requesting user's own"):
        preview._job_from(request(scene="probe", file=str(own), cls="Probe"), out_fd, os.getuid())


@pytest.mark.parametrize("field", [{"out": "/etc"}, {"models_dir": "/tmp/evil-models"}, {"module": "os"}])
def test_a_request_cannot_choose_where_to_write_or_what_to_load(field, out_fd):
    with pytest.raises(preview.Refused, match="unknown fields"):
        preview._job_from(request(**field), out_fd, os.getuid())


def test_a_request_reads_a_models_folder_of_the_users_own_or_the_shipped_one(tmp_path, out_fd):
    own = tmp_path / "models"
    own.mkdir()
    job = preview._job_from(request(models=str(own)), out_fd, os.getuid())
    assert job.example.models_dir == own.resolve()
    assert preview._job_from(request(models=str(MODELS_DIR)), out_fd, os.getuid() + 1).example.models_dir == MODELS_DIR.resolve()
    assert preview._job_from(request(), out_fd, os.getuid()).example.models_dir == MODELS_DIR.resolve()
    with pytest.raises(preview.Refused, match="not a folder of the requesting user's own"):  # another user's
        preview._job_from(request(models=str(own)), out_fd, os.getuid() + 1)
    own.chmod(0o777)
    with pytest.raises(preview.Refused, match="not a folder of the requesting user's own"):
        preview._job_from(request(models=str(own)), out_fd, os.getuid())
    for bad in ("relative/models", 3, str(tmp_path / "missing")):
        with pytest.raises(preview.Refused, match="models folder"):
            preview._job_from(request(models=bad), out_fd, os.getuid())


def test_the_output_is_the_folder_the_client_hands_over_and_nothing_else(tmp_path):
    with pytest.raises(preview.Refused, match="without its output folder"):
        preview._job_from(request(), None, os.getuid())
    (tmp_path / "f").write_text("x")
    fd = os.open(tmp_path / "f", os.O_RDONLY)
    try:
        with pytest.raises(preview.Refused, match="not a folder"):
            preview._job_from(request(), fd, os.getuid())
    finally:
        os.close(fd)
    sent = preview._request(RenderJob(scene=BY_KEY["timeline"], quality="low", out=tmp_path), poster_only=True)
    assert not {"out", "models_dir", "file", "module"} & set(sent)  # a catalog scene travels as its key


def test_the_log_at_a_predictable_name_does_not_follow_a_planted_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    log = tmp_path / "s.log"
    log.symlink_to(victim)
    os.close(preview.open_new_file(log))
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not log.is_symlink() and stat.S_IMODE(log.stat().st_mode) == 0o600


# --- no pickle: what forks hand back is data -------------------------------------------------------------
def test_no_pickle_anywhere_in_the_preview_path():
    for module in (preview, parsed_text):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                    for alias in node.names} | {node.module.split(".")[0] for node in ast.walk(tree)
                                                 if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"pickle", "marshal", "shelve", "dill", "cloudpickle"}, module.__name__


def test_parsed_text_carries_glyphs_and_refuses_anything_else():
    from manim import Text

    from output import speedups

    speedups.install()
    before = speedups.svg_cache_keys()
    made = Text("trust")
    entries = parsed_text.decode(parsed_text.encode(speedups.new_svg_entries(before)))
    assert len(entries[0]) == 1
    speedups._SVG_CACHE.clear()
    speedups.add_svg_entries(entries)
    again = Text("trust")  # built from the carried glyphs: the same points
    assert [m.points.tolist() for m in again.submobjects] == [m.points.tolist() for m in made.submobjects]
    header = json.dumps({"caches": [[], []], "objects": [["posix.system", 0, []]], "schemas": [[]], "arrays": []})
    with pytest.raises(KeyError):  # a class outside the glyph classes is never built
        parsed_text.decode(len(header).to_bytes(8, "little") + header.encode())
    header = json.dumps({"caches": [[], []], "objects": [], "schemas": [], "arrays": [["|O", 1]]})
    with pytest.raises(ValueError, match="kind 'O'"):  # nor an object array
        parsed_text.decode(len(header).to_bytes(8, "little") + header.encode() + b"\0" * 8)
    with pytest.raises(ValueError):  # noqa: PT011 - nor a pickle, whatever the decoder finds wrong first
        parsed_text.decode(pickle.dumps(({}, {})))


# --- end to end: a real server ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("trust") / "s.sock"
    yield path
    preview.stop(path)


class _Marker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))  # loading this pickle creates the marker file


def test_a_pickle_planted_at_the_old_names_is_never_loaded_and_requests_outside_are_refused(server, tmp_path):
    job = RenderJob(scene=BY_KEY["timeline"], example=Example(sentence="the cat"), quality="low", fmt="png",
                    out=tmp_path / "out")
    (first,) = preview.preview(job, poster_only=True, path=server)
    assert first["event"] == "poster" and Path(first["files"]["poster"]).parent == job.out
    assert stat.S_IMODE(os.stat(server).st_mode) == 0o600
    marker = tmp_path / "pwned"
    planted = []
    for step in ("poster", "clip"):  # where the old server read the forks' parsed text from
        old = Path(tempfile.gettempdir()) / f"attention-preview-parsed-{first['server']}-{step}.pickle"
        old.write_bytes(pickle.dumps(_Marker(marker)))
        old.with_suffix(".part").mkdir(exist_ok=True)  # and the folder that made the old write fail
        planted += [old, old.with_suffix(".part")]
    try:
        (second,) = preview.preview(job, poster_only=True, path=server)
        assert second["event"] == "poster" and second["server"] == first["server"]
        assert not marker.exists() and all(p.exists() for p in planted)
    finally:
        for p in planted:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)

    outside = tmp_path / "evil_scene.py"
    outside.write_text(PROBE.replace("self.add(Square())", f"open({str(marker)!r}, 'w')"), encoding="utf-8")
    evil = SceneEntry(key="evil", module="evil_scene", cls="Probe", title="", figure="", summary="",
                      model="attention", models=("attention",), max_tokens=40, typical_seconds=1, file=outside)
    (refused,) = preview.preview(RenderJob(scene=evil, quality="low", out=tmp_path / "out"), poster_only=True, path=server)
    assert refused["event"] == "error" and "outside this project" in refused["message"] and not marker.exists()


# --- bounded, confined reads: model cards and what they name ---------------------------------------------
@pytest.fixture
def models(tmp_path, monkeypatch):
    """A copy of the attention model (card, weights, two checkpoints) read as the models folder."""
    folder = tmp_path / "models"
    folder.mkdir()
    card = json.loads((MODELS_DIR / "attention.json").read_text(encoding="utf-8"))
    card["checkpoints"] = card["checkpoints"][:2]
    for name in ["attention.safetensors", *(c["file"] for c in card["checkpoints"])]:
        shutil.copy(MODELS_DIR / name, folder / name)
    (folder / "attention.json").write_text(json.dumps(card), encoding="utf-8")
    monkeypatch.setattr(trace_mod, "MODELS_DIR", folder)
    for cached in (trace_mod.model_info, trace_mod.load_model, trace_mod._file_references):
        cached.cache_clear()
    yield folder
    for cached in (trace_mod.model_info, trace_mod.load_model, trace_mod._file_references):
        cached.cache_clear()


def edit_card(folder: Path, change) -> None:
    card = json.loads((folder / "attention.json").read_text(encoding="utf-8"))
    change(card)
    (folder / "attention.json").write_text(json.dumps(card), encoding="utf-8")
    trace_mod.model_info.cache_clear()


@pytest.mark.parametrize("name", ["/etc/hostname", "../attention.safetensors", "sub/../../x"])
def test_a_card_naming_a_file_outside_the_models_folder_is_refused(models, name):
    edit_card(models, lambda card: card["checkpoints"][0].update(file=name))
    with pytest.raises(TraceInputError, match="outside the models folder"):
        trace_mod.load_model("attention", 0)
    assert trace_mod.load_model("attention", 1) is not None  # the card's other checkpoint is inside: read


def test_weights_and_cards_that_are_devices_are_refused_unread(models):
    (models / "attention.safetensors").unlink()
    (models / "attention.safetensors").symlink_to("/dev/zero")
    started = time.monotonic()
    with pytest.raises(TraceInputError, match="not a regular file"):
        trace_mod.load_model("attention")
    (models / "attention.json").unlink()
    (models / "attention.json").symlink_to("/dev/zero")
    trace_mod.model_info.cache_clear()
    with pytest.raises(TraceInputError, match="not a regular file"):
        trace_mod.model_info("attention")
    assert time.monotonic() - started < 2


def test_dev_zero_weights_are_one_line_and_exit_2(models, tmp_path):
    (models / "attention.safetensors").unlink()
    (models / "attention.safetensors").symlink_to("/dev/zero")
    env = {**os.environ, "ATTENTION_MODELS_DIR": str(models), "ATTENTION_TRACE_CACHE": str(tmp_path / "traces")}
    proc = subprocess.run([sys.executable, "render.py", "trace", "the cat"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "not a regular file" in proc.stderr, proc.stderr


def test_size_caps_and_the_shared_helper(tmp_path):
    big = tmp_path / "big.safetensors"
    with open(big, "wb") as f:
        f.truncate(300 * 2**20)  # sparse: costs no disk
    with pytest.raises(UnsafeFile, match="more than a weights file may"):
        read_bounded(big, "weights file")
    assert check_file(big, "recording", limit=400 * 2**20).st_size == 300 * 2**20
    with pytest.raises(UnsafeFile, match="outside its folder"):
        confined(tmp_path / "a", "../b", "recording")


# --- recordings -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("plant", ["fifo", "dev-zero", "outside", "huge"])
def test_a_recording_that_is_not_a_regular_file_inside_the_folder_is_refused_at_once(tmp_path, plant):
    voice = tmp_path / "voice"
    (voice / "timeline").mkdir(parents=True)
    recording = voice / "timeline" / "intro.wav"
    if plant == "fifo":
        os.mkfifo(recording)  # reading it used to hang, deaf to Ctrl-C
    elif plant == "dev-zero":
        recording.symlink_to("/dev/zero")  # reading it used to grow without end
    elif plant == "outside":
        (tmp_path / "secret.wav").write_bytes(b"RIFF")
        recording.symlink_to(tmp_path / "secret.wav")
    else:
        with open(recording, "wb") as f:
            f.truncate(speech_limit() + 1)
    with within(10), pytest.raises(speech.VoiceError, match="--voice: the recording"):
        speech.check(str(voice))
    job = RenderJob(scene=BY_KEY["timeline"], voice=str(voice), out=tmp_path)
    with within(10), pytest.raises(speech.VoiceError):
        speech.cache_part(job)


def speech_limit() -> int:
    from model.files import SIZE_LIMITS

    return SIZE_LIMITS["recording"]


def test_an_all_silent_recording_is_a_clear_error(tmp_path):
    voice = tmp_path / "voice"
    (voice / "timeline").mkdir(parents=True)
    with wave.open(str(voice / "timeline" / "intro.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(np.zeros(48_000, dtype="<i2").tobytes())
    speech.check(str(voice))  # a regular, small file: accepted until it is heard
    job = RenderJob(scene=BY_KEY["timeline"], voice=str(voice), out=tmp_path)
    with pytest.raises(RenderError, match=r"intro\.wav is silent"):
        speech.prepare(job, tmp_path / "work")


@pytest.mark.parametrize("beat", [7, "../x", "a b", "x" * 100])
def test_a_request_beat_is_a_plain_name(beat, out_fd):
    with pytest.raises(preview.Refused, match="beat"):
        preview._job_from(request(beat=beat), out_fd, os.getuid())
    assert preview._job_from(request(beat="softmax"), out_fd, os.getuid()).example.beat == "softmax"
