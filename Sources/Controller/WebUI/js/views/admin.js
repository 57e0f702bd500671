// Users, Access Tokens, Audit Log and Settings.
import { api } from "../api.js";
import { ask, badge, count, formatDate, h, mount, pager, showDialog } from "../dom.js";
import { notificationsCard } from "./notifications.js";
import { npmImportCard } from "./npmImport.js";
import { sessionsTable } from "./sessions.js";
import { singleSignOnCard } from "./singleSignOn.js";

function dialogForm(title, fields, submit) {
  const inputs = {};
  const formError = h("div", { class: "form-error", role: "alert" });
  const dialog = h("dialog", { "aria-label": title }, h("form", { onsubmit: async (event) => {
    event.preventDefault();
    formError.textContent = "";
    try {
      const values = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.type === "checkbox" ? input.checked : input.value]));
      if (await submit(values, dialog) !== false) dialog.close();
    } catch (error) {
      const input = inputs[error.field];
      if (input) { input.setAttribute("aria-invalid", "true"); document.getElementById(`${input.id}-error`).textContent = `${error.field} ${error.message}`; input.focus(); }
      else formError.textContent = error.message;
    }
  } },
    h("h3", {}, title),
    fields.map(([name, label, input]) => { input.id = `dialog-${name}`; inputs[name] = input;
      return h("div", { class: "field" }, h("label", { for: input.id }, label), input, h("div", { class: "error", id: `${input.id}-error` })); }),
    formError,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"), h("button", { type: "submit", class: "primary" }, "Save"))));
  showDialog(dialog);
  return dialog;
}

export async function users(container, app) {
  const status = h("p", { role: "status" });
  async function render() {
    const list = (await api.get("/api/users")).items;
    mount(container,
      h("div", { class: "toolbar" }, h("h2", {}, "Users"),
        app.isAdmin ? h("button", { type: "button", class: "primary", onclick: add }, "Add user") : null),
      status,
      h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Email", "Role", "Active", "Two-factor", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, list.map((user) => h("tr", {}, h("td", {}, user.name), h("td", {}, user.email, user.single_sign_on ? [" ", badge("single sign-on", "ok")] : null), h("td", {}, user.role),
          h("td", {}, user.active ? badge("active", "ok") : badge("inactive", "disabled")),
          h("td", {}, user.two_factor_enabled ? badge("on", "ok") : badge("off", "disabled")),
          h("td", {}, app.isAdmin ? h("button", { type: "button", "aria-label": `Edit ${user.email}`, onclick: () => edit(user) }, "Edit") : null, " ",
            app.isAdmin && user.id !== app.me.id ? [
            h("button", { type: "button", onclick: async () => { await api.put(`/api/users/${user.id}`, { active: !user.active }); render(); } }, user.active ? "Deactivate" : "Activate"), " ",
            h("button", { type: "button", "aria-label": `Sessions of ${user.email}`, onclick: () => showSessions(user) }, "Sessions"), " ",
            user.two_factor_enabled ? [h("button", { type: "button", "aria-label": `Reset two-factor login of ${user.email}`, onclick: async () => {
              if (!(await ask(`Turn off two-factor login for ${user.email} and end their sessions? They log in with their password alone until they set it up again.`, "Turn off two-factor login"))) return;
              await api.delete(`/api/users/${user.id}/two-factor`);
              status.textContent = `${user.email}: two-factor login reset.`;
              render();
            } }, "Reset two-factor"), " "] : null,
            h("button", { type: "button", class: "danger", onclick: async () => { if (await ask(`Delete ${user.email}?`, "Delete")) { await api.delete(`/api/users/${user.id}`); render(); } } }, "Delete"),
          ] : null))))));
  }
  /** Name, email, role and active; a new password resets theirs (and ends their sessions).
   * Nobody demotes or deactivates their own account. */
  function edit(user) {
    const self = user.id === app.me.id;
    const role = h("select", { disabled: self }, ["viewer", "admin"].map((r) => h("option", { value: r, selected: r === user.role }, r)));
    dialogForm(`Edit ${user.email}`, [
      ["name", "Name", h("input", { type: "text", required: true, value: user.name })],
      ["email", "Email", h("input", { type: "email", required: true, value: user.email })],
      ["role", "Role", role],
      ["active", "Active", h("input", { type: "checkbox", checked: user.active, disabled: self })],
      ["password", self ? "New password (empty: unchanged; change yours under Account)" : "New password (empty: unchanged)",
        h("input", { type: "password", autocomplete: "new-password", disabled: self })],
    ], async (values) => {
      const body = { name: values.name, email: values.email };
      if (!self) Object.assign(body, { role: values.role, active: values.active });
      if (values.password) body.password = values.password;
      await api.put(`/api/users/${user.id}`, body);
      status.textContent = `${values.email}: saved${values.password ? "; their password was reset and their sessions ended" : ""}.`;
      render();
    });
  }

  /** The user's sessions, each signed out on its own, or all at once. */
  async function showSessions(user) {
    const table = await sessionsTable(user.id);
    const dialog = h("dialog", { "aria-label": `Sessions of ${user.email}` }, h("form", { method: "dialog" },
      h("h3", {}, `Sessions of ${user.email}`), table,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", "aria-label": `Sign out ${user.email} everywhere`, onclick: async () => {
          const { ended } = await api.delete(`/api/users/${user.id}/sessions`);
          status.textContent = `${user.email}: ${count(ended, "session")} ended.`;
          dialog.close();
        } }, "Sign out everywhere"),
        h("button", { type: "submit" }, "Close"))));
    showDialog(dialog);
  }

  function add() {
    dialogForm("Add user", [
      ["name", "Name", h("input", { type: "text", required: true })],
      ["email", "Email", h("input", { type: "email", required: true })],
      ["password", "Password", h("input", { type: "password", required: true })],
      ["role", "Role", h("select", {}, h("option", { value: "viewer" }, "viewer"), h("option", { value: "admin" }, "admin"))],
    ], async (values) => { await api.post("/api/users", values); render(); });
  }
  await render();
}

/** What an API token may reach. */
const scopes = { api: "Whole API (as you)", metrics: "Only GET /metrics (for Prometheus)" };

export async function tokens(container, app) {
  async function render(created) {
    const list = (await api.get("/api/tokens")).items;
    mount(container,
      h("div", { class: "toolbar" }, h("h2", {}, "Access Tokens"),
        app.isAdmin ? h("button", { type: "button", class: "primary", onclick: add }, "Create token") : null),
      created ? h("div", { class: "card", role: "status" }, h("p", {}, "Copy this token now; it is not shown again:"),
        h("div", { class: "secret", id: "new-token" }, created.token), " ",
        h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(created.token) }, "Copy")) : null,
      h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Scope", "Created", "Last used", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, list.map((token) => h("tr", {}, h("td", {}, token.name), h("td", {}, scopes[token.scope] ?? token.scope),
          h("td", {}, formatDate(token.created_on)), h("td", {}, formatDate(token.last_used_on)),
          h("td", {}, app.isAdmin ? h("button", { type: "button", class: "danger", onclick: async () => { await api.delete(`/api/tokens/${token.id}`); render(); } }, "Revoke") : null))))));
  }
  function add() {
    dialogForm("Create token", [["name", "Name", h("input", { type: "text", required: true })],
      ["scope", "Scope", h("select", {}, Object.entries(scopes).map(([value, label]) => h("option", { value }, label)))]],
      async (values) => { const created = await api.post("/api/tokens", values); render(created); });
  }
  await render();
}

export async function auditLog(container) {
  const state = { page: 1, q: "" };
  async function render() {
    const params = new URLSearchParams({ page: state.page, limit: 50 });
    if (state.q) params.set("q", state.q);
    const result = await api.get(`/api/audit-log?${params}`);
    const pages = Math.max(1, Math.ceil(result.total / 50));
    const filter = (name, label) => [h("label", { for: `filter-${name}`, class: "visually-hidden" }, label),
      h("input", { id: `filter-${name}`, type: "search", placeholder: label, value: state[name], onchange: (event) => { state[name] = event.target.value; state.page = 1; render(); } })];
    mount(container,
      h("div", { class: "toolbar" }, h("h2", {}, "Audit Log"), filter("q", "Search action, resource or user")),
      h("table", {}, h("thead", {}, h("tr", {}, ["When", "User", "Action", "Resource", "Details", "From"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, result.items.map((entry) => h("tr", {}, h("td", {}, formatDate(entry.created_on)), h("td", {}, entry.user_email ?? "—"), h("td", {}, entry.action),
          h("td", {}, `${entry.resource_type}${entry.resource_id ? " #" + entry.resource_id : ""}`), h("td", {}, h("code", {}, JSON.stringify(entry.details ?? {}))),
          h("td", {}, entry.client_ip ?? ""))))),
      pager(state, pages, render));
  }
  await render();
}

/** The Settings page's "Admin access" card: this connection, the HTTPS certificate, trusted proxies. */
function adminAccessCard(access) {
  const row = (label, ...value) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, ...value));
  const https = access.https;
  return h("section", { class: "card", "aria-labelledby": "admin-access-heading" },
    h("h3", { id: "admin-access-heading" }, "Admin access"),
    h("table", { class: "facts" }, h("tbody", {},
      row("This connection", access.connection.secure ? badge("encrypted", "ok") : badge("not encrypted", "amber"), ` from ${access.connection.client_ip}`),
      https
        ? [row("HTTPS", `port ${https.port}, ${https.source === "self-signed" ? "self-signed certificate made by the controller" : "your certificate files"}`),
           row("SHA-256 fingerprint", h("code", { id: "tls-fingerprint" }, https.sha256_fingerprint)),
           row("Public key pin", h("code", {}, https.public_key_pin)),
           row("Valid until", formatDate(https.not_after)),
           row("Names", https.names.join(", ")),
           https.reload_error ? row("Certificate files", h("span", { class: "form-error", role: "alert" },
             `${https.reload_error.field} ${https.reload_error.message}; the previous certificate is still served`)) : null]
        : row("HTTPS", "off: set POSTERNPROXY_TLS_LISTEN (for example 0.0.0.0:8443) to serve the admin over HTTPS"),
      row("Admin domain", access.domain
        ? [h("a", { href: access.domain.url, id: "admin-domain-link" }, access.domain.url), access.domain.http_redirect ? " (plain HTTP redirects here)" : ""]
        : "none: set admin_domain below to serve the admin at a domain with a Let's Encrypt certificate"),
      row("Trusted proxies", access.trusted_proxies.length ? access.trusted_proxies.join(", ") : "none (POSTERNPROXY_TRUSTED_PROXIES)"),
      row("Request limit", `${access.requests_per_minute} per minute per user or API token`))));
}

export async function settings(container, app) {
  const [items, access] = await Promise.all([api.get("/api/settings").then((answer) => answer.items), api.get("/api/admin-access")]);
  const labels = { acme_directory: "ACME directory", acme_email: "ACME email", default_site: "Default site (404, 444, redirect, congratulations)", default_site_redirect: "Default site redirect URL",
    require_two_factor: "Require two-factor login for everyone (true, false)",
    admin_domain: "Serve this admin at https://DOMAIN through this server's Caddy (empty: off)",
    admin_http_redirect: "Send plain-HTTP visitors of the admin port to that domain (true, false)",
    certificate_expiry_days: "Notify about certificates expiring within this many days" };
  mount(container, h("div", { class: "toolbar" }, h("h2", {}, "Settings")),
    adminAccessCard(access),
    app.isAdmin ? await singleSignOnCard() : null,
    settingsForm(items, labels, app),
    app.isAdmin ? await notificationsCard() : null,
    app.isAdmin ? backupCard() : null,
    app.isAdmin ? npmImportCard(app) : null);
}

/** Download a backup; restore one after a preview of what it holds and a confirmation. */
function backupCard() {
  const error = h("div", { class: "form-error", role: "alert" });
  const file = h("input", { id: "restore-file", type: "file", accept: ".tar,application/x-tar,application/octet-stream", onchange: async () => {
    error.textContent = "";
    const archive = file.files[0];
    if (!archive) return;
    try {
      const preview = await api.upload("/api/restore?dry_run=true", archive);
      confirmRestore(archive, preview);
    } catch (failure) { error.textContent = failure.message; }
    file.value = "";
  } });
  return h("section", { class: "card", "aria-labelledby": "backup-heading" },
    h("h3", { id: "backup-heading" }, "Backup"),
    h("p", {}, "A backup holds every host, access list, certificate, server, user, API token, webhook and setting."),
    h("p", {}, h("a", { class: "button", href: "/api/backup", download: "" }, "Download backup")),
    h("div", { class: "field" }, h("label", { for: file.id }, "Restore from a backup file"), file, error));
}

function confirmRestore(archive, preview) {
  const names = { proxy_host: "proxy host", redirection_host: "redirection host", dead_host: "dead host", stream_host: "stream host",
    port_forward: "port forward", access_list: "access list", certificate: "certificate" };
  const held = Object.entries(preview.resources).map(([type, n]) => count(n, names[type] ?? type));
  const error = h("div", { class: "form-error", role: "alert" });
  const dialog = h("dialog", { "aria-label": "Restore this backup?" },
    h("h3", {}, "Restore this backup?"),
    h("p", {}, `Made ${formatDate(preview.created_on)}, it holds ${[...held, count(preview.users, "user"), count(preview.remote_servers, "remote server")].join(", ")}.`),
    h("p", {}, "Restoring replaces every host, access list, certificate, server, user, token and setting here with the backup's, re-applies every server, and ends every session, yours too."),
    error,
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
      h("button", { type: "button", class: "danger", onclick: async () => {
        try {
          await api.upload("/api/restore", archive);
          dialog.close();
          location.reload();
        } catch (failure) { error.textContent = failure.message; }
      } }, "Replace everything with this backup")));
  showDialog(dialog);
}

/** Every data-plane and controller setting on one form: one Save, each refusal next to its
 * field, and a confirmation that says what was saved. */
function settingsForm(items, labels, app) {
  const choices = { default_site: ["404", "444", "redirect", "congratulations"] };
  const flags = new Set(["require_two_factor", "admin_http_redirect"]);
  const inputs = {};
  const errors = {};
  const status = h("div", { class: "form-status", role: "status" });
  const fields = items.map((item) => {
    const id = `setting-${item.key}`;
    let input;
    if (flags.has(item.key)) input = h("input", { id, type: "checkbox", checked: item.value === "true", disabled: !app.isAdmin });
    else if (choices[item.key]) input = h("select", { id, disabled: !app.isAdmin },
      choices[item.key].map((choice) => h("option", { value: choice, selected: choice === item.value }, choice)));
    else input = h("input", { id, type: "text", value: item.value, disabled: !app.isAdmin });
    inputs[item.key] = input;
    errors[item.key] = h("div", { class: "error", id: `${id}-error` });
    const label = h("label", { for: id }, labels[item.key] ?? item.key);
    return h("div", { class: input.type === "checkbox" ? "field check" : "field" },
      input.type === "checkbox" ? [input, label] : [label, input], errors[item.key]);
  });
  const saved = Object.fromEntries(items.map((item) => [item.key, item.value]));
  const value = (key) => inputs[key].type === "checkbox" ? String(inputs[key].checked) : inputs[key].value;
  return h("form", { class: "card", "aria-label": "Settings", onsubmit: async (event) => {
    event.preventDefault();
    status.textContent = "";
    const changed = Object.keys(inputs).filter((key) => value(key) !== saved[key]);
    const done = [];
    for (const key of Object.keys(inputs)) {
      errors[key].textContent = "";
      inputs[key].removeAttribute("aria-invalid");
      inputs[key].closest(".field").classList.remove("invalid");
    }
    for (const key of changed) {
      try {
        await api.put(`/api/settings/${key}`, { value: value(key) });
        saved[key] = value(key);
        done.push(key);
      } catch (failure) {
        errors[key].textContent = `${key} ${failure.message}`;
        inputs[key].setAttribute("aria-invalid", "true");
        inputs[key].closest(".field").classList.add("invalid");
      }
    }
    const refused = changed.length - done.length;
    status.textContent = changed.length === 0 ? "Nothing changed."
      : `Saved ${count(done.length, "setting")}${refused ? `; ${count(refused, "setting")} refused, see above` : ""}.`;
    status.classList.toggle("partial", refused > 0);
  } }, fields, app.isAdmin ? h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save settings"), status) : null);
}
