(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mtcheck-data").textContent);
  var cards = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  var decisions = {};
  var current = -1;
  var statusBox = document.getElementById("status");
  var countBox = document.getElementById("decision-count");

  function visibleCards() {
    return cards.filter(function (card) { return !card.hidden; });
  }

  function sentenceFor(card) {
    return document.querySelector('a.sent[data-card="' + card.id + '"]');
  }

  function focusCard(card) {
    cards.forEach(function (other) {
      var mark = sentenceFor(other);
      if (mark) { mark.classList.toggle("current", other === card); }
    });
    current = cards.indexOf(card);
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "center" });
  }

  function move(step) {
    var shown = visibleCards();
    if (!shown.length) { return; }
    var at = shown.indexOf(document.activeElement.closest ? document.activeElement.closest(".finding") : null);
    if (at < 0 && current >= 0) {
      // Focus left the cards (a filter was clicked): continue from the last card that had it.
      at = shown.indexOf(cards[current]);
      if (at < 0) { at = step > 0 ? -1 : shown.length; }
    }
    var next = at < 0 ? (step > 0 ? 0 : shown.length - 1) : Math.min(shown.length - 1, Math.max(0, at + step));
    focusCard(shown[next]);
  }

  function checkedValues(selector) {
    var values = {};
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (box) { values[box.value] = box.checked; });
    return values;
  }

  function applyFilters() {
    var severities = checkedValues(".filter-severity");
    var signals = checkedValues(".filter-signal");
    var shown = 0;
    cards.forEach(function (card) {
      var severityOn = severities[card.dataset.severity] !== false;
      var signalOn = card.dataset.signals.split(" ").some(function (s) { return signals[s] !== false; });
      card.hidden = !(severityOn && signalOn);
      var mark = sentenceFor(card);
      if (mark) { mark.classList.toggle("filtered", card.hidden); }
      if (!card.hidden) { shown += 1; }
    });
    document.getElementById("empty-filter").hidden = shown > 0 || cards.length === 0;
  }

  function decide(card, action) {
    var label = card.querySelector(".decision-label");
    if (decisions[card.id] === action) {
      delete decisions[card.id];
    } else {
      decisions[card.id] = action;
    }
    var chosen = decisions[card.id] || "";
    card.classList.toggle("decided-accepted", chosen === "accepted");
    card.classList.toggle("decided-dismissed", chosen === "dismissed");
    Array.prototype.forEach.call(card.querySelectorAll("button.decide"), function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.action === chosen));
    });
    label.textContent = chosen;
    countBox.textContent = String(Object.keys(decisions).length);
  }

  function baseline() {
    var findings = Object.keys(decisions).sort().map(function (id) {
      var f = data.findings[id];
      return { fingerprint: f.fingerprint, path: f.path, text: f.text, decision: decisions[id] };
    });
    return { version: data.baseline.version, findings: findings };
  }
  window.mtcheckBaseline = baseline;

  function exportBaseline() {
    var text = JSON.stringify(baseline(), null, 2) + "\n";
    var blob = new Blob([text], { type: "application/json" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = data.baseline.filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    statusBox.textContent = "Exported " + baseline().findings.length + " decision(s) to " + data.baseline.filename;
  }

  function download(name, text, type) {
    var blob = new Blob([text], { type: type });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  // -- editing: the editor's choice per finding, applied as `mtcheck fix --decisions` applies it.
  // The same algorithm as mtcheck/fix/edits.py (a token diff placed on the characters' spans in the
  // article), on code points as Python counts them: change both together.
  var WORD = /[\p{L}\p{N}_]/u;
  var SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  var choices = {};
  var choiceCount = document.getElementById("choice-count");

  function tokenize(chars) {
    var out = [];
    var i = 0;
    while (i < chars.length) {
      if (SPACE.test(chars[i])) { i += 1; continue; }
      var j = i + 1;
      if (WORD.test(chars[i])) {
        while (j < chars.length && WORD.test(chars[j])) { j += 1; }
      }
      out.push([chars.slice(i, j).join(""), i, j]);
      i = j;
    }
    return out;
  }

  function hunks(a, b) {
    var n = a.length, m = b.length, i, j;
    var lcs = [];
    for (i = 0; i <= n; i += 1) { lcs.push(new Int32Array(m + 1)); }
    for (i = n - 1; i >= 0; i -= 1) {
      for (j = m - 1; j >= 0; j -= 1) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    var out = [], open = null;
    i = 0; j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) {
        if (open) { out.push([open[0], i, open[1], j]); open = null; }
        i += 1; j += 1;
        continue;
      }
      if (!open) { open = [i, j]; }
      if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) { i += 1; } else { j += 1; }
    }
    if (open) { out.push([open[0], n, open[1], m]); }
    return out;
  }

  function textChanges(orig, neu) {
    var a = tokenize(orig), b = tokenize(neu);
    var words = function (t) { return t[0]; };
    var out = [];
    hunks(a.map(words), b.map(words)).forEach(function (h) {
      var aLo = h[0] > 0 ? a[h[0] - 1][2] : 0, aHi = h[1] < a.length ? a[h[1]][1] : orig.length;
      var bLo = h[2] > 0 ? b[h[2] - 1][2] : 0, bHi = h[3] < b.length ? b[h[3]][1] : neu.length;
      var oldPiece = orig.slice(aLo, aHi), newPiece = neu.slice(bLo, bHi);
      var shorter = Math.min(oldPiece.length, newPiece.length);
      var prefix = 0, suffix = 0;
      while (prefix < shorter && oldPiece[prefix] === newPiece[prefix]) { prefix += 1; }
      while (suffix < shorter - prefix && oldPiece[oldPiece.length - 1 - suffix] === newPiece[newPiece.length - 1 - suffix]) { suffix += 1; }
      var start = aLo + prefix, end = aHi - suffix, replacement = newPiece.slice(prefix, newPiece.length - suffix);
      if (start !== end || replacement.length) { out.push([start, end, replacement]); }
    });
    return out;
  }

  function decodeSpans(runs) {
    var starts = [], ends = [];
    runs.forEach(function (run) {
      for (var k = 0; k < run[2]; k += 1) {
        starts.push(run[0] + k * run[1]);
        ends.push(run[0] + k * run[1] + run[1]);
      }
    });
    return [starts, ends];
  }

  function sentenceEdits(edit, originalText, newText) {
    if (newText === originalText) { return []; }
    var spans = decodeSpans(edit.spans), starts = spans[0], ends = spans[1];
    var orig = Array.from(originalText), n = orig.length;
    return textChanges(orig, Array.from(newText)).map(function (change) {
      var x = change[0], y = change[1], replacement = change[2], at;
      if (x < y) { return { start: starts[x], end: ends[y - 1], text: replacement.join("") }; }
      if (x === 0) {
        at = starts[0];
      } else if (x >= n) {
        at = ends[n - 1];
      } else {
        var leadsOn = replacement.length > 0 && SPACE.test(replacement[replacement.length - 1]) && !SPACE.test(replacement[0]);
        at = leadsOn ? ends[x - 1] : starts[x];
      }
      return { start: at, end: at, text: replacement.join("") };
    });
  }

  function chosenIds(docNumber) {
    return Object.keys(choices).filter(function (id) {
      return docNumber === undefined || data.findings[id].edit.doc === docNumber;
    }).sort(function (p, q) { return data.findings[p].edit.start - data.findings[q].edit.start; });
  }

  function editedText(docNumber) {
    var doc = data.documents[docNumber];
    var chars = Array.from(doc.text);
    var edits = [];
    chosenIds(docNumber).forEach(function (id) {
      var f = data.findings[id], c = choices[id];
      if (c.choice !== "keep") { edits = edits.concat(sentenceEdits(f.edit, f.text, c.text)); }
    });
    edits.sort(function (p, q) { return p.start - q.start || p.end - q.end; });
    var out = [], at = 0;
    edits.forEach(function (e) {
      if (e.start < at) { return; }
      out.push(chars.slice(at, e.start).join(""), e.text);
      at = e.end;
    });
    out.push(chars.slice(at).join(""));
    return out.join("");
  }
  window.mtcheckEditedText = editedText;

  function decisionsFile(docNumber) {
    var docs = data.documents.map(function (d) { return { path: d.path, sha256: d.sha256, format: d.format, decisions: [] }; });
    chosenIds().forEach(function (id) {
      var f = data.findings[id], c = choices[id];
      docs[f.edit.doc].decisions.push({
        sentence: f.edit.sentence, start: f.edit.start, end: f.edit.end, original: f.text,
        choice: c.choice, text: c.choice === "keep" ? "" : c.text
      });
    });
    return { schema: data.decisions.schema, version: data.decisions.version, documents: docNumber === undefined ? docs : [docs[docNumber]] };
  }
  window.mtcheckDecisions = decisionsFile;

  function showLiveDiff(card) {
    var f = data.findings[card.id], box = card.querySelector(".live-diff"), area = card.querySelector(".edit-text");
    if (!box || !area) { return; }
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var orig = Array.from(f.text), at = 0;
    textChanges(orig, Array.from(area.value)).forEach(function (change) {
      box.appendChild(document.createTextNode(orig.slice(at, change[0]).join("")));
      if (change[1] > change[0]) {
        var del = document.createElement("del");
        del.textContent = orig.slice(change[0], change[1]).join("");
        box.appendChild(del);
      }
      if (change[2].length) {
        var ins = document.createElement("ins");
        ins.textContent = change[2].join("");
        box.appendChild(ins);
      }
      at = change[1];
    });
    box.appendChild(document.createTextNode(orig.slice(at).join("")));
  }

  var CHOICE_LABELS = { suggestion: "using the suggestion", edit: "edited", keep: "keeping the original", candidate: "using a rejected candidate" };

  function choose(card, choice, candidate) {
    var f = data.findings[card.id];
    if (!f || !f.edit) { return; }
    var area = card.querySelector(".edit-text");
    var text = f.text;
    if (choice === "suggestion") {
      if (!f.edit.suggestion) { return; }
      text = f.edit.suggestion;
    } else if (choice === "edit") {
      text = area.value;
    } else if (choice === "candidate") {
      text = f.edit.candidates[candidate];
    }
    var previous = choices[card.id];
    if (previous && previous.choice === choice && choice !== "edit" && previous.candidate === candidate) {
      delete choices[card.id];  // a second press takes the choice back
    } else {
      choices[card.id] = { choice: choice, text: text, candidate: candidate };
    }
    var chosen = choices[card.id] ? choices[card.id].choice : "";
    card.querySelector(".editor").hidden = chosen !== "edit";
    ["suggestion", "edit", "keep", "candidate"].forEach(function (name) { card.classList.toggle("chose-" + name, chosen === name); });
    Array.prototype.forEach.call(card.querySelectorAll("button.choose"), function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.choice === chosen));
    });
    Array.prototype.forEach.call(card.querySelectorAll("button.choose-candidate"), function (button) {
      button.setAttribute("aria-pressed", String(chosen === "candidate" && Number(button.dataset.candidate) === candidate));
    });
    card.querySelector(".choice-label").textContent = CHOICE_LABELS[chosen] || "";
    choiceCount.textContent = String(Object.keys(choices).length);
    if (chosen === "edit") {
      showLiveDiff(card);
      area.focus();
    }
  }

  function editedName(path) {
    var name = path.split(/[\\/]/).pop() || "article.txt";
    var dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(0, dot) + ".edited" + name.slice(dot) : name + ".edited.txt";
  }

  function downloadArticle(docNumber) {
    var doc = data.documents[docNumber];
    if (doc.text === null) {
      download(data.decisions.filename, JSON.stringify(decisionsFile(docNumber), null, 2) + "\n", "application/json");
      statusBox.textContent = "HTML article: apply " + data.decisions.filename + " with mtcheck fix --decisions";
      return;
    }
    download(editedName(doc.path), editedText(docNumber), "text/plain;charset=utf-8");
    statusBox.textContent = "Downloaded " + editedName(doc.path) + " with " + chosenIds(docNumber).length + " choice(s)";
  }

  function exportDecisions() {
    download(data.decisions.filename, JSON.stringify(decisionsFile(), null, 2) + "\n", "application/json");
    statusBox.textContent = "Exported " + chosenIds().length + " choice(s) to " + data.decisions.filename;
  }

  document.addEventListener("input", function (event) {
    var area = event.target.closest ? event.target.closest(".edit-text") : null;
    if (!area) { return; }
    var card = area.closest(".finding");
    if (choices[card.id] && choices[card.id].choice === "edit") { choices[card.id].text = area.value; }
    showLiveDiff(card);
  });

  // Findings already in the baseline start as accepted, so an export keeps them.
  cards.forEach(function (card) {
    var f = data.findings[card.id];
    if (f && f.suppressed === "baseline") { decide(card, "accepted"); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    var key = event.key;
    if (target && target.tagName === "TEXTAREA" && key === "Escape" && target.closest(".finding")) {
      focusCard(target.closest(".finding"));  // leave the editor, keep the edit
      event.preventDefault();
      return;
    }
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) { return; }
    if (key === "j" || key === "n" || key === "ArrowDown" || key === "ArrowRight") {
      move(1);
      event.preventDefault();
    } else if (key === "k" || key === "p" || key === "ArrowUp" || key === "ArrowLeft") {
      move(-1);
      event.preventDefault();
    } else if ((key === "a" || key === "d") && document.activeElement && document.activeElement.classList.contains("finding")) {
      decide(document.activeElement, key === "a" ? "accepted" : "dismissed");
      event.preventDefault();
    } else if ((key === "u" || key === "e" || key === "o") && document.activeElement && document.activeElement.classList.contains("finding")) {
      choose(document.activeElement, { u: "suggestion", e: "edit", o: "keep" }[key]);
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.decide");
    if (button) {
      decide(button.closest(".finding"), button.dataset.action);
      return;
    }
    var choice = event.target.closest("button.choose");
    if (choice) {
      choose(choice.closest(".finding"), choice.dataset.choice);
      return;
    }
    var pick = event.target.closest("button.choose-candidate");
    if (pick) {
      choose(pick.closest(".finding"), "candidate", Number(pick.dataset.candidate));
      return;
    }
    var downloadButton = event.target.closest("button.download-article");
    if (downloadButton) {
      downloadArticle(Number(downloadButton.dataset.doc));
      return;
    }
    var sentence = event.target.closest("a.sent[data-card]");
    if (sentence) {
      var card = document.getElementById(sentence.dataset.card);
      if (card && !card.hidden) {
        event.preventDefault();
        focusCard(card);
      }
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll(".filter-severity, .filter-signal"), function (box) {
    box.addEventListener("change", applyFilters);
  });
  document.getElementById("export-baseline").addEventListener("click", exportBaseline);
  document.getElementById("export-decisions").addEventListener("click", exportDecisions);
  applyFilters();
})();
