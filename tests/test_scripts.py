"""Words in any script: drawn by the kit (never indexed by character), tokenised by Unicode rules,
warned about when no installed font has their glyphs; pair files that are not UTF-8 text refused
in one line. The built-in grammar tokenises exactly as before (the shipped models stay valid)."""
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import regex

from model import corpus, fonts
from model.trace import Trace

ROOT = Path(__file__).resolve().parent.parent

# One word per script the prober tried, each in a form that breaks a per-character view: Arabic
# with harakat (marks) whose letters join, Hebrew with niqqud, a Devanagari conjunct with virama,
# Tamil with vowel signs, Thai with tone marks, Chinese, Korean, a decomposed accent.
WORDS = {"Arabic": "كَلْب", "Hebrew": "שָׁלוֹם", "Devanagari": "क्षत्रिय", "Tamil": "சென்னை", "Thai": "ที่นี่",
         "Chinese": "你好", "Korean": "한국어", "Latin": "cafe\u0301"}


def make_trace(source, target, attention) -> Trace:
    """A Trace with just what the kit reads (other arrays are zeros of the right shape)."""
    s, t = len(source), len(target)
    return Trace(model="attention", sha256="0" * 64, sentence=" ".join(source), source_tokens=tuple(source),
                 target_tokens=tuple(target), reference_tokens=None, source_embeddings=np.zeros((s, 4)),
                 encoder_states=np.zeros((s, 4)), encoder_cells=None, encoder_gates=None, context=np.zeros(4),
                 influence=np.ones(s), decoder_states=np.zeros((t, 4)), attention=np.asarray(attention, float),
                 attention_scores=None, step_contexts=None, top_tokens=tuple((w,) for w in target),
                 top_probs=np.ones((t, 1)))


# --- the kit draws them --------------------------------------------------------------------------
@pytest.mark.parametrize("script", sorted(WORDS))
def test_a_word_of_any_script_is_drawn_on_its_baseline(script):
    from scenes.kit import Word, label

    word = Word(WORDS[script])  # an Arabic word raised IndexError here: its glyphs fell off Pango's page
    assert len(word.submobjects) >= 1 and word.width > 0.15 and word.height > 0.1
    assert word.put_on_baseline(1.0, 0.5).baseline() == pytest.approx(0.5, abs=1e-6)
    twice = Word(WORDS[script] + WORDS[script])
    assert twice.width > 1.6 * word.width  # every glyph is there, not a box or a blank
    assert label(WORDS[script]).width > 0.15  # the heatmap's labels: an Arabic one came out empty


def test_a_right_to_left_word_keeps_its_letters_and_reads_right_to_left():
    from scenes.kit import Word

    def rightmost(word):
        glyph = max(word.submobjects, key=lambda g: g.get_center()[0])
        return glyph.points - glyph.get_center()

    word = Word("كتب")  # k-t-b, three letters joined into three glyphs; kaf, the first, is drawn rightmost
    assert len(word.submobjects) == 3
    start = rightmost(Word("كت"))  # kaf in the same (initial) form
    assert rightmost(word).shape == start.shape and np.allclose(rightmost(word), start, atol=1e-4)
    assert rightmost(Word("بتك")).shape != start.shape or not np.allclose(rightmost(Word("بتك")), start, atol=1e-4)


def test_rows_heatmap_and_word_flow_take_words_of_every_script():
    """The pieces bahdanau-steps, attention-weights and context-bottleneck build from a Trace,
    fed a hand-made one whose target words are Arabic, Devanagari, Chinese and Korean."""
    from manim import VGroup

    from scenes.kit import Heatmap, ProbabilityBars, TokenRow, WordFlow, wrong_in_red
    from scenes.kit.scene import layout_problems

    target = [WORDS["Arabic"], WORDS["Devanagari"], WORDS["Chinese"], WORDS["Korean"], "<eos>"]
    tr = make_trace(["the", "big", "dog", "sees"], target, np.eye(5, 4) + np.eye(5, 4, -4))
    heat = Heatmap(tr.attention, tr.target_tokens, tr.source_tokens, cell=0.6)
    assert all(lab.width > 0.1 for lab in heat.row_labels)
    assert layout_problems([heat]) == []
    row = TokenRow(tr.target_tokens, width=10)
    assert [w.baseline() for w in row] == pytest.approx([0.0] * len(target), abs=1e-6)
    assert layout_problems(list(row)) == []
    flow = WordFlow(list(tr.output_words), colors=wrong_in_red(None, tr.output_words, "#ffffff"), width=4)
    assert len(flow.words) == 4 and flow.hidden == 0
    bars = ProbabilityBars(tr.output_words, np.array([0.5, 0.3, 0.1, 0.1]))
    assert all(group[0].width > 0.1 for group in bars)
    assert layout_problems([VGroup(*flow)]) == []


# --- fonts ---------------------------------------------------------------------------------------
def test_font_coverage_names_the_script_and_the_package(monkeypatch):
    latin = frozenset(range(0x250)) | {0x300, 0x301}
    lines = fonts.warnings([WORDS["Chinese"], "zone", WORDS["Devanagari"], WORDS["Korean"], "e\u0301"],
                           "target words", fonts=latin)
    assert len(lines) == 3  # Latin and its combining accent are drawn
    chinese, devanagari, korean = lines
    assert "Chinese characters (Han)" in chinese and "'你好'" in chinese and "fonts-wqy-microhei" in chinese
    assert "the Devanagari script" in devanagari and "fonts-noto-core" in devanagari
    assert "Korean Hangul" in korean
    assert all(line.count("\n") == 0 for line in lines)
    assert fonts.warnings(["zone", "européenne"], fonts=latin) == []
    monkeypatch.setattr(fonts, "covered", lambda: None)  # no fontconfig: nothing can be said
    assert fonts.warnings([WORDS["Chinese"]]) == []


def test_fontconfig_reports_what_the_installed_fonts_draw():
    assert fonts._parse_charset("20-7e a0-17f 192\n") == set(range(0x20, 0x7f)) | set(range(0xa0, 0x180)) | {0x192}
    have = fonts.covered()
    assert have is not None and {ord(c) for c in "zone économique →α"} <= have  # DejaVu Sans, always installed


def test_fonts_are_checked_from_a_fontconfig_that_has_only_dejavu(tmp_path):
    """fc-list honours FONTCONFIG_FILE: with DejaVu alone, Chinese and Devanagari are named."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<?xml version='1.0'?><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>"
                    f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    code = ("from model import fonts; import sys; print('\\n'.join(fonts.warnings(sys.argv[1:], 'words')))")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    out = subprocess.run([sys.executable, "-c", code, WORDS["Chinese"], WORDS["Devanagari"], WORDS["Arabic"], "zone"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == 2 and "Chinese" in out[0] and "Devanagari" in out[1]  # DejaVu draws Arabic


def test_render_training_and_the_kit_warn_about_words_no_font_draws(monkeypatch, capsys):
    from model.train import font_warnings
    from output import jobs
    from scenes.kit import mobjects

    monkeypatch.setattr(fonts, "covered", lambda: frozenset(range(0x250)))
    tr = make_trace(["the", "dog"], [WORDS["Chinese"], "<eos>"], [[0.5, 0.5], [0.5, 0.5]])
    [note] = jobs.font_warnings(tr)
    assert "Chinese" in note and "words of this example" in note
    splits = corpus.Splits(train=[corpus.Pair(("dog",), (WORDS["Devanagari"],))], valid=[], test=[])
    [line] = font_warnings(splits)
    assert "target words" in line and "Devanagari" in line
    monkeypatch.setattr(mobjects, "_WARNED", set())
    mobjects.Word(WORDS["Korean"])
    mobjects.label(WORDS["Korean"])
    err = capsys.readouterr().err
    assert err.count("warning: no installed font draws Korean Hangul") == 1  # once per script per process


def test_text_drawn_as_boxes_is_never_reused_once_its_font_is_installed(monkeypatch):
    """Manim names a text's cached SVG by text and style alone; the kit adds the characters no font
    had, so boxes drawn before a font was installed are not reused after (and a text every font draws
    keeps Manim's own name: caches of Latin texts stay valid)."""
    from manim import Text

    from scenes.kit.mobjects import KitText, Word

    word = Word(WORDS["Chinese"])
    drawn = word._text2hash("#ffffff")
    latin = KitText("européenne")
    assert latin._text2hash("#ffffff") == Text._text2hash(latin, "#ffffff")
    monkeypatch.setattr(fonts, "covered", lambda: frozenset(range(0x250)))
    assert word._text2hash("#ffffff") != drawn
    assert latin._text2hash("#ffffff") == Text._text2hash(latin, "#ffffff")


def test_a_render_with_words_drawn_as_boxes_is_not_reused_after_a_font_is_installed(monkeypatch, tmp_path):
    from output import cache
    from output.jobs import RenderJob
    from scenes.catalog import SCENES

    job = RenderJob(scene=SCENES[0], quality="low", out=tmp_path)
    drawn = cache.cache_key(job)  # the shipped models' words: every font draws them, the key is as before
    monkeypatch.setattr(cache, "font_warnings", lambda trace: ["no installed font draws ..."])
    assert cache.cache_key(job) != drawn


# --- tokens --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "tokens"), [
    ("नमस्ते दुनिया।", ["नमस्ते", "दुनिया"]),                     # Hindi: virama and vowel signs kept, danda dropped
    ("சென்னை நகரம்", ["சென்னை", "நகரம்"]),                       # Tamil
    ("ภาษา ไทย ที่นี่", ["ภาษา", "ไทย", "ที่นี่"]),                  # Thai: words are what spaces separate
    ("كَتَبَ الوَلَدُ", ["كَتَبَ", "الوَلَدُ"]),                      # Arabic with harakat
    ("שָׁלוֹם עוֹלָם", ["שָׁלוֹם", "עוֹלָם"]),                        # Hebrew with niqqud
    ("我 爱 你。", ["我", "爱", "你"]),                           # Chinese, spaced by the pair file
    ("日本語です", ["日本語です"]),                               # unspaced Japanese: one word
    ("می\u200cخواهم", ["می\u200cخواهم"]),                       # Persian: a zero-width non-joiner inside
    ("cafe\u0301 x²", ["café", "x²"]),                         # decomposed accent (NFC), a superscript as before
])
def test_words_of_every_script_keep_their_marks(text, tokens):
    got = corpus.tokenise(text)
    assert got == tokens
    clusters = [c for c in regex.findall(r"\X", corpus._clean(text)) if regex.match(r"[\w\p{N}]", c)]
    assert [c for t in got for c in regex.findall(r"\X", t)] == clusters  # no grapheme cluster split or lost


def test_a_card_from_before_the_unicode_rules_reads_words_as_it_learnt_them():
    old = corpus.Tokeniser.from_card({"elided": [], "lowercase": False})
    assert not old.unicode_words and old.tokens("नमस्ते") == ["नमस", "त"]  # its vocabulary was made this way
    new = corpus.Tokeniser.for_language("Hindi")
    assert new.to_card()["words"] == "unicode" and corpus.Tokeniser.from_card(new.to_card()) == new


def test_the_grammar_tokenises_exactly_as_before(grammar_splits):
    """Every sentence of the built-in grammar (all splits), as text and as the tokens training
    joined, and every word of the shipped vocabularies: the Unicode rules give the old tokens."""
    old_en = corpus.Tokeniser(corpus.ENGLISH.elided, lowercase=True, unicode_words=False)
    old_fr = corpus.Tokeniser(corpus.FRENCH.elided, unicode_words=False)
    pairs = grammar_splits.train + grammar_splits.valid + grammar_splits.test
    assert len(pairs) > 20000
    english = "\n".join(" ".join(p.source) for p in pairs)
    french = "\n".join(corpus.FRENCH.text(p.target) for p in pairs)
    for text in (english, french):  # the two word patterns find the same words in all of it
        assert corpus._UNICODE_WORD.findall(text) == corpus._WORD.findall(text)
    for p in pairs[::10]:  # and the tokenisers built on them give the tokens training joined
        en, fr = " ".join(p.source), corpus.FRENCH.text(p.target)
        assert corpus.ENGLISH.tokens(en) == old_en.tokens(en) == list(p.source)
        assert corpus.FRENCH.tokens(fr) == old_fr.tokens(fr) == list(p.target)
    assert corpus.normalise("The European  Economic Area.") == corpus.EXAMPLE_SOURCE
    for name in ("plain", "attention", "lstm"):
        vocab = json.loads((ROOT / "assets" / "models" / f"{name}.json").read_text(encoding="utf-8"))["vocab"]
        for side, rules in (("source", corpus.ENGLISH), ("target", corpus.FRENCH)):
            words = [w for w in vocab[side] if not w.startswith("<")]
            assert words and all(rules.tokens(w) == [w] for w in words), (name, side)


# --- pair files ----------------------------------------------------------------------------------
PAIRS = "".join(f"the dog number {i}\tder Hund Nummer {i}\n" for i in range(25))


def train(*argv) -> tuple[int, str]:
    from model.train import main

    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        code = main(list(argv))
    return code, printed.getvalue()


@pytest.mark.parametrize(("name", "data", "says"), [
    ("utf16.tsv", PAIRS.encode("utf-16"), "UTF-16 text (it starts with a UTF-16 byte-order mark)"),
    ("utf16be.tsv", b"\xfe\xff" + PAIRS.encode("utf-16-be"), "UTF-16 text"),
    ("utf32.tsv", PAIRS.encode("utf-32"), "UTF-32 text"),
    ("nobom.tsv", PAIRS.encode("utf-16-le"), "not a text file (it has NUL bytes"),
    ("binary.tsv", bytes(range(256)) * 8, "not a text file"),
    ("latin1.tsv", ("le café\tthe cafe\n" + PAIRS).encode("latin-1"), ":1: not UTF-8 text (byte 0xe9"),
])
def test_a_pair_file_that_is_not_utf8_text_is_one_error_line(tmp_path, name, data, says):
    path = tmp_path / name
    path.write_bytes(data)
    code, err = train("--pairs", str(path), "--out", str(tmp_path / "models"))
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and str(path) in err and says in err
    assert not (tmp_path / "models").exists()


def test_a_pair_file_that_is_not_a_regular_file_is_refused_before_it_is_read(tmp_path):
    fifo = tmp_path / "pairs.fifo"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path, Path("/dev/zero")):
        code, err = train("--pairs", str(path), "--out", str(tmp_path / "models"))
        assert code == 2 and err == f"error: {path}: not a regular file; give a UTF-8 text file of source<TAB>target lines\n"


def test_a_utf8_pair_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_bytes(PAIRS.encode("utf-8-sig"))
    assert corpus.read_tsv(path)[0].source == ("the", "dog", "number", "0")


def test_sources_given_different_targets_are_counted_and_the_kept_one_named(tmp_path):
    from model.train import load_splits

    path = tmp_path / "dup.tsv"
    path.write_text(PAIRS + "the dog number 3\tden Hund Nummer 3\n"      # line 26: differs from line 4
                    "the dog number 3\tden Hund Nummer 3\n"              # the same again: said once
                    "the dog number 4\tder Hund Nummer 4\n"              # an exact duplicate: not a conflict
                    + "".join(f"the dog number {i}\tanders {i}\n" for i in range(5, 10)), encoding="utf-8")
    notes: list[str] = []
    splits, _ = load_splits(str(path), 0, ["English", "German"], notes=notes)
    [note] = notes
    assert note.startswith(f"{path}: 6 sources given with different targets; training keeps the first target")
    assert "'the dog number 3' keeps line 4's 'der Hund Nummer 3', not line 26's 'den Hund Nummer 3'" in note
    assert note.endswith("and 3 more")
    kept = {p.source: p.target for p in splits.train + splits.test}
    assert kept[("the", "dog", "number", "3")] == ("der", "Hund", "Nummer", "3")
    _, conflicts = corpus.read_pairs(tmp_path / "dup.tsv")
    assert [c.kept_line for c in conflicts] == [4, 6, 7, 8, 9, 10]
    clean = tmp_path / "clean.tsv"
    clean.write_text(PAIRS + PAIRS, encoding="utf-8")
    notes.clear()
    load_splits(str(clean), 0, notes=notes)
    assert notes == []
