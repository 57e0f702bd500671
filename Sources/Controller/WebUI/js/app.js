// The PosternProxy web UI: a login, then the sidebar of sections (hosts, streams, access lists, certificates, users, tokens, audit log, servers, settings), a header with the server
// selector and user menu, and one view per page (hash routes, so the controller serves one
// index.html). Plain JavaScript modules; no inline script or style (CSP default-src 'self').
import { api } from "./api.js";
import { h, mount } from "./dom.js";
import { resourceList } from "./views/resourceList.js";
import { dashboard } from "./views/dashboard.js";
import { servers } from "./views/servers.js";
import { auditLog, settings, tokens, users } from "./views/admin.js";
import { account } from "./views/account.js";
import { plugins } from "./views/plugins.js";
import { insecureBanner, refreshStorageBanner, storageBanner } from "./banner.js";

// [route, title, render(container, route, app), who may open it ("admin": only admins; the
// API refuses the others, so a viewer is not shown the link)]
const resource = (container, path, state) => resourceList(container, path, state);
const view = (render) => (container, _path, state) => render(container, state);
const pages = [
  ["dashboard", "Dashboard", view(dashboard)],
  ["proxy-hosts", "Proxy Hosts", resource],
  ["redirection-hosts", "Redirection Hosts", resource],
  ["stream-hosts", "Stream Hosts", resource],
  ["dead-hosts", "Dead Hosts", resource],
  ["port-forwards", "Port Forwarding", resource],
  ["access-lists", "Access Lists", resource],
  ["certificates", "Certificates", resource],
  ["users", "Users", view(users), "admin"],
  ["tokens", "Access Tokens", view(tokens)],
  ["audit-log", "Audit Log", view(auditLog)],
  ["servers", "Servers", view(servers)],
  ["plugins", "Plugins", view(plugins), "admin"],
  ["settings", "Settings", view(settings)],
];
// Pages reached from the header rather than the sidebar.
const headerPages = [
  ["account", "Account", (container, _path, state) => account(container, state, { onSignedOut: (message = "You signed out of every session.") => login(message) })],
];

const root = document.getElementById("app");
// `refresh`: the page shown reads what it shows again (set by the views that show live state).
const app = { me: null, isAdmin: false, servers: [], serverFilter: null, refresh: null };

// One stream of status events per signed-in browser: when the controller says something
// changed (an apply result, a server's status, a saved resource), the page shown reads again.
// Not while someone types in the page (their text would be lost) or while it is hidden (it
// reads again when shown).
let events = null;
let stale = false;
function listen() {
  if (events) return;
  events = new EventSource("/api/events");
  events.addEventListener("status", () => { stale = true; refreshShown(); refreshStorageBanner(); });
}
function refreshShown() {
  const typing = document.activeElement?.matches?.("main input, main textarea, main select");
  if (!stale || document.hidden || typing || !app.refresh) return;
  stale = false;
  app.refresh().catch(() => {});
}
document.addEventListener("visibilitychange", refreshShown);
document.addEventListener("focusout", () => setTimeout(refreshShown, 0));
function stopListening() {
  events?.close();
  events = null;
}

function login(message = "") {
  stopListening();
  const error = h("div", { class: "form-error", role: "alert" }, message);
  const email = h("input", { id: "login-email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { id: "login-password", type: "password", autocomplete: "current-password", required: true });
  // The second factor, shown once the password was right for an account that has it.
  const code = h("input", { id: "login-code", type: "text", autocomplete: "one-time-code", inputmode: "numeric", spellcheck: false });
  const codeLabel = h("label", { for: code.id }, "Authentication code");
  let useBackupCode = false;
  const switchCode = h("button", { type: "button", class: "link", onclick: () => {
    useBackupCode = !useBackupCode;
    codeLabel.textContent = useBackupCode ? "Backup code" : "Authentication code";
    code.inputMode = useBackupCode ? "text" : "numeric";
    switchCode.textContent = useBackupCode ? "Use the authenticator app instead" : "Use a backup code instead";
    code.focus();
  } }, "Use a backup code instead");
  const second = h("div", { class: "field", hidden: true }, codeLabel, code,
    h("div", { class: "hint" }, "From your authenticator app. "), switchCode);
  const passwordFields = h("div", {},
    h("div", { class: "field" }, h("label", { for: email.id }, "Email"), email),
    h("div", { class: "field" }, h("label", { for: password.id }, "Password"), password),
    second,
    h("button", { type: "submit", class: "primary" }, "Log in"));
  // Single sign-on, when an admin set it up: a link the browser follows to the provider.
  const singleSignOn = h("div", { class: "single-sign-on", hidden: true });
  mount(root, h("form", { class: "login", onsubmit: async (event) => {
    event.preventDefault();
    const body = { email: email.value, password: password.value };
    if (!second.hidden && code.value) body[useBackupCode ? "backup_code" : "totp_code"] = code.value;
    let session;
    try {
      session = await api.post("/api/auth/login", body);
    } catch (failure) {
      if (failure.code === "two_factor_required" || failure.code === "two_factor_invalid") {
        const first = second.hidden;
        second.hidden = false;
        code.required = true;
        error.textContent = first ? "Enter the code from your authenticator app." : "That code is wrong, expired or already used.";
        code.value = "";
        code.focus();
      } else {
        error.textContent = failure.status === 401 ? "Wrong email or password" : failure.message;
      }
      return;
    }
    // The password was right; the session lives in cookies, so the browser must have kept them.
    if (!(await start())) error.textContent = sessionLostReason(session);
  } },
    insecureBanner(),
    h("h1", {}, "PosternProxy"),
    error,
    passwordFields,
    singleSignOn));
  email.focus();
  api.get("/api/auth/methods").then((methods) => {
    if (methods.single_sign_on) {
      mount(singleSignOn, h("a", { id: "sso-start", class: "button primary", href: methods.single_sign_on.start }, methods.single_sign_on.label));
      singleSignOn.hidden = false;
    }
    if (!methods.password) {
      passwordFields.remove();
      email.required = password.required = false;
    }
  }).catch(() => {});
}

/** What the login page says when the provider's sign-in came back refused (`?sso_error=CODE`). */
const singleSignOnErrors = {
  unknown_state: "That sign-in expired or was already used. Start again.",
  browser_mismatch: "That sign-in was started in another browser, or this browser did not keep its cookie. Start again.",
  provider_refused: "The identity provider did not sign you in.",
  not_permitted: "Your account at the identity provider has no role here: ask an admin to add you to the right group.",
  no_email: "The identity provider did not share your email address with this admin.",
  email_taken: "An account with your email already exists here and could not be linked to your identity provider account: ask an admin.",
  account_deactivated: "Your account here is deactivated.",
  invalid_id_token: "The identity provider's answer failed its security checks, so nobody was signed in. An admin finds the reason in the audit log.",
  issuer_mismatch: "The answer did not come from the identity provider this sign-in went to, so nobody was signed in.",
  provider_error: "The identity provider could not be reached or answered unexpectedly. Try again later; an admin finds the reason in the audit log.",
  not_enabled: "Single sign-on is not turned on.",
  bad_host: "Single sign-on cannot start from this address.",
};

/** The refusal the URL carries, once: the address bar is cleaned so a reload does not repeat it. */
function takeSingleSignOnError() {
  const code = new URLSearchParams(location.search).get("sso_error");
  if (code === null) return null;
  history.replaceState(null, "", location.pathname + location.hash);
  return singleSignOnErrors[code] ?? `Single sign-on failed (${code}).`;
}

/** Why a login that succeeded left no session behind, and what to do about it. */
function sessionLostReason(session) {
  const where = `${location.protocol}//${location.host}`;
  if (session?.secure_cookies && location.protocol === "http:") {
    return `Your password was right, but the controller sent Secure cookies, which a browser keeps only over HTTPS, and this page is ${where}. ` +
      "A proxy in front of the controller may claim HTTPS (X-Forwarded-Proto) while the browser uses HTTP: open the admin over https://, or fix the proxy.";
  }
  return `Your password was right, but this browser did not keep the session cookie for ${where}. ` +
    "Allow cookies for this site (private windows and strict cookie settings block them) and log in again.";
}

/** Shows the app when a session exists; false when there is none (the login form then shows). */
async function start() {
  const refused = takeSingleSignOnError();
  if (refused) {
    login(refused);
    return false;
  }
  try {
    app.me = await api.get("/api/auth/me");
  } catch {
    login();
    return false;
  }
  app.isAdmin = app.me.role === "admin";
  const stored = Number(localStorage.getItem("pp-server-filter"));
  app.serverFilter = stored || null;
  window.onhashchange = route;
  listen();
  await route();
  return true;
}

async function route() {
  // The selector lists the servers as they are now (one may have been added or deleted since).
  try {
    app.servers = (await api.get("/api/servers/names")).items;
  } catch (failure) {
    if (failure.status === 401) return login("Your session ended; log in again.");
    if (failure.code === "two_factor_enrolment_required" && location.hash !== "#/account") {
      sessionStorage.setItem("pp-notice", "An admin requires two-factor login for everyone: set it up below to continue.");
      location.hash = "#/account";
      return;
    }
    app.servers = app.servers ?? [];
  }
  if (!app.servers.some((server) => server.id === app.serverFilter)) app.serverFilter = null;
  const name = location.hash.replace(/^#\/?/, "") || "dashboard";
  const allowed = pages.filter(([, , , who]) => who !== "admin" || app.isAdmin);
  const page = allowed.find(([path]) => path === name) ?? headerPages.find(([path]) => path === name) ?? allowed[0];
  const main = h("main", { id: "main", tabindex: "-1" });
  const selector = h("select", { id: "server-selector", onchange: (event) => {
    app.serverFilter = event.target.value ? Number(event.target.value) : null;
    if (app.serverFilter) localStorage.setItem("pp-server-filter", app.serverFilter); else localStorage.removeItem("pp-server-filter");
    route();
  } }, h("option", { value: "" }, "All servers"), app.servers.map((server) => h("option", { value: String(server.id), selected: server.id === app.serverFilter }, server.name)));
  // On a narrow screen the sections fold behind a Menu button; choosing one closes them again.
  const menu = h("button", { type: "button", class: "menu-toggle", "aria-expanded": "false", "aria-controls": "sections",
    onclick: () => {
      const open = menu.getAttribute("aria-expanded") !== "true";
      menu.setAttribute("aria-expanded", String(open));
      document.getElementById("sections").classList.toggle("open", open);
    } }, "Menu");
  refreshStorageBanner();
  mount(root, insecureBanner(), storageBanner(), h("a", { class: "skip-link", href: "#main", onclick: (event) => { event.preventDefault(); main.focus(); } }, "Skip to content"),
    h("div", { class: "layout" },
    h("nav", { class: "sidebar", id: "sections", "aria-label": "Sections" }, h("h1", {}, "PosternProxy"),
      allowed.map(([path, title]) => h("a", { href: `#/${path}`, "aria-current": path === page[0] ? "page" : null }, title))),
    h("div", { class: "content" },
      h("header", { class: "top" }, menu,
        h("label", { for: "server-selector" }, "Server"), selector,
        h("a", { href: "#/account", class: "account", "aria-current": page[0] === "account" ? "page" : null }, `${app.me.email} (${app.me.role})`),
        h("button", { type: "button", onclick: async () => { await api.post("/api/auth/logout").catch(() => {}); login(); } }, "Log out")),
      main)));
  app.refresh = null;
  try {
    await page[2](main, page[0], app);
  } catch (failure) {
    if (failure.status === 401) return login("Your session ended; log in again.");
    mount(main, h("div", { class: "toolbar" }, h("h2", {}, page[1])), h("p", { class: "form-error", role: "alert" }, failure.message));
  }
}

start();
