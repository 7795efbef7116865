"""Computed narration: every sentence that states a fact about the data is built here from a Trace,
and says something else (or nothing) when the fact does not hold.

Pure Python + numpy (no Manim), so tests can feed hand-made traces where each claim is false.
The scenes call these functions and only place the text.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LONG_WORDS = 15          # a sentence of at least this many words is called "long" on screen
SHARP_WEIGHT = 0.9       # above this, one word takes "almost all" of a step's attention


def percent(p: float) -> str:
    """α or a probability as a short percentage ("<1%" rather than a misleading "0%", ">99%"
    rather than a misleading "100%"). The one formatter of shares, on screen and in narration."""
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 <= p < 1:  # rounding would say 100% of something that is not all
        return ">99%"
    return f"{p * 100:.0f}%"


SPECIAL_TEXT = {"<pad>": "‹pad›", "<sos>": "‹sos›", "<eos>": "‹eos›", "<unk>": "‹unk›"}


def token_text(token: str) -> str:
    """A token as written on screen and in narration: the model's special tokens in single
    guillemets (‹eos›), since SRT and WebVTT readers take '<eos>' for a markup tag and drop it."""
    return SPECIAL_TEXT.get(token, token)


def tokens_text(tokens: Sequence[str]) -> list[str]:
    return [token_text(t) for t in tokens]


def caption_text(text: str) -> str:
    """Narration made safe for every caption format: special tokens written as on screen."""
    for raw, shown in SPECIAL_TEXT.items():
        text = text.replace(raw, shown)
    return text


def said_percent(p: float) -> str:
    """percent() for a sentence: '<1%' and '>99%' read wrong inside one ('more than <1%'), so they are
    said in words: 'less than 1%', 'more than 99%'."""
    shown = percent(p)
    return {"<": "less than ", ">": "more than "}.get(shown[0], "") + shown.lstrip("<>")


def quoted(words: Sequence[str], limit: int = 4, joiner: str = "and") -> str:
    """'a', 'b' and 'c' (and N more); `joiner` "or" for 'a', 'b' or 'c'."""
    words = [f"'{w}'" for w in words]
    if len(words) > limit:
        return ", ".join(words[:limit]) + f" and {len(words) - limit} more"
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {joiner} " + words[-1]


# --- dimensions ------------------------------------------------------------------------------
def dims_note(shown: int, total: int, what: str = "dimensions") -> str:
    """'8 of 64 dimensions shown', or '' when everything is shown (then nothing needs saying)."""
    return f"{shown} of {total} {what} shown" if shown < total else ""


# --- which weights ---------------------------------------------------------------------------
def weights_name(model: str, step: int | None = None, final_step: int | None = None) -> str:
    """'the trained 'attention' model', or, for a training checkpoint's weights, 'the 'attention'
    model at training step 0 of 4380 (untrained)': a checkpoint is never called trained."""
    if step is None:
        return f"the trained '{model}' model"
    of = f" of {final_step}" if final_step is not None else ""
    return f"the '{model}' model at training step {step}{of}" + (" (untrained)" if step == 0 else "")


# --- the recurrent cell: what our models are, said where first used ---------------------------
def cell_intro(model: str, design: tuple[str | None, bool] | None) -> str:
    """What the shown model's recurrent cell is, truthfully and short: the 'plain' model's cells are
    GRUs (that a GRU is gated is said where it matters, in lstm-cell-state's LSTM-against-GRU
    comparison), and 'plain' means only "no attention"."""
    if design is None or design[0] is None:
        return f"Our trained '{model}' model reads this way."
    cell, attends = design
    gated = {"GRU": "a GRU", "LSTM": "an LSTM (1997) with the forget gate added in 1999–2000"}.get(cell, f"a {cell}")
    if attends:
        return f"Our trained '{model}' model reads this way; its cell is {gated}."
    return (f"Our '{model}' model's cell is {gated}"
            + ("; 'plain' means no attention." if model == "plain" else "; it has no attention."))


def state_moves(states: np.ndarray) -> np.ndarray:
    """How far each word moves the hidden state (Euclidean): |h_t - h_{t-1}|, with h_0 = 0, the
    encoder's starting state."""
    prev = np.vstack([np.zeros((1, states.shape[1])), states[:-1]])
    return np.linalg.norm(states - prev, axis=1)


def relay_moves_narration(tokens: Sequence[str], moves: np.ndarray) -> str:
    """What each step adds, as measured: the first word writes into an empty state; of the later
    words, which moves the state most and which least (only what the numbers say)."""
    words = tokens_text(tokens)
    first = f"'{words[0]}' writes into an empty state: it moves it by {moves[0]:.2f}."
    if len(words) == 1:
        return first
    if len(words) == 2:
        return first + f" '{words[1]}' moves it by {moves[1]:.2f}."
    later = moves[1:]
    big, small = 1 + int(np.argmax(later)), 1 + int(np.argmin(later))
    return first + (f" After that, '{words[big]}' moves it most ({moves[big]:.2f}) and "
                    f"'{words[small]}' least ({moves[small]:.2f}).")


# --- the decoder's end -----------------------------------------------------------------------
def decoder_stop_narration(target_tokens: Sequence[str]) -> str:
    """How the decoder stopped: by writing its end token (said, since the token then appears on
    screen), or nothing when decoding ran into its length cap and no end token was written."""
    if target_tokens and target_tokens[-1] == "<eos>":
        return f"It stops when it writes {token_text('<eos>')}, its end-of-sentence token."
    return ""


# --- long ------------------------------------------------------------------------------------
def is_long(n_words: int) -> bool:
    return n_words >= LONG_WORDS


# --- self-attention's weights, and GPT's causal mask (the teaser counts them) ----------------
def pair_count_narration(n_words: int) -> str:
    """How many weights self-attention gives a sentence: n × n, every pair both ways and each word
    with itself (with one word there is no pair, only the word with itself)."""
    n = n_words
    if n < 2:
        return "With a single word there is one weight: the word with itself."
    pairs = n * (n - 1) // 2
    each = f"each of the {pairs} pairs" if pairs > 1 else "their 1 pair"   # never 'each of the 1 pair'
    return f"With {n} words that makes {n} × {n} = {n * n} weights: {each} in both directions, and each word with itself."


def masked_cells(n_words: int) -> list[tuple[int, int]]:
    """(row, column) of the weights a causal mask removes: word i may not look at a later word j > i."""
    return [(i, j) for i in range(n_words) for j in range(i + 1, n_words)]


# --- right and wrong words: an LCS alignment of output and reference ------------------------
@dataclass(frozen=True)
class WordCheck:
    ok: tuple[bool, ...]   # per output word: matched, in order, by a word of the reference
    missing: int           # reference words nothing in the output matches
    partner: tuple[int | None, ...] = ()  # per output word: the reference position it is matched to

    @property
    def wrong(self) -> int:
        return self.ok.count(False)

    @property
    def exact(self) -> bool:
        return self.wrong == 0 and self.missing == 0


def check_words(reference: Sequence[str], output: Sequence[str]) -> WordCheck:
    """Align output to reference by their longest common subsequence: output words on it are
    right, the others wrong; reference words off it are missing. (difflib's opcodes are not an
    alignment: a 'replace' block marks right words red.) Ties prefer the earliest match."""
    ref, out = list(reference), list(output)
    n, m = len(ref), len(out)
    lcs = np.zeros((n + 1, m + 1), dtype=int)
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            lcs[a, b] = lcs[a + 1, b + 1] + 1 if ref[a] == out[b] else max(lcs[a + 1, b], lcs[a, b + 1])
    ok = [False] * m
    partner: list[int | None] = [None] * m
    a = b = 0
    while a < n and b < m:
        if ref[a] == out[b] and lcs[a, b] == lcs[a + 1, b + 1] + 1:
            ok[b], partner[b] = True, a
            a, b = a + 1, b + 1
        elif lcs[a + 1, b] >= lcs[a, b + 1]:
            a += 1
        else:
            b += 1
    return WordCheck(tuple(ok), n - int(lcs[0, 0]), tuple(partner))


def verdict(check: WordCheck | None) -> str:
    """A model's score on one sentence, for its caption: 'exact', '5 of 25 words wrong, 2 missing'."""
    if check is None:
        return ""
    if check.exact:
        return "every word right"
    parts = []
    if check.wrong:
        parts.append(f"{check.wrong} of {len(check.ok)} words wrong")
    if check.missing:
        parts.append(f"{check.missing} missing")
    return ", ".join(parts)


def long_sentence_narration(n_words: int, plain_name: str, plain: WordCheck | None,
                            attention: WordCheck | None, tgt_lang: str, attention_name: str = "the attention model") -> str:
    """The bottleneck's last beat: what the two models really did on the (long) sentence.
    `attention_name` says which weights when they are a training checkpoint's."""
    opening = (f"On a long sentence ({n_words} words) the squeeze shows." if is_long(n_words)
               else f"Here is a sentence of {n_words} words.")
    if plain is None or attention is None:
        return (f"{opening} The outputs of the '{plain_name}' model and of {attention_name} are shown; "
                f"no reference translation is known for it, so nothing is marked.")
    if plain.exact:
        first = f"The '{plain_name}' model still gets every word of it right."
    elif not plain.wrong:   # nothing to mark red: the words it wrote are right, it stopped early
        first = (f"Aligned with the correct {tgt_lang}, the '{plain_name}' model's {len(plain.ok)} words are right, "
                 f"but {plain.missing} of the correct words {'is' if plain.missing == 1 else 'are'} missing.")
    else:
        first = (f"Aligned with the correct {tgt_lang}, {plain.wrong} of the '{plain_name}' model's "
                 f"{len(plain.ok)} words {'is' if plain.wrong == 1 else 'are'} wrong (red)"
                 + (f"; {plain.missing} of the correct words {'is' if plain.missing == 1 else 'are'} missing."
                    if plain.missing else "."))
    if attention.exact:
        second = (f"{attention_name[0].upper()}{attention_name[1:]} gets it right." if plain.exact else
                  f"{attention_name[0].upper()}{attention_name[1:]}, which can look back at every word, gets the same "
                  "sentence right.")
    elif not attention.wrong:
        second = (f"{attention_name[0].upper()}{attention_name[1:]} writes {len(attention.ok)} right words and "
                  f"misses {attention.missing}.")
    else:
        second = f"{attention_name[0].upper()}{attention_name[1:]} gets {attention.wrong} wrong" + (
            f" and misses {attention.missing}." if attention.missing else ".")
    return f"{opening} {first} {second}"


def lstm_long_narration(n_words: int, model: str, check: WordCheck | None, tgt_lang: str,
                        plain: WordCheck | None = None, plain_name: str = "plain",
                        cells: tuple[str | None, str | None] = (None, None)) -> str:
    """The LSTM on a long sentence, as it did: whether its words still come out wrong, and whether
    it did better than the model it is compared with (`plain`) on the same sentence (both computed
    from the outputs; never assumed). `cells` = (this model's cell, plain's cell), as the models are
    built: an LSTM against a GRU is said as what it is, gated against gated, the LSTM's extra being
    its separate cell state; with cells not known, only the counts are compared."""
    name = f"the '{model}' model"
    if check is None:
        return f"No correct {tgt_lang} is known for this {n_words}-word sentence, so {name}'s output is shown unmarked."
    if check.exact:
        return f"Yet on this {n_words}-word sentence {name} gets every word right: here the chain held."
    if not check.wrong:
        said = (f"And on this {n_words}-word sentence {name}'s {len(check.ok)} words are right, but {check.missing} "
                f"of the correct words {'is' if check.missing == 1 else 'are'} missing.")
    else:
        said = (f"And the squeeze is still there: on this {n_words}-word sentence, {check.wrong} of {name}'s "
                f"{len(check.ok)} {tgt_lang} words {'is' if check.wrong == 1 else 'are'} wrong (red)"
                + (f", and {check.missing} of the correct words {'is' if check.missing == 1 else 'are'} missing."
                   if check.missing else "."))
    if plain is None:
        return said
    helped = (plain.wrong, plain.missing) > (check.wrong, check.missing)
    counts = f"gets {plain.wrong} of its {len(plain.ok)} wrong"
    cell, plain_cell = cells
    if cell == "LSTM" and plain_cell == "GRU":
        said += (f" The '{plain_name}' model's GRU cells are gated too, but keep no separate cell state; it {counts}: "
                 + ("here the LSTM's cell state helps." if helped
                    else "on this sentence the LSTM's extra cell state does not help."))
    else:
        said += f" The '{plain_name}' model {counts}: " + (f"{name} does better here." if helped
                                                            else f"on this sentence {name} does no better.")
    return said


def lstm_bridge(model: str, n_out: int, n_src: int, design: tuple[str | None, bool] | None) -> str:
    """lstm-cell-state's last line, leading to context-window: what the recurrent model's output words
    were written from, as the model is built (a model with attention looked at the states: said so)."""
    if design is not None and design[1]:
        return (f"The '{model}' model's {n_out} words were written looking back at the {n_src} source words' states. "
                "So what can an output look at?")
    return (f"Each of the '{model}' model's {n_out} words was written from one final vector; none could look at "
            f"the {n_src} "
            "source words themselves. So what can an output look at?")


# --- influence: how much each word can still move h_T --------------------------------------
def influence_narration(tokens: Sequence[str], influence: np.ndarray) -> str:
    """Each word's pull on h_T as a share of the strongest word's pull, named by that word (a share
    "of the strongest pull" would say nothing of the strongest itself)."""
    share = np.asarray(influence, dtype=float) / max(float(np.max(influence)), 1e-12)
    first, last, n = tokens[0], tokens[-1], len(tokens)
    measured = "How much can each word still move h_T? A gradient measures it."
    if n < 2:
        return measured
    top = int(np.argmax(share))
    if share[0] < share[-1]:
        strongest = (f"The last word, '{last}', pulls hardest" if top == n - 1 else
                     f"'{tokens[top]}' pulls hardest; the last word, '{last}', has {share[-1]:.0%} of its pull")
        return (f"{measured} {strongest}; the first, '{first}', only {share[0]:.0%} of it, partly because an "
                "early word's effect must survive every later update.")
    if top == 0:
        return (f"{measured} Here the first word, '{first}', pulls hardest of all; the last, '{last}', has "
                f"{share[-1]:.0%} of its pull.")
    return (f"{measured} Here the first word, '{first}', still has {share[0]:.0%} of the pull of '{tokens[top]}', "
            f"the strongest; the last, '{last}', {share[-1]:.0%}.")


# --- attention weights ----------------------------------------------------------------------
def pick_graded_step(attention: np.ndarray, n_words: int) -> int:
    """The decoding step (an output word, not <eos>) whose largest α is smallest: the step where
    the weights are most spread, so the fan over all states is seen. First on ties."""
    rows = np.asarray(attention, dtype=float)[:max(1, n_words)]
    return int(np.argmin(rows.max(axis=1)))


def weight_narration(alphas: np.ndarray, source: Sequence[str]) -> str:
    """Which word gets the most weight, and how the rest is shared, for one decoding step."""
    alphas = np.asarray(alphas, dtype=float)
    best = int(alphas.argmax())
    rest = 1.0 - float(alphas[best])
    others = len(alphas) - 1
    word = source[best]
    if others == 0:
        return f"With a single word, '{word}' gets all of it."
    if alphas[best] >= SHARP_WEIGHT:
        left = f"the remaining {percent(rest)}" if percent(rest)[0] != "<" else (
            "less than 1% between them" if others > 1 else "less than 1%")
        return (f"Almost all of it, {said_percent(alphas[best])}, goes to '{word}'; the other {others} "
                f"state{'s' if others > 1 else ''} share{'' if others > 1 else 's'} {left}.")
    second = int(np.argsort(-alphas, kind="stable")[1])
    return (f"The largest share, {said_percent(alphas[best])}, goes to '{word}'; '{source[second]}' gets "
            f"{said_percent(alphas[second])}, and every other state keeps a little.")


def softmax_parts(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """exp(e - max e) and its normalisation: the two stages of the softmax, as drawn."""
    scores = np.asarray(scores, dtype=float)
    exps = np.exp(scores - scores.max())
    return exps, exps / exps.sum()


def exp_text(v: float) -> str:
    """exp(e - e_max) at the precision of the percentage it becomes after the division (0.009 → 1%:
    shown as 0.009, not '<0.01', which would look like less than the 1% beside it)."""
    return f"{v:.2f}" if v >= 0.1 else f"{v:.3f}" if v >= 0.001 else "<0.001"


def score_narration(scores: np.ndarray, source: Sequence[str]) -> str:
    scores = np.asarray(scores, dtype=float)
    top = int(scores.argmax())
    low = int(scores.argmin())
    if len(scores) < 2:
        return f"One score, {scores[top]:+.1f}, for '{source[top]}'."
    return (f"The highest score, {scores[top]:+.1f}, is for '{source[top]}'; the lowest, "
            f"{scores[low]:+.1f}, for '{source[low]}'.")


def softmax_narration(scores: np.ndarray) -> str:
    """What the softmax does to these scores: 'becomes positive' only when some score is not, and
    the subtraction of the largest score (shown as e - e_max) said for what it is."""
    return " ".join(softmax_narration_parts(scores))


def softmax_narration_parts(scores: np.ndarray) -> tuple[str, str]:
    """softmax_narration as its two steps (exp, then the division), for a scene that shows each
    while it is said."""
    scores = np.asarray(scores, dtype=float)
    text = "The softmax turns scores into weights. Exponentiate each score minus the largest (the result is the same, " \
           "the numbers stay small): "
    if (scores <= 0).any():
        text += "every score becomes positive and the largest pulls far ahead."
    else:
        text += "the largest pulls far ahead."
    return text, "Then divide by their sum, so the weights add up to 100%."


# --- words the built-in grammar knows ---------------------------------------------------------------
ARTICLES = {"the", "a", "an", "some"}   # English articles of the built-in grammar


# --- a trend over lengths (length-curve's words) --------------------------------------------------
TREND_POINTS = 5.0    # a change of no more than this many points between the first and last group is not a trend
FLAT_POINTS = 5.0     # groups that all stay within this many points are "flat"
TREND_P = 0.05        # and the change must be unlikely as chance between two samples of that size


def change_is_real(first: float, n_first: int, last: float, n_last: int) -> bool:
    """Whether two exact-match shares (0-100) differ by more than their samples' chance: Fisher's
    exact test on the sentences right and wrong in each group (scipy), p < TREND_P."""
    from scipy.stats import fisher_exact

    right = (round(first / 100 * n_first), round(last / 100 * n_last))
    table = [[right[0], n_first - right[0]], [right[1], n_last - right[1]]]
    return bool(fisher_exact(table)[1] < TREND_P)


def trend(values: Sequence[float], counts: Sequence[int]) -> str:
    """How exact match (%) moves from the shortest length group to the longest, chosen from the size
    of the change AND the number of sentences behind it: 'falls' or 'rises' (more than TREND_POINTS,
    and beyond chance), 'flat' (every group within FLAT_POINTS), 'varies' (real changes both ways
    between neighbours), else 'unclear' (a change too small, or on too few sentences, to name)."""
    values, counts = list(values), list(counts)
    if len(values) < 2:
        return "flat"
    change = values[-1] - values[0]
    if abs(change) > TREND_POINTS and change_is_real(values[0], counts[0], values[-1], counts[-1]):
        return "falls" if change < 0 else "rises"
    if max(values) - min(values) <= FLAT_POINTS:
        return "flat"
    steps = [(b - a) for a, b in itertools.pairwise(values)]
    real = [d for d, (n0, n1, a, b) in zip(steps, zip(counts, counts[1:], values, values[1:]))
            if abs(d) > TREND_POINTS and change_is_real(a, n0, b, n1)]
    if any(d > 0 for d in real) and any(d < 0 for d in real):
        return "varies"
    return "unclear"


TREND_WORDS = {"falls": "it falls as sentences grow", "rises": "it rises as sentences grow",
               "flat": "it stays flat as sentences grow", "varies": "it goes up and down with length",
               "unclear": "too few sentences differ to call that a trend"}


def telling_terms(high: np.ndarray, low: np.ndarray, k: int) -> np.ndarray:
    """The k terms of two scores' sums (v_k·tanh(W s + U h_j)_k, one per unit of the attention
    layer) that differ most in the high score's favour, largest difference first."""
    diffs = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    return np.argsort(-diffs, kind="stable")[:min(k, len(diffs))]


def sign_flips(high: np.ndarray, low: np.ndarray, shown: Sequence[int]) -> list[int]:
    """The shown terms positive for the high word and negative for the low one: a term
    v_k·tanh(…)_k is positive exactly when v_k and unit k of tanh(W s + U h_j) agree in sign."""
    return [int(k) for k in shown if high[k] > 0 > low[k]]
