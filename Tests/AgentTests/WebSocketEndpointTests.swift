import Foundation
import Testing

@testable import PosternProxyAgent

/// The controller's URL as the agent dials it: taken apart without Foundation's `URL`, and
/// agreeing with it on every URL the agent accepts.
struct WebSocketEndpointTests {
    @Test(
        arguments: [
            ("ws://controller.example.test:81/agent/ws", false, "controller.example.test", 81, "/agent/ws"),
            ("wss://controller.example.test/agent/ws", true, "controller.example.test", nil, "/agent/ws"),
            ("ws://10.0.0.1", false, "10.0.0.1", nil, "/"),
            ("ws://[::1]:8081/agent/ws?x=1", false, "::1", 8081, "/agent/ws"),
            ("wss://[fd00::2]/a#b", true, "fd00::2", nil, "/a"),
        ] as [(String, Bool, String, Int?, String)])
    func aURLIsTakenApartAsFoundationDoes(url: String, secure: Bool, host: String, port: Int?, path: String) throws {
        let endpoint = try #require(WebSocketEndpoint(url))
        #expect(endpoint.isSecure == secure && endpoint.host == host && endpoint.port == port && endpoint.path == path, "\(endpoint)")
        let foundation = try #require(URL(string: url))
        #expect(foundation.host(percentEncoded: false) == endpoint.host)
        #expect(foundation.port == endpoint.port)
        #expect((foundation.path.isEmpty ? "/" : foundation.path) == endpoint.path)
    }

    @Test(arguments: [
        "http://controller:81", "controller:81", "ws://", "ws://:81/x", "ws://user@controller/x", "ws://controller:0",
        "ws://controller:65536", "ws://controller:8a", "ws://controller:/x", "ws://[::1/x", "ws://[::1]x", "ws://contr oller/",
        "ws://controller:+81",
    ])
    func whatIsNotAWebSocketURLIsRefused(url: String) {
        #expect(WebSocketEndpoint(url) == nil)
    }
}
