// Dashboard: counts per host type, servers counted by status (and those needing attention
// first), traffic of the last 24 hours (per server, top hosts by requests and by errors),
// upstream health (counted, failing ones first), certificates expiring within 30 days. It reads
// the controller's aggregates, so it stays as light with ten thousand servers as with one. Read
// again whenever the controller says something changed.
import { api } from "../api.js";
import { bytes, sparkline } from "../charts.js";
import { badge, count, h, mount } from "../dom.js";
import { showTraffic } from "./traffic.js";

/** Per server, then the hosts with the most requests and with the most errors. */
function trafficSection(summary) {
  const errors = (host) => host.status_4xx + host.status_5xx;
  const hostTable = (caption, hosts) => h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ["Host", "Last 24 h", "Requests", "4xx", "5xx"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, hosts.map((host) => h("tr", {},
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => showTraffic(host.id, host.name || `#${host.id}`) }, host.name || `#${host.id}`)),
      h("td", {}, sparkline(host.requests_spark, host.errors_spark, `${host.requests} requests, ${errors(host)} errors`)),
      h("td", {}, host.requests), h("td", {}, host.status_4xx), h("td", {}, host.status_5xx)))));
  if (!summary.hosts.length) return h("p", { class: "muted" }, "No requests in the last 24 hours.");
  const byErrors = summary.hosts.filter((host) => errors(host) > 0).sort((a, b) => errors(b) - errors(a)).slice(0, 5);
  return [
    h("table", {}, h("caption", {}, "Per server"),
      h("thead", {}, h("tr", {}, ["Server", "Requests", "4xx", "5xx", "Sent", "Received"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, summary.servers.map((s) => h("tr", {}, h("td", {}, s.name), h("td", {}, s.requests), h("td", {}, s.status_4xx),
        h("td", {}, s.status_5xx), h("td", {}, bytes(s.bytes_out)), h("td", {}, bytes(s.bytes_in)))))),
    hostTable("Top hosts by requests", summary.hosts.slice(0, 5)),
    byErrors.length ? hostTable("Top hosts by errors", byErrors) : null,
  ];
}

export async function dashboard(container, app) {
  async function render() {
    const suffix = app.serverFilter ? `&server_id=${app.serverFilter}` : "";
    const kinds = [["proxy-hosts", "Proxy Hosts"], ["redirection-hosts", "Redirection Hosts"], ["stream-hosts", "Stream Hosts"], ["dead-hosts", "Dead Hosts"], ["port-forwards", "Port Forwards"]];
    const counts = await Promise.all(kinds.map(([path]) => api.get(`/api/${path}?limit=1${suffix}`).then((r) => r.total)));
    const summary = await api.get("/api/servers/summary");
    const servers = summary.servers;
    const traffic = await api.get("/api/traffic/summary").catch(() => null);
    const certificates = (await api.get("/api/certificates?limit=500")).items.filter((c) => c.days_left !== undefined && c.days_left <= 30);
    // A report from a server that is not online is old news: its upstreams' health is unknown.
    const upstreams = summary.upstreams.items;
    const health = (u) => u.server_status !== "online" ? badge("unknown", "offline") : u.fails > 0 ? badge("failing", "failed") : badge("healthy", "ok");
    const statusCounts = Object.entries(summary.by_status).filter(([, n]) => n > 0).map(([status, n]) => [badge(status), ` ${n}`]);
    const more = (shown, total, what) => total > shown ? h("p", { class: "muted" }, `${shown} of ${total} ${what} shown, those needing attention first.`) : null;
    mount(container,
      h("div", { class: "toolbar" }, h("h2", {}, "Dashboard")),
      h("div", { class: "cards" }, kinds.map(([path, title], index) => h("a", { class: "card", href: `#/${path}` }, h("div", { class: "count" }, counts[index]), title))),
      h("h3", {}, "Servers"),
      h("p", { class: "server-counts" }, `${count(summary.total, "server")}: `, statusCounts.flatMap((part, i) => i ? [", ", ...part] : part),
        summary.out_of_date ? `; ${summary.out_of_date} not yet at their latest revision` : null),
      more(servers.length, summary.total, "servers"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Server", "Status", "Caddy", "Routes"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, servers.map((s) => h("tr", {}, h("td", {}, s.name), h("td", {}, badge(s.status)), h("td", {}, s.caddy_version ?? "—"), h("td", {}, s.active_routes))))),
      h("h3", {}, "Traffic (last 24 hours)"),
      traffic ? trafficSection(traffic) : h("p", { class: "muted" }, "Traffic cannot be read now."),
      h("h3", {}, "Upstream health"),
      summary.upstreams.total ? h("p", {}, `${count(summary.upstreams.total, "upstream")}: ${summary.upstreams.failing} failing, ${summary.upstreams.unknown} unknown (their server is not online).`) : null,
      more(upstreams.length, summary.upstreams.total, "upstreams"),
      upstreams.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Server", "Upstream", "Status", "Requests", "Failures"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, upstreams.map((u) => h("tr", {}, h("td", {}, u.server), h("td", {}, u.address), h("td", {}, health(u)),
          h("td", {}, u.requests), h("td", {}, u.fails)))))
        : h("p", { class: "muted" }, "No upstream reports yet."),
      h("h3", {}, "Certificates expiring within 30 days"),
      certificates.length ? h("ul", {}, certificates.map((c) => h("li", {}, `${c.nice_name || c.domain_names.join(", ")}: `,
        badge(c.days_left < 0 ? "expired" : `${c.days_left} days`, c.days_left <= 7 ? "red" : c.days_left <= 14 ? "amber" : "yellow"))))
        : h("p", { class: "muted" }, "None."));
  }
  await render();
  app.refresh = render;
}
