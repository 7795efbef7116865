"""Alignment facts (scenes.kit.alignment) from hand-made α matrices where each fact holds and where it
does not; special tokens that survive every caption format; trend words that weigh the sentences behind
a change."""
import datetime
import itertools

import numpy as np
import srt

from scenes.kit import alignment as al
from scenes.kit import claims
from scenes.kit.scene import _split_caption, readable_names

FRENCH = (["the", "european", "economic", "area"], ["la", "zone", "économique", "européenne"],
          [[.01, 0, 0, .99], [0, 0, 0, 1], [0, .08, .92, 0], [0, .99, .01, 0]])
# a Russian-like output: no article, the adjective splits its weight with its noun
RUSSIAN = (["the", "small", "boy", "sees", "a", "dog"], ["маленький", "мальчик", "видит", "собаку"],
           [[.02, .48, .47, .01, .01, .01], [0, .05, .93, .02, 0, 0], [0, 0, .02, .96, .01, .01],
            [0, 0, 0, .01, .04, .95]])


def facts(case, ended=True):
    source, output, weights = case
    return al.facts(np.array(weights, dtype=float), source, output, ended=ended)


def test_a_crossing_is_links_in_opposite_order():
    f = facts(FRENCH)
    assert f.links == (3, 3, 2, 1) and not f.monotone
    assert f.crossings == ((1, 2), (1, 3), (2, 3)) and f.swaps == ((1, 2, 3),)
    assert f.crossing_rows == (1, 2, 3)          # 'la' looks ahead with 'zone': not itself a crossing
    assert f.ahead == ((0, 1),)


def test_a_monotone_alignment_has_no_crossing():
    f = facts(RUSSIAN)
    assert f.monotone and f.crossings == () and f.crossing_rows == ()
    # an article looking ahead at its noun (which its next word translates) is a shared link, not a crossing
    german = al.facts(np.array([[0, 0, 1.0], [0, .96, .04], [0, .01, .99]]), ["the", "green", "dog"],
                      ["den", "grünen", "Hund"])
    assert german.monotone and german.ahead == ((0, 2),)


def test_words_with_no_partner_are_those_no_output_word_links_to():
    f = facts(RUSSIAN)
    assert f.unlinked == (0, 4)
    every = al.facts(np.eye(3), ["a", "b", "c"], ["x", "y", "z"])
    assert every.unlinked == ()


def test_the_long_sentence_names_its_faint_words_and_leaves_the_end_row_out():
    # three groups cross (a reversal and two adjective swaps), three articles look ahead
    source = ["the", "european", "area", "and", "the", "green", "garden", "a", "red", "car"]
    output = ["la", "zone", "européenne", "et", "le", "jardin", "vert", "une", "voiture", "rouge"]
    links = [2, 2, 1, 3, 6, 6, 5, 9, 9, 8]
    w = np.full((10, 10), 0.01)
    for i, j in enumerate(links):
        w[i, j] = 0.9
    f = al.facts(w, source, output, ended=False)
    assert f.unlinked == (0, 4, 7) and not f.ended and f.end is None
    assert al.shared_narration(f, "French", "English").startswith(
        "'la', 'le' and 'une' look most at the same English word as a later French word")
    assert al.ahead_words(al.facts(np.array([[0, 1.0], [0, 1.0], [0, 1.0]]), ["a", "b"], ["le", "le", "x"])) == \
        "'le' (2 times)"
    # the ‹eos› row writes no word: left out of the links, kept for drawing
    end = np.full(len(source), 0.01)
    end[4] = 0.73
    with_end = al.facts(np.vstack([w, end]), source, output)
    assert with_end.unlinked == (0, 4, 7) and with_end.ended and with_end.rows == 10
    assert with_end.end is not None and with_end.end[4] == 0.73


def test_the_window_moves_with_the_output_and_names_a_word_outside_only_when_one_is():
    source = [f"w{k}" for k in range(10)]
    output = [f"o{i}" for i in range(10)]
    assert [al.window_start(i, 10, 10, 5) for i in (0, 1, 2, 5, 9)] == [0, 0, 0, 3, 5]   # centred, kept inside
    assert al.window_start(2, 20, 4, 5) == 11                                              # scaled to the source
    w = np.full((10, 10), 0.01)
    np.fill_diagonal(w, 0.9)                      # every word looks at its own position: nothing outside
    assert al.outside_window(w, source, output, 5) is None
    text = al.outside_narration(w, source, output, 5, "German", "English")
    assert text.startswith("Here, at every step, the English word relied on most lies inside the window")
    assert "would miss nothing" in text
    w[6, 6], w[6, 0] = 0.01, 0.8                  # 'o6' (window w4..w8) looks most at w0: 4 words before it
    w[2, 2], w[2, 5] = 0.01, 0.7                  # 'o2' (window w0..w4) looks at w5: 1 word after, nearer
    found = al.outside_window(w, source, output, 5)
    assert found == al.Outside(6, 0, 0.8, 4, 4)
    assert al.window_hits(w, source, output, 5) == 8
    steps = al.window_steps(w, source, output, 5)   # the sweep: the misses are exactly o2 and o6
    assert [i for i, (_, _, inside) in enumerate(steps) if not inside] == [2, 6]
    assert steps[6] == (4, 0, False) and steps[5] == (3, 5, True)
    assert al.outside_narration(w, source, output, 5, "German", "English") == (
        "For 8 of the 10 German words, the window holds the English word relied on most. It misses 2, "
        "furthest at the 7th German word, 'o6': the window holds English words 5 to 9, and 'w0' "
        "is the 4th word before it, out of sight.")
    assert "%" not in al.outside_narration(w, source, output, 5, "German", "English")   # said before α is
    w[6, 0], w[6, 6] = 0.01, 0.8                  # only the one after is left: it is said, with its side
    assert al.outside_window(w, source, output, 5) == al.Outside(2, 5, 0.7, 0, 1)
    assert "'w5' is just after it, out of sight" in \
        al.outside_narration(w, source, output, 5, "German", "English")
    assert "It misses only at the 3rd German word" in al.outside_narration(w, source, output, 5, "German", "English")
    assert al.outside_narration(w[:, :4], source[:4], output, 5, "German") == (
        "Here the window holds all 4 words, so nothing lies outside it.")
    assert al.ordinal(1) == "1st" and al.ordinal(12) == "12th" and al.ordinal(23) == "23rd"


def test_a_word_looks_at_several_only_at_a_quarter_each():
    f = facts(RUSSIAN)
    assert f.split == ((0, (1, 2)),)
    below = al.facts(np.array([[.76, .24], [0, 1.0]]), ["small", "boy"], ["x", "y"])
    assert below.split == ()


def test_no_order_to_see_and_no_rows_are_facts_as_they_are():
    still = al.facts(np.array([[.1, .1, .8]] * 3), ["x", "y", "z"], ["a", "b", "c"])
    assert still.still and still.ahead
    assert al.facts(np.zeros((2, 2)), ["a", "b"], []).links == ()


def test_the_telling_step_prefers_a_crossing_then_a_split():
    assert al.telling_step(facts(FRENCH)) == 1
    assert al.telling_step(facts(RUSSIAN)) == 0
    assert al.telling_step(al.facts(np.eye(3), ["a", "b", "c"], ["x", "y", "z"])) == 0


def test_shares_pasted_into_sentences_read_right():
    assert claims.said_percent(0.003) == "less than 1%" and claims.said_percent(0.997) == "more than 99%"
    assert claims.said_percent(0.48) == "48%"
    sharp = claims.weight_narration(np.array([0.998, 0.001, 0.001]), ["a", "b", "c"])
    assert sharp == "Almost all of it, more than 99%, goes to 'a'; the other 2 states share less than 1% between them."
    assert claims.percent(0.04997) == "5%"


def test_special_tokens_survive_every_caption_format():
    assert claims.tokens_text(["la", "<eos>", "<sos>", "<unk>"]) == ["la", "‹eos›", "‹sos›", "‹unk›"]
    narration = claims.decoder_stop_narration(["la", "<eos>"]) + " An untrained model writes <sos> and <unk>."
    pieces = list(_split_caption(readable_names(narration), 0.0, 6.0))
    written = [srt.Subtitle(index=k + 1, start=datetime.timedelta(seconds=a), end=datetime.timedelta(seconds=b),
                            content=text) for k, (a, b, text) in enumerate(pieces)]
    file_text = srt.compose(written)
    parsed = list(srt.parse(file_text))
    assert srt.compose(parsed) == file_text and [s.content for s in parsed] == [s.content for s in written]
    said = " ".join(s.content for s in parsed)
    assert "<" not in said and "‹eos›" in said and "‹sos›" in said and "‹unk›" in said


def test_trend_words_weigh_the_size_of_a_change_and_the_sentences_behind_it():
    assert claims.trend([100, 94.7], [40, 38]) == "unclear"   # 2 of 38 sentences: no fall to speak of
    assert claims.trend([96, 0], [250, 250]) == "falls" and claims.trend([10, 90], [250, 250]) == "rises"
    assert claims.trend([50, 52, 49], [250, 250, 250]) == "flat"
    assert claims.trend([100, 60, 100], [250, 250, 250]) == "varies"
    assert claims.trend([100, 80], [5, 5]) == "unclear"          # 20 points, but one sentence of five
    assert claims.trend([80], [100]) == "flat"


def _article_before_adjectives():
    """'la' (output 1) looks most at 'area', behind two adjectives: outside its window of 3."""
    source = ["the", "big", "european", "economic", "area", "sees", "it"]
    output = ["x", "la", "y", "z", "u", "v", "t"]
    w = np.full((7, 7), 0.01)
    np.fill_diagonal(w, 0.9)
    w[1, 1], w[1, 4] = 0.01, 0.9
    return source, output, w


def test_the_miss_is_explained_by_adjectives_only_when_they_stand_before_the_needed_noun():
    source, output, w = _article_before_adjectives()
    nouns, adjectives = ["area"], ["big", "european", "economic"]
    found = al.outside_window(w, source, output, 3)
    assert found == al.Outside(1, 4, 0.9, 0, 2)
    assert al.adjectives_before(source, output, found, nouns, adjectives) == (1, 2, 3)
    text = al.outside_narration(w, source, output, 3, "French", "English", nouns=nouns, adjectives=adjectives)
    assert text.endswith("French chooses 'la' or 'le' from the noun's gender, and English puts the noun after its "
                         "adjectives: 'big', 'european' and 'economic' stand between 'the' and 'area', and every "
                         "adjective pushes the noun one word further away.")
    # false each way: no grammar lists, an output word that is no gendered article, a word that is no noun,
    # a non-adjective between, no article before the adjectives
    assert al.adjectives_before(source, output, found) == ()
    assert "gender" not in al.outside_narration(w, source, output, 3, "French", "English")
    assert al.adjectives_before(source, ["x", "des", *output[2:]], found, nouns, adjectives) == ()
    assert al.adjectives_before(source, output, found, ["it"], adjectives) == ()
    assert al.adjectives_before(source, output, found, nouns, ["big", "economic"]) == ()
    assert al.adjectives_before(["one", *source[1:]], output, found, nouns, adjectives) == ()


# --- crossing links (alignment-heatmap): the reading rule holds for any pair, whatever the lengths --------
JAPANESE = (["I", "eat", "fish"], ["私", "は", "魚", "を", "食べる"],   # SOV, particles, another script, longer
            [[.9, .05, .05], [.8, .1, .1], [.05, .05, .9], [.1, .1, .8], [.05, .9, .05]])
GERMAN = (["the", "green", "dog"], ["den", "grünen", "Hund"],        # case ending on the article, order kept
          [[0, 0, 1.0], [0, .96, .04], [0, .01, .99]])


def test_crossing_links_are_named_from_the_links_alone():
    f = facts(FRENCH)
    assert al.crossing_groups(f) == ((1, 2, 3),)
    assert al.crossing_narration(f, "French", "English") == (
        "Here the links of 'zone', 'économique' and 'européenne' cross: 'european', 'economic' and 'area' come out "
        "in reverse order.")
    # 'la' shares 'zone''s link: faint, said with the grammar's reason only when the grammar is known
    assert al.shared_narration(f, "French", "English") == (
        "'la' looks most at 'area', like 'zone' after it. Only the later word, 'zone', keeps the link to 'area', so "
        "'la' is drawn faint.")
    # the grammar is said as fitting what the weights show, never as their cause
    hedged = al.shared_narration(f, "French", "English", grammar=True, nouns=["area"])
    assert ", which fits French: an article takes its form from its noun." in hedged and "(a French" not in hedged
    assert "article" not in al.shared_narration(f, "French", "English", grammar=True, nouns=["economic"])
    assert "solid links cross" in al.crossing_rule(f, "French", "English") and "(here" not in al.crossing_rule(f, "F", "E")


def test_another_script_and_length_sov_order_is_a_crossing():
    f = facts(JAPANESE)
    assert f.ahead == ((0, 1), (2, 3))                # particles share their noun's link: faint
    assert al.crossing_groups(f) == ((3, 4),)         # the verb comes last: its link crosses the object's
    assert al.crossing_narration(f, "Japanese", "English") == (
        "Here the links of 'を' and '食べる' cross: 'eat' and 'fish' come out in reverse order.")
    rule = al.crossing_rule(f, "Japanese", "English")
    assert rule.endswith("keep the order, even though the two sentences differ in length (here 3 English words, "
                         "5 Japanese words).")
    assert al.shared_narration(f, "Japanese", "English").startswith("'私' and '魚' look most at the same English word")
    assert "article" not in al.shared_narration(f, "Japanese", "English", grammar=True, nouns=["fish", "I"])
    grid = al.grid_narration(f, "Japanese", "English")
    assert "cross where a solid box lies further left than a solid box in a row above it" in grid


def test_no_crossing_is_said_as_order_kept_and_never_as_a_crossing():
    russian = facts(RUSSIAN)   # no articles, a shorter target: nothing crosses
    text = al.crossing_narration(russian, "Russian", "English")
    assert text == "Here no links cross, so the Russian words keep the English order."
    assert "cross:" not in text and "reverse" not in text
    assert al.crossing_rule(russian, "Russian", "English").endswith("(here 6 English words, 4 Russian words).")
    assert al.shared_narration(russian, "Russian", "English") == ""
    assert "No box lies further left than a box in a row above it" in al.grid_narration(russian, "Russian", "English")
    # the article's link is drawn crossing 'grünen''s, but it is faint: nothing counted crosses
    german = facts(GERMAN)
    assert german.ahead == ((0, 2),) and al.crossing_groups(german) == ()
    assert al.crossing_narration(german, "German", "English") == (
        "Here no links cross, so the German words keep the English order.")
    assert al.shared_narration(german, "German", "English").startswith("'den' looks most at 'dog', like 'Hund' after it")
    assert al.long_parts(german, "German", "English") == [
        ("long", "A longer sentence, 3 words: no links cross, so the German words keep the English order.")]


def test_order_changed_otherwise_than_reversed_is_said_as_another_order():
    f = al.facts(np.eye(3)[[2, 0, 1]], ["a", "b", "c"], ["x", "y", "z"])
    assert al.crossing_groups(f) == ((0, 1, 2),)
    assert al.crossing_narration(f, "X", "Y").endswith("'a', 'b' and 'c' come out in another order.")
    swapped = al.facts(np.eye(8)[[1, 0, 3, 2, 5, 4, 7, 6]], [f"s{k}" for k in range(8)], [f"o{k}" for k in range(8)])
    assert al.crossing_narration(swapped, "X", "Y").endswith("; links cross in 1 more place.")
    parts = al.long_parts(swapped, "X", "Y", said=[al.group_phrase(swapped, (0, 1))])
    assert parts[0] == ("long", "A longer sentence, 8 words: links cross in 4 places, one as before.")
    assert [k for k, _ in parts] == ["long", "group", "group", "more"]
    assert parts[-1] == ("more", "And 1 more place where links cross.")


def test_still_and_single_rows_say_no_order():
    still = al.facts(np.array([[0, 1.0], [0, 1.0]]), ["the", "cat"], ["le", "chat"])
    assert al.crossing_narration(still, "French", "English") == (
        "Here every French word looks most at 'cat': the links all meet there, so they show no order.")
    assert al.shared_narration(still, "French", "English") == ""
    one = al.facts(np.eye(1), ["a"], ["x"])
    assert al.crossing_rule(one, "X", "Y") == "" and al.long_parts(one, "X", "Y") == []
    assert "nothing to cross" in al.crossing_narration(one, "X", "Y")
    with_end = al.facts(np.vstack([np.array(FRENCH[2]), [.91, .04, 0, .05]]), FRENCH[0], FRENCH[1])
    assert al.links_narration(with_end, "French", "English").endswith("‹eos› writes no word: no link.")
    assert "‹eos›" not in al.links_narration(facts(FRENCH, ended=False), "French", "English")


def test_the_drawn_links_cross_exactly_where_the_narration_says():
    """LinkDiagram: two solid lines intersect between the rows iff their rows are in one crossing group."""
    from scenes.alignment_heatmap import LinkDiagram

    for case in (FRENCH, JAPANESE, GERMAN, RUSSIAN):
        f = facts(case)
        d = LinkDiagram(f, 1.5, -2.0)
        solid = sorted(f.stands_for.values())
        grouped = {frozenset(p) for g in al.crossing_groups(f) for p in itertools.combinations(g, 2)}
        for a, b in itertools.combinations(solid, 2):
            (x0, _, _), (x1, _, _) = d.lines[a].get_start(), d.lines[a].get_end()
            (u0, _, _), (u1, _, _) = d.lines[b].get_start(), d.lines[b].get_end()
            crosses = (x0 - u0) * (x1 - u1) < 0
            assert crosses == (f.links[a] > f.links[b] if a < b else f.links[b] > f.links[a])
            if crosses:
                assert frozenset((a, b)) in grouped


def test_the_grid_says_numbers_only_when_its_cells_show_them():
    f = facts(FRENCH)
    assert "(its step's α in %)" in al.grid_narration(f, "French", "English")
    small = al.grid_narration(f, "French", "English", numbers=False)
    assert "%" not in small and "(its step's α as colour)" in small


def test_links_are_said_without_fans_when_none_were_shown():
    f = facts(FRENCH)
    assert "fan" in al.links_narration(f, "French", "English")
    alone = al.links_narration(f, "French", "English", fans=False)
    assert "fan" not in alone and alone.startswith("Join each French word to the English word it looks at most")
