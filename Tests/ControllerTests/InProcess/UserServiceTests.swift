import Foundation
import Testing
import TestSupport

@testable import Controller

/// Accounts, their sessions and API tokens through their services on a temporary SQLite file.
@Suite struct UserServiceTests {
    let folder: TemporaryFolder
    let store: Store
    let users: UserService
    let tokens: TokenService
    let sessions: Sessions

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
        users = UserService(store: store, passwords: PasswordConfirmation(store: store, throttle: LoginThrottle()))
        tokens = TokenService(store: store)
        sessions = Sessions(store: store)
    }

    private func admin() async throws -> (Identity, AuditLog.Actor) {
        _ = try await FirstStart.ensureAdmin(store, email: "admin@example.test", password: "correct horse battery")
        let user = try #require(try await store.database.read { db in try UserRepository.find(db, email: "ADMIN@example.test") })
        let identity = Identity(userID: user.id, email: user.email, role: .admin, credential: .apiToken(tokenID: 0))
        return (identity, AuditLog.Actor(identity, clientIP: "192.0.2.1"))
    }

    private func signIn(_ userID: Int64) async throws -> Int64 {
        try await store.database.write { [sessions] db in
            try sessions.create(userID: userID, client: .init(ip: "192.0.2.9", userAgent: nil), in: db).sessionID
        }
    }

    @Test func accountsAreCheckedUniqueAndNobodyDemotesOrDeletesThemselves() async throws {
        defer { folder.remove() }
        let (identity, actor) = try await admin()
        let viewer = try await users.create(.init(email: "Viewer@Example.test", name: "V", password: "long enough 1", role: "viewer"), by: actor)
        #expect(viewer.role == .viewer)
        #expect(viewer.active)
        await #expect(throws: DomainError.conflict(field: "email", "a user with this email exists")) {
            try await users.create(.init(email: "viewer@example.test", name: "W", password: "long enough 2", role: "viewer"), by: actor)
        }
        for (changes, field) in [
            (UserService.Changes(email: "not an email", name: "x", password: "long enough", role: "admin"), "email"),
            (UserService.Changes(email: "a@example.test", name: "x", password: "short", role: "admin"), "password"),
            (UserService.Changes(email: "a@example.test", name: "x", password: String(repeating: "é", count: 40), role: "admin"), "password"),
            (UserService.Changes(email: "a@example.test", name: "x", password: "long enough", role: "root"), "role"),
            (UserService.Changes(email: "a@example.test", name: "x", role: "admin"), "password"),
        ] {
            do {
                _ = try await users.create(changes, by: actor)
                Issue.record("created \(changes)")
            } catch DomainError.invalid(let failure) {
                #expect(failure.field == field)
            }
        }
        await #expect(throws: DomainError.forbidden("you cannot demote or deactivate your own account")) {
            try await users.update(identity.userID, .init(role: "viewer"), by: actor)
        }
        await #expect(throws: DomainError.forbidden("nobody deletes their own account")) { try await users.delete(identity.userID, by: actor) }
        #expect(try await users.page(1, limit: 10).total == 2)
    }

    @Test func deactivatingOrResettingAPasswordEndsEverySessionAndOwnChangesKeepTheCurrentOne() async throws {
        defer { folder.remove() }
        let (identity, actor) = try await admin()
        let viewer = try await users.create(.init(email: "v@example.test", name: "V", password: "long enough 1", role: "viewer"), by: actor)
        _ = try await signIn(viewer.id)
        _ = try await signIn(viewer.id)
        #expect(try await sessions.list(userID: viewer.id).count == 2)
        _ = try await users.update(viewer.id, .init(password: "another one 2"), by: actor)
        #expect(try await sessions.list(userID: viewer.id).isEmpty)

        let current = try await signIn(identity.userID)
        _ = try await signIn(identity.userID)
        await #expect(throws: DomainError.invalid(ValidationFailure("current_password", "is wrong"))) {
            try await users.changeOwnPassword(userID: identity.userID, sessionID: current, current: "wrong password", to: "new password 3", by: actor)
        }
        try await users.changeOwnPassword(
            userID: identity.userID, sessionID: current, current: "correct horse battery", to: "new password 3", by: actor)
        #expect(try await sessions.list(userID: identity.userID).map(\.id) == [current])
    }

    @Test func aTokenIsShownOnceStoredHashedAndOnlyItsOwnerOrAnAdminRevokesIt() async throws {
        defer { folder.remove() }
        let (identity, actor) = try await admin()
        let created = try await tokens.create(name: "ci", scope: nil, for: identity, by: actor)
        #expect(created.token.hasPrefix("ppt_"))
        let stored = try await store.database.read { db in
            try db.value(String.self, "SELECT token_hash FROM api_tokens WHERE id = ?", [created.id])
        }
        #expect(stored == Secrets.tokenHash(created.token))
        #expect(try await sessions.identity(apiToken: created.token)?.userID == identity.userID)
        let stranger = Identity(userID: 999, email: "x@example.test", role: .viewer, credential: .apiToken(tokenID: 1))
        await #expect(throws: DomainError.notFound("token")) { try await tokens.revoke(created.id, as: stranger, by: actor) }
        try await tokens.revoke(created.id, as: identity, by: actor)
        #expect(try await tokens.list(for: identity).isEmpty)
        #expect(try await sessions.identity(apiToken: created.token) == nil)
        do {
            _ = try await tokens.create(name: "bad\u{0}name", scope: nil, for: identity, by: actor)
            Issue.record("a name with a control character was stored")
        } catch DomainError.invalid(let failure) {
            #expect(failure.field == "name")
        }
    }
}
