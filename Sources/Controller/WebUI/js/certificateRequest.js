// A certificate requested from a host's form: an automatic (ACME) certificate for the host's
// domain names, which Caddy then obtains, followed until every name is issued or the CA refused
// one, with the CA's error shown where the admin is looking.
import { api } from "./api.js";
import { badge, h, mount } from "./dom.js";

/** Creates the certificate; a refusal is reported on the host's certificate field. */
export async function requestCertificate(domainNames) {
  try {
    return await api.post("/api/certificates", { provider: "letsencrypt", domain_names: domainNames });
  } catch (failure) {
    failure.message = `cannot be requested: ${failure.field ?? ""} ${failure.message}`.replace("  ", " ");
    failure.field = "certificate_id";
    throw failure;
  }
}

/** Follows certificate `id` until it is issued (`done` resolves true), refused (false), or the
 * wait is over (null); `stop()` ends it early. */
export function issuanceProgress(id) {
  const summary = h("p", { role: "status", id: "issuance-summary" }, "Requesting a certificate…");
  const list = h("ul", { class: "issuance", "aria-label": "Domain names" });
  let stopped = false;
  const done = (async () => {
    const deadline = Date.now() + 180_000;
    while (!stopped) {
      const report = await api.get(`/api/certificates/${id}/issuance`).catch(() => null);
      if (report) {
        const servers = new Set(report.domains.map((item) => item.server_id));
        const name = (item) => (servers.size > 1 ? `${item.domain} on ${item.server}` : item.domain);
        mount(list, report.domains.map((item) => h("li", {}, `${name(item)} `, badge(item.state, item.state === "issued" ? "ok" : item.state),
          item.message ? h("div", { class: item.state === "failed" ? "error" : "muted" }, item.message) : null)));
        if (report.note) { summary.textContent = `Requested; ${report.note}.`; return null; }
        const refused = report.domains.find((item) => item.state === "failed");
        if (refused) {
          summary.textContent = `The certificate authority refused ${name(refused)}. Caddy tries again later; fix the cause or choose another certificate.`;
          return false;
        }
        if (report.domains.every((item) => item.state === "issued")) {
          summary.textContent = "Certificate issued: the host is served over HTTPS.";
          return true;
        }
        if (report.domains.every((item) => item.state !== "pending")) {
          summary.textContent = "Requested; the server cannot say how it is doing: check that the host answers over HTTPS.";
          return null;
        }
        summary.textContent = "Caddy is obtaining the certificate from the certificate authority…";
      }
      if (Date.now() > deadline) {
        summary.textContent = "Still waiting for the certificate authority; Caddy keeps trying, and the Certificates page shows the outcome.";
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return null;
  })();
  return { element: h("div", { class: "issuance-progress" }, summary, list), done, stop: () => { stopped = true; } };
}
