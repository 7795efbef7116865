"""Pacing: let motion fill the narration instead of holding a still picture while it is read.

A beat's narration needs `len(text) / READING_RATE + 0.5` seconds (ExplainerScene holds the last
picture for whatever is left). Scenes ask how much reading time is left and stretch their
animations over it, so the picture keeps moving while the words are read.
"""
from __future__ import annotations


def time_left(scene) -> float:
    """Seconds the open beat still needs on screen, its speech or its reading (0 when none is open)."""
    return scene.reading_time_left()


def share(scene, fraction: float, at_least: float = 0.8) -> float:
    """A run time: `fraction` of the reading time left, never shorter than `at_least`."""
    return max(at_least, fraction * time_left(scene))
