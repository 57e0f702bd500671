// A resource form built from field definitions (resources.js): tabs, labels tied to inputs,
// values read back into the API's JSON, and API errors shown next to the field they name.
import { h } from "./dom.js";

function getPath(object, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), object);
}

function setPath(object, path, value) {
  const keys = path.split(".");
  let target = object;
  for (const key of keys.slice(0, -1)) target = target[key] ??= {};
  target[keys.at(-1)] = value;
}

function inputFor(field, value, context) {
  const id = `field-${field.name.replace(/\W/g, "-")}`;
  const common = { id, name: field.name, disabled: context.readOnly, "aria-describedby": `${id}-error` };
  switch (field.type) {
    case "checkbox":
      return h("input", { ...common, type: "checkbox", checked: value ?? field.default ?? false });
    case "number":
      return h("input", { ...common, type: "number", value: value ?? "", required: field.required });
    case "select":
      return h("select", common, field.options.map((option) => h("option", { value: String(option), selected: String(value ?? field.options[0]) === String(option) }, String(option))));
    case "list":
      return h("textarea", { ...common, rows: 3 }, (value ?? []).join("\n"));
    case "textarea":
      return h("textarea", common, value ?? "");
    case "secret":
      // Never shown again: the field starts empty, and stays unchanged unless something is typed.
      return h("input", { ...common, type: "password", autocomplete: "new-password", value: "", placeholder: context.secretIsSet?.(field.name) ? "(set; type to replace)" : "" });
    case "json":
      return h("textarea", { ...common, rows: 6, placeholder: field.hint ?? "" }, value == null ? "" : JSON.stringify(value, null, 2));
    case "server":
      return h("select", common, context.servers.map((server) => h("option", { value: String(server.id), selected: (value ?? context.defaultServer) === server.id }, server.name)));
    case "certificate":
    case "accessList": {
      const items = field.type === "certificate" ? context.certificates : context.accessLists;
      return h("select", common, h("option", { value: "" }, "None"),
        items.map((item) => h("option", { value: String(item.id), selected: value === item.id }, item.nice_name ?? item.name ?? `#${item.id}`)));
    }
    default:
      return h("input", { ...common, type: "text", value: value ?? "", required: field.required });
  }
}

/** Reads one field's value as the API expects it; throws {field, message} for bad JSON. */
function readField(field, element) {
  switch (field.type) {
    case "checkbox": return element.checked;
    case "number": return element.value === "" ? undefined : Number(element.value);
    case "list": return element.value.split(/\n|,/).map((line) => line.trim()).filter(Boolean);
    case "secret": return element.value === "" ? undefined : element.value;
    case "json":
      if (element.value.trim() === "") return undefined;
      try { return JSON.parse(element.value); } catch { throw { field: field.name, message: "is not valid JSON" }; }
    case "server": return Number(element.value);
    case "certificate":
    case "accessList": return element.value === "" ? null : Number(element.value);
    case "select": return field.options.some((option) => typeof option === "number") ? Number(element.value) : element.value;
    default: return element.value;
  }
}

export function buildForm(definition, record, context) {
  const fieldsByName = new Map();
  const tabNames = Object.keys(definition.tabs);
  const panels = tabNames.map((name, index) => {
    const panel = h("div", { role: "tabpanel", id: `panel-${index}`, "aria-labelledby": `tab-${index}`, hidden: index !== 0 });
    for (const field of definition.tabs[name]) {
      const input = inputFor(field, getPath(record ?? {}, field.name), context);
      const error = h("div", { class: "error", id: `${input.id}-error` });
      const wrapper = h("div", { class: field.type === "checkbox" ? "field check" : "field" });
      const label = h("label", { for: input.id }, field.label);
      if (field.type === "checkbox") wrapper.append(input, label, error);
      else wrapper.append(...[label, input, field.hint ? h("div", { class: "hint" }, field.hint) : null, error].filter(Boolean));
      if (field.presets && !context.readOnly) {
        wrapper.append(h("div", { class: "toolbar" }, "Presets:", Object.entries(field.presets).map(([name, rules]) =>
          h("button", { type: "button", onclick: () => {
            const current = input.value.trim() ? JSON.parse(input.value) : [];
            input.value = JSON.stringify([...current, ...rules], null, 2);
          } }, name))));
      }
      fieldsByName.set(field.name, { field, input, wrapper, error, tab: index });
      panel.append(wrapper);
    }
    return panel;
  });
  const tabs = tabNames.length > 1 ? h("div", { role: "tablist" }, tabNames.map((name, index) => h("button", {
    type: "button", role: "tab", id: `tab-${index}`, "aria-controls": `panel-${index}`, "aria-selected": String(index === 0),
    onclick: () => select(index),
    onkeydown: (event) => {
      if (event.key === "ArrowRight") select((index + 1) % tabNames.length, true);
      if (event.key === "ArrowLeft") select((index + tabNames.length - 1) % tabNames.length, true);
    },
  }, name))) : null;

  function select(index, focus = false) {
    panels.forEach((panel, i) => { panel.hidden = i !== index; });
    tabs?.querySelectorAll("[role=tab]").forEach((tab, i) => { tab.setAttribute("aria-selected", String(i === index)); if (focus && i === index) tab.focus(); });
  }

  return {
    element: h("div", {}, tabs, panels),
    /** The JSON body, or throws {field, message}. */
    read() {
      const body = {};
      for (const { field, input } of fieldsByName.values()) {
        const value = readField(field, input);
        if (value !== undefined) setPath(body, field.name, value);
      }
      if (body.error_pages) for (const [code, html] of Object.entries(body.error_pages)) if (!html) delete body.error_pages[code];
      return body;
    },
    /** Shows `message` next to the field the API named ("headers[0].value" → headers). */
    showError(fieldPath, message) {
      for (const entry of fieldsByName.values()) { entry.error.textContent = ""; entry.wrapper.classList.remove("invalid"); }
      const top = fieldPath?.replace(/\[.*$/, "");
      const entry = fieldsByName.get(fieldPath) ?? fieldsByName.get(top) ?? [...fieldsByName.values()].find((candidate) => top?.startsWith(candidate.field.name.split(".")[0]) && candidate.field.name.includes(top));
      if (!entry) return false;
      entry.wrapper.classList.add("invalid");
      entry.error.textContent = `${fieldPath} ${message}`;
      entry.input.setAttribute("aria-invalid", "true");
      select(entry.tab);
      entry.input.focus();
      return true;
    },
  };
}
