"""Pacing: let motion fill the narration instead of holding a still picture while it is read.

A beat stays on screen for its speech or its reading time (ExplainerScene.reading_time_left says
how much is left, and the scene base holds the last picture for it). Scenes ask how much reading time is left and stretch their
animations over it, so the picture keeps moving while the words are read.
"""
from __future__ import annotations


def share(scene, fraction: float, at_least: float = 0.8) -> float:
    """A run time: `fraction` of the reading time left, never shorter than `at_least`."""
    return max(at_least, fraction * scene.reading_time_left())


def until_said(scene, phrase: str) -> float:
    """Seconds from now until `phrase` of the open beat's narration is reached, if the narration is
    read (or spoken) at an even pace, as its subtitles are timed: lets a picture change as the
    words that name it are said. 0 when the phrase is not in the narration or already past."""
    beat = getattr(scene, "_beat", None)
    if not beat or phrase not in beat["narration"]:
        return 0.0
    elapsed = scene.time - beat["start"]
    total = elapsed + scene.reading_time_left()
    return max(0.0, total * beat["narration"].index(phrase) / len(beat["narration"]) - elapsed)
