"""Lecture-hall ready: slides that work offline in a real browser, PDF and PPTX slides, and a voice
(the offline neural voice, the synthesiser, or recordings) timed to the beats. Real renders of the
shortest scene at low quality through render.py; the browser is Debian's Chromium, headless, with
no network."""
from __future__ import annotations

import hashlib
import json
import subprocess
import wave
import zipfile
from pathlib import Path

import numpy as np
import pytest
import srt
from browser import CHROMIUM, Browser
from PIL import Image

from output import voice
from output.film import stitch
from tests.helpers import cli

ROOT = Path(__file__).resolve().parent.parent
SCENE = "where-attention-lives"  # two beats, about 45 s (the transformer model's stacks), cheap to render
FRAME = 1 / 15  # one frame at --quality low


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("lecture-hall")


@pytest.fixture(scope="module")
def script(out):
    """The scene's beats, from `render.py script` (a dry run): names, narration, silent seconds."""
    cli("script", SCENE, "--out", str(out / "script.json"))
    beats = json.loads((out / "script.json").read_text(encoding="utf-8"))
    assert [b["beat"] for b in beats] == ["stack", "lit"] and all(b["seconds"] > 3 and b["text"] for b in beats)
    return beats


def sound_of(video: Path) -> np.ndarray:
    track = voice.sound_track(video)
    assert track is not None, f"{video.name} has no sound track"
    return track


def loud_windows(track: np.ndarray, window: float = 0.02) -> np.ndarray:
    """For each 20 ms of the track: is there sound (within 40 dB of the loudest)?"""
    n = int(window * voice.RATE)
    rms = np.sqrt(np.mean(track[: len(track) // n * n].reshape(-1, n) ** 2, axis=1))
    return rms > rms.max() * 10 ** (-40 / 20)


def speech_onset(track: np.ndarray, near: float, window: float = 0.02) -> float:
    """Where sound starts after `near` - 0.3 s; the track must be quiet there (speech starts after it)."""
    loud = loud_windows(track, window)
    first = max(0, int((near - 0.3) / window))
    assert not loud[first], f"sound already at {first * window:.2f} s, before the speech near {near:.2f} s"
    return (first + int(np.argmax(loud[first:]))) * window


def not_blank(image: Image.Image) -> float:
    """The share of pixels that differ clearly from the most common colour (the background)."""
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[np.argmax(counts)]
    return float(np.mean(np.abs(pixels - background).sum(axis=1) > 60))


# --- slides: html in a browser with no network, pdf, pptx --------------------------------------------
WALK = """(async () => {
  const wait = ms => new Promise(r => setTimeout(r, ms));
  for (const t0 = Date.now(); !(window.Reveal && Reveal.isReady()); await wait(50))
    if (Date.now() - t0 > 15000) throw new Error('reveal.js did not start');
  const seen = [];
  for (let k = 0; k < Reveal.getTotalSlides(); k++) {
    if (k > 0) Reveal.next();  // as the presenter's key would
    const i = Reveal.getIndices().h;
    let video = null;
    for (const t0 = Date.now(); Date.now() - t0 < 15000; await wait(50)) {
      video = Reveal.getSlideBackground(i).querySelector('video');
      if (video && (video.error || (video.readyState >= 2 && isFinite(video.duration)))) break;
    }
    seen.push({index: i, readyState: video ? video.readyState : -1, duration: video ? video.duration : null,
               src: video ? video.currentSrc : '', error: video && video.error ? video.error.code : null,
               muted: video ? video.muted : null, notes: Reveal.getSlideNotes(Reveal.getSlide(i))});
  }
  return seen;
})()"""
FIRST_SLIDE_AT_ITS_END = """(async () => {
  Reveal.slide(0);
  const video = Reveal.getSlideBackground(0).querySelector('video');
  video.pause();
  video.currentTime = video.duration - 0.3;
  await new Promise(r => video.addEventListener('seeked', r, {once: true}));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
})()"""


def test_html_slides_play_offline_in_headless_chromium(out, script):
    assert CHROMIUM, "chromium is not installed (make setup installs it)"
    proc = cli("slides", SCENE, "--voice", "synth", "--quality", "low", "--out", str(out / "html"))
    page = out / "html" / f"{SCENE}.slides.html"
    assert str(page) in proc.stdout
    assets = out / "html" / f"{SCENE}.slides_assets"
    assert (assets / "reveal.js" / "LICENSE").read_text().startswith("Copyright")
    with Browser(854, 480) as browser:
        browser.open(page)
        slides = browser.evaluate(WALK)
        browser.evaluate(FIRST_SLIDE_AT_ITS_END)
        shot = browser.screenshot(out / "first-slide.png")
        requests = browser.requests
    assert [s["index"] for s in slides] == [0, 1]  # one slide per beat, reached by advancing
    for slide, beat in zip(slides, script):
        clip = Path(slide["src"].removeprefix("file://"))
        assert clip.parent == assets and slide["error"] is None
        assert slide["readyState"] >= 2  # the clip's data is loaded, not only its metadata
        assert slide["duration"] == pytest.approx(voice.video_seconds(clip), abs=0.1)
        assert not slide["muted"] and len(sound_of(clip)) > 0  # the slides speak
        assert beat["text"] in slide["notes"]  # the narration is the presenter's note, first slide included
    assert requests and all(url.startswith(("file://", "data:")) for url in requests), requests
    with Image.open(shot) as image:
        assert image.size == (854, 480) and not_blank(image) > 0.02


def test_pdf_slides_have_a_page_per_beat(out, script):
    cli("slides", SCENE, "--to", "pdf", "--quality", "low", "--out", str(out / "pdf"))
    pdf = out / "pdf" / f"{SCENE}.slides.pdf"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(out / "pdf" / "page")], check=True)
    pages = sorted((out / "pdf").glob("page-*.png"))
    assert len(pages) == len(script)
    for page in pages:
        with Image.open(page) as image:
            assert not_blank(image) > 0.02


def test_pptx_slides_have_a_slide_and_a_note_per_beat(out, script):
    from pptx import Presentation

    cli("slides", SCENE, "--to", "pptx", "--quality", "low", "--out", str(out / "pptx"))
    deck = out / "pptx" / f"{SCENE}.slides.pptx"
    slides = list(Presentation(str(deck)).slides)
    assert len(slides) == len(script)
    for slide, beat in zip(slides, script):
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip() == beat["text"]
    with zipfile.ZipFile(deck) as archive:
        assert len([n for n in archive.namelist() if n.startswith("ppt/media/") and n.endswith(".mp4")]) == len(script)


# --- a voice ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "source"), [("synth", "synth: eSpeak NG"), ("neural", "neural: hibari-tts")])
def test_synthesised_voice_is_in_the_clip_and_the_subtitles_follow_it(out, script, name, source):
    cli("render", SCENE, "--voice", name, "--quality", "low", "--out", str(out / name))
    video = out / name / f"{SCENE}.mp4"
    manifest = json.loads(video.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["voice"]["source"].startswith(source) and manifest["voice"]["missing"] == []
    if name == "neural":  # the manifest names the model by its content
        digest = hashlib.sha256(voice.neural_model_path().read_bytes()).hexdigest()
        assert manifest["voice"]["model_sha256"] == digest and digest in manifest["voice"]["source"]
    track = sound_of(video)
    assert len(track) / voice.RATE == pytest.approx(voice.video_seconds(video), abs=0.1)
    cues = list(srt.parse(video.with_suffix(".srt").read_text(encoding="utf-8")))
    for beat, played in zip(script, manifest["beats"]):
        first_cue = next(c for c in cues if beat["text"].startswith(c.content))
        onset = speech_onset(track, first_cue.start.total_seconds())
        assert first_cue.start.total_seconds() == pytest.approx(onset, abs=0.2)
        # ... and its last cue ends with the speech, which the track shows ending there
        last_cue = [c for c in cues if c.content in beat["text"]][-1]
        in_beat = np.flatnonzero(loud_windows(track)) * 0.02
        speech_end = in_beat[(in_beat >= played["start"]) & (in_beat < played["end"])][-1] + 0.02
        assert last_cue.end.total_seconds() == pytest.approx(speech_end, abs=0.2)
        # the picture waits for the voice: the beat lasts until its speech has ended
        assert played["speech"] > 2 and played["end"] - played["start"] >= played["speech"] - FRAME
        speech = track[int(played["start"] * voice.RATE): int((played["start"] + played["speech"]) * voice.RATE)]
        assert voice.loudness(speech) == pytest.approx(voice.TARGET_LUFS, abs=1.5)
        assert np.abs(speech).max() < 0.999  # nothing clipped
        if name == "neural":  # a pace a listener follows
            assert 130 <= words_per_minute(played["narration"], played["speech"]) <= 190
    last_sound = np.flatnonzero(loud_windows(track))[-1] * 0.02
    assert last_sound < manifest["beats"][-1]["end"]  # the voice is not cut off at the end


def words_per_minute(narration: str, seconds: float) -> float:
    from output.speech import spoken, word_count

    return word_count(spoken(narration)) / seconds * 60


def tone(path: Path, seconds: float, hz: float = 330.0) -> None:
    t = np.arange(int(seconds * voice.RATE)) / voice.RATE
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(voice.RATE)
        out.writeframes((0.1 * np.sin(2 * np.pi * hz * t) * 32767).astype("<i2").tobytes())


def test_recordings_stretch_their_beats_and_a_missing_one_is_named(out, script):
    recordings = out / "recordings" / SCENE
    recordings.mkdir(parents=True)
    stack, lit = script
    long_take = stack["seconds"] + 3.0  # longer than the beat's silent length: the beat must stretch
    tone(recordings / "stack.wav", long_take)
    tone(recordings / "stak.wav", 1.0)  # a misspelt file name: matches no beat
    proc = cli("render", SCENE, "--voice", str(out / "recordings"), "--quality", "low", "--out", str(out / "mine"))
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert f"{SCENE}: lit" in warnings[0] and "reading time" in warnings[0]
    assert f"{SCENE}: stak" in warnings[1]
    video = out / "mine" / f"{SCENE}.mp4"
    manifest = json.loads(video.with_suffix(".json").read_text(encoding="utf-8"))
    played = {b["name"]: b for b in manifest["beats"]}
    assert played["stack"]["speech"] == pytest.approx(long_take, abs=0.05)
    assert played["stack"]["end"] - played["stack"]["start"] == pytest.approx(long_take + 0.4, abs=2 * FRAME)
    assert played["lit"]["speech"] is None
    assert played["lit"]["end"] - played["lit"]["start"] == pytest.approx(lit["seconds"], abs=0.1)
    assert manifest["voice"]["missing"] == ["lit"] and manifest["voice"]["source"].startswith("recordings: ")
    track = sound_of(video)
    loud = np.flatnonzero(loud_windows(track)) * 0.02
    assert loud[0] < 0.05 and loud[-1] == pytest.approx(long_take, abs=0.05)  # the whole take, then quiet
    assert voice.loudness(track[: int(long_take * voice.RATE)]) == pytest.approx(voice.TARGET_LUFS, abs=1)


# --- the parts, without Manim -------------------------------------------------------------------------
def test_clean_trims_silence_and_normalises_loudness():
    rng = np.random.default_rng(0)
    quiet, burst = np.zeros(voice.RATE // 2, np.float32), (0.02 * rng.standard_normal(2 * voice.RATE)).astype(np.float32)
    burst[1000] = 0.9  # a spike the limiter must hold under the ceiling
    cleaned = voice.clean(np.concatenate([quiet, burst, quiet]))
    assert len(cleaned) / voice.RATE == pytest.approx(2.0 + 0.02 + 0.05, abs=0.02)  # 20 ms before, 50 ms after
    assert voice.loudness(cleaned) == pytest.approx(voice.TARGET_LUFS, abs=0.3)
    assert np.abs(cleaned).max() <= voice.PEAK_CEILING + 1e-6


def clip(path: Path, seconds: float, sound: np.ndarray | None) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for _ in range(round(seconds * 15)):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.zeros((36, 64, 3), np.uint8), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    if sound is not None:
        voice.mux_audio(path, sound)
    return path


def test_the_film_joins_sound_tracks_in_step_with_its_chapters(tmp_path):
    beep = (0.2 * np.sin(np.arange(voice.RATE) / voice.RATE * 2 * np.pi * 440)).astype(np.float32)
    clips = [("one", clip(tmp_path / "one.mp4", 2.0, beep), None),  # a second of sound in a 2 s clip
             ("two", clip(tmp_path / "two.mp4", 1.0, None), None),  # a silent clip
             ("three", clip(tmp_path / "three.mp4", 2.0, np.concatenate([beep, beep, beep])), None)]  # too long
    made = stitch(clips, tmp_path / "film.mp4")
    track = sound_of(tmp_path / "film.mp4")
    assert len(track) / voice.RATE == pytest.approx(made["duration"], abs=0.05) and made["duration"] == pytest.approx(5.0)
    loud = loud_windows(track)
    assert loud[5] and not loud[60] and not loud[120] and loud[160] and loud[-2]  # each chapter its own sound
    assert [c["start"] for c in made["chapters"]] == pytest.approx([0, 2, 3])


def test_the_voice_reaches_the_scene_and_the_render_cache(tmp_path):
    from output.cache import cache_key
    from output.jobs import RenderJob
    from scenes.catalog import BY_KEY, Example
    from scenes.kit.scene import find_recording

    example = Example(sentence="the cat", voice=tmp_path)
    assert Example.from_env(example.environment({})) == example
    assert Example.from_env(Example().environment(example.environment({}))).voice is None  # a stale voice is dropped
    (tmp_path / SCENE).mkdir()
    tone(tmp_path / SCENE / "stack.wav", 0.5)
    assert find_recording(tmp_path, SCENE, "stack") == tmp_path / SCENE / "stack.wav"
    assert find_recording(tmp_path, SCENE, "lit") is None and find_recording(None, SCENE, "stack") is None
    jobs = [RenderJob(scene=BY_KEY[SCENE], quality="low", voice=v) for v in (None, "synth", str(tmp_path), "neural")]
    keys = [cache_key(job) for job in jobs]
    assert len(set(keys)) == 4
    tone(tmp_path / SCENE / "stack.wav", 0.6)  # a new take of one beat: render again
    assert cache_key(jobs[2]) != keys[2] and cache_key(jobs[1]) == keys[1]


def test_a_voice_that_cannot_be_used_is_bad_input(tmp_path):
    proc = cli("render", SCENE, "--voice", str(tmp_path / "no-such-folder"), check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("error: --voice:") and len(proc.stderr.splitlines()) == 1


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
