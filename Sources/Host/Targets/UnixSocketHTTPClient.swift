import Glibc

/// A minimal HTTP/1.1 client for services on unix sockets: one request per connection
/// (`Connection: close`), bodies by Content-Length, chunked encoding or end of stream.
enum UnixSocketHTTPClient {
    static func send(_ request: HTTPRequest, socketPath: String) throws(TargetError) -> HTTPResponse {
        var body: [UInt8] = []
        let status = try stream(request, socketPath: socketPath) { piece throws(TargetError) in
            body += piece
            guard body.count <= request.responseLimit else { throw .failed("HTTP response larger than \(request.responseLimit) bytes") }
        }
        return HTTPResponse(status: status, body: [UInt8](body))
    }

    /// Sends the request and hands the response body to `onBody` piece by piece as it arrives
    /// (no limit on its size: `onBody` throws to stop). Returns the status code, known before
    /// the first piece.
    static func stream(
        _ request: HTTPRequest, socketPath: String, onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void
    ) throws(TargetError) -> Int {
        try begin(request, socketPath: socketPath).answer(onBody: onBody)
    }

    /// Sends the request on a connection of its own and returns without reading the answer,
    /// which ``Exchange/answer(onBody:)`` reads; letting the exchange go closes the connection.
    static func begin(_ request: HTTPRequest, socketPath: String) throws(TargetError) -> Exchange {
        try validate(request)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .failed("socket: \(String(cString: strerror(errno)))") }
        let exchange = Exchange(fd)
        setTimeout(fd, request.timeout)
        try connect(fd, to: socketPath)
        // The head, then the body as it is: joining them first copied the body, megabytes for a
        // Caddy config.
        try writeAll(fd, head(request))
        try writeAll(fd, request.body)
        return exchange
    }

    /// A request sent whose answer is still to be read: the connection it was sent on, closed
    /// when the answer has been read or when the exchange is let go.
    final class Exchange: BegunHTTPRequest {
        private var fd: Int32

        fileprivate init(_ fd: Int32) { self.fd = fd }

        deinit { if fd >= 0 { close(fd) } }

        /// Reads the answer, handing its body to `onBody` piece by piece as it arrives, and
        /// closes the connection. Returns the status code.
        func answer(onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int {
            guard fd >= 0 else { throw .invalid("the answer was read already") }
            defer {
                close(fd)
                fd = -1
            }
            return try UnixSocketHTTPClient.readAnswer(fd, onBody: onBody)
        }
    }

    /// Reads an answer from `fd`: its head, then its body piece by piece. Returns the status code.
    private static func readAnswer(_ fd: Int32, onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var received: [UInt8] = []
        var head: (status: Int, framing: HTTPBodyDecoder.Framing, bodyStart: Int)?
        while head == nil {
            let count = try receive(fd, into: &buffer)
            guard count > 0, received.count + count <= 64 << 10 else { throw .failed("the service did not answer HTTP") }
            received += buffer[0..<count]
            head = try parseHead(received[...])
        }
        guard let head else { throw .failed("the service did not answer HTTP") }
        var decoder = HTTPBodyDecoder(head.framing)
        try decoder.feed(received[head.bodyStart...], emit: onBody)
        while !decoder.isComplete {
            let count = try receive(fd, into: &buffer)
            if count == 0 { break }
            try decoder.feed(buffer[0..<count], emit: onBody)
        }
        try decoder.finish()
        return head.status
    }

    /// Reads what arrives next (0 at the end of the stream).
    private static func receive(_ fd: Int32, into buffer: inout [UInt8]) throws(TargetError) -> Int {
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut("waiting for the HTTP response") }
            throw .failed("reading the response: \(String(cString: strerror(errno)))")
        }
    }

    private static func validate(_ request: HTTPRequest) throws(TargetError) {
        let token = request.method.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
        guard token, !request.method.isEmpty else { throw .invalid("HTTP method `\(request.method)`") }
        guard request.path.hasPrefix("/"), request.path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalid("HTTP path must start with / and hold no spaces or control characters")
        }
        if let type = request.contentType, !type.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            throw .invalid("Content-Type holds control characters")
        }
    }

    private static func head(_ request: HTTPRequest) -> [UInt8] {
        var lines = [
            "\(request.method) \(request.path) HTTP/1.1", "Host: localhost", "Connection: close",
            "Content-Length: \(request.body.count)",
        ]
        if let type = request.contentType { lines.append("Content-Type: \(type)") }
        return [UInt8]((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    private static func setTimeout(_ fd: Int32, _ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func connect(_ fd: Int32, to path: String) throws(TargetError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw .invalid("socket path longer than \(capacity - 1) bytes") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw .failed("cannot connect to \(path): \(String(cString: strerror(errno)))") }
    }

    private static func writeAll(_ fd: Int32, _ data: [UInt8]) throws(TargetError) {
        let failure: Int32? = data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        if let failure { throw .failed("sending the request: \(String(cString: strerror(failure)))") }
    }

    /// The status and body of a whole HTTP/1.x response.
    static func parse(_ raw: [UInt8], limit: Int) throws(TargetError) -> HTTPResponse {
        guard let head = try parseHead(raw[...]) else { throw .failed("the service did not answer HTTP") }
        var body: [UInt8] = []
        var decoder = HTTPBodyDecoder(head.framing)
        try decoder.feed(raw[head.bodyStart...]) { piece throws(TargetError) in body += piece }
        try decoder.finish()
        guard body.count <= limit else { throw .failed("HTTP response larger than \(limit) bytes") }
        return HTTPResponse(status: head.status, body: [UInt8](body))
    }

    /// The status and body framing of a response head, read byte by byte (the head is ASCII, and
    /// only `Content-Length` and `Transfer-Encoding` matter to a client that reads to the end of
    /// the stream), and where the body starts; nil while the head is incomplete.
    static func parseHead(_ raw: ArraySlice<UInt8>) throws(TargetError) -> (status: Int, framing: HTTPBodyDecoder.Framing, bodyStart: Int)? {
        guard let headEnd = range(of: [0x0D, 0x0A, 0x0D, 0x0A], in: raw) else { return nil }
        var lines = raw[..<headEnd.lowerBound].split(separator: 0x0A, omittingEmptySubsequences: false).map {
            $0.last == 0x0D ? $0.dropLast() : $0
        }[...]
        guard let statusLine = lines.popFirst(), let status = statusCode(statusLine) else { throw .failed("the service did not answer HTTP") }
        var framing = HTTPBodyDecoder.Framing.untilClose
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = line[..<colon]
            let value = trimmingSpaces(line[(colon + 1)...])
            if equalsIgnoringCase(name, "content-length"), framing != .chunked {
                guard let length = Int(String(decoding: value, as: UTF8.self)), length >= 0 else { throw .failed("malformed Content-Length") }
                framing = .length(length)
            } else if equalsIgnoringCase(name, "transfer-encoding"), String(decoding: value, as: UTF8.self).lowercased().contains("chunked") {
                framing = .chunked
            }
        }
        return (status, framing, headEnd.upperBound)
    }

    /// The code of a status line such as `HTTP/1.1 200 OK`: exactly three digits, 100-999.
    private static func statusCode(_ line: ArraySlice<UInt8>) -> Int? {
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard parts.count >= 2, parts[0].starts(with: "HTTP/1.".utf8), parts[1].count == 3,
            parts[1].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), parts[1].first != UInt8(ascii: "0")
        else { return nil }
        return Int(String(decoding: parts[1], as: UTF8.self))
    }

    /// `text` without the spaces and tabs at either end.
    static func trimmingSpaces(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return [] }
        return text[first...last]
    }

    /// Where `pattern` first occurs in `bytes`. (The standard library's generic `firstRange(of:)`
    /// takes some 20 µs to find the end of a 150-byte response head.)
    private static func range(of pattern: [UInt8], in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        guard bytes.count >= pattern.count else { return nil }
        var start = bytes.startIndex
        while let candidate = bytes[start...].firstIndex(of: pattern[0]), candidate + pattern.count <= bytes.endIndex {
            if bytes[candidate..<candidate + pattern.count].elementsEqual(pattern) { return candidate..<candidate + pattern.count }
            start = candidate + 1
        }
        return nil
    }

    /// Whether the header name `name` is `lowercase`, ignoring ASCII case.
    private static func equalsIgnoringCase(_ name: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        guard name.count == lowercase.utf8CodeUnitCount else { return false }
        return zip(name, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)).allSatisfy { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected
        }
    }
}
