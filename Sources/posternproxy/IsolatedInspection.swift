import Foundation
import Synchronization

/// Runs `posternproxy plugins inspect FILE` in a child process and reads its verdict, so a plugin
/// whose code crashes, hangs or exits while loading cannot take the calling command down.
enum IsolatedInspection {
    /// How long a plugin may take to load.
    static let timeout: TimeInterval = 10

    static func inspect(_ file: String) -> PluginInspection {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["plugins", "inspect", file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .refused("\(file): cannot start the checking process (\(error.localizedDescription))")
        }
        let verdict = Mutex(Data())
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            verdict.withLock { $0 = data }
            done.signal()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            done.wait()
            return .refused(
                "\(file): loading it did not finish within \(Int(timeout)) seconds. Check what the plugin does when it is loaded and in its entry function."
            )
        }
        done.wait()
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
            return .refused(
                "\(file): the plugin crashed the checking process (\(name), signal \(signal)) while loading. Run it under a debugger; the host would crash the same way."
            )
        }
        guard let inspection = try? JSONDecoder().decode(PluginInspection.self, from: verdict.withLock({ $0 })) else {
            return .refused(
                "\(file): the checking process exited with status \(process.terminationStatus) without a verdict; the plugin may have called exit() while loading."
            )
        }
        return inspection
    }
}
