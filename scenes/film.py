"""Stitch rendered scene clips into one film with chapter markers and one subtitle file.

The clips share codec and size (one quality, one format), so their packets are copied into the
film without re-encoding: stitching takes a second, not minutes.
"""
from __future__ import annotations

import datetime
import os
from fractions import Fraction
from pathlib import Path

import srt


def stitch(clips: list[tuple[str, Path, Path | None]], target: Path) -> dict:
    """clips: (chapter title, video, subtitles or None) in order. Writes target video and .srt.

    Returns {"duration": seconds, "chapters": [{"title", "start", "end"}]}.
    """
    import av

    tmp_video = target.with_name(target.name + ".part" + target.suffix)
    chapters, subtitles = [], []
    offset = Fraction(0)
    with av.open(str(tmp_video), "w") as out:
        out_stream = None
        for title, video, subs in clips:
            with av.open(str(video)) as src:
                in_stream = src.streams.video[0]
                if out_stream is None:
                    out_stream = out.add_stream_from_template(in_stream)
                tb_in = in_stream.time_base
                shift = int(offset / tb_in)
                last_end = 0
                for packet in src.demux(in_stream):
                    if packet.dts is None:
                        continue
                    packet.pts = (packet.pts or 0) + shift
                    packet.dts = packet.dts + shift
                    last_end = max(last_end, packet.pts + (packet.duration or 0))
                    packet.stream = out_stream
                    out.mux(packet)
                length = Fraction(last_end - shift) * tb_in
            chapters.append({"title": title, "start": float(offset), "end": float(offset + length)})
            if subs and subs.exists():
                shift_td = datetime.timedelta(seconds=float(offset))
                for sub in srt.parse(subs.read_text(encoding="utf-8")):
                    subtitles.append(srt.Subtitle(index=0, start=sub.start + shift_td, end=sub.end + shift_td,
                                                  content=sub.content))
            offset += length
        out.set_chapters([
            {"id": i, "start": int(c["start"] * 1000), "end": int(c["end"] * 1000),
             "time_base": Fraction(1, 1000), "metadata": {"title": c["title"]}}
            for i, c in enumerate(chapters)])
    subs_tmp = target.with_suffix(".srt.part")
    subs_tmp.write_text(srt.compose(subtitles, reindex=True), encoding="utf-8")
    os.replace(tmp_video, target)
    os.replace(subs_tmp, target.with_suffix(".srt"))
    return {"duration": round(float(offset), 3), "chapters": chapters}


def read_chapters(video: Path) -> list[dict]:
    """The chapters of a video, as written by `stitch` (used by tests and `render.py film`)."""
    import av

    with av.open(str(video)) as container:
        return [{"title": c["metadata"].get("title"), "start": float(c["start"] * c["time_base"]),
                 "end": float(c["end"] * c["time_base"])} for c in container.chapters()]
