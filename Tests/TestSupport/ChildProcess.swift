import Foundation

/// A program the test starts and kills when done (Caddy, an upstream).
public final class ChildProcess {
    public let process = Process()
    public let log: String

    public init(_ argv: [String], in folder: String, environment: [String: String] = [:], logName: String) throws {
        log = "\(folder)/\(logName).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits until `ready` holds (polling, for up to 30 s: a loaded CI machine starts programs
    /// slowly), or throws with the program's log.
    public func wait(until ready: () -> Bool, what: String) throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if ready() { return }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        if ready() { return }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw TestSetupError("\(what) did not become ready: \(output.suffix(2000))")
    }

    /// What the program printed so far.
    public var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
