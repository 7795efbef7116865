"""LSTM cell state (article fig. 7). It opens on the relay's last picture (CoreStage.relay_end, the
same mobject rnn-relay ends with): the chain's GRU cells become LSTM cells handing on c beside h, and
one opens up into the figure — the c highway through ×f and +i·g, h leaving through o·tanh(c) — with
the real `lstm` model's values flowing through it word by word. Then why long sentences still dilute,
measured on the forget gates of a long sentence, and what the LSTM really writes for it, checked
against the correct translation beside the `plain` model's GRU (gated too, no separate cell state):
whether the cell state helped there is computed, and the bottleneck stays (attention comes next)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Create,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Indicate,
    Line,
    RoundedRectangle,
    SurroundingRectangle,
    Transform,
    VGroup,
)

from model.names import DESIGNS
from model.trace import GATE_NAMES, TraceInputError
from scenes.kit import ExplainerScene, SlotBars, StateColumn, claims, fade_replace, label, percent, pick_dims
from scenes.kit.claims import check_words, lstm_bridge, lstm_long_narration, said_percent
from scenes.kit.comparison import BOTTLENECK_TITLE, Comparison, Row, bottleneck_end
from scenes.kit.pacing import share, until_said
from scenes.kit.stage import CoreStage
from scenes.kit.theme import current, gate_to_color
from scenes.kit.wrap import WordGrid

SHOWN_DIMS = 6
CELL = 0.22  # height of one dimension's cell
PASS = 0.6   # c waits this far before a node and leaves this far after it


def opening_narration(model: str, design: tuple[str | None, bool] | None) -> str:
    """The question and what an LSTM cell hands on; that the shown model is built from LSTM cells is
    said only when its design says so (its dates are the timeline's)."""
    said = "What if each cell kept a second memory? "
    if design is not None and design[0] == "LSTM":
        return said + (f"Our '{model}' model's LSTM cells do: each hands on the hidden state h, as before, "
                       "and a cell state c.")
    return said + "An LSTM cell does: it hands on the hidden state h, as before, and a cell state c."


def cell_of(model: str) -> str | None:
    design = DESIGNS.get(model)
    return design[0] if design else None


def cell_tag(design: tuple[str | None, bool] | None) -> str:
    """A comparison row's tag, as the model is built: gated GRU cells, or LSTM cells with their cell state."""
    cell = design[0] if design else None
    return {"GRU": "GRU: gated, no cell state", "LSTM": "LSTM: gated, + cell state c"}.get(cell or "", cell or "cell unknown")


def gate(gates: np.ndarray, name: str) -> np.ndarray:
    """One gate's activations [S, H] from Trace.encoder_gates [S, 4, H]."""
    return gates[:, GATE_NAMES.index(name), :]


def retention(gates: np.ndarray) -> np.ndarray:
    """For each word j: the mean over dimensions of ∏_{t>j} f_t, the share of what word j wrote
    into the cell state that the forget gates let through, unchanged, to the last word."""
    forget = gate(gates, "forget")
    out = np.ones(len(forget))
    for j in range(len(forget)):
        out[j] = float(np.prod(forget[j + 1:], axis=0).mean()) if j + 1 < len(forget) else 1.0
    return out


FRACTIONS = ((1 / 2, "about half"), (1 / 3, "about a third"), (1 / 4, "about a quarter"), (1 / 5, "about a fifth"),
             (2 / 3, "about two thirds"), (3 / 4, "about three quarters"))


def fraction_words(p: float, within: float = 0.025) -> str:
    """A share as a plain fraction ('about a third') when one is that close, else '' (never rounded to fit)."""
    near = [name for value, name in FRACTIONS if abs(p - value) <= within]
    return near[0] if near else ""


def retention_narration(tokens: Sequence[str], keep: np.ndarray, forget: np.ndarray) -> str:
    """What the bars say, as measured: the last word keeps all of what it wrote (no forget gate comes
    after it, an empty product), and the first word's share set against the gates it passed: gates
    that are each mostly open (their mean over the later words and all dimensions) still multiply to
    a small share. Whether the first word keeps the least is checked, never assumed."""
    n, first, last = len(keep), tokens[0], tokens[-1]
    said = (f"But the highway is still a chain of multiplications. For each word of this {n}-word sentence, multiply "
            "the forget gates that come after it: that is the share of what it wrote still in c at the last word.")
    if n < 2:
        return said + f" '{first}' is the last word: no gate comes after it, so it keeps all of it."
    said += f" The last word, '{last}', keeps {percent(keep[-1])}: no forget gate comes after it."
    gates = float(forget[1:].mean())
    small = keep[0] < 0.5 and gates >= 0.8
    fraction = fraction_words(float(keep[0]))
    share = said_percent(float(keep[0])) + (f", {fraction}" if fraction else "")
    said += (f" The {n - 1} gate{'s' if n > 2 else ''} after the first word, '{first}', {'are' if n > 2 else 'is'} "
             f"{said_percent(gates)} open on average, {'yet they leave it only' if small else 'and leave it'} "
             f"{share}.")
    dims = forget.shape[1] if forget.ndim > 1 else 1
    if dims > 1 and n > 2:
        # the trap a student falls in: the mean gate to the power n-1 is not the mean of the products
        naive = gates ** (n - 1)
        said += (f" Each of the {dims} dimensions multiplies its own {n - 1} gates, and {said_percent(float(keep[0]))} "
                 f"is the mean of those {dims} products"
                 + (f", not {said_percent(gates)} multiplied {n - 1} times ({said_percent(naive)})"
                    if said_percent(naive) != said_percent(float(keep[0])) else "") + ".")
    if n > 2 and int(np.argmin(keep)) == 0:
        said += " That it is the least of any word is expected: the first word passes every gate the others pass, and more."
    return said


def gate_means_narration(tokens: Sequence[str], forget_means: np.ndarray) -> str:
    """While the words go by: the gates are computed anew for each word, and the forget gate's mean
    (the number beside it) with them; its lowest and highest, named by their words."""
    said = "The gates are computed anew for each word, from the word and the state before it"
    if len(tokens) < 2:
        return said + "."
    low, high = int(np.argmin(forget_means)), int(np.argmax(forget_means))
    if forget_means[high] - forget_means[low] < 0.03:
        return said + f": here the forget gate stays near {said_percent(float(forget_means.mean()))} on every word."
    return (said + f": the forget gate's mean is lowest on '{tokens[low]}' ({said_percent(float(forget_means[low]))}) "
            f"and highest on '{tokens[high]}' ({said_percent(float(forget_means[high]))}).")


def cell_steps(cells: np.ndarray, gates: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Every quantity of the figure for each word: c_{t-1}, f, i, g, o, f⊙c_{t-1}, i⊙g, c_t,
    tanh(c_t), h_t (from the trace's gates; c_t is the trace's own)."""
    steps, prev = [], np.zeros(cells.shape[1])
    for t in range(len(cells)):
        f, i, g, o = (gate(gates, n)[t] for n in ("forget", "input", "candidate", "output"))
        steps.append({"c_prev": prev, "f": f, "i": i, "g": g, "o": o, "kept": f * prev, "written": i * g,
                      "c": cells[t], "tanh_c": np.tanh(cells[t]), "h": o * np.tanh(cells[t])})
        prev = cells[t]
    return steps


class GateColumn(VGroup):
    """A gate's values for the shown dimensions on the gate's own 0–1 scale (closed … open)."""

    def __init__(self, values: np.ndarray, dims: np.ndarray, width: float = 0.3):
        super().__init__(*[gate_cell(values[d], width, CELL).move_to([0, -k * CELL, 0]) for k, d in enumerate(dims)])


def gate_cell(value: float, width: float, height: float) -> RoundedRectangle:
    """One gate value's cell, outlined in the muted colour: a closed gate (0 = the panel colour)
    stays visible as an empty box on either background."""
    return RoundedRectangle(corner_radius=0.02, width=width, height=height, stroke_width=1,
                            stroke_color=current().muted, fill_color=gate_to_color(value), fill_opacity=1)


class LSTMCellState(ExplainerScene):
    title = "LSTM: a second memory with gates"

    def construct(self) -> None:
        self.from_the_bottleneck()
        self.build_cell()
        self.step_through()
        self.dilution()

    # --- from the bottleneck ----------------------------------------------------------------
    def from_the_bottleneck(self) -> None:
        """First frame = context-bottleneck's last (kit.comparison.bottleneck_end: the plain model's long
        sentence against the correct translation); then the question, the chain with LSTM cells handing
        on c beside h, and one cell opening: its box grows into the frame the figure is drawn in."""
        tr, th = self.tr, self.theme
        try:
            self.end = bottleneck_end(self)
        except (TraceInputError, FileNotFoundError):   # no plain or attention model: open on the chain
            self.end = None
        self.title_mob = self.heading(BOTTLENECK_TITLE if self.end else None)
        picture = self.end.comparison.end() if self.end else VGroup()
        self.note = self.footnote(self.end.footnote if self.end else self.provenance())
        self.add(self.title_mob, self.note, picture)
        lstm = CoreStage(tr)
        # the chain alone on screen: in the middle of the frame, not in the relay's bottom band
        VGroup(lstm.words, lstm.cells, lstm.batons).shift(2.0 * UP)
        self.beat("open", opening_narration(tr.model, DESIGNS.get(tr.model)))
        title = self.heading()
        note = self.footnote(self.provenance(tr, extra=lstm.dims_note()))
        self.play(FadeOut(picture), *fade_replace(self.title_mob, title), *fade_replace(self.note, note), run_time=1.0)
        self.title_mob, self.note = title, note
        self.play(FadeIn(lstm.words, lag_ratio=0.1), FadeIn(lstm.cells, lag_ratio=0.1), FadeIn(lstm.batons),
                  run_time=share(self, 0.2, at_least=1.2))
        # a second line of arrows: c, handed on beside h (the h arrows move down to make room)
        lift = 0.11
        c_arrows = VGroup(*[CoreStage.arrow(a.get_right() + lift * UP, b.get_left() + lift * UP, th.cell)
                            for a, b in zip(lstm.cells[:-1], lstm.cells[1:])])
        c_name = label("c", 20, th.cell).next_to(c_arrows[0] if len(c_arrows) else lstm.cells[0], UP, buff=0.04)
        h_name = label("h", 20, th.encoder).next_to(lstm.batons[0] if len(lstm.batons) else lstm.cells[0],
                                                     DOWN, buff=0.04).shift(lift * DOWN)
        self.play(lstm.batons.animate.shift(lift * DOWN), run_time=0.6)
        self.play(Create(c_arrows, lag_ratio=0.3), FadeIn(c_name), FadeIn(h_name), run_time=share(self, 0.45))
        # while the rest is said: c handed on, cell to cell
        for arrow in c_arrows:
            self.play(Indicate(arrow, color=th.cell, scale_factor=1.2),
                      run_time=max(0.4, self.reading_time_left() / max(len(c_arrows), 1)))
        self.chain_mobs = VGroup(lstm.words, *lstm.cells[1:], lstm.batons, c_arrows, c_name, h_name)
        self.cell_frame = lstm.cells[0]
        self.kind = lstm.kind

    def open_cell(self, note: VGroup) -> None:
        """The first cell opens: its box grows into the frame the figure is drawn in, its name to the
        corner, while the rest of the chain leaves."""
        th, first = self.theme, self.cell_frame
        frame = RoundedRectangle(corner_radius=0.25, width=11.1, height=4.45, stroke_color=th.encoder, stroke_width=2.5,
                                 fill_color=th.panel, fill_opacity=1).move_to([-0.15, -0.075, 0])
        tag = label(f"one {self.kind} cell, opened", 18, th.encoder)
        tag.move_to(frame.get_corner(DOWN + RIGHT) + np.array([-tag.width / 2 - 0.2, tag.height / 2 + 0.15, 0]))
        self.frame_box = frame
        self.play(Transform(first.box, frame), Transform(first.text, tag), FadeOut(self.chain_mobs),
                  *fade_replace(self.note, note), run_time=1.2)

    # --- the figure -----------------------------------------------------------------------
    def build_cell(self) -> None:
        tr, th = self.tr, self.theme
        self.steps = cell_steps(tr.encoder_cells, tr.encoder_gates)
        self.dims = pick_dims(tr.encoder_cells, SHOWN_DIMS)
        self.c_range = float(np.abs(tr.encoder_cells).max())
        hidden = tr.encoder_cells.shape[1]
        note = self.footnote(self.provenance(
            extra=f"{len(self.dims)} of {hidden} dimensions shown; c on a ±{self.c_range:.1f} scale, g and h on ±1"))
        text = ("Open one cell: inside, c runs along a highway through the cell. The forget gate multiplies it, the "
                "input gate adds new content, and the output gate decides how much of it leaves as the hidden state h.")
        self.beat("cell", text)
        self.open_cell(note)
        self.note = note
        y_hw, y_gate, y_bus = 1.55, -0.55, -1.75
        self.x_in, self.x_mul, self.x_add, self.x_out = -5.4, -2.2, 0.6, 4.0
        self.y_hw, self.y_gate, self.y_bus = y_hw, y_gate, y_bus
        muted = th.muted
        node = lambda sym, x, y: VGroup(Circle(0.24, color=muted, stroke_width=2.5).set_fill(th.background, 1),
                                        label(sym, 24, th.text)).move_to([x, y, 0])
        highway = Line([self.x_in - 0.6, y_hw, 0], [self.x_out + 1.9, y_hw, 0], color=th.cell, stroke_width=7)
        hw_name = label("cell state c", 20, th.cell).move_to([0, y_hw + 1.05, 0]).align_to(highway, LEFT)
        self.mul, self.add_node = node("×", self.x_mul, y_hw), node("+", self.x_add, y_hw)
        # gates: f under ×, i and g under +, o under the output ×
        self.gate_x = {"f": self.x_mul - 0.5, "i": self.x_add - 0.45, "g": self.x_add + 0.45, "o": self.x_out - 0.55}
        self.gate_cols = {k: self.gate_column(k, self.steps[0]) for k in self.gate_x}
        gate_names = VGroup(*[self.gate_name(k, self.steps[0]) for k in self.gate_x])
        self.gate_names = gate_names
        ig = node("×", self.x_add, y_gate + 1.25 * 0.0 + 0.45)
        ig.move_to([self.x_add, (y_gate + y_hw) / 2 - 0.15, 0])
        self.ig = ig
        tanh_box = VGroup(RoundedRectangle(corner_radius=0.1, width=0.95, height=0.45, color=muted, stroke_width=2.5)
                          .set_fill(th.background, 1), label("tanh", 18, th.text)).move_to([self.x_out + 0.5, 0.45, 0])
        self.out_mul = node("×", self.x_out + 0.5, y_gate - 0.55)
        self.tanh_box = tanh_box
        arrow = lambda a, b: Arrow(a, b, buff=0.05, color=muted, stroke_width=2.5, max_tip_length_to_length_ratio=0.12)
        bus = Line([self.x_in - 0.6, y_bus, 0], [self.x_out - 0.2, y_bus, 0], color=muted, stroke_width=3)
        # the gates read both at once (a concatenation, not a sum)
        bus_name = label("[h, x]: previous state and this word, read together", 17, muted)
        # inside the cell's frame: the bus enters from outside, its name does not straddle the border
        bus_name.next_to(bus, DOWN, buff=0.12).align_to(self.frame_box, LEFT).shift(0.25 * RIGHT)
        wires_f = VGroup(arrow([self.gate_x["f"], y_bus, 0], self.gate_cols["f"].get_bottom()),
                         arrow(self.gate_cols["f"].get_top(), self.mul.get_bottom()))
        wires_f[1].put_start_and_end_on(self.gate_cols["f"].get_top() + 0.05 * UP, self.mul[0].get_bottom())
        wires_i = VGroup(*[arrow([self.gate_x[k], y_bus, 0], self.gate_cols[k].get_bottom()) for k in "ig"],
                         arrow(self.gate_cols["i"].get_top(), ig[0].get_left()),
                         arrow(self.gate_cols["g"].get_top(), ig[0].get_right()),
                         arrow(ig[0].get_top(), self.add_node[0].get_bottom()))
        wires_o = VGroup(arrow([self.gate_x["o"], y_bus, 0], self.gate_cols["o"].get_bottom()),
                         arrow([self.x_out + 0.5, y_hw, 0], tanh_box.get_top()),
                         arrow(tanh_box.get_bottom(), self.out_mul[0].get_top()),
                         arrow(self.gate_cols["o"].get_right(), self.out_mul[0].get_left()),
                         arrow(self.out_mul[0].get_right(), [self.x_out + 1.9, self.out_mul.get_y(), 0]))
        h_name = label("h", 22, th.text).next_to(wires_o[-1], UP, buff=0.08).shift(0.2 * LEFT)
        scale = self.scale_legend().to_corner(RIGHT + UP).shift(0.45 * DOWN)  # above c where it leaves the cell
        self.diagram = VGroup(highway, hw_name, self.mul, self.add_node, ig, tanh_box, self.out_mul, bus, bus_name,
                              wires_f, wires_i, wires_o, h_name, gate_names, scale)
        # build it in the order the narration tells it
        self.play(Create(highway), FadeIn(hw_name), FadeIn(bus), FadeIn(bus_name), run_time=share(self, 0.25))
        self.play(FadeIn(self.mul), Create(wires_f), FadeIn(self.gate_cols["f"]), FadeIn(gate_names[0]),
                  FadeIn(scale), run_time=share(self, 0.33))
        self.play(FadeIn(self.add_node), FadeIn(ig), Create(wires_i), FadeIn(self.gate_cols["i"]),
                  FadeIn(self.gate_cols["g"]), FadeIn(gate_names[1:3]), run_time=share(self, 0.5))
        self.play(FadeIn(tanh_box), FadeIn(self.out_mul), Create(wires_o), FadeIn(self.gate_cols["o"]),
                  FadeIn(gate_names[3]), FadeIn(h_name), run_time=share(self, 1.0))

    def scale_legend(self) -> VGroup:
        """The gate scale (closed … open) beside the state scale (− 0 +)."""
        th = self.theme
        gates = VGroup(*[gate_cell(v, 0.22, 0.18) for v in np.linspace(0, 1, 6)])
        gates.arrange(RIGHT, buff=0.02)
        gate_row = VGroup(label("gate 0", 15, th.muted), gates, label("1 open", 15, th.muted)).arrange(RIGHT, buff=0.08)
        states = StateColumn(np.linspace(-1, 1, 7), 1.0, cell=0.18).rotate(np.pi / 2)
        state_row = VGroup(label("value −", 15, th.muted), states, label("+", 15, th.muted)).arrange(RIGHT, buff=0.08)
        return VGroup(gate_row, state_row).arrange(DOWN, aligned_edge=RIGHT, buff=0.12)

    GATE_LABELS: ClassVar[dict[str, str]] = {"f": "forget f", "i": "input i", "g": "new g", "o": "output o"}

    def gate_name(self, key: str, step: dict) -> VGroup:
        """The gate's name beside its column (the input arrow comes from below) and, for the three
        gates, its mean opening over all dimensions: the number the narration quotes."""
        th = self.theme
        col = self.gate_column(key, step)
        if key == "g":  # a value, not a gate: its name right of its column
            return VGroup(label(self.GATE_LABELS[key], 17, th.muted)).next_to(col, RIGHT, buff=0.1)
        mean = label(f"mean {percent(float(step[key].mean()))}", 15, th.gate)
        return (VGroup(label(self.GATE_LABELS[key], 17, th.gate), mean).arrange(DOWN, aligned_edge=RIGHT, buff=0.06)
                .next_to(col, LEFT, buff=0.12).align_to(col, DOWN))

    def swap_means(self, step: dict, only_forget: bool = False) -> list:
        """Fade each gate's changed mean to this word's (kit.fade_replace: never digit into digit, never both at once).
        After the first word only the forget gate's mean stays (the narration follows it); the others leave."""
        anims, self.faded_in_means = [], []
        for key, name in zip(self.gate_x, self.gate_names):
            if key == "g":
                continue
            if only_forget and key != "f":
                if len(name) > 1:
                    anims.append(FadeOut(name[1]))
                    name.remove(name[1])
                continue
            old, new = name[1], self.gate_name(key, step)[1]
            if old.text != new.text:
                name.remove(old)  # the new mean joins the name once it has faded in (see step_through)
                anims += fade_replace(old, new)
                self.faded_in_means.append((name, new))
        return anims

    def gate_column(self, key: str, step: dict) -> VGroup:
        if key == "g":  # the candidate is a value in (−1, 1), not a gate: the state colours
            col = StateColumn(step["g"], 1.0, self.dims, cell=CELL, cell_width=0.3, show_hidden_count=False)
        else:
            col = GateColumn(step[key], self.dims)
        return col.move_to([self.gate_x[key], self.y_gate, 0])

    def state(self, values: np.ndarray, vmax: float, where) -> StateColumn:
        return StateColumn(values, vmax, self.dims, cell=CELL, cell_width=0.34, show_hidden_count=False,
                           outline=self.theme.cell).move_to(where)

    # --- word by word ---------------------------------------------------------------------
    def step_through(self) -> None:
        tr, th = self.tr, self.theme
        f0 = float(self.steps[0]["f"].mean())
        i0 = float(self.steps[0]["i"].mean())
        empty = ("; c starts at zero, so only what the input gate lets in counts"
                 if not np.any(self.steps[0]["c_prev"]) else "")
        self.beat("steps", f"The real values, word by word. On '{tr.source_tokens[0]}' the forget gate is "
                           f"{said_percent(f0)} open and the input gate {said_percent(i0)} (means over all "
                           f"{len(self.steps[0]['f'])} dimensions){empty}.")
        words = WordGrid(tr.source_tokens, th.source, width=11.0, font_size=24, max_rows=1).move_to([0, -2.65, 0])
        self.play(FadeIn(words, lag_ratio=0.1), run_time=0.8)
        hw = self.y_hw
        c_col = self.state(self.steps[0]["c_prev"], self.c_range, [self.x_in, hw, 0])
        self.play(FadeIn(c_col), run_time=0.6)
        h_col = None
        for t, step in enumerate(self.steps):
            slow = t < 1
            if t == 0:  # the first word's six moves fill its narration (the gates' means, c starting at zero)
                beat_time = max(1.0, (self.reading_time_left() - 0.5) / 6)
            if t == 1:  # the forget gate's mean keeps changing, and is said to; the other means leave
                self.beat("more", gate_means_narration(tr.source_tokens,
                                                       np.array([float(s["f"].mean()) for s in self.steps])))
                # the later words' six moves and the way back share the narration (few words: slower)
                per_word = self.reading_time_left() / (len(self.steps) - 1)
                beat_time = min(1.5, max(0.45, (per_word - 0.35) / 6))
            marker = words[t].copy()
            self.play(words[t].animate.set_color(th.text), marker.animate.move_to([self.x_in - 0.2, self.y_bus + 0.45, 0]),
                      *[Transform(self.gate_cols[k], self.gate_column(k, step)) for k in self.gate_x],
                      *self.swap_means(step, only_forget=t > 0),
                      *([FadeOut(h_col)] if h_col is not None else []), run_time=beat_time)
            for name, mean in self.faded_in_means:
                self.remove(mean)
                name.add(mean)
            # × f: what the forget gate keeps. c stops before each node and passes it while it
            # changes, so the node stays in sight while its operation happens.
            self.play(c_col.animate.move_to([self.x_mul - PASS, hw, 0]), run_time=beat_time)
            kept = self.state(step["kept"], self.c_range, [self.x_mul + PASS, hw, 0])
            self.play(Transform(c_col, kept), run_time=beat_time)
            # + i·g: what the input gate writes rises from the i·g node to just past the +
            at_add = [self.x_add + PASS, hw, 0]
            written = StateColumn(step["written"], self.c_range, self.dims, cell=CELL, cell_width=0.34,
                                  show_hidden_count=False).move_to(at_add)
            self.play(c_col.animate.move_to([self.x_add - PASS, hw, 0]),
                      FadeIn(written, shift=0.6 * UP), run_time=beat_time)
            new_c = self.state(step["c"], self.c_range, at_add)
            self.play(written.animate.set_opacity(0), Transform(c_col, new_c), run_time=beat_time)
            self.remove(written)
            # out: c_t continues; h_t = o · tanh(c_t)
            at_out = [self.x_out + 1.3, hw, 0]
            h_col = StateColumn(step["h"], 1.0, self.dims, cell=CELL, cell_width=0.34, show_hidden_count=False)
            h_col.move_to([self.x_out + 2.25, self.out_mul.get_y(), 0])  # at the end of the h arrow
            self.play(c_col.animate.move_to(at_out),
                      FadeIn(h_col, shift=0.4 * RIGHT), FadeOut(marker), run_time=beat_time)
            if t + 1 < len(self.steps):  # c_t is the next word's c_{t-1}
                self.play(c_col.animate.move_to([self.x_in, hw, 0]),
                          run_time=0.5 if slow else 0.35)
        self.cell_group = VGroup(self.cell_frame, self.diagram, *self.gate_cols.values(), c_col, h_col, words)

    # --- long sentences -------------------------------------------------------------------
    def dilution(self) -> None:
        th = self.theme
        sentence = " ".join(self.end.plain.source_tokens) if self.end else self.long_example(claims.LONG_WORDS)
        tr = self.trace_of(sentence, self.tr.model)
        keep = retention(tr.encoder_gates)
        n, hidden = len(keep), tr.encoder_gates.shape[2]
        self.beat("dilute", retention_narration(tr.source_tokens, keep, gate(tr.encoder_gates, "forget")))
        self.play(FadeOut(self.cell_group), run_time=0.8)
        self.remove(self.note)
        self.note = self.footnote(self.provenance(tr, extra=f"bars: product of the forget gates after each word, "
                                                            f"mean over all {hidden} dimensions"))
        grid = WordGrid(tr.source_tokens, th.source, width=12.8, font_size=24, max_rows=3, band=1.5,
                        band_side="above", row_gap=0.18)
        # what the bars are, said above them
        head = label("share of what each word wrote into c still there at the last word", 20, th.cell)
        head.next_to(self.heading(), DOWN, buff=0.22)
        grid.place_top(head.get_bottom()[1] - 0.15)
        tall = grid.band - 0.35
        bars = SlotBars(keep, [grid.x(k) for k in range(n)], grid.step, 0.0, tall, th.cell, width_ratio=0.5)
        for k, bar in enumerate(bars):
            bar.move_to([grid.x(k), grid.band_bottom(k) + bar.height / 2, 0])
        values = VGroup(*[label(percent(v), 14, th.muted).next_to(bar, UP, buff=0.04) for bar, v in zip(bars, keep)])
        self.play(FadeIn(self.note), FadeIn(head), FadeIn(grid, lag_ratio=0.02), run_time=1.2)
        # the product builds from the last word backwards (word j keeps ∏_{t>j} f_t) while it is defined
        order = list(range(n - 1, -1, -1))
        rest = max(2.5, until_said(self, "The last word") - 0.6)
        self.play(GrowFromEdge(bars[order[0]], DOWN), FadeIn(values[order[0]]), run_time=0.6)
        for k in order[1:]:
            self.play(GrowFromEdge(bars[k], DOWN), FadeIn(values[k]), run_time=rest / max(n - 1, 1))
        last = VGroup(bars[-1], values[-1], grid[-1])
        self.play(Indicate(last, color=th.text, scale_factor=1.1), run_time=max(1.0, until_said(self, "after the first word")))
        # the first word's share: the chain of gates it passes, one box per later word
        first = SurroundingRectangle(VGroup(bars[0], values[0], grid[0]), color=th.text, buff=0.08)
        chain = VGroup(*[SurroundingRectangle(VGroup(bars[k], values[k], grid[k]), color=th.muted, buff=0.05,
                                              stroke_width=2)
                         for k in range(1, n)])
        self.play(Create(first), run_time=1.0)
        self.play(Create(chain, lag_ratio=1.0), run_time=share(self, 0.6, at_least=2.0))
        self.play(FadeOut(chain), Indicate(values[0], color=th.text, scale_factor=1.4),
                  run_time=max(1.0, self.reading_time_left()))
        self.long_output(tr, VGroup(head, grid, bars, values, first))

    def long_output(self, tr, shown: VGroup) -> None:
        """What the LSTM really writes for the long sentence, in context-bottleneck's layout
        (kit.comparison): the plain model's checked row as it was left there, then the LSTM's, checked
        word by word against the correct translation (claims.check_words): computed, never assumed."""
        reference = list(tr.reference_tokens) if tr.reference_tokens else None
        check = check_words(reference, tr.output_words) if reference else None
        plain_row, plain = [], None
        if self.end is not None:
            plain = self.end.comparison.rows[0].check
            plain_row = [Row(f"'{self.end.plain.model}' model ({cell_tag(DESIGNS.get(self.end.plain.model))})",
                             list(self.end.plain.output_words), plain)]
        cells = (cell_of(tr.model), cell_of(self.end.plain.model) if self.end else None)
        self.beat("fails", lstm_long_narration(len(tr.source_tokens), tr.model, check, self.tgt_lang, plain=plain,
                                               plain_name=self.end.plain.model if self.end else "plain", cells=cells))
        cmp = Comparison(self.title_mob.get_bottom()[1], self.src_lang, self.tgt_lang, list(tr.source_tokens),
                         reference, [*plain_row, Row(f"'{tr.model}' model ({cell_tag(DESIGNS.get(tr.model))})",
                                                     list(tr.output_words), check)])
        also = f" and of the 'plain' one ({self.end.plain.sha256[:8]})" if self.end else ""
        note = self.footnote(f"real outputs of {self.weights_name(tr)} ({tr.sha256[:8]}){also}; "
                             "checked against the correct translation")
        marks = VGroup()
        for k in range(len(cmp.rows) - 1):   # the plain row as context-bottleneck left it: checked
            for word, color, _, strike in cmp.marks(k):
                word.set_color(color)
                if strike is not None:
                    marks.add(strike)
        last = cmp.outputs[-1]
        before = VGroup(*[b for b in cmp.blocks if b is not last], marks)
        self.play(FadeOut(shown), *fade_replace(self.note, note), run_time=0.8)
        self.note = note
        self.play(FadeIn(before), run_time=1.2)
        self.play(FadeIn(last[0]), FadeIn(last[1], lag_ratio=0.03), run_time=1.0)
        if check is not None:
            cmp.check_one_by_one(self, len(cmp.rows) - 1, max(0.15 * len(check.ok), self.reading_time_left() - 0.5))
        self.beat("next", lstm_bridge(tr.model, len(tr.output_words), len(tr.source_tokens), DESIGNS.get(tr.model)))
        self.play(Indicate(last[1], color=self.theme.context, scale_factor=1.03), run_time=max(1.0, self.reading_time_left()))
