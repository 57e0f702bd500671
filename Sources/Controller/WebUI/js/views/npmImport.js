// Settings → Import from Nginx Proxy Manager: from its data folder on the controller's machine
// or from a running NPM (its address and an admin's sign-in), onto a server; a preview (the dry
// run's report, item by item) and, once confirmed, the import.
import { api } from "../api.js";
import { badge, count, h, labelCells, mount } from "../dom.js";

const kinds = { proxy_host: "Proxy host", redirection_host: "Redirection host", dead_host: "404 host", stream_host: "Stream",
  access_list: "Access list", certificate: "Certificate", user: "User" };
const actions = { create: ["create", "ok"], create_disabled: ["create disabled", "pending"], exists: ["already here", "disabled"],
  refused: ["refused", "failed"] };

export function npmImportCard(app) {
  const input = (id, type, extra = {}) => h("input", { id, type, autocomplete: "off", ...extra });
  const folder = input("npm-folder", "text", { placeholder: "/srv/npm/data" });
  const url = input("npm-url", "url", { placeholder: "http://npm.example:81" });
  const email = input("npm-email", "email");
  const password = input("npm-password", "password", { autocomplete: "new-password" });
  const code = input("npm-totp", "text", { inputmode: "numeric", maxlength: "8" });
  const server = h("select", { id: "npm-server" },
    app.servers.map((s) => h("option", { value: String(s.id) }, s.name)));
  const field = (control, label, hint) => h("div", { class: "field" }, h("label", { for: control.id }, label), control,
    hint ? h("p", { class: "hint" }, hint) : null);
  const fromFolder = h("div", {}, field(folder, "Data folder",
    "On this controller's machine, as NPM's Docker volumes hold it: database.sqlite, custom_ssl/ and letsencrypt/."));
  const fromRunning = h("div", { hidden: true },
    field(url, "NPM address"), field(email, "NPM admin email"), field(password, "Password"),
    field(code, "Authenticator code", "Only when NPM has two-factor login on for this admin."),
    h("p", { class: "hint" }, "NPM's API does not give out passwords or uploaded certificates' keys: those come over locked, "
      + "and the preview says what to set."));
  const source = (value, label) => h("label", { class: "check" },
    h("input", { type: "radio", name: "npm-source", value, checked: value === "folder", onchange: choose }), label);
  const error = h("div", { class: "form-error", role: "alert" });
  const result = h("div", { "aria-live": "polite" });
  const importButton = h("button", { type: "button", class: "primary", disabled: true, onclick: () => run(true) }, "Import");
  let running = false;

  function choose(event) {
    running = event.target.value === "running";
    fromFolder.hidden = running;
    fromRunning.hidden = !running;
    stale();
  }
  // A changed source, address or server needs a new preview before it can be imported.
  function stale() { importButton.disabled = true; }

  function body(confirm) {
    const common = { server_id: Number(server.value), confirm };
    if (!running) {
      if (!folder.value.trim()) throw new Error("Name NPM's data folder: the one holding database.sqlite.");
      return { data_folder: folder.value.trim(), ...common };
    }
    if (!url.value.trim() || !email.value.trim() || !password.value) {
      throw new Error("Give NPM's address and an NPM admin's email and password.");
    }
    const sign = { url: url.value.trim(), email: email.value.trim(), password: password.value };
    return code.value.trim() ? { ...sign, totp_code: code.value.trim(), ...common } : { ...sign, ...common };
  }

  async function run(confirm) {
    error.textContent = "";
    try {
      const report = await api.post("/api/import/npm", body(confirm));
      importButton.disabled = confirm;
      mount(result, summary(report), table(report.items));
    } catch (failure) { error.textContent = failure.message; }
  }
  for (const control of [folder, url, email, password, server]) control.addEventListener("input", stale);

  return h("section", { class: "card", "aria-labelledby": "npm-import-heading" },
    h("h3", { id: "npm-import-heading" }, "Import from Nginx Proxy Manager"),
    h("p", {}, "Preview says what each host, access list, certificate and user becomes; nothing is stored until you import."),
    h("fieldset", {}, h("legend", {}, "From"), source("folder", "NPM's data folder"), source("running", "A running NPM")),
    fromFolder, fromRunning,
    field(server, "Onto server"),
    error,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => run(false) }, "Preview"), importButton),
    result);
}

function summary(report) {
  const s = report.summary;
  const verb = report.dry_run ? "Would create" : "Created";
  return h("p", { id: "npm-import-summary" },
    `${report.dry_run ? "Preview" : "Imported"}: ${verb} ${count(s.create, "item")}, ${s.create_disabled} disabled; `
    + `${s.exists} already here, ${s.refused} refused.`);
}

function table(items) {
  const element = h("table", { id: "npm-import-items" },
    h("thead", {}, h("tr", {}, ["What", "Name", "Becomes", "Why"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, items.map((item) => {
      const [label, kind] = actions[item.action] ?? [item.action, ""];
      const why = [item.reason, ...(item.changes ?? []).map((c) => `${c.field}: ${c.detail}`), item.note].filter(Boolean);
      return h("tr", {},
        h("td", {}, `${kinds[item.kind] ?? item.kind} ${item.npm_id}`),
        h("td", {}, item.name),
        h("td", {}, badge(label, kind)),
        h("td", {}, why.map((text) => h("pre", { class: "wrap" }, text))));
    })));
  labelCells(element);
  return element;
}
