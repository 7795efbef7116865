"""A voice for the beats: the offline synthesiser (`synth`) or the lecturer's own recordings (a folder).

A render with a voice first prepares one clean WAV per beat in the layout the scene base reads
(`<folder>/<scene key>/<beat>.wav`, `Example.voice`): each recording is decoded (wav, mp3, m4a, ...),
made mono 48 kHz, trimmed of leading and trailing silence (so the speech starts when its beat starts
and its subtitle with it), and normalised to TARGET_LUFS integrated loudness (ITU-R BS.1770, with a
peak limiter at PEAK_CEILING), so beats and clips from different sessions can be joined. The scene
then mixes each one in at its beat with Manim's `add_sound` and holds the picture until it ends.

`neural` speaks each beat with a neural voice that runs offline on the CPU: hibari-tts, a 6 M
parameter ONNX model distilled from Kokoro-82M's af_heart voice (Apache-2.0), its weights inside the
wheel, run by onnxruntime (about 40x faster than real time here; chosen by measurement, see README).
`synth` speaks with espeak-ng (Debian's package; a formant synthesiser: intelligible, robotic, tiny).
Both read the narration's speech form (output.speech: α → "alpha", e_ij → "e i j", 92% → "92
percent"), not its subtitle form. The narration comes from the scene itself, without rendering
video: a dry run (`scene_beats`) plays the scene with Manim's last-frame mode, which skips every
animation but keeps the scene's clock.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import shutil
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from model.files import UnsafeFile, atomic_write_bytes, check_file, confined, read_bounded
from output import speech, worker
from output.jobs import ROOT, RenderError, RenderJob
from output.runner import run_jobs
from scenes.catalog import RECORDING_EXTENSIONS

SYNTH = "synth"
SYNTH_COMMAND = "espeak-ng"
SYNTH_VOICE = "en-us"
SYNTH_WORDS_PER_MINUTE = 160
RATE = 48_000
TARGET_LUFS = -16.0
PEAK_CEILING = 10 ** (-1.5 / 20)  # -1.5 dBFS: headroom for the AAC encoder's overshoot
SILENCE_DB = -40.0  # quieter than this, relative to the loudest 10 ms, is silence at the ends
SYNTH_CACHE = ROOT / ".cache" / "voice"
NEURAL = "neural"
NEURAL_PACKAGE = "hibari-tts"  # pinned in requirements.txt; `import hibari`
NEURAL_VOICE = "heart"  # the voice inside the wheel (the others would be downloaded: never here)
NEURAL_SPEED = 1.0  # hibari's speed (durations are divided by it): at 1.0 the beats measured 134-215 words/min
NEURAL_WORDS_PER_MINUTE = (130, 180)  # a beat said faster (or slower) is said again at the speed that brings it here
NEURAL_SEED = 0  # the noise component fixed: the same text gives the same audio (and cache entry)
VOICES = (SYNTH, NEURAL)  # the synthesised voices; anything else given to --voice is a folder


@dataclass(frozen=True)
class Beat:
    scene: str
    name: str
    narration: str
    seconds: float  # how long the beat lasts without a voice: the target length of a recording


# --- which voice ---------------------------------------------------------------------------------
class VoiceError(ValueError):
    """A --voice that cannot be used: the synthesiser is missing, or the folder is not there."""


def check(voice: str | None) -> None:
    """VoiceError with one clear sentence when `voice` cannot be used on this machine."""
    if voice is None:
        return
    if voice == NEURAL:
        if not neural_available():
            raise VoiceError(f"--voice neural needs the Python package {NEURAL_PACKAGE} (requirements.txt; "
                             "`make setup` installs it)")
        return
    if voice == SYNTH:
        if shutil.which(SYNTH_COMMAND) is None:
            raise VoiceError(f"--voice synth needs {SYNTH_COMMAND} (Debian package espeak-ng; `make setup` "
                             "installs it)")
        return
    if not Path(voice).is_dir():
        raise VoiceError(f"--voice: '{voice}' is neither `neural`, `synth` nor a folder of recordings "
                         "(<folder>/<scene>/<beat>.wav|mp3|m4a; `render.py script` lists the beats)")
    for folder in sorted(Path(voice).iterdir()):  # every recording checked before any render starts
        if folder.is_dir():
            _recordings(Path(voice), folder.name)


def describe(voice: str) -> str:
    """The voice source, as the manifest names it."""
    if voice == SYNTH:
        return f"synth: {synth_version()}, voice {SYNTH_VOICE}, {SYNTH_WORDS_PER_MINUTE} words/min"
    if voice == NEURAL:
        return (f"neural: {NEURAL_PACKAGE} {neural_version()}, voice {NEURAL_VOICE} (distilled from Kokoro-82M "
                f"af_heart; Apache-2.0), speed {NEURAL_SPEED}, model sha256 {neural_model_sha256()}")
    return f"recordings: {Path(voice).resolve()}"


def neural_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("hibari") is not None and importlib.util.find_spec("onnxruntime") is not None


@functools.lru_cache(maxsize=1)
def neural_version() -> str:
    from importlib.metadata import version

    return version(NEURAL_PACKAGE)


@functools.lru_cache(maxsize=1)
def neural_model_path() -> Path:
    """The bundled voice's ONNX file (never downloaded: the package's own registry says it is bundled)."""
    from hibari.voices import VOICES as HIBARI_VOICES
    from hibari.voices import voice_path

    if not HIBARI_VOICES[NEURAL_VOICE].get("bundled"):
        raise VoiceError(f"hibari's voice {NEURAL_VOICE} is not inside the package: it would be downloaded")
    return Path(voice_path(NEURAL_VOICE, download_missing=False))


@functools.lru_cache(maxsize=1)
def neural_model_sha256() -> str:
    return hashlib.sha256(neural_model_path().read_bytes()).hexdigest()


def neural_settings() -> list:
    """Everything that decides the neural voice's audio for a text (the cache keys hold it)."""
    return [NEURAL, neural_version(), NEURAL_VOICE, neural_model_sha256(), NEURAL_SPEED,
            list(NEURAL_WORDS_PER_MINUTE), NEURAL_SEED]


@functools.lru_cache(maxsize=1)
def synth_version() -> str:
    out = subprocess.run([SYNTH_COMMAND, "--version"], capture_output=True, text=True).stdout
    return " ".join(word for word in out.split()[:4] if word != "text-to-speech:") or SYNTH_COMMAND


def cache_part(job: RenderJob) -> list | None:
    """What of the voice the render cache key must hold: the synthesiser's version and settings, or
    the names and content of this scene's recordings."""
    if job.voice is None:
        return None
    settings = [TARGET_LUFS, PEAK_CEILING, SILENCE_DB, RATE]
    if job.voice == SYNTH:
        return [SYNTH, synth_version(), SYNTH_VOICE, SYNTH_WORDS_PER_MINUTE, *settings]
    if job.voice == NEURAL:
        return [*neural_settings(), *settings]
    h = hashlib.sha256()
    for path in _recordings(Path(job.voice), job.scene.key):
        h.update(f"{path.name}\n".encode())
        h.update(_read_recording(path))
    return [str(Path(job.voice).resolve()), h.hexdigest(), *settings]


def _recordings(voice: Path, scene: str) -> list[Path]:
    """The recordings of `scene` in the folder `voice`; VoiceError, at once and without opening it, for
    one that is not a regular file (a FIFO, a link to /dev/zero), lies outside `voice` or is too large."""
    folder = voice / scene
    found = sorted(p for p in folder.glob("*") if p.suffix[1:].lower() in RECORDING_EXTENSIONS) if folder.is_dir() else []
    for path in found:
        try:
            check_file(path, "recording")
            confined(voice, path.relative_to(voice), "recording")
        except UnsafeFile as err:
            raise VoiceError(f"--voice: {err}") from None
    return found


def _read_recording(path: Path) -> bytes:
    try:
        return read_bounded(path, "recording")
    except UnsafeFile as err:
        raise VoiceError(f"--voice: {err}") from None


# --- the beats of a scene, without rendering video -------------------------------------------------
def scene_beats(job: RenderJob, work: Path | None = None, verbose: bool = False, slot: int = 0) -> list[Beat]:
    """Run the scene with every animation skipped (Manim's -s: only the last frame is drawn) and read
    the beats the scene base wrote: names, narration and how long each lasts silent. `work`: a folder
    to run in (default: a temporary one); `slot`: whose LaTeX/text caches to use, as for a render."""
    from output.manim_call import MANIM_CACHE, manim_args

    if work is None:
        with tempfile.TemporaryDirectory(prefix="beats-") as tmp:
            return scene_beats(job, Path(tmp), verbose, slot)
    media = work / "dry-run"
    dry = replace(job, example=replace(job.example, voice=None), quality="low", fmt="mp4", transparent=False)
    worker.run(dry.example, manim_args(dry, media, last_frame_only=True, cache_dir=MANIM_CACHE / f"slot-{slot}"),
               what=job.scene.key, verbose=verbose)
    beats = json.loads((media / "beats" / f"{job.scene.cls}.json").read_text(encoding="utf-8"))
    return [Beat(job.scene.key, b["name"], b["narration"], round(b["end"] - b["start"], 2)) for b in beats]


def recording_script(jobs: list[RenderJob], target: Path | None, verbose: bool = False) -> str:
    """The recording script of the jobs' scenes (their dry runs in parallel), written to `target` as
    `write_script` does; RenderError naming the scenes whose beats could not be read."""
    outcome = run_jobs(jobs, lambda job, slot: scene_beats(job, verbose=verbose, slot=slot),
                       longest_first=lambda job: job.scene.typical_seconds)
    if outcome.failures:
        raise RenderError("\n".join(str(err) for _, err in outcome.failures))
    return write_script([beat for _, beats in outcome.results for beat in beats], target)


def write_script(beats: list[Beat], target: Path | None) -> str:
    """The recording script: one row per beat (scene, beat, file to record, target seconds, text, and
    in CSV and JSON its speech form for a text-to-speech tool). CSV for a .csv target, JSON for
    .json, else text to read from; returns what was written. The text is the subtitles' (names as
    Unicode, sᵢ₋₁), for a person to read aloud."""
    from scenes.kit.scene import readable_names  # Manim loads only when a script is written

    said = [speech.spoken(b.narration) for b in beats]  # the speech form: what a text-to-speech tool should read
    beats = [replace(b, narration=readable_names(b.narration)) for b in beats]
    if target is not None and target.suffix == ".json":
        text = json.dumps([{"scene": b.scene, "beat": b.name, "file": f"{b.scene}/{b.name}.wav",
                            "seconds": b.seconds, "text": b.narration, "speech": s} for b, s in zip(beats, said)],
                          indent=1, ensure_ascii=False)
    elif target is not None and target.suffix == ".csv":
        buffer = io.StringIO()
        rows = csv.writer(buffer)
        rows.writerow(["scene", "beat", "file", "seconds", "text", "speech"])
        rows.writerows([b.scene, b.name, f"{b.scene}/{b.name}.wav", b.seconds, b.narration, s]
                       for b, s in zip(beats, said))
        text = buffer.getvalue()
    else:
        lines = ["Recording script: one file per beat, <folder>/<scene>/<beat>.wav (or .mp3, .m4a).",
                 "A beat lasts at least as long as its recording; the seconds are its length without a voice.", ""]
        for b in beats:
            lines += [f"{b.scene}/{b.name}.wav  (≈ {b.seconds:.1f} s)", f"    {b.narration}", ""]
        text = "\n".join(lines)
    if target is not None:
        atomic_write_bytes(target, text.encode("utf-8"))
    return text


# --- preparing the recordings a scene plays --------------------------------------------------------
def prepare(job: RenderJob, work: Path, verbose: bool = False, slot: int = 0) -> tuple[Path, dict]:
    """Clean per-beat WAVs for `job.scene` in <work>/voice/<scene>/ (the folder to hand the scene as
    `Example.voice`), and what the manifest says of them: source, target loudness, each beat's result."""
    folder = work / "voice"
    (folder / job.scene.key).mkdir(parents=True, exist_ok=True)
    info: dict = {"source": describe(job.voice), "target_lufs": TARGET_LUFS, "loudness": {}}
    if job.voice == NEURAL:
        info["model_sha256"] = neural_model_sha256()
    if job.voice in VOICES:
        beats = scene_beats(job, work, verbose, slot)
        sources = {b.name: synthesise(b.narration, job.voice) for b in beats if b.narration.strip()}
    else:
        sources = {p.stem: p for p in _recordings(Path(job.voice), job.scene.key)}
    for name, source in sources.items():
        data = _read_recording(source)  # bounded, a regular file: checked on the open file
        try:
            samples = clean(decode(io.BytesIO(data)))
        except (OSError, ValueError) as err:  # av raises subclasses of both for unreadable files
            raise RenderError(f"{job.scene.key}: cannot read the recording {source}: {err}") from err
        if not len(samples):
            raise RenderError(f"{job.scene.key}: the recording {source} is silent (every sample "
                              "is zero); record it again or remove it")
        write_wav(folder / job.scene.key / f"{name}.wav", samples)
        info["loudness"][name] = round(loudness(samples), 1)
    return folder, info


def report(info: dict, beats: list[dict]) -> dict:
    """The voice's entry of the manifest, after the render: beats that had no recording (they kept
    their reading time) and recordings that matched no beat (a misspelt file name, say)."""
    names = {b["name"] for b in beats}
    return {**info, "missing": [b["name"] for b in beats if b.get("speech") is None],
            "unused": sorted(set(info["loudness"]) - names)}


def synthesise(text: str, voice: str = SYNTH) -> Path:
    """A synthesised WAV of `text`'s speech form (output.speech), by `voice` (SYNTH or NEURAL); cached
    by the spoken text, the voice and its version and settings under .cache/voice/."""
    spoken = speech.spoken(text)
    settings = neural_settings() if voice == NEURAL else [synth_version(), SYNTH_VOICE, SYNTH_WORDS_PER_MINUTE]
    key = hashlib.sha256(json.dumps([*settings, spoken]).encode()).hexdigest()
    target = SYNTH_CACHE / f"{key[:24]}.wav"
    if not target.exists():
        SYNTH_CACHE.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, _neural_wav(spoken) if voice == NEURAL else _synth_wav(spoken))
    return target


def _synth_wav(spoken: str) -> bytes:
    proc = subprocess.run([SYNTH_COMMAND, "-v", SYNTH_VOICE, "-s", str(SYNTH_WORDS_PER_MINUTE), "-b", "1",
                           "--stdout"], input=spoken.encode("utf-8"), capture_output=True)
    if proc.returncode != 0 or not proc.stdout:
        raise RenderError(f"{SYNTH_COMMAND} failed: {proc.stderr.decode(errors='replace')[-300:]}")
    return proc.stdout


_NEURAL_LOCK = threading.Lock()  # one model per process, shared by the runner's threads


@functools.lru_cache(maxsize=1)
def neural_model():
    """The neural voice, loaded once per process (about a second): its bundled model, one thread."""
    from hibari import Hibari

    return Hibari(voice=NEURAL_VOICE, model=str(neural_model_path()), threads=1)


def words_per_minute(spoken: str, samples: np.ndarray, rate: int) -> float:
    """The pace of a spoken text: its words over its sound, the quiet ends trimmed as a render trims them."""
    seconds = len(trim_silence(samples, rate)) / rate
    return speech.word_count(spoken) / seconds * 60 if seconds else 0.0


def _neural_wav(spoken: str) -> bytes:
    """The neural voice's WAV of a speech form, at NEURAL_SPEED, or, when that pace falls outside
    NEURAL_WORDS_PER_MINUTE (a beat of short words runs fast), again at the speed that brings it in."""
    low, high = NEURAL_WORDS_PER_MINUTE
    with _NEURAL_LOCK:
        try:
            tts = neural_model()
        except (ImportError, OSError, RuntimeError, ValueError) as err:  # a broken install: one line, not a trace
            raise RenderError(f"the neural voice ({NEURAL_PACKAGE}) could not load: {err}") from err
        speed = NEURAL_SPEED
        samples = tts(spoken, speed=speed, seed=NEURAL_SEED)
        for _ in range(3):  # pauses stretch less than words: a second try lands closer
            pace = words_per_minute(spoken, samples, tts.sample_rate)
            if not pace or low <= pace <= high:
                break
            speed *= min(max(pace, low), high) / pace
            samples = tts(spoken, speed=speed, seed=NEURAL_SEED)
    if not len(samples):
        raise RenderError(f"the neural voice said nothing for: {spoken[:80]}")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:  # 16-bit mono at the model's rate; decode() resamples it
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(tts.sample_rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


# --- audio: decode, clean, measure, write ----------------------------------------------------------
def decode(path, rate: int = RATE) -> np.ndarray:
    """Any audio file PyAV reads (a path, or an open binary file) → mono float32 samples at `rate`."""
    import av

    chunks = []
    with av.open(path if hasattr(path, "read") else str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    if not chunks:
        raise ValueError("no audio in it")
    return np.concatenate(chunks).astype(np.float32)


def trim_silence(samples: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Cut the quiet ends (below SILENCE_DB of the loudest 10 ms), keeping 20 ms before the sound."""
    window = rate // 100
    n = len(samples) // window
    if n == 0:
        return samples
    rms = np.sqrt(np.mean(samples[: n * window].reshape(n, window) ** 2, axis=1))
    loud = np.flatnonzero(rms > rms.max() * 10 ** (SILENCE_DB / 20))
    if len(loud) == 0:
        return samples[:0]
    start = max(0, loud[0] * window - rate // 50)
    return samples[start: min(len(samples), (loud[-1] + 1) * window + rate // 20)]


def loudness(samples: np.ndarray, rate: int = RATE) -> float:
    """Integrated loudness in LUFS (BS.1770-4); -inf for silence or under 0.4 s."""
    import pyloudnorm

    if len(samples) < int(0.4 * rate) or not np.any(samples):
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def limit(samples: np.ndarray, ceiling: float = PEAK_CEILING, rate: int = RATE) -> np.ndarray:
    """A peak limiter: gain that dips smoothly (5 ms) wherever a sample would pass `ceiling`."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    need = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-9))
    w = max(1, rate // 200)
    gain = uniform_filter1d(minimum_filter1d(need, size=2 * w + 1), size=w)  # never above the need at a peak
    return np.clip(samples * gain, -ceiling, ceiling).astype(np.float32)


def clean(samples: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Trimmed, at TARGET_LUFS (two passes of gain and limiting), peaks under PEAK_CEILING."""
    samples = trim_silence(samples, rate)
    for _ in range(2):
        measured = loudness(samples, rate)
        if not np.isfinite(measured):
            break
        samples = limit(samples * np.float32(10 ** ((TARGET_LUFS - measured) / 20)), rate=rate)
    return samples


def write_wav(target: Path, samples: np.ndarray, rate: int = RATE) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


# --- slides: manim-slides' per-slide clips are cut from silent partial movies ---------------------
def add_audio_to_slides(movie: Path, slides: list[Path]) -> None:
    """Give each slide clip its stretch of the scene's sound track (`movie`, the whole scene with
    audio; the slides follow each other in it), so the slides speak as the clip does."""
    track = decode(movie)
    offset = 0.0
    for slide in slides:
        seconds = video_seconds(slide)
        piece = track[round(offset * RATE): round((offset + seconds) * RATE)]
        piece = np.pad(piece, (0, max(0, round(seconds * RATE) - len(piece))))
        mux_audio(slide, piece)
        offset += seconds


def mux_audio(video: Path, samples: np.ndarray, rate: int = RATE) -> None:
    """Replace `video` by itself with `samples` as its (AAC or Opus) sound track; video packets are copied."""
    import av

    tmp = video.with_name(f".{video.stem}.audio{video.suffix}")
    with av.open(str(video)) as src, av.open(str(tmp), "w") as out:
        v_in = src.streams.video[0]
        v_out = out.add_stream_from_template(v_in)
        a_out = out.add_stream("libopus" if video.suffix == ".webm" else "aac", rate=rate, layout="mono")
        for packet in src.demux(v_in):
            if packet.dts is None:
                continue
            packet.stream = v_out
            out.mux(packet)
        encode_into(out, a_out, samples, rate)
    tmp.replace(video)


def encode_into(out, stream, samples: np.ndarray, rate: int = RATE) -> None:
    """Encode mono float samples into an open output `stream` (frames of 1024 samples)."""
    import av

    step = 1024
    for start in range(0, len(samples), step):
        frame = av.AudioFrame.from_ndarray(samples[None, start:start + step].astype(np.float32), format="flt",
                                           layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def sound_track(video: Path) -> np.ndarray | None:
    """A clip's sound track as mono samples at RATE, or None when it has none."""
    import av

    with av.open(str(video)) as container:
        if not container.streams.audio:
            return None
    return decode(video)


def video_seconds(video: Path) -> float:
    """The length of a clip's video stream."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None:
            return float(stream.duration * stream.time_base)
        return container.duration / 1e6
