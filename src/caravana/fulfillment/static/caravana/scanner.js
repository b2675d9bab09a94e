// Scanner pages: the scan input keeps focus; each answer flashes green or red and beeps.
(function () {
  "use strict";
  let audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = ok ? 1318 : 220;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (ok ? 0.08 : 0.35));
    } catch (e) { /* no audio device: the colour still tells */ }
  }
  function input() { return document.querySelector("[data-scan-input]"); }
  function refocus() { const el = input(); if (el && document.activeElement !== el) { el.focus(); } }
  function flash(ok, warn) {
    const box = document.querySelector("[data-scan-panel]");
    if (!box) return;
    box.classList.remove("flash-ok", "flash-err", "flash-warn");
    void box.offsetWidth; // restart the animation
    box.classList.add(ok ? (warn ? "flash-warn" : "flash-ok") : "flash-err");
    box.dataset.result = ok ? "ok" : "error";
  }
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    const item = document.querySelector("#scans > li");
    if (item && e.detail.target && e.detail.target.id === "scans") {
      const ok = item.dataset.ok === "1";
      flash(ok, item.dataset.warn === "1");
      beep(ok);
      // Fields that belong to one parcel only (customs' amounts) are emptied once it is recorded.
      if (ok) document.querySelectorAll("[data-scan-clear]").forEach(function (el) { el.value = ""; });
    }
    refocus();
  });
  // Clear the input as soon as the scan is sent (its value is already in the request), so the
  // next scan can be typed while this one is answered.
  document.addEventListener("htmx:configRequest", function (e) {
    const el = input();
    if (el && e.detail.elt && e.detail.elt.contains(el)) { el.value = ""; }
  });
  document.addEventListener("htmx:sendError", function () { flash(false); beep(false); refocus(); });
  // A click elsewhere on the page (not on another field or link) gives focus back to the scan.
  document.addEventListener("click", function (e) {
    if (!e.target.closest("input, select, textarea, button, a, label")) refocus();
  });
  document.addEventListener("DOMContentLoaded", function () {
    const last = document.querySelector("[data-scan-panel][data-result]");
    if (last) flash(last.dataset.result === "ok");
    refocus();
  });
})();
