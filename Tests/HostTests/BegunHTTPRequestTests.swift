import Foundation
import Glibc
import PluginAPI
import PluginKit
import Synchronization
import Testing
import TestSupport

@testable import Host

/// `pp_host.http_begin` and `http_answer` (ABI 1.3): a request sent in one call of a step and
/// answered in a later one, held by the host in between and closed by it when the step is over.
@Suite struct BegunHTTPRequestTests {
    /// The plan sends the request and goes on while the service has not answered; the apply,
    /// another call of the same step, reads the answer; it is answered once.
    @Test func aRequestBegunInOneCallIsAnsweredInTheNextOfTheSameStep() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let service = try HeldAnswerService(at: folder.path + "/s.sock")
        let step = BegunHTTPRequests()
        let target = LocalTarget(root: folder.path)

        let id = try #require(
            try Self.call(target, .observe, step) { proxy in
                let begun = try proxy.begin(socket: "/s.sock", path: "/metrics?x=1").get()
                // Sent, and not answered: the service answers only when told to.
                #expect(service.received.wait(timeout: .now() + 5) == .success)
                return begun
            })
        #expect(step.count == 1)
        service.release.signal()
        let (status, httpStatus, body) = try Self.call(target, .effects, step) { proxy in
            var body: [UInt8] = []
            let answer = proxy.answer(id) { piece in
                body += piece
                return true
            }
            return (answer.status, answer.httpStatus, body)
        }
        #expect(status == PP_OK && httpStatus == 200 && String(decoding: body, as: UTF8.self) == "hello")
        #expect(service.requestLine == "GET /metrics?x=1 HTTP/1.1")
        #expect(step.count == 0)
        let again = try Self.call(target, .effects, step) { proxy in proxy.answer(id) { _ in true }.status }
        #expect(again == PP_NOT_FOUND)
    }

    /// Another step (another holder) cannot read a request, even one holding requests of its
    /// own, whose numbers are never the same; those left unread are closed when the step's
    /// holder closes them, and the service sees its connection end.
    @Test func anotherStepCannotReadItAndTheStepsEndClosesIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let service = try HeldAnswerService(at: folder.path + "/s.sock")
        let otherService = try HeldAnswerService(at: folder.path + "/other.sock")
        let step = BegunHTTPRequests()
        let target = LocalTarget(root: folder.path)
        let id = try Self.call(target, .observe, step) { proxy in try proxy.begin(socket: "/s.sock", path: "/config/").get() }
        #expect(service.received.wait(timeout: .now() + 5) == .success)

        let otherStep = BegunHTTPRequests()
        let (otherID, elsewhere) = try Self.call(target, .effects, otherStep) { proxy in
            let own = try proxy.begin(socket: "/other.sock", path: "/").get()
            return (own, proxy.answer(id) { _ in true }.status)
        }
        #expect(otherID != id && otherStep.count == 1)
        #expect(elsewhere == PP_NOT_FOUND)
        otherStep.closeAll()
        #expect(otherService.closed.wait(timeout: .now() + 5) == .success)
        step.closeAll()
        #expect(service.closed.wait(timeout: .now() + 5) == .success)
    }

    /// What http() may not send in a phase, http_begin() may not either: a POST while planning
    /// is denied and recorded; a socket nobody listens on fails.
    @Test func beginIsGrantedAsHTTPIs() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let services = HostServices(
            grants: .observe, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        let (post, missing) = services.withCHost { host in
            let proxy = HostProxy(host)
            var id: UInt64 = 0
            let post = "/s.sock".withCString { socket in
                "POST".withCString { method in
                    "/load".withCString { path in
                        var request = pp_http_request(
                            struct_size: UInt32(MemoryLayout<pp_http_request>.size), socket_path: socket, method: method, path: path,
                            content_type: nil, body: pp_bytes(data: nil, size: 0), timeout_ms: 0)
                        return host.pointee.http_begin(host, &request, &id)
                    }
                }
            }
            return (post, proxy.begin(socket: "/nobody.sock", path: "/"))
        }
        #expect(post == PP_DENIED && services.deniedRequests.count == 1)
        #expect(missing == .failure(HostStatus(PP_FAILED)))
    }

    /// Runs `body` as one plugin call of a step whose begun requests `step` holds.
    private static func call<Result>(
        _ target: LocalTarget, _ grants: Grants, _ step: BegunHTTPRequests, _ body: (HostProxy) throws -> Result
    ) throws -> Result {
        let services = HostServices(
            grants: grants, target: target, isCancelled: { false }, begunRequests: step, onLog: { _ in }, onProgress: { _ in })
        let result = services.withCHost { host in Swift.Result { try body(HostProxy(host)) } }
        return try result.get()
    }
}

/// A unix socket service that takes one connection, reads its request's head, and answers
/// `hello` once `release` is signalled, or notices the connection closed unanswered.
private final class HeldAnswerService: Sendable {
    let received = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let closed = DispatchSemaphore(value: 0)
    private let line = Mutex("")

    var requestLine: String { line.withLock { $0 } }

    init(at path: String) throws {
        let listener = try listeningUnixSocket(at: path)
        let thread = Thread { [self] in
            defer { close(listener) }
            let connection = accept(listener, nil, nil)
            defer { close(connection) }
            var text: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: text, as: UTF8.self).contains("\r\n\r\n") {
                let count = recv(connection, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                text += buffer[0..<count]
            }
            line.withLock { $0 = String(decoding: text, as: UTF8.self).components(separatedBy: "\r\n")[0] }
            received.signal()
            // Answered when released; a connection closed first ends the wait.
            var ready = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            while release.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
                if poll(&ready, 1, 0) == 1, recv(connection, &buffer, buffer.count, 0) == 0 {
                    closed.signal()
                    return
                }
            }
            let answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
            _ = answer.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        }
        thread.start()
    }
}
