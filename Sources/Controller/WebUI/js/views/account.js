// The signed-in user's own account: change the password, see every session and sign out of all
// of them (SPEC §3.8).
import { api } from "../api.js";
import { formatDate, h, mount } from "../dom.js";

export async function account(container, app, { onSignedOut }) {
  async function render(notice = "") {
    const sessions = (await api.get(`/api/users/${app.me.id}/sessions`)).items;
    const current = h("input", { id: "current-password", type: "password", autocomplete: "current-password", required: true });
    const fresh = h("input", { id: "new-password", type: "password", autocomplete: "new-password", required: true, minlength: 8 });
    const errors = { current_password: h("div", { class: "error", id: "current-password-error" }), new_password: h("div", { class: "error", id: "new-password-error" }) };
    const status = h("div", { role: "status" }, notice);
    mount(container,
      h("div", { class: "toolbar" }, h("h2", {}, "Account")),
      h("p", { class: "muted" }, `${app.me.name} · ${app.me.email} · ${app.me.role}`),
      h("form", { class: "card", "aria-labelledby": "password-heading", onsubmit: async (event) => {
        event.preventDefault();
        Object.values(errors).forEach((error) => { error.textContent = ""; });
        try {
          await api.put("/api/users/me/password", { current_password: current.value, new_password: fresh.value });
          render("Password changed. Your other sessions were signed out.");
        } catch (failure) {
          const target = errors[failure.field];
          if (target) { target.textContent = `${failure.field} ${failure.message}`; (failure.field === "new_password" ? fresh : current).focus(); }
          else status.textContent = failure.message;
        }
      } },
        h("h3", { id: "password-heading" }, "Change password"),
        h("div", { class: "field" }, h("label", { for: current.id }, "Current password"), current, errors.current_password),
        h("div", { class: "field" }, h("label", { for: fresh.id }, "New password"), fresh,
          h("div", { class: "hint" }, "At least 8 characters."), errors.new_password),
        h("button", { type: "submit", class: "primary" }, "Change password")),
      status,
      h("div", { class: "toolbar" }, h("h3", {}, "Sessions"),
        h("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Sign out of every session, this one included?")) return;
          await api.delete(`/api/users/${app.me.id}/sessions`);
          onSignedOut();
        } }, "Sign out everywhere")),
      h("table", {}, h("thead", {}, h("tr", {}, ["Started", "Last refreshed", "From", "Browser", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, sessions.map((session) => h("tr", {},
          h("td", {}, formatDate(session.created_on)), h("td", {}, formatDate(session.refreshed_on)), h("td", {}, session.client_ip),
          h("td", {}, session.user_agent), h("td", {}, session.current ? "this session" : ""))))));
  }
  await render();
}
