"""Colours by role, looked up when a scene renders (never frozen at import), in two themes.

`use_theme("light")` switches for a block; `current()` is what mobjects call. A scene's theme
comes with its example (scenes.catalog.Example): the scene base enters `use_theme` for the whole
render, so outside a scene (and by default) the theme is dark.
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

import numpy as np
from manim import ManimColor, interpolate_color


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str
    panel: str          # fill of boxes and cells at value 0
    source: str         # source words
    target: str         # output (French) words
    encoder: str        # encoder hidden states
    decoder: str        # decoder states
    context: str        # the context vector
    alpha: str          # attention weights (a hue of its own: orange already means "value > 0")
    positive: str       # values > 0
    negative: str       # values < 0
    wrong: str          # a mistake in the output
    right: str          # a correct output word


THEMES = {
    "dark": Theme("dark", background="#111418", text="#ECEFF4", muted="#8A93A3", panel="#2A2F38",
                  source="#88C0D0", target="#EBCB8B", encoder="#81A1C1", decoder="#B48EAD",
                  context="#A3BE8C", alpha="#E879F9", positive="#F08A4B", negative="#4FA3E0",
                  wrong="#E5606A", right="#8FD694"),
    "light": Theme("light", background="#FBFAF7", text="#1F2328", muted="#6B7280", panel="#E6E3DC",
                   source="#1F6F8B", target="#9A6700", encoder="#3B5BA5", decoder="#7B3F98",
                   context="#3F7D20", alpha="#A21CAF", positive="#D9480F", negative="#1971C2",
                   wrong="#C92A2A", right="#2B8A3E"),
}
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("attention_theme", default=None)


def current() -> Theme:
    return THEMES[_current.get() or "dark"]


@contextlib.contextmanager
def use_theme(name: str):
    if name not in THEMES:
        raise ValueError(f"unknown theme '{name}'; choose one of: {', '.join(THEMES)}")
    token = _current.set(name)
    try:
        yield THEMES[name]
    finally:
        _current.reset(token)


def value_to_color(value: float, vmax: float) -> ManimColor:
    """The one diverging map: hue by sign, strength by |value| / vmax (clipped), zero = panel."""
    th = current()
    strength = float(np.clip(abs(value) / vmax, 0.0, 1.0)) if vmax > 0 else 0.0
    end = th.positive if value >= 0 else th.negative
    return interpolate_color(ManimColor(th.panel), ManimColor(end), strength ** 0.75)


def weight_to_color(weight: float, role_color: str | None = None) -> ManimColor:
    """Sequential map for weights in [0, 1] (α, probabilities): panel → the role's colour."""
    th = current()
    w = float(np.clip(weight, 0.0, 1.0))
    return interpolate_color(ManimColor(th.panel), ManimColor(role_color or th.alpha), w ** 0.6)
