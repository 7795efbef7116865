// The correct translation of a sentence, as model.trace.reference_of finds it, and which words of an
// output are right: model/corpus.py's rule-based French of the built-in grammar (reference_translation,
// in_grammar), or the pair file's own translations; scenes/kit/claims.py's check_words (an LCS alignment).
(function () {
  "use strict";
  const DETERMINERS = ["the", "a", "an", "some"];

  class Grammar {
    constructor(tables) {
      this.nouns = tables.nouns;
      this.adjectives = tables.adjectives;
      this.npJoiners = tables.np_joiners;
      this.clauseJoiners = tables.clause_joiners;
      this.vowels = new Set(tables.vowels);
      this.verbs = tables.verbs;  // [english singular, english plural, french singular, french plural]
      this.enNoun = new Map();
      for (const n of Object.keys(tables.nouns)) {
        this.enNoun.set(n, [n, false]);
        this.enNoun.set(tables.plurals[n] || n + "s", [n, true]);
      }
      this.enVerb = new Map();
      for (const [sg, pl, frSg, frPl] of this.verbs) { this.enVerb.set(sg, frSg); this.enVerb.set(pl, frPl); }
      this.joiner = {...this.npJoiners, ...this.clauseJoiners};
    }
    isAdjective(w) { return Object.prototype.hasOwnProperty.call(this.adjectives, w); }
    has(table, w) { return Object.prototype.hasOwnProperty.call(table, w); }

    nounPhrase(det, adjs, noun, plural) {
      const [frSg, gender, frPl] = this.nouns[noun], form = (plural ? 2 : 0) + (gender === "f" ? 1 : 0);
      const before = adjs.filter(a => this.adjectives[a][4] === "before").map(a => this.adjectives[a][form]);
      const after = [...adjs].reverse().filter(a => this.adjectives[a][4] === "after").map(a => this.adjectives[a][form]);
      const words = [...before, plural ? frPl : frSg, ...after];
      let frDet;
      if (plural) frDet = det === "the" ? "les" : "des";
      else if (det === "a") frDet = gender === "m" ? "un" : "une";
      else frDet = this.vowels.has(words[0][0]) ? "l'" : (gender === "m" ? "le" : "la");
      return [frDet, ...words];
    }

    // model/corpus.py: reference_translation
    reference(source) {
      const out = [];
      let i = 0;
      while (i < source.length) {
        let word = source[i];
        if (this.enVerb.has(word) || this.has(this.joiner, word)) {
          out.push(this.enVerb.get(word) || this.joiner[word]);
          i++;
          continue;
        }
        if (!DETERMINERS.includes(word)) return null;
        let j = i + 1;
        while (j < source.length && this.isAdjective(source[j])) j++;
        if (j >= source.length || !this.enNoun.has(source[j])) return null;
        const [noun, plural] = this.enNoun.get(source[j]);
        word = word === "an" ? "a" : word;
        if ((word === "a" && plural) || (word === "some" && !plural)) return null;
        out.push(...this.nounPhrase(word, source.slice(i + 1, j), noun, plural));
        i = j + 1;
      }
      return out;
    }

    nounPhraseEnd(tokens, i) {
      if (i >= tokens.length || !DETERMINERS.includes(tokens[i])) return null;
      let j = i + 1;
      while (j < tokens.length && this.isAdjective(tokens[j])) j++;
      if (j >= tokens.length || !this.enNoun.has(tokens[j])) return null;
      const plural = this.enNoun.get(tokens[j])[1];
      if ((["a", "an"].includes(tokens[i]) && plural) || (tokens[i] === "some" && !plural)) return null;
      return [j + 1, plural];
    }

    // model/corpus.py: in_grammar
    inGrammar(tokens) {
      const first = this.nounPhraseEnd(tokens, 0);
      if (!first) return false;
      let [end] = first;
      if (end < tokens.length && this.enVerb.has(tokens[end])) {
        let i = 0;
        for (;;) {
          const subject = this.nounPhraseEnd(tokens, i);
          if (!subject || subject[0] >= tokens.length) return false;
          const verb = tokens[subject[0]];
          if (!this.enVerb.has(verb) || !this.verbs.some(v => v[subject[1] ? 1 : 0] === verb)) return false;
          const obj = this.nounPhraseEnd(tokens, subject[0] + 1);
          if (!obj) return false;
          if (obj[0] === tokens.length) return true;
          if (!this.has(this.clauseJoiners, tokens[obj[0]])) return false;
          i = obj[0] + 1;
        }
      }
      while (end < tokens.length) {
        if (!this.has(this.npJoiners, tokens[end])) return false;
        const next = this.nounPhraseEnd(tokens, end + 1);
        if (!next) return false;
        end = next[0];
      }
      return true;
    }
  }

  // scenes/kit/claims.py: check_words. Output words on the longest common subsequence with the
  // reference are right, the others wrong; reference words off it are missing.
  function checkWords(reference, output, same = (a, b) => a === b) {
    const n = reference.length, m = output.length;
    const lcs = Array.from({length: n + 1}, () => new Array(m + 1).fill(0));
    for (let a = n - 1; a >= 0; a--)
      for (let b = m - 1; b >= 0; b--)
        lcs[a][b] = same(reference[a], output[b]) ? lcs[a + 1][b + 1] + 1 : Math.max(lcs[a + 1][b], lcs[a][b + 1]);
    const ok = new Array(m).fill(false);
    let a = 0, b = 0;
    while (a < n && b < m) {
      if (same(reference[a], output[b]) && lcs[a][b] === lcs[a + 1][b + 1] + 1) { ok[b] = true; a++; b++; }
      else if (lcs[a + 1][b] >= lcs[a][b + 1]) a++;
      else b++;
    }
    const right = ok.filter(Boolean).length;
    return {ok, wrong: m - right, missing: n - right, exact: right === m && right === n};
  }

  class References {
    constructor(spec) {
      this.kind = spec ? spec.kind : "none";
      this.grammar = this.kind === "grammar" ? new Grammar(spec.grammar) : null;
      this.pairs = this.kind === "file" ? spec.pairs : null;
    }
    // The correct translation's tokens, or null when none is known.
    of(tokens) {
      if (this.grammar) return this.grammar.reference(tokens);
      if (this.pairs) { const t = this.pairs[tokens.join(" ")]; return t === undefined ? null : t.split(" "); }
      return null;
    }
    // Whether the built-in grammar can make the sentence (null: not the built-in grammar's models).
    inGrammar(tokens) { return this.grammar ? this.grammar.inGrammar(tokens) : null; }
  }

  window.ExplorerReferences = {References, checkWords};
})();
