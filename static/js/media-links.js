/* Polls that respect a hidden tab.
 *
 * Keeps media-JWT PDF links fresh (download-invoice-pdf.md: a media JWT lives about 60 s).
 * The links fragment says in data-refresh-in when its JWT should be replaced; this asks htmx
 * for a new fragment then, never while the tab is hidden, and at once when the tab shows
 * again with a stale JWT. A fragment without data-refresh-in (signed out, HTTP 286) stops it. */
(function () {
  "use strict";
  var timer = null;
  var dueAt = Infinity;

  function poller() {
    return document.querySelector("[data-media-links]");
  }

  function refresh() {
    var element = poller();
    if (!element || document.visibilityState !== "visible") return;
    window.clearTimeout(timer);
    dueAt = Infinity;
    window.htmx.trigger(element, "refresh-links");
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var element = poller();
    if (!element || event.detail.elt !== element) return;
    var marker = element.querySelector("[data-refresh-in]");
    window.clearTimeout(timer);
    if (!marker) {
      dueAt = Infinity;
      return;
    }
    var seconds = Number(marker.getAttribute("data-refresh-in")) || 1;
    dueAt = Date.now() + seconds * 1000;
    timer = window.setTimeout(refresh, seconds * 1000);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && Date.now() >= dueAt) refresh();
  });

  /* Other polls (the pending payment's, marked data-poll) send nothing from a hidden tab:
   * the due request is held back, and sent at once when the tab shows again. */
  var held = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (document.visibilityState === "visible" || !element.hasAttribute("data-poll")) return;
    event.preventDefault();
    held = element;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || !held) return;
    var element = held;
    held = null;
    if (document.body.contains(element)) window.htmx.trigger(element, "poll-now");
  });
})();
