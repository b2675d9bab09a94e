// MercadoPago.js v2 in the checkout and pay-again forms (loaded before this file from
// https://sdk.mercadopago.com/js/v2, only when Mercado Pago takes the country's cards). The
// card number, expiry and security code are Mercado Pago's Secure Fields (iframes); when the
// card's first digits are known, the card's payment_method_id and issuer come from
// mp.getPaymentMethods({bin}) and the installment options, with the provider's own interest,
// from mp.getInstallments({amount, bin}) (payer_costs: installments, recommended_message).
// On submit mp.fields.createCardToken makes the single-use token; only it, the
// payment_method_id and the issuer reach Caravana. Sources: mercadopago/sdk-js
// docs/core-methods.md and docs/fields.md.
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

  function showError(box, name, message) {
    const span = box.querySelector('[data-card-error="' + name + '"]');
    if (!span) return;
    span.hidden = !message;
    span.textContent = message || "";
  }

  const FIELDS = { cardNumber: "card_number", expirationDate: "card_expiry", securityCode: "card_cvc" };

  function quoteInstallments(mp, form, amount, bin) {
    const select = form.querySelector("select[name=installments]");
    if (!select || !amount || !bin) return;
    mp.getInstallments({ amount: amount, bin: bin, paymentTypeId: "credit_card" }).then(function (answer) {
      const costs = (answer && answer[0] && answer[0].payer_costs) || [];
      const byCount = {};
      costs.forEach(function (c) { byCount[String(c.installments)] = c.recommended_message; });
      Array.prototype.forEach.call(select.options, function (opt) {
        if (byCount[opt.value]) opt.textContent = byCount[opt.value];
        opt.disabled = costs.length > 0 && !byCount[opt.value];
      });
    }, function () { /* the rule's own labels stay */ });
  }

  function attach(box) {
    const form = box.closest("form");
    const token = box.querySelector("[data-card-token]");
    if (!form || !token || form.dataset.cardTokens || typeof window.MercadoPago !== "function") return;
    form.dataset.cardTokens = "1";
    const locale = (box.getAttribute("data-locale") || "").replace("_", "-");
    const mp = new window.MercadoPago(box.getAttribute("data-key"), locale ? { locale: locale } : {});
    const method = box.querySelector("[data-mp-method]");
    const issuer = box.querySelector("[data-mp-issuer]");
    box.querySelectorAll("[data-mp-field]").forEach(function (div) {
      const type = div.getAttribute("data-mp-field");
      const field = mp.fields.create(type, { srLabel: div.getAttribute("data-label") || "" }).mount(div.id);
      field.on("validityChange", function (e) {
        const msgs = (e.errorMessages || []).map(function (m) { return m.message; });
        showError(box, FIELDS[type], msgs.join(" "));
      });
      if (type === "cardNumber") {
        field.on("binChange", function (e) {
          if (!e.bin) { method.value = ""; issuer.value = ""; return; }
          mp.getPaymentMethods({ bin: e.bin }).then(function (found) {
            const pm = found && found.results && found.results[0];
            method.value = pm ? pm.id : "";
            issuer.value = pm && pm.issuer ? String(pm.issuer.id) : "";
          });
          quoteInstallments(mp, form, box.getAttribute("data-amount"), e.bin);
        });
      }
    });
    syncSaved(box);
    const holderField = form.querySelector("[name=card_holder]");
    if (holderField) holderField.addEventListener("input", function () { showError(box, "card_holder", ""); });
    box.addEventListener("change", function (e) {
      if (e.target instanceof HTMLInputElement && e.target.name === "saved_card") syncSaved(box);
    });
    form.addEventListener("submit", function (e) {
      if (chosenMethod(form) !== "card" || savedChoice(box) !== "" || token.value) return;
      e.preventDefault();
      const value = function (name) {
        const el = form.querySelector('[name="' + name + '"]');
        return el ? el.value : "";
      };
      // Pay-again asks for the holder (card_holder*); checkout sends the recipient's. The ID
      // type is Mercado Pago's name for our document (the option's data-mp-type: CPF, DNI…).
      const holder = form.querySelector("[name=card_holder]");
      const idType = function (name) {
        const select = form.querySelector('select[name="' + name + '"]');
        const opt = select && select.selectedOptions[0];
        return opt ? opt.getAttribute("data-mp-type") || opt.value : "";
      };
      if (holder && !holder.value.trim()) {
        showError(box, "card_holder", box.getAttribute("data-holder-missing"));
        holder.focus();
        return;
      }
      showError(box, "card_holder", "");
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      mp.fields.createCardToken({
        cardholderName: holder ? holder.value : value("recipient"),
        identificationType: holder ? idType("card_holder_id_type") : idType("buyer_id_type"),
        identificationNumber: holder ? value("card_holder_id") : value("buyer_id"),
      }).then(function (made) {
        if (button) button.disabled = false;
        if (!made || !made.id) return;
        token.value = made.id;
        form.submit();
      }, function () {
        if (button) button.disabled = false;
        showError(box, "card_number", box.getAttribute("data-unreachable"));
      });
    });
  }

  function start() {
    document.querySelectorAll("[data-card-fields=mercadopago]").forEach(attach);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
