/* The entry grid of a unit-month (templates/filings/entry.html).
 *
 * Shows, as the user types, the totals of report form 06 per row and for the grid, the balance
 * (carried over + received = resolved + pending) and the unit's online rate for the month. Display only:
 * the server checks and recomputes everything on save.
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
  var FIELDS = ["carried_over"].concat(NEW, RESOLVED, PENDING, ["returned_postal"]);
  // filings.rules.parse_count: digits, or thousands grouped in threes by one of . , space.
  var GROUPED = /^\d{1,3}([., \u00a0])\d{3}(\1\d{3})*$/;

  function parseCount(text) {
    text = (text || "").trim();
    if (text === "") return 0;
    if (/^\d+$/.test(text)) return parseInt(text, 10);
    if (GROUPED.test(text)) return parseInt(text.replace(/\D/g, ""), 10);
    return NaN;
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

  function cellValue(row, field) {
    var input = row.querySelector('[data-field="' + field + '"]');
    if (!input) return 0;
    if (input.tagName !== "INPUT") return parseInt(input.getAttribute("data-value") || "0", 10) || 0;
    var value = parseCount(input.value);
    var invalid = isNaN(value);
    input.classList.toggle("is-invalid", invalid);
    return invalid ? 0 : value;
  }

  function sum(values, fields) {
    return fields.reduce(function (total, f) { return total + values[f]; }, 0);
  }

  function setText(selector, text, root) {
    (root || form).querySelectorAll(selector).forEach(function (el) { el.textContent = text; });
  }

  function balanceMark(ok) {
    return ok ? '<span class="balance balance--ok">\u2713</span>' : '<span class="balance balance--off">\u2260</span>';
  }

  function recalc() {
    var totals = {};
    FIELDS.forEach(function (f) { totals[f] = 0; });
    var balanced = true;
    form.querySelectorAll("tr[data-row]").forEach(function (row) {
      var values = {};
      FIELDS.forEach(function (f) {
        values[f] = cellValue(row, f);
        totals[f] += values[f];
      });
      var received = sum(values, NEW), resolved = sum(values, RESOLVED), pending = sum(values, PENDING);
      setText('[data-total="new"]', formatCount(received), row);
      setText('[data-total="resolved"]', formatCount(resolved), row);
      setText('[data-total="pending"]', formatCount(pending), row);
      var ok = values.carried_over + received === resolved + pending;
      balanced = balanced && ok;
      row.classList.toggle("is-unbalanced", !ok);
      var mark = row.querySelector("[data-balance]");
      if (mark) mark.innerHTML = balanceMark(ok);
    });
    FIELDS.forEach(function (f) { setText('[data-sum="' + f + '"]', formatCount(totals[f])); });
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
    if (gridMark) gridMark.innerHTML = balanceMark(balanced);
  }

  // --- keyboard navigation ---------------------------------------------------------------------------

  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));

  function position(input) {
    var row = input.closest("tr[data-row]");
    return { row: rows.indexOf(row), col: FIELDS.indexOf(input.getAttribute("data-field")) };
  }

  function cellAt(rowIndex, colIndex) {
    var row = rows[rowIndex];
    if (!row || colIndex < 0 || colIndex >= FIELDS.length) return null;
    return row.querySelector('input[data-field="' + FIELDS[colIndex] + '"]');
  }

  function go(target) {
    if (!target) return false;
    target.focus();
    target.select();
    return true;
  }

  function onKeydown(event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-field]")) return;
    var at = position(input);
    var moved = false;
    if (event.key === "Enter") {
      event.preventDefault();  // never submit the form from a cell
      moved = go(cellAt(at.row + (event.shiftKey ? -1 : 1), at.col));
      if (!moved && !event.shiftKey) go(cellAt(0, at.col + 1));  // bottom of a column: top of the next
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowDown") moved = go(cellAt(at.row + 1, at.col));
    else if (event.key === "ArrowUp") moved = go(cellAt(at.row - 1, at.col));
    else if (event.key === "ArrowRight" && input.selectionStart === input.value.length && input.selectionEnd === input.value.length) {
      moved = go(cellAt(at.row, at.col + 1));
    } else if (event.key === "ArrowLeft" && input.selectionStart === 0 && input.selectionEnd === 0) {
      moved = go(cellAt(at.row, at.col - 1));
    }
    if (moved) event.preventDefault();
  }

  var dirty = false;
  form.addEventListener("input", function (event) {
    if (event.target.matches("input[data-field]")) {
      dirty = true;
      recalc();
    }
  });
  form.addEventListener("keydown", onKeydown);
  form.addEventListener("submit", function () { dirty = false; });

  var addInput = document.getElementById("add-procedure");
  var addButton = document.getElementById("add-button");
  if (addInput && addButton) {
    addInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        addButton.click();
      }
    });
  }

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

  recalc();
})();
