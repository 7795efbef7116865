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
    ReplacementTransform,
    SurroundingRectangle,
    Transform,
    VGroup,
    there_and_back,
)

from scenes.kit import ExplainerScene, label
from scenes.kit.claims import relay_moves_narration, state_moves
from scenes.kit.layout import inside_margin
from scenes.kit.mobjects import fade_replace, number, number_min_size
from scenes.kit.order_stage import ORDER_TITLE, OrderStage, shuffled_order
from scenes.kit.stage import DIM, RELAY_TITLE, CoreStage

WALK_STEP = 1.5  # seconds the frame walking over the states spends on each
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

    def run_relay(self) -> None:
        st, tr, th = self.stage, self.tr, self.theme
        moves = state_moves(tr.encoder_states)
        self.beat("relay", "At each step the cell takes the new word and the state handed over by the cell before, "
                           "mixes them, and passes the new state on, like a baton in a relay race. The colours are "
                           "the trained model's real values: orange above zero, blue below. Above each state: how "
                           "far that word moved it. " + relay_moves_narration(tr.source_tokens, moves)
                           + " Every word changes the state, and the last state must hold all of it.")
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
                # along the arrow, into the cell's edge (not over its name)
                anims.append(baton.animate.move_to(st.cells[t].get_left()).scale(0.3).set_opacity(0))
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
        # the relay's last picture is CoreStage.relay_end(): the measured moves leave first
        self.play(FadeOut(self.moves), FadeOut(self.row_name), run_time=0.8)
        self.play(Create(box[0]), FadeIn(box[1]), run_time=1.0)
        self.play(*[col.animate.set_opacity(DIM) for col in st.columns[:-1]], run_time=1.2)
        # the box's outline thickens and settles back while the sentence is read (the last picture stays relay_end's)
        self.play(box[0].animate(rate_func=there_and_back).set_stroke(width=9), run_time=max(1.0, self.reading_time_left()))
