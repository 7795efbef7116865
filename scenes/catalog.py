"""The scenes in story order: the one list that the CLI, `make video`, the film and the tests read.

Each entry also holds what the CLI must know without importing Manim (fast start, fast cache
checks): the model the scene's story needs, the models it can show instead, and the longest
sentence its layout holds. Scene classes pick these up from here (ExplainerScene does it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.trace import TraceInputError, check_sentence

SCENES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
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
    file: Path | None = None  # where the module lives, if not in scenes/ (a user's or a test's scene)

    @property
    def path(self) -> Path:
        return self.file or SCENES_DIR / f"{self.module}.py"

    def model_for(self, requested: str | None) -> str:
        return requested if requested in self.models else self.model

    def check(self, sentence: str, requested_model: str | None = None) -> list[str]:
        """The sentence's tokens, or TraceInputError if the model or this scene's layout cannot take it."""
        tokens = check_sentence(sentence, self.model_for(requested_model))
        if len(tokens) > self.max_tokens:
            raise TraceInputError(f"the scene '{self.key}' shows sentences of at most {self.max_tokens} words; "
                                  f"this one has {len(tokens)}")
        return tokens


SCENES = (
    SceneEntry("where-attention-lives", "story", "WhereAttentionLives", "Where attention lives", "1",
               "a language-model stack with its attention blocks lit (a diagram)",
               "attention", ("attention", "plain", "lstm"), 40, 15),
    SceneEntry("timeline", "story", "Timeline", "From plain networks to GPT", "2",
               "ANN, RNN, LSTM, seq2seq, Bahdanau attention, Transformer, GPT: what each fixed",
               "attention", ("attention", "plain", "lstm"), 40, 20),
    SceneEntry("no-order", "no_order", "NoOrder", "No sense of order", "3-4",
               "pooled word vectors are the same for a sentence and its shuffle; a recurrent state is not",
               "plain", ("plain", "lstm"), 10, 25),
    SceneEntry("rnn-relay", "rnn_relay", "RNNRelay", "Reading one word at a time", "5",
               "the encoder reads one word at a time and hands its hidden state forward",
               "plain", ("plain", "lstm"), 12, 29),
    SceneEntry("context-bottleneck", "context_bottleneck", "ContextBottleneck", "The context bottleneck", "6",
               "every state squeezed into one context vector; early words' pull measured; a long sentence fails",
               "plain", ("plain", "lstm"), 16, 47),
    SceneEntry("lstm-cell-state", "lstm_cell_state", "LSTMCellState", "LSTMs: a second memory", "7",
               "the cell-state highway and the forget/input/output gates of the real lstm model; long sentences dilute",
               "lstm", ("lstm",), 10, 35),
    SceneEntry("context-window", "context_window", "ContextWindow", "The context window", "8",
               "a window of 5 words slides over the sentence; attention follows the content instead",
               "attention", ("attention",), 24, 25),
    SceneEntry("attention-weights", "attention_weights", "AttentionWeights", "Attention weights", "9-11",
               "the decoder scores every encoder state; alpha fans out; the weighted sum makes c_i",
               "attention", ("attention",), 14, 57),
    SceneEntry("bahdanau-steps", "bahdanau_steps", "BahdanauSteps", "Bahdanau attention step by step", "13",
               "the three equations with the real numbers of each decoding step",
               "attention", ("attention",), 10, 63),
    SceneEntry("alignment-heatmap", "alignment_heatmap", "AlignmentHeatmap", "The alignment heatmap", "14-15",
               "the alpha matrix built row by row; reordered words leave the diagonal",
               "attention", ("attention",), 40, 41),
    SceneEntry("length-curve", "length_curve", "LengthCurve", "Accuracy by sentence length", "paper 2",
               "exact match by source length for plain, lstm and attention, from the stored evaluation",
               "attention", ("attention", "plain", "lstm"), 40, 30),
    SceneEntry("evolution", "story", "Evolution", "From Bahdanau to Transformers and GPT", "16",
               "attention + RNN (2014), attention without RNN (2017), decoder only (2018)",
               "attention", ("attention", "plain", "lstm"), 40, 15),
    SceneEntry("self-attention-teaser", "story", "SelfAttentionTeaser", "Next: self-attention", "17",
               "every word of the sentence linked to every other word: what comes next",
               "attention", ("attention", "plain", "lstm"), 12, 15),
)
BY_KEY = {s.key: s for s in SCENES}
BY_CLASS = {s.cls: s for s in SCENES}
