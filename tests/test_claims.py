"""Computed narration changes when its fact does not hold: hand-made traces where each claim is false."""
import numpy as np
import pytest

from model.trace import Trace
from scenes.kit import claims


def make_trace(source, target, attention=None, reference=None, influence=None, model="attention") -> Trace:
    """A Trace with just what the claims read (other arrays are zeros of the right shape)."""
    s, t = len(source), len(target)
    return Trace(model=model, sha256="0" * 64, sentence=" ".join(source), source_tokens=tuple(source),
                 target_tokens=tuple(target), reference_tokens=None if reference is None else tuple(reference),
                 source_embeddings=np.zeros((s, 4)), encoder_states=np.zeros((s, 4)), encoder_cells=None,
                 encoder_gates=None, context=np.zeros(4),
                 influence=np.ones(s) if influence is None else np.asarray(influence, dtype=float),
                 decoder_states=np.zeros((t, 4)),
                 attention=None if attention is None else np.asarray(attention, dtype=float),
                 attention_scores=None, step_contexts=None, top_tokens=tuple(("x",) for _ in target),
                 top_probs=np.ones((t, 1)))


def test_lcs_alignment_counts_words_difflib_would_mark_red():
    reference = ["le", "grand", "chien", "voit", "le", "jardin", "vert", "mais", "des", "chats"]
    output = ["le", "petit", "jardin", "voit", "le", "jardin", "vert", "mais", "des", "voitures"]
    check = claims.check_words(reference, output)
    # 'voit le jardin vert mais des' stays right although it sits between two mistakes
    assert check.ok == (True, False, False, True, True, True, True, True, True, False)
    assert (check.wrong, check.missing) == (3, 3)
    # each right word is paired with an equal reference word, in order (what the underlines show)
    assert check.partner == (0, None, None, 3, 4, 5, 6, 7, 8, None)
    assert claims.verdict(check) == "3 of 10 words wrong, 3 missing"


def test_exact_plain_output_is_not_called_wrong():
    words = ["la", "zone", "économique", "européenne"]
    check = claims.check_words(words, words)
    assert check.exact and check.wrong == 0 and claims.verdict(check) == "every word right"
    text = claims.long_sentence_narration(20, "plain", check, check, "French")
    assert "wrong" not in text and "still gets every word" in text and "long sentence" in text
    wrong = claims.check_words(words, ["la", "zone", "verte"])
    text = claims.long_sentence_narration(20, "plain", wrong, check, "French")
    assert "1 of the 'plain' model's 3 words is wrong" in text and "2 of the correct words are missing" in text
    short = claims.check_words(words, words[:2])   # it stopped early: nothing wrong, nothing red
    text = claims.long_sentence_narration(20, "plain", short, check, "German")
    assert "wrong" not in text and "red" not in text
    assert "the 'plain' model's 2 words are right, but 2 of the correct words are missing" in text
    text = claims.long_sentence_narration(20, "plain", short, short, "German")
    assert text.endswith("The attention model writes 2 right words and misses 2.")


def test_long_is_only_said_of_long_sentences():
    check = claims.check_words(["le", "chat"], ["le", "chat"])
    assert "long" not in claims.long_sentence_narration(2, "plain", check, check, "French")
    assert "long sentence (15 words)" in claims.long_sentence_narration(15, "plain", check, check, "French")


def test_graded_step_is_the_most_spread_one_and_the_heaviest_word_is_named():
    att = np.array([[0.97, 0.01, 0.02], [0.2, 0.5, 0.3], [0.0, 0.1, 0.9], [1.0, 0.0, 0.0]])
    assert claims.pick_graded_step(att, 3) == 1      # <eos> (row 3) is not a candidate
    text = claims.weight_narration(att[1], ["a", "b", "c"])
    assert "largest share, 50%, goes to 'b'" in text and "'c' gets 30%" in text and "Almost all" not in text
    sharp = claims.weight_narration(att[0], ["a", "b", "c"])
    assert sharp.startswith("Almost all of it, 97%, goes to 'a'") and "remaining 3%" in sharp
    assert claims.weight_narration(np.array([1.0]), ["a"]) == "With a single word, 'a' gets all of it."


def test_softmax_parts_are_exp_then_normalised():
    exps, alphas = claims.softmax_parts(np.array([2.0, 0.0, -1.0]))
    assert exps[0] == pytest.approx(1.0) and alphas.sum() == pytest.approx(1.0)
    assert alphas == pytest.approx(np.exp([2.0, 0.0, -1.0]) / np.exp([2.0, 0.0, -1.0]).sum())
    assert "highest score, +2.0, is for 'a'; the lowest, -1.0, for 'c'" in claims.score_narration(
        np.array([2.0, 0.0, -1.0]), ["a", "b", "c"])


def test_influence_narration_follows_the_measured_order():
    fading = make_trace(["the", "big", "dog"], ["le", "<eos>"], influence=[0.2, 0.5, 1.0])
    assert "only 20%" in claims.influence_narration(fading.source_tokens, fading.influence)
    assert "The last word, 'dog', pulls hardest" in claims.influence_narration(fading.source_tokens,
                                                                               fading.influence)
    rising = make_trace(["the", "big", "dog"], ["le", "<eos>"], influence=[1.0, 0.5, 0.4])
    text = claims.influence_narration(rising.source_tokens, rising.influence)
    assert "'the', pulls hardest of all" in text and "40% of its pull" in text and "only" not in text
    middle = make_trace(["the", "big", "dog"], ["le", "<eos>"], influence=[0.3, 1.0, 0.6])
    text = claims.influence_narration(middle.source_tokens, middle.influence)
    assert "'big' pulls hardest" in text and "only 30%" in text
    middle_early = make_trace(["the", "big", "dog"], ["le", "<eos>"], influence=[0.7, 1.0, 0.6])
    text = claims.influence_narration(middle_early.source_tokens, middle_early.influence)
    assert "70% of the pull of 'big'" in text and "only" not in text
    for case in (fading, rising, middle, middle_early):  # never a share of an unnamed "strongest pull"
        assert "of the strongest pull" not in claims.influence_narration(case.source_tokens, case.influence)


def test_dims_note_says_nothing_when_all_dimensions_are_shown():
    assert claims.dims_note(8, 64) == "8 of 64 dimensions shown"
    assert claims.dims_note(6, 6) == ""


def test_softmax_is_said_as_it_is():
    from scenes.kit.claims import softmax_narration, softmax_narration_parts

    assert "becomes positive" not in softmax_narration(np.array([8.9, 12.1, 16.8, 9.0]))
    assert "becomes positive" in softmax_narration(np.array([-1.0, 2.0]))
    # the same words, in the two beats that show them
    for scores in (np.array([8.9, 12.1, 16.8, 9.0]), np.array([-1.0, 2.0])):
        exp_part, divide_part = softmax_narration_parts(scores)
        assert " ".join((exp_part, divide_part)) == softmax_narration(scores)
        assert "divide" not in exp_part and divide_part.startswith("Then divide")


def test_an_exponential_is_shown_as_precisely_as_the_percentage_it_becomes():
    from scenes.kit.claims import exp_text, percent

    assert (exp_text(0.0091), percent(0.0091 / 1.01)) == ("0.009", "1%")   # never '<0.01' beside '1%'
    assert exp_text(1.0) == "1.00" and exp_text(0.0004) == "<0.001"


def test_a_checkpoint_is_never_called_trained():
    assert claims.weights_name("attention") == "the trained 'attention' model"
    assert claims.weights_name("attention", 0, 4380) == "the 'attention' model at training step 0 of 4380 (untrained)"
    assert "trained" not in claims.weights_name("attention", 146, 4380).replace("training", "")


def test_the_bottleneck_names_the_checkpoint_it_compares():
    wrong = claims.check_words(["le", "chat"], ["banque", "ville"])
    text = claims.long_sentence_narration(20, "plain", wrong, wrong, "French",
                                          attention_name="the 'attention' model at training step 0 of 4380 (untrained)")
    assert "The 'attention' model at training step 0 of 4380 (untrained) gets 2 wrong" in text


def test_the_end_token_is_introduced_only_when_it_was_written():
    said = claims.decoder_stop_narration(["la", "zone", "<eos>"])
    assert "‹eos›" in said and "<eos>" not in said   # caption readers drop '<eos>' as a tag
    assert claims.decoder_stop_narration(["le", "le", "le"]) == ""   # decoding hit its length cap
    assert claims.decoder_stop_narration([]) == ""




# --- no-order: the recurrent states of two word orders ----------------------------------------

def test_no_order_says_the_states_differ_only_when_they_do():
    from scenes.no_order import SAME_STATE, final_sentence, order_gaps, same_vectors_moved

    order = [2, 0, 1]
    rng = np.random.default_rng(1)
    states, other = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    g = order_gaps(states, other)
    assert g.final == pytest.approx(np.linalg.norm(states[-1] - other[-1])) and g.final >= SAME_STATE
    said = final_sentence(g)
    assert f"{g.final:.2f} apart" in said and "carries the order" in said
    assert g.share == round(100 * g.final / g.length) and f"{g.share}% of a state's own size (its distance from zero)" in said
    # a fabricated trace where the claim is false: the shuffle's final state equals the sentence's own
    same = order_gaps(states, states[[0, 1, 2]])
    assert same.final == 0
    assert "almost the same" in final_sentence(same) and "carries the order" not in final_sentence(same)
    # the word vectors are the sentence's own, moved, only when they are
    vectors = rng.normal(size=(3, 5))
    assert same_vectors_moved(vectors, vectors[order], order)
    assert not same_vectors_moved(vectors, vectors, order)


# --- the recurrent cell named truthfully; what each relay step adds ---------------------------

def test_the_cell_is_named_as_the_model_is_built():
    from model.names import DESIGNS
    from scenes.kit.claims import cell_intro

    plain = cell_intro("plain", DESIGNS["plain"])
    assert "GRU" in plain and "no attention" in plain and len(plain) < 70   # once, short: no caveat a novice cannot use
    lstm = cell_intro("lstm", DESIGNS["lstm"])
    assert "LSTM" in lstm and "GRU" not in lstm and "'plain'" not in lstm
    assert "attention" not in cell_intro("mine", None)   # a model nothing is known about: nothing claimed
    assert "no attention" not in cell_intro("attention", DESIGNS["attention"])


def test_relay_moves_are_measured_and_said_as_they_are():
    from scenes.kit.claims import relay_moves_narration, state_moves

    states = np.array([[3.0, 4.0], [3.0, 5.0], [0.0, 1.0], [0.5, 1.0]])
    moves = state_moves(states)
    assert moves == pytest.approx([5.0, 1.0, 5.0, 0.5])   # h_0 = 0: the first move is |h_1|
    said = relay_moves_narration(("the", "cat", "sees", "a"), moves)
    assert "'the' writes into an empty state: it moves it by 5.00" in said
    assert "'sees' moves it most (5.00)" in said and "'a' least (0.50)" in said
    # other numbers, other words: nothing is fixed in the sentence
    flipped = relay_moves_narration(("the", "cat", "sees", "a"), np.array([5.0, 0.2, 1.0, 3.0]))
    assert "'a' moves it most" in flipped and "'cat' least" in flipped
    assert relay_moves_narration(("cat",), np.array([2.0])).count("moves") == 1
    assert "most" not in relay_moves_narration(("the", "cat"), np.array([2.0, 1.0]))


# --- lstm-cell-state: what the LSTM writes for the long sentence ------------------------------

def test_the_lstm_failing_is_counted_and_said_only_when_it_fails():
    from scenes.kit.claims import check_words, lstm_long_narration

    ref = ["la", "zone", "économique", "européenne"]
    bad = lstm_long_narration(24, "lstm", check_words(ref, ["la", "zone", "verte", "rouge"]), "French")
    assert "2 of the 'lstm' model's 4 French words are wrong" in bad
    # a fabricated output where the claim is false: every word right
    good = lstm_long_narration(24, "lstm", check_words(ref, ref), "French")
    assert "every word right" in good and "wrong" not in good and "squeeze is still there" not in good
    short = lstm_long_narration(24, "lstm", check_words(ref, ref[:3]), "French")
    assert "wrong" not in short and "1 of the correct words is missing" in short
    assert "unmarked" in lstm_long_narration(24, "lstm", None, "French")


def test_the_lstm_is_compared_with_plain_as_what_it_is_gated_against_gated():
    from scenes.kit.claims import check_words, lstm_long_narration

    ref = ["la", "zone", "économique", "européenne"]
    lstm = check_words(ref, ["la", "zone", "verte", "rouge"])
    worse = check_words(ref, ["le", "vert", "verte", "rouge"])
    level = check_words(ref, ["la", "zone", "bleue", "rouge"])
    cells = ("LSTM", "GRU")
    # whether the cell state helped is measured against the model without one, never assumed
    helped = lstm_long_narration(24, "lstm", lstm, "French", plain=worse, cells=cells)
    assert "GRU cells are gated too, but keep no separate cell state" in helped
    assert "gets 4 of its 4 wrong: here the LSTM's cell state helps" in helped
    same = lstm_long_narration(24, "lstm", lstm, "French", plain=level, cells=cells)
    assert "does not help" in same and "helps." not in same
    # never "without a cell state" as if plain were ungated, never "the cell state" for a model not built so
    for said in (helped, same):
        assert "without a cell state" not in said
    # cells not known (or not LSTM against GRU): only the counts are compared, no cell state is claimed
    for unknown in ((None, None), ("GRU", "GRU"), ("LSTM", None)):
        plainly = lstm_long_narration(24, "mine", lstm, "French", plain=level, cells=unknown)
        assert "cell state" not in plainly and "gated" not in plainly
        assert "gets 2 of its 4 wrong: on this sentence the 'mine' model does no better" in plainly
    assert "does better here" in lstm_long_narration(24, "mine", lstm, "French", plain=worse)


def test_the_lstm_scene_counts_the_real_models_wrong_words():
    from model.trace import trace
    from scenes.kit.claims import LONG_WORDS, check_words, lstm_long_narration
    from scenes.kit.scene import LONG_EXAMPLE

    tr = trace(LONG_EXAMPLE, "lstm")
    check = check_words(tr.reference_tokens, tr.output_words)
    plain = trace(LONG_EXAMPLE, "plain")
    plain_check = check_words(plain.reference_tokens, plain.output_words)
    said = lstm_long_narration(len(tr.source_tokens), "lstm", check, "French", plain=plain_check, cells=("LSTM", "GRU"))
    assert len(tr.source_tokens) >= LONG_WORDS
    assert f"gets {plain_check.wrong} of its {len(plain_check.ok)} wrong" in said
    assert f"{check.wrong} of the 'lstm' model's {len(check.ok)} French words" in said   # from the model, not written in


def test_the_telling_terms_are_those_most_in_the_high_scores_favour():
    from scenes.kit.claims import telling_terms

    high = np.array([2.0, 1.0, 0.5, 0.5])
    low = np.array([0.0, 0.5, 0.5, 0.0])
    assert list(telling_terms(high, low, 2)) == [0, 1]
    assert list(telling_terms(high, low, 9)) == [0, 1, 3, 2]   # k beyond the terms: all, ties first-come


def test_sign_flips_are_counted_from_both_signs():
    from scenes.kit.claims import sign_flips

    high = np.array([2.0, 1.0, 0.5])
    low = np.array([-1.0, 0.5, -0.5])
    assert sign_flips(high, low, [0, 1, 2]) == [0, 2]
    assert sign_flips(high, np.abs(low), [0, 1, 2]) == []      # false: no term changes sign


def test_lstm_bridge_says_what_the_outputs_were_written_from():
    from model.names import DESIGNS
    from scenes.kit.claims import lstm_bridge

    said = lstm_bridge("lstm", 24, 23, DESIGNS["lstm"])
    assert "'lstm' model's 24 words" in said and "23" in said and "one final vector" in said and "look at" in said
    # a model that does attend: the claim "none could look at the source" would be false, so it is not made
    attends = lstm_bridge("attention", 24, 23, DESIGNS["attention"])
    assert "one final vector" not in attends and "looking back" in attends
