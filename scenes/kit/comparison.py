"""The long-sentence comparison: the source, the correct translation and models' real outputs, each
output checked word by word against the correct one (claims.check_words). context-bottleneck ends on
it (`bottleneck_end`) and lstm-cell-state opens on that same picture and ends with the LSTM's row in
the same layout, so both chapters build it here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from manim import DL, DOWN, DR, LEFT, UP, Create, Line, VGroup

from scenes.kit import claims
from scenes.kit.mobjects import WordFlow, fit_width, label
from scenes.kit.theme import current

BOTTLENECK_TITLE = "The bottleneck: one vector for the whole sentence"
WIDTH = 12.4


@dataclass
class Row:
    """One model's output under the comparison: its caption's name, words and check (None: unchecked)."""
    name: str
    words: list[str]
    check: claims.WordCheck | None


class Comparison:
    """Source, correct translation (when known), then each model's output; the colour legend sits
    after the first output, beside the words it explains."""

    def __init__(self, top: float, src_lang: str, tgt_lang: str, source: list[str], reference: list[str] | None,
                 rows: list[Row]):
        th = self.th = current()
        self.tgt_lang, self.rows = tgt_lang, rows
        self.source = self.block(src_lang, source, th.source)
        self.correct = self.block(f"correct {tgt_lang}", reference, th.target) if reference else None
        self.outputs = [self.block(f"{r.name}{': ' + claims.verdict(r.check) if r.check else ''}", r.words,
                                   th.text if r.check else th.target, max_lines=4) for r in rows]
        self.legend = self.colour_legend(with_underlines=True) if reference else None
        self.blocks = VGroup(*[b for b in (self.source, self.correct, self.outputs[0], self.legend, *self.outputs[1:])
                               if b is not None])
        # under the title (`top`: its bottom edge), as context-bottleneck has always placed it
        self.blocks.arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        self.blocks.shift((top - 0.35 - self.blocks.get_top()[1]) * UP).set_x(0)
        if self.blocks.height > 6.3:
            self.blocks.scale_to_fit_height(6.3)
            self.blocks.shift((top - 0.3 - self.blocks.get_top()[1]) * UP)

    def colour_legend(self, with_underlines: bool) -> VGroup:
        """What green and red mean on an output (the check of claims.check_words), said on screen; with
        underlines, the word-by-word check also strikes the red words through."""
        partner, struck = (" (underlined)", ", struck through") if with_underlines else ("", "")
        text = (f"green: the word has a partner in the correct {self.tgt_lang}, in the same order{partner}; "
                f"red{struck}: it has none")
        return fit_width(label(text, 17, self.th.muted), WIDTH)

    def block(self, name: str, words, color: str, max_lines: int | None = None) -> VGroup:
        """A muted caption and, under it, the words wrapped at WIDTH (at most `max_lines` lines)."""
        flow = WordFlow(claims.tokens_text(words), [color] * len(words), WIDTH, 22, max_lines=max_lines)
        block = VGroup(label(name, 20, self.th.muted), flow)
        flow.next_to(block[0], DOWN, buff=0.1, aligned_edge=LEFT)
        return block

    def marks(self, k: int) -> list[tuple[Any, str, Line | None, Line | None]]:
        """Output k's check, word by word: (word, colour, underline of its partner or None, strike or None)."""
        th, out, check = self.th, self.outputs[k][1], self.rows[k].check
        marks = []
        if check is None or self.correct is None:
            return marks
        for word, ok, partner in zip(out.words, check.ok, check.partner):
            under = strike = None
            if partner is not None:
                mate = self.correct[1][partner]
                under = Line(mate.get_corner(DL) + 0.05 * DOWN, mate.get_corner(DR) + 0.05 * DOWN,
                             color=th.right, stroke_width=3)
            elif not ok:  # struck through as well as red: the check reads without telling red from green
                strike = Line(word.get_left(), word.get_right(), color=th.wrong, stroke_width=2.5).move_to(word.get_center())
            marks.append((word, th.right if ok else th.wrong, under, strike))
        return marks

    def check_one_by_one(self, scene, k: int, seconds: float) -> VGroup:
        """Word after word: green with its partner underlined, or red and struck through. Returns the underlines."""
        underlines = VGroup()
        marks = self.marks(k)
        per = seconds / max(len(marks), 1)
        for word, color, under, strike in marks:
            anims = [word.animate.set_color(color)] + [Create(m) for m in (under, strike) if m is not None]
            if under is not None:
                underlines.add(under)
            scene.play(*anims, run_time=per)
        return underlines

    def end(self) -> VGroup:
        """The checked picture at rest: every output coloured and struck through, the last one's partners
        underlined (how the word-by-word check leaves it)."""
        marks = VGroup()
        for k in range(len(self.rows)):
            for word, color, under, strike in self.marks(k):
                word.set_color(color)
                if strike is not None:
                    marks.add(strike)
                if under is not None and k == len(self.rows) - 1:
                    marks.add(under)
        return VGroup(self.blocks, marks)



@dataclass
class BottleneckEnd:
    """context-bottleneck's last picture: the scene's long example, 'plain' (or the given model) against
    the attention model; the footnote names both models' weights."""
    comparison: Comparison
    footnote: str
    plain: Any
    attention: Any
    attention_name: str


def bottleneck_end(scene, model: str = "plain") -> BottleneckEnd:
    """Build context-bottleneck's last comparison for `scene` (an ExplainerScene), checked or not."""
    sentence = scene.long_example(claims.LONG_WORDS)
    plain = scene.trace_of(sentence, model)
    attention = scene.trace_of(sentence, "attention")
    reference = list(plain.reference_tokens or ()) or None
    checks = [claims.check_words(reference, tr.output_words) if reference else None for tr in (plain, attention)]
    final = attention.training_step is None  # else --checkpoint K: that checkpoint's weights, said so
    attention_name = "the attention model" if final else scene.weights_name(attention)
    rows = [Row(f"'{plain.model}' model (no attention)", list(plain.output_words), checks[0]),
            Row("'attention' model" if final else attention_name.removeprefix("the "), list(attention.output_words),
                checks[1])]
    cmp = Comparison(scene.heading(BOTTLENECK_TITLE).get_bottom()[1], scene.src_lang, scene.tgt_lang,
                     list(plain.source_tokens), reference, rows)
    models = (f"the trained '{plain.model}' ({plain.sha256[:8]}) and 'attention' ({attention.sha256[:8]}) models"
              if final else f"the trained '{plain.model}' model ({plain.sha256[:8]}) and of {attention_name} "
                            f"({attention.sha256[:8]})")
    return BottleneckEnd(cmp, f"real outputs of {models}", plain, attention, attention_name)
