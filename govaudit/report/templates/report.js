// Sorting and filtering of the overview table; works from a file share, no server.
(function () {
  "use strict";
  var table = document.getElementById("sites");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter-text");
  var level = document.getElementById("filter-level");
  var grade = document.getElementById("filter-grade");
  var count = document.getElementById("shown-count");

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
    if (!numeric) { return raw.trim(); }
    var number = parseFloat(raw);
    return isNaN(number) ? -Infinity : number;
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    th.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "num";
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        other.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
        var order = numeric ? x - y : String(x).localeCompare(String(y), "zh-CN");
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });

  function filter() {
    var needle = text ? text.value.trim().toLowerCase() : "";
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (!needle || row.getAttribute("data-site").toLowerCase().indexOf(needle) >= 0) &&
        (!level || !level.value || row.getAttribute("data-level") === level.value) &&
        (!grade || !grade.value || row.getAttribute("data-grade") === grade.value);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    if (count) { count.textContent = "显示 " + shown + " / " + rows.length; }
  }
  [text, level, grade].forEach(function (control) {
    if (control) { control.addEventListener("input", filter); control.addEventListener("change", filter); }
  });
  document.getElementById("filters").addEventListener("submit", function (event) { event.preventDefault(); });
  filter();
}());
