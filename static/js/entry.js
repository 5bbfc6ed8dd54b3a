/* The entry grid of a unit-month (templates/filings/entry.html).
 *
 * Shows, as the user types, the totals of report form 06 per row and for the grid, the balance
 * (carried over + received = resolved + pending), the unit's online rate for the month, and the
 * warnings of filings/quality.py: a row whose new filings fall outside the range the server computed
 * from the unit's recent months (data-range), online receipts of a procedure not offered online
 * (data-level), and the month's total and online rate against the unit's baseline (the same binomial
 * test as filings.quality.rate_is_outlier), and a Decision 766 count more than what it counts a part of
 * (filings.rules.SCORE_CEILINGS, which the page hands over as data-score-ceilings). Display only: the
 * server checks everything on save.
 *
 * Decision 766: seven more cells a row after the ten of form 06 (synced ... ratings_satisfied), hidden
 * until the clerk ticks #show-scores (remembered in localStorage). An empty one is "not reported" (null
 * here, None on the server), never 0; an empty count of form 06 is 0.
 *
 * Sending: the inputs have no names. On submit the rows the user changed (or that the server marked
 * data-unsaved: typed before a refused save, or carried over from last month) go as one JSON field,
 * `changes`, so that a month of 2,000 procedures posts a few fields whatever the size of the grid.
 *
 * Rows: the server renders the rows with figures and the procedures offered online; the others the
 * unit offers come a page at a time (#show-folded), and the search box finds any procedure of the
 * catalogue (GET data-rows-url?q=...), both as <tr> rows inserted into the grid.
 *
 * Keyboard: Enter / ArrowDown = cell below, Shift+Enter / ArrowUp = cell above, ArrowLeft / ArrowRight at
 * the edge of the text = neighbouring cell, Ctrl+S = save the draft. Enter never submits by accident.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-entry-grid]");
  if (!form) return;

  var DECIMAL = form.getAttribute("data-decimal") || ",";
  var THOUSAND = form.getAttribute("data-thousand") || ".";
  var NEW = ["received_online", "received_direct", "received_postal"];
  var RESOLVED = ["resolved_early", "resolved_on_time", "resolved_late"];
  var PENDING = ["pending_on_time", "pending_overdue"];
  var COUNTS = ["carried_over"].concat(NEW, RESOLVED, PENDING, ["returned_postal"]);
  var SCORES = ["synced", "fee_required", "paid_online", "digitised", "e_results", "ratings", "ratings_satisfied"];
  var FIELDS = COUNTS.concat(SCORES);
  var IS_SCORE = {};
  SCORES.forEach(function (f) { IS_SCORE[f] = true; });
  var CEILINGS = JSON.parse(form.getAttribute("data-score-ceilings") || "[]");
  var ONLINE_LEVELS = { full: true, partial: true };
  // filings.rules.parse_count: digits, or thousands grouped in threes by one of . , space.
  var GROUPED = /^\d{1,3}([., \u00a0])\d{3}(\1\d{3})*$/;
  var MAX_COUNT = 10000000;
  var editable = form.getAttribute("data-editable") === "1";
  var body = document.getElementById("grid-rows");

  function pair(name) {
    var text = form.getAttribute(name);
    if (!text) return null;
    var parts = text.split(",");
    return [parseFloat(parts[0]), parseFloat(parts[1])];
  }

  var totalRange = pair("data-total-range");
  var rateBase = pair("data-rate-base");
  var rateTest = pair("data-rate-test");

  function parseCount(text) {
    text = (text || "").trim();
    var value = NaN;
    if (text === "") value = 0;
    else if (/^\d+$/.test(text)) value = parseInt(text, 10);
    else if (GROUPED.test(text)) value = parseInt(text.replace(/\D/g, ""), 10);
    return value > MAX_COUNT ? NaN : value;
  }

  function formatCount(n) {
    var digits = String(Math.abs(n));
    var out = "";
    while (digits.length > 3) {
      out = THOUSAND + digits.slice(-3) + out;
      digits = digits.slice(0, -3);
    }
    return (n < 0 ? "\u2212" : "") + digits + out;
  }

  // The percentage num/den rounded half away from zero to two decimals, in integers (as the server does).
  function formatRate(num, den) {
    if (!den) return "\u2014";
    var hundredths = Math.floor((2 * num * 10000 + den) / (2 * den));
    var whole = Math.floor(hundredths / 100);
    var cents = String(hundredths % 100).padStart(2, "0");
    return formatCount(whole) + DECIMAL + cents + "%";
  }

  // filings.quality.rate_is_outlier
  function rateIsOutlier(online, n) {
    if (!rateBase || !rateTest || !n) return false;
    var base = rateBase[0] / rateBase[1];
    var p0 = Math.min(Math.max(base, 0.01), 0.99);
    var z = (online - n * p0) / Math.sqrt(n * p0 * (1 - p0));
    return Math.abs(z) >= rateTest[0] && Math.abs(online / n - base) * 100 >= rateTest[1];
  }

  function rows() {
    return Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));
  }

  function inputsOf(row) {
    return row.querySelectorAll("input");
  }

  // {count: number}; a Decision 766 count empty (not reported) or not valid is null.
  function rowValues(row) {
    var values = {};
    var inputs = inputsOf(row);
    FIELDS.forEach(function (f, i) {
      var input = inputs[i];
      var empty = !input || input.value.trim() === "";
      var value = input ? parseCount(input.value) : 0;
      if (input) input.classList.toggle("is-invalid", isNaN(value));
      if (IS_SCORE[f]) values[f] = empty || isNaN(value) ? null : value;
      else values[f] = isNaN(value) ? 0 : value;
    });
    return values;
  }

  // filings.rules.score_warnings: each known Decision 766 count against the sum it counts a part of.
  function scoreWarnings(values) {
    var warnings = [];
    CEILINGS.forEach(function (ceiling) {
      var value = values[ceiling[0]];
      if (value === null || value === undefined) return;
      var limit = 0;
      for (var i = 0; i < ceiling[1].length; i++) {
        var part = values[ceiling[1][i]];
        if (part === null || part === undefined) return;  // not reported: nothing to check against
        limit += part;
      }
      if (value > limit) {
        warnings.push(ceiling[2].replace("%(value)s", formatCount(value)).replace("%(limit)s", formatCount(limit)));
      }
    });
    return warnings;
  }

  function sum(values, fields) {
    return fields.reduce(function (total, f) { return total + values[f]; }, 0);
  }

  function setText(selector, text, root) {
    (root || form).querySelectorAll(selector).forEach(function (el) { el.textContent = text; });
  }

  function mark(ok, warnings) {
    var html = ok ? '<span class="balance balance--ok">\u2713</span>' : '<span class="balance balance--off">\u2260</span>';
    if (warnings.length) {
      var span = document.createElement("span");
      span.className = "flag";
      span.title = warnings.join("; ");
      span.textContent = "\u26a0";
      html += span.outerHTML;
    }
    return html;
  }

  // The warnings of a row other than its balance (which has its own mark).
  function rowWarnings(row, values, received) {
    var warnings = [];
    var range = row.getAttribute("data-range");
    if (range) {
      var bounds = range.split(",").map(Number);
      if (received < bounds[0] || received > bounds[1]) warnings.push(form.getAttribute("data-msg-outlier"));
    }
    // Rows of fields have no data-level: a field has no online level to check.
    if (values.received_online > 0 && row.hasAttribute("data-level") && !ONLINE_LEVELS[row.getAttribute("data-level")]) {
      warnings.push(form.getAttribute("data-msg-online"));
    }
    return warnings.concat(scoreWarnings(values));
  }

  // One row's totals, balance and warning marks (the server rendered them; this follows the typing).
  function recalcRow(row) {
    var values = rowValues(row);
    var received = sum(values, NEW), resolved = sum(values, RESOLVED), pending = sum(values, PENDING);
    setText('[data-total="new"]', formatCount(received), row);
    setText('[data-total="resolved"]', formatCount(resolved), row);
    setText('[data-total="pending"]', formatCount(pending), row);
    var ok = values.carried_over + received === resolved + pending;
    var warnings = rowWarnings(row, values, received);
    row.classList.toggle("is-unbalanced", !ok);
    row.classList.toggle("is-flagged", warnings.length > 0);
    var cell = row.querySelector("[data-balance]");
    if (cell) cell.innerHTML = mark(ok, warnings);
  }

  // The grid's totals, its online rate as typed and, once the user has typed, the live warning count.
  function recalcTotals() {
    var totals = {};
    COUNTS.forEach(function (f) { totals[f] = 0; });
    SCORES.forEach(function (f) { totals[f] = null; });  // the rows that report it; none: not reported
    var balanced = true;
    var flagged = 0;  // rows with a warning as typed
    rows().forEach(function (row) {
      var values = rowValues(row);
      FIELDS.forEach(function (f) {
        if (values[f] !== null) totals[f] = (totals[f] || 0) + values[f];
      });
      var received = sum(values, NEW);
      var ok = values.carried_over + received === sum(values, RESOLVED) + sum(values, PENDING);
      balanced = balanced && ok;
      if (!ok || rowWarnings(row, values, received).length) flagged += 1;
    });
    FIELDS.forEach(function (f) {
      setText('[data-sum="' + f + '"]', totals[f] === null ? "\u2014" : formatCount(totals[f]));
    });
    var received = sum(totals, NEW);
    setText('[data-sum-total="new"]', formatCount(received));
    setText('[data-sum-total="resolved"]', formatCount(sum(totals, RESOLVED)));
    setText('[data-sum-total="pending"]', formatCount(sum(totals, PENDING)));
    setText("[data-online-rate]", formatRate(totals.received_online, received));
    var gridBalance = form.querySelector("[data-grid-balance]");
    if (gridBalance) {
      gridBalance.textContent = balanced ? gridBalance.getAttribute("data-ok") : gridBalance.getAttribute("data-off");
    }
    var gridMark = form.querySelector("[data-grid-balance-mark]");
    if (gridMark) gridMark.innerHTML = mark(balanced, []);
    // Until the user types, the count is the server's (which also knows the rows not shown).
    if (!dirty) return;
    var monthFlags = 0;
    if (totalRange && (received < totalRange[0] || received > totalRange[1])) monthFlags += 1;
    if (rateIsOutlier(totals.received_online, received)) monthFlags += 1;
    var live = flagged + monthFlags;
    var count = form.querySelector("[data-warning-count]");
    if (count) count.textContent = String(live);
    var panel = document.getElementById("warnings");
    if (panel) {
      var hint = panel.querySelector("[data-live-warnings]");
      if (hint) hint.hidden = live === 0;
      panel.classList.toggle("is-empty", live === 0 && !panel.querySelector(".flag-list, #unconfirmed"));
    }
  }

  // --- the rows: accessible names, changes, more rows ------------------------------------------------

  // The Decision 766 cells are labelled once they are first shown (hidden, nobody reaches them): the
  // page of 300 rows is ready sooner.
  var scoresPrepared = false;

  function label(row, from, to) {
    var pid = row.getAttribute("data-row");
    var inputs = inputsOf(row);
    for (var i = from; i < to && i < inputs.length; i++) {
      inputs[i].setAttribute("aria-labelledby", "p" + pid + " h" + i);
      inputs[i].setAttribute("inputmode", "numeric");
    }
  }

  function prepare(row) {
    label(row, 0, scoresPrepared ? FIELDS.length : COUNTS.length);
  }

  function prepareScores() {
    if (scoresPrepared) return;
    scoresPrepared = true;
    rows().forEach(function (row) { label(row, COUNTS.length, FIELDS.length); });
  }

  function changed(row) {
    if (row.hasAttribute("data-unsaved")) return true;
    return Array.prototype.some.call(inputsOf(row), function (input) { return input.value !== input.defaultValue; });
  }

  var present = {};
  rows().forEach(function (row) { present[row.getAttribute("data-row")] = true; prepare(row); });

  function insert(html, into) {
    var template = document.createElement("template");
    template.innerHTML = "<table><tbody>" + html + "</tbody></table>";
    var added = [];
    template.content.querySelectorAll("tr[data-row]").forEach(function (row) {
      var pid = row.getAttribute("data-row");
      if (present[pid]) return;
      present[pid] = true;
      prepare(row);
      into.appendChild(row);
      added.push(row);
    });
    return added;
  }

  function fetchRows(params) {
    var url = form.getAttribute("data-rows-url") + "?" + new URLSearchParams(params).toString();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  var showFolded = document.getElementById("show-folded");
  if (showFolded) {
    showFolded.addEventListener("click", function () {
      showFolded.disabled = true;
      fetchRows({ offset: showFolded.getAttribute("data-offset") }).then(function (data) {
        var added = insert(data.html, document.getElementById("folded-rows"));
        if (data.next === null) {
          document.getElementById("folded-more").remove();
        } else {
          showFolded.setAttribute("data-offset", data.next);
          showFolded.disabled = false;
        }
        if (added.length) added[0].querySelector("input").focus();
      }).catch(function () { showFolded.disabled = false; });
    });
  }

  // --- search --------------------------------------------------------------------------------------

  function fold(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\u0111/g, "d");
  }

  var search = document.getElementById("grid-search");
  var searchTimer = null;
  var lastQuery = "";
  if (search) {
    search.addEventListener("input", function () {
      var query = fold(search.value.trim());
      rows().forEach(function (row) {
        var header = row.querySelector("th");
        row.hidden = query !== "" && fold(header.textContent).indexOf(query) === -1;
      });
      clearTimeout(searchTimer);
      if (query.length < 2 || search.value.trim() === lastQuery) return;
      searchTimer = setTimeout(function () {
        lastQuery = search.value.trim();
        fetchRows({ q: lastQuery }).then(function (data) {
          insert(data.html, document.getElementById("found-rows"));
        }).catch(function () {});
      }, 250);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // never submit the form from the search box
        var first = rows().filter(function (row) { return !row.hidden; })[0];
        if (first) first.querySelector("input").focus();
      }
    });
  }

  // --- the Decision 766 columns --------------------------------------------------------------------

  var STORE = "dvc.entry.scores";
  var showScores = document.getElementById("show-scores");
  var grid = document.getElementById("entry-grid");

  function setScores(on) {
    if (on) prepareScores();
    showScores.checked = on;
    grid.classList.toggle("entry-grid--scores", on);
  }

  if (showScores && grid) {
    var remembered = null;
    try { remembered = window.localStorage.getItem(STORE); } catch (e) { /* storage refused */ }
    // Shown when the clerk left them shown, or when one of their cells holds an error of a refused save.
    setScores(remembered === "1" || !!grid.querySelector('tr[data-row] > :nth-child(n+15):nth-child(-n+21) input[aria-invalid="true"]'));
    showScores.addEventListener("change", function () {
      setScores(showScores.checked);
      try { window.localStorage.setItem(STORE, showScores.checked ? "1" : "0"); } catch (e) { /* storage refused */ }
    });
  }

  // --- keyboard navigation ---------------------------------------------------------------------------

  function visibleRows() {
    return rows().filter(function (row) { return !row.hidden; });
  }

  function position(input) {
    var row = input.closest("tr[data-row]");
    var list = visibleRows();
    return { rows: list, row: list.indexOf(row), col: Array.prototype.indexOf.call(inputsOf(row), input) };
  }

  function cellAt(list, rowIndex, colIndex) {
    var row = list[rowIndex];
    var width = showScores && showScores.checked ? FIELDS.length : COUNTS.length;  // hidden cells are skipped
    if (!row || colIndex < 0 || colIndex >= width) return null;
    return inputsOf(row)[colIndex] || null;
  }

  function go(target) {
    if (!target) return false;
    target.focus();
    target.select();
    return true;
  }

  function onKeydown(event) {
    var input = event.target;
    if (!input.matches || !input.matches("tr[data-row] input")) return;
    var at = position(input);
    var moved = false;
    if (event.key === "Enter") {
      event.preventDefault();  // never submit the form from a cell
      moved = go(cellAt(at.rows, at.row + (event.shiftKey ? -1 : 1), at.col));
      if (!moved && !event.shiftKey) go(cellAt(at.rows, 0, at.col + 1));  // bottom of a column: top of the next
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowDown") moved = go(cellAt(at.rows, at.row + 1, at.col));
    else if (event.key === "ArrowUp") moved = go(cellAt(at.rows, at.row - 1, at.col));
    else if (event.key === "ArrowRight" && input.selectionStart === input.value.length && input.selectionEnd === input.value.length) {
      moved = go(cellAt(at.rows, at.row, at.col + 1));
    } else if (event.key === "ArrowLeft" && input.selectionStart === 0 && input.selectionEnd === 0) {
      moved = go(cellAt(at.rows, at.row, at.col - 1));
    }
    if (moved) event.preventDefault();
  }

  // --- saving ----------------------------------------------------------------------------------------

  var dirty = rows().some(function (row) { return row.hasAttribute("data-unsaved"); });
  form.addEventListener("input", function (event) {
    if (event.target.matches("tr[data-row] input")) {
      dirty = true;
      recalcRow(event.target.closest("tr[data-row]"));
      recalcTotals();
    }
  });
  form.addEventListener("keydown", onKeydown);
  form.addEventListener("submit", function () {
    var changes = {};
    rows().forEach(function (row) {
      if (!changed(row)) return;
      var cells = {};
      inputsOf(row).forEach(function (input, i) { cells[FIELDS[i]] = input.value; });
      changes[row.getAttribute("data-row")] = cells;
    });
    form.querySelector('input[name="changes"]').value = JSON.stringify(changes);
    dirty = false;
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
      var save = document.getElementById("save-draft");
      if (save) {
        event.preventDefault();
        save.click();
      }
    }
  });

  // Leaving with unsaved figures asks first (the browser shows its own wording).
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  if (editable) {
    var first = body && body.querySelector("tr[data-row] input");
    if (first && !document.querySelector("#form-errors, #conflict, #unconfirmed")) first.focus();
    var invalid = body && body.querySelector('input[aria-invalid="true"]');
    if (invalid) invalid.focus();
    var confirm = document.getElementById("confirm-warnings");
    if (confirm && document.getElementById("unconfirmed")) confirm.focus();
    // The rows come computed from the server; a re-shown form's totals are what was typed.
    recalcTotals();
  }
  // Every handler is bound: the keys (Ctrl+S) work from here on.
  form.setAttribute("data-ready", "");
})();
