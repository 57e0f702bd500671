// One-input controls: text, number, checkbox, select, textarea, secret, list, JSON, and the
// references to a server, certificate or access list. Every control has the same shape:
//   element      what is shown under the field's label
//   input        the element the label names and focus goes to
//   value()      the current value as the API's JSON, unchecked (for the JSON tab)
//   read(path)   the value, checked by the field's rules; throws a FieldError naming `path`
//   write(value) shows a value
import { h } from "../dom.js";

/** The value of a host's certificate field that asks for a new certificate on save. */
export const NEW_CERTIFICATE = "new";

/** A refusal of one field, as the API words it: `{field: "upstreams[1].port", message}`. */
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

/** Runs the field's own rule (`field.check`, from rules.js) on a present value. */
export function checked(field, path, value) {
  if (value === undefined || value === null || value === "" || !field.check) return value;
  try {
    field.check(value);
  } catch (message) {
    if (typeof message !== "string") throw message;
    throw new FieldError(path, message);
  }
  return value;
}

function numberControl(field, common) {
  const input = h("input", { ...common, type: "number", inputmode: "numeric", min: field.min, max: field.max, placeholder: field.placeholder });
  const parse = () => (input.value === "" ? (input.validity.badInput ? NaN : undefined) : Number(input.value));
  return {
    input, element: input,
    value: parse,
    read(path) {
      const value = parse();
      if (value === undefined) {
        if (field.required) throw new FieldError(path, "is required");
        return field.nullable ? null : undefined;
      }
      if (!Number.isInteger(value)) throw new FieldError(path, "must be a whole number");
      checked(field, path, value);
      if (field.min !== undefined && field.max !== undefined && (value < field.min || value > field.max)) {
        throw new FieldError(path, `must be ${field.min}-${field.max}`);
      }
      return value;
    },
    write(value) { input.value = value ?? field.default ?? ""; },
  };
}

function selectControl(field, common, options) {
  const input = h("select", common);
  const fill = (items) => input.replaceChildren(...items.map(([value, label]) => h("option", { value: String(value) }, label)));
  fill(options);
  const parse = () => {
    const option = options.find(([value]) => String(value) === input.value);
    return option ? option[0] : null;
  };
  return {
    input, element: input, value: parse, read: parse,
    write(value) { input.value = String(value ?? field.default ?? options[0]?.[0] ?? ""); },
  };
}

function textControl(field, common, tag) {
  const input = tag === "textarea"
    ? h("textarea", { ...common, rows: field.rows ?? 4 })
    : h("input", { ...common, type: field.type === "secret" ? "password" : "text", placeholder: field.placeholder,
        autocomplete: field.type === "secret" ? "new-password" : field.autocomplete ?? "off" });
  // `file`: the text may also be read from a file (a PEM certificate or key).
  const element = field.file && !common.disabled
    ? h("div", { class: "with-file" }, input, h("input", { type: "file", accept: field.file, "aria-label": `Read ${field.label} from a file`,
        onchange: async (event) => {
          const file = event.target.files[0];
          if (file) input.value = await file.text();
          input.dispatchEvent(new Event("input", { bubbles: true }));
        } }))
    : input;
  return {
    input, element,
    value: () => input.value,
    read(path) {
      if (input.value === "") {
        if (field.required) throw new FieldError(path, "is required");
        return field.type === "secret" || field.omitEmpty ? undefined : "";
      }
      return checked(field, path, input.value);
    },
    write(value) { input.value = value ?? ""; },
  };
}

/** A control for one field definition (see resources.js). `context` holds the page's servers,
 * certificates and access lists, `readOnly`, and `secretIsSet(name)`; `report(path, message)`,
 * when given, shows a refusal found while typing (no message: the field is fine again). */
export function simpleControl(field, id, context, report) {
  const common = { id, name: field.name, disabled: context.readOnly, required: field.required, "aria-describedby": `${id}-error` };
  switch (field.type) {
    case "checkbox": {
      const input = h("input", { ...common, type: "checkbox" });
      return { input, element: input, value: () => input.checked, read: () => input.checked,
               write(value) { input.checked = value ?? field.default ?? false; } };
    }
    case "number": return numberControl(field, common);
    case "select": return selectControl(field, common, field.options.map((option) => [option, String(option)]));
    case "server": {
      const control = selectControl(field, common, context.servers.map((server) => [server.id, server.name]));
      return { ...control, write(value) { control.write(value ?? context.defaultServer); } };
    }
    case "certificate":
    case "accessList": {
      const items = field.type === "certificate" ? context.certificates : context.accessLists;
      // A host's certificate may also be one to request now, for its domain names (`"new"`).
      const request = field.type === "certificate" && !context.readOnly ? [[NEW_CERTIFICATE, "Request a new certificate (ACME) for these domain names"]] : [];
      return selectControl(field, common, [[null, "None"], ...request, ...items.map((item) => [item.id, item.nice_name || item.name || `#${item.id}`])]);
    }
    case "list": {
      const input = h("textarea", { ...common, rows: 3 });
      const parse = () => input.value.split(/\n|,/).map((line) => line.trim()).filter(Boolean);
      return { input, element: input, value: parse, read: parse, write(value) { input.value = (value ?? []).join("\n"); } };
    }
    case "json": {
      // Checked as it is typed: a syntax error shows at once, and goes once fixed.
      const input = h("textarea", { ...common, rows: 6, placeholder: field.placeholder ?? "", oninput: () => {
        try { parse(field.name); report?.(field.name); } catch (error) { report?.(error.field, error.message); }
      } });
      const parse = (path) => {
        if (input.value.trim() === "") return null;
        try { return JSON.parse(input.value); } catch (error) { throw new FieldError(path, `is not valid JSON (${error.message})`); }
      };
      return { input, element: input, value: () => { try { return parse(field.name); } catch { return input.value; } }, read: parse,
               write(value) { input.value = value == null ? "" : JSON.stringify(value, null, 2); } };
    }
    case "secret": {
      const control = textControl(field, common, "input");
      return { ...control, write() {
        control.input.value = "";
        control.input.placeholder = context.secretIsSet?.(field.name) ? "(set; type to replace)" : "";
      } };
    }
    case "textarea": return textControl(field, common, "textarea");
    default: return textControl(field, common, "input");
  }
}
