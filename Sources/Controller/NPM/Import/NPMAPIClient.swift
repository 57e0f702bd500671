import AsyncHTTPClient
import Foundation
import JSONCore
import NIOCore
import NIOHTTP1

/// A signed-in session with a running Nginx Proxy Manager, through NPM's own API
/// (`<url>/api/...`) as an admin. Every failure is a ``ValidationFailure`` naming the request
/// field to fix: `url` when NPM cannot be reached or does not answer as NPM, `email`/`password`
/// when NPM refuses the sign-in, `totp_code` when NPM asks for a second factor. Redirects are
/// not followed; an answer larger than 32 MiB or slower than 30 seconds is refused.
struct NPMAPIClient: Sendable {
    /// NPM's address without its `/api`: `http://npm.example:81`.
    let base: String
    private let token: String

    private static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(30)))
    )
    private static let largestAnswer = 32 << 20

    /// Signs in as `email` with `password` (and, when NPM has two-factor login on for the
    /// account, the authenticator's `totpCode`), as NPM's own login page does.
    static func signIn(url: String, email: String, password: String, totpCode: String?) async throws -> NPMAPIClient {
        let base = try address(url)
        let login = try await send(base, "POST", "/api/tokens", body: ["identity": .string(email), "secret": .string(password)], token: nil)
        let answer = try json(login, "/api/tokens", refusedField: "password", refusal: "NPM refused the sign-in")
        if answer["requires_2fa"] == true {
            guard let challenge = answer["challenge_token"]?.stringValue else { throw notNPM(base, "/api/tokens") }
            guard let totpCode, !totpCode.isEmpty else {
                throw ValidationFailure("totp_code", "NPM has two-factor login on for \(FieldRules.printable(email)): give the authenticator's code")
            }
            let second = try await send(
                base, "POST", "/api/tokens/2fa", body: ["challenge_token": .string(challenge), "code": .string(totpCode)], token: nil)
            let signedIn = try json(second, "/api/tokens/2fa", refusedField: "totp_code", refusal: "NPM refused the authenticator's code")
            guard let token = signedIn["token"]?.stringValue else { throw notNPM(base, "/api/tokens/2fa") }
            return NPMAPIClient(base: base, token: token)
        }
        guard let token = answer["token"]?.stringValue else { throw notNPM(base, "/api/tokens") }
        return NPMAPIClient(base: base, token: token)
    }

    private init(base: String, token: String) {
        self.base = base
        self.token = token
    }

    /// The JSON answer to `GET <base><path>`.
    func get(_ path: String) async throws -> JSON {
        let answer = try await Self.send(base, "GET", path, body: nil, token: token)
        return try Self.json(answer, path, refusedField: "email", refusal: "NPM refused the account access to \(path)")
    }

    /// The status and bytes of NPM's answer to `GET <base><path>`, a 4xx included (an older NPM
    /// without the path, or an item it cannot give); a 5xx is a failure naming `url`.
    func getIfPresent(_ path: String) async throws -> (status: Int, bytes: [UInt8]) {
        let answer = try await Self.send(base, "GET", path, body: nil, token: token)
        guard answer.status < 500 else { throw Self.answered(base, path, answer) }
        return answer
    }

    // MARK: - HTTP

    /// `url` as NPM's base address: http or https, a host, nothing after the path but an
    /// optional trailing `/api`.
    private static func address(_ url: String) throws(ValidationFailure) -> String {
        guard url.utf8.count <= 2048, let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = parsed.host, !host.isEmpty
        else {
            throw ValidationFailure("url", "must be NPM's address as an http:// or https:// URL, such as http://npm.example:81")
        }
        guard parsed.user == nil, parsed.password == nil, parsed.query == nil, parsed.fragment == nil else {
            throw ValidationFailure("url", "must hold no user, password, query or fragment: give the credentials as email and password")
        }
        var path = parsed.path
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/api") { path.removeLast(4) }
        var base = parsed
        base.path = path
        guard let text = base.string else { throw ValidationFailure("url", "is not a URL") }
        return text
    }

    private static func send(_ base: String, _ method: String, _ path: String, body: JSON?, token: String?) async throws -> (
        status: Int, bytes: [UInt8]
    ) {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        }
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: largestAnswer)
            return (Int(response.status.code), Array(bytes.readableBytesView))
        } catch {
            throw ValidationFailure("url", "NPM could not be reached at \(FieldRules.printable(base)) (\(path)): \(error)")
        }
    }

    /// The answer's JSON when NPM said 200; NPM's own message otherwise, under `refusedField`
    /// for a 4xx.
    private static func json(_ answer: (status: Int, bytes: [UInt8]), _ path: String, refusedField: String, refusal: String) throws -> JSON {
        let parsed = try? JSONParser.parse(answer.bytes)
        switch answer.status {
        case 200:
            guard let parsed else { throw ValidationFailure("url", "the answer to \(path) is not JSON: is this Nginx Proxy Manager's address?") }
            return parsed
        case 400..<500 where parsed?["error"]?["message"] != nil:
            let message = parsed?["error"]?["message"]?.stringValue ?? ""
            throw ValidationFailure(refusedField, "\(refusal): \(FieldRules.printable(String(message.prefix(300))))")
        default:
            throw ValidationFailure("url", "\(path) answered HTTP \(answer.status): is this Nginx Proxy Manager's address?")
        }
    }

    private static func answered(_ base: String, _ path: String, _ answer: (status: Int, bytes: [UInt8])) -> ValidationFailure {
        ValidationFailure("url", "NPM at \(FieldRules.printable(base)) answered \(path) with HTTP \(answer.status)")
    }

    private static func notNPM(_ base: String, _ path: String) -> ValidationFailure {
        ValidationFailure("url", "\(FieldRules.printable(base)) answered \(path) not as Nginx Proxy Manager does")
    }
}
