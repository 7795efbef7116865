"""RNN relay (article fig. 5): the encoder reads one word at a time; each state leaves its cell
along the arrow and enters the next cell with the next word, where the next state is made. It opens on
no-order's last picture (OrderStage.end(), the same mobjects): the sentence's chain of the two becomes
the relay's. What each step adds is measured: how far the word moves the state (|h_t − h_{t−1}|,
claims.state_moves), shown above each new state: every word changes the state, and the last state must
hold all of it (the bottleneck to come). The cell's name (a GRU) is said once in the film, in no-order."""
from __future__ import annotations

from manim import (
    LEFT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromPoint,
    Indicate,
    LaggedStart,
    ReplacementTransform,
    Transform,
    VGroup,
    there_and_back,
)

from scenes.kit import ExplainerScene, label
from scenes.kit.claims import relay_moves_narration, state_moves
from scenes.kit.layout import inside_margin
from scenes.kit.mobjects import fade_replace, number, number_min_size
from scenes.kit.order_stage import ORDER_TITLE, OrderStage, shuffled_order
from scenes.kit.pacing import until_said
from scenes.kit.stage import DIM, RELAY_TITLE, CoreStage

MOVE_GAP = 0.12  # between a state column's top and the number saying how far that word moved the state


class RNNRelay(ExplainerScene):
    title = RELAY_TITLE

    def construct(self) -> None:
        self.stage = CoreStage(self.tr)
        self.from_no_order()
        self.show_setting()
        self.run_relay()
        self.hand_over_last_state()

    def from_no_order(self) -> None:
        """First frame = no-order's last (OrderStage.end()); its sentence's row and chain become the relay's."""
        tr = self.tr
        order = shuffled_order(tr.source_tokens)
        other = self.trace_of(" ".join(tr.source_tokens[i] for i in order), tr.model)
        self.order_stage = old = OrderStage(tr, other, order)
        old.end()
        self.title_mob = self.heading(ORDER_TITLE)
        self.note = self.footnote(self.provenance(extra=old.footnote_extra()))
        # the shuffle's row, its chain and the verdict leave; the sentence's row and chain become the relay's
        self.leaving = VGroup(old.bottom, old.tags, *old.chains[1], old.outs, old.finals_mob, old.names,
                              old.verdict_mob, old.key_mob)
        self.add(self.title_mob, self.note, old.top, *old.chains[0], self.leaving)

    def show_setting(self) -> None:
        st, old = self.stage, self.order_stage
        self.beat("read", "Now follow one of them. A recurrent network reads a sentence one word after another, "
                          "keeping a running summary: the hidden state.")
        title, note = self.heading(), self.footnote(self.provenance(extra=st.dims_note()))
        self.play(FadeOut(self.leaving),
                  *fade_replace(self.title_mob, title), *fade_replace(self.note, note), run_time=1.0)
        self.title_mob, self.note = title, note
        cells, batons = old.chains[0]
        self.play(*[Transform(a, b) for a, b in zip(old.top, st.words)],
                  *[Transform(a, b) for a, b in zip(cells, st.cells)],
                  *[Transform(a, b) for a, b in zip(batons, st.batons)], run_time=1.5)
        self.remove(old.top, cells, batons)
        self.add(st.words, st.cells, st.batons)
        rule = st.rule()
        self.play(FadeIn(rule, shift=0.2 * UP), run_time=1.0)
        self.play(Indicate(rule[0][0:2], color=self.theme.encoder), run_time=max(1.0, self.reading_time_left()))

    def move_label(self, t: int, move: float):
        size = max(16, number_min_size())
        return number(f"{move:.2f}", size, self.theme.encoder).next_to(self.stage.columns[t], UP, buff=MOVE_GAP)

    def row_names(self) -> VGroup:
        """What the two rows above the cells are: each column is the state after its word, the number
        above it how far that word moved the state. Left of the first column when there is room,
        else one line above the numbers."""
        th, st = self.theme, self.stage
        moved = label("state moved by", 16, th.encoder)
        state = label("state after\nthis word", 16, th.encoder)
        moved.next_to(self.moves, LEFT, buff=0.3).set_y(self.moves[0].get_y())
        state.next_to(st.columns[0].cells, LEFT, buff=0.3)
        names = VGroup(moved, state)
        if names.get_left()[0] < -6.9 + 0.1:  # no room on the left: one line above the numbers
            names = VGroup(label("columns: the state after each word · numbers: how far that word moved it", 16,
                                 th.encoder).next_to(self.moves, UP, buff=0.2).set_x(0))
        return VGroup(*[inside_margin(n) for n in names])

    def run_relay(self) -> None:
        st, tr, th = self.stage, self.tr, self.theme
        moves = state_moves(tr.encoder_states)
        self.beat("relay", "At each step the cell takes the new word and the state handed over by the cell before, "
                           "mixes them, and passes the new state on, like a baton in a relay race. The colours are "
                           "the trained model's real values: orange above zero, blue below. Above each state: how "
                           "far that word moved it. " + relay_moves_narration(tr.source_tokens, moves)
                           + " Every word changes the state, and the last state must hold all of it.")
        self.moves = VGroup(*[self.move_label(t, m) for t, m in enumerate(moves)])
        self.row_name = self.row_names()
        n = len(tr.source_tokens)
        slow_steps = min(2, n)
        # the steps fill what the narration needs (each step takes about 3.8 × run), leaving time to
        # point at the largest and smallest moves and at every move, then at the last state
        left = self.reading_time_left() - 3.8 * slow_steps - (3.0 if n > 2 else 0.0) - 3.0
        fast = min(1.4, max(0.45, left / (3.8 * max(n - slow_steps, 1))))
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
                # along the arrow, into the cell's edge (not over its name)
                anims.append(baton.animate.move_to(st.cells[t].get_left()).scale(0.3).set_opacity(0))
            self.play(*anims, run_time=run)
            self.remove(emb)
            if t > 0:
                self.remove(baton)
            self.play(st.cells[t].pulse(th.encoder), run_time=run * 0.6)
            col = st.columns[t]
            shown = [FadeIn(self.row_name[-1])] if t == 0 else []
            self.play(GrowFromPoint(col, st.cells[t].get_top()), *shown, run_time=run)
            shown = [FadeIn(self.row_name[0])] if t == 0 and len(self.row_name) > 1 else []
            self.play(FadeIn(self.moves[t], shift=0.15 * UP), *shown, run_time=run * 0.6)
        # the first word's move while its own line is read, the others only once theirs begins
        first_line = until_said(self, "After that")
        if first_line > 0.3:
            self.play(Indicate(self.moves[0], color=th.target, scale_factor=1.3),
                      Indicate(st.words[0], color=th.target), run_time=first_line)
        if n > 2:  # the largest and the smallest later move, as the narration names them
            later = moves[1:]
            for k in (1 + int(later.argmax()), 1 + int(later.argmin())):
                self.play(Indicate(self.moves[k], color=th.target, scale_factor=1.3),
                          Indicate(st.words[k], color=th.target), run_time=1.5)
        # every word changes the state: each move in turn; and the last state must hold all of it
        rest = self.reading_time_left()
        self.play(LaggedStart(*[Indicate(m, color=th.encoder, scale_factor=1.3) for m in self.moves], lag_ratio=0.5),
                  run_time=max(1.0, rest * 0.55))
        # the last state swells and settles (Indicate would paint its cells one colour)
        self.play(st.columns[-1].animate(rate_func=there_and_back).scale(1.08), run_time=max(1.0, self.reading_time_left()))

    def hand_over_last_state(self) -> None:
        st = self.stage
        self.beat("last", "When the sentence ends, only the last state goes on. Everything the network read "
                          "must now fit inside this one vector.")
        box = st.last_box()  # the same box CoreStage.relay_end() draws: the bottleneck starts from it
        # the relay's last picture is CoreStage.relay_end(): the measured moves leave first
        self.play(FadeOut(self.moves), FadeOut(self.row_name), run_time=0.8)
        self.play(Create(box[0]), FadeIn(box[1]), run_time=1.0)
        self.play(*[col.animate.set_opacity(DIM) for col in st.columns[:-1]], run_time=1.2)
        # the box's outline thickens and settles back while the sentence is read (the last picture stays relay_end's)
        self.play(box[0].animate(rate_func=there_and_back).set_stroke(width=9), run_time=max(1.0, self.reading_time_left()))
