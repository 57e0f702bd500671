import Foundation
import Hummingbird
import JSONCore

/// `GET /api/admin-access`: how this admin is reached: the caller's own connection (encrypted or
/// not, the address the controller sees), the HTTPS listener's certificate with the fingerprints
/// to compare and pin, whether the admin's certificate files were last refused, the trusted
/// proxies and the request limit. Shown on the Settings page.
struct AdminAccessRoutes: Sendable {
    let configuration: ControllerConfiguration
    let tls: AdminTLS?
    let adminDomain: AdminDomain

    func register(on api: RouterGroup<AppContext>) {
        api.get("admin-access") { _, context in
            _ = try context.requireIdentity()
            var answer = JSON.with([
                "connection": JSON.with(["secure": context.isSecure, "client_ip": context.clientIP]),
                "trusted_proxies": adminDomain.current.trusted.entries,
                "domain": adminDomain.current.domain.map {
                    JSON.with([
                        "name": $0, "url": "https://\($0)\(configuration.httpsPort == 443 ? "" : ":\(configuration.httpsPort)")/",
                        "http_redirect": adminDomain.current.redirect,
                    ])
                },
                "requests_per_minute": configuration.requestsPerMinute,
                "https": JSON.null,
            ])
            if let tls, let listen = configuration.tlsListen {
                let state = tls.current
                let source: String =
                    switch tls.source {
                    case .selfSigned: "self-signed"
                    case .files: "files"
                    }
                answer["https"] = .with([
                    "port": listen.port, "source": source, "sha256_fingerprint": state.certificate.fingerprintSHA256,
                    "public_key_pin": "sha256//\(state.certificate.publicKeyPin)", "not_after": state.certificate.notAfter,
                    "names": state.certificate.subjectAlternativeNames,
                    "reload_error": state.reloadError.map { JSON.with(["field": $0.field, "message": $0.message]) },
                ])
            }
            return JSONBody.response(answer)
        }
    }
}
