import Foundation
import JSONCore

/// How the local Caddy is doing at obtaining automatic certificates, read from the end of its
/// log (JSON lines). Caddy's certificate manager writes, per name, `obtaining certificate` when
/// it starts, `certificate obtained successfully` when the CA issued one, and `could not get
/// certificate from issuer` with the CA's error when an attempt failed (it then retries with a
/// growing delay). The last of these for a name is its state.
struct CertificateIssuance: Sendable {
    /// The log of the Caddy this controller runs.
    let logFile: String
    /// How much of the log's end is read.
    static let window = 4 << 20

    enum State: String, Sendable {
        /// Nothing logged for the name yet, or an attempt under way.
        case pending
        case issued
        case failed
    }

    struct Status: Sendable, Equatable {
        var state: State
        /// The CA's error for a failed attempt.
        var message: String?
        /// When Caddy logged it (its `ts`, seconds since 1970).
        var at: Double?
    }

    /// The state of each of `names` (lower-case domain names), from what was logged after `since`.
    func status(of names: [String], since: Date) -> [String: Status] {
        var statuses = Dictionary(uniqueKeysWithValues: names.map { ($0, Status(state: .pending)) })
        for line in Self.tail(of: logFile, bytes: Self.window).split(separator: UInt8(ascii: "\n")) {
            guard line.count < 64 << 10, let entry = try? JSONParser.parse(Array(line)),
                entry["logger"]?.stringValue?.hasPrefix("tls") == true,
                let name = entry["identifier"]?.stringValue?.lowercased(), statuses[name] != nil
            else { continue }
            let at = entry["ts"].flatMap {
                if case .double(let value) = $0 { value } else if case .int(let value) = $0 { Double(value) } else { nil }
            }
            if let at, at < since.timeIntervalSince1970 { continue }
            switch entry["msg"]?.stringValue {
            case "obtaining certificate": statuses[name] = Status(state: .pending, at: at)
            case "certificate obtained successfully": statuses[name] = Status(state: .issued, at: at)
            case "could not get certificate from issuer":
                statuses[name] = Status(state: .failed, message: entry["error"]?.stringValue.map { String($0.prefix(1000)) }, at: at)
            default: continue
            }
        }
        return statuses
    }

    private static func tail(of path: String, bytes: Int) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
        return Array((try? handle.readToEnd()) ?? Data())
    }
}
