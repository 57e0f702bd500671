import Foundation

/// Where the tests find the package, the build products and the C header.
public enum TestEnvironment {
    /// The package root (this file is Tests/TestSupport/TestEnvironment.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The folder holding the built products: the test runner's own folder (SwiftPM puts the
    /// plugins' shared objects and `posternproxy` beside it), unless POSTERNPROXY_BUILD_DIR says.
    public static let buildFolder: String = {
        if let configured = ProcessInfo.processInfo.environment["POSTERNPROXY_BUILD_DIR"] { return configured }
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: runner).deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.appendingPathComponent("posternproxy").path) {
            folder.deleteLastPathComponent()
        }
        return folder.path
    }()

    /// A first-party or example plugin built by `swift build`, e.g. `PosternProxyCaddyL4`.
    public static func builtPlugin(_ product: String) throws -> String {
        let path = "\(buildFolder)/lib\(product).so"
        guard FileManager.default.fileExists(atPath: path) else {
            throw TestSetupError("\(path) is missing: run `swift build` before `swift test` (scripts/test.sh does)")
        }
        return path
    }

    /// The `posternproxy` command built by `swift build`.
    public static var commandPath: String { "\(buildFolder)/posternproxy" }

    /// The folder of posternproxy_plugin.h.
    public static var headerFolder: String { "\(packageRoot)/Sources/PluginAPI/include" }

    /// A C source of Tests/Fixtures.
    public static func fixture(_ name: String) -> String { "\(packageRoot)/Tests/Fixtures/\(name)" }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
