import Foundation
import Hummingbird
import JSONCore

/// Nginx Proxy Manager's REST API, served under `/npm/api` so NPM's clients and scripts work
/// with `http://host:81/npm` as their base URL and nothing collides with PosternProxy's own
/// `/api`: the health check, tokens, the caller's and all users, the host counts, and proxy,
/// redirection and dead hosts and streams in NPM's shapes. Every change goes through the same
/// services, validation and audit log as PosternProxy's API; errors come in NPM's shape
/// (``NPMErrorMiddleware``).
struct NPMRoutes: Sendable {
    /// The NPM release whose API (its `backend/schema`) this follows, reported by `GET /npm/api`.
    static let npmVersion = (major: 2, minor: 15, revision: 1)

    let tokens: NPMTokens
    let users: UserService
    let settings: SettingsService
    let store: Store
    let onChange: @Sendable () -> Void
    let validation: @Sendable (Identity) async throws -> ValidationContext

    /// The routes that need no token: the health check and `POST /tokens`.
    func registerPublic(on npm: RouterGroup<AppContext>) {
        let health = JSONBody.response(
            .with([
                "status": "OK", "setup": true,
                "version": JSON.with(["major": Self.npmVersion.major, "minor": Self.npmVersion.minor, "revision": Self.npmVersion.revision]),
            ]))
        // Also answers `/npm/api/`: the router ignores a trailing slash.
        npm.get { _, _ in health }
        // NPM's published API schema, every `$ref` resolved, as NPM's own `/api/schema` answers it.
        let schema = Self.schema
        npm.get("schema") { _, _ in
            guard let schema else { throw DomainError.notFound("schema") }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: schema)))
        }
        npm.post("tokens") { request, context in
            let body = try await JSONBody.object(request, context: context)
            let members = try NPMValues.members(body)
            if let unknown = members.map(\.0).first(where: { !["identity", "secret", "scope"].contains($0) }) {
                throw ValidationFailure(unknown, "is not a field of a token request")
            }
            guard let identity = body["identity"]?.stringValue, !identity.isEmpty else { throw ValidationFailure("identity", "must be the email") }
            guard let secret = body["secret"]?.stringValue, !secret.isEmpty else { throw ValidationFailure("secret", "must be the password") }
            if let scope = body["scope"], scope != "user" { throw ValidationFailure("scope", "must be user") }
            let client = Sessions.Client(ip: context.clientIP, userAgent: request.headers[.userAgent])
            return JSONBody.response(try await tokens.issue(identity: identity, secret: secret, client: client, secure: context.isSecure).json)
        }
        npm.post("tokens/2fa") { request, context in
            let body = try await JSONBody.object(request, context: context)
            if let unknown = try NPMValues.members(body).map(\.0).first(where: { !["challenge_token", "code"].contains($0) }) {
                throw ValidationFailure(unknown, "is not a field of a two-factor answer")
            }
            guard let challenge = body["challenge_token"]?.stringValue, !challenge.isEmpty else {
                throw ValidationFailure("challenge_token", "must be the challenge POST /tokens gave")
            }
            guard let code = body["code"]?.stringValue, (6...32).contains(code.count) else {
                throw ValidationFailure("code", "must be the authenticator's code or a backup code")
            }
            let client = Sessions.Client(ip: context.clientIP, userAgent: request.headers[.userAgent])
            return JSONBody.response(try await tokens.completeChallenge(challenge, code: code, client: client, secure: context.isSecure).json)
        }
    }

    /// `NPM/Schema/npm-schema.json`, read once; nil when the resource is missing.
    private static let schema: [UInt8]? = Bundle.module.url(forResource: "npm-schema", withExtension: "json", subdirectory: "Schema")
        .flatMap { try? Data(contentsOf: $0) }.map { Array($0) }

    /// The routes that need a token (or a session).
    func register(on npm: RouterGroup<AppContext>) {
        npm.get("tokens") { _, context in
            JSONBody.response(try await tokens.renew(try context.requireIdentity()).json)
        }
        npm.post("users/:id/login") { request, context in
            let admin = try context.requireAdmin()
            let client = Sessions.Client(ip: context.clientIP, userAgent: request.headers[.userAgent])
            let signedIn = try await tokens.signIn(asUser: try context.pathID(), by: admin, client: client)
            return JSONBody.response(.with(["token": signedIn.token, "expires": signedIn.expires, "user": NPMUser.shown(signedIn.user)]))
        }
        npm.get("users") { request, context in
            _ = try context.requireAdmin()
            let permissions = NPMExpansions.asked(request).contains("permissions")
            var shown: [JSON] = []
            var page = 1
            while true {
                let result = try await users.page(page, limit: 1000)
                shown += result.users.map { NPMUser.shown($0, permissions: permissions) }
                guard shown.count < result.total, !result.users.isEmpty else { break }
                page += 1
            }
            return JSONBody.response(.array(shown))
        }
        npm.get("reports/hosts") { _, context in
            _ = try context.requireIdentity()
            func count<Kind: ResourceKind>(_ kind: Kind.Type) async throws -> Int {
                try await ResourceService<Kind>(store: store, onChange: onChange).list(serverID: nil, query: nil, page: 1, limit: 1).total
            }
            return JSONBody.response(
                .with([
                    "proxy": try await count(ProxyHostKind.self), "redirection": try await count(RedirectionHostKind.self),
                    "stream": try await count(StreamHostKind.self), "dead": try await count(DeadHostKind.self),
                ]))
        }
        NPMSettingsAndAudit(settings: settings, store: store, users: users, onChange: onChange).register(on: npm)
        NPMUserRoutes(users: users).register(on: npm)
        let nginx = npm.group("nginx")
        NPMCertificateRoutes(service: ResourceService(store: store, onChange: onChange), inspector: CertificateInspector(), validation: validation)
            .register(on: nginx)
        hosts(NPMProxyHost.self, on: nginx)
        hosts(NPMRedirectionHost.self, on: nginx)
        hosts(NPMDeadHost.self, on: nginx)
        hosts(NPMStream.self, on: nginx)
        hosts(NPMAccessList.self, on: nginx)
        hosts(NPMCertificate.self, on: nginx)
    }

    private func hosts<Shape: NPMShape>(_ shape: Shape.Type, on nginx: RouterGroup<AppContext>) {
        let expansions = NPMExpansions(
            users: users, certificates: ResourceService(store: store, onChange: onChange),
            accessLists: ResourceService(store: store, onChange: onChange))
        NPMHostRoutes<Shape>(service: ResourceService(store: store, onChange: onChange), expansions: expansions, validation: validation)
            .register(on: nginx)
    }
}
