import CaddyL4Rendering
import Foundation
import Testing

/// The pure renderer: output shape and refusals (the real Caddy tests come with the data plane).
@Suite struct CaddyRendererTests {
    private func routes(_ state: String) throws -> [[String: Any]] {
        let config = try JSONSerialization.jsonObject(with: try CaddyRenderer.render(input: Data(state.utf8), settings: Data())) as? [String: Any]
        let server = (((config?["apps"] as? [String: Any])?["http"] as? [String: Any])?["servers"] as? [String: Any])?["posternproxy"] as? [String: Any]
        #expect(server?["listen"] as? [String] == [":80"])
        return server?["routes"] as? [[String: Any]] ?? []
    }

    @Test func rendersAProxyHostAsAHostMatchedReverseProxyRoute() throws {
        let routes = try routes(#"{"proxy_hosts": [{"id": 3, "domain_names": ["a.test"], "forward_scheme": "https", "forward_host": "::1", "forward_port": 8443, "enabled": true}]}"#)
        let route = try #require(routes.first)
        #expect(route["@id"] as? String == "proxy_host_3")
        #expect((route["match"] as? [[String: Any]])?.first?["host"] as? [String] == ["a.test"])
        let handler = try #require((route["handle"] as? [[String: Any]])?.first)
        #expect(handler["handler"] as? String == "reverse_proxy")
        #expect((handler["upstreams"] as? [[String: Any]])?.first?["dial"] as? String == "[::1]:8443")
        #expect((handler["transport"] as? [String: Any])?["tls"] != nil)
    }

    @Test func isDeterministic() throws {
        let state = Data(#"{"proxy_hosts": [{"id": 1, "domain_names": ["b.test", "a.test"], "forward_scheme": "http", "forward_host": "h", "forward_port": 1, "enabled": true}]}"#.utf8)
        #expect(try CaddyRenderer.render(input: state, settings: Data()) == CaddyRenderer.render(input: state, settings: Data()))
    }

    @Test(arguments: [
        (#""domain_names": ["{env.HOME}"], "forward_host": "h", "forward_port": 80, "forward_scheme": "http""#, "domain_names"),
        (#""domain_names": ["a.test"], "forward_host": "{file./etc/passwd}", "forward_port": 80, "forward_scheme": "http""#, "forward_host"),
        (#""domain_names": ["a.test"], "forward_host": "h", "forward_port": 70000, "forward_scheme": "http""#, "forward_port"),
        (#""domain_names": ["a.test"], "forward_host": "h", "forward_port": 80, "forward_scheme": "gopher""#, "forward_scheme"),
    ])
    func refusesHostileFieldsNamingThem(fields: String, field: String) {
        let state = Data(#"{"proxy_hosts": [{"id": 9, "enabled": true, \#(fields)}]}"#.utf8)
        do {
            _ = try CaddyRenderer.render(input: state, settings: Data())
            Issue.record("rendered a hostile \(field)")
        } catch let error as RenderingError {
            #expect(error.resource == "proxy_host 9")
            #expect(error.field == field)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
