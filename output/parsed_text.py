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
    from manim import Rectangle, VGroup
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

    return {"VMobjectFromSVGPath": VMobjectFromSVGPath, "VGroup": VGroup, "Rectangle": Rectangle}  # TeX: rules


def _enums() -> dict[str, type[enum.Enum]]:
    from manim.constants import CapStyleType, LineJointType

    return {"LineJointType": LineJointType, "CapStyleType": CapStyleType}


class SvgPath:
    """A glyph's svgelements path, kept as its `d` text and parsed only if read. Manim reads a glyph's
    path once, when its constructor builds the points; a glyph that comes back from a fork is only
    ever copied, so its path is almost never parsed again."""

    __slots__ = ("_parsed", "d_text")

    def __init__(self, d_text: str) -> None:
        self.d_text = d_text
        self._parsed = None

    def _path(self):
        if self._parsed is None:
            import svgelements as se

            self._parsed = se.Path(self.d_text)
        return self._parsed

    def __iter__(self):
        return iter(self._path())

    def __len__(self) -> int:
        return len(self._path())

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._path(), name)

    def d(self, *args, **kwargs) -> str:
        return self.d_text if not (args or kwargs) else self._path().d(*args, **kwargs)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self  # never changed: copies share it, as output.speedups does for svgelements paths


class _Encoder:
    def __init__(self) -> None:
        import svgelements as se
        from manim.utils.color import ManimColor

        self.svg_path, self.color = se.Path, ManimColor
        self.classes = {cls: name for name, cls in _classes().items()}
        self.enums = {cls: name for name, cls in _enums().items()}
        self.objects: list[list] = []
        self.refs: dict[int, int] = {}
        self.schemas: dict[tuple, int] = {}
        self.arrays: list[np.ndarray] = []

    def mobject(self, mob) -> dict:
        name = self.classes.get(type(mob))
        if name is None:
            raise Unencodable(type(mob).__qualname__)
        ref = self.refs.get(id(mob))
        if ref is None:
            ref = self.refs[id(mob)] = len(self.objects)
            record = [name, 0, None]
            self.objects.append(record)
            attrs = vars(mob)
            keys = tuple(attrs)
            record[1] = self.schemas.setdefault(keys, len(self.schemas))
            record[2] = [self.value(v) for v in attrs.values()]
        return {"o": ref}

    def value(self, v):
        kind = type(v)
        if v is None or kind is bool or kind is int or kind is str:
            return v
        if kind is float:
            return v if v == v and abs(v) != float("inf") else {"f": repr(v)}  # nan and inf as text
        if kind is np.ndarray and v.dtype.kind in _ARRAY_KINDS:
            self.arrays.append(np.ascontiguousarray(v))
            return {"a": len(self.arrays) - 1}
        if kind in self.classes:
            return self.mobject(v)
        if kind is list:
            return {"l": [self.value(x) for x in v]}
        if kind is tuple:
            return {"t": [self.value(x) for x in v]}
        if kind is dict and all(type(k) is str for k in v):
            return {"d": {k: self.value(x) for k, x in v.items()}}
        if kind is self.color:
            return {"c": v._internal_value.tolist()}
        if kind in self.enums:
            return {"e": [self.enums[kind], v.name]}
        if kind is self.svg_path or kind is SvgPath:
            return {"svg": v.d()}
        if isinstance(v, PurePath):
            return {"p": str(v)}
        if isinstance(v, np.generic) and v.dtype.kind in _ARRAY_KINDS:
            return {"n": [v.dtype.str, v.item()]}
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
    arrays = [[a.dtype.str, *a.shape] for a in encoder.arrays]
    schemas = [list(keys) for keys in encoder.schemas]
    header = json.dumps({"caches": caches, "objects": encoder.objects, "schemas": schemas, "arrays": arrays},
                        separators=(",", ":")).encode()
    return b"".join([_HEADER.pack(len(header)), header, *(a.tobytes() for a in encoder.arrays)])


def _key(key):
    if type(key) is tuple and all(type(k) in (str, int) for k in key):
        return {"t": list(key)}
    if type(key) in (str, int):
        return key
    raise Unencodable("key")


class _Decoder:
    def __init__(self, header: dict, data: bytearray) -> None:
        from manim.utils.color import ManimColor

        self.color = ManimColor
        self.classes = _classes()
        self.enums = _enums()
        self.arrays = []
        at = 0
        dtypes: dict[str, np.dtype] = {}
        for name, *shape in header["arrays"]:
            dtype = dtypes.get(name)
            if dtype is None:
                dtype = dtypes[name] = np.dtype(name)
                if dtype.kind not in _ARRAY_KINDS:
                    raise ValueError(f"an array of kind {dtype.kind!r}")
            count = 1
            for n in shape:
                count *= int(n)
            size = count * dtype.itemsize
            if count < 0 or at + size > len(data):
                raise ValueError("truncated arrays")
            # views of one private buffer: a cached glyph is only ever copied, never changed in place
            self.arrays.append(np.frombuffer(data, dtype=dtype, count=count, offset=at).reshape(shape))
            at += size
        schemas = [[str(k) for k in keys] for keys in header["schemas"]]
        records = header["objects"]
        self.objects = [self.classes[name].__new__(self.classes[name]) for name, _, _ in records]
        for obj, (_, schema, values) in zip(self.objects, records, strict=True):
            obj.__dict__.update(zip(schemas[schema], map(self.value, values), strict=True))

    def value(self, v):
        if type(v) is not dict:
            if v is None or type(v) in (bool, int, str, float):
                return v
            raise ValueError(f"an untagged {type(v).__name__}")
        (tag, x), = v.items()
        if tag == "a":
            return self.arrays[x]
        if tag == "o":
            return self.objects[x]
        if tag == "l":
            return [self.value(i) for i in x]
        if tag == "t":
            return tuple(self.value(i) for i in x)
        if tag == "d":
            return {str(k): self.value(i) for k, i in x.items()}
        if tag == "f":
            return float(x)
        if tag == "c":
            color = self.color.__new__(self.color)
            color._internal_value = np.asarray(x, dtype=float)
            return color
        if tag == "e":
            return self.enums[x[0]][x[1]]
        if tag == "svg":
            return SvgPath(str(x))
        if tag == "p":
            return Path(str(x))
        if tag == "n":
            dtype = np.dtype(x[0])
            if dtype.kind not in _ARRAY_KINDS:
                raise ValueError(f"a number of kind {dtype.kind!r}")
            return dtype.type(x[1])
        raise ValueError(f"an unknown value tag {tag!r}")


def decode(data: bytes) -> tuple[dict, dict]:
    """The caches' entries `encode` wrote; ValueError (or KeyError) for anything it did not write."""
    from manim import VGroup

    if len(data) > MAX_BYTES or len(data) < _HEADER.size:
        raise ValueError("not parsed text")
    (size,) = _HEADER.unpack_from(data)
    header = json.loads(bytes(data[_HEADER.size:_HEADER.size + size]))
    decoder = _Decoder(header, bytearray(memoryview(data)[_HEADER.size + size:]))
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
