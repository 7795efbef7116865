"""Alignment heatmap (article figs. 14–15): the α matrix fills row by row; each row's strongest cell is
its link, and what the film says about word order comes from the links alone (scenes.kit.alignment):
where links cross, words changed order; a monotone alignment is said and drawn as such; source words
no output word links to have no partner; output words whose weight splits look at several. Then a
longer sentence's matrix with the same facts."""
from __future__ import annotations

import itertools

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedVMobject,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Indicate,
    Line,
    Rectangle,
    Square,
    SurroundingRectangle,
    Transform,
    VGroup,
    VMobject,
)

from model.corpus import ADJECTIVES
from scenes.kit import ExplainerScene, Heatmap, SlotBars, alignment, claims, label
from scenes.kit.alignment import Facts
from scenes.kit.layout import TEXT_EDGE_X

LONG_MIN_WORDS = 10  # a user sentence at least this long becomes the "longer sentence" itself
GRID_X = -1.6        # the grid's centre: the key of marks stands to its right
KEY_TEXT = {         # the one marking scheme, each mark with its meaning (shown as it first appears)
    "link": "box: the row's link (its largest α)",
    "crossing": "coloured box: its link crosses another",
    "ahead": "dimmed: looks ahead (left out of the count)",
    "path": "line: the path of links (order kept)",
    "unlinked": "dashed: no word's largest α (‹eos› is no word)",
    "diagonal": "dotted: diagonal, each word's own place",
    "split": "α-coloured box: ≥ 25% on each of several",
    "pointer": "frame: the row and column being said",
}
KEY_SIZE = 18
DIM = 0.3            # opacity of the rows left out of the crossing count


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
        self.diag = VGroup()
        self.crossing = VGroup()
        self.pointer = VGroup()
        self.rings = VGroup()    # numbers ringed while said; cleared with the frames
        self.zoom = VGroup()     # a crossing group's cells enlarged under the key while it is said
        self.show_links()
        self.show_partners()
        self.show_split()
        self.longer_sentence()

    def available_height(self) -> float:
        return self.title_mob.get_bottom()[1] - self.note.get_top()[1] - 0.5

    def place(self, heatmap: Heatmap) -> Heatmap:
        """Under the title, its grid at GRID_X (falling back to fit the labels in the frame)."""
        heatmap.shift((self.title_mob.get_bottom()[1] - 0.25 - heatmap.get_top()[1]) * UP)
        heatmap.shift((GRID_X - heatmap.cells.get_center()[0]) * RIGHT)
        if heatmap.get_left()[0] < -TEXT_EDGE_X:
            heatmap.shift((-TEXT_EDGE_X - heatmap.get_left()[0]) * RIGHT)
        return heatmap

    def cell_note(self, heatmap: Heatmap, tr) -> str:
        shown = "numbers = α in %" if len(heatmap.values) else "stronger colour = more α"
        end = "; the ‹eos› row is no word: unboxed" if len(tr.attention) > len(tr.output_words) else ""
        return self.provenance(tr, extra=f"{shown}; one row per output word{end}")

    # --- the key: one line per kind of mark, added when that mark first appears -------------------
    def start_key(self, heatmap: Heatmap) -> None:
        self.key = VGroup()
        self.keyed: dict[str, VGroup] = {}
        self.key_left = heatmap.cells.get_right()[0] + 0.45
        self.key_top = heatmap.cells.get_top()[1]
        # one type size for every line: the longest line fits the room right of the grid
        longest = max(label(text, KEY_SIZE).width for text in KEY_TEXT.values())
        self.key_size = KEY_SIZE * min(1.0, (TEXT_EDGE_X - self.key_left - 0.75) / longest)

    def key_sample(self, kind: str) -> VMobject:
        th = self.theme
        box = Square(0.32).set_stroke(th.text, width=3).set_fill(opacity=0)
        if kind == "crossing":
            return box.set_stroke(th.target, width=4.8)
        if kind == "ahead":
            return box.set_stroke(th.text, width=3, opacity=DIM)
        if kind == "path":
            return Line(LEFT * 0.16 + UP * 0.16, RIGHT * 0.16 + DOWN * 0.16).set_stroke(th.alpha, width=4)
        if kind == "diagonal":
            return DashedVMobject(Line(LEFT * 0.16 + UP * 0.16, RIGHT * 0.16 + DOWN * 0.16).set_stroke(th.muted, width=3),
                                  num_dashes=3)
        if kind == "unlinked":
            return DashedVMobject(Rectangle(width=0.32, height=0.5).set_stroke(th.muted, width=2.5), num_dashes=10)
        if kind == "split":
            return box.set_stroke(th.alpha, width=3)
        if kind == "pointer":
            return Rectangle(width=0.5, height=0.22).set_stroke(th.window, width=2)
        return box

    def key_pitch(self, kind: str) -> float:
        """The height `kind`'s line takes in the key, with the gap under it (as key_entry places it)."""
        return max(self.key_sample(kind).height, label(KEY_TEXT[kind], self.key_size).height) + 0.22

    def key_entry(self, kind: str) -> list:
        """The fade-in of `kind`'s line in the key ([] when it is already there)."""
        if kind in self.keyed:
            return []
        sample = self.key_sample(kind)
        text = label(KEY_TEXT[kind], self.key_size, self.theme.muted)
        entry = VGroup(sample, text)
        sample.move_to([self.key_left + 0.25, 0, 0])
        text.move_to(sample).align_to([self.key_left + 0.75, 0, 0], LEFT)
        top = self.key[-1].get_bottom()[1] - 0.22 if len(self.key) else self.key_top
        entry.shift((top - entry.get_top()[1]) * UP)
        self.key.add(entry)
        self.keyed[kind] = entry
        return [FadeIn(entry)]

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

    def frames(self, heatmap: Heatmap, rows: list[int], cols: list[int]) -> VGroup:
        """Thin frames round the cells of the rows and columns being said, so the eye finds them (round the
        cells only: a frame round a label would cut through its neighbours' labels)."""
        ncols = heatmap.matrix.shape[1]
        found = VGroup()
        for i in rows:
            found.add(SurroundingRectangle(VGroup(*heatmap.cells[i * ncols:(i + 1) * ncols]),
                                           buff=0.03, stroke_width=2, color=self.theme.window))
        for j in cols:
            column = VGroup(*[heatmap.cells[i * ncols + j] for i in range(heatmap.matrix.shape[0])])
            found.add(SurroundingRectangle(column, buff=0.03, stroke_width=2, color=self.theme.window))
        return found

    def point(self, heatmap: Heatmap, rows: list[int], cols: list[int]) -> list:
        """Move the frames to these rows and columns: the old ones fade out and the new fade in (frames
        sliding over the grid would pass over cells nothing is said about)."""
        old, self.pointer = self.pointer, self.frames(heatmap, rows, cols)
        rings, self.rings = self.rings, VGroup()
        return [FadeOut(old), FadeOut(rings), FadeIn(self.pointer), *self.key_entry("pointer")]

    @staticmethod
    def flash(word, color: str) -> Indicate:
        """A label lights up in place: it grows a little about its own centre, never into its
        neighbours (labels sit one cell apart)."""
        return Indicate(word, color=color, scale_factor=1.1)

    def pace(self, steps: list[list], at_most: float = 8.0, at_least: float = 0.6) -> None:
        """Play `steps` (each a list of animations played together) one after the other, spread over
        what the open beat's narration still needs, so the picture moves while it is said."""
        steps = [step for step in steps if step]
        if not steps:
            return
        each = min(at_most, max(at_least, (self.reading_time_left() - 0.3) / len(steps)))
        for step in steps:
            self.play(*step, run_time=each)

    def dim_ahead(self, heatmap: Heatmap, boxes: VGroup, f: Facts) -> list:
        """The words left out of the crossing count, dimmed: their link box and their row label."""
        if not f.ahead or f.still:
            return []
        return [*[boxes[i].animate.set_stroke(opacity=DIM) for i, _ in f.ahead],
                *[heatmap.row_labels[i].animate.set_opacity(0.6) for i, _ in f.ahead], *self.key_entry("ahead")]

    # --- beats ------------------------------------------------------------------------------
    def fill_rows(self) -> None:
        tr = self.tr
        self.beat("fill", f"As the bars of α were drawn before, each decoding step's weights over the {self.src_lang} "
                          "words come in as bars, then become one row of colour. Stack the rows of every step and you "
                          "get a picture of the alignment: one row "
                          f"per {self.tgt_lang} word, one column per {self.src_lang} word, stronger in colour where the model "
                          "looked.")
        self.title_mob = self.heading()
        self.note = self.footnote(self.provenance())
        self.map = self.place(fit_heatmap(tr, self.available_height(), 9.0))
        self.start_key(self.map)
        self.note = self.footnote(self.cell_note(self.map, tr))
        self.add(self.title_mob, self.note)
        self.play(FadeIn(self.map.col_labels, lag_ratio=0.05), run_time=1.0)
        n = len(tr.target_tokens)
        per_row = min(5.0, max(0.3, (self.reading_time_left() - 0.5) / n))  # a short sentence fills slowly, no still
        for i in range(n):
            self.stack_row(self.map, i, per_row)

    def stack_row(self, heatmap: Heatmap, i: int, run_time: float) -> None:
        """Row i arrives as attention-weights drew one step's α, a bar per source word (kit SlotBars, in the
        α colour), which then turns into that row of colour."""
        th = self.theme
        cells = [heatmap.cell(i, j) for j in range(heatmap.matrix.shape[1])]
        step = cells[0].width
        bars = SlotBars(heatmap.matrix[i], [c.get_x() for c in cells], step, cells[0].get_bottom()[1] + 0.02,
                        0.92 * step, th.alpha, width_ratio=0.6)
        values = heatmap.row(i)[len(cells) + 1:]   # row(): its cells, its label, then its numbers
        self.play(FadeIn(heatmap.row_labels[i]), *[GrowFromEdge(b, DOWN) for b in bars], run_time=run_time / 2)
        self.play(*[Transform(b, c.copy()) for b, c in zip(bars, cells)], FadeIn(VGroup(*values)), run_time=run_time / 2)
        self.remove(*bars)
        self.add(*cells, *values)

    def diagonal_line(self, heatmap: Heatmap, rows: int) -> VGroup:
        """The diagonal through the word rows: each row's own place (alignment.diagonal), dotted."""
        cols = heatmap.matrix.shape[1]
        first = heatmap.cell(0, alignment.diagonal(0, cols, rows)).get_center()
        last = heatmap.cell(rows - 1, alignment.diagonal(rows - 1, cols, rows)).get_center()
        half = heatmap.cell(0, 0).width / 2   # drawn as the band's two edges: clear of the numbers in the cells
        return VGroup(*[DashedVMobject(Line(first + side * half, last + side * half)
                                       .set_stroke(self.theme.muted, width=3, opacity=0.9), num_dashes=max(6, 3 * rows))
                        for side in (LEFT, RIGHT)])

    def crossing_line(self, heatmap: Heatmap, f: Facts, group: tuple[int, ...]) -> VGroup:
        """A named crossing group's links joined in output order: the line runs against the diagonal."""
        rows = sorted(f.stands_for[j] for j in group)
        line = VGroup()   # corner to corner between the link cells: never through their numbers
        for a, b in itertools.pairwise(rows):
            left = f.links[b] < f.links[a]
            start = heatmap.cell(a, f.links[a]).get_corner(DOWN + (LEFT if left else RIGHT))
            end = heatmap.cell(b, f.links[b]).get_corner(UP + (RIGHT if left else LEFT))
            line.add(Line(start, end))
        return line.set_stroke(self.theme.target, width=5, opacity=0.9)

    def show_links(self) -> None:
        f, m = self.facts, self.map
        order = alignment.order_narration(f, self.tgt_lang, self.src_lang)
        if not order:
            return
        self.add_foreground_mobjects(m.values)  # boxes and lines run behind the percentages' digits
        self.links = self.link_boxes(m, f)
        self.diag = self.diagonal_line(m, f.rows)
        on, off = alignment.on_diagonal(f)
        self.beat("diagonal", "Call each row's strongest cell its link (boxed). "
                  + alignment.diagonal_narration(f, self.tgt_lang))
        self.pace([[Create(self.links, lag_ratio=0.3), *self.key_entry("link")],
                   [Create(self.diag), *self.key_entry("diagonal")],
                   [self.flash(m.row_labels[i], self.theme.text) for i in on],
                   [self.flash(m.row_labels[i], self.theme.target) for i in off]])
        ahead = alignment.ahead_narration(f, self.tgt_lang, self.grammar, self.grammar_nouns(self.tr))
        if ahead:   # the reason first, then the words dimmed
            self.beat("ahead", ahead)
            steps = [[*self.point(m, [i, k], [f.links[i]]), self.flash(m.row_labels[i], self.theme.text),
                      self.flash(m.row_labels[k], self.theme.text), self.flash(m.col_labels[f.links[i]], self.theme.text)]
                     for i, k in f.ahead[:alignment.NAMED]]
            steps.append(self.dim_ahead(m, self.links, f))
            self.pace(steps)
        self.beat("links", order)
        self.path = self.monotone_path(m, f)
        self.crossing = VGroup()
        steps = [[*(self.key_entry("crossing") if f.crossing_rows else []),
                  *[Indicate(self.links[i], color=self.theme.target, scale_factor=1.0) for i in f.crossing_rows]],
                 [Create(self.path), *self.key_entry("path")] if self.path.has_points() else []]
        # each group named: its cells framed, its links joined by a line, its boxes and labels lit; the rest counted
        rest = [j for group in f.swaps[alignment.NAMED:] for j in group]
        small = not len(m.values)   # cells too small for numbers: labels too small to read, so enlarged
        if small:
            self.reserve_zoom(f, self.path)
        for n, group in enumerate([*f.swaps[:alignment.NAMED], *([tuple(rest)] if rest else [])]):
            rows = [f.stands_for[j] for j in group]
            line = self.crossing_line(m, f, group) if n < alignment.NAMED else VGroup()
            self.crossing.add(line)
            steps.append([*self.point(m, rows, list(group)), *([FadeOut(self.zoom)] if small and n >= alignment.NAMED else []),
                          *([Create(line)] if len(line) else []),
                          *[self.flash(m.col_labels[j], self.theme.target) for j in group],
                          *[self.flash(m.row_labels[i], self.theme.target) for i in rows]])
            if small and n < alignment.NAMED:
                steps += self.zoom_steps(m, f, group)
        if small and 0 < len(f.swaps) <= alignment.NAMED:   # (more groups: it faded with the counted rest)
            steps.append([FadeOut(self.zoom)])
        if f.still:   # every row on one word: those rows and that column framed while it is said, the word lit
            steps += [self.point(m, list(range(f.rows)), [f.links[0]]),
                      [self.flash(m.col_labels[f.links[0]], self.theme.target),
                       *[self.flash(m.row_labels[i], self.theme.text) for i in range(f.rows)]]]
        if f.monotone and not f.still:   # the path of links is walked once more while the order is said
            steps.append([Indicate(self.path, color=self.theme.alpha, scale_factor=1.0)])
        self.pace(steps)

    def show_partners(self) -> None:
        f, m = self.facts, self.map
        text = alignment.partners_short(f, self.tgt_lang, self.grammar, self.grammar_nouns(self.tr))
        self.outlines = VGroup()
        if not text:
            return
        self.beat("partners", text)
        self.outlines = self.no_partner(m, f)
        steps = [[Create(outline), self.flash(m.col_labels[j], self.theme.muted), *self.key_entry("unlinked")]
                 for j, outline in zip(f.unlinked, self.outlines)]
        nouns = set(self.grammar_nouns(self.tr))
        article = next((a for a, _ in f.ahead if f.source[f.links[a]] in nouns), None)
        if article is not None and "instead" in text:   # the article that looks at its noun, and that noun
            steps.append([*self.point(m, [article], [f.links[article]]), self.flash(m.row_labels[article], self.theme.text),
                          self.flash(m.col_labels[f.links[article]], self.theme.text)])
        peak = max(alignment.unlinked_peak(f, j)[1] for j in f.unlinked)
        left_out = alignment.end_column(f, f.unlinked, peak)
        if left_out is not None:   # the ‹eos› row named: its cell in that column ringed
            ring = SurroundingRectangle(m.cell(f.rows, left_out), buff=0.06, stroke_width=4, color=self.theme.window)
            steps.append([*self.point(m, [f.rows], [left_out]), self.flash(m.row_labels[f.rows], self.theme.text), Create(ring)])
            self.rings.add(ring)   # after point(), which hands the earlier rings to their fade-out
        self.pace(steps)

    def show_split(self) -> None:
        f, m = self.facts, self.map
        text = alignment.split_narration(f, self.tgt_lang, self.grammar, self.grammar_nouns(self.tr),
                                         adjectives=list(ADJECTIVES) if self.grammar else [])
        self.splits = VGroup()
        if not text:
            return
        self.beat("split", text)
        self.splits = self.split_boxes(m, f)
        self.play(Create(self.splits, lag_ratio=0.2), *self.key_entry("split"), run_time=1.2)
        self.pace([[*self.point(m, [i], list(many)), self.flash(m.row_labels[i], self.theme.alpha),
                    *[self.flash(m.col_labels[j], self.theme.alpha) for j in many]]
                   for i, many in f.split[:alignment.NAMED]])

    def longer_sentence(self) -> None:
        """The long sentence's matrix, one short beat per fact (alignment.summary_parts), each with its
        marks drawn while it is said; each named swap enlarged beside the grid, where its labels and
        numbers are big enough to read."""
        sentence = self.long_example(LONG_MIN_WORDS)
        tr = self.trace_of(sentence, self.tr.model)
        if len(tr.source_tokens) <= len(self.tr.source_tokens):
            if len(self.pointer) or len(self.rings):
                self.play(FadeOut(self.pointer), FadeOut(self.rings), run_time=0.6)
            return  # no longer sentence to show: the user's is already the long one
        big = self.place(fit_heatmap(tr, self.available_height(), 9.0))
        f = alignment.trace_facts(tr)
        lead = (f"A long sentence ({len(tr.source_tokens)} words)" if claims.is_long(len(tr.source_tokens))
                else f"A longer sentence ({len(tr.source_tokens)} words)")
        self.beat("long", f"{lead}, real weights again: each row one step's α. Its labels are small, so the words "
                          "being said are enlarged beside it.")
        old = VGroup(self.map, self.links, self.path, self.diag, self.crossing, self.outlines, self.splits, self.pointer,
                     self.rings, self.key)
        self.play(FadeOut(old), Transform(self.note, self.footnote(self.cell_note(big, tr))), run_time=0.8)
        self.remove_foreground_mobjects(self.map.values)  # kept above the marks until now
        self.remove(self.map.values)
        self.start_key(big)
        self.pointer, self.rings = VGroup(), VGroup()
        self.play(FadeIn(big.col_labels), FadeIn(big.row_labels), run_time=0.8)
        self.play(FadeIn(VGroup(big.cells, big.values), lag_ratio=0.01), run_time=max(2.5, self.reading_time_left() - 0.3))
        self.add_foreground_mobjects(big.values)
        boxes = self.link_boxes(big, f, width=2.0)
        path = self.monotone_path(big, f)
        self.reserve_zoom(f, path)
        self.zoom = VGroup()
        swaps = iter(f.swaps)
        for n, (kind, text) in enumerate(alignment.summary_parts(f, self.tgt_lang, self.src_lang)):
            self.beat(f"long-{kind}" + (str(n) if kind == "swap" else ""), text)
            if kind == "ahead":
                self.pace([[Create(boxes, lag_ratio=0.05), *self.key_entry("link")],
                           [*self.dim_ahead(big, boxes, f), *self.point(big, [i for i, _ in f.ahead], [])],
                           *self.ahead_zoom_steps(big, f)], at_most=3.0)
            elif kind == "order":
                steps = [[Create(boxes, lag_ratio=0.05), *self.key_entry("link")] if not f.ahead or f.still else [],
                         [*(self.key_entry("crossing") if f.crossing_rows else []),
                          *[Indicate(boxes[i], color=self.theme.target, scale_factor=1.0) for i in f.crossing_rows]],
                         [Create(path), *self.key_entry("path")] if path.has_points() else [],
                         [FadeOut(self.pointer)]]
                self.pace(steps)
            elif kind == "swap":
                self.show_swap(big, f, boxes, next(swaps))
            elif kind == "more":
                rest = [j for group in f.swaps[alignment.NAMED:] for j in group]
                self.pace([[*self.point(big, [f.stands_for[j] for j in rest], rest), FadeOut(self.zoom)],
                           [*[Indicate(boxes[f.stands_for[j]], color=self.theme.target, scale_factor=1.0) for j in rest]]])
                self.zoom = VGroup()
            elif kind == "unlinked":
                self.pace([[*self.point(big, [], list(f.unlinked)), FadeOut(self.zoom),
                            Create(self.no_partner(big, f, width=1.5), lag_ratio=0.1), *self.key_entry("unlinked")],
                           [self.flash(big.col_labels[j], self.theme.muted) for j in f.unlinked],
                           *self.unlinked_rings(big, f)])
                self.zoom = VGroup()
            elif kind == "split":
                self.pace([[*self.point(big, [i for i, _ in f.split], []), FadeOut(self.zoom),
                            Create(self.split_boxes(big, f, width=2.0), lag_ratio=0.1), *self.key_entry("split")]])
                self.zoom = VGroup()
        self.play(FadeOut(self.pointer), FadeOut(self.zoom), FadeOut(self.rings), run_time=0.6)

    def unlinked_rings(self, big: Heatmap, f: Facts) -> list[list]:
        """The cells the "no partner" sentence's numbers come from, ringed in turn: the most any word's row
        gives those columns, then, when it is said, the ‹eos› row's cell there."""
        peak_j = max(f.unlinked, key=lambda j: alignment.unlinked_peak(f, j)[1])
        i, peak, _ = alignment.unlinked_peak(f, peak_j)
        ring = SurroundingRectangle(big.cell(i, peak_j), buff=0.03, stroke_width=3, color=self.theme.window)
        self.rings.add(ring)
        steps = [[Create(ring), self.flash(big.row_labels[i], self.theme.text)]]
        end = alignment.end_column(f, f.unlinked, peak)
        if end is not None:
            eos = SurroundingRectangle(big.cell(f.rows, end), buff=0.03, stroke_width=3, color=self.theme.window)
            self.rings.add(eos)
            steps.append([Create(eos), self.flash(big.row_labels[f.rows], self.theme.text)])
        return steps

    def enlarged(self, tr_map: Heatmap, f: Facts, rows: range, cols: range) -> VGroup:
        """The block rows × cols of the long sentence's matrix, drawn big enough to read (labels and α in
        %), with its link boxes, under the key; framed in the pointer's colour, as the cells it enlarges."""
        th = self.theme
        width = TEXT_EDGE_X - self.key_left
        caption = label("enlarged: the framed cells", self.key_size, th.window)
        height = self.zoom_top - caption.height - 0.15 - (self.note.get_top()[1] + 0.25)
        block = tr_map.matrix[rows.start:rows.stop, cols.start:cols.stop]
        zoom = Heatmap(block, f.output[rows.start:rows.stop], f.source[cols.start:cols.stop], cell=0.62, font_size=18)
        if zoom.height > height or zoom.width > width:
            zoom.scale(min(height / zoom.height, width / zoom.width))
        zoom.next_to([self.key_left + width / 2, self.zoom_top - caption.height - 0.15, 0], DOWN, buff=0)
        caption.next_to(zoom, UP, buff=0.1)
        crossing = set(f.crossing_rows)
        boxes = VGroup(*[SurroundingRectangle(zoom.cell(i - rows.start, f.links[i] - cols.start), buff=0.0,
                                              stroke_width=4.8 if i in crossing else 3,
                                              color=th.target if i in crossing else th.text)
                         for i in rows if i < f.rows and f.links[i] in cols])
        return VGroup(caption, zoom, boxes)

    def reserve_zoom(self, f: Facts, path: VMobject) -> None:
        """Where enlarged cells go: under the key, as tall as it will be once every mark has its line."""
        kinds = ["link", "crossing" if f.crossing_rows else "", "path" if path.has_points() else "",
                 "ahead" if f.ahead and not f.still else "", "pointer", "unlinked" if f.unlinked else "",
                 "split" if f.split else ""]
        self.zoom_top = self.key_top - sum(self.key_pitch(k) for k in kinds if k)

    def zoom_steps(self, heatmap: Heatmap, f: Facts, group: tuple[int, ...]) -> list[list]:
        """A crossing group's cells enlarged under the key (the one before fades), then its labels lit there."""
        rows = [f.stands_for[j] for j in group]
        zoom = self.enlarged(heatmap, f, range(min(rows), max(rows) + 1), range(min(group), max(group) + 1))
        old, self.zoom = self.zoom, zoom
        caption, grid, zboxes = zoom
        return [[FadeOut(old), FadeIn(caption), FadeIn(grid), Create(zboxes)],
                [*[self.flash(grid.col_labels[j - min(group)], self.theme.target) for j in group],
                 *[self.flash(grid.row_labels[i - min(rows)], self.theme.target) for i in rows]]]

    def ahead_zoom_steps(self, big: Heatmap, f: Facts) -> list[list]:
        """The first word that looks ahead, the later word that shares its link and that link's column (with
        a neighbour either side) enlarged under the key from the long sentence's first fact on: its labels
        readable where the grid's are not."""
        i, k = f.ahead[0]
        j, cols = f.links[i], big.matrix.shape[1]
        zoom = self.enlarged(big, f, range(i, k + 1), range(max(0, j - 1), min(cols, j + 2)))
        old, self.zoom = self.zoom, zoom
        caption, grid, zboxes = zoom
        return [[FadeOut(old), FadeIn(caption), FadeIn(grid), Create(zboxes)],
                [self.flash(grid.row_labels[0], self.theme.text), self.flash(grid.row_labels[k - i], self.theme.text),
                 self.flash(grid.col_labels[j - max(0, j - 1)], self.theme.text)]]

    def show_swap(self, big: Heatmap, f: Facts, boxes: VGroup, group: tuple[int, ...]) -> None:
        """One crossing group: its rows and columns framed on the grid, then enlarged beside it, its link
        boxes and labels lit there while it is said."""
        rows = [f.stands_for[j] for j in group]
        self.pace([[*self.point(big, rows, list(group)),
                    *[Indicate(boxes[i], color=self.theme.target, scale_factor=1.0) for i in rows]],
                   *self.zoom_steps(big, f, group)], at_most=4.0)
