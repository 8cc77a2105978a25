// The authorisation page of a connector: use the proposed addresses (one, or all of the page),
// (the copy buttons are portal.js's).
(function () {
  "use strict";

  function useSuggestion(button) {
    var input = document.getElementById(button.dataset.target);
    if (!input || input.readOnly) return;
    input.value = button.dataset.useSuggestion;
    var row = input.closest("tr");
    var toggle = row && row.querySelector("input[role=switch]");
    if (toggle && !toggle.disabled) toggle.checked = true;
  }

  document.addEventListener("click", function (event) {
    var one = event.target.closest("[data-use-suggestion]");
    if (one) {
      useSuggestion(one);
      return;
    }
    if (event.target.closest("[data-use-all-suggestions]")) {
      document.querySelectorAll("[data-use-suggestion]").forEach(useSuggestion);
      return;
    }
  });
})();
