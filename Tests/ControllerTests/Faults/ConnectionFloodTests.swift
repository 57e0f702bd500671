import Foundation
import Host
import Testing
import TestSupport

/// About a thousand idle connections and hundreds of slowloris ones against a controller
/// started with the common soft limit of 1,024 descriptors: it raises its limit, the API goes on
/// answering throughout, and the idle and slow connections are closed after the idle timeout.
@Suite(.serialized) struct ConnectionFloodTests {
    @Test func aFloodOfIdleAndSlowConnectionsLeavesTheAPIAnsweringAndIsClosedAfterTheTimeout() async throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let controller = try ControllerProcess(
            extraEnvironment: ["POSTERNPROXY_IDLE_TIMEOUT_SECONDS": "4"], launcher: ["prlimit", "--nofile=1024:\(limit.rlim_max)", "--"])
        defer { controller.remove() }
        #expect(controller.output.contains("descriptors_at_start=1024"))
        let client = try await controller.loggedIn()

        let flood = try ChildProcess(
            ["python3", TestEnvironment.fixture("connection_flood.py"), String(controller.port), "1100", "500", "9"], in: controller.folder.path,
            logName: "flood")
        defer { flood.stop() }
        try flood.wait(until: { flood.output.contains("ready") }, what: "the flood's connections")

        // While they are held, the API answers (a request that does not answer in 5 s counts as not answering).
        var answered = 0, asked = 0
        let until = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < until {
            asked += 1
            if let status = try? await withTimeout(.seconds(5), { try await client.get("/api/auth/me").status }), status == 200 { answered += 1 }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(answered == asked, "\(answered) of \(asked) requests answered during the flood")

        try await eventually("the flood reports what the controller closed", seconds: 30) { flood.output.contains("closed") }
        let report = flood.output.split(separator: "\n").first { $0.hasPrefix("closed") }.map(String.init) ?? ""
        #expect(report == "closed idle=1100 slow=500", "\(report)")
        #expect(try await client.get("/api/auth/me").status == 200)
    }
}

/// `body`'s result, or a thrown ``TimedOut`` when it takes longer than `limit`.
private func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut()
        }
        let first = try await group.next()!
        group.cancelAll()
        return first
    }
}

private struct TimedOut: Error {}
