// Behaviour shared by every page. No inline scripts anywhere: the Content-Security-Policy
// forbids them.
(function () {
  "use strict";

  // A menu (gear, account) closes on Escape and when the user clicks elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  // A button data-copy="#selector" copies that element's text (addresses to paste elsewhere).
  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (!copy) return;
    var source = document.querySelector(copy.dataset.copy);
    var status = copy.parentElement.querySelector(".copy-status");
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (status) status.textContent = "Copiée";
    });
  });

  // On a phone, each row of a table is a card (portal.css): each cell shows its column's
  // heading, copied here from the table's head, again after htmx swaps rows in.
  function labelCells(root) {
    root.querySelectorAll("table.table").forEach(function (table) {
      var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.querySelector(".visually-hidden") ? "" : th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (headings[index] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", headings[index]);
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  // A swap may bring a whole table or one row of it (a saved authorisation): label them all.
  document.addEventListener("htmx:afterSettle", function () { labelCells(document); });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
})();
