import Foundation
import TestSupport
import Host
import Synchronization
import Testing

@Suite struct LocalTargetTests {
    @Test func runsAnArgumentVectorWithoutAShell() throws {
        let lines = Mutex<[String]>([])
        let result = try LocalTarget().run(
            TargetCommand(argv: ["printf", "%s\\n", "a; echo injected", "$(id)"]),
            onLine: { line in lines.withLock { $0.append(line.text) } }, isCancelled: { false })
        #expect(result.exitStatus == 0)
        #expect(lines.withLock { $0 } == ["a; echo injected", "$(id)"])
    }

    @Test func reportsExitStatusStandardErrorAndMissingPrograms() throws {
        let target = LocalTarget()
        let failing = try target.run(TargetCommand(argv: ["ls", "/definitely/not/here"]), onLine: { _ in }, isCancelled: { false })
        #expect(failing.exitStatus != 0)
        #expect(!failing.standardError.isEmpty)
        let missing = try target.run(TargetCommand(argv: ["no-such-program-posternproxy"]), onLine: { _ in }, isCancelled: { false })
        #expect(missing.exitStatus == 127)
    }

    @Test func feedsStandardInputAndCapsOutput() throws {
        let echoed = try LocalTarget().run(TargetCommand(argv: ["cat"], standardInput: Array("hello".utf8)), onLine: { _ in }, isCancelled: { false })
        #expect(echoed.standardOutput == Array("hello".utf8))
        let capped = try LocalTarget().run(
            TargetCommand(argv: ["head", "-c", "100000", "/dev/zero"], outputLimit: 1000), onLine: { _ in }, isCancelled: { false })
        #expect(capped.standardOutput.count == 1000)
        #expect(capped.truncated)
    }

    /// A command that exits without reading its input must not take the host down with SIGPIPE;
    /// one that leaves a daemon holding its output still returns once it has ended.
    @Test func survivesAnUnreadInputAndADaemonHoldingTheOutput() throws {
        let unread = try LocalTarget().run(
            TargetCommand(argv: ["true"], standardInput: [UInt8](repeating: 0, count: 4 << 20)), onLine: { _ in }, isCancelled: { false })
        #expect(unread.exitStatus == 0)
        let started = ContinuousClock.now
        let daemon = try LocalTarget().run(TargetCommand(argv: ["sh", "-c", "sleep 5 & echo started"]), onLine: { _ in }, isCancelled: { false })
        #expect(daemon.exitStatus == 0)
        #expect(daemon.standardOutput == Array("started\n".utf8))
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test func reportsTheSignalThatEndedACommand() throws {
        let killed = try LocalTarget().run(TargetCommand(argv: ["sh", "-c", "kill -9 $$"]), onLine: { _ in }, isCancelled: { false })
        #expect(killed.exitStatus == 128 + 9)
    }

    @Test func stopsACommandOnTimeoutAndOnCancellation() throws {
        #expect(throws: TargetError.timedOut("sleep 30")) {
            try LocalTarget().run(TargetCommand(argv: ["sleep", "30"], timeout: .milliseconds(200)), onLine: { _ in }, isCancelled: { false })
        }
        #expect(throws: TargetError.cancelled) {
            try LocalTarget().run(TargetCommand(argv: ["sleep", "30"]), onLine: { _ in }, isCancelled: { true })
        }
    }

    @Test(arguments: ["relative/path", "/etc/../etc/passwd", "/a/./b", "/etc/", "/etc/pass\0wd"])
    func refusesUnsafePaths(path: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let target = LocalTarget(root: folder.path)
        #expect(throws: TargetError.self) { try target.writeFile(path, contents: [], mode: 0o644) }
        #expect(throws: TargetError.self) { try target.readFile(path) }
    }

    @Test func writesAtomicallyWithTheModeUnderTheRoot() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let target = LocalTarget(root: folder.path)
        try target.writeFile("/etc/posternproxy-agent/config.env", contents: Array("TOKEN=x\n".utf8), mode: 0o600)
        let path = folder.file("etc/posternproxy-agent/config.env")
        #expect(try target.readFile("/etc/posternproxy-agent/config.env") == Array("TOKEN=x\n".utf8))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("etc/posternproxy-agent")) == ["config.env"])
        #expect(try target.removeFile("/etc/posternproxy-agent/config.env"))
        #expect(try !target.removeFile("/etc/posternproxy-agent/config.env"))
        #expect(try target.readFile("/etc/posternproxy-agent/config.env") == nil)
    }
}
