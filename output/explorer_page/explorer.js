// The explorer page: a sentence in, every model's output, the attention model's α as a heatmap that
// is also a table, and one output word's fan over the encoder states (drawn, and as a table).
// Everything shown is computed here from the models in data.js (see model.js); nothing is fetched.
(function () {
  "use strict";
  const DATA = window.EXPLORER_DATA;
  const {Model} = window.ExplorerModel;
  const {References, checkWords} = window.ExplorerReferences;
  const references = new References(DATA.references);
  const $ = id => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "style") Object.assign(node.style, v);
      else if (k in node) node[k] = v; else node.setAttribute(k, v);
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  };
  const svg = (tag, attrs = {}, text) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text != null) node.textContent = text;
    return node;
  };

  // --- colours: the film's roles, its weight scale, readable text on a fill ----------------------------
  let theme = "dark";
  const colours = () => DATA.themes[theme];
  const rgb = hex => [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16) / 255);
  const toHex = c => "#" + c.map(x => Math.round(Math.min(1, Math.max(0, x)) * 255).toString(16).padStart(2, "0")).join("");
  const mix = (a, b, t) => { const x = rgb(a), y = rgb(b); return toHex(x.map((v, i) => v + (y[i] - v) * t)); };
  // scenes/kit/theme.py weight_to_color: panel → the role's colour, strength w^0.6
  const weightColour = (w, role = "alpha") => mix(colours().panel, colours()[role], Math.pow(Math.min(1, Math.max(0, w)), 0.6));
  function luminance(hex) {
    const c = rgb(hex).map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  const contrast = (a, b) => { const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
  // The theme's text or background colour, whichever reads better on the fill; black or white when
  // neither reaches WCAG AA's 4.5:1.
  function textOn(fill) {
    const c = colours(), pick = [c.text, c.background].sort((a, b) => contrast(b, fill) - contrast(a, fill))[0];
    return contrast(pick, fill) >= 4.5 ? pick : (contrast("#000000", fill) >= contrast("#ffffff", fill) ? "#000000" : "#ffffff");
  }

  // Python's f"{x:.0%}" (round half to even), so the table reads as `render.py trace` prints it.
  function percent(x) {
    const y = x * 100, f = Math.floor(y), d = y - f;
    const n = d > 0.5 ? f + 1 : d < 0.5 ? f : (f % 2 === 0 ? f : f + 1);
    return `${n}%`;
  }

  // --- the models -----------------------------------------------------------------------------------------
  const models = [], notes = [];
  for (const entry of DATA.models) {
    if (!entry.weights) { notes.push(entry.skipped || `the '${entry.name}' model is not run by this page`); continue; }
    try { models.push(new Model(entry)); } catch (err) { notes.push(`the '${entry.name}' model is skipped: ${err.message}`); }
  }
  const attending = models.find(m => m.design.attends);
  const main = attending || models[0];
  const [sourceLanguage, targetLanguage] = [main.entry.languages?.source || "source", main.entry.languages?.target || "target"];
  const designNote = m => `${m.design.cell}${m.design.attends ? " + attention" : ", no attention"}`;
  const roleOf = m => `model_${m.name}` in colours() ? `model_${m.name}` : "text";

  function bucketOf(n, evaluation) {
    for (const key of Object.keys(evaluation || {})) {
      const [lo, hi] = key.split("-").map(Number);
      if (lo <= n && n <= hi) return key;
    }
    return null;
  }

  // --- the page's state and drawing -----------------------------------------------------------------------
  let current = null, chosen = 0, first = true;

  function setTheme(name) {
    theme = name in DATA.themes ? name : "dark";
    document.documentElement.dataset.theme = theme;
    for (const [role, colour] of Object.entries(colours())) document.documentElement.style.setProperty(`--${role.replace("_", "-")}`, colour);
    const other = theme === "dark" ? "light" : "dark";
    $("theme").textContent = `${other[0].toUpperCase()}${other.slice(1)} theme`;
    $("theme").setAttribute("aria-pressed", String(theme === "light"));
    $("ramp").style.background = `linear-gradient(to right, ${[0, 0.1, 0.25, 0.5, 0.75, 1].map(w => weightColour(w)).join(", ")})`;
    if (current) draw(current);
  }

  function status(text, isError = false) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  // Run every model on a sentence: {sentence, tokens, runs: [{model, result}]} or {error}
  function compute(sentence) {
    const checked = main.check(sentence);
    if (checked.error) return {sentence, error: checked};
    const runs = [];
    for (const model of models) {
      const own = model === main ? checked : model.check(sentence);
      if (own.error) { runs.push({model, error: own}); continue; }
      runs.push({model, result: model.run(own.tokens)});
    }
    return {sentence, tokens: checked.tokens, runs, reference: references.of(checked.tokens),
            inGrammar: references.inGrammar(checked.tokens)};
  }

  function explainError(error, model) {
    const example = DATA.example;
    switch (error.error) {
      case "empty": return `Type a few ${sourceLanguage} words, e.g. "${example}".`;
      case "no-words": return "That has no words once punctuation is removed.";
      case "too-long": return `The sentence has ${error.tokens.length} words; the model reads at most ${error.limit}.`;
      case "unknown": {
        const parts = error.unknown.map(u => `'${u.word}' (closest known: ${u.closest.join(", ")})`);
        return `The ${model.name} model does not know the word${error.unknown.length > 1 ? "s" : ""} ${parts.join("; ")}.`;
      }
    }
    return "The model cannot read this sentence.";
  }

  function show(sentence) {
    current = compute(sentence);
    if (current.error) {
      status(explainError(current.error, main), current.error.error !== "empty");
      chips(current.error.error === "unknown" ? current.error.unknown[0].closest : null);
      return current;
    }
    chips(null);
    const read = `${current.tokens.length} word${current.tokens.length > 1 ? "s" : ""}: ${current.tokens.join(" ")}`;
    if (current.inGrammar === false)
      status(`${read}. This is not a sentence of the grammar the models learned (noun phrase [verb noun phrase] ` +
             "[and|or|but|with …]), so their outputs are guesses.", true);
    else status(read);
    const run = current.runs.find(r => r.model === attending);
    const rows = run && run.result ? run.result.tokens.length : 0;
    chosen = Math.min(chosen, Math.max(0, rows - 1));
    if (first && run && run.result) chosen = bestFanWord(run.result);
    draw(current);
    return current;
  }

  // The first fan shows the output word that looks most clearly at one source word (the article's
  // 'zone' → 'area' kind), not the end token.
  function bestFanWord(result) {
    let best = 0, top = -1;
    result.alpha.forEach((row, i) => {
      if (result.tokens[i] === "<eos>") return;
      const m = Math.max(...row);
      if (m > top) { top = m; best = i; }
    });
    return best;
  }

  function draw(state) {
    drawOutputs(state);
    drawHeatmap(state);
    drawFan(state);
    drawFootnote();
    if (first && attending) {
      first = false;
      window.explorerTimings.firstHeatmap = performance.now();
    }
  }

  // scenes/kit/claims.py: verdict
  function verdict(check) {
    if (check.exact) return "every word right";
    const parts = [];
    if (check.wrong) parts.push(`${check.wrong} of ${check.ok.length} words wrong`);
    if (check.missing) parts.push(`${check.missing} missing`);
    return parts.join(", ");
  }

  function outputWords(model, words, wrong) {
    const out = el("p", {className: "output"});
    words.forEach((w, i) => {
      if (i > 0 && !model.target.isElided(words[i - 1])) out.append(" ");
      out.append(wrong && wrong[i] ? el("mark", {}, w, el("span", {className: "visually-hidden"}, " (wrong)")) : w);
    });
    if (!words.length) out.append("(nothing)");
    return out;
  }

  function drawOutputs(state) {
    const list = el("div", {className: "models"});
    const reference = state.reference;
    if (reference) {
      const source = references.kind === "grammar" ? "the grammar's rule" : "the pair file's translation";
      list.append(el("p", {className: "reference"}, `Correct ${targetLanguage} (${source}): `,
        outputWords(main, reference, null)));
    } else {
      list.append(el("p", {className: "reference"}, `No correct ${targetLanguage} is known for this sentence, so nothing is marked right or wrong.`));
    }
    const base = state.runs.find(r => r.model === attending && r.result);
    for (const {model, result, error} of state.runs) {
      const box = el("div", {className: "model"});
      box.style.borderLeftColor = colours()[roleOf(model)];
      box.append(el("h3", {}, el("span", {style: {color: colours()[roleOf(model)]}}, `${model.name} `),
                    el("span", {className: "design"}, `(${designNote(model)})`)));
      if (error) { box.append(el("p", {className: "note"}, explainError(error, model))); list.append(box); continue; }
      const words = result.tokens.filter(t => t !== "<eos>");
      const same = model.entry.exact_ignores_case ? (a, b) => a.toLowerCase() === b.toLowerCase() : (a, b) => a === b;
      const check = reference ? checkWords(reference, words, same) : null;
      box.append(outputWords(model, words, check ? check.ok.map(ok => !ok) : null));
      const facts = [];
      if (check) facts.push(verdict(check).replace("words wrong", "words wrong (marked)"));
      else if (base && model !== attending) {
        const other = base.result.tokens.filter(t => t !== "<eos>");
        facts.push(other.join(" ") === words.join(" ") ? `the same as the ${attending.name} model's output`
                                                       : `not the same as the ${attending.name} model's output`);
      }
      if (!result.finished) facts.push(`decoding stopped at its cap of ${result.limit} words without an end token`);
      const bucket = bucketOf(state.tokens.length, model.entry.evaluation);
      if (bucket && model.entry.evaluation[bucket].n) {
        const e = model.entry.evaluation[bucket];
        facts.push(`on the test split it translates ${Math.round(e.exact_match * 1000) / 10} % of the ${e.n} sentences ` +
                   `of ${bucket.replace("-", "–")} words exactly`);
      }
      if (facts.length) box.append(el("p", {className: "note"}, facts.join("; ") + "."));
      list.append(box);
    }
    $("output-list").replaceChildren(list);
    $("notes").replaceChildren(...notes.map(n => el("li", {}, n[0].toUpperCase() + n.slice(1) + ".")));
  }

  function drawHeatmap(state) {
    const table = $("alpha-table"), run = attending && state.runs.find(r => r.model === attending);
    if (!run || !run.result) {
      table.replaceChildren(el("caption", {}, attending ? "No α: the attention model cannot read this sentence."
                                                        : "No model of this set attends, so there is no α to show."));
      $("heatmap-help").textContent = "";
      return;
    }
    const {tokens, alpha} = run.result, source = state.tokens;
    $("heatmap-help").textContent = `Each row is one word the ${attending.name} model wrote; each column one ${sourceLanguage} word it read. ` +
      "A cell is that word's weight α: the share of its look at the source that went to that word (each row sums to 100 %). " +
      "Press a row's word to see its fan below.";
    const head = el("tr", {}, el("th", {scope: "col"}, "output ↓"), ...source.map(w => el("th", {scope: "col"}, w)));
    const body = el("tbody");
    tokens.forEach((t, i) => {
      const row = alpha[i], best = row.indexOf(Math.max(...row));
      const tr = el("tr", {className: i === chosen ? "chosen" : ""},
        el("th", {scope: "row", onclick: () => choose(i)}, t));
      row.forEach((a, j) => {
        const fill = weightColour(a);
        const text = percent(a);
        tr.append(el("td", {style: {background: fill, color: textOn(fill)}}, j === best ? el("strong", {}, text) : text));
      });
      body.append(tr);
    });
    table.replaceChildren(
      el("caption", {}, "α in %: output words (rows) attending to source words (columns)"),
      el("thead", {}, head), body);
  }

  function choose(i) {
    chosen = i;
    $("fan-word").value = String(i);
    if (current) { drawHeatmap(current); drawFan(current); }
  }

  function drawFan(state) {
    const select = $("fan-word"), box = $("fan-svg"), run = attending && state.runs.find(r => r.model === attending);
    if (!run || !run.result) {
      select.replaceChildren(); box.replaceChildren(); $("fan-table").replaceChildren();
      $("fan-desc").textContent = "No fan to draw without α.";
      return;
    }
    const {tokens, alpha} = run.result, source = state.tokens, c = colours();
    select.replaceChildren(...tokens.map((t, i) => el("option", {value: String(i)}, `${i + 1}. ${t}`)));
    select.value = String(chosen);
    const row = alpha[chosen], S = source.length, step = 64, rotate = S > 10;
    const width = Math.max(560, S * step + 40), height = rotate ? 300 : 250, top = 34, base = 170;
    box.setAttribute("viewBox", `0 0 ${width} ${height}`);
    box.setAttribute("width", width); box.setAttribute("height", height);
    const x = j => 20 + step * (j + 0.5) + (width - 40 - S * step) / 2;
    const best = row.indexOf(Math.max(...row));
    // the output word stands above the state it weighs most (kept inside the drawing), so on a long
    // sentence its strongest line is short and in view
    const from = Math.min(width - 80, Math.max(80, S > 8 ? x(best) : width / 2));
    const nodes = [svg("rect", {x: from - 70, y: 6, width: 140, height: 30, rx: 6, fill: c.background, stroke: c.decoder}),
                   svg("text", {x: from, y: 26, "text-anchor": "middle", fill: c.target, "font-size": 16}, tokens[chosen])];
    row.forEach((a, j) => {
      nodes.push(svg("line", {x1: from, y1: top + 2, x2: x(j), y2: base - 28, stroke: c.alpha,
                              "stroke-width": (0.6 + 9 * a).toFixed(2), opacity: (0.18 + 0.82 * a).toFixed(3), "stroke-linecap": "round"}));
    });
    row.forEach((a, j) => {
      const fill = weightColour(a, "encoder");
      nodes.push(svg("rect", {x: x(j) - 24, y: base, width: 48, height: 30, rx: 5, fill, stroke: c.encoder}));
      nodes.push(svg("text", {x: x(j), y: base + 20, "text-anchor": "middle", fill: textOn(fill), "font-size": 13}, `h${j + 1}`));
      nodes.push(svg("text", {x: x(j), y: base - 8, "text-anchor": "middle", fill: j === best ? c.alpha : c.muted,
                              "font-size": 12, "font-weight": j === best ? 700 : 400}, percent(a)));
      const label = svg("text", {x: x(j), y: base + 48, fill: c.source, "font-size": 13,
                                 "text-anchor": rotate ? "end" : "middle"}, source[j]);
      if (rotate) label.setAttribute("transform", `rotate(-40 ${x(j)} ${base + 48})`);
      nodes.push(label);
    });
    box.replaceChildren(...nodes);
    const frame = box.parentElement;
    frame.scrollLeft = Math.max(0, from - frame.clientWidth / 2);
    const share = row[best] >= 0.5 ? `Most of its weight, ${percent(row[best])}, goes` : `Its largest weight, ${percent(row[best])}, goes`;
    $("fan-desc").textContent = `'${tokens[chosen]}' (output word ${chosen + 1} of ${tokens.length}) weighs every encoder state h_j; ` +
      `the line to h_j is as thick as its α, and the word reads c = Σ α_j h_j. ${share} ` +
      `to h${best + 1}, the state after '${source[best]}'.`;
    const cells = (label, values) => el("tr", {}, el("th", {scope: "row"}, label), ...values);
    const table = [
      el("caption", {}, `α in %: where output word '${tokens[chosen]}' looked`),
      el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "source word"), ...source.map(w => el("th", {scope: "col"}, w)))),
      el("tbody", {},
         cells("encoder state", source.map((_, j) => el("td", {}, `h${j + 1}`))),
         cells(`α of '${tokens[chosen]}'`, row.map((a, j) => el("td", {}, j === best ? el("strong", {}, percent(a)) : percent(a)))))];
    $("fan-table").replaceChildren(...table);
  }

  const verified = new Map();
  function drawFootnote() {
    const parts = models.map(m => `the trained '${m.name}' model (weights ${m.entry.sha256.slice(0, 8)})`);
    const checked = models.every(m => verified.get(m) === true);
    const foot = $("footnote");
    const named = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0];
    foot.replaceChildren(`Real values from ${named}, computed in this page from their weights files` +
      (checked ? "; each file's sha256 was checked here against its model card." : "."));
    const bad = models.filter(m => verified.get(m) === false);
    if (bad.length) foot.append(el("span", {className: "warning"},
      ` The weights of ${bad.map(m => m.name).join(", ")} do not match their sha256: this page was changed.`));
  }

  function drawAbout() {
    const about = $("about");
    about.replaceChildren(
      el("p", {}, `Models from the folder '${DATA.models_dir}'. Each runs as model/networks.py defines it, greedy decoding stopping at the end ` +
        "token or after 2 × (source words) + 5 words, as `render.py trace` decodes. The page computes in double precision from the float32 weights; " +
        "PyTorch computes in single precision, so a weight may differ from `render.py trace --json` in its sixth decimal."),
      el("ul", {}, ...DATA.models.map(m => el("li", {}, `${m.name}: sha256 `, el("code", {}, m.sha256)))));
  }

  // --- the sentence box and the word chips --------------------------------------------------------------------
  const input = $("sentence");
  function currentPrefix() {
    const v = input.value, cut = v.slice(0, input.selectionStart ?? v.length);
    const m = cut.match(/[\p{L}\p{N}_'-]*$/u);
    return m ? m[0] : "";
  }
  // The known words that start as the word at the caret does; for a word that starts no known word,
  // the closest known ones.
  function chips(closestWords) {
    const prefix = currentPrefix().toLowerCase();
    const starting = main.known.filter(w => w.toLowerCase().startsWith(prefix));
    const words = starting.length || !closestWords ? starting : closestWords;
    const buttons = words.map((w, i) => el("button", {type: "button", tabIndex: i === 0 ? 0 : -1, onclick: () => addWord(w)}, w));
    $("chips").replaceChildren(...buttons);
  }
  function addWord(word) {
    const v = input.value, end = input.selectionStart ?? v.length, prefix = currentPrefix();
    const before = v.slice(0, end - prefix.length), after = v.slice(end);
    const spaced = before && !/\s$/.test(before) ? before + " " : before;
    input.value = spaced + word + " " + after.replace(/^\s+/, "");
    const caret = (spaced + word + " ").length;
    input.focus();
    input.setSelectionRange(caret, caret);
    changed();
  }
  $("chips").addEventListener("keydown", event => {
    const buttons = [...$("chips").querySelectorAll("button")], i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    const to = {ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: buttons.length - 1}[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, to))];
    buttons.forEach(b => { b.tabIndex = b === next ? 0 : -1; });
    next.focus();
  });

  function changed() {
    show(input.value);
    history.replaceState(null, "", "#" + encodeURIComponent(input.value.trim()));
  }
  input.addEventListener("input", changed);
  input.addEventListener("keyup", event => { if (event.key.startsWith("Arrow") || event.key === "Home" || event.key === "End") chips(null); });
  $("fan-word").addEventListener("change", event => choose(Number(event.target.value)));
  $("theme").addEventListener("click", () => setTheme(theme === "dark" ? "light" : "dark"));

  function fromHash() {
    try { return decodeURIComponent(location.hash.slice(1)); } catch (err) { return location.hash.slice(1); }
  }
  window.addEventListener("hashchange", () => { input.value = fromHash(); show(input.value); });

  // --- start ------------------------------------------------------------------------------------------------------
  window.explorerTimings = {scriptStart: performance.now()};
  $("sentence-label").textContent = `${sourceLanguage} sentence`;
  $("lead").textContent = `Type a sentence in ${sourceLanguage}: the trained models translate it into ${targetLanguage} here, in this page, ` +
    (attending ? `and the ${attending.name} model shows where each ${targetLanguage} word looked.` : "(none of these models attends).");
  $("heatmap-title").textContent = `Where each ${targetLanguage} word looked: α`;
  const params = new URLSearchParams(location.search);
  if (params.has("compact")) document.body.classList.add("compact");  // a slide: less prose, more picture
  setTheme(params.get("theme") || (window.matchMedia && matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark"));
  drawAbout();
  input.value = fromHash() || DATA.example;
  show(input.value);
  Promise.all(models.map(m => m.verify().then(ok => verified.set(m, ok)))).then(drawFootnote, () => {});

  // For tests and benchmarks: run a model on a sentence as the page does.
  window.explorer = {
    models: Object.fromEntries(models.map(m => [m.name, m])),
    notes,
    show,
    run(name, sentence) {
      const model = this.models[name], checked = model.check(sentence);
      return checked.error ? {error: checked.error} : model.run(checked.tokens);
    },
  };
})();
