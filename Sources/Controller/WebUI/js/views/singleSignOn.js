// The Settings page's single sign-on card (admins): the OpenID Connect provider, how its
// claims give a role, what the login page offers, and the callback URL to register at the
// provider.
import { api } from "../api.js";
import { h } from "../dom.js";
import { buildForm } from "../form.js";

const definition = {
  tabs: {
    Provider: [
      { name: "enabled", label: "Sign in through an OpenID Connect provider", type: "checkbox" },
      { name: "issuer", label: "Issuer URL", hint: "https:// exactly as the provider's discovery document names it, e.g. https://id.example.com/realms/main" },
      { name: "client_id", label: "Client ID" },
      { name: "client_secret", label: "Client secret", type: "secret", hint: "Stored sealed; never shown again. Leave empty for a public client." },
      { name: "scopes", label: "Scopes", type: "list", hint: "One per line; openid is always sent." },
      { name: "redirect_uri", label: "Callback URL override", hint: "Empty: this admin's address followed by /api/auth/oidc/callback." },
    ],
    Roles: [
      { name: "role_claim", label: "Claim that gives the role", hint: "groups, roles, or a dotted path such as realm_access.roles" },
      { name: "admin_values", label: "Values that make an admin", type: "list", hint: "One per line." },
      { name: "viewer_values", label: "Values that make a viewer", type: "list", hint: "One per line." },
      { name: "default_role", label: "Anyone else", type: "select", options: ["none", "viewer"], hint: "none refuses them." },
    ],
    "Login page": [
      { name: "button_label", label: "Button label" },
      { name: "password_login", label: "Email and password also sign in", type: "checkbox" },
    ],
  },
};

export async function singleSignOnCard() {
  const current = await api.get("/api/single-sign-on");
  const form = buildForm(definition, current, { readOnly: false, servers: [], secretIsSet: () => current.has_client_secret });
  const callback = h("code", { id: "sso-callback-url" }, current.redirect_uri || `${location.origin}${current.callback_path}`);
  const status = h("div", { class: "form-error", role: "status", id: "sso-status" });
  return h("form", { class: "card", id: "single-sign-on", onsubmit: async (event) => {
    event.preventDefault();
    status.textContent = "";
    let body;
    try { body = form.read(); } catch (failure) { form.showError(failure.field, failure.message); return; }
    try {
      const saved = await api.put("/api/single-sign-on", body);
      callback.textContent = saved.redirect_uri || `${location.origin}${saved.callback_path}`;
      form.showError(null, "");
      status.className = "hint";
      status.textContent = saved.enabled ? "Saved: the provider answered and single sign-on is on." : "Saved.";
    } catch (failure) {
      status.className = "form-error";
      if (!form.showError(failure.field, failure.message)) status.textContent = failure.message;
    }
  } },
    h("h3", {}, "Single sign-on (OpenID Connect)"),
    h("p", { class: "hint" }, "Register this callback URL at the provider: ", callback),
    current.password_login_forced ? h("p", { class: "hint" }, "POSTERNPROXY_PASSWORD_LOGIN=on keeps password login on whatever this says.") : null,
    form.element, status,
    h("button", { type: "submit", class: "primary" }, "Save single sign-on"));
}
