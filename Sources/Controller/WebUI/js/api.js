// The REST API from the browser: session cookies plus the CSRF double-submit header on every
// change; an expired access cookie is refreshed once, transparently.

export class APIError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.field = body?.error?.field ?? null;
    this.code = body?.error?.code ?? null;
  }
}

function csrfToken() {
  const match = document.cookie.split("; ").find((part) => part.startsWith("pp_csrf="));
  return match ? decodeURIComponent(match.slice("pp_csrf=".length)) : "";
}

async function send(method, path, body, extraHeaders = {}) {
  const headers = { Accept: "application/json", ...extraHeaders };
  const raw = body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = raw ? "application/octet-stream" : "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  return fetch(path, { method, headers, credentials: "same-origin", body: body === undefined || raw ? body : JSON.stringify(body) });
}

/** A request that never reached an answer (the connection failed or was closed): a GET is sent
 * once more, since reading twice changes nothing; anything else is reported as an APIError with
 * status 0, so callers show it like any refusal. */
async function sendOnce(method, path, body, headers) {
  try {
    return await send(method, path, body, headers);
  } catch (failure) {
    if (method === "GET") {
      try { return await send(method, path, body, headers); } catch { /* reported below */ }
    }
    throw new APIError(0, { error: { message: `The controller could not be reached (${failure.message}); try again.` } });
  }
}

export async function request(method, path, body, headers = {}) {
  let response = await sendOnce(method, path, body, headers);
  if (response.status === 401 && !path.startsWith("/api/auth/")) {
    const refreshed = await sendOnce("POST", "/api/auth/refresh", {});
    if (refreshed.ok) response = await sendOnce(method, path, body, headers);
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new APIError(response.status, data);
  return data;
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body = {}) => request("POST", path, body),
  put: (path, body) => request("PUT", path, body),
  delete: (path) => request("DELETE", path),
  /** A file's bytes as the body (a backup to restore, a plugin), with extra request headers. */
  upload: (path, file, headers = {}) => request("POST", path, file, headers),
};
