import Foundation
import Synchronization

/// Sign-ins sent to the provider and not yet back: what the callback must find again (the
/// nonce the ID token must carry, the PKCE verifier, the redirect URI the code was issued for),
/// keyed by the `state` sent to the provider and bound to the browser that started them by a
/// second secret held in that browser's cookie. Each is taken once; they expire after ten
/// minutes, and at most `capacity` wait at a time (the oldest make room), so starting sign-ins
/// in a loop cannot grow memory without bound.
final class PendingLogins: Sendable {
    struct Login: Sendable {
        var bindingHash: String
        var nonce: String
        var codeVerifier: String
        var redirectURI: String
        var issuer: String
        var started: Date
    }

    static let lifetime: TimeInterval = 600
    let capacity: Int
    private let table = Mutex<[String: Login]>([:])

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func add(state: String, _ login: Login) {
        table.withLock { table in
            if table.count >= capacity {
                let expired = table.filter { login.started.timeIntervalSince($0.value.started) > Self.lifetime }.map(\.key)
                expired.forEach { table[$0] = nil }
                while table.count >= capacity, let oldest = table.min(by: { $0.value.started < $1.value.started })?.key { table[oldest] = nil }
            }
            table[state] = login
        }
    }

    /// The login `state` names, removed; nil when unknown, already taken or expired.
    func take(state: String, now: Date = Date()) -> Login? {
        table.withLock { table in table.removeValue(forKey: state) }.flatMap { now.timeIntervalSince($0.started) <= Self.lifetime ? $0 : nil }
    }

    var count: Int { table.withLock { $0.count } }
}
