import Foundation

/// Real HTTP(S) requests from the test, sent with curl.
public enum HTTPProbe {
    public struct Answer {
        /// 0 when no HTTP answer came (connection refused or reset).
        public var status: Int
        /// Lower-cased names; the last value of a repeated header.
        public var headers: [String: String]
        public var body: String

        public init(status: Int, headers: [String: String], body: String) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
        /// The `upstream` an upstream fixture put in its answer.
        public var upstream: String? { json?["upstream"] as? String }
        /// A request header as the upstream received it.
        public func upstreamHeader(_ name: String) -> String? {
            (json?["headers"] as? [String: String])?.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// Sends one request to 127.0.0.1:`port` for `host`; HTTPS uses SNI `host`, trusting `caCertificate`.
    public static func request(
        _ path: String, host: String, port: Int, https: Bool = false, method: String = "GET",
        headers: [String: String] = [:], user: String? = nil, caCertificate: String? = nil
    ) throws -> Answer {
        let folder = NSTemporaryDirectory() + "probe-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var arguments = ["curl", "-s", "--max-time", "15", "-o", "\(folder)/body", "-D", "\(folder)/headers", "-w", "%{http_code}", "-X", method]
        if https {
            arguments += ["--resolve", "\(host):\(port):127.0.0.1"]
            if let caCertificate { arguments += ["--cacert", caCertificate] } else { arguments.append("-k") }
            arguments.append("https://\(host):\(port)\(path)")
        } else {
            arguments += ["-H", "Host: \(host)", "http://127.0.0.1:\(port)\(path)"]
        }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if let user { arguments += ["-u", user] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let code = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var parsed: [String: String] = [:]
        let rawHeaders = (try? String(contentsOfFile: "\(folder)/headers", encoding: .utf8)) ?? ""
        for line in rawHeaders.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = (try? String(contentsOfFile: "\(folder)/body", encoding: .utf8)) ?? ""
        return Answer(status: Int(code) ?? 0, headers: parsed, body: body)
    }

    /// True when something accepts TCP connections on `host` (an IPv4 address):`port`.
    public static func canConnect(host: String = "127.0.0.1", port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
