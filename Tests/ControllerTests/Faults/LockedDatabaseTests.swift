import Foundation
import Testing
import TestSupport

/// Another program holding the controller's database locked (a backup tool, an `sqlite3` shell)
/// makes the controller's writes wait, not its agents look dead: an agent whose report waits for
/// the database longer than the offline window keeps its connection, and what it reported is
/// recorded once the lock is let go.
@Suite(.serialized) struct LockedDatabaseTests {
    @Test func anAgentWhoseReportWaitsForALockedDatabaseStaysConnected() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (server, serverID) = try await setup.addRemote("edge")
        _ = try await setup.addHost("locked.test", serverID: serverID)
        try await setup.converged(serverID)

        // Held for 8 s: twice the offline window (4 s) the setup gives agents.
        let locked = setup.controller.folder.file("locked")
        let locker = try ChildProcess(
            ["python3", "-c", Self.lockScript, setup.controller.folder.file("data/posternproxy.sqlite"), locked, "8"],
            in: setup.controller.folder.path, logName: "locker")
        defer { locker.stop() }
        try locker.wait(until: { FileManager.default.fileExists(atPath: locked) }, what: "the database's lock")
        // The agent reports the problem; recording it waits for the lock.
        let logBefore = server.agentLog.count
        server.killCaddy()
        try await setup.eventually("the server shows that its Caddy does not answer", seconds: 20) { try await setup.showsCaddyDown(serverID) }
        #expect(!setup.controller.output.contains("agent silent"))
        // Nor did a report say all was well while Caddy stayed down.
        #expect(!server.agentLog.dropFirst(logBefore).contains("problem=none"))
        #expect(!setup.controller.output.contains("agent disconnected"))
    }

    /// Takes the write lock of the database at argv[1] (as `BEGIN IMMEDIATE` does in any SQLite
    /// client), creates the file argv[2] to say so, holds the lock argv[3] seconds, then lets go.
    private static let lockScript = """
        import sqlite3, sys, time
        connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
        connection.execute("BEGIN IMMEDIATE")
        open(sys.argv[2], "w").close()
        time.sleep(float(sys.argv[3]))
        connection.execute("COMMIT")
        """
}
