import JSONCore

/// NPM's certificate over ``CertificateKind``. `letsencrypt` is an automatic certificate (Caddy
/// obtains and renews it over ACME's HTTP challenge; a DNS challenge is refused); `other` is
/// created awaiting its files, which NPM's clients upload next (`POST …/{id}/upload`).
enum NPMCertificate: NPMShape {
    typealias Kind = CertificateKind
    static let path = "certificates"
    static let togglable = false
    static let editable = false

    static let members: [String: NPMMember] = [
        "provider": .translated { value throws(ValidationFailure) in
            // A custom certificate is named first; its files come with the upload.
            value == "other" ? [("provider", value), ("awaiting_upload", true)] : [("provider", value)]
        },
        "nice_name": .same, "domain_names": .same,
    ]

    static func shown(_ certificate: JSON, expand: Set<String>) -> JSON {
        let expires: JSON = certificate["expires_on"].flatMap { $0 == .null ? nil : $0 } ?? ""
        var meta: [(String, JSON)] = []
        if certificate["provider"] == "letsencrypt" { meta.append(("dns_challenge", false)) }
        return .object(
            NPMShapes.common(certificate).filter { $0.0 != "enabled" && $0.0 != "meta" }
                + NPMShapes.copied(certificate, ["provider", "nice_name", "domain_names"])
                + [("expires_on", expires), ("meta", .object(meta))])
    }
}
