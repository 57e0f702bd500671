// One resource page: the list (enabled, apply status per server, TLS status, search, paging)
// and the create/edit dialog. A viewer sees the same list without any control that changes it.
import { api, APIError } from "../api.js";
import { ask, badge, h, mount, pager, showDialog } from "../dom.js";
import { issuanceProgress, requestCertificate } from "../certificateRequest.js";
import { NEW_CERTIFICATE } from "../controls/simple.js";
import { buildForm } from "../form.js";
import { resources } from "../resources.js";
import { sparkline } from "../charts.js";
import { showTraffic } from "./traffic.js";
import { showAccessLog } from "./accessLog.js";

export async function resourceList(container, path, app) {
  const definition = resources[path];
  // `typed`: the search box's text, kept across redraws (a list read again while someone types
  // keeps their text and focus); `query`: the search the list shows.
  const state = { query: "", typed: "", page: 1 };
  let drawn = 0;
  // What a form may refer to, read again with the list (a certificate requested from a form appears at once).
  let certificates = [], accessLists = [];
  const loadReferences = async () => {
    [certificates, accessLists] = await Promise.all([
      api.get("/api/certificates?limit=500").then((r) => r.items),
      api.get("/api/access-lists?limit=500").then((r) => r.items),
    ]);
  };
  const serverName = (id) => app.servers.find((server) => server.id === id)?.name ?? `#${id}`;
  const certificateStatus = (record) => {
    if (definition.tls) return badge(record.status);
    if (!("certificate_id" in record) && !("ssl_forced" in record)) return null;
    const certificate = certificates.find((item) => item.id === record.certificate_id);
    return certificate ? badge(certificate.status) : badge("no TLS", "disabled");
  };

  async function render() {
    const generation = ++drawn;
    const params = new URLSearchParams({ page: state.page, limit: 25 });
    if (state.query) params.set("q", state.query);
    if (app.serverFilter && !definition.shared) params.set("server_id", app.serverFilter);
    const [result] = await Promise.all([api.get(`/api/${path}?${params}`), loadReferences()]);
    const traffic = definition.traffic && result.items.length
      ? await api.get(`/api/traffic/summary?ids=${result.items.map((r) => r.id).join(",")}`).catch(() => null) : null;
    const trafficOf = new Map((traffic?.hosts ?? []).map((host) => [host.id, host]));
    const header = [...definition.columns.map(([title]) => title), definition.traffic ? "Traffic (24 h)" : null, definition.shared ? null : "Server", "Status", "Apply", definition.tls || definition.tabs.SSL || definition.tabs.Details.some((f) => f.type === "certificate") ? "TLS" : null, ""].filter((x) => x !== null);
    const rows = result.items.map((record) => h("tr", {},
      definition.columns.map(([, value]) => h("td", {}, value(record))),
      definition.traffic ? h("td", {}, trafficCell(record, trafficOf.get(record.id))) : null,
      definition.shared ? null : h("td", {}, serverName(record.server_id)),
      h("td", {}, record.enabled ? badge("enabled", "ok") : badge("disabled")),
      h("td", {}, badge(record.apply_status.status), record.apply_status.message ? h("div", { class: "muted" }, record.apply_status.message) : null),
      header.includes("TLS") ? h("td", {}, certificateStatus(record)) : null,
      h("td", {}, definition.tls && record.provider === "letsencrypt"
        ? [h("button", { type: "button", onclick: () => showIssuance(record) }, "Issuance"), " "] : null,
      app.isAdmin && record.access_log ? [h("button", { type: "button", onclick: () => showAccessLog(record) }, "Access log"), " "] : null, app.isAdmin ? [
        h("button", { type: "button", onclick: () => edit(record) }, "Edit"), " ",
        h("button", { type: "button", onclick: () => toggle(record) }, record.enabled ? "Disable" : "Enable"), " ",
        h("button", { type: "button", class: "danger", onclick: () => remove(record) }, "Delete"),
      ] : h("button", { type: "button", onclick: () => edit(record) }, "View")),
    ));
    // A read overtaken by a later one is not drawn over it.
    if (generation !== drawn) return;
    const pages = Math.max(1, Math.ceil(result.total / result.limit));
    const searching = document.activeElement?.id === "search" && container.contains(document.activeElement);
    mount(container,
      h("div", { class: "toolbar" },
        h("h2", {}, definition.title),
        h("label", { class: "visually-hidden", for: "search" }, "Search"),
        h("input", { id: "search", type: "search", placeholder: "Search", value: state.typed, class: "search",
          oninput: (event) => { state.typed = event.target.value; },
          onchange: (event) => { state.query = state.typed = event.target.value; state.page = 1; render(); } }),
        app.isAdmin ? h("button", { type: "button", class: "primary", onclick: () => edit(null) }, `Add ${definition.singular}`) : null),
      h("table", {}, h("thead", {}, h("tr", {}, header.map((title) => h("th", { scope: "col" }, title)))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: header.length, class: "muted" },
          state.query ? `No ${definition.title.toLowerCase()} match “${state.query}”.` : emptyState())))),
      pager(state, pages, render, result.total));
    if (searching) {
      const search = container.querySelector("#search");
      search.focus();
      search.setSelectionRange(search.value.length, search.value.length);
    }
  }

  /** A host's last 24 hours in its row: requests and errors as a sparkline and in numbers,
   * opening its traffic charts. */
  function trafficCell(record, host) {
    const name = record.domain_names?.[0] ?? `#${record.id}`;
    const requests = host?.requests ?? 0, errors = (host?.status_4xx ?? 0) + (host?.status_5xx ?? 0);
    const label = `${requests} requests, ${errors} errors in 24 hours`;
    return h("button", { type: "button", class: "traffic-cell", "aria-label": `Traffic of ${name}: ${label}`, onclick: () => showTraffic(record.id, name) },
      sparkline(host?.requests_spark ?? new Array(24).fill(0), host?.errors_spark, label),
      h("span", { "aria-hidden": "true" }, `${requests}`, errors ? h("span", { class: "muted" }, ` · ${errors} err`) : null));
  }

  /** What an empty list says, with the way to fill it for an admin. */
  function emptyState() {
    const where = app.serverFilter && !definition.shared ? ` on ${serverName(app.serverFilter)}` : "";
    return [`No ${definition.title.toLowerCase()}${where} yet. `,
      app.isAdmin ? h("button", { type: "button", class: "link", onclick: () => edit(null) }, `Add the first ${definition.singular}`) : null];
  }

  function edit(record) {
    const form = buildForm(definition, record, {
      readOnly: !app.isAdmin, jsonTab: true, servers: app.servers, defaultServer: app.serverFilter ?? app.servers[0]?.id, certificates, accessLists,
    });
    const formError = h("div", { class: "form-error", role: "alert" });
    const dialog = h("dialog", { "aria-label": `${record ? "Edit" : "Add"} ${definition.singular}` },
      h("form", { method: "dialog", novalidate: true, onsubmit: async (event) => {
        event.preventDefault();
        if (!app.isAdmin) return dialog.close();
        formError.textContent = "";
        let requested = null;
        try {
          const body = form.read();
          if (body.certificate_id === NEW_CERTIFICATE) {
            requested = await requestCertificate(body.domain_names ?? record?.domain_names ?? []);
            body.certificate_id = requested.id;
          }
          if (record) await api.put(`/api/${path}/${record.id}`, body);
          else await api.post(`/api/${path}`, body);
          render();
          if (requested) return followIssuance(dialog, requested);
          dialog.close();
        } catch (error) {
          // A certificate requested for a host that was then refused is not kept.
          if (requested) await api.delete(`/api/certificates/${requested.id}`).catch(() => {});
          const field = error.field ?? null;
          if (!form.showError(field, error.message)) formError.textContent = error.message;
        }
      } },
        h("h3", {}, `${record ? (app.isAdmin ? "Edit" : "View") : "Add"} ${definition.singular}`),
        form.element, formError,
        h("div", { class: "actions" },
          h("button", { type: "button", onclick: () => dialog.close() }, app.isAdmin ? "Cancel" : "Close"),
          app.isAdmin ? h("button", { type: "submit", class: "primary" }, "Save") : null)));
    showDialog(dialog);
  }

  /** An automatic certificate's progress on each server that obtains it, followed live. */
  function showIssuance(certificate) {
    const dialog = h("dialog", { "aria-label": `Issuance of ${certificate.domain_names.join(", ")}` }, h("form", { method: "dialog" }));
    followIssuance(dialog, certificate);
    showDialog(dialog);
  }

  /** After a save that requested a certificate: the dialog follows its issuance. */
  function followIssuance(dialog, certificate) {
    const progress = issuanceProgress(certificate.id);
    dialog.addEventListener("close", progress.stop);
    mount(dialog.querySelector("form"),
      h("h3", {}, `Certificate for ${certificate.domain_names.join(", ")}`),
      progress.element,
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, "Close")));
  }

  async function toggle(record) {
    await api.post(`/api/${path}/${record.id}/${record.enabled ? "disable" : "enable"}`);
    render();
  }

  async function remove(record) {
    if (!(await ask(`Delete this ${definition.singular}?`, "Delete"))) return;
    try { await api.delete(`/api/${path}/${record.id}`); } catch (error) { if (error instanceof APIError) alert(error.message); }
    render();
  }

  await render();
  app.refresh = render;
}
