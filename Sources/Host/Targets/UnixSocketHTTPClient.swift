import FoundationEssentials
import Glibc

/// A minimal HTTP/1.1 client for services on unix sockets: one request per connection
/// (`Connection: close`), bodies by Content-Length, chunked encoding or end of stream.
enum UnixSocketHTTPClient {
    static func send(_ request: HTTPRequest, socketPath: String) throws(TargetError) -> HTTPResponse {
        try validate(request)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .failed("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        setTimeout(fd, request.timeout)
        try connect(fd, to: socketPath)
        try writeAll(fd, head(request) + request.body)
        let raw = try readAll(fd, limit: request.responseLimit + 64 << 10)
        return try parse(raw, limit: request.responseLimit)
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

    private static func head(_ request: HTTPRequest) -> Data {
        var lines = ["\(request.method) \(request.path) HTTP/1.1", "Host: localhost", "Connection: close",
                     "Content-Length: \(request.body.count)"]
        if let type = request.contentType { lines.append("Content-Type: \(type)") }
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
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

    private static func writeAll(_ fd: Int32, _ data: Data) throws(TargetError) {
        let failure: Int32? = data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 { if errno == EINTR { continue }; return errno }
                offset += n
            }
            return nil
        }
        if let failure { throw .failed("sending the request: \(String(cString: strerror(failure)))") }
    }

    private static func readAll(_ fd: Int32, limit: Int) throws(TargetError) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return data }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut("waiting for the HTTP response") }
                throw .failed("reading the response: \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: buffer[0..<n])
            guard data.count <= limit else { throw .failed("HTTP response larger than \(limit) bytes") }
        }
    }

    static func parse(_ raw: Data, limit: Int) throws(TargetError) -> HTTPResponse {
        guard let end = raw.firstRange(of: Data("\r\n\r\n".utf8)) else { throw .failed("the service did not answer HTTP") }
        let head = String(decoding: raw[raw.startIndex..<end.lowerBound], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw .failed("the service did not answer HTTP")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed
        }
        var body = Data(raw[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), length <= body.count {
            body = body.prefix(length)
        }
        guard body.count <= limit else { throw .failed("HTTP response larger than \(limit) bytes") }
        return HTTPResponse(status: status, body: body)
    }

    private static func dechunk(_ data: Data) throws(TargetError) -> Data {
        var output = Data()
        var index = data.startIndex
        while true {
            guard let lineEnd = data[index...].firstRange(of: Data("\r\n".utf8)) else { throw .failed("truncated chunked body") }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmed, radix: 16) else { throw .failed("malformed chunk size") }
            index = lineEnd.upperBound
            if size == 0 { return output }
            guard data.distance(from: index, to: data.endIndex) >= size + 2 else { throw .failed("truncated chunked body") }
            output.append(data[index..<data.index(index, offsetBy: size)])
            index = data.index(index, offsetBy: size + 2)
        }
    }
}
