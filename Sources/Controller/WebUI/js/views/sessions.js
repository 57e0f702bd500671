// A user's sessions (each browser or tool signed in with a password or single sign-on), newest
// first, each with a button that signs that one out. Shown to the user under Account and to an
// admin from the Users page; API tokens are not sessions and are listed under Access Tokens.
import { api } from "../api.js";
import { formatDate, h, labelCells, mount } from "../dom.js";

/** A table of user `userID`'s sessions; `onCurrentEnded` runs when the session of this browser
 * is the one signed out. */
export async function sessionsTable(userID, { onCurrentEnded = () => {} } = {}) {
  const body = h("tbody");
  const table = h("table", {}, h("thead", {}, h("tr", {}, ["Started", "Last active", "From", "Browser", ""].map((t) => h("th", { scope: "col" }, t)))), body);
  const status = h("p", { role: "status", class: "muted" });
  async function render() {
    let sessions;
    try {
      sessions = (await api.get(`/api/users/${userID}/sessions`)).items;
    } catch (failure) {
      mount(body, h("tr", {}, h("td", { colspan: 5, class: "muted" }, failure.message)));
      return;
    }
    mount(body, sessions.length ? sessions.map((session) => {
      const where = `${session.client_ip || "an unknown address"}, started ${formatDate(session.created_on)}`;
      return h("tr", {},
        h("td", {}, formatDate(session.created_on)), h("td", {}, formatDate(session.refreshed_on)), h("td", {}, session.client_ip),
        h("td", {}, session.user_agent, session.current ? h("div", { class: "muted" }, "this browser") : null),
        h("td", {}, h("button", { type: "button", "aria-label": session.current ? "Sign out this browser" : `Sign out the session from ${where}`,
          onclick: async () => {
            await api.delete(`/api/users/${userID}/sessions/${session.id}`);
            if (session.current) return onCurrentEnded();
            status.textContent = `Signed out the session from ${where}.`;
            render();
          } }, "Sign out")));
    }) : h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No sessions: nobody is signed in with this account.")));
    labelCells(table);
  }
  await render();
  return h("div", { class: "sessions" }, table, status);
}
