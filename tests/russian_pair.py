"""An invented English→Russian-like pair file for the tests and the README's guide: no articles (English
"the" and "a" have no partner), case endings on adjectives and nouns chosen by the verb (accusative,
dative, genitive), animate masculine objects taking the genitive's ending in the accusative, Cyrillic,
and a target shorter than its source. The word order is English's: a monotone alignment.

    .venv/bin/python tests/russian_pair.py ru.tsv 1500     # writes a pair file
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

# English noun → (stem, gender, animate, nominative); endings follow the gender and the case.
NOUNS = {"boy": ("мальчик", "m", True, "мальчик"), "brother": ("брат", "m", True, "брат"),
         "house": ("дом", "m", False, "дом"), "city": ("город", "m", False, "город"),
         "girl": ("девочк", "f", True, "девочка"), "dog": ("собак", "f", True, "собака"),
         "cat": ("кошк", "f", True, "кошка"), "book": ("книг", "f", False, "книга"),
         "car": ("машин", "f", False, "машина")}
ADJECTIVES = {"small": "маленьк", "red": "красн", "old": "стар", "new": "нов", "white": "бел"}
# English verb → (Russian verb, the case it gives its object)
VERBS = {"sees": ("видит", "acc"), "finds": ("находит", "acc"), "helps": ("помогает", "dat"),
         "fears": ("боится", "gen")}
NAMES = {"Anna": ("Анн", "f", True, "Анна"), "Ivan": ("Иван", "m", True, "Иван")}
ARTICLES = ("the", "a")   # "a" is written "an" before a vowel
VELAR = set("гкхжшчщ")   # after these a Russian -ы is written -и


def noun_form(stem: str, gender: str, animate: bool, nominative: str, case: str) -> str:
    if case == "nom":
        return nominative
    if gender == "m":
        if case == "acc":
            return stem + "а" if animate else nominative
        return stem + {"gen": "а", "dat": "у"}[case]
    return stem + {"acc": "у", "gen": "и" if stem[-1] in VELAR else "ы", "dat": "е"}[case]


def adjective_form(stem: str, gender: str, animate: bool, case: str) -> str:
    if gender == "f":
        return stem + {"nom": "ая", "acc": "ую", "gen": "ой", "dat": "ой"}[case]
    if case == "acc":
        case = "gen" if animate else "nom"
    if case == "nom":
        return stem + ("ий" if stem[-1] in VELAR else "ый")
    return stem + {"gen": "ого", "dat": "ому"}[case]


def noun_phrase(rng: random.Random, case: str) -> tuple[list[str], list[str]]:
    if rng.random() < 0.15:
        name = rng.choice(sorted(NAMES))
        return [name], [noun_form(*NAMES[name], case)]
    noun = rng.choice(sorted(NOUNS))
    stem, gender, animate, nominative = NOUNS[noun]
    adjs = rng.sample(sorted(ADJECTIVES), rng.choice((0, 1, 1, 2)))
    article = rng.choice(ARTICLES)
    if article == "a" and (adjs or [noun])[0][0] in "aeiou":
        article = "an"
    return ([article, *adjs, noun],
            [*(adjective_form(ADJECTIVES[a], gender, animate, case) for a in adjs),
             noun_form(stem, gender, animate, nominative, case)])


def sentence(rng: random.Random) -> tuple[str, str]:
    """One to three clauses `subject verb object`, joined by "and"."""
    en, ru = [], []
    for k in range(rng.choice((1, 1, 2, 3))):
        se, sr = noun_phrase(rng, "nom")
        verb = rng.choice(sorted(VERBS))
        russian, case = VERBS[verb]
        oe, orr = noun_phrase(rng, case)
        en += (["and"] if k else []) + [*se, verb, *oe]
        ru += (["и"] if k else []) + [*sr, russian, *orr]
    en[0], ru[0] = en[0][:1].upper() + en[0][1:], ru[0][:1].upper() + ru[0][1:]
    return " ".join(en) + ".", " ".join(ru) + "."


def write_pairs(path: Path, n: int = 600, seed: int = 5) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs: dict[str, str] = {}
    while len(pairs) < n:
        en, ru = sentence(rng)
        pairs.setdefault(en, ru)
    path.write_text("# an invented English→Russian-like pair file\n"
                    + "".join(f"{en}\t{ru}\n" for en, ru in pairs.items()), encoding="utf-8")
    return list(pairs.items())


if __name__ == "__main__":
    write_pairs(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 600)
