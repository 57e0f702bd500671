import Foundation
import Host
import Synchronization
import Testing
import TestSupport

/// `GET /api/events` as a browser's EventSource and a tool's curl read it: only for someone
/// signed in, an event when something changes, a resumed stream told at once what it missed, and
/// a controller that still stops promptly with streams open.
@Suite(.serialized) struct EventStreamTests {
    /// Reads the stream with curl for `seconds` (or until a line starting with `until` and the
    /// line after it arrived), sending `headers`; returns what arrived.
    static func listen(port: Int, bearer: String?, seconds: Int, headers: [String] = [], until: String? = nil) async throws -> String {
        var argv = ["curl", "-sN", "--max-time", String(seconds)]
        if let bearer { argv += ["-H", "Authorization: Bearer \(bearer)"] }
        for header in headers { argv += ["-H", header] }
        argv.append("http://127.0.0.1:\(port)/api/events")
        let command = TargetCommand(argv: argv, timeout: .seconds(seconds + 10))
        let heard = Mutex<[String]>([])
        do {
            let result = try await offThePool {
                try LocalTarget().run(
                    command, onLine: { line in heard.withLock { $0.append(line.text) } },
                    isCancelled: {
                        guard let until else { return false }
                        return heard.withLock { lines in lines.dropLast().contains { $0.hasPrefix(until) } }
                    })
            }
            return String(decoding: result.standardOutput, as: UTF8.self)
        } catch TargetError.cancelled {
            // Stopped once `until` arrived: what was heard, a line each (blank lines are separators).
            return heard.withLock { $0.joined(separator: "\n") }
        }
    }

    @Test func aChangeIsAnnouncedAndAResumedStreamIsToldWhatItMissed() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let port = controller.port
        #expect(try await APIClient(port: port).get("/api/events").status == 401)

        let token = try #require(client.bearer)
        // Until the event arrives (a loaded machine may take seconds to save the host).
        let listening = Task { try await Self.listen(port: port, bearer: token, seconds: 30, until: "event: status") }
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await client.post("/api/dead-hosts", ["domain_names": ["announced.test"]]).status == 201)
        let heard = try await listening.value
        #expect(heard.hasPrefix("retry: "), "\(heard)")
        #expect(heard.contains("event: status\nid: "), "\(heard)")
        #expect(!heard.contains("announced.test"), "events carry no data; the browser reads again through the API")

        // Behind the current version, a reconnecting browser hears at once.
        let resumed = try await Self.listen(port: port, bearer: token, seconds: 1, headers: ["Last-Event-ID: 0"])
        #expect(resumed.contains("event: status"), "\(resumed)")
        // Up to date, it hears nothing until the next change.
        let current = try #require(heard.split(separator: "\n").last { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) })
        let quiet = try await Self.listen(port: port, bearer: token, seconds: 1, headers: ["Last-Event-ID: \(current)"])
        #expect(!quiet.contains("event: status"), "\(quiet)")
    }

    @Test func theControllerStopsPromptlyWithStreamsOpen() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let token = try #require(try await controller.loggedIn().bearer)
        let port = controller.port
        let streams = (0..<3).map { _ in Task { try await Self.listen(port: port, bearer: token, seconds: 60) } }
        try await Task.sleep(for: .seconds(1.5))
        let started = Date()
        #expect(controller.terminate(within: 20))
        #expect(controller.exitStatus == 0)
        #expect(Date().timeIntervalSince(started) < 20, "open event streams held the shutdown")
        for stream in streams { _ = try? await stream.value }
    }
}
