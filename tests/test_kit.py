"""The kit's mobjects show what they are given: change a value, see the picture change."""
import numpy as np
import pytest
from manim import DOWN, LEFT, RIGHT, UP, Line, ManimColor, Square, Text, VGroup, config

from scenes.kit import (
    AlphaFan,
    Heatmap,
    ProbabilityBars,
    StateColumn,
    TokenRow,
    current,
    use_theme,
    value_to_color,
    weight_to_color,
)
from scenes.kit.layout import min_digit_height, px_at_1080p
from scenes.kit.mobjects import number
from scenes.kit.scene import _split_caption, layout_problems, readable_names


def distance(a, b) -> float:
    return float(np.abs(ManimColor(a).to_rgb() - ManimColor(b).to_rgb()).sum())


def test_theme_is_resolved_when_used():
    assert current().name == "dark"
    with use_theme("light"):
        assert current().name == "light"
        light_zero = value_to_color(0.0, 1.0)
    assert current().name == "dark"
    assert distance(light_zero, value_to_color(0.0, 1.0)) > 0.5
    with pytest.raises(ValueError, match="unknown theme"), use_theme("neon"):
        pass


def test_value_to_color_diverges_around_zero_with_a_fixed_range():
    th = current()
    assert distance(value_to_color(0.0, 1.0), th.panel) < 1e-6
    assert distance(value_to_color(1.0, 1.0), th.positive) < 1e-6
    assert distance(value_to_color(-1.0, 1.0), th.negative) < 1e-6
    assert distance(value_to_color(5.0, 1.0), th.positive) < 1e-6  # clipped to the range
    weak, strong = value_to_color(0.2, 1.0), value_to_color(0.8, 1.0)
    assert distance(weak, th.panel) < distance(strong, th.panel)
    assert distance(weight_to_color(0.9), th.alpha) < distance(weight_to_color(0.1), th.alpha)


def test_state_column_colours_follow_its_values():
    values = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    col = StateColumn(values, 1.0)
    assert col.cell_colors() == [value_to_color(v, 1.0).to_hex() for v in values]
    changed = values.copy()
    changed[1] = 0.9
    col2 = StateColumn(changed, 1.0)
    assert col2.cell_colors()[1] != col.cell_colors()[1] and col2.cell_colors()[0] == col.cell_colors()[0]
    assert col.hidden == 0 and len(col.note) == 0


def test_state_column_says_how_many_dimensions_it_hides():
    col = StateColumn(np.linspace(-1, 1, 64), 1.0, dims=np.arange(8), numbers=True)
    assert len(col.cells) == 8 and col.hidden == 56
    assert any(isinstance(m, Text) and "56" in m.text for m in col.note)
    assert [n.text for n in col.numbers][:2] == [f"{v:+.2f}" for v in np.linspace(-1, 1, 64)[:2]]


def test_alpha_fan_width_and_opacity_grow_with_alpha():
    targets = [np.array([x, -2.0, 0.0]) for x in (-1.0, 0.0, 1.0)]
    fan = AlphaFan(np.array([0.0, 2.0, 0.0]), targets, np.array([0.1, 0.2, 0.7]))
    widths = [line.get_stroke_width() for line in fan.lines]
    opacities = [line.get_stroke_opacity() for line in fan.lines]
    assert widths[0] < widths[1] < widths[2] and opacities[0] < opacities[1] < opacities[2]
    assert [t.text for t in fan.labels] == ["10%", "20%", "70%"]
    fan2 = AlphaFan(np.array([0.0, 2.0, 0.0]), targets, np.array([0.7, 0.2, 0.1]))
    assert fan2.lines[0].get_stroke_width() == pytest.approx(widths[2])


def test_heatmap_cell_colour_tracks_alpha():
    m = np.array([[0.9, 0.1], [0.2, 0.8]])
    h1 = Heatmap(m, ["a", "b"], ["x", "y"])
    m2 = m.copy()
    m2[0] = [0.1, 0.9]
    h2 = Heatmap(m2, ["a", "b"], ["x", "y"])
    c = lambda h, i, j: h.cell(i, j).get_fill_color().to_hex()
    assert c(h1, 0, 0) != c(h2, 0, 0) and c(h1, 1, 1) == c(h2, 1, 1)
    assert c(h1, 0, 0) == c(h2, 0, 1)  # same α, same colour
    assert "90" in [v.text for v in h1.values]


def test_probability_bars_are_proportional():
    bars = ProbabilityBars(["la", "le"], np.array([0.75, 0.25]), width=4.0)
    assert bars.bars[0].width == pytest.approx(3.0) and bars.bars[1].width == pytest.approx(1.0)


def test_token_row_staggers_words_that_do_not_fit():
    narrow = TokenRow(["european", "economic", "area", "the"], width=3.0, stagger=True)
    assert narrow.staggered and narrow[1].get_y() < narrow[0].get_y()
    wide = TokenRow(["the", "cat"], width=6.0, stagger=True)
    assert not wide.staggered
    assert wide[0].baseline() == pytest.approx(wide[1].baseline())


def test_token_row_sets_every_word_of_a_sentence_in_one_type_size():
    """'the' must not stand larger than 'european': the widest word sets one size for all."""
    row = TokenRow(["the", "european", "economic", "area"], width=4.0)
    assert row.font_size < 26
    sizes = [w.font_size for w in row]
    assert max(sizes) == pytest.approx(min(sizes), rel=1e-3) == pytest.approx(row.font_size, rel=1e-3)
    heights = [w.height for w in TokenRow(["area", "area", "european"], width=3.0)]
    assert heights[0] == pytest.approx(heights[1])
    roomy = TokenRow(["the", "cat"], width=6.0)
    assert roomy.font_size == 26 and roomy[0].font_size == pytest.approx(roomy[1].font_size)


def test_numbers_vanish_when_dimmed_instead_of_staying_as_ghosts():
    n = number("+0.53")
    group = VGroup(Square(), n)
    group.set_opacity(0.3)
    assert n.get_fill_opacity() == 0 and group[0].get_fill_opacity() == pytest.approx(0.3)
    group.set_opacity(1)
    assert n.get_fill_opacity() == 1


def test_layout_check_fails_text_near_the_frame_edge():
    edge = config.frame_width / 2
    assert layout_problems([Text("ok").move_to([edge - 1.0, 0, 0])]) == []
    near = Text("near").set_x(0).to_edge(RIGHT, buff=0.1)
    assert any("near the edge" in p for p in layout_problems([near]))
    low = Text("low").to_edge(DOWN, buff=0.18)  # where footnotes used to sit
    assert any("near the edge" in p for p in layout_problems([low]))


def test_layout_check_fails_a_number_smaller_than_a_20px_font_at_1080p():
    assert px_at_1080p(min_digit_height()) == pytest.approx(20 * 0.729, rel=1e-3)
    assert layout_problems([number("0.53", 14)]) == []
    tiny = number("0.53", 14).scale(0.5)
    assert any("number too small" in p for p in layout_problems([tiny]))
    assert any("number too small" in p for p in layout_problems([Text("98%", font_size=8)]))
    assert layout_problems([Text("step", font_size=8)]) == []  # words are not numbers


def test_layout_check_fails_a_readable_ghost_number():
    ghost = Text("0.53", font_size=24).set_opacity(0.3)
    assert any("ghost number" in p for p in layout_problems([ghost]))
    assert layout_problems([number("0.53", 24).set_opacity(0.3)]) == []  # the kit's numbers vanish


def test_layout_check_fails_a_line_drawn_through_a_number():
    value = number("0.53", 24)
    through = Line(value.get_left() + 0.5 * LEFT, value.get_right() + 0.5 * RIGHT)
    assert any("line through a number" in p for p in layout_problems([value, through]))
    above = Line(value.get_top() + 0.2 * UP + LEFT, value.get_top() + 0.2 * UP + RIGHT)
    into = Line(value.get_top() + UP, value.get_top() + 0.05 * UP)  # an arrow stopping just above it
    assert layout_problems([value, above, into]) == []
    faint = through.copy().set_stroke(opacity=0)
    assert layout_problems([value, faint]) == []
    cell = Square(side_length=1.0, fill_opacity=1, stroke_width=0).move_to(value)  # a state's cell on top
    assert layout_problems([through, cell, value]) == []
    assert any("line through a number" in p for p in layout_problems([cell, value, through]))


def test_narration_is_split_and_timed_over_the_beat():
    text = ("First sentence is short. The second one is quite a lot longer, and it goes on, and on, "
            "with commas in it, so that it has to be split somewhere near the middle.")
    pieces = list(_split_caption(text, 2.0, 12.0))
    assert pieces[0][0] == pytest.approx(2.0) and pieces[-1][1] == pytest.approx(12.0)
    assert all(len(p) <= 90 for _, _, p in pieces) and " ".join(p for _, _, p in pieces) == text


def test_subtitles_show_names_as_unicode_subscripts_not_tex():
    text = "a new s_{i-1}, one number e_1j (e_ij) per word; the sum c_i, then h_T and snake_case"
    assert readable_names(text) == "a new sᵢ₋₁, one number e₁ⱼ (eᵢⱼ) per word; the sum cᵢ, then h_T and snake_case"
    assert readable_names("no names here") == "no names here"


def test_recording_script_reads_like_the_subtitles():
    from output.voice import Beat, write_script
    text = write_script([Beat("attention-weights", "sum", "The sum, c_i, is the context.", 3.0)], None)
    assert "The sum, cᵢ, is the context." in text and "c_i" not in text


def test_layout_checker_catches_off_frame_and_overlapping_text():
    inside = Square(side_length=1)
    assert layout_problems([inside]) == []
    outside = Square(side_length=1).shift(8 * np.array([1.0, 0, 0]))
    assert any("off frame" in p for p in layout_problems([outside]))
    a, b = Text("hello"), Text("hello")
    assert any("overlap" in p for p in layout_problems([a, b]))
    assert layout_problems([Text("left").shift(3 * np.array([-1.0, 0, 0])), Text("right").shift(3 * np.array([1.0, 0, 0]))]) == []


def test_alpha_fan_can_keep_the_smallest_weights_visible():
    targets = [np.array([x, -2.0, 0.0]) for x in (-1.0, 1.0)]
    fan = AlphaFan(np.array([0.0, 2.0, 0.0]), targets, np.array([0.001, 0.999]), min_width=2.0, min_opacity=0.45)
    assert fan.lines[0].get_stroke_width() >= 2.0 and fan.lines[0].get_stroke_opacity() >= 0.45
    assert fan.lines[1].get_stroke_width() > fan.lines[0].get_stroke_width()
    assert [t.text for t in fan.labels] == ["<1%", ">99%"]  # rounding never claims all of it


def test_fade_replace_never_shows_both_numbers_at_once():
    from scenes.kit import fade_replace

    old, new = Text("+12.1"), Text("<1%")
    out, into = fade_replace(old, new)
    for anim in (out, into):
        anim.begin()
    for alpha, (old_seen, new_seen) in ((0.25, (True, False)), (0.5, (False, False)), (0.75, (False, True))):
        out.interpolate(alpha)
        into.interpolate(alpha)
        seen = tuple(bool(m[0].get_fill_opacity() > 0.05) for m in (old, new))  # a glyph of each
        assert seen == (old_seen, new_seen), alpha


def test_a_word_flow_past_its_lines_ends_in_a_count_of_the_words_left_out():
    from scenes.kit import WordFlow, wrong_in_red

    words = ["banque", "ville", "longues", "européennes"] * 12
    whole = WordFlow(words, width=4.0, font_size=22)
    flow = WordFlow(words, width=4.0, font_size=22, max_lines=3)
    assert whole.more is None and whole.hidden == 0 and len(whole) == len(words)
    assert len(flow.words) + flow.hidden == len(words) and flow.hidden > 0
    assert flow.more.text.startswith(f"…+{flow.hidden}words") and flow.more in flow.submobjects
    assert flow.height < whole.height / 3 and flow.width <= 4.0 + 1e-6
    assert WordFlow(words[:3], width=4.0, font_size=22, max_lines=3).more is None
    th = current()
    assert wrong_in_red(["le", "chat"], ["le", "banque", "<eos>"], th.target) == [th.target, th.wrong, th.target]
    assert wrong_in_red(None, ["banque"], th.target) == [th.target]


def test_heatmap_numbers_round_as_the_narration_does():
    """A cell prints what percent() says elsewhere in the film: 0.8% is '1' (the bahdanau scene says
    1%), 0.4% prints nothing ('<1%'), 99.7% is '>99', never a misleading '100'."""
    m = np.array([[0.008, 0.004, 0.988], [0.003, 0.997, 0.0]])
    texts = [v.text for v in Heatmap(m, ["a", "b"], ["x", "y", "z"]).values]
    assert texts == ["1", "99", ">99"]
