import Foundation
import JSONCore

/// Certificates: automatic (Caddy obtains it over ACME) or custom (uploaded PEM
/// chain and key, checked; the key is never shown). A custom certificate may be created
/// `awaiting_upload` (its name first, its files later, as Nginx Proxy Manager's clients do); a
/// host using it fails to apply, saying so, until its files are uploaded. A custom one an ACME CA
/// issued may be `renew_with_acme`: served as uploaded until ``CertificateRenewalHandoff`` turns
/// it automatic before it expires, so Caddy renews it from then on.
enum CertificateKind: ResourceKind {
    static let type = "certificate"
    static let path = "certificates"
    static let stateKey = "certificates"
    static let referenceField: String? = "certificate_id"
    static let fields: Set<String> = [
        "provider", "nice_name", "domain_names", "certificate", "certificate_key", "awaiting_upload", "renew_with_acme",
    ]

    struct Payload: Codable, Sendable {
        /// `letsencrypt` (automatic) or `other` (custom).
        var provider: String
        var nice_name: String
        var domain_names: [String]
        var certificate_pem: String?
        var key_pem: String?
        var expires_on: Date?
        var issuer: String?
        /// A custom certificate whose files are not uploaded yet.
        var awaiting_upload: Bool?
        /// A custom certificate an ACME CA issued (certbot's, say) whose renewal Caddy takes over
        /// before it expires: it then becomes automatic.
        var renew_with_acme: Bool?

        enum InputKeys: String, CodingKey { case provider, nice_name, domain_names, certificate, certificate_key }
        enum CodingKeys: String, CodingKey {
            case provider, nice_name, domain_names, certificate_pem, key_pem, expires_on, issuer, awaiting_upload, renew_with_acme
        }

        init(from decoder: any Decoder) throws {
            // Stored rows use CodingKeys; API input uses InputKeys (certificate, certificate_key).
            let stored = try decoder.container(keyedBy: CodingKeys.self)
            let input = try decoder.container(keyedBy: InputKeys.self)
            provider = try stored.decodeIfPresent(String.self, forKey: .provider) ?? "other"
            nice_name = try stored.decodeIfPresent(String.self, forKey: .nice_name) ?? ""
            domain_names = try stored.decodeIfPresent([String].self, forKey: .domain_names) ?? []
            // A PEM pair sent now replaces the stored one (an update merges the sent fields into the stored row).
            let storedCertificate = try stored.decodeIfPresent(String.self, forKey: .certificate_pem)
            let storedKey = try stored.decodeIfPresent(String.self, forKey: .key_pem)
            certificate_pem = try input.decodeIfPresent(String.self, forKey: .certificate) ?? storedCertificate
            key_pem = try input.decodeIfPresent(String.self, forKey: .certificate_key) ?? storedKey
            expires_on = try stored.decodeIfPresent(Date.self, forKey: .expires_on)
            issuer = try stored.decodeIfPresent(String.self, forKey: .issuer)
            awaiting_upload = try stored.decodeIfPresent(Bool.self, forKey: .awaiting_upload)
            renew_with_acme = try stored.decodeIfPresent(Bool.self, forKey: .renew_with_acme)
        }
    }

    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload {
        var p = input
        p.provider = try FieldRules.oneOf(p.provider, ["letsencrypt", "other"], field: "provider")
        switch p.provider {
        case "letsencrypt":
            p.domain_names = try FieldRules.domainNames(p.domain_names, field: "domain_names")
            guard !p.domain_names.contains(where: { $0.hasPrefix("*") }) else {
                throw ValidationFailure("domain_names", "automatic certificates use HTTP-01, which cannot issue wildcards; upload one")
            }
            p.certificate_pem = nil
            p.key_pem = nil
            p.expires_on = nil
            p.awaiting_upload = nil
            p.renew_with_acme = nil
        default:
            let certificate = p.certificate_pem ?? previous?.certificate_pem
            let key = p.key_pem ?? previous?.key_pem
            if p.awaiting_upload == true, certificate?.isEmpty ?? true, key?.isEmpty ?? true {
                p.certificate_pem = nil
                p.key_pem = nil
                p.expires_on = nil
                p.issuer = nil
                p.renew_with_acme = nil
                p.domain_names = try p.domain_names.isEmpty ? [] : FieldRules.domainNames(p.domain_names, field: "domain_names")
                p.nice_name = try FieldRules.text(p.nice_name.isEmpty ? "certificate" : p.nice_name, field: "nice_name")
                return p
            }
            p.awaiting_upload = nil
            guard let certificate, !certificate.isEmpty else { throw ValidationFailure("certificate", "is required for a custom certificate") }
            guard let key, !key.isEmpty else { throw ValidationFailure("certificate_key", "is required for a custom certificate") }
            guard certificate.utf8.count <= 64 << 10 else { throw ValidationFailure("certificate", "is larger than 64 KiB") }
            guard key.utf8.count <= 16 << 10 else { throw ValidationFailure("certificate_key", "is larger than 16 KiB") }
            let facts = try context.certificates.inspect(certificate: certificate, key: key)
            p.certificate_pem = certificate
            p.key_pem = key
            p.domain_names = facts.domainNames
            p.expires_on = facts.expiresOn
            p.issuer = facts.issuer
            if p.renew_with_acme == true, p.domain_names.contains(where: { $0.hasPrefix("*") }) {
                throw ValidationFailure("renew_with_acme", "Caddy renews over HTTP-01, which cannot issue a wildcard certificate")
            }
            if p.renew_with_acme != true { p.renew_with_acme = nil }
        }
        p.nice_name = try FieldRules.text(p.nice_name.isEmpty ? (p.domain_names.first ?? "certificate") : p.nice_name, field: "nice_name")
        return p
    }

    static func claims(_ payload: Payload) -> [String] { [] }
    static func searchText(_ payload: Payload) -> String { ([payload.nice_name] + payload.domain_names).joined(separator: " ").lowercased() }

    static var storesSecrets: Bool { true }

    static func publicJSON(_ payload: Payload) -> JSON {
        var object: JSON = [
            "provider": .string(payload.provider), "nice_name": .string(payload.nice_name), "domain_names": .strings(payload.domain_names),
        ]
        if let expires = payload.expires_on {
            let daysLeft = Int(expires.timeIntervalSinceNow / 86400)
            object["expires_on"] = .string(expires.formatted(.iso8601))
            object["days_left"] = .int(daysLeft)
            // The list highlights certificates that expire within 30 days.
            object["status"] = expires < Date() ? "expired" : daysLeft <= 30 ? "expiring" : "valid"
        } else {
            object["status"] = payload.awaiting_upload == true ? "awaiting_upload" : "automatic"
        }
        if let issuer = payload.issuer { object["issuer"] = .string(issuer) }
        if payload.renew_with_acme == true, let expires = payload.expires_on {
            object["renew_with_acme"] = true
            object["acme_renewal_from"] = .string(CertificateRenewalHandoff.handoffDate(expiresOn: expires).formatted(.iso8601))
        }
        if let pem = payload.certificate_pem { object["certificate"] = .string(pem) }
        return object
    }
}
