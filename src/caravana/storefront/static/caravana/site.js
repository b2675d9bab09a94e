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

// The product page's pictures: a gallery button or an option (a colour) shows its picture as
// the main one, from the thumbnails already listed in its data-* attributes.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    const button = e.target instanceof Element ? e.target.closest("button[data-picture]") : null;
    const main = document.querySelector("[data-main-picture]");
    if (!button || !main) return;
    const source = main.querySelector("source");
    const img = main.querySelector("img");
    if (!img) return;
    if (source) source.srcset = button.dataset.webp;
    img.srcset = button.dataset.jpgSrcset;
    img.src = button.dataset.jpg;
    img.alt = button.dataset.alt;
    main.dataset.showing = button.dataset.picture;
    document.querySelectorAll("button[data-picture]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.picture === button.dataset.picture && b.parentElement === button.parentElement ? "true" : "false");
    });
  });
})();

// The search box's suggestions (a combobox over a listbox, WAI-ARIA APG): htmx swaps the listbox
// in; this opens it when it has options, moves the active option with the arrow keys
// (aria-activedescendant: focus stays in the box), opens the active option on Enter, closes on
// Escape, Tab or a click elsewhere, and opens an option clicked.
(function () {
  "use strict";
  function box() { return document.querySelector("input[data-suggest]"); }
  function list() { return document.getElementById("search-suggestions"); }
  function options() { const l = list(); return l ? Array.from(l.querySelectorAll("[role=option]")) : []; }
  function setOpen(open) {
    const input = box(), l = list();
    if (!input || !l) return;
    const show = open && options().length > 0;
    l.hidden = !show;
    input.setAttribute("aria-expanded", show ? "true" : "false");
    if (!show) { input.removeAttribute("aria-activedescendant"); }
  }
  function activate(i) {
    const opts = options(), input = box();
    opts.forEach(function (o, n) { o.setAttribute("aria-selected", n === i ? "true" : "false"); });
    if (i >= 0 && opts[i]) {
      input.setAttribute("aria-activedescendant", opts[i].id);
      opts[i].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function current() {
    const input = box(), id = input && input.getAttribute("aria-activedescendant");
    return id ? options().findIndex(function (o) { return o.id === id; }) : -1;
  }
  function go(option) { if (option && option.dataset.href) window.location.assign(option.dataset.href); }
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "search-suggestions") {
      const input = box();
      setOpen(document.activeElement === input && input.value.trim().length >= 2);
    }
  });
  document.addEventListener("keydown", function (e) {
    const input = box();
    if (!input || e.target !== input) return;
    const opts = options(), open = input.getAttribute("aria-expanded") === "true";
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!opts.length) return;
      e.preventDefault();
      if (!open) { setOpen(true); }
      const i = current(), step = e.key === "ArrowDown" ? 1 : -1;
      activate(i < 0 ? (step > 0 ? 0 : opts.length - 1) : (i + step + opts.length) % opts.length);
    } else if (e.key === "Enter" && open && current() >= 0) {
      e.preventDefault();
      go(opts[current()]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
    } else if (e.key === "Tab") {
      setOpen(false);
    }
  });
  document.addEventListener("input", function (e) {
    if (e.target === box() && e.target.value.trim().length < 2) setOpen(false);
  });
  document.addEventListener("click", function (e) {
    const option = e.target.closest && e.target.closest("#search-suggestions [role=option]");
    if (option) { go(option); return; }
    if (e.target !== box()) setOpen(false);
  });
})();

// Flash deals' countdowns: a <time data-countdown="ISO end"> counts down each second to the
// deal's end, then says it ended (the server refuses the price after the end anyway).
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      const left = Math.floor((Date.parse(el.getAttribute("data-countdown")) - now) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) { el.textContent = el.getAttribute("data-ended") || "0"; return; }
      const d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      const text = pad(h) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
      el.textContent = d ? d + "d " + text : text;
    });
  }
  if (document.querySelector("time[data-countdown]")) {
    tick();
    window.setInterval(tick, 1000);
  }
  document.addEventListener("htmx:afterSettle", tick);
})();
