// Domain names as tags: a name becomes a tag when Enter, a comma, a space or leaving the input
// ends it, and is checked then by the API's rules (rules.js); a refused name stays in the input
// with the reason beside it. Backspace in the empty input takes back the last tag; a pasted list
// becomes several tags.
import { h } from "../dom.js";
import { domainName } from "../rules.js";
import { FieldError } from "./simple.js";

export function domainsControl(field, id, context, report) {
  let names = [];
  const input = h("input", { id, type: "text", autocomplete: "off", spellcheck: false, disabled: context.readOnly,
    "aria-describedby": `${id}-error ${id}-hint`, placeholder: field.placeholder ?? "example.com" });
  const list = h("ul", { class: "tag-list", "aria-label": "Entered names" });
  const element = h("div", { class: "tags", onclick: (event) => { if (event.target === element) input.focus(); } }, list, input);

  function render() {
    list.replaceChildren(...names.map((name, index) => h("li", { class: "tag" }, h("span", {}, name),
      context.readOnly ? null : h("button", { type: "button", class: "tag-remove", "aria-label": `Remove ${name}`,
        onclick: () => { names.splice(index, 1); render(); input.focus(); } }, "×"))));
  }

  /** Turns the input's text into tags; returns the refusal of the first name it cannot take. */
  function commit() {
    const typed = input.value.split(/[\s,]+/).filter(Boolean);
    for (const [offset, name] of typed.entries()) {
      try {
        const normalized = domainName(name);
        if (names.some((existing) => domainName(existing) === normalized)) throw `\`${normalized}\` is listed twice`;
      } catch (message) {
        if (typeof message !== "string") throw message;
        input.value = typed.slice(offset).join(" ");
        render();
        return new FieldError(`${field.name}[${names.length}]`, message);
      }
      names.push(name);
    }
    input.value = "";
    render();
    return null;
  }

  /** Commits what was typed and shows the outcome next to the field at once. */
  function commitShowing() {
    const refusal = commit();
    report(refusal?.field ?? null, refusal?.message);
  }

  input.addEventListener("keydown", (event) => {
    if (["Enter", ",", " "].includes(event.key) && input.value.trim() !== "") {
      event.preventDefault();
      commitShowing();
    } else if (event.key === "Enter") {
      // An empty input: Enter submits the form as usual.
    } else if (event.key === "Backspace" && input.value === "" && names.length > 0) {
      input.value = names.pop();
      render();
      event.preventDefault();
    }
  });
  input.addEventListener("blur", () => { if (input.value.trim() !== "") commitShowing(); });
  input.addEventListener("paste", () => setTimeout(() => { if (/[\s,]/.test(input.value.trim())) commitShowing(); }));

  return {
    input, element,
    value: () => [...names, ...input.value.split(/[\s,]+/).filter(Boolean)],
    read(path) {
      const refusal = commit();
      if (refusal) throw refusal;
      if (names.length === 0 && field.required) throw new FieldError(path, "must list at least one domain name");
      if (names.length > 100) throw new FieldError(path, "lists more than 100 domain names");
      return [...names];
    },
    write(value) { names = [...(value ?? [])]; input.value = ""; render(); },
  };
}
