import Foundation
import Host
import Testing
import TestSupport

/// A change to a large desired state reaches a real agent as a patch of the state it runs, the
/// agent's Caddy serves it, and any patch the agent cannot apply exactly ends in the whole state
/// being sent; an agent that does not say it takes patches is sent whole states only.
@Suite(.serialized) struct DesiredStatePatchTests {
    /// Enough hosts that the state is over the size from which changes go as patches.
    static let hostCount = 150

    @Test func aChangeGoesAsAPatchAndOneThatDoesNotApplyIsSentWhole() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (server, id, token) = try await setup.addRemoteWithoutAgent("a")
        for index in 0..<Self.hostCount { _ = try await setup.addHost("bulk-\(index).patch.test", serverID: id) }
        try server.startAgent(controllerPort: setup.controller.port, token: token)
        try await setup.converged(id, seconds: 60)
        let documentPath = server.folder.file("agent-state/applied-document.json")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: documentPath)[.size] as? Int)
        try #require(size >= AgentProtocol.patchableStateBytes, "the state is \(size) bytes: too small to be patched")

        // One more host: the agent receives a few hundred bytes, and serves the host.
        _ = try await setup.addHost("patched.test", serverID: id)
        try await setup.eventually("the agent serves the host added by a patch") { server.get("patched.test").upstream == "a" }
        try await setup.converged(id)
        let applied = server.agentLog.split(separator: "\n").filter { $0.contains("[PosternProxyAgent] applied") }
        #expect(applied.first?.contains("received=the whole state") == true, "\(applied.first ?? "")")
        let patched = try #require(applied.last)
        #expect(patched.contains("received=a patch of "), "\(patched)")
        let patchBytes = Int(patched.split(separator: "received=a patch of ").last?.split(separator: " ").first ?? "") ?? .max
        #expect(patchBytes < 2000, "\(patched)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: documentPath)).range(of: Data("patched.test".utf8)) != nil)

        // An agent that keeps no changing state in memory patches the one in its state folder.
        server.killAgent()
        try server.startAgent(
            controllerURL: "http://\(server.hostAddress):\(setup.controller.port)", token: token,
            extra: ["POSTERNPROXY_KEEP_CHANGING_STATE_KIB=0"])
        try await setup.eventually("the restarted agent is connected") { server.currentAgentLog.contains("connected to the controller") }
        _ = try await setup.addHost("after-restart.test", serverID: id)
        try await setup.eventually("the agent serves the host sent after its restart") { server.get("after-restart.test").upstream == "a" }
        // Caddy serves a host before the agent has kept the state and logged the apply; its
        // result reaches the controller after both.
        try await setup.converged(id)
        _ = try await setup.addHost("from-the-folder.test", serverID: id)
        try await setup.eventually("the agent serves a host patched into its state folder's state") {
            server.get("from-the-folder.test").upstream == "a"
        }
        try await setup.converged(id)
        let fromFolder = try #require(lastApplied(server))
        #expect(fromFolder.contains("received=a patch of "), "\(fromFolder)")

        // The state in the folder no longer is the one the controller patches (a byte changed
        // on disk): the patch's result is not the state it names, so the agent asks for the
        // whole state, and the change arrives that way.
        var tampered = try Data(contentsOf: URL(fileURLWithPath: documentPath))
        let at = try #require(tampered.range(of: Data("bulk-7.patch.test".utf8)))
        tampered[at.lowerBound] = UInt8(ascii: "B")
        try tampered.write(to: URL(fileURLWithPath: documentPath))
        _ = try await setup.addHost("after-tampering.test", serverID: id)
        try await setup.eventually("the agent serves the host after asking for the whole state") {
            server.get("after-tampering.test").upstream == "a"
        }
        try await setup.converged(id)
        #expect(server.currentAgentLog.contains("a patch did not apply: asking for the whole state"))
        #expect(setup.controller.output.contains("agent asked for the whole state"))
        let whole = try #require(lastApplied(server))
        #expect(whole.contains("received=the whole state"), "\(whole)")
        let kept = try Data(contentsOf: URL(fileURLWithPath: documentPath))
        #expect(kept.range(of: Data("Bulk-7.patch.test".utf8)) == nil, "the whole state replaced the damaged one")
        #expect(try await setup.server(id)["last_error"] is NSNull)

        // And patches resume from the whole state.
        _ = try await setup.addHost("patched-again.test", serverID: id)
        try await setup.eventually("the agent serves the next host") { server.get("patched-again.test").upstream == "a" }
        try await setup.converged(id)
        let again = try #require(lastApplied(server))
        #expect(again.contains("received=a patch of "), "\(again)")
    }

    /// The agent's log line of its latest apply.
    private func lastApplied(_ server: RemoteServer) -> Substring? {
        server.currentAgentLog.split(separator: "\n").last { $0.contains("[PosternProxyAgent] applied") }
    }

    /// An agent from before patches says nothing of them in hello (the probe): every change
    /// reaches it as the whole state.
    @Test func anAgentThatDoesNotSayItTakesPatchesIsSentWholeStates() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (_, id, token) = try await setup.addRemoteWithoutAgent("old")
        for index in 0..<Self.hostCount { _ = try await setup.addHost("bulk-\(index).old.test", serverID: id) }
        let listening = try ChildProcess(
            ["python3", TestEnvironment.fixture("agent_probe.py"), "127.0.0.1", String(setup.controller.port), token, "beat", "110"],
            in: setup.controller.folder.path, logName: "probe")
        defer { listening.stop() }
        func messages() -> [String] { listening.output.split(separator: "\n").filter { $0.hasPrefix("MESSAGE ") }.map(String.init) }
        try await setup.eventually("the probe has its state", seconds: 60) { messages().contains { $0.contains("\"desired_state\"") } }
        _ = try await setup.addHost("changed.old.test", serverID: id)
        try await setup.eventually("the probe has the change", seconds: 60) { messages().contains { $0.contains("changed.old.test") } }
        let change = try #require(messages().last { $0.contains("changed.old.test") })
        #expect(change.hasPrefix("MESSAGE {\"type\": \"desired_state\""), "\(change.prefix(200))")
        #expect(!listening.output.contains("desired_state_patch"))
        #expect(change.utf8.count >= AgentProtocol.patchableStateBytes)
    }
}
