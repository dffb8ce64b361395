/* The accountant's export (templates/invoices/export.html): without a script the form posts and
 * the browser saves the ZIP itself. With one, the ZIP is fetched as a stream and a <progress>
 * with a polite live region counts the invoices as they arrive (each PDF starts with a ZIP
 * local file header, PK\x03\x04); then it is saved. A stream cut midway (the server aborts a
 * failed export, so the ZIP lacks its closing record) is said plainly, and nothing is saved. An answer that is not a ZIP (an
 * error page) takes the page's place. */
(function () {
  "use strict";
  var SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

  function text(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }

  function filename(response) {
    var found = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return found ? found[1] : "invoices.zip";
  }

  function counter() {
    var carry = [];
    var seen = 0;
    return function (chunk) {
      var bytes = carry.length ? Uint8Array.from(carry.concat(Array.from(chunk))) : chunk;
      for (var i = 0; i + 3 < bytes.length; i++) {
        if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x03 && bytes[i + 3] === 0x04) seen++;
      }
      carry = Array.from(bytes.slice(Math.max(0, bytes.length - (SIGNATURE.length - 1))));
      return seen;
    };
  }

  /* A whole ZIP ends with its end-of-central-directory record (22 bytes, no comment). */
  function complete(chunks) {
    var tail = [];
    for (var i = chunks.length - 1; i >= 0 && tail.length < 22; i--) {
      tail = Array.from(chunks[i]).concat(tail);
    }
    tail = tail.slice(-22);
    return tail.length === 22 && tail[0] === 0x50 && tail[1] === 0x4b && tail[2] === 0x05 && tail[3] === 0x06;
  }

  function showPage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.getElementById("main");
    if (main) document.getElementById("main").replaceWith(main);
    if (window.htmx) window.htmx.process(document.getElementById("main"));
    // The button pressed is gone: focus goes to what the new page says first.
    var said = document.querySelector("#main [role=alert], #main h1");
    if (said) {
      said.setAttribute("tabindex", "-1");
      said.focus();
    }
  }

  async function download(form) {
    var box = document.querySelector("[data-export-progress]");
    var bar = box.querySelector("progress");
    var status = box.querySelector("[data-export-status]");
    var texts = document.querySelector("[data-export-texts]").dataset;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      var response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/zip") !== 0) {
        showPage(await response.text());
        return;
      }
      var total = parseInt(response.headers.get("X-Export-Invoices") || "0", 10);
      var count = counter();
      var chunks = [];
      var reader = response.body.getReader();
      bar.max = total || 1;
      bar.value = 0;
      bar.hidden = false;
      status.textContent = text(total === 1 ? texts.countingOne : texts.counting, { done: 0, total: total });
      for (;;) {
        var part = await reader.read();
        if (part.done) break;
        chunks.push(part.value);
        var done = Math.min(count(part.value), total);
        if (done !== bar.value) {
          bar.value = done;
          status.textContent = text(total === 1 ? texts.countingOne : texts.counting, { done: done, total: total });
        }
      }
      if (!complete(chunks)) throw new Error("cut short");
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob(chunks, { type: "application/zip" }));
      link.download = filename(response);
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
      bar.value = bar.max;
      status.textContent = texts.saved;
    } catch (error) {
      status.textContent = texts.failed;
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-export]")) return;
    if (!window.fetch || !window.ReadableStream || !window.URLSearchParams) return;
    event.preventDefault();
    download(form);
  });
})();
