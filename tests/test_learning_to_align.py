"""The learning-to-align narration is computed from the checkpoints' traces: each claim is tested
against traces where it holds and where it does not."""
from __future__ import annotations

import numpy as np

from model.trace import Trace
from scenes.learning_to_align import (
    Checkpoint,
    attention_first,
    attention_first_narration,
    bridge_narration,
    early_narration,
    end_narration,
    fan_step,
    first_exact,
    gathering_from,
    kept_narration,
    learning_narration,
    matched_rows,
    mean_peak,
    output_count,
    right_narration,
    shown_checkpoints,
    start_narration,
    wrong_words,
)

SOURCE = ("the", "european", "economic", "area")
REFERENCE = ("la", "zone", "économique", "européenne")


def fake_trace(attention: np.ndarray, output: tuple[str, ...], reference=REFERENCE) -> Trace:
    t, s = attention.shape
    z = np.zeros((1, 1), dtype=np.float32)
    return Trace(model="attention", sha256="0" * 64, sentence=" ".join(SOURCE), source_tokens=SOURCE,
                 target_tokens=(*output, "<eos>"), reference_tokens=reference, source_embeddings=z,
                 encoder_states=np.zeros((s, 2), np.float32), encoder_cells=None, encoder_gates=None,
                 context=np.zeros(2, np.float32), influence=np.ones(s, np.float32),
                 decoder_states=np.zeros((t, 2), np.float32), attention=attention.astype(np.float32),
                 attention_scores=attention.astype(np.float32), step_contexts=np.zeros((t, 2), np.float32),
                 top_tokens=tuple(("x",) * 5 for _ in range(t)), top_probs=np.ones((t, 5), np.float32))


def uniform(rows: int = 5) -> np.ndarray:
    return np.full((rows, 4), 0.25)


def aligned(order=(0, 3, 2, 1, 3)) -> np.ndarray:
    m = np.full((len(order), 4), 0.01)
    for i, j in enumerate(order):
        m[i, j] = 0.97
    return m


def ckpt(tr: Trace, step: int, exact: float = 0.5, longest: float = 0.1) -> Checkpoint:
    return Checkpoint(trace=tr, step=step, exact_match=exact, test_sentences=1000, longest_bucket="31-40",
                      longest_exact=longest)


def test_an_even_start_is_called_spread_and_a_peaked_one_is_not():
    spread = ckpt(fake_trace(uniform(), ("la", "la", "la", "la")), 0)
    text = start_narration(spread, "English", "French")
    assert "spreads its weight" in text and "25%" in text
    assert "3 of them wrong" in text
    all_wrong = ckpt(fake_trace(uniform(), ("le", "le", "le", "le")), 0)
    assert "all wrong" in start_narration(all_wrong, "English", "French")
    peaked = ckpt(fake_trace(aligned(), ("la", "la", "la", "la")), 0)
    text = start_narration(peaked, "English", "French")
    assert "spreads" not in text and "uneven" in text


def test_special_tokens_in_the_output_are_not_counted_as_words():
    """An untrained model writes '<sos>': the output is counted in tokens, and the words among them."""
    with_sos = ckpt(fake_trace(uniform(), ("le", "<sos>", "le", "le")), 0)
    text = start_narration(with_sos, "English", "French")
    assert "4 tokens (3 words and '‹sos›'), all wrong" in text and "4 words" not in text   # as on screen
    assert output_count(("<sos>", "le", "<sos>", "<unk>")) == "4 tokens (1 word and 3 special tokens ('‹sos›' and '‹unk›'))"
    assert output_count(("le", "le")) == "2 words" and output_count(("le",)) == "1 word"
    words_only = start_narration(ckpt(fake_trace(uniform(), ("le", "le", "le", "le")), 0), "English", "French")
    assert "4 words, all wrong" in words_only and "token" not in words_only


def test_a_start_that_is_already_right_says_so():
    right = ckpt(fake_trace(uniform(), REFERENCE), 0)
    text = start_narration(right, "English", "French")
    assert "already writes the right translation" in text and "wrong" not in text


def test_without_a_reference_no_words_are_counted_wrong():
    tr = fake_trace(uniform(), ("die", "zone"), reference=None)
    assert wrong_words(tr) is None
    assert "wrong" not in start_narration(ckpt(tr, 0), "English", "German")


def test_sharpening_and_the_first_right_step_are_computed():
    story = [ckpt(fake_trace(uniform(), ("la",) * 4), 0), ckpt(fake_trace(aligned(), REFERENCE), 40, exact=0.6),
             ckpt(fake_trace(aligned(), REFERENCE), 400, exact=0.99)]
    assert "gather on fewer and fewer words" in learning_narration(story)
    text = right_narration(story)
    assert "From the checkpoint at step 40 on" in text and "60%" in text
    # sharper at the end, but not at every checkpoint: 'fewer and fewer' would be untrue
    wobbly = [story[0], story[1], ckpt(fake_trace(uniform(), ("la",) * 4), 200), story[2]]
    assert "though not at every checkpoint" in learning_narration(wobbly)
    assert "fewer and fewer" not in learning_narration(wobbly)
    assert first_exact(story).step == 40


def test_no_sharpening_and_never_right_are_said_as_they_are():
    story = [ckpt(fake_trace(uniform(), ("la",) * 4), 0), ckpt(fake_trace(uniform(), ("le",) * 4), 40)]
    assert "change little" in learning_narration(story) and "gather" not in learning_narration(story)
    assert "None of the kept checkpoints" in right_narration(story)
    spreading = [story[1], ckpt(fake_trace(aligned(), REFERENCE), 0)][::-1]
    assert "spread out rather than sharpen" in learning_narration(spreading)


def test_a_sentence_right_then_wrong_then_right_counts_from_the_last_time_it_became_right():
    story = [ckpt(fake_trace(aligned(), REFERENCE), 0), ckpt(fake_trace(aligned(), ("la",) * 4), 10),
             ckpt(fake_trace(aligned(), REFERENCE), 20)]
    assert first_exact(story).step == 20


def test_the_rise_of_the_longest_is_said_last_and_only_when_there_is_one():
    first = ckpt(fake_trace(uniform(), ("la",) * 4), 0, longest=0.0)
    last = ckpt(fake_trace(aligned(), REFERENCE), 99, longest=0.97)
    text = end_narration([first, last], "English", "French")
    assert "After 99 steps" in text and "97%" in text and "rose" not in text
    # the heatmap chapter's order rule is not repeated here
    assert "reverse order" not in text and "cross" not in text
    bridge = bridge_narration([first, last], 4)
    assert bridge.startswith("The exact-match figure under the title counts")   # named, not "the figure above"
    assert "rose from 0% to 97%" in bridge and "this one has 4 words" in bridge and "all 1000 test sentences" in bridge
    assert "On the longest, of 31-40 words" in bridge   # how many: said only when the card records it
    counted = ckpt(last.trace, 99, longest=0.97)
    counted = Checkpoint(**{**counted.__dict__, "longest_n": 250})
    assert "On the 250 longest, of 31-40 words" in bridge_narration([first, counted], 1)
    assert "this one has 1 word." in bridge_narration([first, counted], 1)
    flat = [ckpt(first.trace, 0, longest=0.5), ckpt(last.trace, 99, longest=0.5)]
    assert bridge_narration(flat, 4) == ""


def test_gather_is_said_from_the_checkpoint_where_it_becomes_true():
    spread = ckpt(fake_trace(uniform(), ("la",) * 4), 0)
    story = [spread, ckpt(spread.trace, 10), ckpt(spread.trace, 20), ckpt(fake_trace(aligned(), REFERENCE), 30),
             ckpt(fake_trace(aligned(), REFERENCE), 40)]
    assert gathering_from(story) == 3
    assert early_narration(story, 3) == ("Up to training step 20, the weights stay spread: the largest weight "
                                         "averages at most 25%.")
    # false: the first checkpoint after the start already gathers, so no "stay spread" is said
    quick = [spread, story[3], story[4]]
    assert gathering_from(quick) == 1 and early_narration(quick, 1) == ""


def test_mean_peak_and_fan_step():
    assert abs(mean_peak(fake_trace(uniform(), ("la",) * 4)) - 0.25) < 1e-6
    # the example: 'zone' (step 1) stands for 'area' (3), whose link crosses those of 'economic' and 'european'
    assert fan_step(fake_trace(aligned(), REFERENCE)) == 1
    # a monotone alignment with nothing shared or split: the first step
    assert fan_step(fake_trace(aligned((0, 1, 2, 3, 3)), REFERENCE)) == 0


def test_the_narrated_average_leaves_the_end_row_out():
    """The average said (and shown under the sweep) covers the written words, not '<eos>'."""
    m = aligned()
    m[4] = 0.25          # the <eos> row: spread
    tr = fake_trace(m, REFERENCE)
    assert abs(mean_peak(tr) - 0.97) < 1e-6
    story = [ckpt(fake_trace(uniform(), ("la",) * 4), 0), ckpt(tr, 400)]
    assert "puts 97% of its weight" in end_narration(story, "English", "French")


def story_ending_in(final: Trace, *earlier: Trace) -> list[Checkpoint]:
    return [ckpt(tr, 10 * (k + 1)) for k, tr in enumerate(earlier)] + [ckpt(final, 999)]


def test_the_look_back_finds_attention_right_before_the_words():
    """Checkpoint 1020's shape: most steps look where the final model's same step looks, at different
    words, while every word is wrong."""
    final = fake_trace(aligned((0, 3, 2, 1, 3)), REFERENCE)
    early = fake_trace(aligned((2, 3, 2, 0)), ("les", "villes", "économiques"))
    story = story_ending_in(final, fake_trace(uniform(), ("le",) * 4), early)
    assert matched_rows(final, early) == [1, 2]
    assert attention_first(story) is story[1]
    text = attention_first_narration(story)
    assert text.startswith("Back to training step 20. At 2 of its 3 words, attention already looks hardest")
    assert "'villes' puts 97% on 'area', 'économiques' 97% on 'economic'" in text
    assert "Yet all 3 of its words still differ from the reference translation" in text
    assert "wrong" not in text   # 'économiques' is off by its plural only: not called wrong
    # without a reference: counted against the final model's words, said so
    bare = [ckpt(c.trace.__class__(**{**c.trace.__dict__, "reference_tokens": None}), c.step) for c in story]
    assert "Yet all 3 of its words still differ from the final model's words" in attention_first_narration(bare)


def test_no_look_back_claim_where_attention_is_not_right_before_the_words():
    final = fake_trace(aligned((2, 2, 3, 2, 0)), REFERENCE)
    # every step on one word: three of four steps match the final model's by coincidence, not by looking
    one_word = fake_trace(aligned((2, 2, 2, 2, 2)), ("les", "villes", "économiques", "européennes"))
    assert len(matched_rows(final, one_word)) == 3 and attention_first(story_ending_in(final, one_word)) is None
    # only a minority of steps match
    minority = fake_trace(aligned((0, 2, 3, 0, 0)), ("les", "villes", "économiques", "européennes"))
    assert attention_first(story_ending_in(final, minority)) is None
    # attention right but the words right too: not "before the words"
    right = fake_trace(aligned((2, 2, 3, 2, 0)), REFERENCE)
    assert attention_first(story_ending_in(final, right)) is None
    # a near-even split that peaks on the right word is not looking there
    even = uniform()
    even[:, 2] += 0.01
    assert matched_rows(final, fake_trace(even, ("le",) * 4)) == []
    text = attention_first_narration(story_ending_in(final, one_word, minority, right))
    assert text == "At no kept checkpoint is the attention right at most steps while some words are still wrong."
    assert "Back to" not in text


def test_some_words_wrong_and_more_words_than_the_final_model():
    final = fake_trace(aligned((0, 3, 2, 1, 3)), REFERENCE)
    longer = np.vstack([aligned((0, 3, 2, 1)), aligned((0, 0))])
    early = fake_trace(longer, ("la", "zone", "économique", "européenne", "la", "la"))
    text = attention_first_narration(story_ending_in(final, early))
    assert "At all 4 of its first 4 words" not in text and "At all 4 of its words" in text
    assert "2 of its 6 words still differ from the reference translation" in text


def test_with_two_source_words_a_step_can_still_look_at_one():
    """Twice an even share (100%) is out of reach with two words: halfway to all of it counts."""
    two = ("the", "cat")
    final = fake_trace(np.array([[0.95, 0.05], [0.02, 0.98], [0.5, 0.5]]), ("le", "chat"))
    final = final.__class__(**{**final.__dict__, "source_tokens": two})
    early = final.__class__(**{**final.__dict__, "attention": np.array([[0.8, 0.2], [0.1, 0.9], [0.5, 0.5]]),
                               "target_tokens": ("les", "livres", "<eos>")})
    assert matched_rows(final, early) == [0, 1]
    spread = early.__class__(**{**early.__dict__, "attention": np.array([[0.6, 0.4], [0.4, 0.6], [0.5, 0.5]])})
    assert matched_rows(final, spread) == []


def test_with_two_source_words_an_even_split_is_called_spread():
    """51% on one of two words is an even split, not "uneven"; 80% is not spread."""
    two = fake_trace(np.array([[0.51, 0.49], [0.49, 0.51], [0.5, 0.5]]), ("le", "le"))
    two = two.__class__(**{**two.__dict__, "source_tokens": ("the", "cat")})
    text = start_narration(ckpt(two, 0), "English", "French")
    assert "spreads its weight" in text and "near the 50% of an even split" in text
    peaked = two.__class__(**{**two.__dict__, "attention": np.array([[0.8, 0.2], [0.2, 0.8], [0.5, 0.5]])})
    assert "uneven" in start_narration(ckpt(peaked, 0), "English", "French")
    story = [ckpt(two, 0), ckpt(two, 10), ckpt(peaked, 20)]
    assert "stay spread" in early_narration(story, 2)


def test_the_number_kept_is_said_and_the_number_shown_when_fewer_are_shown():
    """At most EARLY_SHOWN checkpoints before the weights gather are shown; the first line says how
    many are shown whenever that is fewer than were kept."""
    spread = fake_trace(uniform(), ("la",) * 4)
    gathered = fake_trace(aligned(), REFERENCE)
    nine = [ckpt(spread, 10 * k) for k in range(4)] + [ckpt(gathered, 100 + k) for k in range(5)]
    assert gathering_from(nine) == 4 and shown_checkpoints(nine) == list(range(9))
    assert kept_narration(nine).endswith("kept the model's weights 9 times in training, from untrained to final, "
                                         "and ran this sentence through each.")
    # false: six spread checkpoints after the start, only the last three of them shown
    many = [ckpt(spread, 10 * k) for k in range(7)] + [ckpt(gathered, 100 + k) for k in range(2)]
    assert shown_checkpoints(many) == [0, 4, 5, 6, 7, 8]
    assert kept_narration(many).endswith("9 times in training, from untrained to final, and ran this sentence "
                                         "through each; 6 of them are shown.")
