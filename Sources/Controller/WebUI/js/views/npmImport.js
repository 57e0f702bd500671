// Settings → Import from Nginx Proxy Manager: a data folder on the controller's machine, a
// server, a preview (the dry run's report, item by item) and, once confirmed, the import.
import { api } from "../api.js";
import { badge, count, h, labelCells, mount } from "../dom.js";

const kinds = { proxy_host: "Proxy host", redirection_host: "Redirection host", dead_host: "404 host", stream_host: "Stream",
  access_list: "Access list", certificate: "Certificate", user: "User" };
const actions = { create: ["create", "ok"], create_disabled: ["create disabled", "pending"], exists: ["already here", "disabled"],
  refused: ["refused", "failed"] };

export function npmImportCard(app) {
  const folder = h("input", { id: "npm-folder", type: "text", required: true, placeholder: "/srv/npm/data", autocomplete: "off" });
  const server = h("select", { id: "npm-server" },
    app.servers.map((s) => h("option", { value: String(s.id) }, s.name)));
  const error = h("div", { class: "form-error", role: "alert" });
  const result = h("div", { "aria-live": "polite" });
  let previewed = null;
  const importButton = h("button", { type: "button", class: "primary", disabled: true, onclick: () => run(true) }, "Import");

  async function run(confirm) {
    error.textContent = "";
    if (!folder.value.trim()) { error.textContent = "Name NPM's data folder: the one holding database.sqlite."; return; }
    const body = { data_folder: folder.value.trim(), server_id: Number(server.value), confirm };
    try {
      const report = await api.post("/api/import/npm", body);
      previewed = confirm ? null : JSON.stringify(body);
      importButton.disabled = confirm;
      mount(result, summary(report), table(report.items));
    } catch (failure) { error.textContent = failure.message; }
  }
  // A changed folder or server needs a new preview before it can be imported.
  for (const input of [folder, server]) {
    input.addEventListener("input", () => { importButton.disabled = true; previewed = null; });
  }

  return h("section", { class: "card", "aria-labelledby": "npm-import-heading" },
    h("h3", { id: "npm-import-heading" }, "Import from Nginx Proxy Manager"),
    h("p", {}, "NPM's data folder on this controller's machine, as its Docker volumes hold it: database.sqlite, custom_ssl/ and letsencrypt/. "
      + "Preview says what each host, access list, certificate and user becomes; nothing is stored until you import."),
    h("div", { class: "field" }, h("label", { for: folder.id }, "Data folder"), folder),
    h("div", { class: "field" }, h("label", { for: server.id }, "Onto server"), server),
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
