"""Captions for the web: every .srt has a WebVTT twin that a browser's <track> reads back to the same cues."""
from __future__ import annotations

import datetime
import html
import io
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import srt
import webvtt
from browser import Browser

from output.captions import vtt_from_srt, write_vtt

SUBTITLES = [
    srt.Subtitle(1, datetime.timedelta(seconds=0.2), datetime.timedelta(seconds=1.5),
                 "It stops when it writes <eos>, its end-of-sentence token."),
    srt.Subtitle(2, datetime.timedelta(seconds=1.5), datetime.timedelta(seconds=2.75), "α & e_ij --> c_i"),
    srt.Subtitle(3, datetime.timedelta(hours=1, minutes=2, seconds=3.004), datetime.timedelta(hours=1, minutes=2, seconds=4),
                 "two lines\nof one cue"),
]


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def test_vtt_reads_back_as_the_srt_it_was_made_from():
    vtt = vtt_from_srt(srt.compose(SUBTITLES))
    assert vtt.startswith("WEBVTT\n\n")
    cues = list(webvtt.from_buffer(io.StringIO(vtt)))
    assert [(seconds(c.start), seconds(c.end)) for c in cues] == [
        (s.start.total_seconds(), s.end.total_seconds()) for s in SUBTITLES]
    assert [html.unescape(c.text) for c in cues] == [s.content for s in SUBTITLES]
    assert "<eos>" not in vtt  # a tag to a WebVTT reader: it would be dropped from the cue


def tiny_video(path: Path, seconds: float = 3.0) -> Path:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(int(seconds * 10)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 8 % 255, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def test_a_browser_track_reads_the_same_cues(tmp_path):
    subtitles = tmp_path / "clip.srt"
    subtitles.write_text(srt.compose(SUBTITLES[:2]), encoding="utf-8")
    write_vtt(subtitles)
    tiny_video(tmp_path / "clip.mp4")
    page = tmp_path / "page.html"
    # Chromium loads no <track> file from a file:// page (a unique origin), so the page hands the
    # browser's WebVTT parser the file's text as a blob: what an LMS serving the .vtt would give it
    vtt = json.dumps(subtitles.with_suffix(".vtt").read_text(encoding="utf-8"))
    page.write_text('<!doctype html><video src="clip.mp4" muted><track kind="captions" srclang="en" default></video>'
                    f'<script>document.querySelector("track").src = URL.createObjectURL('
                    f'new Blob([{vtt}], {{type: "text/vtt"}}));</script>', encoding="utf-8")
    with Browser(320, 240) as browser:
        browser.call("Emulation.setEmulatedMedia", media="screen")
        browser.open(page)
        cues = browser.evaluate("""new Promise((done, fail) => {
            const track = document.querySelector('track');
            const read = () => done(Array.from(track.track.cues, c => [c.startTime, c.endTime, c.getCueAsHTML().textContent]));
            if (track.readyState === 2) read(); else { track.onload = read; track.onerror = () => fail('track'); }
            setTimeout(() => fail('timeout'), 10000);
        })""")
    assert cues == [[s.start.total_seconds(), s.end.total_seconds(), s.content] for s in SUBTITLES[:2]]


def frames_of(video: Path) -> list[np.ndarray]:
    import av

    with av.open(str(video)) as container:
        return [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]


def test_burned_captions_draw_each_cue_in_its_time_and_nothing_else(tmp_path):
    from output.captions import burn

    source = tiny_video(tmp_path / "clip.mp4", seconds=3.0)
    subtitles = tmp_path / "clip.srt"
    cue = srt.Subtitle(1, datetime.timedelta(seconds=1.0), datetime.timedelta(seconds=2.0), "α looks at 'area'")
    subtitles.write_text(srt.compose([cue]), encoding="utf-8")
    burned = burn(source, subtitles, tmp_path / "clip--captioned.mp4")
    before, after = frames_of(source), frames_of(burned)
    assert len(after) == len(before) == 30
    band = slice(24, 46)  # the lower half, where the cue stands
    changed = [np.abs(a[band] - b[band]).max() > 60 for a, b in zip(after, before)]
    assert changed == [1.0 <= i / 10 < 2.0 for i in range(30)]


def test_render_burn_captions_needs_mp4():
    from tests.helpers import cli

    proc = cli("render", "rnn-relay", "--format", "webm", "--burn-captions", check=False)
    assert proc.returncode == 2 and "--burn-captions" in proc.stderr
