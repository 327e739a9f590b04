// The form builder's small behaviours: drag-and-drop order, fields shown per step kind, and
// condition rows. htmx swaps the editor after each save; htmx.onLoad re-runs on new content.
(function () {
  "use strict";

  function showFieldsForKind(root) {
    root.querySelectorAll("[data-step-form]").forEach(function (form) {
      var kind = form.querySelector("[name=kind]");
      if (!kind) return;
      form.querySelectorAll("[data-kinds]").forEach(function (el) {
        el.hidden = el.dataset.kinds.split(" ").indexOf(kind.value) === -1;
      });
    });
  }

  htmx.onLoad(function (root) {
    root.querySelectorAll("[data-sortable]").forEach(function (list) {
      // Sortable fires "end" on the list; the surrounding form posts the new order on it.
      Sortable.create(list, { handle: ".drag", animation: 150, ghostClass: "dragging" });
    });
    showFieldsForKind(root);
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") showFieldsForKind(document);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-branch]");
    if (!button) return;
    var fieldset = button.closest("[data-branches]");
    var total = fieldset.querySelector("[name$=TOTAL_FORMS]");
    var html = fieldset.querySelector("[data-branch-template]").innerHTML;
    fieldset.querySelector("[data-branch-rows]")
      .insertAdjacentHTML("beforeend", html.replace(/__prefix__/g, total.value));
    total.value = Number(total.value) + 1;
  });
})();
