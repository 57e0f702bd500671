// The signed-in user's own account: change the password, two-factor login (enrol with a QR code,
// backup codes, turn off), and every session, each signed out on its own or all at once.
import { api } from "../api.js";
import { ask, badge, h, mount } from "../dom.js";
import { sessionsTable } from "./sessions.js";

/** A password field and a button that runs `action(password)`; errors shown next to the field. */
function passwordStep(id, buttonText, action) {
  const input = h("input", { id, type: "password", autocomplete: "current-password", required: true });
  const error = h("div", { class: "error", id: `${id}-error` });
  return h("form", { class: "inline", onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    try { await action(input.value); } catch (failure) { error.textContent = `${failure.field ?? ""} ${failure.message}`.trim(); input.focus(); }
  } }, h("div", { class: "field" }, h("label", { for: id }, "Your password"), input, error), h("button", { type: "submit" }, buttonText));
}

/** The QR code the controller computed (rows of "0"/"1"), drawn as SVG with a quiet zone. */
function qrPicture(rows) {
  const svg = "http://www.w3.org/2000/svg";
  const side = rows.length + 8;
  const picture = document.createElementNS(svg, "svg");
  for (const [name, value] of [["viewBox", `0 0 ${side} ${side}`], ["width", String(side * 6)], ["height", String(side * 6)],
    ["role", "img"], ["aria-label", "QR code to scan with an authenticator app"], ["id", "two-factor-qr"], ["shape-rendering", "crispEdges"]]) {
    picture.setAttribute(name, value);
  }
  const background = document.createElementNS(svg, "rect");
  background.setAttribute("width", String(side));
  background.setAttribute("height", String(side));
  background.setAttribute("fill", "#fff");
  let d = "";
  rows.forEach((row, y) => [...row].forEach((cell, x) => { if (cell === "1") d += `M${x + 4},${y + 4}h1v1h-1z`; }));
  const modules = document.createElementNS(svg, "path");
  modules.setAttribute("d", d);
  modules.setAttribute("fill", "#000");
  picture.append(background, modules);
  return picture;
}

function backupCodeList(codes) {
  return h("div", { class: "card", role: "status", id: "backup-codes" },
    h("p", {}, "Your backup codes. Each logs in once without the app; keep them somewhere safe. They are not shown again:"),
    h("ul", { class: "codes" }, codes.map((code) => h("li", {}, h("code", {}, code)))),
    h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(codes.join("\n")) }, "Copy"));
}

/** The two-factor card: its state, and the step the user is in. */
async function twoFactorCard(rerender) {
  const status = await api.get("/api/users/me/two-factor");
  const card = h("section", { class: "card", "aria-labelledby": "two-factor-heading" }, h("h3", { id: "two-factor-heading" }, "Two-factor login"));
  const body = h("div", {});
  card.append(body);
  const show = (...children) => mount(body, ...children);
  if (status.enabled) {
    show(h("p", {}, badge("on", "ok"), ` ${status.backup_codes_left} backup code${status.backup_codes_left === 1 ? "" : "s"} left.`),
      passwordStep("backup-codes-password", "New backup codes", async (password) => {
        const { backup_codes: codes } = await api.post("/api/users/me/two-factor/backup-codes", { password });
        show(backupCodeList(codes), h("button", { type: "button", onclick: rerender }, "Done"));
      }),
      status.required ? h("p", { class: "muted" }, "An admin requires two-factor login for everyone.") :
        passwordStep("disable-two-factor-password", "Turn off two-factor login", async (password) => {
          await api.post("/api/users/me/two-factor/disable", { password });
          rerender("Two-factor login is off.");
        }));
    return card;
  }
  show(h("p", {}, badge("off", "amber"), " Logging in needs only your password."),
    passwordStep("enrol-password", "Set up two-factor login", async (password) => {
      const enrolment = await api.post("/api/users/me/two-factor", { password });
      const code = h("input", { id: "enrol-code", type: "text", inputmode: "numeric", autocomplete: "one-time-code", required: true });
      const error = h("div", { class: "error", id: "enrol-code-error" });
      show(h("p", {}, "Scan this code with an authenticator app (any TOTP app), or type the key by hand:"),
        qrPicture(enrolment.qr_modules),
        h("p", {}, "Key: ", h("code", { id: "two-factor-secret" }, enrolment.secret.replace(/(.{4})/g, "$1 ").trim())),
        h("form", { class: "inline", onsubmit: async (event) => {
          event.preventDefault();
          error.textContent = "";
          try {
            const { backup_codes: codes } = await api.post("/api/users/me/two-factor/confirm", { code: code.value });
            show(h("p", {}, badge("on", "ok"), " Two-factor login is on."), backupCodeList(codes),
              h("button", { type: "button", onclick: () => rerender() }, "I saved my backup codes"));
          } catch (failure) { error.textContent = `${failure.field ?? ""} ${failure.message}`.trim(); code.focus(); }
        } }, h("div", { class: "field" }, h("label", { for: code.id }, "Code from the app"), code, error), h("button", { type: "submit", class: "primary" }, "Turn on")));
      code.focus();
    }));
  return card;
}

export async function account(container, app, { onSignedOut }) {
  async function render(notice = sessionStorage.getItem("pp-notice") ?? "") {
    sessionStorage.removeItem("pp-notice");
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
      await twoFactorCard((message = "") => render(message)),
      h("div", { class: "toolbar" }, h("h3", {}, "Sessions"),
        h("button", { type: "button", class: "danger", onclick: async () => {
          if (!(await ask("Sign out of every session, this one included?", "Sign out of every session"))) return;
          await api.delete(`/api/users/${app.me.id}/sessions`);
          onSignedOut();
        } }, "Sign out everywhere")),
      await sessionsTable(app.me.id, { onCurrentEnded: () => onSignedOut("You signed out of this browser.") }));
  }
  await render();
}
