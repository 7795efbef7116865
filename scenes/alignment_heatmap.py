"""Alignment heatmap (article figs. 14–15): the α matrix fills row by row; each row's strongest cell is
its link, and what the film says about word order comes from the links alone (scenes.kit.alignment):
where links cross, words changed order; a monotone alignment is said and drawn as such; source words
no output word links to have no partner; output words whose weight splits look at several. Then a
longer sentence's matrix with the same facts."""
from __future__ import annotations

from manim import (
    RIGHT,
    UP,
    Create,
    DashedVMobject,
    FadeIn,
    FadeOut,
    Indicate,
    Rectangle,
    SurroundingRectangle,
    Transform,
    VGroup,
    VMobject,
)

from model.corpus import ADJECTIVES
from scenes.kit import ExplainerScene, Heatmap, alignment, claims
from scenes.kit.alignment import Facts

LONG_MIN_WORDS = 10  # a user sentence at least this long becomes the "longer sentence" itself


def fit_heatmap(tr, height: float, width: float) -> Heatmap:
    """The biggest heatmap (labels included) that fits in width × height; special tokens as on screen
    everywhere (‹eos›)."""
    rows, cols = tr.attention.shape
    cell = min(0.9, height / (rows + 2), width / (cols + 3))
    heatmap = Heatmap(tr.attention, claims.tokens_text(tr.target_tokens), tr.source_tokens, cell=cell)
    if heatmap.height > height:
        heatmap.scale_to_fit_height(height)
    if heatmap.width > width:
        heatmap.scale_to_fit_width(width)
    return heatmap


class AlignmentHeatmap(ExplainerScene):
    title = "Who looks at whom: the alignment heatmap"

    def construct(self) -> None:
        self.fill_rows()
        self.facts = alignment.trace_facts(self.tr)
        self.grammar = bool(self.grammar_nouns(self.tr))
        self.links = VGroup()
        self.path = VGroup()
        self.show_links()
        self.show_partners()
        self.show_split()
        self.longer_sentence()

    def available_height(self) -> float:
        return self.title_mob.get_bottom()[1] - self.note.get_top()[1] - 0.5

    def place(self, heatmap: Heatmap) -> Heatmap:
        """Under the title, its grid centred (falling back to fit the labels in the frame)."""
        heatmap.shift((self.title_mob.get_bottom()[1] - 0.25 - heatmap.get_top()[1]) * UP)
        heatmap.shift(-heatmap.cells.get_center()[0] * RIGHT)
        if heatmap.get_left()[0] < -6.79:
            heatmap.shift((-6.79 - heatmap.get_left()[0]) * RIGHT)
        return heatmap

    def cell_note(self, heatmap: Heatmap, tr) -> str:
        shown = "numbers = α in %" if len(heatmap.values) else "stronger colour = more α"
        end = "; the ‹eos› row is no word: unboxed" if len(tr.attention) > len(tr.output_words) else ""
        return self.provenance(tr, extra=f"{shown}; one row per output word; box = the row's link (its largest α){end}")

    # --- marks: every one drawn from the facts the narration says -------------------------------
    def link_boxes(self, heatmap: Heatmap, f: Facts, width: float = 3.0) -> VGroup:
        """A box on each output word's link cell; the words that stand for a crossing in the target colour."""
        crossing = set(f.crossing_rows)
        return VGroup(*[SurroundingRectangle(heatmap.cell(i, j), buff=0.0, stroke_width=width * (1.6 if i in crossing else 1),
                                             color=self.theme.target if i in crossing else self.theme.text)
                        for i, j in enumerate(f.links)])

    def monotone_path(self, heatmap: Heatmap, f: Facts) -> VMobject:
        """The path through the standing links, in output order: drawn only when no links cross (then it
        only goes down and right) and there is an order to see; an empty VMobject otherwise."""
        path = VMobject()
        if f.crossings or f.still or f.rows < 2:
            return path
        rows = sorted(f.stands_for.values())
        path.set_points_as_corners([heatmap.cell(i, f.links[i]).get_center() for i in rows])
        return path.set_stroke(self.theme.alpha, width=4, opacity=0.9)

    def no_partner(self, heatmap: Heatmap, f: Facts, width: float = 2.5) -> VGroup:
        """A dashed outline round each column no output word links to."""
        cols = heatmap.matrix.shape[1]
        outlines = VGroup()
        for j in f.unlinked:
            column = VGroup(*[heatmap.cells[i * cols + j] for i in range(heatmap.matrix.shape[0])])
            box = Rectangle(width=column.width, height=column.height).move_to(column)
            outlines.add(DashedVMobject(box.set_stroke(self.theme.muted, width=width), num_dashes=max(8, int(8 * column.height))))
        return outlines

    def split_boxes(self, heatmap: Heatmap, f: Facts, width: float = 3.0) -> VGroup:
        return VGroup(*[SurroundingRectangle(heatmap.cell(i, j), buff=0.04, stroke_width=width, color=self.theme.alpha)
                        for i, many in f.split for j in many])

    @staticmethod
    def flash(word, color: str) -> Indicate:
        """A label lights up in place: it grows a little about its own centre, never into its
        neighbours (labels sit one cell apart)."""
        return Indicate(word, color=color, scale_factor=1.1)

    def pace(self, steps: list[list], at_most: float = 4.0, at_least: float = 0.6) -> None:
        """Play `steps` (each a list of animations played together) one after the other, spread over
        what the open beat's narration still needs, so the picture moves while it is said."""
        steps = [step for step in steps if step]
        if not steps:
            return
        each = min(at_most, max(at_least, (self.reading_time_left() - 0.3) / len(steps)))
        for step in steps:
            self.play(*step, run_time=each)

    # --- beats ------------------------------------------------------------------------------
    def fill_rows(self) -> None:
        tr = self.tr
        self.beat("fill", "Stack the weights of every decoding step and you get a picture of the alignment: one row "
                          f"per {self.tgt_lang} word, one column per {self.src_lang} word, stronger in colour where the model "
                          "looked.")
        self.title_mob = self.heading()
        self.note = self.footnote(self.provenance())
        self.map = self.place(fit_heatmap(tr, self.available_height(), 12.0))
        self.note = self.footnote(self.cell_note(self.map, tr))
        self.add(self.title_mob, self.note)
        self.play(FadeIn(self.map.col_labels, lag_ratio=0.05), run_time=1.0)
        n = len(tr.target_tokens)
        per_row = min(2.0, max(0.15, (self.reading_time_left() - 0.5) / n))
        for i in range(n):
            self.play(FadeIn(self.map.row(i), lag_ratio=0.02), run_time=per_row)

    def show_links(self) -> None:
        f = self.facts
        order = alignment.order_narration(f, self.tgt_lang, self.src_lang)
        if not order:
            return
        ahead = alignment.ahead_narration(f, self.tgt_lang, self.grammar, self.grammar_nouns(self.tr))
        self.beat("links", f"Call each row's strongest cell its link: the {self.src_lang} word that {self.tgt_lang} "
                           f"word looks at most. {order}" + (f" {ahead}" if ahead else ""))
        self.add_foreground_mobjects(self.map.values)  # boxes and path run behind the percentages' digits
        self.links = self.link_boxes(self.map, f)
        self.path = self.monotone_path(self.map, f)
        steps = [[Create(self.links, lag_ratio=0.3)], [Create(self.path)] if self.path.has_points() else []]
        # each word that stands for a crossing, with the source word it links to; then the words that look ahead
        steps += [[self.flash(self.links[i], self.theme.target), self.flash(self.map.row_labels[i], self.theme.target),
                   self.flash(self.map.col_labels[f.links[i]], self.theme.target)] for i in f.crossing_rows]
        steps += [[self.flash(self.links[i], self.theme.text), self.flash(self.map.row_labels[i], self.theme.text),
                   self.flash(self.map.row_labels[k], self.theme.text)] for i, k in f.ahead[:alignment.NAMED]]
        if f.monotone and not f.still:   # the path of links is walked once more while the order is said
            steps.append([Indicate(self.path, color=self.theme.alpha, scale_factor=1.0)])
        self.pace(steps)

    def show_partners(self) -> None:
        f = self.facts
        text = alignment.partners_narration(f, self.tgt_lang, self.src_lang, self.grammar, self.grammar_nouns(self.tr))
        self.outlines = VGroup()
        if not text:
            return
        self.beat("partners", text)
        self.outlines = self.no_partner(self.map, f)
        self.pace([[Create(outline), self.flash(self.map.col_labels[j], self.theme.muted)]
                   for j, outline in zip(f.unlinked, self.outlines)])

    def show_split(self) -> None:
        f = self.facts
        text = alignment.split_narration(f, self.tgt_lang, self.grammar, self.grammar_nouns(self.tr),
                                         adjectives=list(ADJECTIVES) if self.grammar else [])
        self.splits = VGroup()
        if not text:
            return
        self.beat("split", text)
        self.splits = self.split_boxes(self.map, f)
        self.play(Create(self.splits, lag_ratio=0.2), run_time=1.2)
        self.pace([[self.flash(self.map.row_labels[i], self.theme.alpha),
                    *[self.flash(self.map.col_labels[j], self.theme.alpha) for j in many]]
                   for i, many in f.split[:alignment.NAMED]])

    def longer_sentence(self) -> None:
        sentence = self.long_example(LONG_MIN_WORDS)
        tr = self.trace_of(sentence, self.tr.model)
        if len(tr.source_tokens) <= len(self.tr.source_tokens):
            return  # no longer sentence to show: the user's is already the long one
        big = self.place(fit_heatmap(tr, self.available_height(), 13.0))
        f = alignment.trace_facts(tr)
        lead = (f"A long sentence ({len(tr.source_tokens)} words)" if claims.is_long(len(tr.source_tokens))
                else f"A longer sentence ({len(tr.source_tokens)} words)")
        self.beat("long", f"{lead}, real weights again. {alignment.summary_narration(f, self.tgt_lang, self.src_lang)}")
        old = VGroup(self.map, self.links, self.path, self.outlines, self.splits)
        self.play(FadeOut(old), Transform(self.note, self.footnote(self.cell_note(big, tr))), run_time=0.8)
        self.remove_foreground_mobjects(self.map.values)  # kept above the marks until now
        self.remove(self.map.values)
        self.play(FadeIn(big.col_labels), FadeIn(big.row_labels), run_time=0.8)
        self.play(FadeIn(VGroup(big.cells, big.values), lag_ratio=0.01), run_time=2.5)
        self.add_foreground_mobjects(big.values)
        boxes = self.link_boxes(big, f, width=2.0)
        path = self.monotone_path(big, f)
        crossing = [boxes[i] for i in f.crossing_rows]
        self.pace([[Create(boxes, lag_ratio=0.05)],
                   [Create(path)] if path.has_points() else [],
                   [Indicate(VGroup(*crossing), color=self.theme.target, scale_factor=1.15)] if crossing else [],
                   [Create(self.no_partner(big, f, width=1.5), lag_ratio=0.1)] if f.unlinked else [],
                   [Create(self.split_boxes(big, f, width=2.0), lag_ratio=0.1)] if f.split else []],
                  at_most=3.0)
