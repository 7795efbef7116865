"""The scenes in story order: the one list that the CLI, `make video` and the tests read."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCENES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SceneEntry:
    key: str          # what users type: render.py render rnn-relay
    module: str       # file in scenes/, without .py
    cls: str          # Scene class inside it
    figure: str       # the article figure it replaces
    summary: str

    @property
    def path(self) -> Path:
        return SCENES_DIR / f"{self.module}.py"


SCENES = (
    SceneEntry("rnn-relay", "rnn_relay", "RNNRelay", "5",
               "the encoder reads one word at a time and hands its hidden state forward"),
    SceneEntry("context-bottleneck", "context_bottleneck", "ContextBottleneck", "6",
               "every state squeezed into one context vector; early words fade; a long sentence fails"),
    SceneEntry("attention-weights", "attention_weights", "AttentionWeights", "9-11",
               "the decoder scores every encoder state; alpha fans out; the weighted sum makes c_i"),
    SceneEntry("bahdanau-steps", "bahdanau_steps", "BahdanauSteps", "13",
               "the three equations with the real numbers of each decoding step"),
    SceneEntry("alignment-heatmap", "alignment_heatmap", "AlignmentHeatmap", "14-15",
               "the alpha matrix built row by row; reordered words leave the diagonal"),
)
BY_KEY = {s.key: s for s in SCENES}
