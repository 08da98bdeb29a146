// Timeline filters: by actor, by source, key dates only. Works offline and
// from file://; without JavaScript every event is shown.
(function () {
  "use strict";
  var form = document.getElementById("timeline-filters");
  if (!form) return;
  form.hidden = false;
  var actor = document.getElementById("filter-actor");
  var source = document.getElementById("filter-source");
  var key = document.getElementById("filter-key"); // absent on a page without key dates
  var count = document.getElementById("timeline-count");
  var empty = document.getElementById("timeline-empty");

  function apply() {
    var shown = 0;
    document.querySelectorAll(".timeline-year li.event, .background li.event").forEach(function (li) {
      var ok = (!actor.value || (" " + li.dataset.actors + " ").indexOf(" " + actor.value + " ") !== -1) &&
               (!source.value || (" " + li.dataset.sources + " ").indexOf(" " + source.value + " ") !== -1) &&
               (!key || !key.checked || li.dataset.key === "1" || li.closest(".background"));
      li.hidden = !ok;
      if (ok && !li.closest(".background")) shown++;
    });
    document.querySelectorAll(".timeline-month, .timeline-year").forEach(function (sec) {
      sec.hidden = !sec.querySelector("li.event:not([hidden])");
    });
    count.textContent = shown + (shown === 1 ? " event shown" : " events shown");
    empty.hidden = shown !== 0;
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
