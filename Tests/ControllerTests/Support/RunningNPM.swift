import Foundation
import TestSupport

/// A running Nginx Proxy Manager's API for the import to read: Tests/NPM/npm_server.py over the
/// data folder `data` (made by Tests/NPM/npm_installation.py), on a free loopback port.
final class RunningNPM {
    let url: String
    private let process: ChildProcess

    init(data: String, in folder: String) throws {
        let port = try FreePort.next()
        process = try ChildProcess(
            ["python3", "\(TestEnvironment.packageRoot)/Tests/NPM/npm_server.py", data, String(port)], in: folder, logName: "npm-server")
        url = "http://127.0.0.1:\(port)"
        let process = process
        try process.wait(until: { process.output.contains("READY") }, what: "npm_server.py")
    }

    func stop() { process.stop() }
}
