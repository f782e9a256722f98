// Orders list: the header checkbox selects or clears every order of the page, and follows the rows' boxes (the
// batch buttons work without this: each row's box is part of the batch form).
"use strict";

for (const all of document.querySelectorAll("input[data-select-all]")) {
  // the form's id read from the attribute: ``form.id`` would be its control named "id"
  const formId = all.getAttribute("form");
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
