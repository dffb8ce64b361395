/* Print buttons (data-print): only a script can print, so they stay hidden without one. The
 * receipt's print stylesheet is in portal.css (@media print). */
(function () {
  "use strict";
  function reveal(root) {
    root.querySelectorAll("[data-print][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    reveal(document);
  });
  /* A pending payment's page swaps the receipt in later. */
  document.addEventListener("htmx:afterSettle", function (event) {
    reveal(event.detail.elt);
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
