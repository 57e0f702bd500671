// A list of objects edited as rows (upstreams, locations, header rules, access-list rules and
// users): one labelled input per column, rows added, removed and, where order matters, moved.
// Each row is a group named "<Item> <n>", so a refusal of `locations[1].forward_port` lands in
// the cell of row 2's port. A secret column (a password) is never shown back: a kept row's
// secret stays unchanged unless something is typed.
import { count, h } from "../dom.js";
import { FieldError, simpleControl } from "./simple.js";

const capitalized = (text) => text[0].toUpperCase() + text.slice(1);

export function rowsControl(field, id, context) {
  let rows = [];
  let created = 0;
  const body = h("div", { class: "rows" });
  const empty = h("p", { class: "muted rows-empty" }, field.empty ?? `No ${field.itemPlural ?? field.item + "s"}.`);
  const add = context.readOnly ? null : h("button", { type: "button", onclick: () => { const row = addRow({}, false); row.focus(); } },
    `Add ${field.item}`);
  const presets = field.presets && !context.readOnly
    ? h("div", { class: "toolbar presets" }, h("span", { class: "muted" }, "Presets:"),
        Object.entries(field.presets).map(([name, items]) => h("button", { type: "button", onclick: () => {
          for (const item of items) addRow(item, false);
        } }, name)))
    : null;
  const element = h("div", { class: "row-editor", id, tabindex: -1, "aria-describedby": `${id}-error` }, body, empty,
    h("div", { class: "toolbar" }, add, presets));

  function relabel() {
    rows.forEach((row, index) => {
      row.element.setAttribute("aria-label", `${capitalized(field.item)} ${index + 1}`);
      row.number.textContent = String(index + 1);
      row.up?.toggleAttribute("disabled", index === 0);
      row.down?.toggleAttribute("disabled", index === rows.length - 1);
    });
    empty.hidden = rows.length > 0;
  }

  function move(row, offset) {
    const index = rows.indexOf(row);
    const target = index + offset;
    if (target < 0 || target >= rows.length) return;
    rows.splice(index, 1);
    rows.splice(target, 0, row);
    body.replaceChildren(...rows.map((item) => item.element));
    relabel();
    (offset < 0 ? row.up : row.down)?.focus();
  }

  function addRow(item, kept) {
    const key = ++created;
    const cells = new Map();
    const row = { kept, cells };
    const error = h("div", { class: "error", id: `${id}-${key}-error` });
    const cellElement = (column) => {
      const cellId = `${id}-${key}-${column.name}`;
      const nested = column.type === "rows";
      const control = nested ? rowsControl(column, cellId, context) : simpleControl(column, cellId, context);
      control.write(item[column.name]);
      if (column.type === "secret" && kept) control.input.placeholder = "(kept; type to replace)";
      const cellError = h("div", { class: "error", id: `${cellId}-error` });
      let label = h("label", { for: cellId }, column.label);
      if (nested) {
        label = h("div", { class: "label", id: `${cellId}-label` }, column.label);
        control.element.setAttribute("role", "group");
        control.element.setAttribute("aria-labelledby", label.id);
      }
      const wrapper = h("div", { class: column.type === "checkbox" ? "cell check" : `cell ${column.type ?? "text"}` },
        column.type === "checkbox" ? [control.input, label] : [label, control.element], cellError);
      cells.set(column.name, { column, control, error: cellError, wrapper });
      return wrapper;
    };
    const cellElements = field.columns.filter((column) => !column.detail).map(cellElement);
    // Columns marked `detail` (a location's own header rules and routes) fold away under a
    // summary, open when they hold something.
    const detailColumns = field.columns.filter((column) => column.detail);
    row.details = detailColumns.length === 0 ? null : h("details", { class: "row-details",
      open: detailColumns.some((column) => [item[column.name]].flat().some((value) => value != null)) },
      h("summary", {}, field.detailsLabel ?? "More"), detailColumns.map(cellElement));
    row.number = h("span", { class: "row-number", "aria-hidden": "true" });
    const actions = context.readOnly ? [] : [
      field.ordered ? (row.up = h("button", { type: "button", class: "icon", title: "Move up", onclick: () => move(row, -1) }, "↑")) : null,
      field.ordered ? (row.down = h("button", { type: "button", class: "icon", title: "Move down", onclick: () => move(row, 1) }, "↓")) : null,
      h("button", { type: "button", class: "icon danger", title: "Remove", onclick: () => {
        rows.splice(rows.indexOf(row), 1);
        row.element.remove();
        relabel();
        add?.focus();
      } }, "✕"),
    ];
    for (const button of actions.filter(Boolean)) button.setAttribute("aria-label", `${button.title} ${field.item}`);
    row.element = h("div", { class: "row-item", role: "group" }, row.number, h("div", { class: "cells" }, cellElements),
      h("div", { class: "row-actions" }, actions), row.details, error);
    row.error = error;
    row.focus = () => cells.values().next().value?.control.input.focus();
    rows.push(row);
    body.append(row.element);
    relabel();
    return row;
  }

  function readRow(row, path) {
    const object = {};
    for (const [name, { column, control }] of row.cells) {
      const value = control.read(`${path}.${name}`);
      if (column.type === "secret" && value === undefined && !row.kept && column.requiredWhenNew) {
        throw new FieldError(`${path}.${name}`, column.requiredWhenNew);
      }
      if (value !== undefined) object[name] = value;
    }
    return object;
  }

  return {
    input: element, element,
    value: () => rows.map((row) => Object.fromEntries([...row.cells].map(([name, { control }]) => [name, control.value()]))),
    read(path) {
      if (field.max && rows.length > field.max) throw new FieldError(path, `lists more than ${count(field.max, field.item)}`);
      const items = rows.map((row, index) => readRow(row, `${path}[${index}]`));
      for (const column of field.columns.filter((candidate) => candidate.unique)) {
        const seen = new Set();
        items.forEach((item, index) => {
          if (seen.has(item[column.name])) throw new FieldError(`${path}[${index}].${column.name}`, "is listed twice");
          seen.add(item[column.name]);
        });
      }
      return items;
    },
    write(value) {
      rows = [];
      body.replaceChildren();
      for (const item of value ?? []) addRow(item, true);
      relabel();
    },
    /** `rest` is what follows the field's name in a refusal: `[1].forward_port`, `[1]` or "". */
    showError(rest, message) {
      for (const row of rows) {
        row.error.textContent = "";
        row.element.classList.remove("invalid");
        for (const cell of row.cells.values()) {
          cell.error.textContent = "";
          cell.wrapper.classList.remove("invalid");
          cell.control.input.removeAttribute("aria-invalid");
        }
      }
      const match = /^\[(\d+)\](?:\.(\w+))?/.exec(rest ?? "");
      for (const row of rows) for (const cell of row.cells.values()) cell.control.showError?.("", undefined);
      const row = match ? rows[Number(match[1])] : null;
      if (!row || message === undefined) return false;
      row.element.classList.add("invalid");
      const cell = row.cells.get(match[2]);
      if (cell && row.details?.contains(cell.wrapper)) row.details.open = true;
      if (cell?.control.showError?.(rest.slice(match[0].length), message)) return true;
      if (!cell) {
        row.error.textContent = message;
        row.focus();
        return true;
      }
      cell.wrapper.classList.add("invalid");
      cell.error.textContent = `${cell.column.label} ${message}`;
      cell.control.input.setAttribute("aria-invalid", "true");
      cell.control.input.focus();
      return true;
    },
  };
}
