// What each resource page shows and edits: its API path, list columns and form tabs.
// Field types: text, number, checkbox, select, list (one per line), textarea, json, and the
// references server, certificate and accessList. `name` may be nested ("error_pages.404").

import { count } from "./dom.js";

const policies = ["round_robin", "random", "least_conn", "ip_hash", "uri_hash", "first"];
const serverField = { name: "server_id", label: "Server", type: "server" };

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

export const resources = {
  "proxy-hosts": {
    title: "Proxy Hosts", singular: "proxy host",
    columns: [["Domains", (r) => r.domain_names.join(", ")], ["Forward to", (r) => `${r.forward_scheme ?? "http"}://${r.forward_host}:${r.forward_port}`]],
    tabs: {
      Details: [
        { name: "domain_names", label: "Domain names", type: "list", hint: "One per line", required: true },
        { name: "forward_scheme", label: "Scheme", type: "select", options: ["http", "https"] },
        { name: "forward_host", label: "Forward host", type: "text", required: true },
        { name: "forward_port", label: "Forward port", type: "number", required: true },
        serverField,
        { name: "allow_websocket_upgrade", label: "WebSocket support", type: "checkbox", default: true },
        { name: "block_exploits", label: "Block common exploits", type: "checkbox" },
        { name: "caching_enabled", label: "Cache assets", type: "checkbox" },
      ],
      Upstreams: [
        { name: "upstreams", label: "More upstreams", type: "json", hint: '[{"host": "10.0.0.2", "port": 8080}]' },
        { name: "load_balancing", label: "Load balancing", type: "select", options: policies },
      ],
      SSL: [
        { name: "certificate_id", label: "Certificate", type: "certificate" },
        { name: "ssl_forced", label: "Force HTTPS", type: "checkbox" },
        { name: "hsts_enabled", label: "HSTS", type: "checkbox" },
        { name: "hsts_subdomains", label: "HSTS for subdomains", type: "checkbox" },
        { name: "tls_passthrough", label: "TLS passthrough (layer4)", type: "checkbox" },
      ],
      Locations: [{ name: "locations", label: "Locations", type: "json", hint: '[{"path": "/api", "forward_scheme": "http", "forward_host": "10.0.0.3", "forward_port": 80}]' }],
      Health: [{ name: "health_check", label: "Health checks", type: "json", hint: '{"active_enabled": true, "path": "/health", "interval_seconds": 30}' }],
      Security: [
        { name: "access_list_id", label: "Access list", type: "accessList" },
        { name: "rate_limit", label: "Rate limit", type: "json", hint: '{"requests": 100, "window_seconds": 60}' },
      ],
      Errors: [
        { name: "error_pages.404", label: "404 page (HTML)", type: "textarea" },
        { name: "error_pages.502", label: "502 page (HTML)", type: "textarea" },
        { name: "error_pages.503", label: "503 page (HTML)", type: "textarea" },
      ],
      Headers: [{ name: "headers", label: "Header rules", type: "json", presets: headerPresets,
                  hint: "Values may use {remote_host} {scheme} {host} {method} {uri}" }],
      Advanced: [{ name: "advanced_config", label: "Advanced (Caddy route JSON)", type: "json", hint: "Admins only" }],
    },
  },
  "redirection-hosts": {
    title: "Redirection Hosts", singular: "redirection host",
    columns: [["Domains", (r) => r.domain_names.join(", ")], ["Redirect to", (r) => `${r.forward_http_code} → ${r.forward_domain_name}`]],
    tabs: { Details: [
      { name: "domain_names", label: "Domain names", type: "list", required: true },
      { name: "forward_domain_name", label: "Target domain", type: "text", required: true },
      { name: "forward_scheme", label: "Scheme", type: "select", options: ["auto", "http", "https"] },
      { name: "forward_http_code", label: "Status code", type: "select", options: [301, 302, 307, 308] },
      { name: "preserve_path", label: "Preserve path", type: "checkbox", default: true },
      { name: "certificate_id", label: "Certificate", type: "certificate" },
      { name: "ssl_forced", label: "Force HTTPS", type: "checkbox" },
      serverField,
    ] },
  },
  "stream-hosts": {
    title: "Stream Hosts", singular: "stream host",
    columns: [["Incoming port", (r) => r.incoming_port], ["Forward to", (r) => `${r.forwarding_host}:${r.forwarding_port}`]],
    tabs: { Details: [
      { name: "incoming_port", label: "Incoming port", type: "number", required: true },
      { name: "forwarding_host", label: "Forward host", type: "text", required: true },
      { name: "forwarding_port", label: "Forward port", type: "number", required: true },
      { name: "tcp_forwarding", label: "TCP", type: "checkbox", default: true },
      { name: "udp_forwarding", label: "UDP", type: "checkbox" },
      { name: "sni_names", label: "SNI names (TLS)", type: "list" },
      serverField,
    ] },
  },
  "dead-hosts": {
    title: "Dead Hosts", singular: "dead host",
    columns: [["Domains", (r) => r.domain_names.join(", ")]],
    tabs: { Details: [
      { name: "domain_names", label: "Domain names", type: "list", required: true },
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
      { name: "incoming_port", label: "Incoming port", type: "number", required: true },
      { name: "forward_host", label: "Forward host (IPv4)", type: "text", required: true },
      { name: "forward_port", label: "Forward port", type: "number", required: true },
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
      { name: "name", label: "Name", type: "text", required: true },
      { name: "satisfy_any", label: "Satisfy any (address or login)", type: "checkbox" },
      { name: "pass_auth", label: "Pass X-Authenticated-User upstream", type: "checkbox" },
      { name: "clients", label: "Address rules", type: "json", hint: '[{"address": "10.0.0.0/8", "directive": "allow"}]' },
      { name: "items", label: "Users", type: "json", hint: '[{"username": "alice", "password": "..."}] (passwords are kept when left out)' },
    ] },
  },
  certificates: {
    title: "Certificates", singular: "certificate",
    shared: true,
    columns: [["Name", (r) => r.nice_name ?? ""], ["Domains", (r) => (r.domain_names ?? []).join(", ")], ["Provider", (r) => r.provider],
              ["Expires", (r) => r.expires_on ? new Date(r.expires_on).toLocaleDateString() : "automatic"]],
    tls: true,
    tabs: { Details: [
      { name: "nice_name", label: "Name", type: "text" },
      { name: "provider", label: "Provider", type: "select", options: ["letsencrypt", "other"] },
      { name: "domain_names", label: "Domain names", type: "list" },
      { name: "certificate", label: "Certificate (PEM, custom)", type: "textarea" },
      { name: "certificate_key", label: "Private key (PEM, custom; never shown again)", type: "textarea" },
    ] },
  },
};
