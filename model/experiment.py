"""The controlled experiment behind the film's comparison, read from the model cards (no torch).

Every variant is trained with one recipe; `plain` is the baseline, `attention` differs from it by
the attention alone, `lstm` by the cell alone and `transformer` by the whole architecture (its sizes
included: d_model, layers, heads; the data, batches, seed, optimiser and schedule are the same).
`uncontrolled` lists anything else that differs, so a claim such as "the only difference is attention" is made only when it holds.
"""
from __future__ import annotations

from model.names import DIFFERS_FROM_PLAIN

# Card entries every variant must share for the comparison to be fair.
SHARED_SETTINGS = ("recipe", "seed", "corpus", "max_source_len", "max_target_len", "vocab")
TRAINING_SHARED = ("train_pairs", "test_pairs", "steps")


def uncontrolled(cards: dict[str, dict], baseline: str = "plain") -> list[str]:
    """'model: setting' for every setting in which a card differs from the baseline's other than
    its documented difference (an empty list: the experiment is controlled)."""
    base = cards[baseline]
    found = []
    for name, card in cards.items():
        found += [f"{name}: {key}" for key in SHARED_SETTINGS if card.get(key) != base.get(key)]
        found += [f"{name}: training.{key}" for key in TRAINING_SHARED
                  if card.get("training", {}).get(key) != base.get("training", {}).get(key)]
        arch = {k: v for k, v in card.get("architecture", {}).items() if k != "name"}
        base_arch = {k: v for k, v in base.get("architecture", {}).items() if k != "name"}
        if arch != base_arch and DIFFERS_FROM_PLAIN.get(name) != "architecture":
            found.append(f"{name}: architecture")
        expected = {"baseline": baseline, "differs_by": DIFFERS_FROM_PLAIN.get(name)}
        if card.get("experiment") != expected:
            found.append(f"{name}: experiment")
    return found


def shared_recipe(cards: dict[str, dict]) -> dict | None:
    """The one training recipe all cards share, or None if they do not share one."""
    recipes = [card.get("recipe") for card in cards.values()]
    return recipes[0] if recipes and all(r == recipes[0] for r in recipes) else None
