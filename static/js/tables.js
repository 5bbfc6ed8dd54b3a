/* Sortable tables: a <table data-sortable> whose header cells carry data-sort="number" or "text" sorts its
 * <tbody> rows by that column when the header is clicked (or activated with the keyboard: each sortable
 * header gets a button), using each cell's data-value (raw numbers, empty for "no value", always last).
 * aria-sort tells assistive technology the current order. Display only: the server's order is the rank.
 */
(function () {
  "use strict";

  var collator = new Intl.Collator("vi", { sensitivity: "base", numeric: true });

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    return cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
  }

  function sortBy(table, header, index, kind) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (x === "" && y === "") return 0;
      if (x === "") return 1;  // no value last, whatever the direction
      if (y === "") return -1;
      var order = kind === "number" ? parseFloat(x) - parseFloat(y) : collator.compare(x, y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var kind = header.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      while (header.firstChild) button.appendChild(header.firstChild);
      header.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, header, index, kind); });
    });
  });
})();
