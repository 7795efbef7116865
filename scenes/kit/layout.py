"""Where things go: evenly spaced slots that token rows, columns and fans all share."""
from __future__ import annotations

import numpy as np
from manim import config

FRAME_MARGIN = 0.4


def usable_width() -> float:
    return config.frame_width - 2 * FRAME_MARGIN


def slot_xs(n: int, width: float | None = None, max_step: float = 1.6, center: float = 0.0) -> np.ndarray:
    """x positions of n slots spread over `width` (default: the frame), at most `max_step` apart."""
    width = usable_width() if width is None else width
    step = min(max_step, width / max(n, 1))
    return center + (np.arange(n) - (n - 1) / 2) * step


def slot_step(n: int, width: float | None = None, max_step: float = 1.6) -> float:
    width = usable_width() if width is None else width
    return min(max_step, width / max(n, 1))


def pick_dims(states: np.ndarray, k: int) -> np.ndarray:
    """The k dimensions that vary most across the rows of `states`, in their natural order.

    Scenes that cannot show every dimension show these, and say so on screen.
    """
    if states.shape[-1] <= k:
        return np.arange(states.shape[-1])
    spread = states.reshape(-1, states.shape[-1]).std(axis=0)
    return np.sort(np.argsort(-spread, kind="stable")[:k])
