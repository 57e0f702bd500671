import Foundation
import Synchronization

/// Runs `posternproxy` (by default this executable, again) with `arguments`, so plugin code that crashes, hangs or exits can
/// take only the child down; reads what it printed.
///
/// The child runs without Swift's crash backtracer: the signal that ended it is the report, and
/// a backtracer would inherit the child's standard output and, when it stalls (seen on a loaded
/// machine), keep the pipe open long after the child died, so reading it never ended.
public struct IsolatedChild {
    public enum Ending {
        /// It exited; `output` is what it printed on standard output.
        case exited(status: Int32, output: Data)
        /// A signal ended it (`name`: "Segmentation fault").
        case crashed(signal: Int32, name: String)
        /// It still ran after the timeout and was killed.
        case timedOut
        /// It could not be started.
        case notStarted(String)
    }

    /// How long the output is read for once the child has ended.
    static let outputGrace: DispatchTimeInterval = .seconds(5)

    public static func run(_ arguments: [String], timeout: TimeInterval, executable: String = "/proc/self/exe") -> Ending {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .notStarted(error.localizedDescription)
        }
        let printed = Mutex(Data())
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            printed.withLock { $0 = data }
            done.signal()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            _ = done.wait(timeout: .now() + Self.outputGrace)
            return .timedOut
        }
        // What the child printed, unless something it started still holds its output open.
        _ = done.wait(timeout: .now() + Self.outputGrace)
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            return .crashed(signal: signal, name: strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)")
        }
        return .exited(status: process.terminationStatus, output: printed.withLock { $0 })
    }
}
