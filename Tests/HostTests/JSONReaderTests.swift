import CaddyL4Rendering
import JSONCore
import Testing

/// Any JSON value, rebuilt through the reader's member and element steps (numbers parsed whole):
/// whatever the reader accepts this way must be exactly what the parser makes of the text.
struct StreamedJSON: JSONStreamReadable {
    var value: JSON

    init(from reader: inout JSONReader) throws(JSONReadError) {
        switch reader.nextByte {
        case UInt8(ascii: "{"):
            try reader.enterObject()
            var members: [(String, JSON)] = []
            while let name = try reader.nextMember() { members.append((name.string, try reader.required(name, StreamedJSON.self).value)) }
            value = .object(members)
        case UInt8(ascii: "["):
            try reader.enterList()
            var items: [JSON] = []
            while try reader.nextElement() { items.append(try StreamedJSON(from: &reader).value) }
            value = .array(items)
        case UInt8(ascii: "\""): value = .string(try reader.string())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): value = .bool(try reader.bool())
        case UInt8(ascii: "n"):
            guard try reader.readNull() else { throw JSONReadError(problem: "not null") }
            value = .null
        default: value = try reader.value()
        }
    }
}

@Suite struct JSONReaderTests {
    /// Documents around every step the reader takes: whitespace, empty and nested containers,
    /// escaped names, numbers of each kind, and text that is not JSON.
    static let documents = [
        #"{}"#, #" { } "#, #"[]"#, #"[ ]"#, #"{"a":1}"#, "{\n\t\"a\" : [ 1 , 2 ] ,\r\"b\":{}}", #"[[],[[]],{}]"#,
        #"{"a\u0062":"x\"y","":null}"#, #"{"é":"ü"}"#, #"[1,-2,3.5,1e3,2.0,-0]"#, #"[true,false,null]"#, #""text""#, #"12"#,
        #"{"a":1,}"#, #"[1,]"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, #"[1 2]"#, #"{1:2}"#, #"{"a":1}x"#, #"[tru]"#, #"{"a":nul}"#,
        #"[01]"#, "[\"\u{01}\"]", #"{"a\"#, #"["#, #"{"#, #"{"a":"#, "", #"[1e999]"#, #"{"\ud800":1}"#,
        String(repeating: "[", count: 256) + String(repeating: "]", count: 256),
        String(repeating: "[", count: 257) + String(repeating: "]", count: 257),
    ]

    @Test(arguments: documents)
    func readsWhatTheParserReadsAndRefusesWhatItRefuses(_ document: String) {
        let parsed = Result { () throws(JSONReadError) in try JSONParser.parse(Array(document.utf8)) }
        let streamed = Result { () throws(JSONReadError) in try JSONReader.read(StreamedJSON.self, from: Array(document.utf8)).value }
        switch (parsed, streamed) {
        case (.success(let parsed), .success(let streamed)): #expect(parsed == streamed, "\(document)")
        case (.failure(let parsed), .failure(let streamed)):
            // Refused at the same byte, when the text is not JSON.
            #expect(parsed.offset == streamed.offset, "\(document): \(parsed) / \(streamed)")
        default: Issue.record("\(document): parsed \(parsed), streamed \(streamed)")
        }
    }

    @Test func readsEveryMemberOfAProxyHostAndTheDefaultsOfAbsentOrNullOnes() throws {
        let full = #"""
            {"id":7,"enabled":false,"domain_names":["a.example.test","b.example.test"],"forward_scheme":"https","forward_host":"203.0.113.5",
            "forward_port":8443,"forward_weight":3,"upstreams":[{"host":"203.0.113.6","port":81,"weight":2}],"load_balancing":"least_conn",
            "allow_websocket_upgrade":false,"block_exploits":true,"access_log":true,"caching_enabled":true,"tls_passthrough":true,
            "certificate_id":4,"ssl_forced":true,"hsts_enabled":true,"hsts_subdomains":true,"http2_support":false,"http3_support":false,
            "locations":[{"path":"/api","forward_scheme":"http","forward_host":"203.0.113.7","forward_port":9000}],
            "health_check":{"active_enabled":true,"path":"/up","interval_seconds":5,"timeout_seconds":2,"expect_status":204,
            "passive_enabled":true,"fail_duration_seconds":9,"max_fails":4,"unhealthy_latency_ms":300},"access_list_id":2,
            "rate_limit":{"requests":10,"window_seconds":60},"error_pages":{"404":"<p>gone</p>"},
            "headers":[{"direction":"response","action":"set","name":"X-A","value":"1"}],"advanced_config":[{"b":1,"a":2}],
            "allow_reserved_upstream":true,"some_later_member":{"x":[1]}}
            """#
        let host = try JSONReader.read(ProxyHost.self, from: Array(full.utf8))
        #expect(host.id == 7 && !host.enabled && host.domainNames == ["a.example.test", "b.example.test"])
        #expect(host.forwardScheme == "https" && host.forwardHost == "203.0.113.5" && host.forwardPort == 8443 && host.forwardWeight == 3)
        #expect(host.upstreams.map(\.host) == ["203.0.113.6"] && host.upstreams[0].weight == 2 && host.loadBalancing == "least_conn")
        #expect(!host.allowWebsocketUpgrade && host.blockExploits && host.accessLog && host.cachingEnabled && host.tlsPassthrough)
        #expect(host.certificateId == 4 && host.sslForced && host.hstsEnabled && host.hstsSubdomains && !host.http2Support && !host.http3Support)
        #expect(host.locations.map(\.path) == ["/api"] && host.accessListId == 2 && host.rateLimit?.windowSeconds == 60)
        let check = host.healthCheck
        #expect(check.activeEnabled && check.path == "/up" && check.intervalSeconds == 5 && check.timeoutSeconds == 2 && check.expectStatus == 204)
        #expect(check.passiveEnabled && check.failDurationSeconds == 9 && check.maxFails == 4 && check.unhealthyLatencyMs == 300)
        #expect(host.errorPages == ["404": "<p>gone</p>"] && host.headers.map(\.name) == ["X-A"] && host.allowReservedUpstream)
        #expect(host.advancedConfig == JSON.array([.object([("b", .int(1)), ("a", .int(2))])]).canonical())

        let nulls = #"""
            {"id":1,"domain_names":["c.example.test"],"forward_host":"203.0.113.5","forward_port":80,"enabled":null,"forward_scheme":null,
            "forward_weight":null,"upstreams":null,"load_balancing":null,"allow_websocket_upgrade":null,"certificate_id":null,
            "http2_support":null,"health_check":{"path":null,"max_fails":null},"error_pages":null,"headers":null,"advanced_config":null}
            """#
        let absent = #"{"id":1,"domain_names":["c.example.test"],"forward_host":"203.0.113.5","forward_port":80}"#
        let defaulted = try JSONReader.read(ProxyHost.self, from: Array(nulls.utf8))
        #expect(defaulted == (try JSONReader.read(ProxyHost.self, from: Array(absent.utf8))))
        #expect(defaulted.enabled && defaulted.forwardScheme == "http" && defaulted.forwardWeight == 1 && defaulted.loadBalancing == "round_robin")
        #expect(defaulted.allowWebsocketUpgrade && defaulted.http2Support && defaulted.healthCheck == ProxyHost.HealthCheck())
        #expect(defaulted.certificateId == nil && defaulted.advancedConfig == nil && defaulted.errorPages.isEmpty)
    }

    @Test func aNameGivenTwiceCountsTheLastTimeAndEscapedNamesAreTheirCharacters() throws {
        let text =
            #"{"id":1,"domain_names":["a.example.test"],"forward_host":"203.0.113.5","forward_port":80,"forward\u005fport":81,"enabled":false,"enabled":true}"#
        let host = try JSONReader.read(ProxyHost.self, from: Array(text.utf8))
        #expect(host.forwardPort == 81 && host.enabled)
    }

    /// A bad value is named by its path, as the desired state's reader reports it.
    @Test(arguments: [
        (
            #"{"proxy_hosts":[{"id":1,"domain_names":["a.example.test"],"forward_host":"h","forward_port":"80"}]}"#,
            "proxy_hosts[0].forward_port: expected a number"
        ),
        (
            #"{"proxy_hosts":[{"id":1,"domain_names":["a.example.test"],"forward_host":"h","forward_port":8.5}]}"#,
            "proxy_hosts[0].forward_port: expected a number"
        ),
        (#"{"proxy_hosts":[{"id":1,"domain_names":["a.example.test"],"forward_port":80}]}"#, "proxy_hosts[0].forward_host: missing"),
        (
            #"{"proxy_hosts":[{"id":1,"domain_names":null,"forward_host":"h","forward_port":80}]}"#,
            "proxy_hosts[0].domain_names: expected a list, found null"
        ),
        (
            #"{"proxy_hosts":[{"id":1,"domain_names":["a",2],"forward_host":"h","forward_port":80}]}"#,
            "proxy_hosts[0].domain_names[1]: expected a string"
        ),
        (
            #"{"proxy_hosts":[{"id":1,"domain_names":["a"],"forward_host":"h","forward_port":80,"health_check":{"max_fails":"3"}}]}"#,
            "proxy_hosts[0].health_check.max_fails: expected a number"
        ),
        (
            #"{"proxy_hosts":[{"id":1,"domain_names":["a"],"forward_host":"h","forward_port":80,"ssl_forced":1}]}"#,
            "proxy_hosts[0].ssl_forced: expected true or false"
        ),
        (
            #"{"proxy_hosts":[{"id":1,"domain_names":["a"],"forward_host":"h","forward_port":80,"error_pages":{"404":5}}]}"#,
            "proxy_hosts[0].error_pages.404: expected a string"
        ),
        (#"{"proxy_hosts":[7]}"#, "proxy_hosts[0]: expected an object"),
        (#"{"proxy_hosts":{}}"#, "proxy_hosts: expected a list"),
        (#"{"settings":{"default_site":4}}"#, "settings.default_site: expected a string"),
    ])
    func aBadValueIsNamedByItsPath(_ text: String, _ problem: String) {
        #expect(throws: (any Error).self) { try DesiredState.reading(Array(text.utf8)) }
        do {
            _ = try DesiredState.reading(Array(text.utf8))
        } catch {
            #expect("\(error)" == "desired state: \(problem)")
        }
    }

    /// A member the reader does not know is still checked as JSON, so a state that is not JSON
    /// is refused wherever the fault is.
    @Test func anUnknownMemberIsCheckedAsJSON() {
        let text = #"{"proxy_hosts":[{"id":1,"domain_names":["a"],"forward_host":"h","forward_port":80,"later":[tru]}]}"#
        #expect(throws: (any Error).self) { try DesiredState.reading(Array(text.utf8)) }
        #expect(throws: (any Error).self) { try DesiredState.reading(Array(#"{"revision":1,"x":{"a" 1}}"#.utf8)) }
    }

    /// A leading member is read where it lies: the members before it are stepped over, and what
    /// comes after it (here a value that is not JSON) is not read at all.
    @Test func aLeadingMemberIsReadWithoutReadingWhatFollowsIt() throws {
        let text = Array(#"{"tag":"t1","skipped":{"a":[1,2,"]"]},"wanted":{"x":"1","y":null},"after":[tru"#.utf8)
        let wanted = try #require(try JSONReader.leadingMember("wanted", of: text, as: StreamedJSON.self))
        #expect(wanted.value == .object([("x", .string("1")), ("y", .null)]))
        #expect(try JSONReader.leadingMember("tag", of: text, as: String.self) == "t1")
        #expect(try JSONReader.leadingMember("absent", of: Array(#"{"a":1,"b":[2]}"#.utf8), as: Int.self) == nil)
        #expect(try JSONReader.leadingMember("a", of: Array("{}".utf8), as: Int.self) == nil)
    }

    /// A leading member of the wrong kind is refused at its path; text that is not an object is refused.
    @Test func aLeadingMemberOfTheWrongKindIsRefusedAtItsPath() {
        do {
            _ = try JSONReader.leadingMember("n", of: Array(#"{"n":"five"}"#.utf8), as: Int.self)
            Issue.record("a string read as a number")
        } catch {
            #expect(error.path == [.key("n")])
        }
        #expect(throws: JSONReadError.self) { try JSONReader.leadingMember("n", of: Array("[1]".utf8), as: Int.self) }
        #expect(throws: JSONReadError.self) { try JSONReader.leadingMember("n", of: Array(#"{"a":[1,"n":2}"#.utf8), as: Int.self) }
    }
}
