"""A colour key: what each colour on screen means, named by its role in the palette (theme.ROLES),
so a colour is explained with the same word everywhere it is used."""
from __future__ import annotations

from manim import RIGHT, Dot, Square, VGroup

from scenes.kit.mobjects import label
from scenes.kit.theme import ROLES, current


def key_entry(role: str, text: str, mark: str = "square", size: float = 17) -> VGroup:
    """One swatch (a square for a filled cell, a dot for a marker) in the role's colour, and its meaning."""
    if role not in ROLES:
        raise ValueError(f"unknown colour role '{role}'; the palette has: {', '.join(ROLES)}")
    color = getattr(current(), role)
    swatch = (Dot(radius=0.07, color=color) if mark == "dot"
              else Square(0.2, stroke_width=0, fill_color=color, fill_opacity=1))
    return VGroup(swatch, label(text, size, current().text)).arrange(RIGHT, buff=0.1)


def color_key(*entries: tuple[str, str, str], buff: float = 0.45) -> VGroup:
    """Entries (role, meaning, 'square' | 'dot') in one row."""
    return VGroup(*[key_entry(*e) for e in entries]).arrange(RIGHT, buff=buff)
