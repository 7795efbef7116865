"""RNN relay (article fig. 5): the encoder reads one word at a time; each state leaves its cell
along the arrow and enters the next cell with the next word, where the next state is made. What each
step adds is measured: how far the word moves the state (|h_t − h_{t−1}|, claims.state_moves), shown
above each new state and said for the steps that move it most and least. (no-order showed only
that the final states differ; the relay itself is this chapter's one idea.)"""
from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromPoint,
    Indicate,
    ReplacementTransform,
    SurroundingRectangle,
    VGroup,
    there_and_back,
)

from scenes.kit import ExplainerScene, label
from scenes.kit.claims import relay_moves_narration, state_moves
from scenes.kit.layout import inside_margin
from scenes.kit.mobjects import number, number_min_size
from scenes.kit.stage import DIM, RELAY_TITLE, CoreStage

# what the drawn cell is against the article's figure (said where it matters: the rule names it)
CELL_NOTE_SHOWN = {"GRU": "GRU: a gated recurrent cell (2014), not the article's bare RNN cell"
                          " · \u201cplain\u201d = no attention",
                   "LSTM": "LSTM: a gated recurrent cell (1997), not the article's bare RNN cell"}
WALK_STEP = 1.5  # seconds the frame walking over the states spends on each
MOVE_GAP = 0.12  # between a state column's top and the number saying how far that word moved the state


def cell_note_said(kind: str) -> str:
    """The article's figure draws the bare recurrent cell; ours is gated: said, not hidden."""
    if kind not in CELL_NOTE_SHOWN:
        return ""
    return (f" The article draws the simplest recurrent cell; ours is {'an' if kind == 'LSTM' else 'a'} {kind}, which "
            "adds gates but does the same job: a new state from the word and the state before.")


class RNNRelay(ExplainerScene):
    title = RELAY_TITLE

    def construct(self) -> None:
        self.stage = CoreStage(self.tr)
        self.show_setting()
        self.run_relay()
        self.hand_over_last_state()

    def show_setting(self) -> None:
        st = self.stage
        self.beat("read", "A recurrent network reads a sentence one word after another, keeping a running "
                          "summary: the hidden state." + cell_note_said(st.kind))
        self.add(self.heading(), self.footnote(self.provenance(extra=st.dims_note())))
        rule = st.rule()
        self.play(FadeIn(st.words, lag_ratio=0.15), run_time=1.2)
        self.play(FadeIn(st.cells, lag_ratio=0.1), FadeIn(st.batons, lag_ratio=0.1), run_time=1.2)
        self.play(FadeIn(rule, shift=0.2 * DOWN), run_time=1.0)
        self.cell_note = VGroup()
        if st.kind in CELL_NOTE_SHOWN:
            self.cell_note = label(CELL_NOTE_SHOWN[st.kind], 20, self.theme.muted).next_to(rule, DOWN, buff=0.2)
            self.play(FadeIn(self.cell_note), run_time=0.8)
            # while the note is read: each drawn cell is that cell, lit in turn
            each = max(0.3, (self.reading_time_left() - 1.2) / len(st.cells))
            for cell in st.cells:
                self.play(cell.pulse(self.theme.encoder, 1.08), run_time=each)
        self.play(Indicate(rule[0][0:2], color=self.theme.encoder), run_time=1.0)

    def move_label(self, t: int, move: float):
        size = max(16, number_min_size())
        return number(f"{move:.2f}", size, self.theme.encoder).next_to(self.stage.columns[t], UP, buff=MOVE_GAP)

    def run_relay(self) -> None:
        st, tr, th = self.stage, self.tr, self.theme
        moves = state_moves(tr.encoder_states)
        self.beat("relay", "At each step the cell takes the new word and the state handed over by the cell before, "
                           "mixes them, and passes the new state on, like a baton in a relay race. Above each state: "
                           "how far that word moved it. " + relay_moves_narration(tr.source_tokens, moves)
                           + " The colours are the trained model's real values: orange above zero, blue below.")
        self.moves = VGroup(*[self.move_label(t, m) for t, m in enumerate(moves)])
        row_name = label("state moved by", 16, th.encoder).next_to(self.moves, LEFT, buff=0.3)
        row_name.set_y(self.moves[0].get_y())
        if row_name.get_left()[0] < -6.9 + 0.1:  # no room left of the row: above its first number instead
            row_name.next_to(self.moves[0], UP, buff=0.08).align_to(self.moves[0], LEFT)
        self.row_name = inside_margin(row_name)
        n = len(tr.source_tokens)
        slow_steps = min(2, n)
        # later steps share what the narration still needs (each step takes about 3.8 × run), leaving
        # time to point at the largest and smallest moves
        fast = min(1.0, max(0.45, (self.reading_time_left() - 3.8 * slow_steps - 4.0) / (3.8 * max(n - slow_steps, 1))))
        for t in range(n):
            run = 1.0 if t < slow_steps else fast
            # the word's input vector rises into the cell; the previous state travels along the arrow
            emb = st.embedding(t)
            start = emb.copy().move_to(st.words[t].get_top() + 0.12 * UP).scale(0.6)
            anims = [GrowArrow(st.word_arrows[t]), Indicate(st.words[t], color=th.source, scale_factor=1.15),
                     ReplacementTransform(start, emb.move_to(st.cells[t].get_center()).scale(0.5))]
            if t > 0:
                baton = st.columns[t - 1].cells.copy().set_opacity(1)
                self.play(baton.animate.scale(0.45).move_to(st.cells[t - 1].get_right()), run_time=run * 0.6)
                anims.append(baton.animate.move_to(st.cells[t].get_center()).scale(0.5).set_opacity(0))
            self.play(*anims, run_time=run)
            self.remove(emb)
            if t > 0:
                self.remove(baton)
            self.play(st.cells[t].pulse(th.encoder), run_time=run * 0.6)
            col = st.columns[t]
            shown = [FadeIn(self.row_name)] if t == 0 else []
            self.play(GrowFromPoint(col, st.cells[t].get_top()), *shown, run_time=run)
            self.play(FadeIn(self.moves[t], shift=0.15 * UP), run_time=run * 0.6)
        if n > 2:  # the largest and the smallest later move, as the narration names them
            later = moves[1:]
            for k in (1 + int(later.argmax()), 1 + int(later.argmin())):
                self.play(Indicate(self.moves[k], color=th.target, scale_factor=1.3),
                          Indicate(st.words[k], color=th.target), run_time=1.5)
        # while the colours are explained: a frame walks over the real states, one after another
        frame = SurroundingRectangle(st.columns[0].cells, color=th.text, buff=0.06)
        self.play(Create(frame), run_time=0.6)
        # at most WALK_STEP s per state: with few words the frame goes round again instead of crawling
        visits = max(n - 1, round((self.reading_time_left() - 0.6) / WALK_STEP))
        per = max(0.4, (self.reading_time_left() - 0.6) / max(visits, 1))
        for k in range(1, visits + 1):
            self.play(frame.animate.move_to(st.columns[k % n].cells), run_time=per)
        self.play(FadeOut(frame), run_time=0.5)

    def hand_over_last_state(self) -> None:
        st = self.stage
        self.beat("last", "When the sentence ends, only the last state goes on. Everything the network read "
                          "must now fit inside this one vector.")
        box = st.last_box()  # the same box CoreStage.relay_end() draws: the bottleneck starts from it
        # the relay's last picture is CoreStage.relay_end(): the note and the measured moves leave first
        self.play(FadeOut(self.moves), FadeOut(self.row_name), FadeOut(self.cell_note), run_time=0.8)
        self.play(Create(box[0]), FadeIn(box[1]), run_time=1.0)
        self.play(*[col.animate.set_opacity(DIM) for col in st.columns[:-1]], run_time=1.2)
        # the box's outline thickens and settles back while the sentence is read (the last picture stays relay_end's)
        self.play(box[0].animate(rate_func=there_and_back).set_stroke(width=9), run_time=max(1.0, self.reading_time_left()))
