// A host's traffic: requests, errors, latency and bandwidth over the last hour, day, week or 90
// days, drawn as charts with their numbers as tables, and what each server served.
import { api } from "../api.js";
import { bytes, compact, lineChart } from "../charts.js";
import { h, mount, showDialog } from "../dom.js";

const RANGES = [["1h", "1 hour"], ["24h", "24 hours"], ["7d", "7 days"], ["90d", "90 days"]];

/** Opens the traffic dialog of host `id`, named `name`. */
export function showTraffic(id, name) {
  const body = h("div", { class: "traffic" });
  const dialog = h("dialog", { "aria-label": `Traffic of ${name}`, class: "wide" },
    h("form", { method: "dialog" },
      h("h3", {}, `Traffic of ${name}`),
      h("div", { class: "segmented", role: "group", "aria-label": "Range" },
        RANGES.map(([range, label]) => h("button", { type: "button", "data-range": range, onclick: () => load(range) }, label))),
      body,
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, "Close"))));

  async function load(range) {
    for (const button of dialog.querySelectorAll("[data-range]")) button.setAttribute("aria-pressed", String(button.dataset.range === range));
    mount(body, h("p", { class: "muted", role: "status" }, "Loading…"));
    const data = await api.get(`/api/traffic/hosts/${id}?range=${range}`);
    mount(body, trafficView(data));
  }
  showDialog(dialog);
  load("1h");
}

/** The charts and tables of one `/api/traffic/hosts/{id}` answer. */
function trafficView(data) {
  const seconds = data.step_seconds;
  const rate = (value) => value / seconds;
  const points = data.points.map((p) => ({
    requests: rate(p.requests), errors4: rate(p.status_4xx), errors5: rate(p.status_5xx),
    count: p.requests, count4: p.status_4xx, count5: p.status_5xx,
    p50: p.p50_ms, p95: p.p95_ms, sent: rate(p.bytes_out), received: rate(p.bytes_in),
  }));
  const times = data.points.map((p) => p.at);
  const totals = data.totals;
  const perSecond = (format) => (value) => `${format(value)}/s`;
  return [
    h("p", { class: "totals" },
      `${compact(totals.requests)} requests, ${compact(totals.status_4xx)} 4xx, ${compact(totals.status_5xx)} 5xx, `,
      `p50 ${totals.p50_ms ?? "—"} ms, p95 ${totals.p95_ms ?? "—"} ms, ${bytes(totals.bytes_out)} sent, ${bytes(totals.bytes_in)} received`),
    totals.requests === 0 ? h("p", { class: "muted" }, "No requests in this range. Requests are counted when their Host header is one of the host's names exactly (as browsers send it on ports 80 and 443).") : null,
    lineChart({ title: "Requests per second", points, times, series: [{ key: "requests", label: "Requests/s", className: "series-requests" }], format: compact,
      counts: [{ key: "count", label: "Requests" }] }),
    lineChart({ title: "Errors per second", points, times, format: compact,
      series: [{ key: "errors4", label: "4xx/s", className: "series-warn" }, { key: "errors5", label: "5xx/s", className: "series-errors" }],
      counts: [{ key: "count4", label: "4xx" }, { key: "count5", label: "5xx" }] }),
    lineChart({ title: "Latency (ms)", points, times, format: (v) => `${compact(v)} ms`,
      series: [{ key: "p50", label: "p50", className: "series-requests" }, { key: "p95", label: "p95", className: "series-warn" }] }),
    lineChart({ title: "Bandwidth", points, times, format: perSecond(bytes),
      series: [{ key: "sent", label: "Sent", className: "series-requests" }, { key: "received", label: "Received", className: "series-ok" }] }),
    h("h4", {}, "Per server"),
    data.servers.length
      ? h("table", {}, h("thead", {}, h("tr", {}, ["Server", "Requests", "4xx", "5xx", "p95", "Sent"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, data.servers.map((s) => h("tr", {}, h("td", {}, s.name), h("td", {}, s.requests), h("td", {}, s.status_4xx),
          h("td", {}, s.status_5xx), h("td", {}, s.p95_ms === null ? "—" : `${s.p95_ms} ms`), h("td", {}, bytes(s.bytes_out))))))
      : h("p", { class: "muted" }, "No server served it in this range."),
  ];
}
