import JSONCore

/// How Caddy is doing at obtaining its automatic certificates, read from the log the rendered
/// config has it write (``CaddyRenderer/logging(certificateLog:accessLogged:)``). Per name, the certificate
/// manager logs `obtaining certificate` when it starts, `certificate obtained successfully` (or
/// `certificate renewed successfully`) when the CA issued one, and `could not get certificate
/// from issuer` with the CA's error when an attempt failed (it then retries with a growing
/// delay). The last of these for a name is its state; a renewal under way leaves it as it was.
enum CertificateLog {
    /// At most this many names are reported, those not issued first, then the most recent.
    static let maximumNames = 1000
    /// A CA's error is cut to this many characters.
    static let maximumMessage = 500

    struct Entry: Equatable {
        var domain: String
        /// `obtaining`, `issued` or `failed`.
        var state: String
        var message: String?
        /// When Caddy logged it, in whole seconds since 1970.
        var at: Int

        var json: JSON {
            .object([
                ("domain", .string(domain)), ("state", .string(state)), ("message", message.map(JSON.string) ?? .null), ("at", .int(at)),
            ])
        }
    }

    /// The latest state of each name the log's lines (`bytes`) mention.
    static func entries(in bytes: [UInt8]) -> [Entry] {
        var latest: [String: Entry] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.count < 64 << 10 {
            guard let entry = try? JSONParser.parse(Array(line)), let name = entry["identifier"]?.stringValue?.lowercased(),
                !name.isEmpty, name.utf8.count <= 253
            else { continue }
            let at = Int(entry["ts"]?.numberValue ?? 0)
            switch entry["msg"]?.stringValue {
            case "obtaining certificate":
                latest[name] = Entry(domain: name, state: "obtaining", at: at)
            case "certificate obtained successfully", "certificate renewed successfully":
                latest[name] = Entry(domain: name, state: "issued", at: at)
            case "could not get certificate from issuer":
                let error = entry["error"]?.stringValue.map { String($0.prefix(maximumMessage)) }
                latest[name] = Entry(domain: name, state: "failed", message: error ?? "the certificate authority refused", at: at)
            default: continue
            }
        }
        let ordered = latest.values.sorted { ($0.state == "issued" ? 1 : 0, -$0.at, $0.domain) < ($1.state == "issued" ? 1 : 0, -$1.at, $1.domain) }
        return Array(ordered.prefix(maximumNames))
    }
}
