// The product list's "choose all on this page" box (no inline script: Content-Security-Policy).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-choose-all]");
  if (!all) return;
  document.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = all.checked; });
});
