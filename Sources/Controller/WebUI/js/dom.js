// Small DOM helpers: elements are built with h(), never from HTML strings, so no value from the
// API is ever parsed as markup.

/** h("button", {class: "primary", onclick: f}, "Save") */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** `1 user`, `2 users`: a count with its noun in the right number (`plural` when not noun + "s"). */
export function count(n, noun, plural = `${noun}s`) {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** Opens `dialog` as a modal (focus moves into it, Escape closes it): appended to the page, and
 * removed from it when closed, after which `onClose` runs. */
export function showDialog(dialog, onClose) {
  dialog.addEventListener("close", () => { dialog.remove(); onClose?.(); });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

let questions = 0;

/** A yes/no question in a modal dialog (focus starts on Cancel; Escape cancels); resolves true
 * when `action` is chosen. Used instead of the browser's `confirm()`, which screen readers and
 * keyboard users handle worse and pages cannot style. */
export function ask(message, action) {
  return new Promise((resolve) => {
    let answer = false;
    const id = `question-${++questions}`;
    const dialog = h("dialog", { role: "alertdialog", "aria-labelledby": id, class: "question" },
      h("p", { id }, message),
      h("div", { class: "actions" },
        h("button", { type: "button", autofocus: true, onclick: () => dialog.close() }, "Cancel"),
        h("button", { type: "button", class: "danger", onclick: () => { answer = true; dialog.close(); } }, action)));
    showDialog(dialog, () => resolve(answer));
  });
}

/** Previous / "Page n of m" / Next under a paged list; `state.page` moves and `render` draws it
 * again. `total`, when given, is shown beside the page count. */
export function pager(state, pages, render, total) {
  const go = (step) => () => { state.page += step; render(); };
  return h("div", { class: "pager" },
    h("button", { type: "button", disabled: state.page <= 1, onclick: go(-1) }, "Previous"),
    h("span", {}, `Page ${state.page} of ${pages}${total === undefined ? "" : ` (${total})`}`),
    h("button", { type: "button", disabled: state.page >= pages, onclick: go(1) }, "Next"));
}

export function badge(text, kind = text) {
  return h("span", { class: `badge ${kind}` }, text);
}

/** Replaces the children of `element`. Every data table's cells are labelled with their
 * column's title, which a narrow screen shows beside the value when rows become cards. */
export function mount(element, ...children) {
  element.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  for (const table of element.querySelectorAll("table:not(.facts)")) labelCells(table);
}

/** Labels each body cell of `table` with its column's title (see `mount`). */
export function labelCells(table) {
  const titles = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, index) => { if (titles[index]) cell.dataset.label = titles[index]; });
  }
}

export function formatDate(value) {
  return value ? new Date(value).toLocaleString() : "—";
}
