import Foundation
import Host

/// Debian's Pebble ACME test CA with its challenge test server as DNS (every name resolves to
/// `resolving`, 127.0.0.1 unless told), validating HTTP-01 and TLS-ALPN-01 on the given Caddy's
/// ports. Its ACME endpoint listens on `address` (127.0.0.1 unless told; the machine's end of a
/// namespace's link for a Caddy in that namespace). It refuses to issue for `blocked` names (and
/// their subdomains), as a CA refuses a name it will not serve.
public final class PebbleCA {
    public let directory: String
    /// Trusted by Caddy to reach Pebble's ACME endpoint.
    public let serverCertificate: String
    private let managementPort: Int
    private let folder: String
    private let dns: ChildProcess
    private let pebble: ChildProcess

    public init(
        in folder: String, httpPort: Int, tlsPort: Int, blocked: [String] = [], address: String = "127.0.0.1", resolving: String = "127.0.0.1"
    ) throws {
        self.folder = folder
        let acmePort = try FreePort.next(), dnsPort = try FreePort.next()
        managementPort = try FreePort.next()
        let challengeManagement = try FreePort.next()
        let tls = try TestCertificates.selfSigned("pebble", for: ["localhost", "127.0.0.1", address], in: folder)
        serverCertificate = tls.certificate
        directory = "https://\(address):\(acmePort)/dir"
        dns = try ChildProcess(
            [
                "pebble-challtestsrv", "-defaultIPv4", resolving, "-defaultIPv6", "",
                "-dns01", "127.0.0.1:\(dnsPort)", "-http01", "", "-https01", "", "-tlsalpn01", "",
                "-management", "127.0.0.1:\(challengeManagement)",
            ], in: folder, logName: "challtestsrv")
        let config: [String: Any] = [
            "pebble": [
                "listenAddress": "\(address):\(acmePort)", "managementListenAddress": "127.0.0.1:\(managementPort)",
                "certificate": tls.certificate, "privateKey": tls.key, "httpPort": httpPort, "tlsPort": tlsPort,
                "ocspResponderURL": "", "externalAccountBindingRequired": false, "domainBlocklist": blocked,
            ]
        ]
        let configFile = "\(folder)/pebble.json"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configFile))
        pebble = try ChildProcess(
            ["pebble", "-config", configFile, "-dnsserver", "127.0.0.1:\(dnsPort)"], in: folder,
            environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"], logName: "pebble")
        try pebble.wait(until: { HTTPProbe.canConnect(host: address, port: acmePort) }, what: "pebble")
    }

    /// Pebble's root certificate (it makes a new one each start), written to a file.
    public func rootCertificate() throws -> String {
        let file = "\(folder)/pebble-root.pem"
        let result = try LocalTarget().run(
            TargetCommand(argv: ["curl", "-sk", "-o", file, "https://127.0.0.1:\(managementPort)/roots/0"]),
            onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else { throw TestSetupError("cannot fetch Pebble's root") }
        return file
    }

    public func stop() {
        pebble.stop()
        dns.stop()
    }
}
