import Foundation
import GRDB
import Testing
import TestSupport

@testable import Controller

/// Tokens presented again are answered from the store's kept holders without a database read,
/// and every change that could end or alter what a token stands for, made through the store,
/// takes effect on the very next request: ending a session, revoking a token, deactivating a
/// user, changing a role or the two-factor requirement, restoring a backup, and an access
/// token's expiry.
@Suite struct CommitBoundCacheTests {
    let folder: TemporaryFolder
    let store: Store
    let sessions: Sessions
    static let client = Sessions.Client(ip: "192.0.2.7", userAgent: "tests")

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
        sessions = Sessions(store: store)
    }

    private func admin() async throws -> Int64 {
        _ = try await FirstStart.ensureAdmin(store, email: "admin@example.test", password: "correct horse battery")
        return try await store.database.read { db in try UserRepository.find(db, email: "admin@example.test")!.id }
    }

    private func login(_ userID: Int64, lifetime: TimeInterval = Sessions.accessLifetime) async throws -> Sessions.Issued {
        try await store.database.write { [sessions] db in
            try sessions.create(userID: userID, client: Self.client, in: db, accessLifetime: lifetime)
        }
    }

    /// Changes the database through a connection of its own, as another process would: the
    /// store's counter does not see it, so what the cache answers afterwards came from the cache.
    private func changeBehindTheStore(_ sql: String) throws {
        let other = try DatabaseQueue(path: folder.file("test.sqlite"))
        try other.write { db in try db.execute(sql: sql) }
    }

    @Test func aKnownTokenIsAnsweredWithoutReadingAndUnknownOnesAreNotKept() async throws {
        defer { folder.remove() }
        let userID = try await admin()
        let issued = try await login(userID)
        #expect(try await sessions.identity(accessToken: "ppa_unknown", viaCookie: false) == nil)
        #expect(store.tokenHolders.count == 0)
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false)?.email == "admin@example.test")
        #expect(store.tokenHolders.count == 1)
        try changeBehindTheStore("UPDATE users SET email = 'renamed@example.test'")
        // Kept: the store did not commit anything since.
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: true)?.email == "admin@example.test")
        // A commit to a table holders do not come from keeps it.
        try await store.database.write { db in try db.execute("UPDATE servers SET name = name", []) }
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false)?.email == "admin@example.test")
        // A commit to one they come from ends it: the next request reads again.
        try await store.database.write { db in try SettingsRepository.set(db, "require_two_factor", "false") }
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false)?.email == "renamed@example.test")
    }

    @Test func endingASessionOrDeactivatingItsUserStopsTheNextRequest() async throws {
        defer { folder.remove() }
        let userID = try await admin()
        let ended = try await login(userID), kept = try await login(userID)
        #expect(try await sessions.identity(accessToken: ended.accessToken, viaCookie: false) != nil)
        #expect(try await sessions.identity(accessToken: kept.accessToken, viaCookie: false) != nil)
        try await sessions.end(sessionID: ended.sessionID)
        #expect(try await sessions.identity(accessToken: ended.accessToken, viaCookie: false) == nil)
        #expect(try await sessions.identity(accessToken: kept.accessToken, viaCookie: false)?.role == .admin)
        try await store.database.write { db in try db.execute("UPDATE users SET role = 'viewer' WHERE id = ?", [userID]) }
        #expect(try await sessions.identity(accessToken: kept.accessToken, viaCookie: false)?.role == .viewer)
        try await store.database.write { db in try db.execute("UPDATE users SET active = 0 WHERE id = ?", [userID]) }
        #expect(try await sessions.identity(accessToken: kept.accessToken, viaCookie: false) == nil)
    }

    @Test func theTwoFactorRequirementAppliesToKeptSessionsAtOnce() async throws {
        defer { folder.remove() }
        let issued = try await login(try await admin())
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false)?.mustEnrolTwoFactor == false)
        try await store.database.write { db in try SettingsRepository.set(db, "require_two_factor", "true") }
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false)?.mustEnrolTwoFactor == true)
    }

    @Test func anAccessTokenStopsAtItsExpiryThoughNothingChanged() async throws {
        defer { folder.remove() }
        let issued = try await login(try await admin())
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false) != nil)
        // Kept with its expiry: by a clock past it, the kept holder is not used and the database
        // is asked again (which, at that time, would find nothing).
        let later = Date() + Sessions.accessLifetime + 1
        var asked = false
        let held = try await store.tokenHolders.value(for: Secrets.tokenHash(issued.accessToken), isCurrent: { Sessions.unexpired($0, now: later) }) {
            asked = true
            return nil
        }
        #expect(held == nil && asked)
        #expect(store.tokenHolders.count == 0)
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false) != nil, "before its expiry it works")
    }

    @Test func aRevokedAPITokenStopsAndItsUseIsStillRecorded() async throws {
        defer { folder.remove() }
        let userID = try await admin()
        let token = Secrets.token(prefix: "ppt_")
        let tokenID = try await store.database.write { db in
            try TokenRepository.insert(db, userID: userID, name: "ci", scope: "metrics", tokenHash: Secrets.tokenHash(token))
        }
        #expect(try await sessions.identity(apiToken: token)?.metricsOnly == true)
        let used = try await store.database.read { db in try db.value(Date.self, "SELECT last_used_on FROM api_tokens WHERE id = ?", [tokenID]) }
        #expect(used != nil)
        #expect(try await sessions.identity(apiToken: token)?.metricsOnly == true)
        try await store.database.write { db in try db.execute("DELETE FROM api_tokens WHERE id = ?", [tokenID]) }
        #expect(try await sessions.identity(apiToken: token) == nil)
    }

    @Test func restoringABackupWithoutTheSessionStopsIt() async throws {
        defer { folder.remove() }
        let userID = try await admin()
        let backup = folder.file("backup.sqlite")
        try await store.database.copy(to: backup)
        let issued = try await login(userID)
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false) != nil)
        try await store.database.replaceTables(["sessions"], withThoseOf: backup) { _ in }
        #expect(try await sessions.identity(accessToken: issued.accessToken, viaCookie: false) == nil)
    }

    @Test func aCounterOverTablesItCannotWatchKeepsNothing() throws {
        defer { folder.remove() }
        let counter = store.database.commitCounter(watching: ["no_such_table"])
        #expect(counter.value != counter.value)
    }
}
