/// A `ws://` or `wss://` URL taken apart as the agent dials it: the host (an IPv6 address without
/// its brackets), the port when one is written, and the path (`/` when none is).
struct WebSocketEndpoint: Equatable {
    var isSecure: Bool
    var host: String
    var port: Int?
    var path: String

    /// Nil unless `url` is `ws://` or `wss://`, a host, an optional port of 1...65535 and an
    /// optional path; user information (`user@`) is refused.
    init?(_ url: String) {
        let rest: Substring
        if url.hasPrefix("ws://") {
            isSecure = false
            rest = url.dropFirst(5)
        } else if url.hasPrefix("wss://") {
            isSecure = true
            rest = url.dropFirst(6)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let afterAuthority = rest[authorityEnd...]
        let pathEnd = afterAuthority.firstIndex { $0 == "?" || $0 == "#" } ?? afterAuthority.endIndex
        path = afterAuthority[..<pathEnd].isEmpty ? "/" : String(afterAuthority[..<pathEnd])
        guard !authority.contains("@") else { return nil }
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { return nil }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
            portText = nil
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace }) else { return nil }
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), let port = Int(portText),
                (1...65535).contains(port)
            else { return nil }
            self.port = port
        } else {
            port = nil
        }
    }
}
