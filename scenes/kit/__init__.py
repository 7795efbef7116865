"""The shared visual vocabulary of the explainer: theme, layout, mobjects, the scene base."""
from scenes.kit.layout import pick_dims, slot_step, slot_xs
from scenes.kit.mobjects import (AlphaFan, Heatmap, ProbabilityBars, RNNCell, SlotBars, StateColumn, TokenRow, WeightColumn,
                                 Word, WordFlow,
                                 mark_differences, wrong_in_red,
                                 fade_replace, fit_width, label, percent)
from scenes.kit.scene import LONG_EXAMPLE, ExplainerScene
from scenes.kit.theme import THEMES, current, use_theme, value_to_color, weight_to_color

__all__ = ["AlphaFan", "ExplainerScene", "Heatmap", "LONG_EXAMPLE", "ProbabilityBars", "RNNCell",
           "StateColumn", "THEMES", "TokenRow", "current", "fit_width", "label", "percent", "pick_dims",
           "slot_step", "slot_xs", "use_theme", "value_to_color", "weight_to_color", "Word", "WordFlow",
           "mark_differences", "WeightColumn", "SlotBars", "fade_replace", "wrong_in_red"]
