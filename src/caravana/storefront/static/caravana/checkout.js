// The checkout's and the order page's payment forms, kept out of the HTML (the Content-Security-Policy allows no inline script).
// Without JavaScript every method's fields are shown under its choice and the server ignores
// those of a method not chosen; with it, only the chosen method's fields are shown (the hidden
// attribute, never style=). The error summary, when the page comes back with errors, takes the
// focus, and its links move the focus to their field.
(function () {
  "use strict";

  function sync(form) {
    const chosen = form.querySelector("input[name=method]:checked");
    form.querySelectorAll(".method-fields[data-method]").forEach(function (el) {
      el.hidden = !chosen || el.getAttribute("data-method") !== chosen.value;
    });
  }

  function start() {
    document.querySelectorAll("form[data-method-fields]").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (e) {
        if (e.target instanceof HTMLInputElement && e.target.name === "method") sync(form);
      });
    });
    const summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (e) {
        const link = e.target instanceof Element ? e.target.closest("a[href^='#']") : null;
        const field = link && document.getElementById(link.getAttribute("href").slice(1));
        if (field) {
          e.preventDefault();
          field.scrollIntoView({ block: "center" });
          field.focus();
        }
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
