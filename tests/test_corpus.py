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


@pytest.mark.parametrize("english, french", [
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
    assert (None if out is None else corpus.detokenise(out)) == french


def test_normalise_folds_case_and_punctuation():
    assert corpus.normalise("  The European, Economic AREA! ") == "the european economic area"
    assert corpus.tokenise("l’arbre est là.") == ["l'", "arbre", "est", "là"]
    assert corpus.normalise("?!") == ""


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
