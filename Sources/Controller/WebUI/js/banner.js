// The warning that the admin is used over plain HTTP from another machine: passwords and session
// cookies then cross the network readable by anyone on the path. Dismissed per browser and host.
import { h } from "./dom.js";

const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$/;
const dismissedKey = () => `pp-insecure-dismissed:${location.host}`;

/** The banner element, or null when the connection is encrypted, local, or it was dismissed. */
export function insecureBanner() {
  if (location.protocol !== "http:" || loopback.test(location.hostname) || localStorage.getItem(dismissedKey())) return null;
  const banner = h("div", { class: "insecure-banner", role: "alert", id: "insecure-banner" },
    h("strong", {}, "This connection is not encrypted. "),
    "Your password and session cross the network in clear text. Serve the admin over HTTPS: set ",
    h("code", {}, "admin_domain"), " in Settings (a Let's Encrypt certificate through this server's Caddy), start the controller with ",
    h("code", {}, "POSTERNPROXY_TLS_LISTEN"), " (a certificate is made for you), or put it behind a TLS proxy named in ",
    h("code", {}, "POSTERNPROXY_TRUSTED_PROXIES"), ". ",
    h("button", { type: "button", onclick: () => { localStorage.setItem(dismissedKey(), "1"); banner.remove(); } }, "Dismiss"));
  return banner;
}

// The warning that changes cannot be saved: the controller's storage failed (a full disk, a
// database that cannot be written). Read from the public health report when a page is shown and
// whenever the controller announces a change; it disappears by itself when storage works again.
const storage = h("div", { class: "storage-banner", role: "alert", id: "storage-banner", hidden: true });
const storageMessages = {
  disk_full: "Changes cannot be saved: the disk holding the controller's data is full. Free space there; reads and logins still work.",
  not_writable: "Changes cannot be saved: the controller's database cannot be written (read-only or failing). Reads still work.",
};

/** The storage banner element (one per page, shown only while storage fails). */
export function storageBanner() {
  return storage;
}

/** Reads the health report again and shows or hides the storage banner. */
export async function refreshStorageBanner() {
  const report = await fetch("/api/health", { cache: "no-store" }).then((response) => response.json()).catch(() => null);
  const message = storageMessages[report?.checks?.database];
  storage.hidden = !message;
  storage.textContent = message ?? "";
}
