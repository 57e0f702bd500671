// An object edited as a set of fields (health checks, a rate limit). An optional group has a
// switch: off, the object is sent as null and its fields are hidden.
import { h } from "../dom.js";
import { simpleControl } from "./simple.js";

export function groupControl(field, id, context) {
  const parts = field.fields.map((part) => {
    const partId = `${id}-${part.name}`;
    const control = simpleControl(part, partId, context);
    const error = h("div", { class: "error", id: `${partId}-error` });
    const label = h("label", { for: partId }, part.label);
    const wrapper = h("div", { class: part.type === "checkbox" ? "field check" : "field" },
      part.type === "checkbox" ? [control.input, label] : [label, control.element],
      part.hint ? h("div", { class: "hint" }, part.hint) : null, error);
    return { part, control, error, wrapper };
  });
  const toggle = field.optional ? h("input", { type: "checkbox", id: `${id}-on`, disabled: context.readOnly,
    onchange: () => { body.hidden = !toggle.checked; } }) : null;
  const body = h("div", { class: "group-fields" }, parts.map((part) => part.wrapper));
  const element = h("div", { class: "group", id, tabindex: -1 },
    toggle ? h("div", { class: "field check" }, toggle, h("label", { for: toggle.id }, field.optional)) : null, body);
  const on = () => !toggle || toggle.checked;

  return {
    input: element, element,
    value: () => (on() ? Object.fromEntries(parts.map(({ part, control }) => [part.name, control.value()])) : null),
    read(path) {
      if (!on()) return null;
      const object = {};
      for (const { part, control } of parts) {
        const value = control.read(`${path}.${part.name}`);
        if (value !== undefined) object[part.name] = value;
      }
      return object;
    },
    write(value) {
      if (toggle) toggle.checked = value != null;
      body.hidden = !on();
      for (const { part, control } of parts) control.write(value?.[part.name] ?? part.default);
    },
    /** `rest` is what follows the field's name in a refusal: `.interval_seconds` or "". */
    showError(rest, message) {
      for (const { wrapper, error, control } of parts) {
        error.textContent = "";
        wrapper.classList.remove("invalid");
        control.input.removeAttribute("aria-invalid");
      }
      const target = parts.find(({ part }) => rest === `.${part.name}`);
      if (!target || message === undefined) return false;
      if (toggle) { toggle.checked = true; body.hidden = false; }
      target.wrapper.classList.add("invalid");
      target.error.textContent = `${target.part.label} ${message}`;
      target.control.input.setAttribute("aria-invalid", "true");
      target.control.input.focus();
      return true;
    },
  };
}
