// Optional: sort a "table.sortable" by clicking a column header (pages work without it;
// server-sorted tables use links in their headers instead).
(function () {
  "use strict";
  function key(cell) {
    var text = (cell.textContent || "").trim();
    var d = text.match(/^(\d{2})\/(\d{2})\/(\d{4})/);
    if (d) { return d[3] + d[2] + d[1]; }
    var n = text.replace(/[\s\u00a0\u202f%h€]/g, "").replace(",", ".");
    if (n !== "" && !isNaN(Number(n))) { return Number(n); }
    return text.toLocaleLowerCase("fr");
  }
  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var descending = th.getAttribute("aria-sort") === "ascending";
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      var r = x < y ? -1 : (x > y ? 1 : 0);
      return descending ? -r : r;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      if (!table.tHead || !table.tBodies.length) { return; }
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "th-sort";
        button.textContent = th.textContent;
        button.addEventListener("click", function () { sortBy(table, index, th); });
        th.textContent = "";
        th.appendChild(button);
      });
    });
  });
})();
