import JSONCore

/// `GET /api/openapi.json`: an OpenAPI 3.1 document of every route and schema of the API.
enum OpenAPIDocument {
    static let errorCodes = [400, 401, 403, 404, 409, 413, 429]

    static func build(version: String) -> JSON {
        var paths: [String: JSON] = [:]
        func add(_ path: String, _ method: String, _ operation: JSON) {
            paths[path, default: [:]][method] = operation
        }

        // Authentication.
        add(
            "/api/auth/login", "post",
            operation(
                "Log in: sets the session cookies and returns an access token", tag: "Authentication", public: true,
                body: Schema.reference("LoginRequest"), success: (200, Schema.reference("Session")), errors: [400, 401, 413, 429]))
        add(
            "/api/auth/refresh", "post",
            operation(
                "Exchange a refresh token (body or cookie) for new tokens", tag: "Authentication", public: true,
                body: Schema.object(["refresh_token": Schema.string()]), bodyRequired: false, success: (200, Schema.reference("Session")),
                errors: [400, 401, 403, 413]))
        add("/api/auth/logout", "post", operation("End the current session", tag: "Authentication", success: (200, ["type": "object"])))
        add("/api/auth/me", "get", operation("The current user", tag: "Authentication", success: (200, Schema.reference("User"))))
        add(
            "/api/auth/methods", "get",
            operation(
                "What the login page offers: password login, single sign-on, or both", tag: "Authentication", public: true,
                success: (
                    200,
                    Schema.object(
                        [
                            "password": Schema.boolean,
                            "single_sign_on": Schema.object(["label": Schema.string(), "start": Schema.string()], required: ["label", "start"]),
                        ],
                        required: ["password"])
                ), errors: []))
        add(
            "/api/auth/oidc/start", "get",
            redirect(
                "Single sign-on, for a browser: redirects to the identity provider (authorization code flow with PKCE) and sets the cookie that binds the sign-in to this browser",
                codes: [302, 303], errors: [429]))
        add(
            "/api/auth/oidc/callback", "get",
            redirect(
                "Where the identity provider sends the browser back: checks the sign-in, starts a session (cookies) and redirects to the UI, or to the login page with ?sso_error=CODE",
                codes: [303], errors: [],
                query: ["state", "code", "error", "error_description", "iss"].map {
                    ["name": $0, "in": "query", "required": false, "schema": Schema.string()]
                }))
        add(
            "/api/single-sign-on", "get",
            operation(
                "The single sign-on settings (admin; never the client secret)", tag: "Authentication",
                success: (200, Schema.reference("SingleSignOn"))))
        add(
            "/api/single-sign-on", "put",
            operation(
                "Change the single sign-on settings (admin): turning it on fetches the provider's discovery document and keys first",
                tag: "Authentication", body: Schema.reference("SingleSignOnChange"), success: (200, Schema.reference("SingleSignOn"))))
        add(
            "/api/openapi.json", "get", operation("This document", tag: "Documentation", public: true, success: (200, ["type": "object"]), errors: [])
        )
        add(
            "/api/health", "get",
            operation(
                "Up, degraded or down, and why in general terms (database writable, disk space, local data plane, agents connected); 503 when down",
                tag: "Documentation", public: true,
                success: (
                    200,
                    Schema.object(
                        [
                            "status": Schema.string(values: ["up", "degraded", "down"]), "reasons": Schema.array(Schema.string()),
                            "checks": ["type": "object"],
                        ], required: ["status", "reasons", "checks"])
                ), errors: [503]))

        // Users and tokens.
        add("/api/users", "get", operation("List users (admin)", tag: "Users", query: paging, success: (200, list("User"))))
        add(
            "/api/users", "post",
            operation("Create a user (admin)", tag: "Users", body: Schema.reference("NewUser"), success: (201, Schema.reference("User"))))
        add(
            "/api/users/{id}", "get",
            operation("Read a user (admin, or yourself)", tag: "Users", pathID: true, success: (200, Schema.reference("User"))))
        add(
            "/api/users/{id}", "put",
            operation(
                "Change a user (admin); deactivating ends their sessions and tokens", tag: "Users", pathID: true,
                body: Schema.reference("UserChange"), success: (200, Schema.reference("User"))))
        add(
            "/api/users/{id}", "delete",
            operation("Delete a user and their tokens (admin; not yourself)", tag: "Users", pathID: true, success: (204, nil)))
        add(
            "/api/users/me/password", "put",
            operation(
                "Change your own password", tag: "Users",
                body: Schema.object(
                    ["current_password": Schema.string(), "new_password": Schema.string(maxLength: 72, minLength: 8)],
                    required: ["current_password", "new_password"]), success: (200, ["type": "object"])))
        let sessionListing = Schema.object(
            [
                "id": Schema.id, "created_on": Schema.string(format: "date-time"), "refreshed_on": Schema.string(format: "date-time"),
                "client_ip": Schema.string(), "user_agent": Schema.string(), "current": Schema.boolean,
            ], required: ["id", "created_on", "current"])
        add(
            "/api/users/{id}/sessions", "get",
            operation(
                "A user's sessions, newest first (admin, or yourself)", tag: "Users", pathID: true,
                success: (
                    200, Schema.object(["items": Schema.array(sessionListing), "total": Schema.integer(minimum: 0)], required: ["items", "total"])
                )))
        add(
            "/api/users/{id}/sessions", "delete",
            operation(
                "Sign a user out everywhere: end every session (admin, or yourself); API tokens stay", tag: "Users", pathID: true,
                success: (200, Schema.object(["ended": Schema.integer(minimum: 0)], required: ["ended"]))))
        add(
            "/api/users/{id}/sessions/{session_id}", "delete",
            operation(
                "End one of a user's sessions (admin, or yourself): that browser is signed out", tag: "Users", pathID: true,
                parameters: [["name": "session_id", "in": "path", "required": true, "schema": Schema.id]], success: (204, nil)))
        let password = Schema.object(["password": Schema.string(maxLength: 1024)], required: ["password"])
        let backupCodes = Schema.array(Schema.string())
        add(
            "/api/users/me/two-factor", "get",
            operation(
                "Your two-factor login: on, waiting for its first code, backup codes left, required by an admin", tag: "Two-factor login",
                success: (
                    200,
                    Schema.object(
                        [
                            "enabled": Schema.boolean, "pending": Schema.boolean, "backup_codes_left": Schema.integer(minimum: 0),
                            "required": Schema.boolean,
                        ], required: ["enabled", "pending", "backup_codes_left", "required"])
                )))
        add(
            "/api/users/me/two-factor", "post",
            operation(
                "Start enrolment (your password): the key, the otpauth URI and where its QR code is", tag: "Two-factor login",
                body: password,
                success: (
                    201,
                    Schema.object(
                        [
                            "secret": Schema.string(), "otpauth_uri": Schema.string(), "qr_code": Schema.string(),
                            "qr_modules": Schema.array(Schema.string(maxLength: 97)),
                        ],
                        required: ["secret", "otpauth_uri", "qr_code"])
                ), errors: errorCodes + [409]))
        var qr = operation("The waiting enrolment's QR code (SVG)", tag: "Two-factor login", success: (200, nil), errors: [401, 403, 409, 429])
        qr["responses"]?["200"] = ["description": "SVG", "content": ["image/svg+xml": ["schema": ["type": "string"]]]]
        add("/api/users/me/two-factor/qr.svg", "get", qr)
        add(
            "/api/users/me/two-factor/confirm", "post",
            operation(
                "The authenticator's first code switches two-factor login on; the backup codes are shown once", tag: "Two-factor login",
                body: Schema.object(["code": Schema.string(maxLength: 16)], required: ["code"]),
                success: (200, Schema.object(["enabled": Schema.boolean, "backup_codes": backupCodes], required: ["enabled", "backup_codes"])),
                errors: errorCodes + [409]))
        add(
            "/api/users/me/two-factor/backup-codes", "post",
            operation(
                "Replace your backup codes (your password); shown once", tag: "Two-factor login", body: password,
                success: (200, Schema.object(["backup_codes": backupCodes], required: ["backup_codes"])), errors: errorCodes + [409]))
        add(
            "/api/users/me/two-factor/disable", "post",
            operation(
                "Turn your two-factor login off (your password)", tag: "Two-factor login", body: password,
                success: (200, Schema.object(["enabled": Schema.boolean], required: ["enabled"])), errors: errorCodes + [409]))
        add(
            "/api/users/{id}/two-factor", "delete",
            operation(
                "Reset another user's two-factor login and end their sessions (admin recovery)", tag: "Two-factor login",
                pathID: true, success: (204, nil)))
        add("/api/tokens", "get", operation("Your API tokens (never their secrets)", tag: "Tokens", success: (200, list("Token"))))
        add(
            "/api/tokens", "post",
            operation(
                "Create an API token; the secret is shown once (admin)", tag: "Tokens",
                body: Schema.object(
                    ["name": Schema.text(maxLength: 100), "scope": Schema.string(values: ["api", "metrics"])], required: ["name"]),
                success: (201, Schema.reference("NewToken"))))
        add("/api/tokens/{id}", "delete", operation("Revoke an API token (admin)", tag: "Tokens", pathID: true, success: (204, nil)))

        // Plugins and pipelines kept as data.
        let sha256Parameter: JSON = ["name": "sha256", "in": "path", "required": true, "schema": Schema.string(pattern: "^[0-9a-f]{64}$")]
        let pipelineName: JSON = [
            "name": "name", "in": "path", "required": true, "schema": Schema.string(values: ["apply", "provision", "update-agent"]),
        ]
        let catalogPlugin = Schema.object(
            [
                "sha256": Schema.string(), "plugin_id": Schema.string(), "version": Schema.string(), "name": Schema.string(),
                "summary": Schema.string(), "kinds": Schema.string(), "abi": Schema.string(), "interfaces": Schema.array(Schema.string()),
                "declaration": ["type": ["object", "null"]], "signed": Schema.boolean, "size": Schema.integer(minimum: 1),
                "uploaded_on": Schema.string(),
            ], required: ["sha256", "plugin_id", "version"], closed: false)
        add(
            "/api/plugins", "get",
            operation(
                "The plugin catalog: uploaded plugin files by SHA-256, and the plugins shipped with the controller (admin)", tag: "Plugins",
                success: (200, Schema.object(["items": Schema.array(catalogPlugin), "total": Schema.integer(minimum: 0)], closed: false))))
        var upload = operation(
            "Upload a plugin shared object (the body): checked out of process and kept by its SHA-256 (admin)", tag: "Plugins",
            parameters: [
                [
                    "name": "X-Plugin-Signature", "in": "header", "required": false,
                    "schema": Schema.string("Base64 Ed25519 signature over the file; required when plugin_signing_key is set", maxLength: 200),
                ]
            ], success: (201, catalogPlugin), errors: errorCodes + [503])
        upload["requestBody"] = ["required": true, "content": ["application/octet-stream": ["schema": ["type": "string", "format": "binary"]]]]
        add("/api/plugins", "post", upload)
        add(
            "/api/plugins/{sha256}", "delete",
            operation("Delete a plugin file no pipeline names (admin)", tag: "Plugins", parameters: [sha256Parameter], success: (204, nil)))
        let pipeline = Schema.object(
            [
                "steps": Schema.array(
                    Schema.object(
                        [
                            "plugin": Schema.string(maxLength: 128, pattern: "^[a-z0-9-]+(\\.[a-z0-9-]+)+$"),
                            "version": Schema.string(maxLength: 64), "config": ["type": "object"],
                        ], required: ["plugin"]), maxItems: 64)
            ], required: ["steps"])
        let storedPipeline: JSON = ["anyOf": [["type": "null"], Schema.object(["steps": Schema.array(["type": "object"])], closed: false)]]
        for (path, server) in [("/api/pipelines/default/{name}", false), ("/api/servers/{id}/pipelines/{name}", true)] {
            let whose = server ? "a server's" : "the default"
            add(
                path, "get",
                operation(
                    "\(whose) pipeline kept as data, and the one the server runs (admin)", tag: "Plugins", pathID: server,
                    parameters: [pipelineName], success: (200, Schema.object(["own": storedPipeline, "effective": storedPipeline]))))
            add(
                path, "put",
                operation(
                    "Replace \(whose) pipeline: plugins with their config, checked against each plugin's schema (admin)", tag: "Plugins",
                    pathID: server, parameters: [pipelineName], body: pipeline,
                    success: (200, Schema.object(["steps": Schema.array(["type": "object"])], closed: false))))
            add(
                path, "delete",
                operation(
                    "Forget \(whose) pipeline; removed steps are rolled back (admin)", tag: "Plugins", pathID: server,
                    parameters: [pipelineName], success: (204, nil)))
        }

        // Notifications.
        let webhook = Schema.object(
            [
                "id": Schema.id, "name": Schema.string(), "url": Schema.string(),
                "format": Schema.string(values: WebhookFormat.allCases.map(\.rawValue)),
                "events": Schema.array(Schema.string(values: WebhookService.subscribable)), "allow_private_target": ["type": "boolean"],
                "enabled": ["type": "boolean"], "last_status": ["type": ["string", "null"]], "last_error": ["type": ["string", "null"]],
                "last_attempt_on": ["type": ["string", "null"]], "created_on": Schema.string(format: "date-time"),
            ], required: ["id", "name", "url", "format", "events"])
        add(
            "/api/webhooks", "get",
            operation(
                "The webhooks notifications go to, with how their last delivery went (admin)", tag: "Notifications",
                success: (200, Schema.object(["items": Schema.array(webhook), "total": Schema.integer(), "events": Schema.array(Schema.string())])))
        )
        add(
            "/api/webhooks", "post",
            operation(
                "Add a webhook: an http(s) URL (not this machine or a private network unless allow_private_target, never link-local or the controller itself), a format and the events it wants (admin)",
                tag: "Notifications",
                body: Schema.object(
                    [
                        "name": Schema.text(maxLength: 100), "url": Schema.string(maxLength: 2000),
                        "format": Schema.string(values: WebhookFormat.allCases.map(\.rawValue)),
                        "events": Schema.array(Schema.string(values: WebhookService.subscribable)), "allow_private_target": ["type": "boolean"],
                    ], required: ["name", "url"]),
                success: (201, webhook)))
        add(
            "/api/webhooks/{id}/test", "post",
            operation(
                "Send a test notification to a webhook at once (admin)", tag: "Notifications", pathID: true, bodyRequired: false,
                success: (200, Schema.object(["delivered": ["type": "boolean"], "error": ["type": ["string", "null"]]], required: ["delivered"]))))
        add("/api/webhooks/{id}", "delete", operation("Delete a webhook (admin)", tag: "Notifications", pathID: true, success: (204, nil)))

        // Servers, settings, audit log.
        add(
            "/api/servers", "get",
            operation(
                "List servers with status, revisions and active routes: all of them, or a page when `limit` is given", tag: "Servers",
                query: paging + [
                    parameter("q", Schema.string(maxLength: 200)),
                    parameter("status", Schema.string(values: Server.Status.allCases.map(\.rawValue))),
                ], success: (200, list("Server"))))
        add(
            "/api/servers/names", "get",
            operation(
                "Every server's id and name, the local one first: what server pickers need", tag: "Servers",
                success: (
                    200,
                    Schema.object(
                        [
                            "items": Schema.array(
                                Schema.object(
                                    ["id": Schema.id, "name": Schema.string(), "is_local": Schema.boolean], required: ["id", "name", "is_local"])),
                            "total": Schema.integer(minimum: 0),
                        ], required: ["items", "total"])
                )))
        add(
            "/api/servers/summary", "get",
            operation(
                "How the servers stand: counts by status, servers behind their desired revision, the first 50 servers (those needing attention first) and upstream health (counts and the first 50, failing first)",
                tag: "Servers", success: (200, Schema.reference("ServerSummary"))))
        var newServer = schemas["ServerInput"]!
        newServer["required"] = ["name", "hostname"]
        newServer["properties"]?["name"] = Schema.text(maxLength: 100)
        newServer["properties"]?["hostname"] = Schema.host
        add(
            "/api/servers", "post",
            operation("Add a remote server (admin)", tag: "Servers", body: newServer, success: (201, Schema.reference("Server"))))
        add("/api/servers/{id}", "get", operation("Read a server", tag: "Servers", pathID: true, success: (200, Schema.reference("Server"))))
        add(
            "/api/servers/{id}", "put",
            operation(
                "Change a server (admin)", tag: "Servers", pathID: true, body: Schema.reference("ServerInput"),
                success: (200, Schema.reference("Server"))))
        let figures: [String: JSON] = [
            "requests": Schema.integer(), "status_2xx": Schema.integer(), "status_3xx": Schema.integer(), "status_4xx": Schema.integer(),
            "status_5xx": Schema.integer(), "bytes_in": Schema.integer(), "bytes_out": Schema.integer(),
            "p50_ms": ["type": ["number", "null"]], "p95_ms": ["type": ["number", "null"]],
        ]
        add(
            "/api/traffic/hosts/{id}", "get",
            operation(
                "A host's requests, errors, latency and bytes over a range, point by point and per server", tag: "Traffic", pathID: true,
                query: [parameter("range", Schema.string(values: TrafficRange.allCases.map(\.rawValue)))],
                success: (
                    200,
                    Schema.object(
                        [
                            "range": Schema.string(), "step_seconds": Schema.integer(),
                            "points": Schema.array(Schema.object(figures.merging(["at": Schema.integer()]) { $1 })),
                            "totals": Schema.object(figures),
                            "servers": Schema.array(Schema.object(figures.merging(["server_id": Schema.integer(), "name": Schema.string()]) { $1 })),
                        ], required: ["range", "step_seconds", "points", "totals", "servers"])
                )))
        add(
            "/api/traffic/summary", "get",
            operation(
                "Every host's and server's traffic over the last 24 hours, with hourly sparklines (ids: only those hosts, up to 200)",
                tag: "Traffic", query: [parameter("ids", Schema.string(maxLength: 2000))],
                success: (
                    200,
                    Schema.object(
                        [
                            "range": Schema.string(),
                            "hosts": Schema.array(
                                Schema.object(
                                    figures.merging([
                                        "id": Schema.integer(), "type": Schema.string(), "name": Schema.string(),
                                        "requests_spark": Schema.array(Schema.integer()), "errors_spark": Schema.array(Schema.integer()),
                                    ]) { $1 })),
                            "servers": Schema.array(Schema.object(figures.merging(["server_id": Schema.integer(), "name": Schema.string()]) { $1 })),
                        ], required: ["range", "hosts", "servers"])
                )))
        add(
            "/api/proxy-hosts/{id}/access-log", "get",
            operation(
                "A proxy host's newest access-log lines from the server that serves it, filtered there, credentials redacted (admin; the host's access_log must be on)",
                tag: "Proxy Hosts", pathID: true,
                query: [
                    parameter("status", Schema.string()), parameter("method", Schema.string()), parameter("path", Schema.string()),
                    parameter("client", Schema.string()), parameter("limit", Schema.integer(minimum: 1, maximum: 1000)),
                ],
                success: (
                    200,
                    Schema.object(
                        ["lines": Schema.array(Schema.object([:], closed: false)), "found": Schema.boolean, "server_id": Schema.integer()],
                        required: ["lines", "found", "server_id"])
                ),
                errors: errorCodes + [502, 503]))
        add(
            "/api/certificates/{id}/issuance", "get",
            operation(
                "Where an automatic certificate stands on each server that obtains it (for its hosts using it), per domain name: pending, issued, failed with the CA's error, or unknown",
                tag: "Certificates", pathID: true,
                success: (
                    200,
                    Schema.object(
                        [
                            "provider": Schema.string(), "note": ["type": ["string", "null"]],
                            "domains": Schema.array(
                                Schema.object(
                                    [
                                        "domain": Schema.string(), "server_id": Schema.integer(), "server": Schema.string(),
                                        "state": Schema.string(values: ["pending", "issued", "failed", "unknown"]),
                                        "message": ["type": ["string", "null"]], "at": ["type": ["string", "null"]],
                                    ], required: ["domain", "server_id", "server", "state"])),
                        ], required: ["provider", "domains"])
                )))
        add(
            "/api/servers/{id}/deletion", "get",
            operation(
                "What deleting a remote server would do to each of its resources: conflicts with the local server, upstreams it may not reach (admin)",
                tag: "Servers", pathID: true, success: (200, ["type": "object"])))
        add(
            "/api/servers/{id}", "delete",
            operation(
                "Delete a remote server; its resources move to the local server, or are deleted with resources=delete (admin)", tag: "Servers",
                pathID: true, query: [parameter("resources", Schema.string(values: ServerDeletion.Disposal.allCases.map(\.rawValue)))],
                success: (200, ["type": "object"])))
        add(
            "/api/agent/ws", "get",
            operation(
                "An agent's WebSocket (protocol in ARCHITECTURE.md), authenticated with `Authorization: Bearer ppg_...`; without a valid upgrade: 401",
                tag: "Servers", public: true, success: (101, nil)))
        add(
            "/api/servers/{id}/token", "post",
            operation("Issue a fresh agent token, shown once (admin)", tag: "Servers", pathID: true, success: (201, ["type": "object"])))
        let credentials = Schema.object([
            "password": Schema.string(maxLength: 1024, minLength: 1),
            "private_key": Schema.string("PEM or OpenSSH private key", maxLength: 16384, pattern: "^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"),
            "passphrase": Schema.string(maxLength: 1024), "keep_credentials": Schema.boolean,
        ])
        let started = Schema.object(
            ["run_id": Schema.id, "server_id": Schema.id, "events": Schema.string()], required: ["run_id", "server_id", "events"])
        add(
            "/api/servers/{id}/provision", "post",
            operation(
                "Provision or re-provision over SSH (admin); empty credentials use the kept ones", tag: "Provisioning",
                pathID: true, body: credentials, bodyRequired: false, success: (202, started), errors: errorCodes + [422]))
        add(
            "/api/servers/{id}/update-agent", "post",
            operation(
                "Copy the agent bundle and restart the agent (admin)", tag: "Provisioning",
                pathID: true, body: credentials, bodyRequired: false, success: (202, started), errors: errorCodes + [422]))
        add(
            "/api/servers/{id}/provisioning", "get",
            operation(
                "A server's provisioning runs, newest first (admin)", tag: "Provisioning", pathID: true,
                success: (200, ["type": "object"])))
        let hostKey = Schema.object(["server_id": Schema.id, "host_key": Schema.string()], required: ["server_id", "host_key"])
        add(
            "/api/servers/{id}/host-key/scan", "post",
            operation(
                "Read the server's SSH host key without sending credentials, to compare before confirming it (admin)",
                tag: "Provisioning", pathID: true, success: (200, hostKey), errors: errorCodes + [502]))
        add(
            "/api/servers/{id}/host-key", "put",
            operation(
                "Confirm (pin) the server's SSH host key: provisioning then talks only to a server that proves it (admin)",
                tag: "Provisioning", pathID: true,
                body: Schema.object(
                    [
                        "host_key": Schema.string(
                            "SHA256: and 43 base64 characters, as OpenSSH prints it", maxLength: 50,
                            pattern: "^SHA256:[A-Za-z0-9+/]{43}$")
                    ], required: ["host_key"]),
                success: (200, hostKey)))
        add(
            "/api/servers/{id}/host-key", "delete",
            operation(
                "Forget the pinned SSH host key, after a reinstall (admin)", tag: "Provisioning", pathID: true,
                success: (204, nil)))
        add(
            "/api/provisioning/{id}", "get",
            operation(
                "A provisioning run and its log (admin)", tag: "Provisioning", pathID: true,
                success: (
                    200,
                    Schema.object(
                        ["id": Schema.id, "server_id": Schema.id, "status": Schema.string(), "lines": Schema.array(Schema.string())],
                        required: ["id", "status", "lines"])
                )))
        var events = operation(
            "The run's log as server-sent events: every line from the first, live, then `event: end` (admin)", tag: "Provisioning", pathID: true,
            success: (200, nil))
        events["responses"]?["200"] = ["description": "Server-sent events", "content": ["text/event-stream": ["schema": ["type": "string"]]]]
        add("/api/provisioning/{id}/events", "get", events)
        var status = operation(
            "Server-sent events while signed in: `event: status` whenever apply results, server statuses, provisioning runs, resources or settings change (read them again through the API); `Last-Event-ID` resumes",
            tag: "Events", success: (200, nil))
        status["responses"]?["200"] = ["description": "Server-sent events", "content": ["text/event-stream": ["schema": ["type": "string"]]]]
        add("/api/events", "get", status)
        add(
            "/api/provisioning/{id}/cancel", "post",
            operation(
                "Stop a running provisioning run at its next safe point (admin)", tag: "Provisioning", pathID: true,
                success: (202, nil)))
        let https = Schema.object(
            [
                "port": Schema.port, "source": Schema.string(values: ["self-signed", "files"]), "sha256_fingerprint": Schema.string(),
                "public_key_pin": Schema.string(), "not_after": Schema.string(format: "date-time"), "names": Schema.array(Schema.string()),
                "reload_error": ["type": ["object", "null"]],
            ], required: ["port", "source", "sha256_fingerprint", "public_key_pin"])
        add(
            "/api/admin-access", "get",
            operation(
                "How this admin is reached: your connection, the HTTPS certificate's fingerprints, trusted proxies, the request limit",
                tag: "Settings",
                success: (
                    200,
                    Schema.object(
                        [
                            "connection": Schema.object(
                                ["secure": Schema.boolean, "client_ip": Schema.string()], required: ["secure", "client_ip"]),
                            "https": ["anyOf": [https, ["type": "null"]]], "trusted_proxies": Schema.array(Schema.string()),
                            "domain": [
                                "anyOf": [
                                    Schema.object(
                                        ["name": Schema.string(), "url": Schema.string(), "http_redirect": Schema.boolean],
                                        required: ["name", "url", "http_redirect"]), ["type": "null"],
                                ]
                            ],
                            "requests_per_minute": Schema.integer(minimum: 1),
                        ], required: ["connection", "https", "trusted_proxies"])
                )))
        add("/api/settings", "get", operation("All settings", tag: "Settings", success: (200, list("Setting"))))
        let url = Schema.string(format: "uri", pattern: "^https?://[^\\s{}]+$")
        let settingValues: [String: JSON] = [
            "acme_directory": url, "acme_email": ["anyOf": [Schema.string(values: [""]), Schema.reference("Email")]],
            "default_site": Schema.string(values: ["404", "444", "redirect", "congratulations"]),
            "default_site_redirect": ["anyOf": [Schema.string(values: [""]), url]],
            "require_two_factor": Schema.string(values: ["true", "false"]), "admin_http_redirect": Schema.string(values: ["true", "false"]),
            "admin_domain": ["anyOf": [Schema.string(values: [""]), Schema.string(maxLength: 253, pattern: "^[A-Za-z0-9.-]+$")]],
            "certificate_expiry_days": Schema.string(pattern: "^[1-9][0-9]{0,2}$"),
            "plugin_signing_key": Schema.string(maxLength: 64, pattern: "^([A-Za-z0-9+/]{43}=)?$"),
        ]
        for (key, value) in settingValues {
            add(
                "/api/settings/\(key)", "put",
                operation(
                    "Change the setting \(key) (admin)", tag: "Settings",
                    body: Schema.object(["value": value], required: ["value"]), success: (200, Schema.reference("Setting"))))
        }
        add(
            "/api/audit-log", "get",
            operation(
                "The audit log, newest first, 50 per page; q finds words in the action, resource type or user's email, ignoring case",
                tag: "Audit log",
                query: [
                    parameter("page", Schema.integer(minimum: 1, maximum: 1_000_000)), parameter("resource_type", Schema.string(maxLength: 64)),
                    parameter("action", Schema.string(maxLength: 64)), parameter("q", Schema.string(maxLength: 100)),
                    parameter("user_id", Schema.id), parameter("server_id", Schema.id),
                    parameter("from", Schema.string(format: "date-time", pattern: dateTime)),
                    parameter("to", Schema.string(format: "date-time", pattern: dateTime)),
                ], success: (200, list("AuditEntry"))))

        // Backup and restore.
        var archive: JSON = [
            "description": "A tar archive of the database",
            "content": ["application/octet-stream": ["schema": ["type": "string", "format": "binary"]]],
        ]
        var backup = operation(
            "Download a backup: the database (resources, users, certificates) as a tar archive (admin)", tag: "Backup", success: (200, nil))
        backup["responses"]?["200"] = archive
        add("/api/backup", "get", backup)
        archive["required"] = true
        var restore = operation(
            "Restore a backup: validated, then every server is re-rendered and re-synced (admin); dry_run=true only checks it and says what it holds",
            tag: "Backup", query: [parameter("dry_run", ["type": "string", "enum": ["true", "false"]])], success: (200, ["type": "object"]))
        restore["requestBody"] = archive
        add("/api/restore", "post", restore)

        // Importing Nginx Proxy Manager.
        add(
            "/api/import/npm", "post",
            operation(
                "Import an Nginx Proxy Manager installation (admin), from its data folder on the controller's machine or from a running NPM through its API (url, email, password, totp_code when NPM asks for one): a dry run's report unless confirm is true",
                tag: "Import",
                body: Schema.object(
                    [
                        "data_folder": Schema.string(maxLength: 4096), "url": Schema.string(maxLength: 2048),
                        "email": Schema.string(maxLength: 320), "password": Schema.string(maxLength: 1024),
                        "totp_code": Schema.string(maxLength: 16), "server_id": Schema.id, "confirm": Schema.boolean,
                    ], required: []),
                success: (200, ["type": "object"])))

        // Resources.
        for resource in ResourceSchemas.all {
            let base = "/api/\(resource.path)"
            add(
                base, "get",
                operation(
                    "List \(resource.tag.lowercased())", tag: resource.tag,
                    query: paging + [parameter("server_id", Schema.id), parameter("q", Schema.string(maxLength: 200))],
                    success: (200, list("Resource"))))
            add(base, "post", operation("Create (admin)", tag: resource.tag, body: resource.input, success: (201, Schema.reference("Resource"))))
            add("\(base)/{id}", "get", operation("Read", tag: resource.tag, pathID: true, success: (200, Schema.reference("Resource"))))
            var update = resource.path == AccessListKind.path ? ResourceSchemas.accessListUpdate : resource.input
            update["required"] = nil
            add(
                "\(base)/{id}", "put",
                operation(
                    "Update the fields sent (admin)", tag: resource.tag, pathID: true, body: update, success: (200, Schema.reference("Resource"))))
            add("\(base)/{id}", "delete", operation("Delete (admin)", tag: resource.tag, pathID: true, success: (204, nil)))
            add(
                "\(base)/{id}/enable", "post",
                operation("Enable (admin)", tag: resource.tag, pathID: true, success: (200, Schema.reference("Resource"))))
            add(
                "\(base)/{id}/disable", "post",
                operation("Disable (admin)", tag: resource.tag, pathID: true, success: (200, Schema.reference("Resource"))))
        }

        return [
            "openapi": "3.1.0",
            "info": [
                "title": "PosternProxy API", "version": .string(version),
                "description":
                    "Manage proxy hosts, streams, port forwards, access lists, certificates and servers. Send `Authorization: Bearer <token>` (an API token or a session's access token), or the session cookies with `X-CSRF-Token` on changes.",
            ],
            "paths": .object(paths.keys.sorted().map { ($0, paths[$0]!) }),
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer"], "session": ["type": "apiKey", "in": "cookie", "name": "pp_access"],
                ],
                "schemas": schemas,
            ],
            "security": [["bearer": []], ["session": []]],
        ]
    }

    // MARK: - Pieces

    /// The ISO 8601 form the audit log's date filters take.
    private static let dateTime = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"#

    private static let paging = [
        parameter("page", Schema.integer(minimum: 1, maximum: 1_000_000)), parameter("limit", Schema.integer(minimum: 1, maximum: 1000)),
    ]

    private static func parameter(_ name: String, _ schema: JSON) -> JSON {
        ["name": .string(name), "in": "query", "required": false, "schema": schema]
    }

    private static func list(_ item: String) -> JSON {
        Schema.object(
            [
                "items": Schema.array(Schema.reference(item)), "total": Schema.integer(minimum: 0), "page": Schema.integer(),
                "limit": Schema.integer(),
            ],
            required: ["items", "total"], closed: false)
    }

    /// An operation a browser navigates to, answered with a redirect.
    private static func redirect(_ summary: String, codes: [Int], errors: [Int], query: [JSON] = []) -> JSON {
        var operation = operation(summary, tag: "Authentication", public: true, query: query, success: (codes[0], nil), errors: errors)
        for code in codes {
            operation["responses"]?[String(code)] = ["description": "Redirect", "headers": ["Location": ["schema": Schema.string()]]]
        }
        return operation
    }

    private static func operation(
        _ summary: String, tag: String, public isPublic: Bool = false, pathID: Bool = false,
        parameters extra: [JSON] = [], query: [JSON] = [],
        body: JSON? = nil, bodyRequired: Bool = true,
        success: (Int, JSON?), errors: [Int] = errorCodes
    ) -> JSON {
        var operation: JSON = ["summary": .string(summary), "tags": [.string(tag)]]
        var parameters = extra + query
        if pathID { parameters.append(["name": "id", "in": "path", "required": true, "schema": Schema.id]) }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body { operation["requestBody"] = ["required": .bool(bodyRequired), "content": ["application/json": ["schema": body]]] }
        if isPublic { operation["security"] = [] }
        var responses: JSON = [:]
        let (code, schema) = success
        responses[String(code)] =
            schema.map { ["description": "Success", "content": ["application/json": ["schema": $0]]] } ?? ["description": "Success, no content"]
        for error in errors {
            responses[String(error)] = ["description": "Error", "content": ["application/json": ["schema": Schema.reference("Error")]]]
        }
        operation["responses"] = responses
        return operation
    }

    private static let schemas: JSON = [
        "Error": Schema.object(
            [
                "error": Schema.object(
                    ["code": Schema.string(), "message": Schema.string(), "field": Schema.string()], required: ["code", "message"])
            ],
            required: ["error"]),
        "LoginRequest": Schema.object(
            [
                "email": Schema.string(maxLength: 254), "password": Schema.string(maxLength: 1024),
                "totp_code": Schema.string("The authenticator app's code, when two-factor login is on", maxLength: 16),
                "backup_code": Schema.string("One of the one-time backup codes, instead of totp_code", maxLength: 32),
            ],
            required: ["email", "password"]),
        "Email": Schema.string(
            maxLength: 254, pattern: #"^[^@\s\x00-\x1F\x7F{}<>"\\,;]+@[^@\s\x00-\x1F\x7F{}<>"\\,;]+\.[^@\s\x00-\x1F\x7F{}<>"\\,;]+$"#),
        "Session": Schema.object(
            [
                "access_token": Schema.string(), "refresh_token": Schema.string(), "expires_in": Schema.integer(), "user": Schema.reference("User"),
                "secure_cookies": [
                    "type": "boolean",
                    "description": "Whether the session cookies are Secure: the request arrived over TLS or through a trusted proxy that says so",
                ],
            ],
            required: ["access_token", "expires_in", "user"]),
        "User": Schema.object(
            [
                "id": Schema.id, "email": Schema.string(), "name": Schema.string(), "role": Schema.string(values: ["admin", "viewer"]),
                "active": Schema.boolean, "created_on": Schema.string(format: "date-time"), "modified_on": Schema.string(format: "date-time"),
                "two_factor_enabled": Schema.boolean, "single_sign_on": Schema.boolean,
                "connection": Schema.object(["secure": Schema.boolean, "client_ip": Schema.string()], required: ["secure", "client_ip"]),
            ],
            required: ["id", "email", "role", "active"]),
        "SingleSignOn": Schema.object(
            [
                "enabled": Schema.boolean, "issuer": Schema.string(), "client_id": Schema.string(), "has_client_secret": Schema.boolean,
                "scopes": Schema.array(Schema.string()), "role_claim": Schema.string(), "admin_values": Schema.array(Schema.string()),
                "viewer_values": Schema.array(Schema.string()), "default_role": Schema.string(values: ["none", "viewer"]),
                "button_label": Schema.string(), "password_login": Schema.boolean, "redirect_uri": Schema.string(),
                "callback_path": Schema.string(), "password_login_forced": Schema.boolean,
            ],
            required: [
                "enabled", "issuer", "client_id", "has_client_secret", "scopes", "role_claim", "admin_values", "viewer_values",
                "default_role", "button_label", "password_login", "redirect_uri",
            ]),
        "SingleSignOnChange": Schema.object([
            "enabled": Schema.boolean,
            "issuer": Schema.string("The provider's https:// issuer URL, exactly as its discovery document names it", maxLength: 2048),
            "client_id": Schema.string(maxLength: 255),
            "client_secret": Schema.string("Stored sealed and never shown again; empty removes it", maxLength: 1024),
            "scopes": Schema.array(Schema.string(maxLength: 100), maxItems: 20),
            "role_claim": Schema.string("A claim name or dotted path (groups, realm_access.roles) whose values give the role", maxLength: 100),
            "admin_values": Schema.array(Schema.string(maxLength: 200), maxItems: 100),
            "viewer_values": Schema.array(Schema.string(maxLength: 200), maxItems: 100),
            "default_role": Schema.string("The role of someone matching neither list; none refuses them", values: ["none", "viewer"]),
            "button_label": Schema.string(maxLength: 60),
            "password_login": Schema.boolean,
            "redirect_uri": Schema.string("Empty: derived from the address the admin is opened at", maxLength: 2048),
        ]),
        "NewUser": Schema.object(
            [
                "email": Schema.reference("Email"), "name": Schema.text(), "password": Schema.string(maxLength: 72, minLength: 8),
                "role": Schema.string(values: ["admin", "viewer"]), "active": Schema.boolean,
            ], required: ["email", "name", "password", "role"]),
        "UserChange": Schema.object([
            "email": Schema.reference("Email"), "name": Schema.text(), "password": Schema.string(maxLength: 72, minLength: 8),
            "role": Schema.string(values: ["admin", "viewer"]), "active": Schema.boolean,
        ]),
        "Token": Schema.object(
            [
                "id": Schema.id, "name": Schema.string(), "scope": Schema.string(values: ["api", "metrics"]),
                "created_on": Schema.string(format: "date-time"), "last_used_on": ["type": ["string", "null"], "format": "date-time"],
            ], required: ["id", "name"]),
        "NewToken": Schema.object(
            [
                "id": Schema.id, "name": Schema.string(), "scope": Schema.string(values: ["api", "metrics"]),
                "token": Schema.string("Shown only in this answer"),
            ], required: ["id", "name", "scope", "token"]),
        "ServerInput": Schema.object([
            "name": Schema.text(maxLength: 100), "hostname": Schema.host, "ssh_port": Schema.port,
            "ssh_user": Schema.string(maxLength: 32, pattern: "^[a-z_][a-z0-9_-]{0,31}$"),
        ]),
        "Server": Schema.object(
            [
                "id": Schema.id, "name": Schema.string(), "hostname": Schema.string(),
                "status": Schema.string(values: ["provisioning", "online", "offline", "error"]),
                "is_local": Schema.boolean, "desired_revision": Schema.integer(), "applied_revision": Schema.integer(),
                "active_routes": Schema.integer(), "agent_version": ["type": ["string", "null"]], "applied_hash": ["type": ["string", "null"]],
                "ssh_host_key": ["type": ["string", "null"]], "upstream_health": ["type": ["object", "null"]],
            ], required: ["id", "name", "status"], closed: false),
        "ServerSummary": Schema.object(
            [
                "total": Schema.integer(minimum: 0),
                "by_status": Schema.object(
                    Dictionary(uniqueKeysWithValues: Server.Status.allCases.map { ($0.rawValue, Schema.integer(minimum: 0)) }),
                    required: Server.Status.allCases.map(\.rawValue)),
                "out_of_date": Schema.integer(minimum: 0), "servers": Schema.array(Schema.reference("Server")),
                "upstreams": Schema.object(
                    [
                        "total": Schema.integer(minimum: 0), "failing": Schema.integer(minimum: 0), "unknown": Schema.integer(minimum: 0),
                        "items": Schema.array(
                            Schema.object(
                                [
                                    "server": Schema.string(), "server_status": Schema.string(values: Server.Status.allCases.map(\.rawValue)),
                                    "address": Schema.string(), "requests": Schema.integer(), "fails": Schema.integer(),
                                ], required: ["server", "server_status", "address", "requests", "fails"])),
                    ], required: ["total", "failing", "unknown", "items"]),
            ], required: ["total", "by_status", "out_of_date", "servers", "upstreams"]),
        "Setting": Schema.object(["key": Schema.string(), "value": Schema.string()], required: ["key", "value"]),
        "AuditEntry": Schema.object(
            ["id": Schema.id, "created_on": Schema.string(format: "date-time"), "action": Schema.string(), "resource_type": Schema.string()],
            required: ["id", "created_on", "action", "resource_type"], closed: false),
        "Resource": Schema.object(
            [
                "id": Schema.id, "enabled": Schema.boolean, "server_id": Schema.id, "created_on": Schema.string(format: "date-time"),
                "modified_on": Schema.string(format: "date-time"),
                "apply_status": Schema.object(
                    ["status": Schema.string(values: ["pending", "applied", "failed"]), "message": Schema.string()], required: ["status"]),
            ],
            required: ["id", "enabled", "server_id", "apply_status"], closed: false),
    ]
}
