import Foundation
import Host
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import ServiceLifecycle

/// The controller's side of every agent connection: one live session per server,
/// changes pushed to the sessions whose server's desired revision moved, and servers whose agent
/// went quiet marked Offline.
///
/// A second connection for a server **replaces** the first, which is closed with code 4000: an
/// agent that restarts, or whose old connection died without a close, must get back in at once
/// rather than wait for the old one to time out. Only a holder of the server's token can do this.
///
/// A service of the controller: on graceful shutdown every agent is told the controller is going
/// away (close code 1001, after which agents reconnect with backoff) and later connections are
/// closed at once.
actor AgentHub: Service {
    let store: Store
    let heartbeatSeconds: Int
    /// A session heard from less recently than this is closed and its server marked Offline.
    let offlineAfter: Duration
    let logger: Logger
    private var sessions: [Int64: AgentSession] = [:]
    /// Heartbeats noted by the sessions, written every ``heartbeatSeconds``.
    nonisolated let heard = HeardFrom()
    private nonisolated let changes = ChangeSignal()
    private var stopped = false

    /// Where the plugin catalog's files are, for the agents that ask for one.
    let pluginFolder: String

    init(store: Store, heartbeatSeconds: Int, offlineAfter: Duration, pluginFolder: String = "", logger: Logger) {
        self.store = store
        self.pluginFolder = pluginFolder
        self.heartbeatSeconds = heartbeatSeconds
        self.offlineAfter = offlineAfter
        self.logger = logger
    }

    var connectedServers: [Int64] { Array(sessions.keys) }

    /// Over how many seconds agents spread their reconnections when this controller goes away:
    /// 2 s, and one more for every 250 connected agents (10,000 agents: 42 s), so that a restart
    /// meets a steady stream instead of every agent at once.
    var reconnectWindowSeconds: Int { 2 + sessions.count / 250 }

    /// Asks server `serverID`'s agent for a host's access log; refused when it is not connected.
    func accessLog(serverID: Int64, query: AccessLogQuery) async throws -> AccessLogAnswer {
        guard let session = sessions[serverID] else {
            throw DomainError.unavailable(code: "agent_offline", "the server's agent is not connected: its access log cannot be read now")
        }
        return try await session.accessLog(query)
    }

    /// Makes `session` its server's live session, closing the one it replaces.
    func attach(_ session: AgentSession) async {
        guard !stopped else {
            await session.close(code: .goingAway, reason: "the controller is shutting down")
            return
        }
        if let previous = sessions[session.serverID] {
            await previous.close(code: .unknown(AgentProtocol.CloseCode.replaced), reason: "replaced by a newer connection of this server")
        }
        sessions[session.serverID] = session
        logger.info("agent connected", metadata: ["server": "\(session.serverID)"])
    }

    /// Forgets `session` when it is still its server's live one, and marks the server Offline.
    func detach(_ session: AgentSession) async {
        guard sessions[session.serverID] === session else { return }
        sessions[session.serverID] = nil
        logger.info("agent disconnected", metadata: ["server": "\(session.serverID)"])
        let name = try? await store.database.write { db in
            try ServerRepository.markOffline(db, id: session.serverID)
            return try ServerRepository.name(db, id: session.serverID)
        }
        if let name = name ?? nil {
            store.notifications.post(.init(kind: .serverOffline, text: "Server \(name) went offline: its agent stopped answering.", server: name))
        }
        store.statusFeed.announce()
    }

    /// Called after every change: pushes new desired states; closes sessions whose server was
    /// deleted or whose token was reissued. Returns at once.
    nonisolated func changed() { changes.signal() }

    /// Marks every remote server Offline (at start no agent is connected), then follows changes
    /// and heartbeats until graceful shutdown, when it closes every session.
    func run() async {
        await markRemoteServersOffline()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.changes.follow { await self.propagate() } }
            group.addTask { await self.closeSilentSessions() }
            group.addTask { await self.writeHeardFrom() }
            // The change loop ends at graceful shutdown; the heartbeat watch then goes too.
            await group.next()
            group.cancelAll()
        }
        stopped = true
        for session in sessions.values { await session.close(code: .goingAway, reason: "the controller is shutting down") }
        sessions.removeAll()
    }

    private func propagate() async {
        guard !sessions.isEmpty else { return }
        // The rows of the servers connected now: one connecting during the read is sent its
        // state by its own session, and is left for the next change.
        let connected = Set(sessions.keys)
        let rows: [Int64: (revision: Int64, tokenHash: String?)]
        do {
            rows = try await store.database.read { db in try ServerRepository.remoteRevisions(db, of: connected) }
        } catch {
            logger.error("could not read desired revisions", metadata: ["error": "\(error)"])
            return
        }
        for (serverID, session) in sessions where connected.contains(serverID) {
            guard let row = rows[serverID], row.tokenHash == session.tokenHash else {
                sessions[serverID] = nil
                await session.close(code: .unknown(AgentProtocol.CloseCode.revoked), reason: "this server was deleted or its agent token replaced")
                continue
            }
            if await session.sentRevision != row.revision { session.requestSync() }
        }
    }

    private func markRemoteServersOffline() async {
        try? await store.database.write { db in
            try ServerRepository.markRemotesOffline(db)
        }
    }

    /// Writes the heartbeats noted since the last pass, every ``heartbeatSeconds``; runs until cancelled.
    private func writeHeardFrom() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(heartbeatSeconds))
            do {
                try await heard.flush(to: store)
            } catch {
                logger.error("could not record agents' heartbeats", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Closes sessions that stay silent longer than ``offlineAfter``; runs until cancelled.
    private func closeSilentSessions() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(heartbeatSeconds))
            for session in sessions.values where ContinuousClock.now - (await session.lastHeard) > offlineAfter {
                logger.warning("agent silent; closing its connection", metadata: ["server": "\(session.serverID)"])
                await session.close(code: .goingAway, reason: "no heartbeat")
                await detach(session)
            }
        }
    }
}
