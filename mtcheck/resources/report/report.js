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

  // Findings already in the baseline start as accepted, so an export keeps them.
  cards.forEach(function (card) {
    var f = data.findings[card.id];
    if (f && f.suppressed === "baseline") { decide(card, "accepted"); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) { return; }
    var key = event.key;
    if (key === "j" || key === "n" || key === "ArrowDown" || key === "ArrowRight") {
      move(1);
      event.preventDefault();
    } else if (key === "k" || key === "p" || key === "ArrowUp" || key === "ArrowLeft") {
      move(-1);
      event.preventDefault();
    } else if ((key === "a" || key === "d") && document.activeElement && document.activeElement.classList.contains("finding")) {
      decide(document.activeElement, key === "a" ? "accepted" : "dismissed");
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.decide");
    if (button) {
      decide(button.closest(".finding"), button.dataset.action);
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
  applyFilters();
})();
