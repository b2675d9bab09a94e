// The sandbox provider's card script, shaped like a provider's hosted fields: the card number,
// expiry and security code inputs have no name, so the shop's form never sends them. On
// submit, when a new card is being paid with, this script posts them to the provider's own
// token endpoint (data-endpoint, in the sandbox's URL space), puts the single-use token it
// answers in the form's card_token field, empties the card inputs, and only then submits.
// A real provider's script (MercadoPago.js, Stripe.js) takes this one's place.
(function () {
  "use strict";

  function chosenMethod(form) {
    const m = form.querySelector("input[name=method]:checked");
    return m ? m.value : form.querySelector("input[name=method]") ? "" : "card";
  }

  function savedChoice(box) {
    const s = box.querySelector("input[name=saved_card]:checked");
    return s ? s.value : "";
  }

  function syncSaved(box) {
    const fresh = box.querySelector("[data-new-card]");
    if (fresh) fresh.hidden = savedChoice(box) !== "";
  }

  function showErrors(box, errors) {
    let first = null;
    box.querySelectorAll("[data-card-error]").forEach(function (span) {
      const name = span.getAttribute("data-card-error");
      const input = box.querySelector('[data-card="' + name + '"]');
      const msgs = errors[name];
      span.hidden = !msgs;
      span.textContent = msgs ? msgs.join(" ") : "";
      if (input) {
        if (msgs) {
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", span.id);
          first = first || input;
        } else {
          input.removeAttribute("aria-invalid");
          input.removeAttribute("aria-describedby");
        }
      }
    });
    if (first) first.focus();
  }

  function attach(box) {
    const form = box.closest("form");
    const token = box.querySelector("[data-card-token]");
    if (!form || !token || form.dataset.cardTokens) return;
    form.dataset.cardTokens = "1";
    syncSaved(box);
    box.addEventListener("change", function (e) {
      if (e.target instanceof HTMLInputElement && e.target.name === "saved_card") syncSaved(box);
    });
    form.addEventListener("submit", function (e) {
      if (chosenMethod(form) !== "card" || savedChoice(box) !== "" || token.value) return;
      e.preventDefault();
      const body = { locale: box.getAttribute("data-locale") || "" };
      box.querySelectorAll("[data-card]").forEach(function (input) {
        body[input.getAttribute("data-card")] = input.value;
      });
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(box.getAttribute("data-endpoint"), {
        method: "POST",
        credentials: "omit", // a provider's endpoint: no shop cookies
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(body),
      })
        .then(function (resp) {
          return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
        })
        .then(function (r) {
          if (button) button.disabled = false;
          if (!r.ok) {
            showErrors(box, r.data.errors || {});
            return;
          }
          token.value = r.data.id;
          box.querySelectorAll("[data-card]").forEach(function (input) { input.value = ""; });
          showErrors(box, {});
          form.submit();
        })
        .catch(function () {
          if (button) button.disabled = false;
          showErrors(box, { card_number: [box.getAttribute("data-unreachable") || "The payment provider could not be reached: try again."] });
        });
    });
  }

  function start() {
    document.querySelectorAll("[data-card-fields=sandbox]").forEach(attach);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
