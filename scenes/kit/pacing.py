"""Pacing: let motion fill the narration instead of holding a still picture while it is read.

A beat's narration needs `len(text) / READING_RATE + 0.5` seconds (ExplainerScene holds the last
picture for whatever is left). Scenes ask how much reading time is left and stretch their
animations over it, so the picture keeps moving while the words are read.
"""
from __future__ import annotations

from scenes.kit.scene import READING_RATE


def reading_time(text: str) -> float:
    return len(text) / READING_RATE + 0.5


def time_left(scene) -> float:
    """Seconds of reading time the open beat still needs (0 when none is open)."""
    beat = getattr(scene, "_beat", None)
    if beat is None:
        return 0.0
    start, text = beat
    return max(0.0, reading_time(text) - (scene.time - start))


def share(scene, fraction: float, at_least: float = 0.8) -> float:
    """A run time: `fraction` of the reading time left, never shorter than `at_least`."""
    return max(at_least, fraction * time_left(scene))
