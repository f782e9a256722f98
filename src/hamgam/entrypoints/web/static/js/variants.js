// Product page: as the buyer picks one value per property, show the chosen combination's price and stock, and
// say at once when it is not sold (the form works without this; the server resolves the choice either way).
"use strict";

function chosenVariant(form) {
  const chosen = {};
  for (const input of form.querySelectorAll("input[type=radio]:checked")) {
    chosen[input.name.slice("prop:".length)] = input.value;
  }
  const combos = JSON.parse(form.dataset.variants);
  return combos.find((c) => {
    const codes = Object.keys(c.choice);
    return codes.length === Object.keys(chosen).length && codes.every((code) => c.choice[code] === chosen[code]);
  });
}

function showVariant(form) {
  const match = chosenVariant(form);
  const status = form.querySelector(".variant-status");
  const button = form.querySelector("button[type=submit]");
  const sellable = Boolean(match && match.ok);
  if (status) status.textContent = sellable ? match.text : form.dataset[match ? "soldOut" : "missing"];
  if (status) status.classList.toggle("stock-out", !sellable);
  if (button) button.disabled = !sellable;
}

document.addEventListener("change", (event) => {
  const form = event.target.closest && event.target.closest("form[data-variants]");
  if (form) showVariant(form);
});
