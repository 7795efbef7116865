"""Pacing: let motion fill the narration instead of holding a still picture while it is read.

A beat stays on screen for its speech or its reading time (ExplainerScene.reading_time_left says
how much is left, and the scene base holds the last picture for it). Scenes ask how much reading time is left and stretch their
animations over it, so the picture keeps moving while the words are read.
"""
from __future__ import annotations


def share(scene, fraction: float, at_least: float = 0.8) -> float:
    """A run time: `fraction` of the reading time left, never shorter than `at_least`."""
    return max(at_least, fraction * scene.reading_time_left())
