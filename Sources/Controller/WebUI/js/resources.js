// What each resource page shows and edits: its API path, list columns and form tabs.
// Field types: text, number, checkbox, select, list (one per line), textarea, secret, json,
// domains (tags), rows (a list of objects, `columns` per row), group (an object of `fields`;
// `optional` names the switch that sends null when off), and the references server,
// certificate and accessList. `check` is the API's rule for the value (rules.js); `name` may be
// nested ("error_pages.404"). `showWhen: [name, value]` shows a field (and sends it) only while
// another field has that value.

import { count } from "./dom.js";
import * as rules from "./rules.js";

const carriers = { layer4: "Caddy layer4", iptables: "iptables (DNAT)", socat: "socat" };
const policies = ["round_robin", "weighted_round_robin", "random", "least_conn", "ip_hash", "uri_hash", "first"];
const serverField = { name: "server_id", label: "Server", type: "server" };
const domainsField = { name: "domain_names", label: "Domain names", type: "domains", required: true,
                       hint: "Enter, comma or space after each name; *.example.com for a wildcard" };
const portField = (name, label) => ({ name, label, type: "number", required: true, min: 1, max: 65535, check: rules.port });
const hostField = (name, label) => ({ name, label, type: "text", required: true, check: rules.host });
const weightField = (name, label) => ({ name, label, type: "number", required: true, min: 1, max: 100, default: 1 });

export const headerPresets = {
  "Security headers": [
    { direction: "response", action: "set", name: "X-Content-Type-Options", value: "nosniff" },
    { direction: "response", action: "set", name: "X-Frame-Options", value: "SAMEORIGIN" },
    { direction: "response", action: "set", name: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  ],
  "Forwarded headers": [
    { direction: "request", action: "set", name: "X-Real-IP", value: "{remote_host}" },
    { direction: "request", action: "set", name: "X-Forwarded-Proto", value: "{scheme}" },
  ],
  "Hide server": [{ direction: "response", action: "delete", name: "Server" }],
};

const headerRules = {
  name: "headers", label: "Header rules", type: "rows", item: "header rule", ordered: true, max: 100, presets: headerPresets,
  hint: "Applied in order. Values may use {remote_host} {scheme} {host} {method} {uri}.",
  columns: [
    { name: "direction", label: "Direction", type: "select", options: ["request", "response"] },
    { name: "action", label: "Action", type: "select", options: ["set", "add", "delete"] },
    { name: "name", label: "Header name", type: "text", required: true, check: rules.headerName, placeholder: "X-Frame-Options" },
    { name: "value", label: "Value", type: "text", check: rules.headerValue },
  ],
};

export const resources = {
  "proxy-hosts": {
    traffic: true,
    title: "Proxy Hosts", singular: "proxy host",
    columns: [["Domains", (r) => r.domain_names.join(", ")], ["Forward to", (r) => `${r.forward_scheme ?? "http"}://${r.forward_host}:${r.forward_port}`]],
    tabs: {
      Details: [
        domainsField,
        { name: "forward_scheme", label: "Scheme", type: "select", options: ["http", "https"] },
        hostField("forward_host", "Forward host"),
        portField("forward_port", "Forward port"),
        serverField,
        { name: "allow_websocket_upgrade", label: "WebSocket support", type: "checkbox", default: true },
        { name: "block_exploits", label: "Block common exploits", type: "checkbox" },
        { name: "caching_enabled", label: "Cache assets", type: "checkbox" },
        { name: "access_log", label: "Access log", type: "checkbox" },
      ],
      Upstreams: [
        { name: "upstreams", label: "More upstreams", type: "rows", item: "upstream", max: 100,
          hint: "Served beside the forward host and port on the Details tab.",
          columns: [hostField("host", "Host"), portField("port", "Port"), weightField("weight", "Weight")] },
        { name: "load_balancing", label: "Load balancing", type: "select", options: policies },
        { ...weightField("forward_weight", "Main upstream's weight (the Details tab's)"), hint: "Weights count with weighted_round_robin: an upstream of weight 3 gets three requests for every one of weight 1." },
      ],
      SSL: [
        { name: "certificate_id", label: "Certificate", type: "certificate" },
        { name: "ssl_forced", label: "Force HTTPS", type: "checkbox" },
        { name: "hsts_enabled", label: "HSTS", type: "checkbox" },
        { name: "hsts_subdomains", label: "HSTS for subdomains", type: "checkbox" },
        { name: "http2_support", label: "HTTP/2 over HTTPS", type: "checkbox", default: true },
        { name: "http3_support", label: "Offer HTTP/3 over HTTPS (needs UDP on the HTTPS port)", type: "checkbox", default: true },
        { name: "tls_passthrough", label: "TLS passthrough (layer4)", type: "checkbox" },
      ],
      Locations: [{
        name: "locations", label: "Custom locations", type: "rows", item: "location", max: 100,
        hint: "A request whose path starts with a location's path goes to its upstream; the longest path wins.",
        columns: [
          { name: "path", label: "Path", type: "text", required: true, check: rules.pathPrefix, placeholder: "/api" },
          { name: "forward_scheme", label: "Scheme", type: "select", options: ["http", "https"] },
          hostField("forward_host", "Forward host"),
          portField("forward_port", "Forward port"),
          { name: "forward_path", label: "Path on the upstream (replaces the location's path)", type: "text", check: rules.pathPrefix,
            placeholder: "/new", detail: true },
          { ...headerRules, label: "Header rules of this location", detail: true },
          { name: "advanced_config", label: "Advanced (Caddy route JSON, admins only)", type: "json", detail: true,
            placeholder: '[{"handle": [{"handler": "headers", "response": {"set": {"Cache-Control": ["no-store"]}}}]}]' },
        ],
        detailsLabel: "Upstream path, header rules and advanced",
      }],
      Health: [{
        name: "health_check", label: "Health checks", type: "group",
        fields: [
          { name: "active_enabled", label: "Active checks: request a path on every upstream", type: "checkbox" },
          { name: "path", label: "Path", type: "text", required: true, check: rules.pathPrefix, default: "/" },
          { name: "interval_seconds", label: "Every (seconds)", type: "number", required: true, min: 1, max: 3600, default: 30 },
          { name: "timeout_seconds", label: "Timeout (seconds)", type: "number", required: true, min: 1, max: 600, default: 5 },
          { name: "expect_status", label: "Expected status", type: "number", required: true, min: 100, max: 599, default: 200 },
          { name: "passive_enabled", label: "Passive checks: count failed requests", type: "checkbox" },
          { name: "max_fails", label: "Failures before an upstream is down", type: "number", required: true, min: 1, max: 1000, default: 3 },
          { name: "fail_duration_seconds", label: "Failures counted for (seconds)", type: "number", required: true, min: 1, max: 86400, default: 30 },
          { name: "unhealthy_latency_ms", label: "Slower than this is a failure (ms, 0 = off)", type: "number", required: true, min: 0, max: 600000, default: 0 },
        ],
      }],
      Security: [
        { name: "access_list_id", label: "Access list", type: "accessList" },
        { name: "rate_limit", label: "Rate limit", type: "group", optional: "Limit requests per client address",
          fields: [
            { name: "requests", label: "Requests", type: "number", required: true, min: 1, max: 1000000, default: 100 },
            { name: "window_seconds", label: "Per (seconds)", type: "number", required: true, min: 1, max: 86400, default: 60 },
          ] },
      ],
      Errors: [
        { name: "error_pages.404", label: "404 page (HTML)", type: "textarea" },
        { name: "error_pages.502", label: "502 page (HTML)", type: "textarea" },
        { name: "error_pages.503", label: "503 page (HTML)", type: "textarea" },
      ],
      Headers: [headerRules],
      Advanced: [{ name: "advanced_config", label: "Advanced (Caddy route JSON)", type: "json", hint: "Admins only: a JSON list of Caddy routes placed before the proxy." }],
    },
  },
  "redirection-hosts": {
    traffic: true,
    title: "Redirection Hosts", singular: "redirection host",
    columns: [["Domains", (r) => r.domain_names.join(", ")], ["Redirect to", (r) => `${r.forward_http_code} → ${r.forward_domain_name}`]],
    tabs: { Details: [
      domainsField,
      { name: "forward_domain_name", label: "Target domain", type: "text", required: true, check: (value) => rules.domainName(value) },
      { name: "forward_scheme", label: "Scheme", type: "select", options: ["auto", "http", "https"] },
      { name: "forward_http_code", label: "Status code", type: "select", options: [301, 302, 307, 308, 303, 300] },
      { name: "preserve_path", label: "Preserve path", type: "checkbox", default: true },
      { name: "certificate_id", label: "Certificate", type: "certificate" },
      { name: "ssl_forced", label: "Force HTTPS", type: "checkbox" },
      serverField,
    ] },
  },
  "stream-hosts": {
    title: "Stream Hosts", singular: "stream host",
    // What carries each stream on its server: Caddy's layer4 app where its Caddy has it, else
    // the iptables step (DNAT, or socat for a target on the server itself or by host name).
    columns: [["Incoming port", (r) => r.incoming_port], ["Forward to", (r) => `${r.forwarding_host}:${r.forwarding_port}`],
              ["Carried by", (r) => carriers[r.carrier] ?? r.carrier ?? ""]],
    tabs: { Details: [
      portField("incoming_port", "Incoming port"),
      hostField("forwarding_host", "Forward host"),
      portField("forwarding_port", "Forward port"),
      { name: "tcp_forwarding", label: "TCP", type: "checkbox", default: true },
      { name: "udp_forwarding", label: "UDP", type: "checkbox" },
      { name: "sni_names", label: "SNI names (TLS)", type: "domains",
        hint: "Empty: every connection on the port. Matching by SNI needs Caddy's layer4 module on the server" },
      serverField,
    ] },
  },
  "dead-hosts": {
    traffic: true,
    title: "Dead Hosts", singular: "dead host",
    columns: [["Domains", (r) => r.domain_names.join(", ")]],
    tabs: { Details: [
      domainsField,
      { name: "certificate_id", label: "Certificate", type: "certificate" },
      { name: "ssl_forced", label: "Force HTTPS", type: "checkbox" },
      { name: "access_list_id", label: "Access list", type: "accessList" },
      serverField,
    ] },
  },
  "port-forwards": {
    title: "Port Forwarding", singular: "port forward",
    columns: [["Incoming", (r) => `${r.protocol} ${r.incoming_port}${r.interface ? " on " + r.interface : ""}`],
              ["Forward to", (r) => `${r.forward_host}:${r.forward_port}`], ["Method", (r) => r.method]],
    tabs: { Details: [
      { name: "protocol", label: "Protocol", type: "select", options: ["tcp", "udp", "tcp+udp"] },
      portField("incoming_port", "Incoming port"),
      { name: "forward_host", label: "Forward host (IPv4)", type: "text", required: true, check: rules.ipv4Address },
      portField("forward_port", "Forward port"),
      { name: "interface", label: "Interface", type: "text", hint: "Empty for all" },
      { name: "method", label: "Method", type: "select", options: ["iptables", "socat"] },
      serverField,
    ] },
  },
  "access-lists": {
    title: "Access Lists", singular: "access list",
    // Used by hosts on any server: no server of their own to show or filter by.
    shared: true,
    columns: [["Name", (r) => r.name], ["Rules", (r) => `${count((r.clients ?? []).length, "address rule")}, ${count((r.items ?? []).length, "user")}`]],
    tabs: { Details: [
      { name: "name", label: "Name", type: "text", required: true, check: rules.text },
      { name: "satisfy_any", label: "Satisfy any (address or login)", type: "checkbox" },
      { name: "pass_auth", label: "Pass X-Authenticated-User upstream", type: "checkbox" },
      { name: "clients", label: "Address rules", type: "rows", item: "address rule", ordered: true, max: 1000,
        hint: "The first rule that matches the client's address decides.",
        columns: [
          { name: "directive", label: "Action", type: "select", options: ["allow", "deny"] },
          { name: "address", label: "Address or range", type: "text", required: true, check: rules.cidr, placeholder: "10.0.0.0/8" },
        ] },
      { name: "items", label: "Users", type: "rows", item: "user", max: 1000, hint: "Basic authentication; passwords are never shown again.",
        columns: [
          { name: "username", label: "Username", type: "text", required: true, unique: true,
            check: (value) => { rules.text(value, { maxLength: 128 }); if (value.includes(":")) throw "must not contain `:`"; } },
          { name: "password", label: "Password", type: "secret", requiredWhenNew: "is required for a new user" },
        ] },
    ] },
  },
  certificates: {
    title: "Certificates", singular: "certificate",
    shared: true,
    columns: [["Name", (r) => r.nice_name ?? ""], ["Domains", (r) => (r.domain_names ?? []).join(", ")], ["Provider", (r) => r.provider],
              ["Expires", (r) => r.expires_on ? new Date(r.expires_on).toLocaleDateString() : "automatic"],
              ["Renewal", (r) => r.provider === "letsencrypt" ? "Caddy (ACME)"
                : r.renew_with_acme ? `Caddy (ACME) from ${new Date(r.acme_renewal_from).toLocaleDateString()}` : "upload a renewed one"]],
    tls: true,
    tabs: { Details: [
      { name: "nice_name", label: "Name", type: "text" },
      { name: "provider", label: "Provider", type: "select", options: ["letsencrypt", "other"],
        hint: "letsencrypt: obtained and renewed automatically over ACME (Settings names the CA); other: uploaded by you" },
      { ...domainsField, required: true, hint: "The names Caddy obtains the certificate for over ACME (HTTP-01: no wildcards)",
        showWhen: ["provider", "letsencrypt"] },
      { name: "certificate", label: "Certificate chain (PEM)", type: "textarea", file: ".pem,.crt,.cer", required: true, showWhen: ["provider", "other"],
        hint: "Its domain names and expiry are read from it." },
      { name: "certificate_key", label: "Private key (PEM; never shown again)", type: "textarea", file: ".pem,.key", omitEmpty: true,
        showWhen: ["provider", "other"],
        hint: "Leave empty to keep the stored key." },
      { name: "renew_with_acme", label: "Caddy takes over its renewal (ACME)", type: "checkbox", showWhen: ["provider", "other"],
        hint: "For one an ACME CA issued (certbot's, say): served as uploaded, then 30 days before it expires it becomes automatic" },
    ] },
  },
};
