// Admin lists (orders, products): the header checkbox selects or clears every row of the page, and follows the
// rows' boxes. It is shown by this script only: without it the batch buttons still work, each row's box being part
// of the batch form. ``data-select-all`` names the rows' boxes, ``form`` their form.
"use strict";

for (const all of document.querySelectorAll("input[data-select-all]")) {
  // the form's id read from the attribute: ``form.id`` would be its control named "id"
  const formId = all.getAttribute("form");
  all.hidden = false;
  const boxes = () => [...document.querySelectorAll(`input[name="${all.dataset.selectAll}"][form="${formId}"]`)];
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  for (const box of boxes()) {
    box.addEventListener("change", () => {
      const checked = boxes().filter((b) => b.checked).length;
      all.checked = checked === boxes().length;
      all.indeterminate = checked > 0 && checked < boxes().length;
    });
  }
}
