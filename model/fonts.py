"""Which characters the installed fonts can draw, so words no font covers are named, not drawn as boxes.

Pango draws each character with the first installed font that has it (fontconfig's fallback), so
a character is drawable when any installed font covers it: the union of every font's character
set as `fc-list` reports it (one call, a few hundredths of a second, cached per process). A
character none covers would be drawn as an empty or hex box ("tofu"); `warnings` turns those into
one line per script naming the Debian package that draws it.
"""
from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable

import regex

# The Debian packages `make setup` installs for scripts DejaVu Sans lacks (see README, "Scripts and fonts").
CJK_PACKAGE = "fonts-wqy-microhei"    # Chinese, Japanese kana, Korean Hangul: 5 MB installed
OTHER_PACKAGE = "fonts-noto-core"     # Arabic, Hebrew, Indic, Thai, Ethiopic, ... : 43 MB installed
_CJK = regex.compile(r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]")
_CJK_NAMES = (("Hangul", "Korean Hangul"), ("Hiragana", "Japanese kana"), ("Katakana", "Japanese kana"),
              ("Bopomofo", "Bopomofo"), ("Han", "Chinese characters (Han)"))
# Not drawn with a glyph of their own: spaces, controls, and format characters (joiners, direction marks).
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}


def _parse_charset(text: str) -> set[int]:
    """Code points of fc-list's `%{charset}` lines ("20-7e a0-17f 192 ...", hex)."""
    points: set[int] = set()
    for part in text.split():
        first, _, last = part.partition("-")
        try:
            points.update(range(int(first, 16), int(last or first, 16) + 1))
        except ValueError:
            continue
    return points


@functools.lru_cache(maxsize=1)
def covered() -> frozenset[int] | None:
    """Every code point some installed font has, or None when fontconfig's `fc-list` is missing
    or fails (then nothing can be said, and nothing is warned)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        proc = subprocess.run([fc_list, "--format", "%{charset}\n"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return frozenset(_parse_charset(proc.stdout))


_SCRIPTS = ("Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana", "Devanagari",
            "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai",
            "Lao", "Tibetan", "Myanmar", "Georgian", "Ethiopic", "Cherokee", "Khmer", "Mongolian")


def script_of(char: str) -> str:
    """A reader's name for the script of `char` ("the Devanagari script", "Korean Hangul", ...)."""
    if _CJK.match(char):
        return next(name for script, name in _CJK_NAMES if regex.match(rf"\p{{Script={script}}}", char))
    for script in _SCRIPTS:
        if regex.match(rf"\p{{Script={script}}}", char):
            return f"the {script} script"
    if regex.match(r"[\p{Script=Common}\p{Script=Inherited}]", char):
        return "symbols and marks"
    name = unicodedata.name(char, "")
    return f"the {name.split(' ')[0].title()} script" if name else f"U+{ord(char):04X}"


def package_for(char: str) -> str:
    return CJK_PACKAGE if _CJK.match(char) else OTHER_PACKAGE


def uncovered(text: str, fonts: frozenset[int] | None = None) -> str:
    """The characters of `text` (each once) that no installed font has ("" when all are drawn, or
    when fontconfig is absent)."""
    fonts = covered() if fonts is None else fonts
    if fonts is None:
        return ""
    return "".join(c for c in dict.fromkeys(text) if ord(c) not in fonts and unicodedata.category(c) not in _INVISIBLE)


def missing(texts: Iterable[str], fonts: frozenset[int] | None = None) -> dict[str, tuple[str, list[str]]]:
    """{script: (the Debian package that draws it, the texts (each once, in order) with a character
    of it that no installed font has)}; empty when every character is covered or fontconfig is absent."""
    fonts = covered() if fonts is None else fonts
    out: dict[str, tuple[str, list[str]]] = {}
    if fonts is None:
        return out
    for text in texts:
        for char in dict.fromkeys(text):
            if ord(char) not in fonts and unicodedata.category(char) not in _INVISIBLE:
                _, words = out.setdefault(script_of(char), (package_for(char), []))
                if text not in words:
                    words.append(text)
    return out


def warnings(texts: Iterable[str], what: str = "words", fonts: frozenset[int] | None = None) -> list[str]:
    """One line per script no installed font draws: which, up to three of the texts, and the fix."""
    lines = []
    for script, (package, words) in missing(texts, fonts).items():
        shown = ", ".join(f"'{w}'" for w in words[:3]) + (f" and {len(words) - 3} more" if len(words) > 3 else "")
        lines.append(f"no installed font draws {script}, which {len(words)} of the {what} use ({shown}): they "
                     f"would show as empty boxes; install the Debian package {package} (apt-get install {package})")
    return lines
