"""Captions for the web: a WebVTT file beside every .srt.

HTML5's `<track>` (and so every browser, LMS player and reveal.js page) reads WebVTT, not SRT.
The cues are the .srt's, parsed with the `srt` library; the text is escaped as WebVTT requires
(`<`, `>` and `&` are markup there, so a token written `<eos>` would vanish as a tag).
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import cast

import srt

from model.files import atomic_write_text


def timestamp(delta: datetime.timedelta) -> str:
    """HH:MM:SS.mmm, WebVTT's cue time (hours always written, milliseconds rounded)."""
    millis = round(delta.total_seconds() * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def escape(text: str) -> str:
    """Cue text as WebVTT reads it back: markup characters escaped, no blank line inside a cue
    (a blank line ends it) and no '-->' (it would read as a timing line)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines).replace("-->", "--&gt;")


def vtt_from_subtitles(subtitles) -> str:
    """A WebVTT document of `subtitles` (srt.Subtitle objects), in their order."""
    cues = [f"{timestamp(sub.start)} --> {timestamp(sub.end)}\n{escape(sub.content)}"
            for sub in subtitles if sub.end > sub.start]
    return "WEBVTT\n\n" + "".join(cue + "\n\n" for cue in cues)


def vtt_from_srt(text: str) -> str:
    return vtt_from_subtitles(srt.parse(text))


def write_vtt(srt_path: Path, target: Path | None = None) -> Path:
    """Write the WebVTT twin of `srt_path` (beside it, `.vtt`, unless `target` says where); atomically."""
    target = target or srt_path.with_suffix(".vtt")
    atomic_write_text(target, vtt_from_srt(srt_path.read_text(encoding="utf-8")))
    return target


# --- captions burned into the picture, for players and LMSs that show no caption track -------------

def caption_font(text: str) -> str:
    """A font file (fontconfig's choice) that has a glyph for every character of `text`, else the
    default sans: Pillow shapes text (raqm) but does not fall back from font to font."""
    import subprocess

    chars = sorted({ord(c) for c in text if not c.isspace()})
    pattern = "sans" + (f":charset={' '.join(f'{c:x}' for c in chars)}" if chars else "")
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        found = ""
    return found or "DejaVuSans.ttf"


def caption_image(text: str, width: int, height: int):
    """The cue as an RGBA picture the width of the frame: light text on a translucent dark band,
    wrapped to 86 % of the width, at a size readable at any resolution (1/20 of the height)."""
    from PIL import Image, ImageDraw, ImageFont

    size = max(10, round(height / 20))
    font = ImageFont.truetype(caption_font(text), size)
    measure = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            wider = f"{line} {word}".strip()
            if line and measure.textlength(wider, font=font) > 0.86 * width:
                lines.append(line)
                line = word
            else:
                line = wider
        lines.append(line)
    step = round(size * 1.25)
    pad = round(size * 0.35)
    band = Image.new("RGBA", (width, step * len(lines) + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    widest = max(measure.textlength(line, font=font) for line in lines)
    left = (width - widest) / 2
    draw.rectangle([left - pad, 0, left + widest + pad, band.height], fill=(0, 0, 0, 170))
    for i, line in enumerate(lines):
        draw.text((width / 2, pad + i * step), line, font=font, fill=(255, 255, 255, 255), anchor="ma")
    return band


def burn(video: Path, subtitles: Path, target: Path) -> Path:
    """`video` with the cues of `subtitles` drawn into its frames, written to `target` (atomically);
    the sound track is copied as it is. The picture is encoded again with x264, so this costs about
    one encoding of the video."""
    import av
    from PIL import Image

    from model.files import atomic_path
    from output.encoding import preset

    cues = [(sub.start.total_seconds(), sub.end.total_seconds(), sub.content)
            for sub in srt.parse(subtitles.read_text(encoding="utf-8"))]
    bands: dict[str, Image.Image] = {}
    with av.open(str(video)) as source, atomic_path(target) as tmp, av.open(str(tmp), "w", format="mp4") as out:
        v_in = source.streams.video[0]
        a_in = source.streams.audio[0] if source.streams.audio else None
        v_out = out.add_stream("libx264", rate=v_in.average_rate, options={"preset": preset(), "crf": "23"})
        v_out.width, v_out.height, v_out.pix_fmt = v_in.width, v_in.height, "yuv420p"
        a_out = out.add_stream_from_template(a_in) if a_in is not None else None
        streams: list[av.stream.Stream] = [v_in] if a_in is None else [v_in, a_in]
        for packet in source.demux(*streams):
            if packet.stream is not v_in:  # the sound, copied as it is
                if packet.dts is not None and a_out is not None:
                    packet.stream = a_out
                    out.mux(packet)
                continue
            for frame in cast("list[av.VideoFrame]", packet.decode()):
                pts, time_base = frame.pts, frame.time_base
                when = float(pts * time_base) if pts is not None and time_base is not None else 0.0
                text = next((c for start, end, c in cues if start <= when < end), None)
                if text is not None:
                    if text not in bands:
                        bands[text] = caption_image(text, frame.width, frame.height)
                    band = bands[text]
                    picture = frame.to_image().convert("RGBA")
                    picture.alpha_composite(band, (0, frame.height - band.height - round(frame.height * 0.04)))
                    frame = av.VideoFrame.from_image(picture.convert("RGB"))
                frame = frame.reformat(format="yuv420p") if frame.format.name != "yuv420p" else frame
                frame.pts, frame.time_base = pts, time_base
                out.mux(v_out.encode(frame))
        out.mux(v_out.encode())
    return target
