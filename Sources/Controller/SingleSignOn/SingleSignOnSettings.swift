import Foundation
import JSONCore

/// How this controller signs people in through an OpenID Connect provider, as the admin set it.
/// One provider at a time. The client secret is kept sealed by the credential vault and never
/// shown again; the role of a user who signs in is worked out anew at every sign-in from
/// `roleClaim`, so removing someone from the provider's admin group demotes them next time.
struct SingleSignOnSettings: Sendable, Equatable {
    var enabled = false
    /// The provider's issuer identifier: an https URL, compared exactly with the discovery
    /// document's `issuer` and every ID token's `iss`.
    var issuer = ""
    var clientID = ""
    /// The client secret sealed by ``CredentialVault``; nil for a public client (PKCE only).
    var sealedClientSecret: String?
    var scopes = ["openid", "email", "profile"]
    /// A claim path (`groups`, `roles`, `realm_access.roles`) whose values decide the role.
    var roleClaim = "groups"
    /// A user with any of these values is an admin; else with any of `viewerValues` a viewer.
    var adminValues: [String] = []
    var viewerValues: [String] = []
    /// The role of a user matching neither list; nil refuses them.
    var defaultRole: Identity.Role?
    /// The login page's button.
    var buttonLabel = "Sign in with single sign-on"
    /// Whether email and password still sign in. Off only while single sign-on is on; the
    /// environment variable `POSTERNPROXY_PASSWORD_LOGIN=on` turns it back on for a locked-out admin.
    var passwordLogin = true
    /// Where the provider sends the browser back; empty derives it from the address the admin
    /// is opened at (the admin domain when one is set).
    var redirectURI = ""

    /// What an admin sends to change the settings; members left out keep their value, and an
    /// empty `client_secret` removes the secret.
    struct Input: Codable {
        var enabled: Bool?
        var issuer: String?
        var client_id: String?
        var client_secret: String?
        var scopes: [String]?
        var role_claim: String?
        var admin_values: [String]?
        var viewer_values: [String]?
        var default_role: String?
        var button_label: String?
        var password_login: Bool?
        var redirect_uri: String?
    }

    /// These settings with `input` applied and every rule checked; the secret is sealed by `seal`.
    func applying(_ input: Input, seal: (String) throws -> String) throws -> SingleSignOnSettings {
        var next = self
        if let enabled = input.enabled { next.enabled = enabled }
        if let issuer = input.issuer { next.issuer = try Self.issuer(issuer) }
        if let clientID = input.client_id { next.clientID = try FieldRules.text(clientID, field: "client_id", maxLength: 255, allowEmpty: true) }
        if let secret = input.client_secret {
            _ = try FieldRules.text(secret, field: "client_secret", maxLength: 1024, allowEmpty: true)
            next.sealedClientSecret = secret.isEmpty ? nil : try seal(secret)
        }
        if let scopes = input.scopes { next.scopes = try Self.scopes(scopes) }
        if let claim = input.role_claim { next.roleClaim = try Self.claimPath(claim) }
        if let values = input.admin_values { next.adminValues = try Self.values(values, field: "admin_values") }
        if let values = input.viewer_values { next.viewerValues = try Self.values(values, field: "viewer_values") }
        if let role = input.default_role {
            next.defaultRole = try FieldRules.oneOf(role, ["none", "viewer"], field: "default_role") == "viewer" ? .viewer : nil
        }
        if let label = input.button_label { next.buttonLabel = try FieldRules.text(label, field: "button_label", maxLength: 60) }
        if let passwordLogin = input.password_login { next.passwordLogin = passwordLogin }
        if let uri = input.redirect_uri { next.redirectURI = try Self.redirectURI(uri) }
        if next.enabled {
            guard !next.issuer.isEmpty else { throw ValidationFailure("issuer", "is needed to turn single sign-on on") }
            guard !next.clientID.isEmpty else { throw ValidationFailure("client_id", "is needed to turn single sign-on on") }
            guard !next.adminValues.isEmpty || !next.viewerValues.isEmpty || next.defaultRole != nil else {
                throw ValidationFailure("admin_values", "nobody could sign in: give admin_values or viewer_values, or a default_role")
            }
        } else {
            // Password login is the only way in while single sign-on is off.
            next.passwordLogin = true
        }
        if input.password_login == false, !next.enabled {
            throw ValidationFailure("password_login", "can be turned off only while single sign-on is on")
        }
        return next
    }

    /// An https URL with a host and no query or fragment (OpenID Connect Discovery §2); a
    /// trailing slash is kept, since issuers are compared exactly.
    static func issuer(_ value: String) throws(ValidationFailure) -> String {
        guard !value.isEmpty else { return "" }
        guard value.utf8.count <= 2048, let url = URL(string: value), url.scheme == "https", let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil, url.user == nil,
            !value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "{" || $0 == "}" })
        else {
            throw ValidationFailure(
                "issuer", "must be the provider's https:// issuer URL, without query or fragment (for example https://id.example.com/realms/main)")
        }
        return value
    }

    /// Scope tokens (RFC 6749 §3.3); `openid` is always among them.
    static func scopes(_ values: [String]) throws(ValidationFailure) -> [String] {
        guard values.count <= 20 else { throw ValidationFailure("scopes", "has more than 20 scopes") }
        var scopes = ["openid"]
        for value in values where !scopes.contains(value) {
            guard !value.isEmpty, value.utf8.count <= 100,
                value.utf8.allSatisfy({ $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) })
            else {
                throw ValidationFailure(
                    "scopes", "`\(FieldRules.printable(value))` is not a scope (printable ASCII without spaces, quotes or backslashes)")
            }
            scopes.append(value)
        }
        return scopes
    }

    static func claimPath(_ value: String) throws(ValidationFailure) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-:/.".utf8)
        guard !value.isEmpty, value.utf8.count <= 100, value.utf8.allSatisfy(allowed.contains), !value.hasPrefix("."), !value.hasSuffix("."),
            !value.contains("..")
        else { throw ValidationFailure("role_claim", "must be a claim name or a dotted path such as realm_access.roles") }
        return value
    }

    static func values(_ values: [String], field: String) throws(ValidationFailure) -> [String] {
        guard values.count <= 100 else { throw ValidationFailure(field, "has more than 100 values") }
        return try values.map { value throws(ValidationFailure) in try FieldRules.text(value, field: field, maxLength: 200) }
    }

    /// Empty, or this controller's callback URL as the provider should call it.
    static func redirectURI(_ value: String) throws(ValidationFailure) -> String {
        guard !value.isEmpty else { return "" }
        guard let url = try? FieldRules.httpURL(value, field: "redirect_uri"), URL(string: url)?.path == SingleSignOnService.callbackPath,
            URL(string: url)?.query == nil
        else { throw ValidationFailure("redirect_uri", "must be this admin's address followed by \(SingleSignOnService.callbackPath)") }
        return value
    }

    /// The admin's view: never the secret, only whether there is one.
    var json: JSON {
        .with([
            "enabled": enabled, "issuer": issuer, "client_id": clientID, "has_client_secret": sealedClientSecret != nil, "scopes": scopes,
            "role_claim": roleClaim, "admin_values": adminValues, "viewer_values": viewerValues, "default_role": defaultRole?.rawValue ?? "none",
            "button_label": buttonLabel, "password_login": passwordLogin, "redirect_uri": redirectURI,
        ])
    }
}
