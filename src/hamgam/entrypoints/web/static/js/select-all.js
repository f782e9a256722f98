// Admin lists: a "choose all on this page" box ticks or clears every row's box of the same form. It is shown by
// this script only (without it, staff tick the rows one by one).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const all of document.querySelectorAll("input[data-select-all]")) all.hidden = false;
});

document.addEventListener("change", (event) => {
  const all = event.target.closest && event.target.closest("input[data-select-all]");
  if (!all) return;
  for (const box of document.querySelectorAll("input[type=checkbox][name=ids]")) {
    if (box.getAttribute("form") === all.dataset.selectAll) box.checked = all.checked;
  }
});
