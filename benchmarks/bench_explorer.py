"""Explorer benchmark: how fast the offline page shows its first heatmap, and how fast it decodes.

    .venv/bin/python benchmarks/bench_explorer.py [--loads N] [--models DIR]

Builds the explorer (render.py explorer's function) into a temporary folder, then opens it N times
(default 5), each in a fresh headless Chromium with a fresh profile and no network, and reads the
page's own clock: the time from navigation start to the first heatmap drawn (the default example
run through every model, its α table and fan drawn). Then, in one page, the time to decode a
sentence of 4, 10, 20 and 40 words with every model (what a keystroke costs), median of 20 runs.
`--screenshot FILE.png` also saves the README's picture (a 12-word sentence, dark theme, made small).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser  # noqa: E402

from model.trace import MODELS_DIR  # noqa: E402
from output.explorer import build_explorer  # noqa: E402

SENTENCES = {
    4: "the european economic area",
    10: "the young student finds a red car and the big dog",
    20: "some countries change the good economic tree or a big agreement sees the social agreement",
    40: ("the public cat and the good social city and some pretty unions and the small markets with the border "
         "or a young policy and a council with the school with the bad red child or the green bank"),
}
SCREENSHOT_SENTENCE = "some national policies with the german child with a big public area"
DECODE = """(() => {
  const out = {};
  for (const [n, s] of Object.entries(%s)) {
    const times = [];
    for (let k = 0; k < 20; k++) {
      const t0 = performance.now();
      for (const name of Object.keys(explorer.models)) explorer.run(name, s);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    out[n] = times[10];
  }
  return out;
})()"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--models", type=Path, default=MODELS_DIR)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        made = build_explorer(Path(tmp) / "explorer", args.models)
        built = time.perf_counter() - started
        print(f"built in {built:.2f} s: {made['bytes'] / 1e6:.2f} MB, models {', '.join(made['models'])}")
        firsts = []
        for _ in range(args.loads):
            with Browser(1100, 900) as browser:
                browser.open(made["page"])
                firsts.append(browser.evaluate("window.explorerTimings.firstHeatmap"))
        print(f"load to first heatmap: median {statistics.median(firsts):.0f} ms "
              f"(min {min(firsts):.0f}, max {max(firsts):.0f}; {args.loads} cold loads)")
        with Browser(1100, 900) as browser:
            browser.open(made["page"])
            sentences = {n: s for n, s in SENTENCES.items() if not browser.evaluate(
                f"Object.values(explorer.models).some(m => m.check({s!r}).error)")}
            decode = browser.evaluate(DECODE % sentences)
        for n, ms in decode.items():
            print(f"decode a {n}-word sentence with every model: {ms:.1f} ms")
        if args.screenshot:
            screenshot(made["page"], args.screenshot)


def screenshot(page: Path, target: Path, theme: str = "dark") -> None:
    """The page with a sentence where the plain model fails and attention does not, shrunk to a
    small palette PNG."""
    from PIL import Image

    with Browser(1000, 1120) as browser:
        browser.call("Page.navigate", url=page.as_uri() + f"?theme={theme}#{SCREENSHOT_SENTENCE.replace(' ', '%20')}")
        browser.evaluate("new Promise(r => document.readyState === 'complete' ? r() : addEventListener('load', r))")
        browser.screenshot(target)
    with Image.open(target) as image:
        small = image.convert("RGB").resize((750, 840), Image.LANCZOS)
    small.quantize(colors=256, method=Image.FASTOCTREE).save(target, optimize=True)
    print(f"screenshot: {target} ({target.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
