"""RNN relay (article fig. 5): the encoder reads one word at a time; each state leaves its cell
along the arrow and enters the next cell with the next word, where the next state is made."""
from __future__ import annotations

from manim import DOWN, UP, Create, FadeIn, FadeOut, GrowArrow, GrowFromPoint, Indicate, ReplacementTransform

from scenes.kit import ExplainerScene, label
from scenes.kit.stage import DIM, RELAY_TITLE, CoreStage

# what the cell drawn "GRU" is, and what "plain" means in this film (said once, here)
GRU_NOTE_SAID = (" Our cell is a GRU, a small gated recurrent cell from 2014. In this film 'plain' means "
                 "no attention, not no gates.")
GRU_NOTE_SHOWN = "GRU: a small gated recurrent cell (2014) · \u201cplain\u201d in this film = no attention"


class RNNRelay(ExplainerScene):
    title = RELAY_TITLE

    def construct(self) -> None:
        self.stage = CoreStage(self.tr)
        self.show_setting()
        self.run_relay()
        self.hand_over_last_state()

    def show_setting(self) -> None:
        st = self.stage
        gru = st.kind == "GRU"
        self.beat("read", "A recurrent network reads a sentence one word after another, keeping a running "
                          "summary: the hidden state." + (GRU_NOTE_SAID if gru else ""))
        self.add(self.heading(), self.footnote(self.provenance(extra=st.dims_note())))
        rule = st.rule()
        self.play(FadeIn(st.words, lag_ratio=0.15), run_time=1.2)
        self.play(FadeIn(st.cells, lag_ratio=0.1), FadeIn(st.batons, lag_ratio=0.1), run_time=1.2)
        self.play(FadeIn(rule, shift=0.2 * DOWN), run_time=1.0)
        if gru:  # said once: the "plain" model has gates too; what it lacks is attention
            note = label(GRU_NOTE_SHOWN, 20, self.theme.muted).next_to(rule, DOWN, buff=0.2)
            self.play(FadeIn(note), run_time=0.8)
            self.gru_note = note
            # while the note is read: each drawn cell is that GRU, lit in turn
            each = max(0.3, (self.reading_time_left() - 1.2) / len(st.cells))
            for cell in st.cells:
                self.play(cell.pulse(self.theme.encoder, 1.08), run_time=each)
        self.play(Indicate(rule[0][0:2], color=self.theme.encoder), run_time=1.0)

    def run_relay(self) -> None:
        st, tr = self.stage, self.tr
        self.beat("relay", "At each step the cell takes the new word and the state handed over by the cell before, "
                           "mixes them, and passes the new state on, like a baton in a relay race. The colours are "
                           "the trained model's real values: orange above zero, blue below.")
        n = len(tr.source_tokens)
        slow_steps = min(2, n)
        # later steps share what the narration still needs (each step takes about 3.2 × run)
        fast = min(1.0, max(0.45, (self.reading_time_left() - 3.2 * slow_steps - 0.5) / (3.2 * max(n - slow_steps, 1))))
        for t in range(n):
            run = 1.0 if t < slow_steps else fast
            # the word's input vector rises into the cell; the previous state travels along the arrow
            emb = st.embedding(t)
            start = emb.copy().move_to(st.words[t].get_top() + 0.12 * UP).scale(0.6)
            anims = [GrowArrow(st.word_arrows[t]), Indicate(st.words[t], color=self.theme.source, scale_factor=1.15),
                     ReplacementTransform(start, emb.move_to(st.cells[t].get_center()).scale(0.5))]
            if t > 0:
                baton = st.columns[t - 1].cells.copy().set_opacity(1)
                self.play(baton.animate.scale(0.45).move_to(st.cells[t - 1].get_right()), run_time=run * 0.6)
                anims.append(baton.animate.move_to(st.cells[t].get_center()).scale(0.5).set_opacity(0))
            self.play(*anims, run_time=run)
            self.remove(emb)
            if t > 0:
                self.remove(baton)
            self.play(st.cells[t].pulse(self.theme.encoder), run_time=run * 0.6)
            col = st.columns[t]
            self.play(GrowFromPoint(col, st.cells[t].get_top()), run_time=run)

    def hand_over_last_state(self) -> None:
        st = self.stage
        self.beat("last", "When the sentence ends, only the last state goes on. Everything the network read "
                          "must now fit inside this one vector.")
        box = st.last_box()  # the same box CoreStage.relay_end() draws: the bottleneck starts from it
        self.play(Create(box[0]), FadeIn(box[1]), run_time=1.0)
        gone = [FadeOut(self.gru_note)] if hasattr(self, "gru_note") else []  # the bottleneck starts without it
        self.play(*[col.animate.set_opacity(DIM) for col in st.columns[:-1]], *gone, run_time=1.2)
        self.wait(1.0)
