import Foundation
import Glibc
import PluginAPI
import PluginKit
import Synchronization
import Testing
import TestSupport

@testable import Host

/// `PP_HTTP_SENT_NOTICE` (ABI 1.3): the host tells a plugin that its request was sent before the
/// answer comes, so the plugin can send a second request that reaches the service after the
/// first without waiting for the first one's answer; a plugin of an older minor, whose request
/// is shorter, is never told.
@Suite struct HTTPSentNoticeTests {
    /// The service answers the first request only once the second has arrived: told only when
    /// the answer began, the plugin would wait for it forever (here: until the service gives up).
    @Test func aRequestMadeWhenTheFirstIsSentReachesTheServiceBeforeTheFirstIsAnswered() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let service = try HeldService(at: folder.path + "/s.sock")
        let services = HostServices(
            grants: .effects, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        var events: [String] = []
        let status = services.withCHost { host in
            let proxy = HostProxy(host)
            return proxy.stream(
                socket: "/s.sock", path: "/first",
                whenSent: {
                    events.append("sent")
                    let second = proxy.http(socket: "/s.sock", method: "POST", path: "/second", body: Array("x".utf8))
                    events.append("second answered \(second.httpStatus): \(String(decoding: second.body, as: UTF8.self))")
                },
                onBody: { piece in
                    events.append("first: \(String(decoding: piece, as: UTF8.self))")
                    return true
                })
        }
        service.wait()
        #expect(status.status == PP_OK && status.httpStatus == 200)
        #expect(events == ["sent", "second answered 200: second", "first: first"])
        #expect(service.order == ["GET /first", "POST /second"])
    }

    /// The flag lies beyond the request a plugin built against ABI 1.2 passes: the host does not
    /// read it there, whatever the memory after that request holds.
    @Test func aRequestWhoseSizeEndsBeforeTheFlagsIsNotToldItWasSent() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let service = try HeldService(at: folder.path + "/s.sock", holding: false)
        let services = HostServices(
            grants: .effects, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        var empty = 0
        var body: [UInt8] = []
        let reader = SinkReader(
            { piece in
                body += piece
                return true
            }, onEmpty: { empty += 1 })
        var httpStatus: Int32 = 0
        let status = services.withCHost { host in
            reader.withSink { sink in
                "/s.sock".withCString { socket in
                    "GET".withCString { method in
                        "/first".withCString { path in
                            var request = pp_http_request(
                                struct_size: UInt32(MemoryLayout<pp_http_request>.offset(of: \.flags)!), socket_path: socket, method: method,
                                path: path, content_type: nil, body: pp_bytes(data: nil, size: 0), timeout_ms: 0,
                                flags: UInt32(PP_HTTP_SENT_NOTICE))
                            return host.pointee.http(host, &request, sink, &httpStatus)
                        }
                    }
                }
            }
        }
        service.wait()
        #expect(status == PP_OK && httpStatus == 200)
        #expect(String(decoding: body, as: UTF8.self) == "first" && empty == 0)
    }
}

/// A unix socket service that reads one request on each of up to two connections and, when
/// `holding`, answers the first only after the second has arrived (or after two seconds).
/// Each answer is its request's path without the slash.
private final class HeldService: Sendable {
    private let received = Mutex<[String]>([])
    private let done = DispatchSemaphore(value: 0)

    init(at path: String, holding: Bool = true) throws {
        let listener = try listeningUnixSocket(at: path, backlog: 2)
        let thread = Thread { [self] in
            defer {
                close(listener)
                done.signal()
            }
            let first = accept(listener, nil, nil)
            let firstPath = readRequest(first)
            if holding {
                var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, 2_000) == 1 {
                    let second = accept(listener, nil, nil)
                    let secondPath = readRequest(second)
                    Self.answer(second, secondPath)
                }
            }
            Self.answer(first, firstPath)
        }
        thread.start()
    }

    /// The requests as they arrived: method and path.
    var order: [String] { received.withLock { $0 } }

    func wait() { done.wait() }

    /// Reads a request's head and its body (by Content-Length); returns its path.
    private func readRequest(_ connection: Int32) -> String {
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let head = String(decoding: text, as: UTF8.self)
            if let end = head.range(of: "\r\n\r\n") {
                let length =
                    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if head[end.upperBound...].utf8.count >= length { break }
            }
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            text += buffer[0..<count]
        }
        let line = String(decoding: text, as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = line.split(separator: " ")
        received.withLock { $0.append(parts.prefix(2).joined(separator: " ")) }
        return parts.count > 1 ? String(parts[1]) : ""
    }

    private static func answer(_ connection: Int32, _ path: String) {
        let body = String(path.dropFirst())
        let text = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        _ = text.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        close(connection)
    }
}
