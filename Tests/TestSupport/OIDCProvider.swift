import Foundation

/// The identity provider single sign-on is tested against: django-oidc-provider from PyPI,
/// served over HTTPS by Tests/Fixtures/oidc/provider.py with a CA of its own. Accounts alice
/// (group proxy-admins), bob (proxy-viewers) and carol (no group) share ``password``; the
/// client is ``clientID`` / ``clientSecret``.
public final class OIDCProvider {
    public static let clientID = "posternproxy"
    public static let clientSecret = "client-secret-1"
    public static let password = "provider-pass-1"

    public let issuer: String
    /// The provider's CA, which the controller (`POSTERNPROXY_OIDC_CA_ROOTS`) and clients trust.
    public let rootCertificate: String
    private let folder: String
    private let process: ChildProcess

    /// Starts the provider on `host` (an address this machine has), accepting `redirectURIs`.
    public init(in folder: String, host: String = "127.0.0.1", redirectURIs: [String]) throws {
        self.folder = folder
        let port = try FreePort.next()
        var argv = [
            "python3", "\(TestEnvironment.packageRoot)/Tests/Fixtures/oidc/provider.py", "--dir", folder, "--host", host, "--port", String(port),
        ]
        for uri in redirectURIs { argv += ["--redirect-uri", uri] }
        process = try ChildProcess(argv, in: folder, logName: "oidc-provider")
        rootCertificate = "\(folder)/ca.pem"
        // Django migrates its database and the provider makes its keys first: allow a slow machine a minute.
        let deadline = Date().addingTimeInterval(60)
        var ready: String?
        while Date() < deadline, process.process.isRunning {
            let log = (try? String(contentsOfFile: process.log, encoding: .utf8)) ?? ""
            if let line = log.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }) {
                ready = String(line.dropFirst("READY ".count))
                break
            }
            usleep(100_000)
        }
        guard let ready else {
            let log = (try? String(contentsOfFile: process.log, encoding: .utf8)) ?? ""
            throw TestSetupError("the OIDC provider did not start: \(log.suffix(3000))")
        }
        issuer = ready
    }

    /// Plays an attacker between provider and controller from the next token request on (see
    /// provider.py); nil stops.
    public func tamper(_ rule: [String: Any]?) throws {
        let file = "\(folder)/tamper.json"
        if let rule {
            try JSONSerialization.data(withJSONObject: rule).write(to: URL(fileURLWithPath: file))
        } else {
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// Signs in through the controller at `controller` as `username` the way a browser's
    /// redirects go (Tests/Fixtures/oidc/sign_in.py), and returns what it saw.
    public func signIn(controller: String, username: String, dropBinding: Bool = false, replay: Bool = false) throws -> [String: Any] {
        let settings: [String: Any] = [
            "controller": controller, "ca": rootCertificate, "username": username, "drop_binding": dropBinding, "replay": replay,
        ]
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(TestEnvironment.packageRoot)/Tests/Fixtures/oidc/sign_in.py", argument]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let answer = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSetupError("sign_in.py failed: \(String(decoding: data, as: UTF8.self))")
        }
        return answer
    }

    public func stop() { process.stop() }
}
