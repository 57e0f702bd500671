import Foundation

/// An HTTP upstream run by the test (Tests/Fixtures/upstream.py): answers with its name and an
/// echo of the request.
public final class TestUpstream {
    public let name: String
    public let port: Int
    public let folder: String
    private let child: ChildProcess

    public init(_ name: String, in folder: String) throws {
        self.name = name
        self.folder = folder
        port = try FreePort.next()
        child = try ChildProcess(["python3", TestEnvironment.fixture("upstream.py"), name, String(port)], in: folder, logName: "upstream-\(name)")
        let port = port
        try child.wait(until: { HTTPProbe.canConnect(port: port) }, what: "upstream \(name)")
    }

    /// Makes `/health` answer 503 (or 200 again).
    public func setHealthy(_ healthy: Bool) {
        let marker = "\(folder)/\(port).unhealthy"
        if healthy { try? FileManager.default.removeItem(atPath: marker) } else { _ = FileManager.default.createFile(atPath: marker, contents: nil) }
    }

    public func stop() { child.stop() }
}
