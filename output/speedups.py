"""Speed-ups for Manim's own work, installed by the render worker and the preview server; every
frame stays the same (tests/test_scenes.py's control frames, tests/test_output.py's equality checks).

Nothing is patched by importing this module: `install()` does it, so plain `manim` runs use Manim
as it is. Measured with cProfile on attention-weights (the poster of a new sentence: 8.5 CPU-s
before, see the README's performance section):

1. Copies of mobjects. Every Transform, FadeIn and `.animate` copies its mobjects (Manim's
   `Mobject.copy` is a `copy.deepcopy`), and two thirds of a poster's time went there: each glyph
   of a Text drags along the svgelements path it was built from (hundreds of segment objects,
   deep-copied one by one through `__reduce_ex__`) and its colours (ManimColor, the same). Here a
   mobject copies its numpy arrays and colours directly, and shares the svgelements path, which is
   read only once, when the glyph's points are built in its constructor (a copy never runs that).
   Everything else is deep-copied as before, with the same memo, so shared parts stay shared.

2. A still (`-s`, the poster) skips the pictures nobody sees. With `save_last_frame`, Manim plays
   every animation at its end state but still sorts each play's mobjects into moving and static,
   draws the static background, the moving mobjects and every wait's frame, only to drop them; the
   one picture kept is drawn from scratch at the end (`scene_finished` clears the static image
   first). That sorting and those drawings are skipped here. And a Transform or a Create (whose
   starting state is a plain copy of their mobject) starts from the mobject itself instead of a
   copy: in a still they are interpolated once, to their end, from the same numbers (their
   `interpolate(0)` at the start, which would only set the mobject to those numbers, is skipped).
   Mobjects with updaters keep the copy (an updater may change it), and so do animations whose rate
   function does not end at 1 (`.animate(rate_func=there_and_back)` returns to its starting copy
   after its `finish` has applied the methods to the mobject once more).

3. Text parsed once per process. Manim turns a Text's SVG into mobjects every time (its own SVG
   cache is off for Text, and keyed by file name where it is on). Here every SVG mobject's parsed
   glyphs are kept under what decides them (its class, the SVG file's bytes, its style defaults and
   path settings) and copied on the next identical request, the way Manim's own cache does. The
   preview server also collects what its render forks parsed (`new_svg_entries` /
   `add_svg_entries`), so the next new sentence finds its titles and numbers already parsed.
"""
from __future__ import annotations

import copy
import enum
import hashlib
import os
import re
import sys

import numpy as np

_ATOMIC = {type(None), bool, int, float, complex, str, bytes}  # enum types join on first sight


def _copy_value(value, memo: dict):
    """copy.deepcopy(value, memo), faster for what a mobject holds most."""
    kind = type(value)
    if kind in _ATOMIC:
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    if kind is np.ndarray and value.dtype != object:
        found = memo[id(value)] = value.copy(order="K")  # what ndarray.__deepcopy__ does
    elif kind is list:
        found = memo[id(value)] = []
        found.extend(_copy_value(item, memo) for item in value)
    elif kind is _ManimColor:
        found = memo[id(value)] = _ManimColor.__new__(_ManimColor)
        found.__dict__.update({k: _copy_value(v, memo) for k, v in value.__dict__.items()})
    elif kind is _SvgPath:
        return value  # read only by the glyph's constructor (see the module's docstring)
    elif issubclass(kind, enum.Enum):
        _ATOMIC.add(kind)  # copy.deepcopy returns an enum member itself
        return value
    elif issubclass(kind, _Mobject):
        return _mobject_deepcopy(value, memo)
    else:
        return copy.deepcopy(value, memo)
    return found


def _mobject_deepcopy(self, clone_from_id: dict):
    """Manim's Mobject.__deepcopy__, with _copy_value for each attribute."""
    cls = self.__class__
    result = cls.__new__(cls)
    clone_from_id[id(self)] = result
    attributes = self.__dict__.copy()
    for k, v in attributes.items():
        if type(v) not in _ATOMIC:
            attributes[k] = _copy_value(v, clone_from_id)
    attributes["original_id"] = str(id(self))
    result.__dict__.update(attributes)
    return result


def _drawing_nobody_sees(renderer) -> bool:
    """A still's animations are being skipped and its one picture is not being drawn yet."""
    return renderer.skip_animations and _config.save_last_frame and not getattr(renderer, "_drawing_still", False)


def _skip_when_still(method, result=None):
    """A renderer method that does nothing (returns `result`) while a still's animations are skipped."""
    def wrapper(self, *args, **kwargs):
        if _drawing_nobody_sees(self):
            if method.__name__ == "save_static_frame_data":
                self.static_image = None
            return result
        return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__wrapped__ = method
    return wrapper


def _scene_finished(method):
    """CairoRenderer.scene_finished, which draws the still: its drawing is not skipped."""
    def wrapper(self, *args, **kwargs):
        self._drawing_still = True
        try:
            return method(self, *args, **kwargs)
        finally:
            self._drawing_still = False

    wrapper.__wrapped__ = method
    return wrapper


def _begin(self) -> None:
    """Animation.begin; in a still, a Transform's or a Create's starting state is its own mobject."""
    kind = type(self)
    if (_config.save_last_frame and kind.create_starting_mobject is _Animation.create_starting_mobject
            and kind.interpolate_mobject is _Animation.interpolate_mobject and kind.begin in _PLAIN_BEGINS
            and self.mobject is not None and not self.mobject.get_family_updaters()
            and self.rate_func(1.0) == 1.0):  # there_and_back ends at its start: it needs the starting copy
        self.starting_mobject = self.mobject
        if self.suspend_mobject_updating:
            self.mobject.suspend_updating()
        return
    _manim_begin(self)


def _moving_and_static(method):
    """Scene.get_moving_and_static_mobjects: only a drawing reads them, so a still skips them."""
    def wrapper(self, *args, **kwargs):
        if _drawing_nobody_sees(self.renderer):
            return [], []
        return method(self, *args, **kwargs)

    wrapper.__wrapped__ = method
    return wrapper


SVG_CACHE_LIMIT = 20000  # parsed SVGs the preview server keeps (a few MB each thousand)
_SVG_CACHE: dict[tuple, object] = {}  # what decides an SVG's glyphs → an SVGMobject holding them


def _svg_key(mob) -> tuple:
    data = mob.get_file_path().read_bytes()
    return (type(mob).__module__, type(mob).__qualname__, hashlib.sha256(data).hexdigest(),
            repr(sorted(mob.svg_default.items())), repr(sorted(mob.path_string_config.items())),
            str(_config.renderer))


def _init_svg_mobject(self, use_svg_cache: bool):
    """SVGMobject.init_svg_mobject with a cache keyed by content (Manim's own stays for TeX)."""
    if use_svg_cache:
        return _original_init_svg(self, use_svg_cache)
    key = _svg_key(self)
    cached = _SVG_CACHE.get(key)
    if cached is None:
        self.generate_mobject()
        _SVG_CACHE[key] = self.copy()
        return self
    mob = cached.copy()  # Manim's own cache hit, step for step
    self.add(*mob)
    self.id_to_vgroup_dict = mob.id_to_vgroup_dict
    return self


def svg_cache_keys() -> tuple[set, set]:
    """What both SVG caches (ours, Manim's for TeX) hold now."""
    from manim.mobject.svg.svg_mobject import SVG_HASH_TO_MOB_MAP

    return set(_SVG_CACHE), set(SVG_HASH_TO_MOB_MAP)


def new_svg_entries(before: tuple[set, set]) -> tuple[dict, dict]:
    """The entries added to both caches since `svg_cache_keys()` returned `before`."""
    from manim.mobject.svg.svg_mobject import SVG_HASH_TO_MOB_MAP

    return ({k: v for k, v in _SVG_CACHE.items() if k not in before[0]},
            {k: v for k, v in SVG_HASH_TO_MOB_MAP.items() if k not in before[1]})


def add_svg_entries(entries: tuple[dict, dict]) -> None:
    from manim.mobject.svg.svg_mobject import SVG_HASH_TO_MOB_MAP

    if len(_SVG_CACHE) + len(SVG_HASH_TO_MOB_MAP) > SVG_CACHE_LIMIT:  # a long preview session: start afresh
        _SVG_CACHE.clear()
        SVG_HASH_TO_MOB_MAP.clear()
    _SVG_CACHE.update(entries[0])
    SVG_HASH_TO_MOB_MAP.update(entries[1])


def _remove_last_m(file_name: str) -> None:
    """manimpango's PangoUtils.remove_last_M, which rewrites a Text's SVG file every time a Text is
    made: the file is written only when the substitution changes it (a new file)."""
    with open(file_name) as source:
        content = source.read()
    changed = _LAST_M.sub('Z "/>', content)
    if changed != content:
        with open(file_name, "w") as target:
            target.write(changed)


_LAST_M = re.compile(r'Z M [^A-Za-z]*? "\/>')  # manimpango's own pattern
_ManimColor = _SvgPath = _Mobject = _Animation = _config = _original_init_svg = _manim_begin = None
_PLAIN_BEGINS: set = set()  # Animation.begin (patched) and Transform.begin: what `_begin` knows to be safe


def install() -> None:
    """Patch Manim (idempotent): faster mobject copies, no hidden drawings for a still, Text parsed once."""
    global _ManimColor, _SvgPath, _Mobject, _Animation, _config, _original_init_svg, _manim_begin
    import svgelements
    from manim import Animation, ManimColor, Scene, Transform, config
    from manim.mobject.mobject import Mobject
    from manim.mobject.svg.svg_mobject import SVGMobject
    from manim.renderer.cairo_renderer import CairoRenderer
    from manimpango import PangoUtils

    _ManimColor, _SvgPath, _Mobject, _config = ManimColor, svgelements.Path, Mobject, config
    Mobject.__deepcopy__ = _mobject_deepcopy
    if SVGMobject.init_svg_mobject is not _init_svg_mobject:
        _original_init_svg = SVGMobject.init_svg_mobject
        SVGMobject.init_svg_mobject = _init_svg_mobject
    PangoUtils.remove_last_M = staticmethod(_remove_last_m)
    if hasattr(CairoRenderer.render, "__wrapped__"):
        return
    for name in ("render", "save_static_frame_data", "freeze_current_frame", "update_frame"):
        setattr(CairoRenderer, name, _skip_when_still(getattr(CairoRenderer, name)))
    CairoRenderer.scene_finished = _scene_finished(CairoRenderer.scene_finished)
    _Animation, _manim_begin = Animation, Animation.begin
    Animation.begin = _begin
    _PLAIN_BEGINS.update({_begin, Transform.begin})
    Scene.get_moving_and_static_mobjects = _moving_and_static(Scene.get_moving_and_static_mobjects)


# The speed-ups patch Manim's internals: installed only for the version they were written and tested
# for; ATTENTION_SPEEDUPS=0 renders with plain Manim (to compare, or to rule them out).
SPEEDUPS_ENV = "ATTENTION_SPEEDUPS"
SPEEDUPS_WRITTEN_FOR = "0.21.0"


def install_all() -> bool:
    """Install the speed-ups in this process (idempotent); False, with one warning line, when Manim is
    not the version they were written for, and False when ATTENTION_SPEEDUPS=0 asks for plain Manim."""
    if os.environ.get(SPEEDUPS_ENV, "1") == "0":
        return False
    from importlib.metadata import version

    if version("manim") != SPEEDUPS_WRITTEN_FOR:
        sys.stderr.write(f"warning: the render speed-ups were written for Manim {SPEEDUPS_WRITTEN_FOR}, "
                         f"not {version('manim')}: rendering with plain Manim\n")
        return False
    from output import encoding

    encoding.install()
    install()
    return True
