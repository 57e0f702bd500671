import Foundation
import Host

/// A browser test script of Tests/Browser run inside a network namespace, so the page's origin
/// is that machine's address, not localhost; its settings are passed as one JSON argument.
public struct BrowserScript: Sendable {
    public let exitStatus: Int32
    /// What the script printed: one `ok <check>` line per check that passed.
    public let output: String
    /// The end of its standard error, for a failure message.
    public let errors: String

    public static func run(_ script: String, in namespace: LinkedNamespace, settings: [String: Any], timeout: Duration = .seconds(180)) async throws
        -> BrowserScript
    {
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let argv = ["ip", "netns", "exec", namespace.name, "python3", "\(TestEnvironment.packageRoot)/Tests/Browser/\(script)", argument]
        let result = try await offThePool {
            try LocalTarget().run(TargetCommand(argv: argv, timeout: timeout), onLine: { _ in }, isCancelled: { false })
        }
        return BrowserScript(
            exitStatus: result.exitStatus, output: String(decoding: result.standardOutput, as: UTF8.self),
            errors: String(String(decoding: result.standardError, as: UTF8.self).suffix(4000)))
    }

}
