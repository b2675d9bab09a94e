// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy needs no
// inline script: a <select data-autosubmit> submits its form when changed.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    const el = e.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });
})();

// A wide table scrolls inside its own box on a small screen (site.css): keyboard users reach
// such a box by Tab when nothing in it can take focus (WCAG 2.1.1).
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("main table").forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1) {
        if (!t.hasAttribute("tabindex")) t.setAttribute("tabindex", "0");
      } else if (t.getAttribute("tabindex") === "0") {
        t.removeAttribute("tabindex");
      }
    });
  }
  // After load, when layout is done anyway: reading it then costs nothing more.
  window.addEventListener("load", function () { window.requestAnimationFrame(mark); });
  window.addEventListener("resize", mark);
  document.addEventListener("htmx:afterSettle", mark);
})();
