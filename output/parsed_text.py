"""Text a preview fork parsed, carried back to the preview server as data that cannot run code.

A preview render runs in a fork of the warm server, and the SVG glyphs it parses (output.speedups'
cache and Manim's TeX cache) die with the fork unless they are handed back; the next new sentence
then parses only its own words. They used to travel as a pickle through a file in /tmp, and a pickle
runs whatever code its bytes name. Here they travel as JSON plus raw numeric arrays through the
fork's pipe: the decoder builds only the classes listed in `_CLASSES` (the glyph mobjects a parsed
SVG is made of), sets their attributes from plain values, and refuses anything else.

What a cache hit reads of an entry is its submobjects and their `id_to_vgroup_dict`
(output.speedups `_init_svg_mobject`, Manim's `SVGMobject.init_svg_mobject`), so an entry is carried
as those and comes back as a VGroup holding them. An entry holding a value this format cannot carry
(an updater, a user's own class) is left out: that text is parsed again later, nothing more.
"""
from __future__ import annotations

import enum
import json
import struct
from pathlib import Path, PurePath

import numpy as np

_HEADER = struct.Struct("<Q")
MAX_BYTES = 512 * 2**20  # a fork never hands back more than this (a sentence's glyphs are a few MB)
_ARRAY_KINDS = "biuf"    # numeric arrays only: an object array could hold anything


class Unencodable(TypeError):
    """A value this format does not carry."""


def _classes() -> dict[str, type]:
    from manim import VGroup
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

    return {"VMobjectFromSVGPath": VMobjectFromSVGPath, "VGroup": VGroup}


def _enums() -> dict[str, type[enum.Enum]]:
    from manim.constants import CapStyleType, LineJointType

    return {"LineJointType": LineJointType, "CapStyleType": CapStyleType}


class _Encoder:
    def __init__(self) -> None:
        self.classes = {cls: name for name, cls in _classes().items()}
        self.enums = {cls: name for name, cls in _enums().items()}
        self.objects: list[dict] = []
        self.refs: dict[int, int] = {}
        self.arrays: list[np.ndarray] = []

    def mobject(self, mob) -> dict:
        name = self.classes.get(type(mob))
        if name is None:
            raise Unencodable(type(mob).__qualname__)
        if id(mob) not in self.refs:
            self.refs[id(mob)] = len(self.objects)
            record = {"cls": name, "attrs": None}
            self.objects.append(record)
            record["attrs"] = {key: self.value(v) for key, v in vars(mob).items()}
        return {"o": self.refs[id(mob)]}

    def value(self, v):  # noqa: PLR0911  (one branch per kind of value)
        import svgelements as se
        from manim.utils.color import ManimColor

        kind = type(v)
        if v is None or kind in (bool, int, str):
            return v
        if kind is float:
            return {"f": repr(v)}  # nan and inf survive
        if kind is list:
            return {"l": [self.value(x) for x in v]}
        if kind is tuple:
            return {"t": [self.value(x) for x in v]}
        if kind is dict and all(type(k) is str for k in v):
            return {"d": {k: self.value(x) for k, x in v.items()}}
        if kind is np.ndarray and v.dtype.kind in _ARRAY_KINDS:
            self.arrays.append(np.ascontiguousarray(v))
            return {"a": len(self.arrays) - 1}
        if isinstance(v, np.generic) and v.dtype.kind in _ARRAY_KINDS:
            return {"n": [v.dtype.str, v.item()]}
        if kind is ManimColor:
            return {"c": self.value(v._internal_value)}
        if kind in self.enums:
            return {"e": [self.enums[kind], v.name]}
        if isinstance(v, PurePath):
            return {"p": str(v)}
        if kind is se.Path:
            return {"svg": v.d()}
        if kind in self.classes:
            return self.mobject(v)
        raise Unencodable(kind.__qualname__)

    def entry(self, mob) -> dict:
        groups = getattr(mob, "id_to_vgroup_dict", {})
        if type(groups) is not dict:
            raise Unencodable("id_to_vgroup_dict")
        return {"sub": [self.mobject(m) for m in mob.submobjects],
                "ids": {str(k): self.mobject(g) for k, g in groups.items()}}


def encode(entries: tuple[dict, dict]) -> bytes:
    """Both caches' new entries (speedups.new_svg_entries) as bytes; entries it cannot carry are left out."""
    encoder = _Encoder()
    caches = []
    for cache in entries:
        kept = []
        for key, mob in cache.items():
            mark = (len(encoder.objects), len(encoder.arrays), dict(encoder.refs))
            try:
                kept.append([_key(key), encoder.entry(mob)])
            except (Unencodable, RecursionError):
                del encoder.objects[mark[0]:], encoder.arrays[mark[1]:]
                encoder.refs = mark[2]
        caches.append(kept)
    arrays = [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in encoder.arrays]
    header = json.dumps({"caches": caches, "objects": encoder.objects, "arrays": arrays}).encode()
    return b"".join([_HEADER.pack(len(header)), header, *(a.tobytes() for a in encoder.arrays)])


def _key(key):
    if type(key) is tuple and all(type(k) in (str, int) for k in key):
        return {"t": list(key)}
    if type(key) in (str, int):
        return key
    raise Unencodable("key")


class _Decoder:
    def __init__(self, header: dict, data: memoryview) -> None:
        self.classes = _classes()
        self.enums = _enums()
        self.arrays = []
        at = 0
        for spec in header["arrays"]:
            dtype = np.dtype(spec["dtype"])
            if dtype.kind not in _ARRAY_KINDS:
                raise ValueError(f"an array of kind {dtype.kind!r}")
            count = int(np.prod(spec["shape"], dtype=np.int64))
            size = count * dtype.itemsize
            if at + size > len(data):
                raise ValueError("truncated arrays")
            self.arrays.append(np.frombuffer(data[at:at + size], dtype=dtype).reshape(spec["shape"]).copy())
            at += size
        records = header["objects"]
        self.objects = [self.classes[r["cls"]].__new__(self.classes[r["cls"]]) for r in records]
        for obj, record in zip(self.objects, records, strict=True):
            obj.__dict__.update({str(k): self.value(v) for k, v in record["attrs"].items()})

    def value(self, v):  # noqa: PLR0911
        import svgelements as se
        from manim.utils.color import ManimColor

        if v is None or type(v) in (bool, int, str):
            return v
        (tag, x), = v.items()
        if tag == "f":
            return float(x)
        if tag == "l":
            return [self.value(i) for i in x]
        if tag == "t":
            return tuple(self.value(i) for i in x)
        if tag == "d":
            return {str(k): self.value(i) for k, i in x.items()}
        if tag == "a":
            return self.arrays[x]
        if tag == "n":
            dtype = np.dtype(x[0])
            if dtype.kind not in _ARRAY_KINDS:
                raise ValueError(f"a number of kind {dtype.kind!r}")
            return dtype.type(x[1])
        if tag == "c":
            color = ManimColor.__new__(ManimColor)
            color._internal_value = np.asarray(self.value(x), dtype=float)
            return color
        if tag == "e":
            return self.enums[x[0]][x[1]]
        if tag == "p":
            return Path(str(x))
        if tag == "svg":
            return se.Path(str(x))
        if tag == "o":
            return self.objects[x]
        raise ValueError(f"an unknown value tag {tag!r}")


def decode(data: bytes) -> tuple[dict, dict]:
    """The caches' entries `encode` wrote; ValueError (or KeyError) for anything it did not write."""
    from manim import VGroup

    if len(data) > MAX_BYTES or len(data) < _HEADER.size:
        raise ValueError("not parsed text")
    (size,) = _HEADER.unpack_from(data)
    header = json.loads(bytes(data[_HEADER.size:_HEADER.size + size]))
    decoder = _Decoder(header, memoryview(data)[_HEADER.size + size:])
    caches = []
    for kept in header["caches"]:
        cache = {}
        for key, entry in kept:
            group = VGroup()
            group.add(*[decoder.value(m) for m in entry["sub"]])
            group.id_to_vgroup_dict = {k: decoder.value(g) for k, g in entry["ids"].items()}
            cache[tuple(key["t"]) if isinstance(key, dict) else key] = group
        caches.append(cache)
    return caches[0], caches[1]
