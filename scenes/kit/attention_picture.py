"""The attention chapters' one picture: attention-weights builds it step by step, bahdanau-steps
opens on it and lights its equations over it. Both get every piece from here, so the cut between
them does not rebuild the picture.

On the core stage (kit.stage): the encoder states h_j lowered into the cells' room and named, the
decoder's state s_{i-1} named at the arrow into cell i, a line from cell i to each h_j (the scores),
the α fan, the context c_i beside the decoder with an arrow into the cell it feeds.
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Line, MathTex, VGroup

from model.trace import Trace
from scenes.kit import claims
from scenes.kit.layout import TEXT_EDGE_X
from scenes.kit.mobjects import AlphaFan, StateColumn, fit_width, number, wrong_in_red
from scenes.kit.stage import DIM, CoreStage
from scenes.kit.theme import current

RELOWER = 0.55         # how far the states move down once the encoder cells are no longer needed
LATER = 0.15           # opacity of the decoder cells not reached yet


class AttentionPicture:
    """The pieces, at their places, for one trace and the decoding step it explains (the most
    spread one, claims.pick_graded_step). Builders only: the scenes animate."""

    def __init__(self, tr: Trace):
        self.tr, self.th = tr, current()
        self.stage = st = CoreStage(tr)
        self.step = claims.pick_graded_step(tr.attention, max(len(tr.output_words), 1))
        self.colors = wrong_in_red(tr.reference_tokens, tr.target_tokens, self.th.target)
        st.build_decoder(colors=self.colors)
        self.start = st.parked(StateColumn(tr.context, tr.state_range, st.dims, cell=0.22, show_hidden_count=False))
        self.start_name = MathTex(r"s_0", font_size=28, color=self.th.decoder).next_to(self.start, UP, buff=0.08)
        self.start_arrow = st.arrow(self.start.get_right(), st.dec_cells[0].get_left(), self.th.decoder)

    # --- the states ---------------------------------------------------------------------------
    def lowered_columns(self) -> VGroup:
        """The state columns, lit, in the encoder cells' room (a copy: the stage's stay as built)."""
        return self.stage.columns.copy().set_opacity(1).shift(RELOWER * DOWN)

    def h_names(self, columns: VGroup) -> VGroup:
        """h_1 … h_S under their columns, between the states and the words."""
        size = 24 if len(columns) <= 10 else 20
        words_top = self.stage.words.get_top()[1]
        names = VGroup()
        for j, col in enumerate(columns):
            name = MathTex(r"h_{" + str(j + 1) + "}", font_size=size, color=self.th.encoder)
            names.add(name.move_to([col.get_x(), (col.get_bottom()[1] + words_top) / 2, 0]))
        return names

    def s_name(self, i: int) -> MathTex:
        """s_{i-1}, the state decoder cell i starts from, over the arrow into that cell."""
        st = self.stage
        name = MathTex(r"s_{" + str(i) + "}", font_size=28, color=self.th.decoder)
        return name.next_to(self.start_arrow if i == 0 else st.dec_arrows[i - 1], UP, buff=0.05)

    # --- scores and weights -------------------------------------------------------------------
    def label_size(self) -> int:
        return 16 if len(self.tr.source_tokens) <= 10 else 13

    def ends(self, columns: VGroup) -> tuple[list, list]:
        """Where each line from the decoder ends (above its column) and where its number sits."""
        tall = number("<1%", self.label_size()).height
        tops = [c.get_top() for c in columns]
        return [t + (tall + 0.1) * UP for t in tops], [t + (tall / 2 + 0.04) * UP for t in tops]

    def score_line(self, i: int, j: int, columns: VGroup) -> Line:
        """A thin line from decoder cell i to h_j: 'these two are compared'."""
        end = self.ends(columns)[0][j]
        return Line(self.stage.dec_cells[i].get_bottom(), end, stroke_color=self.th.text, stroke_width=1.5,
                    stroke_opacity=0.7)

    def score_tags(self, i: int, columns: VGroup) -> VGroup:
        """e_ij of step i at the lines' ends, where the α percentages will sit."""
        spots = self.ends(columns)[1]
        return VGroup(*[number(f"{v:+.1f}", self.label_size(), self.th.text).move_to(p)
                        for v, p in zip(self.tr.attention_scores[i], spots)])

    def fan(self, i: int, columns: VGroup) -> AlphaFan:
        """Step i's α from decoder cell i; each line ends on its percentage, on its state's column."""
        targets, spots = self.ends(columns)
        return AlphaFan(self.stage.dec_cells[i].get_bottom(), targets, self.tr.attention[i], labels=True,
                        min_width=2.0, min_opacity=0.45, label_size=self.label_size(), label_points=spots)

    # --- the context --------------------------------------------------------------------------
    def context(self, i: int, fan: AlphaFan, off_every_line: bool = False) -> VGroup:
        """c_i, beside decoder cell i where it covers neither the heaviest line nor a percentage,
        named on its side away from the decoder: VGroup(column, name). With `off_every_line`, a spot
        no fan line crosses comes first, farther out if need be (bahdanau-steps' quick later steps: a
        box crossed by a thin line there reads as the column it leads to)."""
        st, tr = self.stage, self.tr
        col = StateColumn(tr.step_contexts[i], tr.state_range, st.dims, cell=0.17, numbers=st.step >= 0.7,
                          cell_width=0.62 if st.step >= 0.7 else None, outline=self.th.context,
                          show_hidden_count=False)
        spot = st.dec_cells[i].get_bottom() + (0.3 + col.height / 2) * DOWN  # room for the arrow into the cell
        x = free_x(col, spot, fan.lines, fan.labels, OUT_FURTHER) if off_every_line else None
        if x is None:
            x = clear_spot(col, spot, fan.lines[int(tr.attention[i].argmax())], fan.labels)
        col.move_to([x, spot[1], 0])
        name = MathTex(r"c_{" + str(i + 1) + "}", font_size=28, color=self.th.context)
        name.next_to(col, RIGHT if spot[0] <= x < 5.5 else LEFT, buff=0.12)
        return VGroup(col, name)

    def feed_arrow(self, i: int, context: VGroup):
        """c_i → decoder cell i: from the column's top to the cell's lower corner on its side."""
        cell = self.stage.dec_cells[i]
        side = RIGHT if context[0].get_x() > cell.get_x() else LEFT
        return self.stage.arrow(context[0].get_top(), cell.get_corner(DOWN + side) - 0.12 * side, self.th.context, 3)

    # --- the whole picture ----------------------------------------------------------------------
    def end_picture(self) -> dict:
        """attention-weights' last picture (bahdanau-steps' first): the states lowered and named, the
        sentence written up to step i, later cells dimmed, step i's fan and its c_i fed into the cell."""
        st, i = self.stage, self.step
        columns = self.lowered_columns()
        fan = self.fan(i, columns)
        context = self.context(i, fan)
        written = st.out_words[:i + 1].copy().set_opacity(1)
        later = VGroup(*st.dec_cells[i + 1:], *st.dec_arrows[i:]).copy().set_opacity(LATER)
        return {"words": st.words, "columns": columns, "h_names": self.h_names(columns),
                "start": VGroup(self.start, self.start_name, self.start_arrow),
                "cells": VGroup(*st.dec_cells[:i + 1], *st.dec_arrows[:i]), "later": later,
                "written": written, "s_name": self.s_name(i), "fan": fan, "context": context,
                "feed": self.feed_arrow(i, context)}


def bahdanau_equations(at) -> VGroup:
    """bahdanau-steps' three equations in its heading's place (`at`: the heading they replace), coloured as
    the pieces they name: the next chapter opens on that picture, equations included."""
    th = current()
    score = MathTex("e_{ij}", "=", r"v^\top", r"\tanh(", "W", "s_{i-1}", "+", "U", "h_j", ")", font_size=32)
    soft = MathTex(r"\alpha_{ij}", "=", r"\exp e_{ij}", r"\,/\,", r"\textstyle\sum_k \exp e_{ik}", font_size=32)
    weighted = MathTex("c_i", "=", r"\textstyle\sum_j", r"\alpha_{ij}", "h_j", font_size=32)
    eqs = VGroup(score, soft, weighted).arrange(RIGHT, buff=0.7)
    fit_width(eqs, 13.0).move_to(at).set_color(th.text)
    for part, color in ((score[5], th.decoder), (score[8], th.encoder), (weighted[4], th.encoder),
                        (soft[0], th.alpha), (weighted[3], th.alpha), (weighted[0], th.context)):
        part.set_color(color)
    return eqs


OUT_NEAR = (0.9, -0.9, 1.6, -1.6, 2.3, -2.3)   # offsets tried beside the decoder, nearest first, right before left
OUT_FURTHER = (*OUT_NEAR, 3.0, -3.0, 3.7, -3.7)


def free_x(box, spot, lines, labels, offsets=OUT_NEAR, pad: float = 0.08) -> float | None:
    """The first x of `spot` + offsets (at the height of `spot`) where `box` touches none of `lines`
    and no percentage of `labels`, within the text edge; None when every one is taken."""
    points = [ln.get_start() + t * (ln.get_end() - ln.get_start()) for ln in lines for t in np.linspace(0, 1, 60)]
    half_w, half_h = box.width / 2 + pad, box.height / 2 + pad
    for dx in offsets:
        x = spot[0] + dx
        if abs(x) + half_w > TEXT_EDGE_X:
            continue
        on_line = any(abs(p[0] - x) < half_w and abs(p[1] - spot[1]) < half_h for p in points)
        on_label = any(abs(t.get_x() - x) < half_w + t.width / 2 and abs(t.get_y() - spot[1]) < half_h + t.height / 2
                       for t in labels)
        if not on_line and not on_label:
            return float(x)
    return None


def clear_spot(box, spot, line, labels, pad: float = 0.08) -> float:
    """The x (beside the decoder, at the height of `spot`) where `box` neither sits on the
    heaviest fan line nor touches a percentage: nearest first, right before left."""
    x = free_x(box, spot, [line], labels, OUT_NEAR, pad)
    return x if x is not None else float(np.clip(spot[0] + 0.9, -6.4, 6.4))


__all__ = ["DIM", "LATER", "RELOWER", "AttentionPicture", "bahdanau_equations", "clear_spot"]
