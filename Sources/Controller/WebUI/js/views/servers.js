// Servers: status, Caddy version, last seen, routes; the Add Server wizard with
// a live provisioning terminal; Re-Provision, Update Agent, and Delete, which first shows what
// becomes of the server's resources (moved or deleted, with upstreams the local server may not
// reach), then the commands that uninstall its agent. Admins only.
import { api } from "../api.js";
import { ask, badge, count, formatDate, h, mount, pager, showDialog } from "../dom.js";

export async function servers(container, app) {
  // One page at a time, searched by name or hostname and filtered by status by the controller.
  const state = { page: 1, query: "", typed: "", status: "" };
  let drawn = 0;
  async function render() {
    const generation = ++drawn;
    const params = new URLSearchParams({ page: state.page, limit: 50 });
    if (state.query) params.set("q", state.query);
    if (state.status) params.set("status", state.status);
    const result = await api.get(`/api/servers?${params}`);
    const list = result.items;
    // A read overtaken by a later one is not drawn over it.
    if (generation !== drawn) return;
    const pages = Math.max(1, Math.ceil(result.total / result.limit));
    const searching = document.activeElement?.id === "server-search" && container.contains(document.activeElement);
    mount(container,
      h("div", { class: "toolbar" }, h("h2", {}, "Servers"),
        h("label", { class: "visually-hidden", for: "server-search" }, "Search servers"),
        h("input", { id: "server-search", type: "search", placeholder: "Search", value: state.typed, class: "search",
          oninput: (event) => { state.typed = event.target.value; },
          onchange: (event) => { state.query = state.typed = event.target.value; state.page = 1; render(); } }),
        h("label", { class: "visually-hidden", for: "server-status" }, "Status"),
        h("select", { id: "server-status", onchange: (event) => { state.status = event.target.value; state.page = 1; render(); } },
          ["", "online", "offline", "error", "provisioning"].map((status) => h("option", { value: status, selected: status === state.status }, status || "Any status"))),
        app.isAdmin ? h("button", { type: "button", class: "primary", onclick: () => wizard(null) }, "Add server") : null),
      h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Hostname", "Status", "Caddy", "Last seen", "Routes", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, list.length ? list.map((server) => h("tr", {},
          h("td", {}, server.name), h("td", {}, server.hostname),
          h("td", {}, badge(server.status), server.last_error ? h("div", { class: "muted" }, server.last_error) : null),
          h("td", {}, server.caddy_version ?? "—"), h("td", {}, formatDate(server.last_seen)), h("td", {}, server.active_routes),
          h("td", {}, app.isAdmin && !server.is_local ? [
            h("button", { type: "button", onclick: () => wizard(server, "provision") }, "Re-Provision"), " ",
            h("button", { type: "button", onclick: () => wizard(server, "update-agent") }, "Update Agent"), " ",
            h("button", { type: "button", "aria-label": `Host key of ${server.name}`, onclick: () => hostKey(server) }, "Host key"), " ",
            h("button", { type: "button", class: "danger", onclick: () => remove(server) }, "Delete"),
          ] : null)))
          : h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No server matches.")))),
      pager(state, pages, render, result.total));
    if (searching) {
      const search = container.querySelector("#server-search");
      search.focus();
      search.setSelectionRange(search.value.length, search.value.length);
    }
  }

  /** Add Server (server null), or credentials for a run on an existing server. */
  function wizard(server, action = "provision") {
    const fields = {};
    const field = (name, label, input) => { fields[name] = input; input.id = `server-${name}`; return h("div", { class: input.type === "checkbox" ? "field check" : "field" },
      input.type === "checkbox" ? [input, h("label", { for: input.id }, label)] : [h("label", { for: input.id }, label), input], h("div", { class: "error", id: `${input.id}-error` })); };
    const terminal = h("div", { class: "terminal", role: "log", "aria-label": "Provisioning output", tabindex: "0" });
    const formError = h("div", { class: "form-error", role: "alert" });
    let addOnly = null;
    const dialog = h("dialog", { "aria-label": server ? `${action} ${server.name}` : "Add server" },
      h("form", { onsubmit: async (event) => {
        event.preventDefault();
        formError.textContent = "";
        // Errors of the last attempt go; this attempt's are shown again where they belong.
        for (const element of dialog.querySelectorAll(".field")) element.classList.remove("invalid");
        for (const element of dialog.querySelectorAll(".field .error")) element.textContent = "";
        // A new server is kept only when its provisioning starts (or the admin adds it without):
        // one whose first request is refused is removed again.
        let created = null;
        try {
          let target = server;
          if (!target) target = created = await createServer();
          const credentials = { keep_credentials: fields.keep.checked };
          if (fields.secret_kind.value === "key") {
            if (fields.private_key.value) credentials.private_key = fields.private_key.value;
            if (fields.passphrase.value) credentials.passphrase = fields.passphrase.value;
          } else if (fields.password.value) credentials.password = fields.password.value;
          const run = await api.post(`/api/servers/${target.id}/${action}`, credentials);
          server = target;
          if (addOnly) addOnly.hidden = true;
          watch(run.events);
        } catch (error) {
          if (created) await api.delete(`/api/servers/${created.id}`).catch(() => {});
          const input = fields[error.field];
          if (input) {
            input.closest(".field").classList.add("invalid");
            document.getElementById(`${input.id}-error`).textContent = `${error.field} ${error.message}`;
            input.focus();
          } else formError.textContent = error.message;
        }
      } },
        h("h3", {}, server ? `${action === "provision" ? "Re-Provision" : "Update Agent"}: ${server.name}` : "Add server"),
        server ? null : [
          field("name", "Name", h("input", { type: "text", required: true })),
          field("hostname", "Hostname or IP", h("input", { type: "text", required: true })),
          field("ssh_port", "SSH port", h("input", { type: "number", value: "22" })),
          field("ssh_user", "SSH user (root or passwordless sudo)", h("input", { type: "text", value: "root" })),
        ],
        field("secret_kind", "Authentication", h("select", { onchange: showCredentials },
          h("option", { value: "password" }, "Password"), h("option", { value: "key" }, "Private key"))),
        field("password", "SSH password (empty: use kept credentials)", h("input", { type: "password", autocomplete: "off" })),
        field("private_key", "Private key, PEM (empty: use kept credentials)", h("textarea", { rows: 3, spellcheck: false, autocomplete: "off" })),
        field("key_file", "Or read the key from a file", h("input", { type: "file", onchange: async (event) => {
          const file = event.target.files[0];
          if (file) fields.private_key.value = await file.text();
        } })),
        field("passphrase", "Key passphrase", h("input", { type: "password", autocomplete: "off" })),
        field("keep", "Keep the credentials (encrypted) for later runs", h("input", { type: "checkbox" })),
        formError,
        h("h4", {}, "Output"), terminal,
        h("div", { class: "actions" },
          h("button", { type: "button", onclick: () => dialog.close() }, "Close"),
          addOnly = server ? null : h("button", { type: "button", onclick: async () => {
            formError.textContent = "";
            try {
              server = await createServer();
              dialog.close();
            } catch (error) { formError.textContent = error.field ? `${error.field} ${error.message}` : error.message; }
          } }, "Add without provisioning"),
          h("button", { type: "submit", class: "primary" }, server ? "Run" : "Provision"))));

    function createServer() {
      return api.post("/api/servers", { name: fields.name.value, hostname: fields.hostname.value,
        ssh_port: Number(fields.ssh_port.value || 22), ssh_user: fields.ssh_user.value || "root" });
    }

    /** Only the fields of the chosen way to log in. */
    function showCredentials() {
      const key = fields.secret_kind.value === "key";
      for (const name of ["private_key", "key_file", "passphrase"]) fields[name].closest(".field").hidden = !key;
      fields.password.closest(".field").hidden = key;
    }
    showCredentials();

    function watch(path) {
      terminal.textContent = "";
      const source = new EventSource(path);
      source.onmessage = (event) => { terminal.append(event.data + "\n"); terminal.scrollTop = terminal.scrollHeight; };
      source.addEventListener("end", () => { source.close(); render(); });
      source.onerror = () => source.close();
      dialog.addEventListener("close", () => source.close());
    }
    showDialog(dialog, render);
  }

  /** The server's SSH host key: what is pinned, a scan that sends no credentials, trust or forget.
   * Read afresh: the list may predate the pin (a provisioning still running when it was drawn
   * pins the key the server offers). */
  async function hostKey(listed) {
    let server = listed;
    try { server = await api.get(`/api/servers/${listed.id}`); } catch { /* the list's copy is all there is */ }
    const pinned = h("code", { id: "host-key-pinned" }, server.ssh_host_key ?? "none: the first provisioning pins what the server offers, unless confirm_host_keys requires a confirmed key");
    const scanned = h("code", { id: "host-key-scanned" });
    const status = h("div", { class: "form-error", role: "alert" });
    const trust = h("button", { type: "button", class: "primary", hidden: true, onclick: async () => {
      try {
        const saved = await api.put(`/api/servers/${server.id}/host-key`, { host_key: scanned.textContent });
        server.ssh_host_key = saved.host_key;
        pinned.textContent = saved.host_key;
        trust.hidden = true;
        status.textContent = "Trusted: provisioning now talks only to a server that proves this key.";
      } catch (error) { status.textContent = error.message; }
    } }, "Trust this key");
    const dialog = h("dialog", { "aria-label": `Host key of ${server.name}` },
      h("h3", {}, `SSH host key: ${server.name}`),
      h("p", {}, "Pinned: ", pinned),
      h("p", { class: "hint" }, "Scan reads the key the server offers without sending any credential. Compare it with the server's own, run there: ",
        h("code", {}, "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")),
      h("p", {}, "Offered: ", scanned), status,
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => dialog.close() }, "Close"),
        h("button", { type: "button", class: "danger", onclick: async () => {
          if (!(await ask(`Forget the pinned key of ${server.name}? Do this only after the server was reinstalled.`, "Forget the key"))) return;
          await api.delete(`/api/servers/${server.id}/host-key`);
          server.ssh_host_key = null;
          pinned.textContent = "none";
        } }, "Forget"),
        h("button", { type: "button", onclick: async () => {
          status.textContent = "";
          try {
            scanned.textContent = (await api.post(`/api/servers/${server.id}/host-key/scan`)).host_key;
            trust.hidden = scanned.textContent === server.ssh_host_key;
            if (trust.hidden) status.textContent = "The server offers the pinned key.";
          } catch (error) { status.textContent = error.message; }
        } }, "Scan"),
        trust));
    showDialog(dialog, render);
  }

  /** Shows what deleting `server` does to each resource it serves before anything is done:
   * which move to the local server, which would move disabled (the local server serves their
   * domain or port), and which upstreams the local server may not reach; the admin chooses to
   * move them or delete them with the server. */
  async function remove(server) {
    const affected = (await api.get(`/api/servers/${server.id}/deletion`)).items;
    const resourceTitle = (item) => `${item.type.replaceAll("_", " ")} ${item.summary || "#" + item.id}`;
    const choice = (value, label, checked) => h("div", { class: "field check" },
      h("input", { type: "radio", name: "resources", id: `delete-${value}`, value, checked }), h("label", { for: `delete-${value}` }, label));
    const risky = affected.filter((item) => item.unreachable_upstreams.length > 0);
    const form = h("form", { method: "dialog", onsubmit: async (event) => {
      event.preventDefault();
      const disposal = form.querySelector("input[name=resources]:checked")?.value ?? "move";
      try {
        const answer = await api.delete(`/api/servers/${server.id}?resources=${disposal}`);
        dialog.close();
        showUninstall(server, answer);
      } catch (failure) {
        error.textContent = failure.message;
      }
    } });
    const error = h("div", { class: "form-error", role: "alert" });
    const dialog = h("dialog", { "aria-labelledby": "delete-server-title" }, form);
    form.append(...[
      h("h3", { id: "delete-server-title" }, `Delete ${server.name}?`),
      h("p", {}, "The remote host is left as it is; the commands to uninstall the agent there are shown next."),
      affected.length === 0 ? h("p", { class: "muted" }, `${server.name} serves nothing.`) : [
        h("p", {}, `${server.name} serves ${count(affected.length, "resource")}:`),
        h("ul", { class: "affected" }, affected.map((item) => h("li", {}, resourceTitle(item),
          item.conflicts ? h("div", { class: "warning" }, "The local server already serves its domain or port: it would move disabled.") : null,
          item.unreachable_upstreams.map((upstream) => h("div", { class: "warning" }, `${upstream.field} ${upstream.host} ${upstream.message}.`))))),
        risky.length ? h("p", { class: "warning", role: "note" },
          `${count(risky.length, "resource")} ${risky.length === 1 ? "has an upstream" : "have upstreams"} the local server may not reach: moved, ${risky.length === 1 ? "it" : "they"} may answer 502.`) : null,
        h("fieldset", {}, h("legend", {}, "Its resources"),
          choice("move", "Move them to the local server, which serves them from now on", true),
          choice("delete", "Delete them with the server", false)),
      ],
      error,
      h("div", { class: "actions" },
        h("button", { type: "button", autofocus: true, onclick: () => dialog.close() }, "Cancel"),
        h("button", { type: "submit", class: "danger" }, `Delete ${server.name}`)),
    ].flat().filter(Boolean));
    showDialog(dialog);
  }

  function showUninstall(server, answer) {
    const moved = answer.resources_moved_to_server_id != null;
    const dialog = h("dialog", { "aria-label": "Uninstall commands" }, h("form", { method: "dialog" },
      h("h3", {}, `${server.name} was deleted`),
      h("p", {}, moved ? `Its resources moved to the local server${answer.disabled_resource_ids.length ? ` (${count(answer.disabled_resource_ids.length, "resource")} disabled)` : ""}.`
        : `${count(answer.deleted_resource_ids.length, "resource")} deleted with it.`),
      h("p", {}, answer.uninstall_commands_source === "provisioning"
        ? "To remove the agent from the host, run there (as it was installed):"
        : "The controller never provisioned this server. If its agent runs as a systemd service, these remove it:"),
      h("pre", { class: "secret", id: "uninstall-commands" }, answer.uninstall_commands.join("\n")),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Done"))));
    showDialog(dialog);
    render();
  }

  await render();
  app.refresh = render;
}
