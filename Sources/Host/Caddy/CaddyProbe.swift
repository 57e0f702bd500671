import FoundationEssentials
import Glibc

/// What a Caddy binary is: its version and modules, as `caddy version` and `caddy list-modules`
/// print them. The controller records them for its local server; an agent reports them in hello,
/// so the API can refuse what a server's Caddy cannot run.
public struct CaddyProbe: Sendable, Equatable {
    /// `caddy version`'s first word, for example `v2.11.1`.
    public var version: String
    public var modules: [String]

    /// Asks `binary` on `target`; nil when either command fails.
    public static func run(binary: String, on target: some Target = LocalTarget()) -> CaddyProbe? {
        guard
            let version = try? target.run(TargetCommand(argv: [binary, "version"], timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false }),
            let modules = try? target.run(
                TargetCommand(argv: [binary, "list-modules"], timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false }),
            version.exitStatus == 0, modules.exitStatus == 0
        else { return nil }
        let versionText = String(decoding: version.standardOutput, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
        let names = String(decoding: modules.standardOutput, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            let name = line.split(separator: " ").first.map(String.init) ?? ""
            return name.isEmpty || name.hasSuffix(":") ? nil : name
        }
        return CaddyProbe(version: versionText.trimmed, modules: names)
    }
}
