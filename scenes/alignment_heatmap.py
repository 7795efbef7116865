"""Alignment heatmap (article figs. 14–15): the α matrix fills row by row; a dashed diagonal shows
where the strongest cells would sit if word order were kept; the claims about it, and about which
words reorder, are computed (scenes.kit.claims); then a longer sentence's matrix."""
from __future__ import annotations

from manim import (RIGHT, UP, Create, DashedLine, FadeIn, FadeOut, Indicate, SurroundingRectangle, Transform,
                   VGroup)

from scenes.kit import ExplainerScene, Heatmap
from scenes.kit import claims

LONG_MIN_WORDS = 10  # a user sentence at least this long becomes the "longer sentence" itself


def fit_heatmap(tr, height: float, width: float) -> Heatmap:
    """The biggest heatmap (labels included) that fits in width × height."""
    rows, cols = tr.attention.shape
    cell = min(0.9, height / (rows + 2), width / (cols + 3))
    heatmap = Heatmap(tr.attention, tr.target_tokens, tr.source_tokens, cell=cell)
    if heatmap.height > height:
        heatmap.scale_to_fit_height(height)
    if heatmap.width > width:
        heatmap.scale_to_fit_width(width)
    return heatmap


class AlignmentHeatmap(ExplainerScene):
    title = "Who looks at whom: the alignment heatmap"

    def construct(self) -> None:
        self.fill_rows()
        self.follow_the_diagonal()
        self.pick_out_reordering()
        self.longer_sentence()

    def available_height(self) -> float:
        return self.title_mob.get_bottom()[1] - self.note.get_top()[1] - 0.5

    def place(self, heatmap: Heatmap) -> Heatmap:
        """Under the title, its grid centred (falling back to fit the labels in the frame)."""
        heatmap.shift((self.title_mob.get_bottom()[1] - 0.25 - heatmap.get_top()[1]) * UP)
        heatmap.shift(-heatmap.cells.get_center()[0] * RIGHT)
        if heatmap.get_left()[0] < -6.9:
            heatmap.shift((-6.9 - heatmap.get_left()[0]) * RIGHT)
        return heatmap

    def cell_note(self, heatmap: Heatmap, tr) -> str:
        shown = "numbers = α in %" if len(heatmap.values) else "stronger colour = more α"
        return self.provenance(tr, extra=f"{shown}; one row per output word")

    def diagonal(self, heatmap: Heatmap, n_rows: int) -> DashedLine:
        """The line the diagonal claims are about: from the top-left cell's centre to the centre of
        the last output word's last-column cell."""
        cols = heatmap.matrix.shape[1]
        return DashedLine(heatmap.cell(0, 0).get_center(), heatmap.cell(max(n_rows - 1, 0), cols - 1).get_center(),
                          color=self.theme.text, stroke_width=2.5, dash_length=0.1, stroke_opacity=0.8)

    def marks(self, heatmap: Heatmap, tr, rows, color: str | None = None) -> VGroup:
        return VGroup(*[SurroundingRectangle(heatmap.cell(i, int(tr.attention[i].argmax())), buff=0.02,
                                             color=color or self.theme.text, stroke_width=4) for i in rows])

    @staticmethod
    def flash(word, color: str) -> Indicate:
        """A label lights up in place: it grows a little about its own centre, never into its
        neighbours (labels sit one cell apart)."""
        return Indicate(word, color=color, scale_factor=1.1)

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

    def follow_the_diagonal(self) -> None:
        tr = self.tr
        self.alignment = claims.alignment(tr.attention, len(tr.output_words))
        text = claims.diagonal_narration(self.alignment)
        self.line = VGroup()
        self.off = VGroup()
        if not text:
            return
        self.beat("diagonal", f"If both languages kept the same word order, the strongest cells would run down the "
                              f"diagonal. {text}")
        self.line = self.diagonal(self.map, self.alignment.rows)
        self.off = self.marks(self.map, tr, self.alignment.off_diagonal)
        self.add_foreground_mobjects(self.map.values)  # the line runs behind the percentages' digits
        self.play(Create(self.line), run_time=2.5)
        if len(self.off):
            per = min(3.0, max(0.6, (self.reading_time_left() - 0.5) / len(self.off)))
            for i, mark in zip(self.alignment.off_diagonal, self.off):  # one row after the other leaves the line
                self.play(Create(mark), self.flash(self.map.row_labels[i], self.theme.text), run_time=per)

    def pick_out_reordering(self) -> None:
        tr = self.tr
        text = claims.reorder_narration(self.alignment, tr.target_tokens, tr.source_tokens, self.tgt_lang,
                                        self.src_lang)
        if not text:
            return
        why = claims.article_narration(self.alignment, tr.target_tokens, tr.source_tokens, self.tgt_lang,
                                       nouns=self.grammar_nouns(tr))
        text = f"{text} {why}" if why else text
        self.beat("reorder", text)
        articles = claims.article_rows(self.alignment, tr.source_tokens, self.grammar_nouns(tr))
        rows = [i for i in self.alignment.reordered if i not in articles]  # an article's row is not word order
        if rows:
            swaps = self.marks(self.map, tr, rows, self.theme.target)
            self.play(FadeOut(self.off), Create(swaps, lag_ratio=0.2), run_time=1.2)
            per = min(2.0, max(0.6, (self.reading_time_left() - 0.5) / len(rows)))
            for i in rows:  # each reordered word with the source word it looks at most
                self.play(self.flash(self.map.row_labels[i], self.theme.alpha),
                          self.flash(self.map.col_labels[self.alignment.best[i]], self.theme.alpha), run_time=per)
            self.off = swaps
        else:
            self.play(Indicate(self.line, color=self.theme.alpha), run_time=1.5)

    def longer_sentence(self) -> None:
        sentence = self.long_example(LONG_MIN_WORDS)
        tr = self.trace_of(sentence, self.tr.model)
        if len(tr.source_tokens) <= len(self.tr.source_tokens):
            return  # no longer sentence to show: the user's is already the long one
        big = self.place(fit_heatmap(tr, self.available_height(), 13.0))
        al = claims.alignment(tr.attention, len(tr.output_words))
        lead = (f"A long sentence ({len(tr.source_tokens)} words)" if claims.is_long(len(tr.source_tokens))
                else f"A longer sentence ({len(tr.source_tokens)} words)")
        facts = " ".join(t for t in (claims.diagonal_narration(al),) if t)
        self.beat("long", f"{lead}, real weights again. {facts}")
        self.play(FadeOut(VGroup(self.map, self.line, self.off)), Transform(self.note, self.footnote(self.cell_note(big, tr))),
                  run_time=0.8)
        self.remove_foreground_mobjects(self.map.values)  # kept above the diagonal until now
        self.remove(self.map.values)
        line = self.diagonal(big, al.rows)
        off = VGroup(*[SurroundingRectangle(big.cell(i, al.best[i]), buff=0.01, color=self.theme.text, stroke_width=2)
                       for i in al.off_diagonal])
        self.play(FadeIn(big.col_labels), FadeIn(big.row_labels), run_time=0.8)
        self.play(FadeIn(VGroup(big.cells, big.values), lag_ratio=0.01), run_time=2.5)
        self.add_foreground_mobjects(big.values)
        self.play(Create(line), run_time=1.0)
        if len(off):
            self.play(Create(off, lag_ratio=0.05), run_time=1.2)
