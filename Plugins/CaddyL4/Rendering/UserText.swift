/// Rules for user text on its way into Caddy's config: user text is a JSON value, never
/// config syntax, and never a placeholder Caddy would expand.
enum UserText {
    /// `{`/`}` escaped as `\{`/`\}`, so Caddy's replacer emits them literally.
    static func literal(_ text: String) -> String {
        guard text.contains(where: { $0 == "{" || $0 == "}" }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 8)
        for character in text {
            if character == "{" || character == "}" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The placeholders header values may use, and Caddy's names for them.
    static let headerPlaceholders: [String: String] = [
        "{remote_host}": "{http.request.remote.host}",
        "{scheme}": "{http.request.scheme}",
        "{host}": "{http.request.host}",
        "{method}": "{http.request.method}",
        "{uri}": "{http.request.uri}",
    ]

    /// A header value: the allowed placeholders become Caddy's; every other brace is literal.
    static func headerValue(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            output += literal(String(rest[..<open]))
            if let close = rest[open...].firstIndex(of: "}"), let caddy = headerPlaceholders[String(rest[open...close])] {
                output += caddy
                rest = rest[rest.index(after: close)...]
            } else {
                output += "\\{"
                rest = rest[rest.index(after: open)...]
            }
        }
        return output + literal(String(rest))
    }

    /// A host name, IP address or domain: letters, digits, `.`, `-`, `:` (IPv6) and a leading
    /// `*.` wildcard label only. Anything else is refused, not escaped.
    static func requireHostName(_ value: String, field: String, resource: ResourceKey) throws(RenderingError) {
        var text = value
        let valid = text.withUTF8 { bytes in
            guard !bytes.isEmpty, bytes.count <= 253 else { return false }
            for (index, byte) in bytes.enumerated() {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"):
                    continue
                case UInt8(ascii: "*") where index == 0 && bytes.count > 1 && bytes[1] == UInt8(ascii: "."):
                    continue
                default:
                    return false
                }
            }
            return true
        }
        guard valid else {
            throw RenderingError(resource: resource, field: field, message: "is not a valid host name or address")
        }
    }

    static func requirePort(_ value: Int, field: String, resource: ResourceKey) throws(RenderingError) {
        guard (1...65535).contains(value) else {
            throw RenderingError(resource: resource, field: field, message: "must be 1-65535")
        }
    }

    /// `host:port` for Caddy's `dial`, with IPv6 addresses bracketed.
    static func dial(_ host: String, _ port: Int) -> String {
        host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
