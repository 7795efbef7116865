// The trained models, run in the page: a plain-JavaScript forward pass of exactly the cells of
// model/networks.py, fed the very safetensors files whose sha256 the model cards record.
//   encoder: a unidirectional GRU (or LSTM) over the source embeddings: h_1..h_S;
//   plain / lstm: every decoder step reads the one fixed vector h_S (the bottleneck);
//   attention: e_ij = v·tanh(W s_{i-1} + U h_j + b), α_i = softmax_j(e_i), c_i = Σ_j α_ij h_j,
//              then a GRU cell on [embedding, c_i]; the output layer reads [s_i, c_i, embedding].
// Greedy decoding stops at <eos> or after min(max_target_len, 2 × source words + 5) words, as
// model/trace.py does. Text becomes tokens as the card records (model/corpus.py: Tokeniser).
// Arithmetic is in float64 on float32 weights; torch computes in float32, so values agree to ~1e-6.
(function () {
  "use strict";
  const SPECIALS = 4, SOS = 1, EOS = 2;

  // --- safetensors -------------------------------------------------------------------------------
  function bytesOf(base64) {
    const text = atob(base64), bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  function readSafetensors(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    const start = 8 + headerLength, tensors = {};
    for (const [name, spec] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      if (spec.dtype !== "F32") throw new Error(`tensor ${name} is ${spec.dtype}, not F32`);
      const [a, b] = spec.data_offsets;
      const copy = bytes.slice(start + a, start + b);  // aligned for a Float32Array
      tensors[name] = {shape: spec.shape, data: new Float32Array(copy.buffer)};
    }
    return tensors;
  }

  // --- linear algebra ------------------------------------------------------------------------------
  function matvec(m, x, bias) {  // m: {shape [R,C], data}, x: length C
    const [rows, cols] = m.shape, d = m.data, y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = bias ? bias.data[r] : 0;
      const o = r * cols;
      for (let c = 0; c < cols; c++) s += d[o + c] * x[c];
      y[r] = s;
    }
    return y;
  }
  const sigmoid = x => 1 / (1 + Math.exp(-x));
  function concat(...parts) {
    const n = parts.reduce((s, p) => s + p.length, 0), out = new Float64Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  function row(m, i) { const c = m.shape[1]; return Float64Array.from(m.data.subarray(i * c, (i + 1) * c)); }
  function argmax(v) { let best = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i; return best; }

  // torch.nn.GRU / GRUCell: gates r, z, n in this order
  function gru(p, x, state) {
    const h = state.h, gi = matvec(p.wih, x, p.bih), gh = matvec(p.whh, h, p.bhh), H = h.length;
    const out = new Float64Array(H);
    for (let k = 0; k < H; k++) {
      const r = sigmoid(gi[k] + gh[k]), z = sigmoid(gi[H + k] + gh[H + k]);
      const n = Math.tanh(gi[2 * H + k] + r * gh[2 * H + k]);
      out[k] = (1 - z) * n + z * h[k];
    }
    return {h: out};
  }
  // torch.nn.LSTM: gates i, f, g, o in this order
  function lstm(p, x, state) {
    const gi = matvec(p.wih, x, p.bih), gh = matvec(p.whh, state.h, p.bhh), H = state.h.length;
    const h = new Float64Array(H), c = new Float64Array(H);
    for (let k = 0; k < H; k++) {
      const i = sigmoid(gi[k] + gh[k]), f = sigmoid(gi[H + k] + gh[H + k]);
      const g = Math.tanh(gi[2 * H + k] + gh[2 * H + k]), o = sigmoid(gi[3 * H + k] + gh[3 * H + k]);
      c[k] = f * state.c[k] + i * g;
      h[k] = o * Math.tanh(c[k]);
    }
    return {h, c};
  }
  const CELLS = {GRU: gru, LSTM: lstm};

  function rnnParams(t, prefix, suffix) {
    const need = n => { if (!t[n]) throw new Error(`the weights lack ${n}`); return t[n]; };
    return {wih: need(`${prefix}.weight_ih${suffix}`), whh: need(`${prefix}.weight_hh${suffix}`),
            bih: need(`${prefix}.bias_ih${suffix}`), bhh: need(`${prefix}.bias_hh${suffix}`)};
  }

  // --- text → tokens (model/corpus.py: Tokeniser) --------------------------------------------------
  const WORD = /[\p{L}\p{N}_]+(?:['-][\p{L}\p{N}_]+)*'?/gu;
  const LEGACY_TOKEN = /\p{L}+'|[\p{L}\p{N}_]+(?:[-'][\p{L}\p{N}_]+)*/gu;
  const LEGACY_SPLIT = /^(\p{L}{1,2}')([\p{L}\p{N}_].*)$/u;
  const clean = text => text.normalize("NFC").replace(/[\u2019\u02bc]/g, "'");

  class Tokeniser {
    constructor(entry) {  // a card's corpus.tokens.<side>; null: a card from before (legacy)
      this.legacy = entry == null;
      this.lowercase = this.legacy || Boolean(entry.lowercase);
      this.elided = new Set(this.legacy ? [] : entry.elided || []);
    }
    isElided(token) {
      if (!token.endsWith("'") || token.length < 2) return false;
      return this.legacy || this.elided.has(token.slice(0, -1).toLowerCase());
    }
    tokens(text) {
      text = clean(text);
      if (this.lowercase) text = text.toLowerCase();
      if (this.legacy) {
        const out = [];
        for (const tok of text.match(LEGACY_TOKEN) || []) {
          const m = tok.match(LEGACY_SPLIT);
          if (m) out.push(m[1], m[2]); else out.push(tok);
        }
        return out;
      }
      const out = [];
      for (let word of text.match(WORD) || []) {
        if (word.endsWith("'") && !this.isElided(word)) word = word.slice(0, -1);
        while (word.slice(0, -1).includes("'")) {
          const cut = word.indexOf("'"), head = word.slice(0, cut + 1);
          if (!this.isElided(head)) break;
          out.push(head);
          word = word.slice(cut + 1);
        }
        out.push(word);
      }
      return out;
    }
    text(tokens) {
      let out = "", glue = true;
      for (const tok of tokens) { out += glue ? tok : " " + tok; glue = this.isElided(tok); }
      return out;
    }
  }

  // --- the closest known words (for a word the model does not know) --------------------------------
  function distance(a, b) {
    const d = Array.from({length: b.length + 1}, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0]; d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const keep = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = keep;
      }
    }
    return d[b.length];
  }
  function closest(word, known, n = 3) {
    const fold = word.toLowerCase();
    const same = known.filter(k => k.toLowerCase() === fold);
    const rest = known.filter(k => !same.includes(k))
      .map(k => [distance(fold, k.toLowerCase()) / Math.max(fold.length, k.length), k])
      .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)).map(p => p[1]);
    return [...same, ...rest].slice(0, n);
  }

  // --- a model ---------------------------------------------------------------------------------------
  class Model {
    constructor(entry) {
      this.entry = entry;
      this.name = entry.name;
      this.design = entry.design;
      if (!entry.design || !CELLS[entry.design.cell] || (entry.design.attends && entry.design.cell !== "GRU"))
        throw new Error(`the page does not run the '${entry.name}' model's design`);
      this.source = new Tokeniser(entry.tokens ? entry.tokens.source : null);
      this.target = new Tokeniser(entry.tokens ? entry.tokens.target : null);
      this.srcVocab = entry.vocab.source;
      this.tgtVocab = entry.vocab.target;
      this.srcIndex = new Map(this.srcVocab.map((w, i) => [w, i]));
      this.known = this.srcVocab.slice(SPECIALS);
      this.bytes = bytesOf(entry.weights);
      const t = this.t = readSafetensors(this.bytes);
      this.cell = CELLS[entry.design.cell];
      this.encoder = rnnParams(t, "encoder", "_l0");
      this.decoder = entry.design.attends ? rnnParams(t, "cell", "") : rnnParams(t, "decoder", "_l0");
      for (const n of ["src_emb.weight", "tgt_emb.weight", "out.weight", "out.bias",
                       ...(entry.design.attends ? ["W.weight", "U.weight", "U.bias", "v.weight"] : [])])
        if (!t[n]) throw new Error(`the '${entry.name}' weights lack ${n}`);
    }

    // Tokens of a sentence, or {error} as model.trace.check_sentence refuses it.
    check(sentence) {
      if (!sentence.trim()) return {error: "empty"};
      const tokens = this.source.tokens(sentence);
      if (!tokens.length) return {error: "no-words"};
      const unknown = [...new Set(tokens.filter(w => !this.srcIndex.has(w) || this.srcIndex.get(w) < SPECIALS))];
      if (unknown.length) return {error: "unknown", unknown: unknown.map(w => ({word: w, closest: closest(w, this.known)}))};
      if (tokens.length > this.entry.max_source_len) return {error: "too-long", tokens, limit: this.entry.max_source_len};
      return {tokens};
    }

    decodeLimit(sourceLength) { return Math.min(this.entry.max_target_len, 2 * sourceLength + 5); }

    // Greedy decoding of known tokens: {tokens (with a final "<eos>" when the model emitted one),
    // finished, limit, alpha [T][S] or null, states h_1..h_S}.
    run(tokens) {
      const t = this.t, cell = this.cell, lstmCell = this.design.cell === "LSTM";
      const zero = () => new Float64Array(t["encoder.weight_hh_l0"].shape[1]);
      let state = lstmCell ? {h: zero(), c: zero()} : {h: zero()};
      const states = [];
      for (const w of tokens) {
        state = cell(this.encoder, row(t["src_emb.weight"], this.srcIndex.get(w)), state);
        states.push(state.h);
      }
      const last = state.h, limit = this.decodeLimit(tokens.length), out = [], alphas = [];
      const keys = this.design.attends ? states.map(h => matvec(t["U.weight"], h, t["U.bias"])) : null;
      const v = t["v.weight"] ? t["v.weight"].data : null;
      let prev = SOS, hidden = state;
      for (let step = 0; step < limit; step++) {
        const emb = row(t["tgt_emb.weight"], prev);
        let context = last;
        if (this.design.attends) {
          const query = matvec(t["W.weight"], hidden.h), scores = new Float64Array(states.length);
          for (let j = 0; j < states.length; j++) {
            let s = 0;
            for (let a = 0; a < query.length; a++) s += v[a] * Math.tanh(query[a] + keys[j][a]);
            scores[j] = s;
          }
          const top = Math.max(...scores), alpha = scores.map(s => Math.exp(s - top));
          const sum = alpha.reduce((x, y) => x + y, 0);
          for (let j = 0; j < alpha.length; j++) alpha[j] /= sum;
          context = new Float64Array(last.length);
          for (let j = 0; j < states.length; j++) for (let k = 0; k < last.length; k++) context[k] += alpha[j] * states[j][k];
          alphas.push(Array.from(alpha));
        }
        hidden = cell(this.decoder, concat(emb, context), hidden);
        prev = argmax(matvec(t["out.weight"], concat(hidden.h, context, emb), t["out.bias"]));
        out.push(this.tgtVocab[prev]);
        if (prev === EOS) break;
      }
      return {tokens: out, finished: out[out.length - 1] === "<eos>", limit,
              alpha: this.design.attends ? alphas : null, states};
    }

    // sha256 of the embedded weights file, as its card records it (a promise; null when the browser
    // offers no digest here).
    async verify() {
      if (!(window.crypto && crypto.subtle)) return null;
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", this.bytes));
      return Array.from(digest, b => b.toString(16).padStart(2, "0")).join("") === this.entry.sha256;
    }
  }

  window.ExplorerModel = {Model, Tokeniser, closest, readSafetensors};
})();
