// A proxy host's access log: its recent requests as its server logged them, newest first,
// filtered there by status, method, path and client, with a live tail that asks again every
// two seconds. Credentials in headers arrive redacted.
import { api } from "../api.js";
import { h, labelCells, mount, showDialog } from "../dom.js";

const STATUSES = ["", "2xx", "3xx", "4xx", "5xx"];
const METHODS = ["", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/** Opens the access-log dialog of proxy host `record`. */
export function showAccessLog(record) {
  const name = record.domain_names[0];
  const status = h("select", { id: "log-status" }, STATUSES.map((s) => h("option", { value: s }, s || "any")));
  const method = h("select", { id: "log-method" }, METHODS.map((m) => h("option", { value: m }, m || "any")));
  const path = h("input", { id: "log-path", type: "search", placeholder: "/api" });
  const client = h("input", { id: "log-client", type: "search", placeholder: "203.0.113." });
  const live = h("input", { id: "log-live", type: "checkbox" });
  const note = h("p", { class: "muted", role: "status", "aria-live": "polite" });
  const body = h("div", { class: "access-log" });
  let timer = null;

  const field = (label, control) => h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  const dialog = h("dialog", { "aria-label": `Access log of ${name}`, class: "wide" },
    h("form", { method: "dialog", onsubmit: (event) => { event.preventDefault(); load(); } },
      h("h3", {}, `Access log of ${name}`),
      h("div", { class: "filters" }, field("Status", status), field("Method", method), field("Path contains", path),
        field("Client contains", client),
        h("div", { class: "field" }, h("label", {}, live, " Live")),
        h("button", { type: "submit", class: "primary" }, "Filter")),
      note, body,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => dialog.close() }, "Close"))));

  async function load() {
    const params = new URLSearchParams({ limit: 200 });
    for (const [key, control] of [["status", status], ["method", method], ["path", path], ["client", client]]) {
      if (control.value) params.set(key, control.value);
    }
    try {
      const answer = await api.get(`/api/proxy-hosts/${record.id}/access-log?${params}`);
      note.textContent = answer.found ? `${answer.lines.length} requests (newest first).` : "Nothing logged yet on the host's server.";
      mount(body, answer.lines.length ? table(answer.lines) : null);
    } catch (error) {
      note.textContent = error.message;
    }
  }

  live.addEventListener("change", () => {
    clearInterval(timer);
    timer = live.checked ? setInterval(load, 2000) : null;
  });
  dialog.addEventListener("close", () => clearInterval(timer));
  showDialog(dialog);
  load();
}

/** The lines as a table; each row's headers behind a disclosure. */
function table(lines) {
  const headerList = (headers) => h("dl", { class: "headers" },
    Object.entries(headers ?? {}).map(([key, values]) => [h("dt", {}, key), h("dd", {}, values.join(", "))]));
  const element = h("table", {},
    h("thead", {}, h("tr", {}, ["Time", "Client", "Request", "Status", "Duration", "Size"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, lines.map((line) => h("tr", {},
      h("td", {}, new Date(line.ts * 1000).toLocaleString()),
      h("td", {}, line.client ?? "—"),
      h("td", {}, h("details", {}, h("summary", {}, `${line.method ?? ""} ${line.uri ?? ""}`),
        h("h4", {}, "Request headers"), headerList(line.request_headers),
        h("h4", {}, "Response headers"), headerList(line.response_headers))),
      h("td", {}, line.status ?? "—"),
      h("td", {}, line.duration_ms === null ? "—" : `${line.duration_ms} ms`),
      h("td", {}, line.size ?? "—")))));
  labelCells(element);
  return element;
}
