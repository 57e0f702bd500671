import Foundation
import Glibc
import Host
import Testing

/// The host's HTTP client for unix sockets (Caddy's admin API), against a socket that answers
/// each connection with one written-out response.
@Suite struct UnixSocketHTTPTests {
    @Test func readsTheStatusAndABodyByContentLengthInAnyHeaderCase() throws {
        let response = try answer("HTTP/1.1 404 Not Found\r\nCONTENT-length:  5 \r\nX-Other: a: b\r\n\r\nhello-and-more")
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello")
    }

    @Test func readsAChunkedBodyWithExtensions() throws {
        let response = try answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n4;name=x\r\nWiki\r\n6\r\npedia \r\n0\r\n\r\n")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "Wikipedia ")
    }

    @Test func readsABodyToTheEndOfTheStream() throws {
        let response = try answer("HTTP/1.0 200 OK\r\n\r\n{\"a\": 1}\r\n\r\nstill body")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"a\": 1}\r\n\r\nstill body")
    }

    // "HTTP/1.1 020 ..." was found by Tests/Fuzz (HTTPResponse): a status must be three digits, 100-999.
    @Test(arguments: [
        "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 020 acd\r\n0\r\n\r\n", "HTTP/1.1 -200 OK\r\n\r\n",
        "HTTP/1.1 20000 OK\r\n\r\n", "HTTP/1.1 +20 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nab\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\nab\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nbody", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nbody",
    ])
    func refusesWhatIsNotAWholeHTTPResponse(_ text: String) {
        #expect(throws: TargetError.self) { try answer(text) }
    }

    @Test func refusesABodyOverTheLimit() {
        #expect(throws: TargetError.self) {
            try answer("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + String(repeating: "x", count: 20), limit: 10)
        }
    }

    @Test func streamsALargeChunkedBodyPieceByPieceWithoutTheWholeBodyLimit() throws {
        let chunk = String(repeating: "m", count: 40_000)
        let body = String(repeating: "9c40\r\n\(chunk)\r\n", count: 75) + "0\r\n\r\n"
        var pieces = 0
        var received = 0
        let status = try serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body) { path in
            try LocalTarget().http(HTTPRequest(socketPath: path, method: "GET", path: "/metrics", timeout: .seconds(5), responseLimit: 1 << 20)) {
                pieces += 1
                received += $0.count
            }
        }
        #expect(status == 200 && received == 3_000_000 && pieces > 10)
    }

    /// Sends a GET to a socket that writes `text` back, then closes.
    private func answer(_ text: String, limit: Int = 1 << 20) throws -> HTTPResponse {
        try serve(text) { path in
            try LocalTarget().http(HTTPRequest(socketPath: path, method: "GET", path: "/config/", timeout: .seconds(5), responseLimit: limit))
        }
    }

    /// Runs `request` against a socket that writes `text` back to one connection, then closes.
    private func serve<Result>(_ text: String, _ request: (String) throws -> Result) throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pp-http-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/s.sock"
        let listener = try listeningUnixSocket(at: path)
        let server = Thread {
            let connection = accept(listener, nil, nil)
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(connection, &request, request.count, 0)
            _ = text.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(connection)
            close(listener)
        }
        server.start()
        return try request(path)
    }
}
