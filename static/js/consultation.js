// Online consultations: small helps for the response form, which works without them.
// Ranking: giving a place already taken swaps the two options' places. Multiple choice:
// once the most options allowed are ticked, the others are disabled until one is unticked.
(function () {
  "use strict";

  function ranking(form) {
    var selects = Array.prototype.slice.call(form.querySelectorAll("select.ranking-select"));
    selects.forEach(function (select) {
      select.dataset.previous = select.value;
      select.addEventListener("change", function () {
        selects.forEach(function (other) {
          if (other !== select && select.value && other.value === select.value) {
            other.value = select.dataset.previous || "";
            other.dataset.previous = other.value;
          }
        });
        select.dataset.previous = select.value;
      });
    });
  }

  function multiple(form, most) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name=option]"));
    function update() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      boxes.forEach(function (box) { box.disabled = !box.checked && ticked >= most; });
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-consultation-kind]").forEach(function (form) {
      var kind = form.dataset.consultationKind;
      if (kind === "ranking") ranking(form);
      if (kind === "multiple" && Number(form.dataset.maxChoices) > 0) {
        multiple(form, Number(form.dataset.maxChoices));
      }
    });
  });
})();
