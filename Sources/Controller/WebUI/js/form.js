// A form built from field definitions (resources.js): tabs, labels tied to inputs, values read
// back into the API's JSON after the browser has checked them by the API's rules, and every
// refusal (the browser's or the API's) shown next to the field, row and cell it names.
// With `context.jsonTab`, a last "JSON" tab shows the whole record as the API's JSON for
// experts; it is checked as it is typed and its values go back into the tabs.
import { h } from "./dom.js";
import { domainsControl } from "./controls/domains.js";
import { groupControl } from "./controls/group.js";
import { rowsControl } from "./controls/rows.js";
import { FieldError, simpleControl } from "./controls/simple.js";

const compositeControls = { domains: domainsControl, rows: rowsControl, group: groupControl };
const labelable = new Set(["INPUT", "SELECT", "TEXTAREA"]);

function getPath(object, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), object);
}

function setPath(object, path, value) {
  const keys = path.split(".");
  let target = object;
  for (const key of keys.slice(0, -1)) target = target[key] ??= {};
  target[keys.at(-1)] = value;
}

export function buildForm(definition, record, context) {
  const entries = [];
  const tabNames = [...Object.keys(definition.tabs), ...(context.jsonTab ? ["JSON"] : [])];
  let current = 0;
  // Members of the record that no tab edits (set through the JSON tab), sent back unchanged.
  let extras = {};

  function clearEntry(entry) {
    entry.error.textContent = "";
    entry.wrapper.classList.remove("invalid");
    entry.control.input.removeAttribute("aria-invalid");
    entry.control.showError?.("", undefined);
  }

  const panels = Object.entries(definition.tabs).map(([, fields], index) => {
    const panel = h("div", { role: "tabpanel", id: `panel-${index}`, "aria-labelledby": `tab-${index}`, hidden: index !== 0 });
    for (const field of fields) {
      const id = `field-${field.name.replace(/\W/g, "-")}`;
      const entry = { field, tab: index };
      const report = (path, message) => (message === undefined ? clearEntry(entry) : showError(path, message));
      const control = (compositeControls[field.type] ?? simpleControl)(field, id, context, report);
      const error = h("div", { class: "error", id: `${id}-error`, "aria-live": "polite" });
      const hint = field.hint ? h("div", { class: "hint", id: `${id}-hint` }, field.hint) : null;
      let label;
      if (labelable.has(control.input.tagName)) {
        label = h("label", { for: control.input.id }, field.label);
      } else {
        label = h("div", { class: "label", id: `${id}-label` }, field.label);
        control.element.setAttribute("role", "group");
        control.element.setAttribute("aria-labelledby", label.id);
      }
      const wrapper = h("div", { class: field.type === "checkbox" ? "field check" : `field ${field.type ?? "text"}` },
        field.type === "checkbox" ? [control.input, label, error] : [label, hint, control.element, error]);
      Object.assign(entry, { control, wrapper, error });
      control.write(getPath(record ?? {}, field.name));
      entries.push(entry);
      panel.append(wrapper);
    }
    return panel;
  });

  // Fields shown only while another field has a given value (`showWhen`); hidden, they are not sent.
  for (const entry of entries.filter(({ field }) => field.showWhen)) {
    const [name, value] = entry.field.showWhen;
    const controlling = entries.find(({ field }) => field.name === name);
    const update = () => { entry.wrapper.hidden = controlling.control.value() !== value; };
    controlling.control.input.addEventListener("change", update);
    update();
  }
  const shown = (entry) => !entry.wrapper.hidden;

  const json = context.jsonTab ? jsonPanel() : null;
  if (json) panels.push(json.panel);

  const tabs = tabNames.length > 1 ? h("div", { role: "tablist" }, tabNames.map((name, index) => h("button", {
    type: "button", role: "tab", id: `tab-${index}`, "aria-controls": `panel-${index}`, "aria-selected": String(index === 0),
    tabindex: index === 0 ? 0 : -1,
    onclick: () => select(index),
    onkeydown: (event) => {
      if (event.key === "ArrowRight") select((index + 1) % tabNames.length, true);
      if (event.key === "ArrowLeft") select((index + tabNames.length - 1) % tabNames.length, true);
    },
  }, name))) : null;

  /** Every field's current value, unchecked, as the API's JSON. */
  function values() {
    const body = structuredClone(extras);
    for (const { field, control } of entries.filter(shown)) {
      const value = control.value();
      if (value !== undefined) setPath(body, field.name, value);
    }
    return body;
  }

  /** Shows `body` in the tabs; members no tab edits are kept as extras. */
  function load(body) {
    const roots = new Set(entries.map(({ field }) => field.name.split(".")[0]));
    extras = Object.fromEntries(Object.entries(body).filter(([key]) => !roots.has(key)));
    for (const { field, control } of entries) control.write(getPath(body, field.name));
    for (const { control } of entries) control.input.dispatchEvent(new Event("change"));
  }

  function jsonPanel() {
    const index = tabNames.length - 1;
    const input = h("textarea", { id: "field-json", rows: 18, spellcheck: false, readOnly: context.readOnly,
      "aria-describedby": "field-json-error field-json-hint", oninput: () => { state.edited = true; check(); } });
    const status = h("div", { class: "error", id: "field-json-error", "aria-live": "polite" });
    const wrapper = h("div", { class: "field" }, h("label", { for: input.id }, "The whole record as the API's JSON"),
      input, h("div", { class: "hint", id: "field-json-hint" }, "For experts: what is typed here replaces the other tabs' values; they check it again when it is saved."),
      status);
    const state = { edited: false };
    function check() {
      try {
        const parsed = JSON.parse(input.value);
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the record must be a JSON object");
        status.textContent = "";
        wrapper.classList.remove("invalid");
        input.removeAttribute("aria-invalid");
        return parsed;
      } catch (error) {
        status.textContent = `not valid JSON: ${error.message}`;
        wrapper.classList.add("invalid");
        input.setAttribute("aria-invalid", "true");
        return null;
      }
    }
    return {
      panel: h("div", { role: "tabpanel", id: `panel-${index}`, "aria-labelledby": `tab-${index}`, hidden: true }, wrapper),
      index,
      show() { input.value = JSON.stringify(values(), null, 2); state.edited = false; check(); },
      /** Puts what was typed back into the tabs; throws a FieldError when it is not valid JSON. */
      apply() {
        if (!state.edited) return;
        const parsed = check();
        if (!parsed) throw new FieldError("json", status.textContent);
        load(parsed);
        state.edited = false;
      },
      input,
    };
  }

  function select(index, focus = false) {
    if (index === current) return;
    if (json && current === json.index) {
      try { json.apply(); } catch { json.input.focus(); return; }
    }
    if (json && index === json.index) json.show();
    current = index;
    panels.forEach((panel, i) => { panel.hidden = i !== index; });
    tabs?.querySelectorAll("[role=tab]").forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
      if (focus && i === index) tab.focus();
    });
  }

  /** Shows `message` next to the field, row and cell `fieldPath` names ("locations[1].forward_port",
   * "health_check.path", "domain_names[0]"); false when no field of this form has that name. */
  function showError(fieldPath, message) {
    for (const entry of entries) clearEntry(entry);
    if (fieldPath === "json" && json) {
      select(json.index);
      json.input.focus();
      return true;
    }
    const entry = entries.find(({ field }) => fieldPath === field.name)
      ?? entries.find(({ field }) => fieldPath?.startsWith(`${field.name}[`) || fieldPath?.startsWith(`${field.name}.`));
    if (!entry || message === undefined) return false;
    select(entry.tab);
    if (entry.control.showError?.(fieldPath.slice(entry.field.name.length), message)) return true;
    entry.wrapper.classList.add("invalid");
    entry.error.textContent = `${fieldPath} ${message}`;
    entry.control.input.setAttribute("aria-invalid", "true");
    entry.control.input.focus();
    return true;
  }

  return {
    element: h("div", { class: "tabbed" }, tabs, panels),
    /** The JSON body as the API takes it, checked; throws a FieldError naming the first refusal. */
    read() {
      if (json && current === json.index) json.apply();
      const body = structuredClone(extras);
      for (const { field, control } of entries.filter(shown)) {
        const value = control.read(field.name);
        if (value !== undefined) setPath(body, field.name, value);
      }
      if (body.error_pages) for (const [code, html] of Object.entries(body.error_pages)) if (!html) delete body.error_pages[code];
      return body;
    },
    showError,
  };
}
