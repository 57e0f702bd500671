import Foundation
import Testing

/// Hostile values in every kind of text field, on create and on update: each answered with a 4xx
/// naming the field, and nothing stored.
@Suite(.serialized) struct HostileInputTests {
    /// (resource path, field as sent, the field the error names, hostile values).
    static let cases: [(path: String, field: String, named: String, values: [String])] = [
        (
            "proxy-hosts", "domain_names", "domain_names[0]",
            [
                "a.test; rm -rf /", "a.test\r\nX-Injected: 1", "a.test\u{0}b", "{env.HOME}.test", "{file./etc/passwd}", "../../etc/passwd",
                String(repeating: "a", count: 64) + ".test", String(repeating: "abcdefghij.", count: 26) + "test", "a..test", "-a.test",
                "*.*.test", "a*.test", "' OR 1=1 --", "a.test/../x", "$(id).test", "`id`.test", "",
            ]
        ),
        (
            "proxy-hosts", "forward_host", "forward_host",
            ["10.0.0.1; id", "host name", "h\r\nx", "{http.request.header.X}", "169.254.169.254", "[::1]:81", "x\u{0}"]
        ),
        ("proxy-hosts", "forward_scheme", "forward_scheme", ["gopher", "http://"]),
        ("redirection-hosts", "forward_domain_name", "forward_domain_name", ["evil.test{uri}", "a.test\r\nSet-Cookie: x=y", "a b.test"]),
        ("access-lists", "name", "name", ["office\r\nX: y", "{env.SECRET}", String(repeating: "x", count: 300), "nul\u{0}"]),
        ("servers", "hostname", "hostname", ["-oProxyCommand=touch /tmp/x", "1.2.3.4; id", "host name", "$(reboot)"]),
        ("servers", "name", "name", ["edge\nsecond line", "{env.HOME}"]),
    ]

    static let bases: [String: String] = [
        "proxy-hosts": #"{"domain_names": ["base.test"], "forward_host": "10.0.0.1", "forward_port": 80}"#,
        "redirection-hosts": #"{"domain_names": ["redirect.test"], "forward_domain_name": "target.test"}"#,
        "access-lists": #"{"name": "base"}"#,
        "servers": #"{"name": "edge", "hostname": "10.9.9.9"}"#,
    ]

    private func body(_ path: String, field: String, value: Any) -> [String: Any] {
        var body = ResourceSample.json(Self.bases[path]!)
        body[field] = field == "domain_names" ? [value] : value
        return body
    }

    private func snapshot(_ client: APIClient) async throws -> String {
        var parts: [String] = []
        for path in ["proxy-hosts", "redirection-hosts", "access-lists", "servers"] {
            parts.append(describeValue(try await client.get("/api/\(path)").object))
        }
        return parts.joined(separator: "\n")
    }

    @Test func hostileValuesAreRefusedNamingTheFieldOnCreateAndUpdate() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        var existing: [String: Int64] = [:]
        for (path, base) in Self.bases {
            existing[path] = try await client.post("/api/\(path)", ResourceSample.json(base)).id
        }
        let before = try await snapshot(client)
        for testCase in Self.cases {
            for value in testCase.values {
                var creating = body(testCase.path, field: testCase.field, value: value)
                if testCase.path == "servers" && testCase.field != "name" { creating["name"] = "another" }
                if testCase.path == "proxy-hosts" && testCase.field != "domain_names" { creating["domain_names"] = ["other.test"] }
                if testCase.path == "redirection-hosts" { creating["domain_names"] = ["other-redirect.test"] }
                let created = try await client.post("/api/\(testCase.path)", creating)
                #expect(created.status == 400, "create \(testCase.path) \(testCase.field)=\(value.debugDescription): \(created.status)")
                #expect(
                    created.errorField == testCase.named, "create \(testCase.field)=\(value.debugDescription) named \(created.errorField ?? "nil")")
                let updateField: [String: Any] = [testCase.field: testCase.field == "domain_names" ? [value] : value]
                let updated = try await client.put("/api/\(testCase.path)/\(existing[testCase.path]!)", updateField)
                #expect(updated.status == 400, "update \(testCase.path) \(testCase.field)=\(value.debugDescription): \(updated.status)")
                #expect(updated.errorField == testCase.named)
            }
        }
        #expect(try await snapshot(client) == before, "nothing was stored")
    }

    @Test(arguments: [
        (#"{"domain_names": "a.test", "forward_host": "h.test", "forward_port": 80}"#, "domain_names"),
        (#"{"domain_names": ["a.test"], "forward_host": 42, "forward_port": 80}"#, "forward_host"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": "80"}"#, "forward_port"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80.5}"#, "forward_port"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 0}"#, "forward_port"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 70000}"#, "forward_port"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "enabled": "yes"}"#, "enabled"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "server_id": "1"}"#, "server_id"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "owner_user_id": 5}"#, "owner_user_id"),
        (#"{"domain_names": ["a.test"], "forward_port": 80}"#, "forward_host"),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "headers": [{"direction": "request", "action": "set", "name": "X-A", "value": "{env.HOME}"}]}"#,
            "headers[0].value"
        ),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "headers": [{"direction": "request", "action": "set", "name": "X A", "value": "v"}]}"#,
            "headers[0].name"
        ),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "locations": [{"path": "../etc", "forward_scheme": "http", "forward_host": "h", "forward_port": 1}]}"#,
            "locations[0].path"
        ),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "locations": [{"path": "/a", "forward_scheme": "http", "forward_host": "h", "forward_port": 1, "headers": [{"direction": "request", "action": "set", "name": "X-A", "value": "{http.request.header.Cookie}"}]}]}"#,
            "locations[0].headers[0].value"
        ),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "locations": [{"path": "/a", "forward_scheme": "http", "forward_host": "h", "forward_port": 1, "advanced_config": [{"handle": [{"handler": "file_server", "root": "/"}]}]}]}"#,
            "locations[0].advanced_config[0].handle[0]"
        ),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "locations": [{"path": "/a", "forward_scheme": "http", "forward_host": "h", "forward_port": 1, "forward_path": "/{env.HOME}"}]}"#,
            "locations[0].forward_path"
        ),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "upstreams": [{"host": "h", "port": 1, "weight": 0}]}"#,
            "upstreams[0].weight"
        ),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "forward_weight": 101}"#, "forward_weight"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "error_pages": {"500": "<p>x</p>"}}"#, "error_pages.500"),
        (#"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "load_balancing": "sticky"}"#, "load_balancing"),
        // A misspelled member inside a list or an object is refused by its path, not ignored.
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "locations": [{"path": "/a", "forward_scheme": "http", "forward_host": "h", "forward_port": 1, "wieght": 2}]}"#,
            "locations[0].wieght"
        ),
        (
            #"{"domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80, "rate_limit": {"requests": 5, "window_seconds": 60, "burst": 3}}"#,
            "rate_limit.burst"
        ),
    ])
    func wrongTypesAndMissingFieldsNameTheField(json: String, field: String) async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let answer = try await client.send("POST", "/api/proxy-hosts", raw: Data(json.utf8))
        #expect(answer.status == 400, "\(String(decoding: answer.body, as: UTF8.self))")
        #expect(answer.errorField == field, "\(String(decoding: answer.body, as: UTF8.self))")
        #expect(try await client.get("/api/proxy-hosts").object["total"] as? Int == 0)
    }

    @Test func referencesToMissingResourcesAre404NamingTheField() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let base: [String: Any] = ["domain_names": ["a.test"], "forward_host": "h.test", "forward_port": 80]
        for (field, value) in [("server_id", 999), ("certificate_id", 5), ("access_list_id", 7)] {
            let answer = try await client.post("/api/proxy-hosts", base.merging([field: value]) { $1 })
            #expect(answer.status == 404 && answer.errorField == field, "\(field)")
        }
        #expect(try await client.get("/api/proxy-hosts").object["total"] as? Int == 0)
    }

    @Test func badCIDRsAndOversizedOrMalformedBodiesAreRefused() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        for address in ["10.0.0.0/33", "300.1.1.1", "10.0.0.0/", "fe80::/129", "10.0.0.1/8; drop table users", "any"] {
            let answer = try await client.post("/api/access-lists", ["name": "x", "clients": [["address": address, "directive": "allow"]]])
            #expect(answer.status == 400 && answer.errorField == "clients[0].address", "\(address)")
        }
        let huge = Data(#"{"name": ""#.utf8) + Data(repeating: UInt8(ascii: "a"), count: 2 << 20) + Data(#""}"#.utf8)
        #expect(try await client.send("POST", "/api/access-lists", raw: huge).status == 413)
        #expect(try await client.send("POST", "/api/access-lists", raw: Data("not json".utf8)).status == 400)
        #expect(try await client.send("POST", "/api/access-lists", raw: Data("[1, 2]".utf8)).status == 400)
        #expect(try await client.get("/api/access-lists?page=0").errorField == "page")
        #expect(try await client.get("/api/access-lists?limit=abc").errorField == "limit")
        #expect(try await client.get("/api/access-lists").object["total"] as? Int == 0)
    }

    @Test func reservedUpstreamsNeedAnAdminsExplicitPermission() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let toController = ["domain_names": ["loop.test"], "forward_host": "127.0.0.1", "forward_port": controller.port] as [String: Any]
        #expect(try await client.post("/api/proxy-hosts", toController).errorField == "forward_host")
        #expect(
            try await client.post("/api/proxy-hosts", ["domain_names": ["meta.test"], "forward_host": "169.254.169.254", "forward_port": 80])
                .errorField == "forward_host")
        #expect(
            try await client.post("/api/proxy-hosts", ["domain_names": ["admin.test"], "forward_host": "localhost", "forward_port": 2019]).errorField
                == "forward_host")
        var allowed = toController
        allowed["allow_reserved_upstream"] = true
        #expect(try await client.post("/api/proxy-hosts", allowed).status == 201)
    }
}
