"""The scenes in story order, and the one value that says what they draw.

`SCENES` is the one list that the CLI, `make video`, the film and the tests read. Each entry also
holds what the CLI must know without importing Manim (fast start, fast cache checks): the model the
scene's story needs, the models it can show instead, the other models and training checkpoints it
draws (so a models folder that lacks them is refused before Manim starts), and the longest sentence
its layout holds.
Scene classes pick these up from here (ExplainerScene does it).

`Example`, "what to draw", lives in scenes/example.py (re-exported here).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from model.trace import ModelSet, TraceInputError, check_sentence

# What to draw lives in scenes/example.py; its names are re-exported here for the callers of before.
from scenes.example import CHECK_LAYOUT_ENV, RECORDING_EXTENSIONS, THEME_NAMES, Example

SCENES_DIR = Path(__file__).resolve().parent

__all__ = ["BY_CLASS", "BY_KEY", "CHECK_LAYOUT_ENV", "RECORDING_EXTENSIONS", "SCENES", "THEME_NAMES",
           "Example", "SceneEntry", "UnknownScene", "select"]


@dataclass(frozen=True, kw_only=True)
class SceneEntry:
    key: str                 # what users type: render.py render rnn-relay
    module: str              # file in scenes/, without .py
    cls: str                 # Scene class inside it
    title: str               # chapter title in the film
    figure: str              # the article figure it replaces
    summary: str
    model: str               # the variant its story needs
    models: tuple[str, ...]  # variants it can show instead (--model)
    max_tokens: int          # the longest sentence its layout holds
    typical_seconds: int     # duration with the article's example
    draws: tuple[str, ...] = ()  # models it draws whichever one it shows (their cards and weights)
    reads_checkpoints: bool = False  # it draws the shown model's training checkpoints too
    file: Path | None = None  # where the module lives, if not in scenes/ (a user's or a test's scene)

    @property
    def path(self) -> Path:
        return self.file or SCENES_DIR / f"{self.module}.py"

    def model_for(self, requested: str | None) -> str:
        return requested if requested in self.models else self.model

    def models_needed(self, requested: str | None = None) -> tuple[str, ...]:
        """Every model this scene reads when `requested` is asked for: the one it shows, then `draws`."""
        return tuple(dict.fromkeys((self.model_for(requested), *self.draws)))

    def check(self, sentence: str, requested_model: str | None = None, models: ModelSet | None = None) -> list[str]:
        """The sentence's tokens, or TraceInputError if the model (of `models`, default: the default
        set) or this scene's layout cannot take it."""
        checker = models.check_sentence if models is not None else check_sentence
        tokens = checker(sentence, self.model_for(requested_model))
        if len(tokens) > self.max_tokens:
            raise TraceInputError(f"the scene '{self.key}' shows sentences of at most {self.max_tokens} words; "
                                  f"this one has {len(tokens)}")
        return tokens


SCENES = (
    SceneEntry(key="where-attention-lives", module="story", cls="WhereAttentionLives",
               title="Where attention lives", figure="1",
               summary="the real transformer's encoder and decoder stacks, each attention block lit with its heads' weights",
               model="transformer", models=("transformer",), max_tokens=12, typical_seconds=71),
    SceneEntry(key="timeline", module="story", cls="Timeline",
               title="From feed-forward networks to GPT", figure="2",
               summary="seven architecture icons (backprop, RNN, LSTM, seq2seq, attention, Transformer, GPT) on a time axis",
               model="attention", models=("attention", "plain", "lstm"), max_tokens=40, typical_seconds=37),
    SceneEntry(key="no-order", module="no_order", cls="NoOrder",
               title="No sense of order", figure="3-4",
               summary="a per-word network's pooled vectors are the same for both orders; "
                       "the real recurrent chain's final states are not",
               model="plain", models=("plain", "lstm"), max_tokens=10, typical_seconds=55),
    SceneEntry(key="rnn-relay", module="rnn_relay", cls="RNNRelay",
               title="Reading one word at a time", figure="5",
               summary="the encoder reads one word at a time and hands its hidden state forward; "
                       "how far each word moves it, measured",
               model="plain", models=("plain", "lstm"), max_tokens=12, typical_seconds=44),
    SceneEntry(key="context-bottleneck", module="context_bottleneck", cls="ContextBottleneck",
               title="The context bottleneck", figure="6",
               summary="every state squeezed into one context vector; early words' pull measured; a long sentence fails",
               model="plain", models=("plain", "lstm"), max_tokens=16, typical_seconds=53,
               draws=("attention",)),
    SceneEntry(key="lstm-cell-state", module="lstm_cell_state", cls="LSTMCellState",
               title="LSTMs: a second memory", figure="7",
               summary="the relay's cells open into LSTM cells: the cell-state highway and its gates, real values; "
                       "long sentences dilute and the LSTM still gets words wrong",
               model="lstm", models=("lstm",), max_tokens=10, typical_seconds=108,
               draws=("plain",)),  # it opens on the relay's last picture: the plain model's chain
    SceneEntry(key="context-window", module="context_window", cls="ContextWindow",
               title="The context window", figure="8",
               summary="a thought experiment: a 5-word window moves with the output, missing a word it needs",
               model="attention", models=("attention",), max_tokens=24, typical_seconds=77),
    SceneEntry(key="attention-weights", module="attention_weights", cls="AttentionWeights",
               title="Attention weights", figure="9-11",
               summary="a line from s_{i-1} to every h_j carries its score; alpha fans out; the weighted sum c_i "
                       "is routed into its decoder cell",
               model="attention", models=("attention",), max_tokens=14, typical_seconds=65),
    SceneEntry(key="bahdanau-steps", module="bahdanau_steps", cls="BahdanauSteps",
               title="Bahdanau attention step by step", figure="13",
               summary="the three equations lit term by term on attention-weights' picture; why one score is high, "
                       "from the model's own terms; the later steps in the same picture",
               model="attention", models=("attention",), max_tokens=10, typical_seconds=73),
    SceneEntry(key="alignment-heatmap", module="alignment_heatmap", cls="AlignmentHeatmap",
               title="The alignment heatmap", figure="14-15",
               summary="each word's link to the word it looks at most; where links cross the order changed; the heatmap "
                       "as the same links",
               model="attention", models=("attention",), max_tokens=40, typical_seconds=79),
    SceneEntry(key="learning-to-align", module="learning_to_align", cls="LearningToAlign",
               title="Learning to align", figure="-",
               summary="the example's alpha over training checkpoints: spread at the start, aligned at the end",
               model="attention", models=("attention",), max_tokens=10, typical_seconds=75,
               reads_checkpoints=True),
    SceneEntry(key="length-curve", module="length_curve", cls="LengthCurve",
               title="Accuracy by sentence length", figure="paper 2",
               summary="BLEU (sacreBLEU) beside exact match by source length for plain, lstm, attention and transformer, "
                       "from the stored evaluation",
               model="attention", models=("attention", "plain", "lstm"), max_tokens=40, typical_seconds=134,
               draws=("plain", "lstm", "attention", "transformer")),
    SceneEntry(key="evolution", module="story", cls="Evolution",
               title="From Bahdanau to Transformers and GPT", figure="16",
               summary="attention + RNN (2014), the real transformer's layers (2017), its decoder's causal mask (2018)",
               model="transformer", models=("transformer",), max_tokens=40, typical_seconds=64),
    SceneEntry(key="self-attention-teaser", module="story", cls="SelfAttentionTeaser",
               title="Next: self-attention", figure="17",
               summary="the real transformer's encoder self-attention, head by head, then the story so far",
               model="transformer", models=("transformer",), max_tokens=12, typical_seconds=61),
)
BY_KEY = {s.key: s for s in SCENES}
BY_CLASS = {s.cls: s for s in SCENES}


class UnknownScene(ValueError):
    """A scene key not in the catalog; the message suggests the closest one."""


def select(keys: tuple[str, ...] | list[str]) -> list[SceneEntry]:
    """The entries for `keys` (in the order given, each once), or every scene for `all`."""
    if not keys:
        raise UnknownScene("name at least one scene, or `all` (see `render.py list`)")
    if "all" in keys:
        return list(SCENES)
    for key in keys:
        if key not in BY_KEY:
            close = difflib.get_close_matches(key, list(BY_KEY), n=1, cutoff=0.0)
            raise UnknownScene(f"unknown scene '{key}'" + (f"; did you mean '{close[0]}'?" if close else ""))
    return [BY_KEY[key] for key in dict.fromkeys(keys)]
