import Foundation

/// Runs `posternproxy plugins inspect FILE` in a child process and reads its verdict, so a plugin
/// whose code crashes, hangs or exits while loading cannot take the calling command down.
public enum IsolatedInspection {
    /// How long a plugin may take to load.
    public static let timeout: TimeInterval = 10

    /// `executable`: the `posternproxy` command that inspects (by default this process's own).
    public static func inspect(_ file: String, executable: String = "/proc/self/exe") -> PluginInspection {
        switch IsolatedChild.run(["plugins", "inspect", file], timeout: timeout, executable: executable) {
        case .notStarted(let reason):
            return .refused("\(file): cannot start the checking process (\(reason))")
        case .timedOut:
            return .refused(
                "\(file): loading it did not finish within \(Int(timeout)) seconds. Check what the plugin does when it is loaded and in its entry function."
            )
        case .crashed(let signal, let name):
            return .refused(
                "\(file): the plugin crashed the checking process (\(name), signal \(signal)) while loading. Run it under a debugger; the host would crash the same way."
            )
        case .exited(let status, let output):
            guard let inspection = try? JSONDecoder().decode(PluginInspection.self, from: output) else {
                return .refused(
                    "\(file): the checking process exited with status \(status) without a verdict; the plugin may have called exit() while loading."
                )
            }
            return inspection
        }
    }
}
