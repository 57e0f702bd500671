import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controller

/// Agent admission on a temporary database, with the slow check (bcrypt) counted: wrong tokens
/// never reach it, a ticket readmits without it (also in a new process, as after a restart),
/// and anything that changes the token ends its tickets at once.
@Suite struct AgentAdmissionTests {
    let folder: TemporaryFolder
    let store: Store
    let servers: ServerService
    let admin = AuditLog.Actor(nil, clientIP: "192.0.2.1")
    let slowChecks = SlowCheckCounter()

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
        servers = ServerService(store: store, addresses: AddressPolicy(protectedPorts: [81]))
    }

    /// An admission as a (re)started controller has it, its slow checks counted. Its limits
    /// refill over an hour, so a test slowed down by a loaded machine sees the same counts.
    private func admission(attemptsPerMinute: Int = 30) -> AgentAdmission {
        let counter = slowChecks
        return AgentAdmission(store: store, attemptsPerMinute: attemptsPerMinute, window: 3600) { token, hash in
            counter.add()
            return await AgentAdmission.bcryptVerify(token, hash: hash)
        }
    }

    private func remote(_ name: String) async throws -> (id: Int64, token: String) {
        let id = try #require(try await servers.create(.init(name: name, hostname: "203.0.113.7"), by: admin).server.id)
        return (id, try await servers.issueAgentToken(id, by: admin))
    }

    private func admit(_ admission: AgentAdmission, _ token: String?, ticket: String? = nil, from client: String = "192.0.2.9")
        async throws(AgentAdmission.Refusal) -> AgentAdmission.Admitted
    {
        try await admission.admit(authorization: token.map { "Bearer \($0)" }, ticket: ticket, clientIP: client)
    }

    @Test func aTicketReadmitsWithoutTheSlowCheckAlsoAfterARestart() async throws {
        defer { folder.remove() }
        let (id, token) = try await remote("a")
        let first = try await admit(admission(), token)
        #expect(first.serverID == id && first.ticket.hasPrefix("ppt_\(id)_"))
        #expect(slowChecks.count == 1)
        let restarted = admission()
        let again = try await admit(restarted, token, ticket: first.ticket)
        #expect(again.serverID == id && slowChecks.count == 1, "the ticket admitted without bcrypt")
        #expect(again.ticket.hasPrefix("ppt_\(id)_"), "each admission hands out a fresh ticket")
    }

    @Test func aTicketOfAnotherServerForgedOrExpiredFallsBackToTheToken() async throws {
        defer { folder.remove() }
        let (a, tokenA) = try await remote("a")
        let (b, tokenB) = try await remote("b")
        let ticketA = try await admit(admission(), tokenA).ticket
        let secret = try await store.database.write { db in try ControllerSecretRepository.secret(db, name: AgentTickets.secretName) }
        let tickets = AgentTickets(secret: secret)
        let generationA = AgentCredential.generation(of: try #require(try await credential(a)).hash)
        var forged = ticketA
        forged.replaceSubrange(forged.index(before: forged.endIndex)..., with: forged.last == "0" ? "1" : "0")
        let candidates = [
            ticketA,  // presented with server B's token
            forged.replacingOccurrences(of: "ppt_\(a)_", with: "ppt_\(b)_"),
            tickets.issue(serverID: b, generation: generationA, now: Date()),  // B, but A's token generation
            tickets.issue(
                serverID: b, generation: AgentCredential.generation(of: try #require(try await credential(b)).hash), now: Date() - 13 * 3600),
            AgentTickets(secret: Data(repeating: 7, count: 32)).issue(serverID: b, generation: generationA),  // another controller's key
            "ppt_\(b)_garbage",
        ]
        for (index, ticket) in candidates.enumerated() {
            let before = slowChecks.count
            let admitted = try await admit(admission(), tokenB, ticket: ticket)
            #expect(admitted.serverID == b)
            #expect(slowChecks.count == before + 1, "candidate \(index) was not taken: the token decided")
        }
    }

    @Test func aReissuedTokenOrADeletedServerEndsItsTicketsAtOnce() async throws {
        defer { folder.remove() }
        let (id, token) = try await remote("a")
        let ticket = try await admit(admission(), token).ticket
        let reissued = try await servers.issueAgentToken(id, by: admin)
        let before = slowChecks.count
        await #expect(throws: AgentAdmission.Refusal.wrongToken) { try await admit(admission(), token, ticket: ticket) }
        #expect(slowChecks.count == before, "the old token failed its cheap check")
        _ = try await admit(admission(), reissued, ticket: ticket)
        #expect(slowChecks.count == before + 1, "the old ticket names the old token's generation")
        let fresh = try await admit(admission(), reissued).ticket
        _ = try await servers.delete(id, resources: .delete, by: admin)
        await #expect(throws: AgentAdmission.Refusal.unknownServer) { try await admit(admission(), reissued, ticket: fresh) }
    }

    @Test func wrongTokensFromManyAddressesNeverReachTheSlowCheck() async throws {
        defer { folder.remove() }
        let (id, token) = try await remote("a")
        let admission = admission()
        let secret = token.split(separator: "_").last!
        for n in 0..<300 {
            let guess = "ppg_\(id)_" + String(secret.reversed()) + String(n)
            await #expect(throws: AgentAdmission.Refusal.wrongToken) { try await admit(admission, guess, from: "10.1.\(n / 250).\(n % 250)") }
        }
        #expect(slowChecks.count == 0)
        #expect(try await admit(admission, token).serverID == id)
        #expect(slowChecks.count == 1)
    }

    @Test func failuresAtAnAddressDoNotKeepOutARightTokenFromIt() async throws {
        defer { folder.remove() }
        let (id, token) = try await remote("a")
        let admission = admission(attemptsPerMinute: 10)
        var refusals: [AgentAdmission.Refusal] = []
        for _ in 0..<30 {
            do { _ = try await admit(admission, nil, from: "198.51.100.7") } catch { refusals.append(error) }
        }
        #expect(refusals.prefix(10).allSatisfy { $0 == .missingToken })
        #expect(refusals.dropFirst(10).allSatisfy { if case .rateLimited = $0 { true } else { false } }, "\(refusals)")
        #expect(try await admit(admission, token, from: "198.51.100.7").serverID == id)
        // A storm of admissions from one address is limited on its own count.
        var admitted = 1
        for _ in 0..<20 { if (try? await admit(admission, token, from: "198.51.100.7")) != nil { admitted += 1 } }
        #expect(admitted == 10)
    }

    @Test func aTokenStoredWithoutItsCheckIsBcryptCheckedWithinItsServersLimitAndGetsItsCheck() async throws {
        defer { folder.remove() }
        let (id, token) = try await remote("a")
        try await store.database.write { db in try db.execute("UPDATE servers SET agent_token_check = NULL WHERE id = ?", [id]) }
        let admission = admission(attemptsPerMinute: 5)
        for n in 0..<8 {
            await #expect(throws: (any Error).self) { try await admit(admission, "ppg_\(id)_wrong\(n)", from: "10.2.0.\(n)") }
        }
        #expect(slowChecks.count == 5, "bcrypt ran until the server's failures were used up")
        #expect(try await credential(id)?.check == nil)
        let other = self.admission()
        #expect(try await admit(other, token).serverID == id)
        #expect(try await credential(id)?.check == AgentCredential.check(of: token))
        let before = slowChecks.count
        await #expect(throws: AgentAdmission.Refusal.wrongToken) { try await admit(other, "ppg_\(id)_wrong", from: "10.3.0.1") }
        #expect(slowChecks.count == before)
    }

    @Test func whenTooManySlowChecksWaitTheRestAreToldToComeBack() async throws {
        defer { folder.remove() }
        let (id, token) = try await remote("a")
        // No slow check finishes before every attempt was either queued or told to come back.
        let gate = Gate()
        let entered = slowChecks
        let admission = AgentAdmission(store: store, attemptsPerMinute: 10_000) { _, _ in
            entered.add()
            await gate.wait()
            return true
        }
        let attempts = AgentAdmission.maximumPendingSlowChecks + 20
        let busy = SlowCheckCounter()
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<attempts {
                group.addTask {
                    do throws(AgentAdmission.Refusal) {
                        return try await admission.admit(authorization: "Bearer \(token)", ticket: nil, clientIP: "10.4.\(n / 250).\(n % 250)")
                            .serverID == id
                    } catch {
                        if case .busy(let seconds) = error, (1...5).contains(seconds) { busy.add() }
                        return false
                    }
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(600)
                while entered.count < AgentAdmission.maximumPendingSlowChecks || busy.count < 20, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                await gate.open()
                return false
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(entered.count == AgentAdmission.maximumPendingSlowChecks)
        #expect(busy.count == 20 && admitted == AgentAdmission.maximumPendingSlowChecks, "admitted \(admitted), busy \(busy.count)")
    }

    @Test func ticketsExpireAndKeysRotateWithTheirPeriod() {
        defer { folder.remove() }
        let tickets = AgentTickets(secret: Data(repeating: 1, count: 32))
        let now = Date(timeIntervalSince1970: 1_796_096_935)
        let ticket = tickets.issue(serverID: 4, generation: "0123456789abcdef", now: now)
        #expect(tickets.verify(ticket, now: now)?.serverID == 4)
        #expect(tickets.verify(ticket, now: now + Double(AgentTickets.lifetime) - 1)?.generation == "0123456789abcdef")
        #expect(tickets.verify(ticket, now: now + Double(AgentTickets.lifetime)) == nil, "expired")
        #expect(tickets.verify(ticket, now: now - 3600) == nil, "issued in the future")
        #expect(AgentTickets(secret: Data(repeating: 2, count: 32)).verify(ticket, now: now) == nil, "another key")
        for bad in ["", "ppt_4", ticket + "0", ticket.uppercased(), ticket.replacingOccurrences(of: "ppt_4_", with: "ppt_5_")] {
            #expect(tickets.verify(bad, now: now) == nil, "\(bad)")
        }
    }

    private func credential(_ id: Int64) async throws -> (hash: String, check: String?)? {
        try await store.database.read { db in try ServerRepository.agentCredential(db, remoteID: id) }
    }
}

/// Holds its waiters until opened.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters = []
    }
}

/// How many slow checks ran.
final class SlowCheckCounter: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
