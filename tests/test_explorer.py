"""The explorer page (render.py explorer), opened as a lecture hall's browser opens it: Debian's
Chromium, headless, no network. The page runs the shipped weights itself; one page load decodes 50
sentences of the test split and must give model.trace's tokens and α (within 1e-4)."""
from __future__ import annotations

import hashlib
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from browser import CHROMIUM, FLAGS, Browser
from rich.console import Console

from model.corpus import Tokeniser, grammar_splits, in_grammar, reference_translation
from model.report import print_trace
from model.trace import trace
from output.explorer import RUNS, ExplorerError, build_explorer
from output.slides import add_explorer_slide
from scenes.kit.claims import check_words
from tests.helpers import cli

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "assets" / "models"
EXAMPLE = "the european economic area"


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explorer")
    made = build_explorer(out, SHIPPED)
    # the shipped transformer is not run by the page (yet): a note says so, the other three run
    assert made["models"] == ["attention", "plain", "lstm"]
    assert len(made["skipped"]) == 1 and "'transformer' model (transformer) is not run" in made["skipped"][0]
    return made["page"]


def opened(browser: Browser, page: Path, fragment: str = "", query: str = "") -> None:
    browser.call("Page.navigate", url=page.resolve().as_uri() + query + (f"#{fragment}" if fragment else ""))
    browser.evaluate("new Promise(r => document.readyState === 'complete' ? r() : addEventListener('load', r))")
    assert browser.evaluate("typeof window.explorer") == "object", "the page's script failed"


def sample_sentences() -> list[str]:
    """50 sentences of the test split, spread evenly over its lengths (2 to 40 words)."""
    pairs = sorted(grammar_splits().test, key=lambda p: (len(p.source), p.source))
    picked = [pairs[round(k * (len(pairs) - 1) / 49)] for k in range(50)]
    return [" ".join(p.source) for p in picked]



RUN_ALL = """(() => {
  const t0 = performance.now();
  const out = %s.map(s => {
    const a = explorer.run('attention', s), p = explorer.run('plain', s), l = explorer.run('lstm', s);
    return {attention: a.tokens, alpha: a.alpha, plain: p.tokens, lstm: l.tokens};
  });
  return {ms: performance.now() - t0, out};
})()"""
JUDGE = """(() => {
  const refs = new ExplorerReferences.References(EXPLORER_DATA.references);
  return %s.map(([tokens, output]) => {
    const ref = refs.of(tokens);
    return [ref, refs.inGrammar(tokens), ref ? ExplorerReferences.checkWords(ref, output).ok : null];
  });
})()"""
OUTSIDE = ["red cars", "and and", "car the red", "a cars", "some car", "the dog sees", "the dogs sees the cat",
           "the dog and the cat sees the car", "the big", "an idea with the tree but the dog", "the cat sees a dog or"]

TOKENISE = """(() => %s.map(([entry, text]) => {
  const t = new ExplorerModel.Tokeniser(entry), tokens = t.tokens(text);
  return [tokens, t.text(tokens)];
}))()"""
TRICKY = ["The European  Economic Area.", "l'arbre et L'Arbre", "qu'il l' arbre", "D'Arcy's 'quoted' words'",
          "don't week-end -dash- a--b", "Grüße, Öl und ÉTÉ", "l\u2019arbre et l\u02bcécole", "x 2024 3-4 _under_",
          "jusqu'à aujourd'hui", "  ", "!!", "ça? Ça!"]
CARD_TOKENS = [None, {"elided": ["l", "qu", "jusqu"], "lowercase": False}, {"elided": [], "lowercase": True}]


def test_page_decodes_50_test_sentences_as_model_trace_does(page):
    sentences = sample_sentences()
    lengths = [len(s.split()) for s in sentences]
    assert len(sentences) == 50 and min(lengths) <= 3 and max(lengths) == 40
    with Browser(800, 600) as browser:
        opened(browser, page)
        result = browser.evaluate(RUN_ALL % json.dumps(sentences))
        tokenised = browser.evaluate(TOKENISE % json.dumps([[c, t] for c in CARD_TOKENS for t in TRICKY]))
        outputs = [(s.split(), list(trace(s, "plain").output_words)) for s in sentences]
        outputs += [(s.split(), ["la", "zone", "européenne", "zone"]) for s in [*OUTSIDE, EXAMPLE]]
        judged = browser.evaluate(JUDGE % json.dumps(outputs, ensure_ascii=False))
        requests = browser.requests
    worst = 0.0
    for sentence, got in zip(sentences, result["out"]):
        tr = trace(sentence, "attention")
        assert tuple(got["attention"]) == tr.target_tokens, sentence
        worst = max(worst, float(np.abs(np.array(got["alpha"]) - tr.attention).max()))
        assert tuple(got["plain"]) == trace(sentence, "plain").target_tokens, sentence
        assert tuple(got["lstm"]) == trace(sentence, "lstm").target_tokens, sentence
    assert worst <= 1e-4, f"α differs from the trace by up to {worst:.2e}"
    assert result["ms"] < 20_000  # 150 decodings; a few hundred ms on this machine
    # the page reads text as the card says (model/corpus.py: Tokeniser), old cards and new alike
    expected = []
    for card in CARD_TOKENS:
        for text in TRICKY:
            tok = Tokeniser.from_card(card)
            expected.append([tok.tokens(text), tok.text(tok.tokens(text))])
    assert tokenised == expected
    # the correct French, the grammar's bounds and the right words, as the film finds them
    for (tokens, output), (ref, ok_grammar, ok_words) in zip(outputs, judged):
        assert ref == reference_translation(tokens) and ok_grammar == in_grammar(tokens), tokens
        assert ok_words == (None if ref is None else list(check_words(ref, output).ok)), tokens
    assert sum(ok is False for _, ok, _ in judged) >= len(OUTSIDE) - 1 and judged[-1][2] == [True, True, True, False]
    assert requests and all(url.startswith(("file://", "data:")) for url in requests), requests


class Tables(html.parser.HTMLParser):
    """The cells of every <table> of a page, by table id: [[cell text, ...] per row]."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.cell, self.captions = {}, None, None, {}
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = self.tables.setdefault(dict(attrs).get("id", str(len(self.tables))), [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = ""
        elif tag == "caption":
            self.in_caption = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.current[-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.current = None
        elif tag == "caption":
            self.in_caption = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_caption:
            key = next(reversed(self.tables))
            self.captions[key] = self.captions.get(key, "") + data


def test_dump_dom_prints_the_alpha_table_of_render_trace(tmp_path):
    """The issue's done-when, as a user types it: render.py explorer, then chromium --dump-dom."""
    assert CHROMIUM, "chromium is not installed (make setup installs it)"
    out = tmp_path / "explorer folder"
    cli("explorer", "--out", str(out))
    url = (out / "index.html").as_uri() + "#" + EXAMPLE
    no_network = next(flag for flag in FLAGS if flag.startswith("--host-resolver-rules"))
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", no_network, "--dump-dom", url],
                         capture_output=True, text=True, timeout=120).stdout
    parsed = Tables()
    parsed.feed(dom)
    table = parsed.tables["alpha-table"]
    assert parsed.captions["alpha-table"] == "α in %: output words (rows) attending to source words (columns)"
    console = Console(width=200, record=True, file=io.StringIO())
    print_trace(trace(EXAMPLE), console)  # what `render.py trace` prints (cli/commands.py: trace)
    printed = console.export_text()
    lines = [line.split() for line in printed.splitlines()]
    header = next(i for i, words in enumerate(lines) if words[:2] == ["output", "↓"])
    rows = [words for words in lines[header + 2:] if words]
    assert table[0] == ["output ↓", *lines[header][2:]] == ["output ↓", *EXAMPLE.split()]
    assert table[1:] == rows and len(rows) == 5  # la zone économique européenne <eos>, in percent


def test_a_model_the_page_cannot_run_is_a_note_not_a_crash(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    for name in ("attention.json", "attention.safetensors"):
        shutil.copyfile(SHIPPED / name, models / name)
    card = json.loads((SHIPPED / "attention.json").read_text(encoding="utf-8"))
    (models / "transformer.json").write_text(json.dumps({**card, "architecture": {"name": "transformer"}}), encoding="utf-8")
    made = build_explorer(tmp_path / "page", models)
    assert made["models"] == ["attention"] and "'transformer' model (transformer) is not run" in made["skipped"][0]
    # a model whose weights reach the page with a design it does not run: noted too
    data_js = tmp_path / "page" / "data.js"
    data = json.loads(data_js.read_text(encoding="utf-8").split("= ", 1)[1].rstrip(";\n"))
    data["models"].append({**data["models"][0], "name": "mystery", "design": {"cell": "Transformer", "attends": True}})
    data_js.write_text("window.EXPLORER_DATA = " + json.dumps(data) + ";\n", encoding="utf-8")
    with Browser(800, 600) as browser:
        opened(browser, made["page"], EXAMPLE)
        notes = browser.evaluate("[...document.querySelectorAll('#notes li')].map(li => li.textContent)")
        outputs = browser.evaluate("[...document.querySelectorAll('.model h3')].map(h => h.textContent)")
        rows = browser.evaluate("document.querySelectorAll('#alpha-table tbody tr').length")
    assert len(notes) == 2 and "transformer" in notes[0] and "'mystery' model is skipped" in notes[1]
    assert outputs == ["attention (GRU + attention)"] and rows == 5
    assert {("GRU", False), ("GRU", True), ("LSTM", False)} == RUNS


def test_tampered_weights_or_an_empty_folder_are_refused(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    with pytest.raises(ExplorerError, match="holds no model card"):
        build_explorer(tmp_path / "page", models)
    shutil.copyfile(SHIPPED / "plain.json", models / "plain.json")
    (models / "plain.safetensors").write_bytes((SHIPPED / "plain.safetensors").read_bytes()[:-4] + b"\0\0\0\0")
    proc = cli("explorer", "--out", str(tmp_path / "page"), "--models", str(models), check=False)
    assert proc.returncode == 2 and "does not match the sha256" in proc.stderr and not (tmp_path / "page" / "data.js").exists()


CONTRAST = """(() => {
  const rgba = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => x / 255).map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
                     return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const ratio = (a, b) => { const [h, l] = [lum(a), lum(b)].sort((x, y) => y - x); return (h + 0.05) / (l + 0.05); };
  const backOf = node => { for (let n = node; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor); if (c.length === 3 || c[3] > 0) return c; }
    return [255, 255, 255]; };
  const low = [];
  for (const node of document.querySelectorAll('body *')) {
    const own = [...node.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || node.closest('noscript, .skip, option, svg, [aria-hidden=true]')) continue;
    const r = ratio(rgba(getComputedStyle(node).color), backOf(node));
    if (r < 4.5) low.push([node.tagName, node.textContent.slice(0, 30), r.toFixed(2)]);
  }
  const svgBack = rgba(getComputedStyle(document.body).backgroundColor);
  for (const t of document.querySelectorAll('#fan-svg text')) {
    const before = t.previousElementSibling;
    const rect = before && before.tagName === 'rect' ? rgba(getComputedStyle(before).fill) : svgBack;
    const r = ratio(rgba(getComputedStyle(t).fill), rect);
    if (r < 4.5) low.push(['svg', t.textContent, r.toFixed(2)]);
  }
  return low;
})()"""


def key(browser: Browser, name: str, code: int, text: str = "") -> None:
    for kind in ("keyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", type=kind, key=name, code=name if len(name) > 1 else f"Key{name.upper()}",
                     windowsVirtualKeyCode=code, text=text if kind == "keyDown" else "")


def test_keyboard_labels_and_contrast_in_both_themes(page, tmp_path):
    with Browser(1100, 900) as browser:
        opened(browser, page, "", "?theme=dark")
        unlabelled = browser.evaluate("""[...document.querySelectorAll('input, select')].filter(
            e => !document.querySelector(`label[for="${e.id}"]`)).length +
            [...document.querySelectorAll('th')].filter(th => !th.getAttribute('scope')).length +
            [...document.querySelectorAll('table')].filter(t => !t.querySelector('caption')).length""")
        assert unlabelled == 0
        low = {"dark": browser.evaluate(CONTRAST)}
        browser.evaluate("document.getElementById('theme').click()")
        assert browser.evaluate("document.documentElement.dataset.theme") == "light"
        low["light"] = browser.evaluate(CONTRAST)
        assert low == {"dark": [], "light": []}
        # typing: the sentence box, a word the model does not know, then a word chip chosen by keys
        browser.evaluate("(() => { const i = document.getElementById('sentence'); i.focus(); i.select(); })()")
        browser.call("Input.insertText", text="the big dog sees a red carr")
        status = browser.evaluate("document.getElementById('status').textContent")
        assert "'carr' (closest known: car" in status
        browser.evaluate("document.getElementById('sentence').select()")
        browser.call("Input.insertText", text="red cars")  # known words, outside the grammar
        status = browser.evaluate("document.getElementById('status').textContent")
        assert "not a sentence of the grammar the models learned" in status and "guesses" in status
        browser.evaluate("document.getElementById('sentence').select()")
        browser.call("Input.insertText", text="the big dog sees a red carr")
        browser.evaluate("(i => i.setSelectionRange(i.value.length - 4, i.value.length))(document.getElementById('sentence'))")
        browser.call("Input.insertText", text="ca")
        key(browser, "Tab", 9)  # to the word chips: the known words that start with 'ca'
        assert browser.evaluate("[...document.querySelectorAll('#chips button')].map(b => b.textContent)") == [
            "car", "cars", "cat", "cats"]
        key(browser, "ArrowRight", 39)
        assert browser.evaluate("document.activeElement.textContent") == "cars"
        key(browser, "ArrowLeft", 37)
        key(browser, "Enter", 13, "\r")
        assert browser.evaluate("document.getElementById('sentence').value") == "the big dog sees a red car "
        assert browser.evaluate("location.hash") == "#the%20big%20dog%20sees%20a%20red%20car"
        heads = browser.evaluate("[...document.querySelectorAll('#alpha-table thead th')].map(th => th.textContent)")
        assert heads == ["output ↓", *["the", "big", "dog", "sees", "a", "red", "car"]]
        # the fan follows the output word chosen with the keyboard
        browser.evaluate("document.getElementById('fan-word').focus()")
        before = browser.evaluate("document.querySelector('#fan-table caption').textContent")
        key(browser, "ArrowDown", 40)
        after = browser.evaluate("document.querySelector('#fan-table caption').textContent")
        assert before != after and after.startswith("α in %: where output word")
        browser.screenshot(tmp_path / "typed.png")


def test_slides_end_with_the_explorer(tmp_path):
    """output/slides.py's last slide, on a page shaped like manim-slides' (its sections hold no div)."""
    assets = tmp_path / "scene.slides_assets"
    assets.mkdir()
    slides = tmp_path / "scene.slides.html"
    slides.write_text('<html><body><div class="reveal">\n<div class="slides">\n<section>one</section>\n</div>\n'
                      '</div></body></html>', encoding="utf-8")
    add_explorer_slide(slides, assets, SHIPPED, "light")
    text = slides.read_text(encoding="utf-8")
    iframe = r'<iframe src="scene.slides_assets/explorer/index.html\?theme=light&amp;compact"'
    assert re.search(r'<section>one</section>\n<section [^>]*>' + iframe, text)
    with Browser(1000, 800) as browser:
        browser.open(slides)
        browser.evaluate("new Promise(r => setTimeout(r, 500))")
        tree = browser.call("DOM.getDocument", depth=-1, pierce=True)
        requests = browser.requests
    seen = json.dumps(tree, ensure_ascii=False)
    assert "α in %: output words (rows) attending to source words (columns)" in seen  # the iframe ran the models
    assert all(url.startswith("file://") for url in requests), requests


def test_own_models_read_text_and_references_as_their_cards_say(tmp_path):
    """A model set trained on a pair file (ATTENTION_MODELS_DIR): its card's tokens (lower-cased
    source, elided French articles), its languages and its pair file's translations reach the page."""
    models = tmp_path / "my models"
    models.mkdir()
    pairs = "the european economic area\tla zone économique européenne\nthe tree\tl' arbre\n"
    (models / "references.tsv").write_text(pairs, encoding="utf-8")
    for name in ("attention", "plain"):
        shutil.copyfile(SHIPPED / f"{name}.safetensors", models / f"{name}.safetensors")
        card = json.loads((SHIPPED / f"{name}.json").read_text(encoding="utf-8"))
        card["corpus"] = {"kind": "file", "tokens": {"source": {"elided": [], "lowercase": True},
                                                     "target": {"elided": ["l"], "lowercase": False}}}
        card["languages"] = {"source": "Englisch", "target": "Französisch"}
        card["references"] = {"kind": "file", "file": "references.tsv",
                              "sha256": hashlib.sha256(pairs.encode()).hexdigest(), "pairs": 2}
        card["default_example"] = {"sentence": "the tree"}
        (models / f"{name}.json").write_text(json.dumps(card), encoding="utf-8")
    out = tmp_path / "page"
    proc = subprocess.run([sys.executable, "render.py", "explorer", "--out", str(out)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "ATTENTION_MODELS_DIR": str(models)})
    assert proc.returncode == 0 and "runs attention, plain;" in proc.stdout, proc.stderr
    with Browser(1000, 800) as browser:
        opened(browser, out / "index.html")
        first = browser.evaluate("[document.getElementById('sentence-label').textContent, "
                                 "document.getElementById('sentence').value, "
                                 "document.querySelector('.reference').textContent]")
        opened(browser, out / "index.html", "The  European Economic Area.")
        exact = browser.evaluate("[...document.querySelectorAll('.model .note')].map(p => p.textContent)")
        opened(browser, out / "index.html", "the big tree")
        unknown = browser.evaluate("document.querySelector('.reference').textContent")
    assert first == ["Englisch sentence", "the tree", "Correct Französisch (the pair file's translation): l'arbre"]
    assert exact[0].startswith("every word right") and "is not a sentence of the grammar" not in exact[0]
    assert unknown == "No correct Französisch is known for this sentence, so nothing is marked right or wrong."


# `make check` leaves this file out (it renders, trains, serves or drives a browser); `make test` runs it
pytestmark = pytest.mark.slow
