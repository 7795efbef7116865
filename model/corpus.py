"""Phrase pairs for the models: a synthetic English→French grammar, or the user's own TSV.

The grammar is small but has what makes translation need attention: French determiners agree
with a noun that comes *later* in English, most adjectives move after the noun and stack in
mirrored order ("european economic area" → "zone économique européenne"), and conjunctions
chain phrases so sources run from 3 to 40 tokens. Everything is deterministic from a seed.
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

EXAMPLE_SOURCE = "the european economic area"
EXAMPLE_TARGET = "la zone économique européenne"
MAX_SOURCE_LEN = 40
LENGTH_BUCKETS = ((1, 10), (11, 20), (21, 30), (31, 40))

# English noun → (French singular, gender, French plural)
NOUNS = {
    "area": ("zone", "f", "zones"), "agreement": ("accord", "m", "accords"),
    "market": ("marché", "m", "marchés"), "country": ("pays", "m", "pays"),
    "city": ("ville", "f", "villes"), "bank": ("banque", "f", "banques"),
    "policy": ("politique", "f", "politiques"), "union": ("union", "f", "unions"),
    "council": ("conseil", "m", "conseils"), "law": ("loi", "f", "lois"),
    "report": ("rapport", "m", "rapports"), "system": ("système", "m", "systèmes"),
    "company": ("entreprise", "f", "entreprises"), "border": ("frontière", "f", "frontières"),
    "house": ("maison", "f", "maisons"), "car": ("voiture", "f", "voitures"),
    "cat": ("chat", "m", "chats"), "dog": ("chien", "m", "chiens"),
    "tree": ("arbre", "m", "arbres"), "book": ("livre", "m", "livres"),
    "friend": ("ami", "m", "amis"), "school": ("école", "f", "écoles"),
    "child": ("enfant", "m", "enfants"), "student": ("étudiant", "m", "étudiants"),
    "river": ("fleuve", "m", "fleuves"), "road": ("route", "f", "routes"),
    "garden": ("jardin", "m", "jardins"), "idea": ("idée", "f", "idées"),
}
ENGLISH_PLURALS = {"country": "countries", "city": "cities", "policy": "policies",
                   "company": "companies", "child": "children"}

# English adjective → (m. sg, f. sg, m. pl, f. pl, placement in French)
ADJECTIVES = {
    "european": ("européen", "européenne", "européens", "européennes", "after"),
    "economic": ("économique", "économique", "économiques", "économiques", "after"),
    "political": ("politique", "politique", "politiques", "politiques", "after"),
    "green": ("vert", "verte", "verts", "vertes", "after"),
    "red": ("rouge", "rouge", "rouges", "rouges", "after"),
    "black": ("noir", "noire", "noirs", "noires", "after"),
    "white": ("blanc", "blanche", "blancs", "blanches", "after"),
    "french": ("français", "française", "français", "françaises", "after"),
    "german": ("allemand", "allemande", "allemands", "allemandes", "after"),
    "free": ("libre", "libre", "libres", "libres", "after"),
    "public": ("public", "publique", "publics", "publiques", "after"),
    "social": ("social", "sociale", "sociaux", "sociales", "after"),
    "national": ("national", "nationale", "nationaux", "nationales", "after"),
    "big": ("grand", "grande", "grands", "grandes", "before"),
    "small": ("petit", "petite", "petits", "petites", "before"),
    "good": ("bon", "bonne", "bons", "bonnes", "before"),
    "pretty": ("joli", "jolie", "jolis", "jolies", "before"),
    "young": ("jeune", "jeune", "jeunes", "jeunes", "before"),
    "bad": ("mauvais", "mauvaise", "mauvais", "mauvaises", "before"),
    "long": ("long", "longue", "longs", "longues", "before"),
}

# English verb (3rd sg, 3rd pl) → French (3rd sg, 3rd pl)
VERBS = {
    ("sees", "see"): ("voit", "voient"), ("likes", "like"): ("aime", "aiment"),
    ("finds", "find"): ("trouve", "trouvent"), ("follows", "follow"): ("suit", "suivent"),
    ("watches", "watch"): ("regarde", "regardent"),
    ("supports", "support"): ("soutient", "soutiennent"),
    ("changes", "change"): ("change", "changent"),
}
NP_JOINERS = {"and": "et", "or": "ou", "with": "avec"}
CLAUSE_JOINERS = {"and": "et", "but": "mais", "or": "ou"}
VOWELS = set("aeiouyéèêàâîôûh")

# Languages that elide: a short word loses its vowel before a vowel and is written against the next
# word (l'arbre, qu'il, dell'anno). Their tokeniser splits the elided word off ("l'", "arbre"), so a
# model learns one article rather than one token per article and noun, and writes it back without
# a space. Keyed by the lower-cased language name given with --languages; every other language keeps
# a word with an apostrophe whole (D'Arcy, don't). Add a language here before training on it.
ELISIONS = {
    "french": ("c", "d", "j", "jusqu", "l", "lorsqu", "m", "n", "puisqu", "qu", "s", "t"),
    "italian": ("all", "anch", "bell", "c", "d", "dall", "dell", "l", "nell", "quell", "sull", "un"),
    "catalan": ("d", "l", "m", "n", "s", "t"),
}
ELISIONS |= {"français": ELISIONS["french"], "francais": ELISIONS["french"],
             "italiano": ELISIONS["italian"], "català": ELISIONS["catalan"]}  # the languages' own names
GRAMMAR_LANGUAGES = ("English", "French")

# A word: letters, combining marks (vowel signs, viramas, harakat), digits and joiners, as the
# `regex` package's Unicode \w has them, plus every number character Python's \w knew (², ½), so
# no character that was part of a word before is left out now; inner apostrophes and hyphens join.
# Thai, Lao, Khmer, Chinese and Japanese write no spaces between words: there a word is what the
# text separates with spaces or punctuation, nothing more (no dictionary segmentation).
_UNICODE_WORD = regex.compile(r"[\w\p{N}]+(?:['-][\w\p{N}]+)*'?")
# Before it (cards without "words": "unicode"): Python's \w, which drops combining marks and so
# splits Devanagari, Tamil or Arabic words; kept only so those models read text as they learnt it.
_WORD = re.compile(r"\w+(?:['-]\w+)*'?")
_LEGACY_TOKEN = re.compile(r"[^\W\d_]+'|[\w]+(?:[-'][\w]+)*")


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u02bc", "'")


@dataclass(frozen=True)
class Tokeniser:
    """How one side of the pairs becomes tokens and back, recorded in the model card.

    Case is kept unless `lowercase`; an apostrophe inside a word stays (D'Arcy, aujourd'hui) unless
    the part before it is one of the language's `elided` words (l'arbre → "l'", "arbre"); one at a
    word's edge is a quote mark and goes, except after an elided word ("l' arbre"). `legacy` is
    how cards written before this were read: lower-cased, split after every apostrophe. Words are
    found by Unicode rules (`_UNICODE_WORD`) unless `unicode_words` is off: a card written before
    them, whose words were found by Python's re word class (`_WORD`).
    """
    elided: frozenset[str] = frozenset()
    lowercase: bool = False
    legacy: bool = False
    unicode_words: bool = True

    @classmethod
    def for_language(cls, language: str | None, lowercase: bool = False) -> Tokeniser:
        return cls(frozenset(ELISIONS.get((language or "").strip().lower(), ())), lowercase)

    @classmethod
    def from_card(cls, entry: dict | None) -> Tokeniser:
        """The tokeniser a card records for one side (None: a card from before, read the old way)."""
        if entry is None:
            return cls(frozenset(), True, legacy=True)
        return cls(frozenset(entry.get("elided", ())), bool(entry.get("lowercase", False)),
                   unicode_words=entry.get("words") == "unicode")

    def to_card(self) -> dict:
        card = {"elided": sorted(self.elided), "lowercase": self.lowercase}
        if self.unicode_words:
            card["words"] = "unicode"
        return card

    def is_elided(self, token: str) -> bool:
        """Whether `token` ("l'") is an elided word, written against the word after it."""
        if not token.endswith("'") or len(token) < 2:
            return False
        return self.legacy or token[:-1].lower() in self.elided

    def tokens(self, text: str) -> list[str]:
        text = _clean(text)
        if self.lowercase:
            text = text.lower()
        if self.legacy:
            return _legacy_tokens(text)
        out: list[str] = []
        for word in (_UNICODE_WORD if self.unicode_words else _WORD).findall(text):
            if word.endswith("'") and not self.is_elided(word):
                word = word[:-1]          # a closing quote mark, not part of the word
            while "'" in word[:-1]:       # split elided words off the front: l'arbre, qu'il
                head, rest = word.split("'", 1)
                if not self.is_elided(head + "'"):
                    break
                out.append(head + "'")
                word = rest
            out.append(word)
        return out

    def text(self, tokens) -> str:
        """Join tokens for display: no space after an elided word."""
        out, glue = "", True
        for tok in tokens:
            out += tok if glue else " " + tok
            glue = self.is_elided(tok)
        return out


ENGLISH = Tokeniser.for_language("English", lowercase=True)   # the grammar's source: all lower case
FRENCH = Tokeniser.for_language("French")                     # the grammar's target


def _legacy_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for tok in _LEGACY_TOKEN.findall(text.lower()):
        m = re.fullmatch(r"([^\W\d_]{1,2}')(\w.*)", tok)
        tokens.extend([m.group(1), m.group(2)] if m else [tok])
    return tokens


def tokenise(text: str, language: str | None = None, lowercase: bool = False) -> list[str]:
    """Words as written (case kept unless `lowercase`), elided words split off only for a language
    that elides (see ELISIONS): tokenise("l'arbre", "French") → ["l'", "arbre"]."""
    return Tokeniser.for_language(language, lowercase).tokens(text)


def detokenise(tokens: list[str], language: str | None = None) -> str:
    """Join tokens for display: no space after an elided word of `language` ("l'" "arbre" → "l'arbre")."""
    return Tokeniser.for_language(language).text(tokens)


def normalise(text: str) -> str:
    """A sentence for the grammar's models: lower case, apostrophes unified, punctuation dropped,
    so 'The European  area.' is accepted (their source vocabulary is all lower case)."""
    return " ".join(ENGLISH.tokens(text))


@dataclass(frozen=True)
class Pair:
    source: tuple[str, ...]
    target: tuple[str, ...]


@dataclass(frozen=True)
class Splits:
    train: list[Pair]
    valid: list[Pair]
    test: list[Pair]


class Grammar:
    """Samples aligned English/French phrases from the tables above."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.nouns = sorted(NOUNS)
        self.adjs = sorted(ADJECTIVES)
        self.verbs = sorted(VERBS)

    def noun_phrase(self, plural: bool | None = None) -> tuple[list[str], list[str], bool]:
        r = self.rng
        noun = r.choice(self.nouns)
        plural = r.random() < 0.35 if plural is None else plural
        n_adj = r.choices((0, 1, 2), weights=(4, 4, 3))[0]
        adjs = r.sample(self.adjs, n_adj)
        before = [a for a in adjs if ADJECTIVES[a][4] == "before"]
        after = [a for a in adjs if ADJECTIVES[a][4] == "after"]
        en_det = r.choice(("the", "some")) if plural else r.choice(("the", "the", "a"))
        en_noun = ENGLISH_PLURALS.get(noun, noun + "s") if plural else noun
        en = [en_det, *before, *after, en_noun]
        if en_det == "a" and en[1][0] in "aeiou":
            en[0] = "an"
        return en, _translate_noun_phrase(en_det, before + after, noun, plural), plural

    def noun_phrase_list(self, n: int) -> tuple[list[str], list[str]]:
        en, fr, _ = self.noun_phrase()
        for _ in range(n - 1):
            joiner = self.rng.choice(sorted(NP_JOINERS))
            e, f, _ = self.noun_phrase()
            en += [joiner, *e]
            fr += [NP_JOINERS[joiner], *f]
        return en, fr

    def clause(self) -> tuple[list[str], list[str]]:
        se, sf, plural = self.noun_phrase()
        verb = self.rng.choice(self.verbs)
        oe, of, _ = self.noun_phrase()
        return [*se, verb[plural], *oe], [*sf, VERBS[verb][plural], *of]

    def sentence(self, target_len: int) -> tuple[list[str], list[str]]:
        """A phrase list or chained clauses of roughly `target_len` source tokens."""
        if (target_len <= 8 and self.rng.random() < 0.5) or self.rng.random() < 0.25:
            return self.noun_phrase_list(max(1, round(target_len / 3.6)))
        en, fr = self.clause()
        for _ in range(max(0, round(target_len / 7.3) - 1)):
            joiner = self.rng.choice(sorted(CLAUSE_JOINERS))
            e, f = self.clause()
            en += [joiner, *e]
            fr += [CLAUSE_JOINERS[joiner], *f]
        return en, fr


def bucket_of(length: int) -> str:
    for lo, hi in LENGTH_BUCKETS:
        if lo <= length <= hi:
            return f"{lo}-{hi}"
    raise ValueError(f"length {length} is outside every bucket")


def generate_pairs(seed: int = 0, n_pairs: int = 30000) -> list[Pair]:
    """Distinct pairs with source lengths spread evenly over 3..MAX_SOURCE_LEN."""
    rng = random.Random(seed)
    grammar = Grammar(rng)
    seen: set[tuple[str, ...]] = set()
    pairs: list[Pair] = []
    lengths = list(range(2, MAX_SOURCE_LEN + 1))
    quota = dict.fromkeys(lengths, -(-n_pairs // len(lengths)))
    misses = 0
    while quota and misses < 20000:  # the shortest lengths run out of distinct phrases
        en, fr = grammar.sentence(rng.choice(sorted(quota)))
        if quota.get(len(en), 0) == 0 or tuple(en) in seen:
            misses += 1
            continue
        misses = 0
        seen.add(tuple(en))
        pairs.append(Pair(tuple(en), tuple(fr)))
        quota[len(en)] -= 1
        if quota[len(en)] == 0:
            del quota[len(en)]
    return pairs


def split_pairs(pairs: list[Pair], seed: int, test_per_bucket: int = 250,
                valid_per_bucket: int = 100, pinned: tuple[Pair, ...] = (),
                test_divisor: int = 5, valid_divisor: int = 10) -> Splits:
    """Test and validation sets balanced over length buckets; no source sentence in two splits.

    Each bucket gives at most `test_per_bucket` and 1/`test_divisor` of its pairs to the test split
    (the same for validation); at least one test sentence comes from the biggest bucket.
    `pinned` pairs (the article's example) always go to training so the demo is learned.
    """
    rng = random.Random(seed + 1)
    pinned_sources = {p.source for p in pinned}
    unique: dict[tuple[str, ...], Pair] = {}
    for p in pairs:
        unique.setdefault(p.source, p)
    candidates = [p for s, p in unique.items() if s not in pinned_sources]
    rng.shuffle(candidates)
    by_bucket: dict[str, list[Pair]] = {}
    for p in candidates:
        by_bucket.setdefault(bucket_of(min(len(p.source), MAX_SOURCE_LEN)), []).append(p)
    test, valid, train = [], [], list(pinned)
    biggest = max(by_bucket, key=lambda b: len(by_bucket[b]), default=None)
    for bucket in sorted(by_bucket):
        items = by_bucket[bucket]
        n_test = min(test_per_bucket, len(items) // test_divisor)
        if bucket == biggest and len(items) > 1:
            n_test = max(1, n_test)
        n_valid = min(valid_per_bucket, len(items) // valid_divisor)
        test += items[:n_test]
        valid += items[n_test:n_test + n_valid]
        train += items[n_test + n_valid:]
    rng.shuffle(train)
    return Splits(train, valid, test)


def grammar_splits(seed: int = 0, n_pairs: int = 30000) -> Splits:
    example = Pair(tuple(ENGLISH.tokens(EXAMPLE_SOURCE)), tuple(FRENCH.tokens(EXAMPLE_TARGET)))
    return split_pairs(generate_pairs(seed, n_pairs), seed, pinned=(example,))


class PairsFileError(ValueError):
    pass


PAIRS_FILE_MAX_BYTES = 200 * 1024 * 1024  # far above any pair file that trains in minutes here


def check_pairs_file(path: str | Path) -> None:
    """Refuse, before anything reads it, what is not a regular file of a sensible size (a folder, a
    FIFO, /dev/zero would hang or never end)."""
    import stat
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        raise PairsFileError(f"{path}: no such file") from None
    if not stat.S_ISREG(info.st_mode):
        raise PairsFileError(f"{path}: not a regular file; give a UTF-8 text file of source<TAB>target lines")
    if info.st_size > PAIRS_FILE_MAX_BYTES:
        raise PairsFileError(f"{path}: {info.st_size / 2**20:,.0f} MB; a pair file may have at most "
                             f"{PAIRS_FILE_MAX_BYTES // 2**20} MB")


def read_pairs_text(path: str | Path) -> str:
    """The pair file as text: UTF-8 (a UTF-8 byte-order mark is allowed and dropped); anything else is
    one PairsFileError naming the file and what it is instead (UTF-16 or UTF-32, binary, other bytes)."""
    check_pairs_file(path)
    data = Path(path).read_bytes()
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(bom):
            raise PairsFileError(f"{path}: {name} text (it starts with a {name} byte-order mark); "
                                 f"save it as UTF-8 and train again")
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise PairsFileError(f"{path}:{line}: not a text file (it has NUL bytes: binary data, or UTF-16 "
                             f"without a byte-order mark); a pair file is UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise PairsFileError(f"{path}:{line}: not UTF-8 text (byte 0x{data[err.start]:02x} is not valid UTF-8 there; Latin-1 or "
                             f"Windows-1252 perhaps); save the file as UTF-8") from None


@dataclass(frozen=True)
class Conflict:
    """A source given more than once with different targets: the first line's target is kept."""
    source: tuple[str, ...]
    kept: tuple[str, ...]
    kept_line: int
    dropped: tuple[tuple[int, tuple[str, ...]], ...]   # (line, target) of each other translation


def read_pairs(path: str | Path, source: Tokeniser = Tokeniser(),
               target: Tokeniser = Tokeniser()) -> tuple[list[Pair], list[Conflict]]:
    """The user's own `source<TAB>target` lines, each side read as written by its tokeniser (blank
    lines and '#' comments skipped), and the sources given with different targets (training keeps
    one target per source: the first, see `split_pairs`)."""
    pairs = []
    first: dict[tuple[str, ...], tuple[int, tuple[str, ...]]] = {}
    others: dict[tuple[str, ...], list[tuple[int, tuple[str, ...]]]] = {}
    for lineno, line in enumerate(read_pairs_text(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise PairsFileError(f"{path}:{lineno}: expected 'source<TAB>target', got {len(parts)} field(s)")
        src, tgt = tuple(source.tokens(parts[0])), tuple(target.tokens(parts[1]))
        if not src or not tgt:
            raise PairsFileError(f"{path}:{lineno}: an empty side once punctuation is removed")
        if len(src) > MAX_SOURCE_LEN:
            raise PairsFileError(f"{path}:{lineno}: source has {len(src)} tokens (max {MAX_SOURCE_LEN})")
        pairs.append(Pair(src, tgt))
        kept = first.setdefault(src, (lineno, tgt))
        if kept[1] != tgt and all(tgt != t for _, t in others.get(src, ())):
            others.setdefault(src, []).append((lineno, tgt))
    if len(pairs) < 20:
        raise PairsFileError(f"{path}: only {len(pairs)} pairs; at least 20 are needed to train and test")
    conflicts = [Conflict(src, first[src][1], first[src][0], tuple(dropped)) for src, dropped in others.items()]
    return pairs, conflicts


def read_tsv(path: str | Path, source: Tokeniser = Tokeniser(), target: Tokeniser = Tokeniser()) -> list[Pair]:
    """The pairs of `read_pairs` alone."""
    return read_pairs(path, source, target)[0]


def conflict_warning(conflicts: list[Conflict], path: str | Path, source: Tokeniser = Tokeniser(),
                     target: Tokeniser = Tokeniser(), shown: int = 3) -> str | None:
    """One warning for the sources given with different targets: how many, the first few, which
    target each keeps (None when there are none)."""
    if not conflicts:
        return None
    examples = "; ".join(
        f"'{source.text(c.source)}' keeps line {c.kept_line}'s '{target.text(c.kept)}', not "
        + ", ".join(f"line {line}'s '{target.text(t)}'" for line, t in c.dropped)
        for c in conflicts[:shown])
    more = f"; and {len(conflicts) - shown} more" if len(conflicts) > shown else ""
    n = len(conflicts)
    return (f"{path}: {n} source{'s' if n > 1 else ''} given with different targets; training keeps the first "
            f"target of each and drops the others: {examples}{more}")


# A user's file: the test split takes this share of each length bucket and no more than this many
# sentences of it, so a bucket with few (long) pairs keeps 90 % of them to learn from.
TSV_TEST_SHARE = 10          # percent
TSV_TEST_MAX_PER_BUCKET = 250


def tsv_splits(path: str | Path, seed: int = 0, source: Tokeniser = Tokeniser(),
               target: Tokeniser = Tokeniser(), notes: list[str] | None = None) -> Splits:
    """Splits for a user file: a test split of TSV_TEST_SHARE % of each length bucket (at most
    TSV_TEST_MAX_PER_BUCKET sentences; at least one sentence overall), the rest training (no
    validation split: nothing in training reads it, and a small file needs every pair). What the
    reader wants said (sources with different targets) is added to `notes`."""
    pairs, conflicts = read_pairs(path, source, target)
    warning = conflict_warning(conflicts, path, source, target)
    if warning and notes is not None:
        notes.append(warning)
    return split_pairs(pairs, seed, test_per_bucket=TSV_TEST_MAX_PER_BUCKET,
                       valid_per_bucket=0, test_divisor=100 // TSV_TEST_SHARE, valid_divisor=1)


def bucket_counts(pairs: list[Pair]) -> dict[str, int]:
    """How many pairs fall in each source-length bucket (every bucket listed, in order)."""
    counts = {f"{lo}-{hi}": 0 for lo, hi in LENGTH_BUCKETS}
    for p in pairs:
        counts[bucket_of(len(p.source))] += 1
    return counts


_EN_NOUN = {**{n: (n, False) for n in NOUNS},
            **{ENGLISH_PLURALS.get(n, n + "s"): (n, True) for n in NOUNS}}
_EN_VERB = {form: VERBS[key][plural] for key in VERBS for plural, form in enumerate(key)}
_EN_JOINER = {**NP_JOINERS, **CLAUSE_JOINERS}


def reference_translation(source: list[str]) -> list[str] | None:
    """The grammar's own French for an English sentence it can parse, else None.

    The grammar is compositional, so its translation is rule-based: each noun phrase is
    translated on its own (agreement, elision, adjective placement) and every other word
    maps one to one. This gives a reference for sentences the user makes up.
    """
    out: list[str] = []
    i = 0
    while i < len(source):
        word = source[i]
        if word in _EN_VERB or word in _EN_JOINER:
            out.append(_EN_VERB.get(word) or _EN_JOINER[word])
            i += 1
            continue
        if word not in ("the", "a", "an", "some"):
            return None
        j = i + 1
        while j < len(source) and source[j] in ADJECTIVES:
            j += 1
        if j >= len(source) or source[j] not in _EN_NOUN:
            return None
        noun, plural = _EN_NOUN[source[j]]
        word = "a" if word == "an" else word
        if (word == "a" and plural) or (word == "some" and not plural):
            return None
        out += _translate_noun_phrase(word, source[i + 1:j], noun, plural)
        i = j + 1
    return out


def _translate_noun_phrase(det: str, adjs: list[str], noun: str, plural: bool) -> list[str]:
    fr_sg, gender, fr_pl = NOUNS[noun]
    form = (2 if plural else 0) + (1 if gender == "f" else 0)
    before = [ADJECTIVES[a][form] for a in adjs if ADJECTIVES[a][4] == "before"]
    after = [ADJECTIVES[a][form] for a in reversed(adjs) if ADJECTIVES[a][4] == "after"]
    words = [*before, fr_pl if plural else fr_sg, *after]
    if plural:
        fr_det = "les" if det == "the" else "des"
    elif det == "a":
        fr_det = "un" if gender == "m" else "une"
    else:
        fr_det = "l'" if words[0][0] in VOWELS else ("le" if gender == "m" else "la")
    return [fr_det, *words]


def sentence_of_length(n: int, seed: int = 1) -> str:
    """A grammar sentence of exactly n words (for trying layouts at their limits)."""
    grammar = Grammar(random.Random(seed))
    for _ in range(100000):
        en, _ = grammar.sentence(n)
        if len(en) == n:
            return " ".join(en)
    raise ValueError(f"no sentence of {n} words found")


# --- which sentences the grammar (and so the models trained on it) knows ---------------------------
_DETERMINERS = ("the", "a", "an", "some")


def _noun_phrase_end(tokens: list[str], i: int) -> tuple[int, bool] | None:
    """Where the noun phrase starting at `i` ends (exclusive) and whether it is plural, or None."""
    if i >= len(tokens) or tokens[i] not in _DETERMINERS:
        return None
    j = i + 1
    while j < len(tokens) and tokens[j] in ADJECTIVES:
        j += 1
    if j >= len(tokens) or tokens[j] not in _EN_NOUN:
        return None
    _, plural = _EN_NOUN[tokens[j]]
    if (tokens[i] in ("a", "an") and plural) or (tokens[i] == "some" and not plural):
        return None
    return j + 1, plural


def in_grammar(tokens: list[str] | tuple[str, ...]) -> bool:
    """Whether the grammar the models were trained on can make this sentence: noun phrases joined
    by and/or/with, or clauses (noun phrase, verb agreeing with it, noun phrase) joined by
    and/but/or. Stricter than `reference_translation`, which translates any word it knows."""
    tokens = list(tokens)
    first = _noun_phrase_end(tokens, 0)
    if first is None:
        return False
    end, _plural = first
    if end < len(tokens) and tokens[end] in _EN_VERB:  # clauses
        i = 0
        while True:
            subject = _noun_phrase_end(tokens, i)
            if subject is None or subject[0] >= len(tokens):
                return False
            verb = tokens[subject[0]]
            if verb not in _EN_VERB or not any(key[subject[1]] == verb for key in VERBS):
                return False
            obj = _noun_phrase_end(tokens, subject[0] + 1)
            if obj is None:
                return False
            if obj[0] == len(tokens):
                return True
            if tokens[obj[0]] not in CLAUSE_JOINERS:
                return False
            i = obj[0] + 1
    while end < len(tokens):  # a list of noun phrases
        if tokens[end] not in NP_JOINERS:
            return False
        nxt = _noun_phrase_end(tokens, end + 1)
        if nxt is None:
            return False
        end = nxt[0]
    return True


def known_sentence(tokens: list[str] | tuple[str, ...]) -> str:
    """A sentence of the grammar close to `tokens`, to suggest instead of one it cannot make: the
    fewest edits (a determiner added, a word dropped, two neighbours swapped, a verb's number
    changed; up to two edits for short sentences), else the longest grammatical start, else a
    noun phrase of its first noun, else the article's example."""
    tokens = list(tokens)

    def edits(words: list[str]):
        for i in range(len(words) - 1):
            yield [*words[:i], words[i + 1], words[i], *words[i + 2:]]
        for i in range(len(words) + 1):
            for det in ("the", "some", "a"):
                yield [*words[:i], det, *words[i:]]
        for i, word in enumerate(words):
            for key in VERBS:
                if word in key:
                    yield [*words[:i], key[1 - key.index(word)], *words[i + 1:]]
        for i in range(len(words)):
            if len(words) > 1:
                yield words[:i] + words[i + 1:]

    level = [tokens]
    for _ in range(2 if len(tokens) <= 12 else 1):
        found = []
        following = []
        for words in level:
            for candidate in edits(words):
                if in_grammar(candidate):
                    found.append(candidate)
                following.append(candidate)
        if found:
            return " ".join(max(found, key=len))
        level = following
    for end in range(len(tokens) - 1, 1, -1):
        if in_grammar(tokens[:end]):
            return " ".join(tokens[:end])
    for word in tokens:
        if word in _EN_NOUN:
            return f"the {word}"
    return EXAMPLE_SOURCE
