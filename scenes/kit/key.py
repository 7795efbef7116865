"""A colour key: what each colour on screen means, named by its role in the palette (theme.ROLES),
so a colour is explained with the same word everywhere it is used."""
from __future__ import annotations

import numpy as np
from manim import RIGHT, Dot, Square, VGroup

from scenes.kit.mobjects import label
from scenes.kit.theme import ROLES, current, weight_to_color


def key_entry(role: str, text: str, mark: str = "square", size: float = 17) -> VGroup:
    """One swatch (a square for a filled cell, a dot for a marker) in the role's colour, and its meaning."""
    if role not in ROLES:
        raise ValueError(f"unknown colour role '{role}'; the palette has: {', '.join(ROLES)}")
    color = current().color(role)
    swatch = (Dot(radius=0.07, color=color) if mark == "dot"
              else Square(0.2, stroke_width=0, fill_color=color, fill_opacity=1))
    return VGroup(swatch, label(text, size, current().text)).arrange(RIGHT, buff=0.1)


def color_key(*entries: tuple[str, str, str], buff: float = 0.45) -> VGroup:
    """Entries (role, meaning, 'square' | 'dot') in one row."""
    return VGroup(*[key_entry(*e) for e in entries]).arrange(RIGHT, buff=buff)


def weight_scale(steps: int = 6, size: float = 15, cell: float = 0.22) -> VGroup:
    """'0% [cells] 100%': the colours weight_to_color gives α from 0 to 1 in even steps, so strips
    and cells coloured by weight can be read (the map is not linear in brightness)."""
    cells = VGroup(*[Square(cell, stroke_width=0, fill_color=weight_to_color(float(v)), fill_opacity=1)
                     for v in np.linspace(0.0, 1.0, steps)]).arrange(RIGHT, buff=0.02)
    return VGroup(label("α 0%", size, current().muted), cells, label("100%", size, current().muted)).arrange(RIGHT, buff=0.08)
