import Foundation
import Synchronization

/// Runs this executable again with `arguments`, so plugin code that crashes, hangs or exits can
/// take only the child down; reads what it printed.
struct IsolatedChild {
    enum Ending {
        /// It exited; `output` is what it printed on standard output.
        case exited(status: Int32, output: Data)
        /// A signal ended it (`name`: "Segmentation fault").
        case crashed(signal: Int32, name: String)
        /// It still ran after the timeout and was killed.
        case timedOut
        /// It could not be started.
        case notStarted(String)
    }

    static func run(_ arguments: [String], timeout: TimeInterval) -> Ending {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = arguments
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
            done.wait()
            return .timedOut
        }
        done.wait()
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            return .crashed(signal: signal, name: strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)")
        }
        return .exited(status: process.terminationStatus, output: printed.withLock { $0 })
    }
}
