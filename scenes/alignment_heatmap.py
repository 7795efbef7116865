"""Alignment heatmap (article figs. 14–15): word order read from crossing links. It opens on
bahdanau-steps' last picture (kit.attention_picture; a sentence longer than that chapter shows starts on
its links): each step's α fan is reduced to its heaviest line, the output word's link to the source word
it looks at most; with both sentences written left to right, links that cross are where the order
changed, links that do not keep it, whatever the two lengths. The heatmap is then the same links as a
grid (each row's largest cell boxed). A longer sentence's links follow, each crossing named with its
words readable; every fact comes from scenes.kit.alignment."""
from __future__ import annotations

import itertools

import numpy as np
from manim import (
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    Line,
    Square,
    SurroundingRectangle,
    Transform,
    VGroup,
    VMobject,
)

from scenes.catalog import BY_KEY
from scenes.kit import ExplainerScene, Heatmap, alignment, claims, fade_replace, label, slot_xs
from scenes.kit.alignment import Facts
from scenes.kit.attention_picture import AttentionPicture, bahdanau_equations
from scenes.kit.layout import TEXT_EDGE_X
from scenes.kit.theme import current

LONG_MIN_WORDS = 10  # a user sentence at least this long is itself the longer sentence
FONT, MIN_FONT = 24, 20   # the diagram's words: below MIN_FONT side by side, they stand up instead
FAINT = 0.3          # opacity of a link another word stands for (not counted)
KEY_TEXT = {         # the one marking scheme, each mark with its meaning (shown as it first appears)
    "link": "link: a word's largest α",
    "faint": "faint: a later word has its link",
    "crossing": "coloured: crossing (order changed)",
}
KEY_SIZE = 17
KEY_Y = 2.72         # the key's one row, under the title


class LinkDiagram(VGroup):
    """The output sentence above the source sentence, both left to right, and each output word's link
    as a line down to the source word it looks at most. Words stand side by side at MIN_FONT or more,
    else they stand up (rotated), so every word stays readable. Lines: faint where a later output word
    stands for the same source word; the rest are the counted links."""

    def __init__(self, f: Facts, top: float, bottom: float, colors: list[str] | None = None, width: float = 13.2,
                 faint: bool = True):
        """Everything between y = `top` and y = `bottom`: the output's words hang from `top`, the source's
        stand on `bottom`, each row on one line (standing words: their starts on it). `faint`: the links
        not counted drawn faint from the start (else the scene dims them when it says why)."""
        super().__init__()
        th = current()
        self.f = f
        self.out, out_up = self.row(f.output, colors or [th.target] * f.rows, width)
        self.src, src_up = self.row(f.source, [th.source] * len(f.source), width)
        edge = top - self.out.height   # the output's words end (or start, standing) on this line
        for word in self.out:
            word.shift((edge - word.get_bottom()[1]) * UP if out_up else (edge - self.out.get_bottom()[1]) * UP)
        edge = bottom + self.src.height
        for word in self.src:
            word.shift((edge - word.get_top()[1]) * UP if src_up else (edge - self.src.get_top()[1]) * UP)
        y0, y1 = self.out.get_bottom()[1] - 0.1, self.src.get_top()[1] + 0.1
        self.lines = VGroup(*[Line([self.out[i].get_x(), y0, 0], [self.src[j].get_x(), y1, 0])
                              for i, j in enumerate(f.links)])
        standing = set(f.stands_for.values())
        for i, line in enumerate(self.lines):
            line.set_stroke(th.text, width=4, opacity=1.0 if i in standing or f.still or not faint else FAINT)
        self.add(self.out, self.src, self.lines)

    @staticmethod
    def row(tokens, colors, width: float) -> tuple[VGroup, bool]:
        """The words in evenly spaced slots: side by side when they fit at MIN_FONT, else standing up."""
        xs = slot_xs(len(tokens), width, 2.2, 0.0)
        step = xs[1] - xs[0] if len(xs) > 1 else 2.2
        words = [label(t, FONT, c) for t, c in zip(claims.tokens_text(tokens), colors)]
        fit = min(1.0, *(0.9 * step / w.width for w in words))
        up = FONT * fit < MIN_FONT
        if up:
            fit = min(1.0, *(0.9 * step / w.height for w in words))
        for word, x in zip(words, xs):
            word.scale(fit)
            if up:
                word.rotate(np.pi / 2)
            word.move_to([x, 0, 0])
        return VGroup(*words), up


def fit_heatmap(tr, height: float, width: float) -> Heatmap:
    """The biggest heatmap (labels included) that fits in width × height; special tokens as on screen (‹eos›)."""
    rows, cols = tr.attention.shape
    cell = min(0.9, height / (rows + 2), width / (cols + 3))
    heatmap = Heatmap(tr.attention, claims.tokens_text(tr.target_tokens), tr.source_tokens, cell=cell)
    if heatmap.height > height:
        heatmap.scale_to_fit_height(height)
    if heatmap.width > width:
        heatmap.scale_to_fit_width(width)
    return heatmap


class AlignmentHeatmap(ExplainerScene):
    title = "Word order in the links: the alignment heatmap"

    def construct(self) -> None:
        self.f = alignment.trace_facts(self.tr)
        self.key = VGroup()
        self.keyed: dict[str, VGroup] = {}
        self.frames = VGroup()
        # bahdanau-steps' picture exists for the sentences that chapter shows; a longer one starts on its links
        self.picture = len(self.tr.source_tokens) <= BY_KEY["bahdanau-steps"].max_tokens
        if self.picture:
            self.open_on_the_picture()
            self.draw_links()
        else:
            self.links_alone()
        self.read_crossings()
        self.as_grid()
        self.longer_sentence()
        self.learned()

    # --- the key: one row under the title, a line per kind of mark added when it first appears ----
    def key_sample(self, kind: str) -> VMobject:
        th = self.theme
        line = Line(LEFT * 0.22, RIGHT * 0.22).set_stroke(th.text, width=4)
        box = Square(0.26).set_stroke(th.text, width=3).set_fill(opacity=0)
        sample = VGroup(line, box).arrange(RIGHT, buff=0.1)   # a line in the diagram, a box in the grid
        if kind == "faint":
            sample.set_stroke(opacity=FAINT)
        if kind == "crossing":
            sample.set_stroke(th.target, width=5)
        return sample

    def key_size(self) -> float:
        """One type size for the key: all its entries fit in one row across the frame."""
        samples = sum(self.key_sample(kind).width + 0.15 + 0.45 for kind in KEY_TEXT)
        texts = sum(label(text, KEY_SIZE).width for text in KEY_TEXT.values())
        return KEY_SIZE * min(1.0, (2 * TEXT_EDGE_X - samples) / texts)

    def key_entry(self, kind: str) -> list:
        """The fade-in of `kind`'s entry in the key ([] when it is already there)."""
        if kind in self.keyed:
            return []
        entry = VGroup(self.key_sample(kind), label(KEY_TEXT[kind], self.key_size(), self.theme.muted))
        entry.arrange(RIGHT, buff=0.15)
        left = self.key.get_right()[0] + 0.45 if len(self.key) else -TEXT_EDGE_X
        entry.move_to([left + entry.width / 2, KEY_Y, 0])
        self.key.add(entry)
        self.keyed[kind] = entry
        return [FadeIn(entry)]

    def pace(self, steps: list[list], at_most: float = 3.0, at_least: float = 0.5) -> None:
        """Play `steps` one after the other over what the open beat's narration still needs."""
        steps = [step for step in steps if step]
        if not steps:
            return
        each = min(at_most, max(at_least, (self.reading_time_left() - 0.3) / len(steps)))
        for step in steps:
            self.play(*step, run_time=each)

    def lit(self, *mobs) -> Indicate:
        """Marks lit in the pointer's colour (a colour none of them has, so the change shows)."""
        return Indicate(VGroup(*mobs), color=self.theme.window, scale_factor=1.0)

    @staticmethod
    def pairs(f: Facts, rows: tuple[int, ...]) -> list[tuple[int, int]]:
        """The crossing pairs of a group's rows: the earlier row links right of the later one."""
        return [(a, b) for a, b in itertools.combinations(rows, 2) if f.links[a] > f.links[b]]

    def frame(self, mobs: list) -> list:
        """Frames round the words being said (the old ones fade)."""
        old, self.frames = self.frames, VGroup(*[SurroundingRectangle(m, buff=0.08, stroke_width=2.5,
                                                                       color=self.theme.window) for m in mobs])
        return [FadeOut(old), Create(self.frames)]

    # --- beats ---------------------------------------------------------------------------------
    def open_on_the_picture(self) -> None:
        """bahdanau-steps' last picture, from the same builder: every word written, the last step's fan,
        its c_i fed into the cell, the equations in the heading's place."""
        tr = self.tr
        self.pic = pic = AttentionPicture(tr)
        st = pic.stage
        p = pic.end_picture()
        last = len(tr.target_tokens) - 1
        self.columns = p["columns"]
        self.fan = pic.fan(last, self.columns)
        ctx = pic.context(last, self.fan)
        feed = pic.feed_arrow(last, ctx)
        self.cells = VGroup(*st.dec_cells, *st.dec_arrows)
        self.written = st.out_words.copy().set_opacity(1)
        self.eqs = bahdanau_equations(self.heading())
        self.note = self.footnote(self.provenance(extra=st.dims_note()))
        self.words = p["words"]
        self.furniture = VGroup(p["h_names"], p["start"], pic.s_name(last))
        self.add(self.eqs, self.note, self.words, self.columns, *self.furniture, self.cells, self.written, self.fan)
        self.add_foreground_mobjects(ctx, feed)
        self.ctx = VGroup(ctx, feed)

    def links_alone(self) -> None:
        """A sentence longer than bahdanau-steps shows: its links drawn one by one, no fans."""
        f = self.f
        self.beat("links", alignment.links_narration(f, self.tgt_lang, self.src_lang, fans=False))
        self.title_mob = self.heading()
        self.note = self.footnote(self.provenance(extra="each line joins a word to the word it looks at most"))
        self.diagram = d = LinkDiagram(f, *self.band(), faint=False)
        self.add(self.title_mob, self.note)
        self.play(FadeIn(d.out, lag_ratio=0.05), FadeIn(d.src, lag_ratio=0.05), *self.key_entry("link"), run_time=1.5)
        self.play(Create(d.lines, lag_ratio=0.3), run_time=max(1.0, self.reading_time_left() - 0.5))

    def draw_links(self) -> None:
        f, th = self.f, self.theme
        self.beat("links", alignment.links_narration(f, self.tgt_lang, self.src_lang))
        self.title_mob = self.heading()
        self.remove_foreground_mobjects(*self.ctx)
        self.play(*fade_replace(self.eqs, self.title_mob), FadeOut(self.ctx), FadeOut(self.furniture), run_time=1.0)
        kept = VGroup()
        each = float(np.clip((self.reading_time_left() - 2.5) / max(2 * f.rows, 1), 0.3, 1.5))
        for i in range(f.rows):
            fan = self.pic.fan(i, self.columns)
            self.play(Transform(self.fan.lines, fan.lines), *fade_replace(self.fan.labels, fan.labels),
                      Indicate(self.written[i], color=th.target, scale_factor=1.15), run_time=each)
            self.fan.labels = fan.labels
            link = fan.lines[f.links[i]].copy().set_stroke(th.text, width=4, opacity=1)
            kept.add(link)
            self.play(Create(link), Indicate(fan.labels[f.links[i]], color=th.alpha, scale_factor=1.3), run_time=each)
        self.diagram = LinkDiagram(f, *self.band(), colors=self.pic.colors[:f.rows], faint=False)
        d = self.diagram
        self.note_to(self.provenance(extra="each line joins a word to the word it looks at most"))
        self.play(FadeOut(self.fan.lines), FadeOut(self.fan.labels), FadeOut(self.columns), FadeOut(self.cells),
                  FadeOut(self.written[f.rows:]), *[Transform(self.written[i], d.out[i]) for i in range(f.rows)],
                  Transform(self.words, d.src), Transform(kept, d.lines), *self.key_entry("link"), run_time=1.5)
        self.remove(*self.written, self.written, *self.words, self.words, *kept, kept)   # FadeOut split the group
        self.add(d)

    def band(self) -> tuple[float, float]:
        """Where a link diagram goes: between the key and the footnote."""
        return KEY_Y - 0.35, self.note.get_top()[1] + 0.3

    def note_to(self, text: str) -> None:
        new = self.footnote(text)
        self.play(*fade_replace(self.note, new), run_time=0.5)
        self.note = new

    def read_crossings(self) -> None:
        f, d, th = self.f, self.diagram, self.theme
        shared = alignment.shared_narration(f, self.tgt_lang, self.src_lang, bool(self.grammar_nouns(self.tr)),
                                            self.grammar_nouns(self.tr))
        if shared:
            self.beat("shared", shared)
            steps = []
            for i, k in f.ahead[:alignment.NAMED]:
                steps += [[*self.frame([d.out[i], d.src[f.links[i]]]), self.lit(d.lines[i])],
                          [*self.frame([d.out[k], d.src[f.links[k]]]), self.lit(d.lines[k])]]
            steps.append([*[d.lines[i].animate.set_stroke(opacity=FAINT) for i, _ in f.ahead], *self.key_entry("faint"),
                          FadeOut(self.frames)])
            self.pace(steps, at_most=4.0)
            self.frames = VGroup()
        rule = alignment.crossing_rule(f, self.tgt_lang, self.src_lang)
        if rule:
            self.beat("rule", rule)
            groups = alignment.crossing_groups(f)
            if groups:   # one crossing pair shown while the rule is read: its two lines and four words
                i, k = groups[0][0], groups[0][-1]
                pair = [[*self.frame([d.out[i], d.src[f.links[i]]]), self.lit(d.lines[i])],
                        [*self.frame([d.out[k], d.src[f.links[k]]]), self.lit(d.lines[k])]]
                self.pace([*pair, *pair])
            else:        # the links walked left to right
                self.pace([[self.lit(d.lines[i]), *self.frame([d.out[i], d.src[j]])] for i, j in enumerate(f.links)],
                          at_most=5.0)
        said = alignment.crossing_narration(f, self.tgt_lang, self.src_lang)
        if not said:
            return
        self.beat("crossings", said)
        steps = []
        for rows in alignment.crossing_groups(f)[:alignment.NAMED]:   # coloured, then its crossings pair by pair
            steps.append([*self.frame([*[d.out[i] for i in rows], *[d.src[f.links[i]] for i in rows]]),
                          *[d.lines[i].animate.set_stroke(th.target, width=5) for i in rows], *self.key_entry("crossing")])
            steps += [[self.lit(d.lines[a], d.lines[b])] for a, b in self.pairs(f, rows)]
        rest = [i for rows in alignment.crossing_groups(f)[alignment.NAMED:] for i in rows]
        if rest:
            steps.append([*self.frame([d.out[i] for i in rest]), *[d.lines[i].animate.set_stroke(th.target, width=5)
                                                                     for i in rest]])
        if not steps:   # nothing crosses: each counted link lit in turn, left to right
            steps = [[self.lit(d.lines[i]), *self.frame([d.out[i], d.src[f.links[i]]])]
                     for i in sorted(f.stands_for.values())]
        self.pace(steps, at_most=4.0)
        self.play(FadeOut(self.frames), run_time=0.5)
        self.frames = VGroup()

    def as_grid(self) -> None:
        f, d, tr, th = self.f, self.diagram, self.tr, self.theme
        top = KEY_Y - 0.35
        heat = fit_heatmap(tr, top - (self.note.get_top()[1] + 0.3), 11.0)
        self.beat("grid", alignment.grid_narration(f, self.tgt_lang, self.src_lang, numbers=bool(len(heat.values))))
        heat.shift((top - heat.get_top()[1]) * UP - heat.get_x() * RIGHT)
        crossing, standing = set(f.crossing_rows), set(f.stands_for.values())
        boxes = VGroup(*[SurroundingRectangle(heat.cell(i, j), buff=0.0, stroke_width=4.8 if i in crossing else 3,
                                              color=th.target if i in crossing else th.text)
                         .set_stroke(opacity=1.0 if i in standing or f.still else FAINT)
                         for i, j in enumerate(f.links)])
        end = "; the ‹eos› row writes no word: unboxed" if len(tr.attention) > f.rows else ""
        shown = "numbers = α in %" if len(heat.values) else "stronger colour = more α"
        self.note_to(self.provenance(extra=f"{shown}; one row per output word{end}"))
        self.add_foreground_mobjects(d.lines)
        self.play(*[Transform(d.out[i], heat.row_labels[i]) for i in range(f.rows)],
                  *[Transform(d.src[j], heat.col_labels[j]) for j in range(len(f.source))],
                  *[Transform(d.lines[i], boxes[i]) for i in range(f.rows)],
                  FadeIn(heat.row_labels[f.rows:]), FadeIn(heat.cells), run_time=1.8)
        self.play(FadeIn(heat.values), run_time=1.0)
        self.remove_foreground_mobjects(d.lines)
        self.remove(d.out, d.src, d.lines)
        self.add(heat, boxes)
        self.add_foreground_mobjects(heat.values)
        self.heat, self.boxes = heat, boxes
        # what the narration names, in its order: the rows, the columns, the boxes; then each crossing
        # pair framed as two boxes, the lower one further left
        steps = [[self.lit(*heat.row_labels[:f.rows])], [self.lit(*heat.col_labels)], [self.lit(*boxes)]]
        pairs = [pair for rows in alignment.crossing_groups(f)[:alignment.NAMED] for pair in self.pairs(f, rows)]
        steps += [[*self.frame([heat.cell(a, f.links[a]), heat.cell(b, f.links[b])]), self.lit(boxes[a], boxes[b])]
                  for a, b in pairs]
        if not pairs:   # the boxes walked row by row
            steps += [[self.lit(boxes[i]), *self.frame([heat.row_labels[i]])] for i in range(f.rows)]
        self.pace(steps, at_most=4.0)
        self.play(FadeOut(self.frames), run_time=0.5)
        self.frames = VGroup()

    def longer_sentence(self) -> None:
        """The longer sentence's links, one short beat per fact (alignment.long_parts), each crossing group
        framed and lit while it is said; its words readable (they stand up when they do not fit)."""
        sentence = self.long_example(LONG_MIN_WORDS)
        tr = self.trace_of(sentence, self.tr.model)
        self.long_diagram = None
        if len(tr.source_tokens) <= len(self.tr.source_tokens):
            return   # the user's sentence is already the long one
        f = self.long_facts = alignment.trace_facts(tr)
        said = [alignment.group_phrase(self.f, g) for g in alignment.crossing_groups(self.f)[:alignment.NAMED]]
        parts = alignment.long_parts(f, self.tgt_lang, self.src_lang, said)
        if not parts:
            return
        th = self.theme
        d = self.long_diagram = LinkDiagram(f, *self.band())
        groups = alignment.crossing_groups(f)
        for n, (kind, text) in enumerate(parts):
            self.beat(f"long-{kind}" + (str(n) if kind == "group" else ""), text)
            if kind == "long":
                self.remove_foreground_mobjects(self.heat.values)
                self.play(FadeOut(self.heat), FadeOut(self.boxes), run_time=0.8)
                self.note_to(self.provenance(tr, extra="each line joins a word to the word it looks at most"))
                self.play(FadeIn(d.out, lag_ratio=0.05), FadeIn(d.src, lag_ratio=0.05), run_time=1.2)
                self.play(Create(d.lines, lag_ratio=0.08), *([] if not f.ahead or f.still else self.key_entry("faint")),
                          run_time=max(1.0, min(4.0, self.reading_time_left() - 1.5)))
                if groups:
                    self.play(*[d.lines[i].animate.set_stroke(th.target, width=5) for i in f.crossing_rows],
                              *self.key_entry("crossing"), run_time=1.0)
            elif kind == "group":
                rows = next(g for g in groups if alignment.group_phrase(f, g)[1:] in text)
                words = [*[d.out[i] for i in rows], *[d.src[f.links[i]] for i in rows]]
                self.pace([[*self.frame(words)],
                           *[[self.lit(d.lines[a], d.lines[b])] for a, b in self.pairs(f, rows)],
                           [*[Indicate(w, color=th.window, scale_factor=1.1) for w in words]]], at_most=4.0)
            elif kind == "more":
                rest = [i for rows in groups[alignment.NAMED:] for i in rows]
                self.pace([[*self.frame([d.out[i] for i in rest])],
                           [self.lit(*[d.lines[i] for i in rest])]])
        if len(self.frames):
            self.play(FadeOut(self.frames), run_time=0.5)
            self.frames = VGroup()

    def learned(self) -> None:
        """The chapter's one idea, over the last picture: the links were learned, not given; its crossings
        (or, with none, its links) lit group by group while it is said."""
        self.beat("learned", alignment.LEARNED)
        if self.long_diagram is not None:
            marks, f = self.long_diagram.lines, self.long_facts
        else:
            marks, f = self.boxes, self.f
        groups = alignment.crossing_groups(f) or tuple((i,) for i in sorted(f.stands_for.values()))
        self.pace([[self.lit(*[marks[i] for i in rows])] for rows in groups], at_most=3.0)
