// Notifications on the Settings page: the webhooks that hear of servers going offline or online,
// failed applies, certificates about to expire and provisioning runs; each with its format, the
// events it wants, a "Send test" button and how its last delivery went.
import { api } from "../api.js";
import { badge, formatDate, h, mount, showDialog } from "../dom.js";

const formats = { generic: "Generic JSON", discord: "Discord", slack: "Slack", ntfy: "ntfy", gotify: "Gotify" };
const eventNames = {
  server_offline: "Server offline", server_online: "Server online", apply_failed: "Apply failed",
  certificate_expiring: "Certificate expiring", provisioning_finished: "Provisioning finished", provisioning_failed: "Provisioning failed",
};

/** The Notifications card (admins only). */
export async function notificationsCard() {
  const card = h("section", { class: "card", "aria-labelledby": "notifications-heading" });
  async function render(message = "") {
    const { items } = await api.get("/api/webhooks");
    mount(card,
      h("h3", { id: "notifications-heading" }, "Notifications"),
      h("p", {}, "Webhooks are told when a server goes offline or comes back, an apply fails, a certificate is about to expire (Settings: days ahead) or provisioning ends."),
      items.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Format", "Events", "Last delivery", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, items.map((hook) => h("tr", {},
          h("td", {}, hook.name, h("div", { class: "muted" }, hook.url)),
          h("td", {}, formats[hook.format] ?? hook.format),
          h("td", {}, hook.events.map((event) => eventNames[event] ?? event).join(", ")),
          h("td", {}, hook.last_status ? [badge(hook.last_status, hook.last_status === "delivered" ? "ok" : "failed"), " ", formatDate(hook.last_attempt_on),
            hook.last_error ? h("div", { class: "error" }, hook.last_error) : null] : "—"),
          h("td", {},
            h("button", { type: "button", onclick: async () => {
              const result = await api.post(`/api/webhooks/${hook.id}/test`);
              render(result.delivered ? `Test sent to ${hook.name}.` : `The test to ${hook.name} failed: ${result.error}`);
            } }, "Send test"), " ",
            h("button", { type: "button", class: "danger", onclick: async () => { await api.delete(`/api/webhooks/${hook.id}`); render(); } }, "Delete"))))))
        : h("p", { class: "muted" }, "No webhooks yet."),
      message ? h("p", { role: "status", id: "notifications-status" }, message) : null,
      h("button", { type: "button", class: "primary", onclick: () => add(render) }, "Add webhook"));
  }
  await render();
  return card;
}

function add(render) {
  const field = (id, label, input, hint) => h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("div", { class: "hint" }, hint) : null,
    input, h("div", { class: "error", id: `${id}-error` }));
  const name = h("input", { id: "webhook-name", type: "text", required: true });
  const url = h("input", { id: "webhook-url", type: "url", required: true, placeholder: "https://hooks.example.com/…" });
  const format = h("select", { id: "webhook-format" }, Object.entries(formats).map(([value, label]) => h("option", { value }, label)));
  const events = Object.entries(eventNames).map(([value, label]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", value, checked: value !== "provisioning_finished" }), ` ${label}`));
  const allowPrivate = h("input", { id: "webhook-private", type: "checkbox" });
  const formError = h("div", { class: "form-error", role: "alert" });
  const dialog = h("dialog", { "aria-label": "Add webhook" }, h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    formError.textContent = "";
    for (const id of ["webhook-name", "webhook-url", "webhook-format", "webhook-events"]) document.getElementById(`${id}-error`).textContent = "";
    try {
      await api.post("/api/webhooks", {
        name: name.value, url: url.value, format: format.value, allow_private_target: allowPrivate.checked,
        events: events.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value),
      });
      dialog.close();
      render("Webhook added.");
    } catch (failure) {
      const slot = document.getElementById(`webhook-${failure.field}-error`);
      if (slot) slot.textContent = `${failure.field} ${failure.message}`; else formError.textContent = failure.message;
    }
  } },
    h("h3", {}, "Add webhook"),
    field("webhook-name", "Name", name),
    field("webhook-url", "URL", url, "ntfy: the topic's URL; Gotify: …/message?token=APP_TOKEN"),
    field("webhook-format", "Format", format),
    h("fieldset", { id: "webhook-events" }, h("legend", {}, "Events"), events, h("div", { class: "error", id: "webhook-events-error" })),
    h("div", { class: "field" }, h("label", { class: "check" }, allowPrivate, " Allow a target on this machine or a private network")),
    formError,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"), h("button", { type: "submit", class: "primary" }, "Save"))));
  showDialog(dialog);
}
