from collections import Counter

import pytest

from model import corpus


def test_generation_is_deterministic_per_seed():
    assert corpus.generate_pairs(3, 400) == corpus.generate_pairs(3, 400)
    assert corpus.generate_pairs(3, 400) != corpus.generate_pairs(4, 400)


def test_splits_never_share_a_sentence(grammar_splits):
    train = {p.source for p in grammar_splits.train}
    valid = {p.source for p in grammar_splits.valid}
    test = {p.source for p in grammar_splits.test}
    assert not (train & valid) and not (train & test) and not (valid & test)
    assert len(train) == len(grammar_splits.train)


def test_test_split_has_enough_sentences_per_length_bucket(grammar_splits):
    counts = Counter(corpus.bucket_of(len(p.source)) for p in grammar_splits.test)
    assert set(counts) == {"1-10", "11-20", "21-30", "31-40"}
    assert min(counts.values()) >= 200
    lengths = [len(p.source) for p in grammar_splits.train]
    assert min(lengths) <= 3 and max(lengths) == corpus.MAX_SOURCE_LEN


def test_article_example_is_in_training(grammar_splits):
    example = corpus.Pair(("the", "european", "economic", "area"), ("la", "zone", "économique", "européenne"))
    assert example in grammar_splits.train


def test_every_pair_matches_the_rule_based_reference(grammar_splits):
    for p in grammar_splits.train[:3000] + grammar_splits.test:
        assert corpus.reference_translation(list(p.source)) == list(p.target)


@pytest.mark.parametrize(("english", "french"), [
    ("the tree", "l'arbre"),
    ("the big tree", "le grand arbre"),
    ("an old", None),
    ("the white houses", "les maisons blanches"),
    ("a european economic area", "une zone économique européenne"),
    ("some good friends see the public school", "des bons amis voient l'école publique"),
    ("the cats", "les chats"),
    ("a cats", None),
])
def test_reference_translation_agreement_elision_and_order(english, french):
    out = corpus.reference_translation(english.split())
    assert (None if out is None else corpus.detokenise(out, "French")) == french


def test_normalise_folds_case_and_punctuation():
    assert corpus.normalise("  The European, Economic AREA! ") == "the european economic area"
    assert corpus.tokenise("l’arbre est là.", "French") == ["l'", "arbre", "est", "là"]
    assert corpus.normalise("?!") == ""


@pytest.mark.parametrize(("text", "language", "tokens", "back"), [
    ("L'arbre est là.", "French", ["L'", "arbre", "est", "là"], "L'arbre est là"),
    ("qu'il voit l' arbre", "french", ["qu'", "il", "voit", "l'", "arbre"], "qu'il voit l'arbre"),
    ("aujourd'hui", "French", ["aujourd'hui"], "aujourd'hui"),          # not an elision: one word
    ("dell'anno", "Italian", ["dell'", "anno"], "dell'anno"),
    ("D'Arcy sieht den Hund.", "German", ["D'Arcy", "sieht", "den", "Hund"], "D'Arcy sieht den Hund"),
    ("l'arbre", "German", ["l'arbre"], "l'arbre"),                      # German does not elide
    ("Don't say 'Straße'!", None, ["Don't", "say", "Straße"], "Don't say Straße"),
    ("the dogs' bones", "English", ["the", "dogs", "bones"], "the dogs bones"),  # an edge apostrophe is a quote
])
def test_tokens_keep_case_and_split_elisions_only_where_the_language_elides(text, language, tokens, back):
    assert corpus.tokenise(text, language) == tokens
    assert corpus.detokenise(tokens, language) == back


def test_a_card_without_token_rules_is_read_the_old_way():
    legacy = corpus.Tokeniser.from_card(None)
    assert legacy.tokens("D'Arcy L'arbre") == ["d'", "arcy", "l'", "arbre"]
    rules = corpus.Tokeniser.for_language("French", lowercase=True)
    assert corpus.Tokeniser.from_card(rules.to_card()) == rules


def test_a_pair_file_is_read_as_written(tmp_path):
    path = tmp_path / "de.tsv"
    path.write_text("".join(f"The red dog {i}\tDer rote Hund {i}\n" for i in range(30)), encoding="utf-8")
    pairs = corpus.read_tsv(path, corpus.Tokeniser.for_language("English"), corpus.Tokeniser.for_language("German"))
    assert pairs[0] == corpus.Pair(("The", "red", "dog", "0"), ("Der", "rote", "Hund", "0"))
    lowered = corpus.read_tsv(path, corpus.Tokeniser.for_language("English", lowercase=True))
    assert lowered[0].source[0] == "the" and lowered[0].target[0] == "Der"


def test_the_test_split_takes_at_most_a_tenth_of_a_small_bucket(tmp_path):
    lines = [f"{' '.join(['w'] * n)} {i}\tx {i}" for n, count in ((4, 400), (24, 40), (34, 8)) for i in range(count)]
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(lines), encoding="utf-8")
    splits = corpus.tsv_splits(path)
    test, train = corpus.bucket_counts(splits.test), corpus.bucket_counts(splits.train)
    assert test == {"1-10": 40, "11-20": 0, "21-30": 4, "31-40": 0}
    assert train == {"1-10": 360, "11-20": 0, "21-30": 36, "31-40": 8}
    assert not splits.valid


def test_user_pairs_file(tmp_path):
    lines = [f"word{i} thing\tmot{i} chose" for i in range(40)]
    path = tmp_path / "pairs.tsv"
    path.write_text("# my pairs\n" + "\n".join(lines) + "\n", encoding="utf-8")
    splits = corpus.tsv_splits(path)
    sources = [p.source for p in splits.train + splits.valid + splits.test]
    assert len(sources) == len(set(sources)) == 40
    assert splits.test and splits.train


def test_user_pairs_file_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("only one field\n", encoding="utf-8")
    with pytest.raises(corpus.PairsFileError, match=r"bad.tsv:1"):
        corpus.read_tsv(path)
