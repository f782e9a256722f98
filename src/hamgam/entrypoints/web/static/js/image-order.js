// Admin product page: staff drag the images into order (SortableJS: mouse, touch and pen). On a drop the new
// order is put in the order form as its "keys" and the form's htmx request saves it; the images section comes
// back in the saved order. The Earlier and Later buttons do the same from a keyboard, or without this script.
"use strict";

function saveOrder(list) {
  const form = document.getElementById(list.dataset.orderForm);
  if (!form) return;
  for (const old of form.querySelectorAll("input[name=keys]")) old.remove();
  for (const item of list.querySelectorAll("li[data-key]")) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "keys";
    input.value = item.dataset.key;
    form.append(input);
  }
  form.dispatchEvent(new Event("reorder")); // the form's hx-trigger
}

function bindImageOrder(root) {
  if (typeof Sortable === "undefined") return;
  for (const list of root.querySelectorAll("ul[data-order-form]")) {
    if (list.dataset.sortable) continue;
    list.dataset.sortable = "1";
    Sortable.create(list, {
      animation: 150,
      draggable: "li[data-key]",
      filter: "button, input, a",
      preventOnFilter: false,
      delay: 200,
      delayOnTouchOnly: true, // a phone still scrolls the page; a long press picks an image up
      ghostClass: "dragging",
      forceFallback: true, // the same pointer-driven drag for mouse, touch and pen (not the browser's own)
      fallbackTolerance: 3,
      // Sortable reads a horizontal list left to right, so in this right-to-left page it never swaps; as
      // "vertical" it swaps an image with the one the pointer enters, whichever way the row (or rows) run
      direction: "vertical",
      onEnd(event) {
        if (event.oldIndex !== event.newIndex) saveOrder(list);
      },
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  bindImageOrder(document);
  // htmx swaps the images section in again after each save: bind the new list
  new MutationObserver(() => bindImageOrder(document)).observe(document.body, { childList: true, subtree: true });
});
