"""Length curve (Bahdanau et al. 2014, fig. 2 analogue): accuracy by source length for the models
trained here, from the evaluation stored beside their weights. The gap is the whole argument."""
from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Axes, Create, DashedLine, Dot, FadeIn, Line, Polygon, VGroup

from model.corpus import LENGTH_BUCKETS
from model.trace import model_info
from scenes.kit import ExplainerScene, label


def curve_points(name: str) -> list[tuple[float, float, int]]:
    """(bucket centre in words, exact match in %, sentences) for each length bucket of a model."""
    evaluation = model_info(name)["evaluation"]
    return [((lo + hi) / 2, 100 * evaluation[f"{lo}-{hi}"]["exact_match"], evaluation[f"{lo}-{hi}"]["n"])
            for lo, hi in LENGTH_BUCKETS]


class LengthCurve(ExplainerScene):
    title = "Longer sentences: where the bottleneck breaks"

    def construct(self) -> None:
        self.draw_axes()
        self.plot("plain", self.theme.negative, "the plain model squeezes everything into one vector and falls "
                  "apart as sentences grow")
        self.plot("lstm", self.theme.muted, "the LSTM's cell state helps a little on short sentences, and the "
                  "long ones still fail")
        self.plot_attention()

    def draw_axes(self) -> None:
        self.beat("axes", "How often does each model translate a whole sentence exactly right? We measured it "
                          "on test sentences the models never saw, grouped by length.")
        self.add(self.heading())
        n = curve_points("attention")[0][2]
        self.add(self.footnote(f"exact match on {n} unseen test sentences per length group; real evaluation "
                               f"of the models trained here, stored in assets/models/*.json"))
        self.axes = Axes(x_range=[0, 40, 10], y_range=[0, 100, 20], x_length=9.5, y_length=4.6,
                         axis_config={"color": self.theme.muted, "include_tip": False}).shift(0.2 * DOWN + 0.3 * LEFT)
        ticks = VGroup()
        for x in range(0, 41, 10):
            ticks.add(label(str(x), 20, self.theme.muted).next_to(self.axes.c2p(x, 0), DOWN, buff=0.15))
        for y in range(0, 101, 20):
            ticks.add(label(f"{y}%", 20, self.theme.muted).next_to(self.axes.c2p(0, y), LEFT, buff=0.15))
        x_name = label("source sentence length (words)", 22, self.theme.text).next_to(self.axes, DOWN, buff=0.5)
        y_name = label("sentences translated exactly", 22, self.theme.text).rotate(1.5708)
        y_name.next_to(self.axes, LEFT, buff=0.75)
        self.play(Create(self.axes), FadeIn(ticks), FadeIn(x_name), FadeIn(y_name), run_time=1.5)
        words = len(self.tr.source_tokens)
        marker = DashedLine(self.axes.c2p(words, 0), self.axes.c2p(words, 100), color=self.theme.source,
                            stroke_width=2)
        tag = label(f"your sentence: {words} words", 18, self.theme.source)
        tag.next_to(self.axes.c2p(words, 88), RIGHT if words <= 28 else LEFT, buff=0.1)
        self.labelled: set[tuple[float, int]] = set()  # (x, value) already labelled by an earlier line
        self.play(Create(marker), FadeIn(tag), run_time=0.8)
        self.legend_y = self.axes.c2p(40, 100)[1]

    def line_for(self, name: str, color: str):
        points = [self.axes.c2p(x, y) for x, y, _ in curve_points(name)]
        line = VGroup(*[Line(a, b, color=color, stroke_width=5) for a, b in zip(points, points[1:])])
        dots = VGroup(*[Dot(p, color=color, radius=0.08) for p in points])
        values = VGroup()
        for (x, y, _), p in zip(curve_points(name), points):
            if (x, round(y)) not in self.labelled:  # two models at the same value share one label
                self.labelled.add((x, round(y)))
                side = DOWN + LEFT if name == "plain" else UP + RIGHT  # plain lies lowest: label it below, off its line
                values.add(label(f"{y:.0f}%", 18, color).next_to(p, side, buff=0.05))
        key = label(name, 22, color).move_to([self.axes.get_right()[0] + 1.1, self.legend_y, 0])
        self.legend_y -= 0.45
        return points, line, dots, values, key

    def plot(self, name: str, color: str, narration: str) -> None:
        first, last = curve_points(name)[0][1], curve_points(name)[-1][1]
        self.beat(name, f"The {name} model: {first:.0f}% of the shortest sentences come out exactly right, "
                        f"{last:.0f}% of the longest. {narration[0].upper() + narration[1:]}.")
        points, line, dots, values, key = self.line_for(name, color)
        self.play(FadeIn(key), Create(dots, lag_ratio=0.3), Create(line, lag_ratio=0.3), run_time=1.8)
        self.play(FadeIn(values), run_time=0.6)
        setattr(self, f"{name}_points", points)

    def plot_attention(self) -> None:
        last = curve_points("attention")[-1][1]
        self.beat("attention", f"With attention the decoder looks back at every word, and the curve stays flat: "
                               f"{last:.0f}% even for sentences of 31 to 40 words. The shaded gap is why "
                               "attention was needed.")
        points, line, dots, values, key = self.line_for("attention", self.theme.alpha)
        gap = Polygon(*points, *reversed(self.plain_points), stroke_width=0, fill_color=self.theme.alpha,
                      fill_opacity=0.18)
        self.play(FadeIn(key), Create(dots, lag_ratio=0.3), Create(line, lag_ratio=0.3), run_time=1.8)
        self.play(FadeIn(values), FadeIn(gap), run_time=1.0)
        self.wait(2.0)
