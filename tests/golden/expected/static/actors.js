// Actor index: filter by name/role and type, sort by column. Works offline,
// from file://; without JavaScript the full tables are shown.
(function () {
  "use strict";
  var form = document.getElementById("actor-filters");
  if (!form) return;
  form.hidden = false;
  var input = document.getElementById("actor-filter");
  var count = document.getElementById("actor-count");
  var groups = Array.prototype.slice.call(document.querySelectorAll(".actor-group"));

  function apply() {
    var q = input.value.trim().toLowerCase();
    var types = {};
    form.querySelectorAll('input[name="type"]').forEach(function (box) { types[box.value] = box.checked; });
    var shown = 0;
    groups.forEach(function (group) {
      var visible = 0;
      group.querySelectorAll("tbody tr").forEach(function (row) {
        var ok = types[group.dataset.type] && (!q || row.dataset.search.indexOf(q) !== -1);
        row.hidden = !ok;
        if (ok) visible++;
      });
      group.hidden = visible === 0;
      shown += visible;
    });
    count.textContent = shown + (shown === 1 ? " actor shown" : " actors shown");
  }
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });

  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") !== "descending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var numeric = th.dataset.sort === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].textContent.trim(), y = b.cells[col].textContent.trim();
          var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
          return descending ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  apply();
})();
