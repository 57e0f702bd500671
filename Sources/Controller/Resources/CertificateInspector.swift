import Foundation

/// Reads and checks uploaded certificates with the `openssl` command (argv and standard input,
/// never a shell): the chain parses, the key matches the leaf, and its names and expiry.
struct CertificateInspector: Sendable {
    var openssl = "openssl"

    struct Facts: Sendable {
        var domainNames: [String]
        var expiresOn: Date
        var issuer: String
    }

    func inspect(certificate: String, key: String) throws(ValidationFailure) -> Facts {
        guard certificate.contains("-----BEGIN CERTIFICATE-----") else {
            throw ValidationFailure("certificate", "must be a PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        guard key.contains("-----BEGIN") && key.contains("PRIVATE KEY-----") else {
            throw ValidationFailure("certificate_key", "must be a PEM private key")
        }
        guard let text = run(["x509", "-noout", "-enddate", "-issuer", "-ext", "subjectAltName", "-subject", "-nameopt", "RFC2253"], input: certificate) else {
            throw ValidationFailure("certificate", "does not parse as an X.509 certificate")
        }
        guard let leafKey = run(["x509", "-noout", "-pubkey"], input: certificate),
            let privateKey = run(["pkey", "-pubout"], input: key)
        else { throw ValidationFailure("certificate_key", "does not parse as a private key") }
        guard leafKey == privateKey else { throw ValidationFailure("certificate_key", "does not match the certificate") }

        var names: [String] = []
        var expires: Date?
        var issuer = ""
        var subjectCN: String?
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("notAfter=") {
                expires = formatter.date(from: String(line.dropFirst("notAfter=".count)).replacingOccurrences(of: "  ", with: " "))
            } else if line.hasPrefix("issuer=") {
                issuer = String(line.dropFirst("issuer=".count))
            } else if line.hasPrefix("subject=") {
                subjectCN = line.split(separator: ",").first { $0.hasPrefix("subject=CN=") || $0.hasPrefix("CN=") }
                    .map { String($0.split(separator: "=").last ?? "") }
            } else if line.contains("DNS:") {
                names += line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { $0.hasPrefix("DNS:") }.map { String($0.dropFirst(4)).lowercased() }
            }
        }
        if names.isEmpty, let subjectCN { names = [subjectCN.lowercased()] }
        guard let expires else { throw ValidationFailure("certificate", "has no readable expiry date") }
        return Facts(domainNames: names, expiresOn: expires, issuer: issuer)
    }

    private func run(_ arguments: [String], input: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [openssl] + arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
