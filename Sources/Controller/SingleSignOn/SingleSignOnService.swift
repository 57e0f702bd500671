import Crypto
import Foundation
import Synchronization
import JSONCore

/// Signs people in through the configured OpenID Connect provider: the authorization code flow
/// with PKCE (S256), `state` bound to the starting browser, a `nonce` the ID token must carry,
/// the code exchanged over TLS with the client secret, and the ID token checked by
/// ``IDTokenVerifier`` before any account is touched. The provider's discovery document and key
/// set are fetched when the admin saves the settings and again after an hour; an ID token
/// signed with a key the set lacks fetches the set again (at most once a minute), so the
/// provider can rotate keys.
final class SingleSignOnService: Sendable {
    static let startPath = "/api/auth/oidc/start"
    static let callbackPath = "/api/auth/oidc/callback"
    /// The cookie that binds a pending sign-in to the browser that started it. SameSite=Lax:
    /// the provider's redirect back is a cross-site navigation, which Strict cookies miss.
    static let bindingCookie = "pp_sso"

    let store: Store
    let vault: CredentialVault
    let client: ProviderClient
    let sessions: Sessions
    /// `POSTERNPROXY_PASSWORD_LOGIN=on`: email and password sign in whatever the settings say.
    let passwordLoginForced: Bool
    private let pending: PendingLogins
    private let provider = Mutex<Provider?>(nil)

    /// What the provider said about itself, and when.
    private struct Provider: Sendable {
        var metadata: ProviderMetadata
        var keys: JSONWebKeySet
        var fetched: Date
        var keysFetched: Date
    }

    static let metadataLifetime: TimeInterval = 3600
    static let keyRefetchInterval: TimeInterval = 60

    init(
        store: Store, vault: CredentialVault, client: ProviderClient, sessions: Sessions, passwordLoginForced: Bool,
        pending: PendingLogins = PendingLogins()
    ) {
        self.store = store
        self.vault = vault
        self.client = client
        self.sessions = sessions
        self.passwordLoginForced = passwordLoginForced
        self.pending = pending
    }

    func settings() async throws -> SingleSignOnSettings {
        try await store.database.read { db in try SingleSignOnStore.load(db) }
    }

    /// Whether email and password may sign in now.
    func passwordLoginAllowed() async throws -> Bool {
        if passwordLoginForced { return true }
        let settings = try await settings()
        return settings.passwordLogin || !settings.enabled
    }

    /// What the login page offers: password login, the provider's button, or both.
    func methods() async throws -> JSON {
        let settings = try await settings()
        var methods = JSON.with(["password": passwordLoginForced || settings.passwordLogin || !settings.enabled])
        if settings.enabled { methods["single_sign_on"] = .with(["label": settings.buttonLabel, "start": Self.startPath]) }
        return methods
    }

    /// Applies an admin's change. Turning single sign-on on (or changing the issuer while on)
    /// fetches the provider's discovery document and key set first: a provider that cannot be
    /// reached, or that names another issuer, leaves the settings as they were.
    func update(_ input: SingleSignOnSettings.Input, actor: AuditLog.Actor) async throws -> SingleSignOnSettings {
        let current = try await settings()
        let next: SingleSignOnSettings
        do {
            next = try current.applying(input) { secret in try vault.seal(Data(secret.utf8)) }
        } catch let failure as ValidationFailure { throw DomainError.invalid(failure) }
        if next.enabled {
            do throws(SingleSignOnError) {
                let fetched = try await discover(issuer: next.issuer)
                provider.withLock { $0 = fetched }
            } catch {
                throw DomainError.invalid(ValidationFailure("issuer", "the provider's discovery failed: \(error.message)"))
            }
        }
        try await store.database.write { db in
            try SingleSignOnStore.save(db, next)
            var details = next.json
            details["client_secret_changed"] = .bool(input.client_secret != nil)
            try AuditLog.record(db, actor, action: "update", resourceType: "single_sign_on", details: details)
        }
        return next
    }

    /// Where the browser goes to sign in at the provider, and the secret its binding cookie
    /// must carry back. `origin` is the scheme and host the admin was opened at; the redirect
    /// URI is built from it unless the settings name one.
    struct Start: Sendable {
        var authorizationURL: String
        var binding: String
    }

    func begin(origin: String) async throws(SingleSignOnError) -> Start {
        let settings: SingleSignOnSettings
        do { settings = try await self.settings() } catch { throw .provider("the settings cannot be read: \(error)") }
        guard settings.enabled else { throw SingleSignOnError("not_enabled", "single sign-on is not turned on") }
        let provider = try await current(issuer: settings.issuer)
        let state = Secrets.token(prefix: ""), nonce = Secrets.token(prefix: ""), verifier = Secrets.token(prefix: ""),
            binding = Secrets.token(prefix: "")
        let redirectURI = settings.redirectURI.isEmpty ? origin + Self.callbackPath : settings.redirectURI
        pending.add(
            state: state,
            PendingLogins.Login(
                bindingHash: Secrets.tokenHash(binding), nonce: nonce, codeVerifier: verifier,
                redirectURI: redirectURI, issuer: settings.issuer, started: Date()))
        guard var components = URLComponents(string: provider.metadata.authorizationEndpoint) else {
            throw .provider("the authorization endpoint is not a URL")
        }
        components.queryItems =
            (components.queryItems ?? []) + [
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "client_id", value: settings.clientID),
                URLQueryItem(name: "redirect_uri", value: redirectURI),
                URLQueryItem(name: "scope", value: settings.scopes.joined(separator: " ")),
                URLQueryItem(name: "state", value: state),
                URLQueryItem(name: "nonce", value: nonce),
                URLQueryItem(name: "code_challenge", value: Base64URL.encode(SHA256.hash(data: Data(verifier.utf8)))),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        // URLComponents leaves `+` alone in queries; a provider would read it as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else { throw .provider("the authorization endpoint is not a URL") }
        return Start(authorizationURL: url, binding: binding)
    }

    /// What the provider sent the browser back with.
    struct Callback: Sendable {
        var state: String?
        var code: String?
        var error: String?
        var errorDescription: String?
        /// RFC 9207's `iss`, when the provider sends it.
        var issuer: String?
        /// The binding cookie's value.
        var binding: String?
    }

    struct SignedIn: Sendable {
        var issued: Sessions.Issued
        var user: UserRecord
        var match: SingleSignOnStore.Match
    }

    /// Completes a sign-in: the pending login `state` names (once, from the browser that
    /// started it), the code exchanged, the ID token checked, the account found, tied or made
    /// with the role the claims map to, and a session started. Every refusal is audited.
    func finish(_ callback: Callback, client sessionClient: Sessions.Client) async throws(SingleSignOnError) -> SignedIn {
        do throws(SingleSignOnError) {
            return try await complete(callback, client: sessionClient)
        } catch {
            try? await store.database.write { db in
                try AuditLog.record(
                    db, AuditLog.Actor(userID: nil, email: nil, clientIP: sessionClient.ip), action: "login_failed", resourceType: "session",
                    details: ["method": Sessions.Method.singleSignOn.rawValue, "reason": error.code, "message": error.message])
            }
            throw error
        }
    }

    private func complete(_ callback: Callback, client sessionClient: Sessions.Client) async throws(SingleSignOnError) -> SignedIn {
        guard let state = callback.state, let login = pending.take(state: state) else {
            throw SingleSignOnError("unknown_state", "this sign-in is unknown, already used or older than ten minutes: start again")
        }
        guard let binding = callback.binding, Secrets.tokenHash(binding) == login.bindingHash else {
            throw SingleSignOnError("browser_mismatch", "this sign-in was started in another browser (or its cookie was lost): start again")
        }
        if let error = callback.error {
            let description = callback.errorDescription.map { ": \(FieldRules.printable($0))" } ?? ""
            throw SingleSignOnError("provider_refused", "the provider answered \(FieldRules.printable(error))\(description)")
        }
        guard let code = callback.code, !code.isEmpty else { throw SingleSignOnError("provider_refused", "the provider sent no code") }
        if let issuer = callback.issuer, issuer != login.issuer {
            throw SingleSignOnError("issuer_mismatch", "the answer came from another issuer than the one this sign-in went to (a mix-up attack)")
        }
        let settings: SingleSignOnSettings
        do { settings = try await self.settings() } catch { throw .provider("the settings cannot be read: \(error)") }
        guard settings.enabled, settings.issuer == login.issuer else {
            throw SingleSignOnError("not_enabled", "single sign-on was turned off or changed while this sign-in was under way: start again")
        }
        let provider = try await current(issuer: settings.issuer)
        let idToken = try await exchange(code: code, login: login, settings: settings, provider: provider.metadata)
        let claims = try await verify(idToken, nonce: login.nonce, settings: settings, provider: provider)
        let account = try Self.account(claims, settings: settings)
        do {
            return try await store.database.write(essential: true) { db -> SignedIn in
                let (user, match) = try SingleSignOnStore.signIn(db, account)
                let issued = try sessions.create(userID: user.id, client: sessionClient, method: .singleSignOn, in: db)
                try AuditLog.record(
                    db, AuditLog.Actor(userID: user.id, email: user.email, clientIP: sessionClient.ip), action: "login", resourceType: "session",
                    details: ["method": Sessions.Method.singleSignOn.rawValue, "account": match.rawValue, "role": user.role.rawValue])
                return SignedIn(issued: issued, user: user, match: match)
            }
        } catch let error as SingleSignOnError {
            throw error
        } catch {
            throw .provider("the account could not be stored: \(error)")
        }
    }

    /// The account the claims describe, with its role; refused when no rule gives it one.
    static func account(_ claims: IDTokenVerifier.Claims, settings: SingleSignOnSettings) throws(SingleSignOnError)
        -> SingleSignOnStore.ProviderAccount
    {
        let values = Set(claims.strings(at: settings.roleClaim))
        let role: Identity.Role
        if !values.isDisjoint(with: settings.adminValues) {
            role = .admin
        } else if !values.isDisjoint(with: settings.viewerValues) {
            role = .viewer
        } else if let fallback = settings.defaultRole {
            role = fallback
        } else {
            throw SingleSignOnError("not_permitted", "the provider's account has no \(settings.roleClaim) value that gives a role here")
        }
        guard let email = claims.email.flatMap({ try? FieldRules.email($0, field: "email") }) else {
            throw SingleSignOnError(
                "no_email", "the ID token carries no usable email: add the email scope, or have the provider include the email claim")
        }
        let name = (try? FieldRules.text(claims.name ?? "", field: "name", maxLength: 100)) ?? email
        return SingleSignOnStore.ProviderAccount(
            subject: "\(settings.issuer) \(claims.subject)", email: email, emailVerified: claims.emailVerified,
            name: name, role: role)
    }

    private func exchange(code: String, login: PendingLogins.Login, settings: SingleSignOnSettings, provider: ProviderMetadata)
        async throws(SingleSignOnError) -> String
    {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", login.redirectURI), ("code_verifier", login.codeVerifier)]
        var basic: (user: String, password: String)?
        if let sealed = settings.sealedClientSecret {
            guard let secret = (try? vault.open(sealed)).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw .provider("the client secret cannot be read on this controller: enter it again in the single sign-on settings")
            }
            switch provider.clientAuthentication {
            case .basic: basic = (settings.clientID, secret)
            case .post: form += [("client_id", settings.clientID), ("client_secret", secret)]
            }
        } else {
            form.append(("client_id", settings.clientID))
        }
        let data = try await client.post(provider.tokenEndpoint, form: form, basic: basic, what: "token endpoint")
        guard let answer = try? JSONParser.parse(data), let idToken = answer["id_token"]?.stringValue else {
            throw .provider("the token endpoint's answer has no id_token (is the openid scope granted?)")
        }
        return idToken
    }

    private func verify(_ idToken: String, nonce: String, settings: SingleSignOnSettings, provider: Provider) async throws(SingleSignOnError)
        -> IDTokenVerifier.Claims
    {
        do throws(SingleSignOnError) {
            return try IDTokenVerifier(issuer: settings.issuer, clientID: settings.clientID, keys: provider.keys).verify(idToken, nonce: nonce)
        } catch  where error.code == "unknown_signing_key" && Date().timeIntervalSince(provider.keysFetched) > Self.keyRefetchInterval {
            let keys = try JSONWebKeySet(json: try await client.get(provider.metadata.jwksURI, what: "key set (jwks_uri)"))
            self.provider.withLock { cached in
                if cached?.metadata.issuer == settings.issuer {
                    cached?.keys = keys
                    cached?.keysFetched = Date()
                }
            }
            return try IDTokenVerifier(issuer: settings.issuer, clientID: settings.clientID, keys: keys).verify(idToken, nonce: nonce)
        } catch  where error.code == "unknown_signing_key" {
            throw .token(error.message)
        }
    }

    /// The provider as last fetched, fetched again when it is another issuer's or over an hour old.
    private func current(issuer: String) async throws(SingleSignOnError) -> Provider {
        if let cached = provider.withLock({ $0 }), cached.metadata.issuer == issuer, Date().timeIntervalSince(cached.fetched) < Self.metadataLifetime
        {
            return cached
        }
        let fetched = try await discover(issuer: issuer)
        provider.withLock { $0 = fetched }
        return fetched
    }

    private func discover(issuer: String) async throws(SingleSignOnError) -> Provider {
        let metadata = try ProviderMetadata(
            json: try await client.get(ProviderMetadata.discoveryURL(issuer: issuer), what: "discovery document"), issuer: issuer)
        let keys = try JSONWebKeySet(json: try await client.get(metadata.jwksURI, what: "key set (jwks_uri)"))
        return Provider(metadata: metadata, keys: keys, fetched: Date(), keysFetched: Date())
    }
}
