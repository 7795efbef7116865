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

from model.names import CELLS

# One meaning per colour. Every role below has a colour of its own in each theme (no two roles
# share one; tests/test_chapters.py checks they stay apart, by perceptual distance, not just by
# hex). In the light theme every role but the background and panel is also text, so each keeps a
# WCAG contrast of at least 4.5:1 on the background (tested too).
ROLES = {
    "background": "the frame",
    "text": "titles, labels, numbers",
    "muted": "captions, axes, footnotes, arrows that only connect",
    "panel": "boxes, and the colour of 0 on every value or weight scale",
    "source": "source-language (English) words",
    "target": "target-language (French) words",
    "encoder": "encoder hidden states and cells",
    "decoder": "decoder states and cells",
    "context": "the context vector (the bottleneck; c_i)",
    "alpha": "attention weights α (and the attention blocks of a diagram)",
    "positive": "a value > 0 in a state (diverging scale)",
    "negative": "a value < 0 in a state (diverging scale)",
    "correct": "a correct output, a good result",
    "wrong": "a mistake, a bad result",
    "window": "a fixed context window (not attention)",
    "cell": "the LSTM cell-state highway c",
    "gate": "an LSTM gate's opening, 0 (closed) … 1 (open), on its own scale",
}
# Each model's colour in comparisons is part of its entry in the one model registry (model.names.CELLS).
MODEL_ROLES = {f"model_{c.name}": c.legend for c in CELLS.values()}
ROLES = {**ROLES, **MODEL_ROLES}


@dataclass(frozen=True)
class Theme:
    """Colours by role (see ROLES for what each means). `right` is the old name of `correct`."""
    name: str
    background: str
    text: str
    muted: str
    panel: str
    source: str
    target: str
    encoder: str
    decoder: str
    context: str
    alpha: str
    positive: str
    negative: str
    correct: str
    wrong: str
    window: str
    cell: str
    gate: str

    @property
    def right(self) -> str:
        return self.correct

    def model_color(self, model: str) -> str:
        """The colour of a model wherever models are compared (from its registry entry; text for a
        name the registry does not know)."""
        cell = CELLS.get(model)
        if cell is None:
            return self.text
        return cell.color_light if self.name == "light" else cell.color_dark

    def color(self, role: str) -> str:
        """The colour of any role of ROLES, a model's (`model_attention`) included."""
        if role in MODEL_ROLES:
            return self.model_color(role.removeprefix("model_"))
        return getattr(self, role)

    def roles(self) -> dict[str, str]:
        """Every role's colour, the models' included (the explorer's page and the palette tests read it)."""
        return {role: self.color(role) for role in ROLES}


THEMES = {
    # role:              dark       light
    "dark": Theme("dark", background="#111418", text="#ECEFF4", muted="#8A93A3", panel="#2A2F38",
                  source="#88C0D0", target="#EBCB8B", encoder="#81A1C1", decoder="#B48EAD",
                  context="#A3BE8C", alpha="#E879F9", positive="#F08A4B", negative="#4FA3E0",
                  correct="#3DDC84", wrong="#E5606A", window="#A78BFA", cell="#F9A8D4", gate="#E6E35C"),
    "light": Theme("light", background="#FBFAF7", text="#1F2328", muted="#6B7280", panel="#E6E3DC",
                   source="#1F6F8B", target="#9A6700", encoder="#3B5BA5", decoder="#7B3F98",
                   context="#3F7D20", alpha="#A21CAF", positive="#C2410C", negative="#1971C2",
                   correct="#087F5B", wrong="#C92A2A", window="#6D28D9", cell="#C8287A", gate="#7A6500"),
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


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two colours (1 … 21); 4.5 is the floor for small text."""
    def luminance(color) -> float:
        c = np.array(ManimColor(color).to_rgb(), dtype=float)
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(fill) -> str:
    """The theme's text or background colour, whichever reads better on `fill` (numbers printed
    on strongly coloured cells turn light on the light theme, dark on the dark one)."""
    th = current()
    return max((th.text, th.background), key=lambda c: contrast(c, fill))


def value_to_color(value: float, vmax: float) -> ManimColor:
    """The one diverging map: hue by sign, strength by |value| / vmax (clipped), zero = panel."""
    th = current()
    strength = float(np.clip(abs(value) / vmax, 0.0, 1.0)) if vmax > 0 else 0.0
    end = th.positive if value >= 0 else th.negative
    return interpolate_color(ManimColor(th.panel), ManimColor(end), strength ** 0.75)


def gate_to_color(value: float) -> ManimColor:
    """A gate's opening on its own linear scale: 0 (closed) = panel, 1 (open) = the gate colour."""
    th = current()
    return interpolate_color(ManimColor(th.panel), ManimColor(th.gate), float(np.clip(value, 0.0, 1.0)))


def weight_to_color(weight: float, role_color: str | None = None) -> ManimColor:
    """Sequential map for weights in [0, 1] (α, probabilities): panel → the role's colour."""
    th = current()
    w = float(np.clip(weight, 0.0, 1.0))
    return interpolate_color(ManimColor(th.panel), ManimColor(role_color or th.alpha), w ** 0.6)
