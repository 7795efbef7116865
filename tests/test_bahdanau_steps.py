"""bahdanau-steps' computed narration (one unit of the score, the end token's weights) and where its
later steps put c_i: each claim tested on data where it holds and where it does not."""
from __future__ import annotations

import numpy as np
import pytest

from scenes.bahdanau_steps import eos_narration, gap_share, pick_unit, shown_digits, unit_narration


def test_the_unit_shown_is_one_that_adds_for_the_high_word_and_subtracts_for_the_low():
    high = np.array([2.0, 0.9, 0.4, 0.1])
    low = np.array([1.5, -0.6, -0.5, 0.0])
    assert pick_unit(high, low) == 1                    # unit 0 differs less (0.5) and flips no sign
    # false: no unit flips sign, so the one that favours the high word most is shown
    assert pick_unit(np.array([2.0, 0.9]), np.array([1.0, 0.5])) == 0


def test_the_unit_is_said_as_its_signs_are():
    high, low = np.array([1.12, 17.2]), np.array([-0.64, 9.5])    # sums +18.3 and +8.9

    def said(*args):
        return " ".join(unit_narration(*args))

    text = said(high, low, -1.16, 0, 2, "economic", "the")
    assert text.startswith("Why does 'economic' score +18.3 and 'the' only +8.9? The score adds up 2 terms, one per "
                           "unit; take unit 1: it gives 1.76 of the 9.5-point gap, and unit 2 gives more, 7.70; no "
                           "unit gives it alone. W s_2 is the same for both words")
    assert text.endswith("v_1 is negative: the term adds when tanh is negative, +1.12 for 'economic', and subtracts "
                         "for 'the', -0.64.")
    assert "v_1 is positive" in said(high, low, 0.8, 0, 2, "economic", "the")
    # false: the unit adds for both words, or for neither; it is never said to subtract then
    both = said(np.array([1.1, 17.2]), np.array([0.3, 8.6]), 1.0, 0, 2, "economic", "the")
    assert "subtracts" not in both and "for both words here, more for 'economic', +1.10, than for 'the', +0.30." in both
    neither = said(np.array([-0.2, 18.5]), np.array([-0.9, 9.8]), 1.0, 0, 2, "economic", "the")
    assert "subtracts" not in neither and "here it is not for either word, and 'the' loses more, -0.90 against -0.20." \
        in neither
    # false: the high word's term is the one that subtracts
    against = said(np.array([-0.5, 18.8]), np.array([0.4, 8.5]), 1.0, 0, 2, "economic", "the")
    assert against.endswith("for 'the', +0.40, and subtracts for 'economic', -0.50.")


def test_the_unit_is_said_as_one_share_of_the_gap_never_as_all_of_it():
    high = np.array([1.12, 0.9, 0.8, 15.5])
    low = np.array([-0.64, 0.0, 0.1, 9.4])           # differences 1.76, 0.9, 0.7, 6.1: gap 9.46
    assert gap_share(high, low, 3) == ("of the 4, unit 4 gives the most, only 6.10 of the 9.5-point gap; the other 3 "
                                       "give the rest. Take that unit.")
    # false: the unit shown is not the largest share, and the largest is named
    assert gap_share(high, low, 0) == ("take unit 1: it gives 1.76 of the 9.5-point gap, and unit 4 gives more, 6.10; "
                                       "no unit gives it alone.")
    # false: one unit gives the whole gap (the others cancel out): then it is said to
    alone = gap_share(np.array([5.0, -1.0]), np.array([0.0, 0.0]), 0)
    assert alone == "unit 1 alone gives 5.00 of the 4.0-point gap; take it." and "the rest" not in alone
    assert "more than the whole gap" in gap_share(np.array([0.5, 5.0, -2.0]), np.array([0.0, 0.0, 0.0]), 0)
    # false: the unit shown works against the high word
    assert gap_share(np.array([-0.5, 3.0]), np.array([0.0, 0.0]), 0).startswith("take unit 1: it gives -0.50 to the")


def test_the_shown_tanh_times_v_rounds_to_the_shown_term():
    assert shown_digits([0.4627, -0.9068], 1.2790, [0.5918, -1.1598]) == 2
    # false at 2 decimals: -0.96 × -1.16 = +1.11, but the term is +1.12
    assert shown_digits([-0.95997, 0.55137], -1.16352, [1.11695, -0.64153]) == 3
    # false at 2 decimals: a tanh of 0.9977 would read as +1.00, which tanh never reaches
    assert shown_digits([-0.2, 0.9977], 1.0, [-0.2, 0.9977]) == 3


def test_the_end_token_is_said_to_share_100_percent_as_its_weights_do():
    text = eos_narration(np.array([0.906, 0.039, 0.005, 0.05]), ["the", "european", "economic", "area"])
    assert text.endswith("add up to 100%: 91% of them go to 'the'.")
    # false: no word takes most of it, so none is said to
    spread = eos_narration(np.array([0.21, 0.24, 0.2, 0.35]), ["a", "b", "c", "d"])
    assert "go to" not in spread and "spread out, and the largest share, 35%, goes to 'd'." in spread


def test_later_steps_put_c_i_off_every_fan_line_where_there_is_room():
    from model.trace import DEFAULT_SENTENCE, trace
    from scenes.kit.attention_picture import AttentionPicture

    tr = trace(DEFAULT_SENTENCE, model="attention")
    pic = AttentionPicture(tr)
    columns = pic.lowered_columns()
    last = len(tr.target_tokens) - 1
    fan = pic.fan(last, columns)   # the last picture (the next chapter opens on it) is as without the option
    assert pic.context(last, fan).get_center() == pytest.approx(pic.context(last, fan, off_every_line=True).get_center())
    moved = 0
    for i in range(pic.step + 1, last):
        fan = pic.fan(i, columns)
        box = pic.context(i, fan, off_every_line=True)[0]
        (x0, y0, _), (x1, y1, _) = box.get_corner([-1, -1, 0]), box.get_corner([1, 1, 0])
        for line in fan.lines:
            a, b = line.get_start(), line.get_end()
            assert not any(x0 < p[0] < x1 and y0 < p[1] < y1 for p in (a + t * (b - a) for t in np.linspace(0, 1, 200)))
        moved += not np.allclose(box.get_center(), pic.context(i, fan)[0].get_center())
    assert moved, "the example has a later step whose default spot a thin line crosses"
