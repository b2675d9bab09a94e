// Stripe.js's card Element in the checkout and pay-again forms. Stripe.js (loaded before this
// file from https://js.stripe.com/v3, only when Stripe takes the country's cards) draws the
// card fields in its own iframe; on submit this script asks Stripe for a PaymentMethod
// (stripe.createPaymentMethod, https://docs.stripe.com/js/payment_methods/create_payment_method),
// puts its pm_… id in card_token and submits. Caravana's server confirms the PaymentIntent
// with a return_url; a card that needs 3-D Secure is then sent to the bank's page.
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

  function showError(box, message) {
    const span = box.querySelector("[data-card-error=card_number]");
    if (!span) return;
    span.hidden = !message;
    span.textContent = message || "";
  }

  function attach(box) {
    const form = box.closest("form");
    const token = box.querySelector("[data-card-token]");
    const mount = box.querySelector("[data-stripe-card]");
    if (!form || !token || !mount || form.dataset.cardTokens || typeof window.Stripe !== "function") return;
    form.dataset.cardTokens = "1";
    const stripe = window.Stripe(box.getAttribute("data-key"), { locale: box.getAttribute("data-locale") || "auto" });
    const card = stripe.elements().create("card", { hidePostalCode: true });
    card.mount(mount);
    card.on("change", function (e) { showError(box, e.error ? e.error.message : ""); });
    syncSaved(box);
    box.addEventListener("change", function (e) {
      if (e.target instanceof HTMLInputElement && e.target.name === "saved_card") syncSaved(box);
    });
    form.addEventListener("submit", function (e) {
      if (chosenMethod(form) !== "card" || savedChoice(box) !== "" || token.value) return;
      e.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
        if (button) button.disabled = false;
        if (result.error) {
          showError(box, result.error.message);
          card.focus();
          return;
        }
        token.value = result.paymentMethod.id;
        showError(box, "");
        form.submit();
      }, function () {
        if (button) button.disabled = false;
        showError(box, box.getAttribute("data-unreachable"));
      });
    });
  }

  function start() {
    document.querySelectorAll("[data-card-fields=stripe]").forEach(attach);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
