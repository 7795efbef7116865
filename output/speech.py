"""The speech form of a narration: the words a voice reads aloud where the subtitles show symbols.

Subtitles show the narration as written for the eye (α, e_ij shown as eᵢⱼ, 92%, <eos>, 4 × 4 = 16);
a voice would skip those symbols, spell them out as code points, or read the underscore. `spoken`
rewrites them as a lecturer says them: α → "alpha", e_ij → "e i j", h_T → "h T", s_{i-1} → "s i
minus 1", 92% → "92 percent", +18.3 → "plus 18.3", 1–10 → "1 to 10", 4 × 4 = 16 → "4 times 4
equals 16", <eos> → "E O S". Numbers stay digits (every voice here reads them), so do words in
other languages ('économique'). `unspoken` names what is left that a voice would not read as
words; every narration line of every scene has none (tests/test_speech.py).

Both synthesised voices (`synth`, `neural`) read this form; recordings are read by a person from
the recording script, which keeps the subtitles' form.
"""
from __future__ import annotations

import re

GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "θ": "theta", "λ": "lambda",
         "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau", "φ": "phi", "ω": "omega", "Σ": "sum"}
# special tokens of the models' vocabularies, as a lecturer names them (letter by letter)
TOKENS = {"eos": "E O S", "sos": "S O S", "unk": "U N K", "pad": "pad"}
SYMBOLS = {"%": " percent", "×": " times ", "·": " times ", "=": " equals ", "≈": " about ", "→": " to ",
           "←": " from ", "≤": " at most ", "≥": " at least ", "<": " less than ", ">": " more than ",
           "…": "...", "—": ", ", "+": " plus ", "−": " minus "}
_SUBSCRIPT_PLAIN = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", "0123456789+-=()aehijklmnoprstuvx"))
_SUBSCRIPTED = re.compile(r"([A-Za-z])([₀-₎ₐ-ₜᵢⱼᵤᵥ]+)")
_TOKEN = re.compile(r"[<‹]\s*(" + "|".join(TOKENS) + r")\s*[>›]", re.IGNORECASE)
_NAME = re.compile(r"(?<!\w)([A-Za-zα-ωΑ-Ω])_(?:\{([^{}]+)\}|([A-Za-z0-9]+)\b)")  # h_T, e_ij, s_{i-1} (as in the scenes)
_RANGE = re.compile(r"(\d)\s*[-–]\s*(\d)")  # 31-40, 1–10: "31 to 40"
_SIGN = re.compile(r"(?<![\w.)])([+\-−])(?=\d)")  # +18.3, -0.4, −2: a sign, not an operator
_OPERATOR = re.compile(r"(?<=\b[A-Za-z0-9])\s*([+\-−])\s*(?=[A-Za-z]\b|\d)")  # i - 1, t+1: between one-letter names
# what a voice reads as words: letters of any alphabet, digits, spaces and the punctuation of prose
_PROSE = re.compile(r"[\w\s,.;:!?'’\"“”()\-]")


def _index(index: str) -> str:
    """A subscript as said: 'ij' → 'i j', 'i-1' → 'i minus 1', '1j' → '1 j', 'T' → 'T', 'enc' → 'enc'."""
    index = index.replace(" ", "")
    if index.isalpha() and len(index) > 2:  # a word as an index (h_enc) is read as the word
        return index
    operators = {"+": "plus", "-": "minus", "−": "minus", "=": "equals"}
    return " ".join(operators.get(t, t) for t in re.findall(r"\d+(?:\.\d+)?|[A-Za-z]|[+\-−=]", index))


def spoken(text: str) -> str:
    """`text` as a voice should read it (see the module's docstring)."""
    text = _SUBSCRIPTED.sub(lambda m: m[1] + "_{" + "".join(_SUBSCRIPT_PLAIN[c] for c in m[2]) + "}", text)
    text = _TOKEN.sub(lambda m: TOKENS[m[1].lower()], text)
    text = _NAME.sub(lambda m: f"{m[1]} {_index(m[2] or m[3])}", text)
    for letter, name in GREEK.items():
        text = re.sub(rf"(?<=\w){letter}|{letter}(?=\w)", f" {name} ", text).replace(letter, name)
    text = _RANGE.sub(r"\1 to \2", text)
    text = _SIGN.sub(lambda m: "plus " if m[1] == "+" else "minus ", text)
    text = _OPERATOR.sub(lambda m: " plus " if m[1] == "+" else " minus ", text)
    text = re.sub(r"\bexp\b", "the exponential", text)
    for symbol, words in SYMBOLS.items():
        text = text.replace(symbol, words)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"\s+([,.;:!?)])", r"\1", text).strip()


def unspoken(text: str) -> list[str]:
    """What in `text` a voice would skip or spell out rather than say: symbols outside prose's
    letters, digits and punctuation, underscores (the `_` of a name), and '-' between two letters
    that stand alone (a name's subscript left unread)."""
    left = sorted({ch for ch in text if not _PROSE.fullmatch(ch) or ch == "_"})
    return left + re.findall(r"\b[A-Za-z]_\w", text)


def word_count(text: str) -> int:
    """Words in a speech form, as a pace counts them (a number is one word, 'word's' one)."""
    return len(re.findall(r"[\w'’]+(?:[.,]\d+)?", text))
