import Foundation
import Host

/// Self-signed certificates made with openssl for the tests.
public enum TestCertificates {
    /// Writes `NAME.pem` and `NAME.key` for `names` (SANs; IPs allowed) in `folder`.
    public static func selfSigned(_ name: String, for names: [String], in folder: String, days: Int = 30) throws -> (certificate: String, key: String)
    {
        let certificate = "\(folder)/\(name).pem", key = "\(folder)/\(name).key"
        let sans = names.map { $0.allSatisfy({ $0.isNumber || $0 == "." }) ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ",")
        let result = try LocalTarget().run(
            TargetCommand(argv: [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", String(days), "-subj", "/CN=\(names[0])", "-addext", "subjectAltName=\(sans)",
            ]), onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else { throw TestSetupError("openssl: \(String(decoding: result.standardError, as: UTF8.self))") }
        return (certificate, key)
    }
}
