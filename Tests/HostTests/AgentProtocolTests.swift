import Foundation
import Host
import JSONCore
import TestSupport
import Testing

/// The agent protocol's messages: what each side sends reads back the same, and anything
/// malformed is a violation naming what is wrong — never a crash, never a partial message.
struct AgentProtocolTests {
    @Test func everyAgentMessageReadsBackTheSame() throws {
        let messages: [AgentMessage] = [
            .hello(.init(agentVersion: "0.1.0", caddyVersion: "v2.11.1", caddyModules: ["http", "layer4"], appliedRevision: 7, appliedHash: "ab12")),
            .hello(.init(agentVersion: "0.1.0", caddyVersion: nil, caddyModules: [], appliedRevision: 0, appliedHash: nil)),
            .hello(.init(agentVersion: "0.2.0", caddyVersion: nil, caddyModules: [], appliedRevision: 3, appliedHash: "0f", takesPatches: true)),
            .stateRequest(revision: 12),
            .heartbeat(appliedRevision: 3),
            .applyResult(
                .init(
                    revision: 4, hash: "ff", succeeded: false, message: "caddy down",
                    resources: ["proxy_host_1": .init(status: .failed, message: "bad"), "proxy_host_2": .init(status: .applied, message: nil)])),
            .status(.init(caddyRunning: true, upstreams: [.init(address: "127.0.0.1:8001", requests: 2, fails: 1)])),
            .status(
                .init(
                    caddyRunning: true, upstreams: [],
                    certificates: [
                        .init(domain: "a.test", state: .issued, message: nil, at: 1_796_000_000),
                        .init(domain: "b.test", state: .failed, message: "urn:ietf:params:acme:error:rejectedIdentifier", at: 1_796_000_001),
                    ])),
            .status(
                .init(
                    caddyRunning: true, upstreams: [],
                    traffic: .init(
                        hosts: [
                            .init(
                                host: "a.test", requests: [0, 5, 1, 2, 3], bytesIn: 100, bytesOut: 1 << 40,
                                latency: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0]),
                            .init(host: "b.test:8080", requests: [1, 0, 0, 0, 0], bytesIn: 0, bytesOut: 0, latency: Array(repeating: 0, count: 12)),
                        ], unattributed: 9))),
            .accessLog(.init(requestID: 4, lines: [["uri": "/a", "status": 200]], found: true)),
            .accessLog(.init(requestID: 5, lines: [], found: false, error: "no log")),
            .pluginRequest(sha256: String(repeating: "ab", count: 32)),
            .applyResult(
                .init(
                    revision: 5, hash: "ee", succeeded: true, message: nil, resources: [:],
                    steps: ["posternproxy.caddy: applied 1 change(s)", "com.example.motd: already right"])),
        ]
        for message in messages { #expect(try AgentMessage.decode(message.encoded()) == message) }
    }

    /// Plugin files travel by their SHA-256: a request or answer naming anything else is refused.
    @Test func pluginFilesAreAskedForAndSentByTheirDigest() throws {
        let digest = String(repeating: "0f", count: 32)
        for file in [
            ControllerMessage.PluginFile(sha256: digest, bytes: [0x7f, 0x45, 0x4c, 0x46, 0, 255], signature: "c2ln"),
            ControllerMessage.PluginFile(sha256: digest, bytes: [], error: "this server's pipeline names no plugin with that SHA-256"),
        ] {
            #expect(try ControllerMessage.decode(ControllerMessage.plugin(file).encoded()) == .plugin(file))
        }
        for bad in ["../../etc/passwd", String(repeating: "A", count: 64), String(repeating: "a", count: 63)] {
            #expect(throws: ProtocolViolation.self, "\(bad)") {
                try AgentMessage.decode(JSON.object([("type", "plugin_request"), ("v", 1), ("sha256", .string(bad))]).serialized())
            }
            #expect(throws: ProtocolViolation.self, "\(bad)") {
                try ControllerMessage.decode(JSON.object([("type", "plugin"), ("v", 1), ("sha256", .string(bad)), ("bytes", "")]).serialized())
            }
        }
        #expect(throws: ProtocolViolation.self) {
            try ControllerMessage.decode(
                JSON.object([("type", "plugin"), ("v", 1), ("sha256", .string(digest)), ("bytes", "not base64!")]).serialized())
        }
    }

    @Test func controllerMessagesReadBackTheSame() throws {
        let state = Array(#"{"proxy_hosts":[{"id":1,"domain_names":["a.test"]}],"server_id":2}"#.utf8)
        for welcome in [
            ControllerMessage.welcome(.init(serverID: 2, heartbeatSeconds: 5)),
            ControllerMessage.welcome(
                .init(
                    serverID: 2, heartbeatSeconds: 5, ticket: "ppt_2_0123456789abcdef_1796096935_" + String(repeating: "a", count: 32),
                    reconnectWindowSeconds: 42)),
        ] {
            #expect(try ControllerMessage.decode(welcome.encoded()) == welcome)
        }
        for window in [-1, 3601] {
            #expect(throws: ProtocolViolation.self, "\(window)") {
                try ControllerMessage.decode(
                    JSON.object([
                        ("type", "welcome"), ("v", 1), ("server_id", 2), ("heartbeat_seconds", 5), ("reconnect_window_seconds", .int(window)),
                    ])
                    .serialized())
            }
        }
        for ticket in ["with space", "line\nbreak", String(repeating: "x", count: 129)] {
            #expect(throws: ProtocolViolation.self, "\(ticket)") {
                try ControllerMessage.decode(
                    JSON.object([("type", "welcome"), ("v", 1), ("server_id", 2), ("heartbeat_seconds", 5), ("ticket", .string(ticket))]).serialized()
                )
            }
        }
        for query in [AccessLogQuery(hostID: 3), AccessLogQuery(hostID: 3, limit: 1000, status: "4xx", method: "GET", path: "/{a}\"", client: "::1")]
        {
            let request = ControllerMessage.accessLogRequest(requestID: 7, query: query)
            #expect(try ControllerMessage.decode(request.encoded()) == request)
        }
        #expect(throws: ProtocolViolation.self) {
            try ControllerMessage.decode(Array(#"{"type":"access_log_request","v":1,"request_id":1,"query":{"host_id":1,"limit":5000}}"#.utf8))
        }
        guard
            case .desiredState(let decoded) = try ControllerMessage.decode(
                ControllerMessage.desiredState(.init(revision: 9, hash: "0a", state: state)).encoded())
        else {
            Issue.record("not a desired state")
            return
        }
        #expect(decoded.revision == 9)
        #expect(decoded.hash == "0a")
        #expect(
            try JSONSerialization.jsonObject(with: Data(decoded.state)) as? NSDictionary == JSONSerialization.jsonObject(with: Data(state))
                as? NSDictionary)
    }

    @Test(arguments: [
        ("", "not JSON"),
        ("[1,2]", "not a JSON object"),
        (#"{"v":1}"#, "no type"),
        (#"{"type":"heartbeat","applied_revision":1}"#, "protocol version"),
        (#"{"type":"heartbeat","v":2,"applied_revision":1}"#, "protocol version"),
        (#"{"type":"heartbeat","v":true,"applied_revision":1}"#, "protocol version"),
        (#"{"type":"heartbeat","v":1,"applied_revision":-1}"#, "heartbeat.applied_revision"),
        (#"{"type":"heartbeat","v":1,"applied_revision":1.5}"#, "heartbeat.applied_revision must be a non-negative integer"),
        (#"{"type":"heartbeat","v":1,"applied_revision":"1"}"#, "heartbeat.applied_revision"),
        (#"{"type":"heartbeat","v":1,"applied_revision":true}"#, "heartbeat.applied_revision"),
        (#"{"type":"hello","v":1,"applied_revision":0}"#, "hello.agent_version is missing"),
        (#"{"type":"hello","v":1,"agent_version":"x","applied_revision":0,"caddy_modules":"http"}"#, "hello.caddy_modules"),
        (
            #"{"type":"apply_result","v":1,"revision":1,"hash":"a","succeeded":true,"resources":{"proxy_host_1":{"status":"rm -rf"}}}"#,
            "apply_result.resources"
        ),
        (#"{"type":"apply_result","v":1,"revision":1,"hash":"a","succeeded":1,"resources":{}}"#, "apply_result.succeeded"),
        (#"{"type":"status","v":1,"caddy_running":true,"upstreams":[{"address":"a"}]}"#, "status.upstreams.requests"),
        (
            #"{"type":"status","v":1,"caddy_running":true,"upstreams":[],"certificates":[{"domain":"a.test","state":"$(id)","at":1}]}"#,
            "status.certificates.state must be"
        ),
        (
            #"{"type":"status","v":1,"caddy_running":true,"upstreams":[],"certificates":[{"domain":"a.test","state":"issued"}]}"#,
            "status.certificates.at"
        ),
        (#"{"type":"status","v":1,"caddy_running":true,"upstreams":[],"certificates":{"a.test":"issued"}}"#, "status.certificates must be a list"),
        (#"{"type":"run_command","v":1,"argv":["id"]}"#, "unknown message type run_command"),
    ])
    func malformedAgentMessagesAreViolations(text: String, reason: String) {
        #expect {
            try AgentMessage.decode(Array(text.utf8))
        } throws: { error in
            (error as? ProtocolViolation)?.reason.contains(reason) == true
        }
    }

    @Test func anAgentMessageOverTheLimitIsRefusedBeforeParsing() {
        let huge =
            Array(#"{"type":"heartbeat","v":1,"applied_revision":1,"pad":""#.utf8)
            + Array(repeating: UInt8(ascii: "x"), count: AgentProtocol.maxAgentMessageBytes) + Array(#""}"#.utf8)
        #expect(throws: ProtocolViolation.self) { try AgentMessage.decode(huge) }
    }

    @Test func aDesiredStateWithAHashThatIsNotHexIsRefused() {
        let text = #"{"type":"desired_state","v":1,"revision":1,"hash":"\"},\"x\":1","state":{}}"#
        #expect(throws: ProtocolViolation.self) { try ControllerMessage.decode(Array(text.utf8)) }
    }

    @Test func aHelloWithoutTakesPatchesIsAnAgentThatTakesNone() throws {
        let text = #"{"type":"hello","v":1,"agent_version":"0.1.0","caddy_modules":[],"applied_revision":0}"#
        let hello = try AgentMessage.decode(Array(text.utf8))
        #expect(hello == .hello(.init(agentVersion: "0.1.0", caddyVersion: nil, caddyModules: [], appliedRevision: 0, appliedHash: nil)))
        #expect(throws: ProtocolViolation.self) {
            try AgentMessage.decode(Array(#"{"type":"hello","v":1,"agent_version":"x","applied_revision":0,"takes_patches":"yes"}"#.utf8))
        }
    }

    /// A patch's text travels as a JSON string, quotes, backslashes and any character included.
    @Test func aPatchReadsBackTheSame() throws {
        let patch = DesiredStatePatch(
            revision: 8, hash: "ab", baseHash: "cd", from: 10, to: 12, text: Array(#"{"a":"\"é\\ 🙂\n"}"#.utf8), length: 40)
        #expect(try ControllerMessage.decode(ControllerMessage.desiredStatePatch(patch).encoded()) == .desiredStatePatch(patch))
    }

    @Test(arguments: [
        (#"{"type":"desired_state_patch","v":1,"revision":2,"hash":"ab","base_hash":"cd","from":5,"to":4,"length":9,"text":""}"#, "from"),
        (#"{"type":"desired_state_patch","v":1,"revision":2,"hash":"ab","base_hash":"cd","from":-1,"to":4,"length":9,"text":""}"#, "from"),
        (#"{"type":"desired_state_patch","v":1,"revision":2,"hash":"ab","base_hash":"$(id)","from":1,"to":4,"length":9,"text":""}"#, "base_hash"),
        (#"{"type":"desired_state_patch","v":1,"revision":2,"hash":"AB","base_hash":"cd","from":1,"to":4,"length":9,"text":""}"#, "hash"),
        (#"{"type":"desired_state_patch","v":1,"revision":2,"hash":"ab","base_hash":"cd","from":1,"to":4,"length":9,"text":7}"#, "text"),
        (#"{"type":"desired_state_patch","v":1,"revision":2,"hash":"ab","base_hash":"cd","from":1,"to":4,"text":""}"#, "length"),
    ])
    func malformedPatchesAreViolations(text: String, field: String) {
        #expect {
            try ControllerMessage.decode(Array(text.utf8))
        } throws: { error in
            (error as? ProtocolViolation)?.reason.contains("desired_state_patch.\(field)") == true
        }
    }

    /// A patch made between two states makes the second from the first, byte for byte, whatever
    /// changed (characters of several bytes cut at either end of the change included); applied
    /// to another base, or one whose length it does not expect, it makes nothing.
    @Test(arguments: 0..<8)
    func aPatchMakesTheStateItWasMadeFor(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let alphabet = ["a", "b", "\"", "é", "ü", "🙂", "漢", ",", "{", "}"]
        func text(_ count: Int) -> String { (0..<count).map { _ in alphabet.randomElement(using: &random)! }.joined() }
        for _ in 0..<200 {
            let base = Array(text(Int.random(in: 0...400, using: &random)).utf8)
            var characters = Array(String(decoding: base, as: UTF8.self))
            let start = Int.random(in: 0...characters.count, using: &random)
            let end = Int.random(in: start...min(characters.count, start + 20), using: &random)
            characters.replaceSubrange(start..<end, with: Array(text(Int.random(in: 0...20, using: &random))))
            let state = Array(String(characters).utf8)
            guard let patch = DesiredStatePatch.between(base: base, baseHash: "0b", state: state, revision: 2, hash: "5e") else {
                #expect(state.count < 2 * (state.count - CommonBytes.prefix(base, state)) || state.count < 4)
                continue
            }
            #expect(patch.text.count <= state.count / 2)
            #expect(String(validating: patch.text, as: UTF8.self) != nil, "the patch's text is whole characters")
            var patched = base
            #expect(patch.apply(to: &patched) && patched == state)
            #expect(try ControllerMessage.decode(ControllerMessage.desiredStatePatch(patch).encoded()) == .desiredStatePatch(patch))
            var longer = base + [UInt8(ascii: " ")]
            #expect(!patch.apply(to: &longer) && longer == base + [UInt8(ascii: " ")])
            var shorter = Array(base.prefix(max(0, patch.to - 1)))
            #expect(patch.to == 0 || !patch.apply(to: &shorter))
        }
    }

    @Test func tokensNameTheirServer() {
        #expect(AgentProtocol.serverID(inToken: "ppg_12_abc_def") == 12)
        #expect(AgentProtocol.serverID(inToken: "ppg_0_abc") == nil)
        #expect(AgentProtocol.serverID(inToken: "ppg_x_abc") == nil)
        #expect(AgentProtocol.serverID(inToken: "ppa_12_abc") == nil)
        #expect(AgentProtocol.serverID(inToken: "ppg_12") == nil)
    }

    @Test func trafficEntriesWithBadCountersOrNamesAreRefusedOneByOne() throws {
        let good = #"["a.test",0,1,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#
        let bad = [
            #"["a.test",0,-1,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#, #"["a.test",0,1.5,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#,
            #"["a.test",0,1,0,0,0,10,20]"#, #"["a b{http.request.uri}",0,1,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#,
            #"["a.test",0,1,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0,7]"#, #"["a.test",0,1e3,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#,
            #"["a.test",0,99999999999999999999,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#,
        ]
        let text =
            #"{"v":1,"type":"status","caddy_running":true,"upstreams":[],"traffic":{"unattributed":0,"hosts":[\#((bad + [good]).joined(separator: ","))]}}"#
        guard case .status(let report) = try AgentMessage.decode(Array(text.utf8)) else { throw ProtocolViolation("not a status") }
        #expect(report.traffic?.hosts.map(\.host) == ["a.test"] && report.traffic?.refused == bad.count)
        // What is not the shape at all is a violation of the protocol.
        for traffic in [
            #"{"hosts":[{"host":"a.test"}],"unattributed":0}"#, #"{"hosts":[],"unattributed":-1}"#, #"{"hosts":[]}"#,
            #"{"hosts":[["a"b",1]],"unattributed":0}"#, #"{"hosts":[[1,2]],"unattributed":0}"#, #"{"hosts":[],"unattributed":0,"x":1}"#,
            #"[]"#, #"{"hosts":[["a.test",true]],"unattributed":0}"#,
        ] {
            let message = #"{"v":1,"type":"status","caddy_running":true,"upstreams":[],"traffic":\#(traffic)}"#
            #expect(throws: ProtocolViolation.self, "\(traffic)") { try AgentMessage.decode(Array(message.utf8)) }
            // An agent never forwards such text: it would cost the whole status report.
            #expect(AgentMessage.TrafficReport.forwardable(Array(traffic.utf8)) == nil, "\(traffic)")
        }
    }

    /// An agent forwards its step's traffic text as it is when it is well-formed, and the
    /// controller reads from it what it reads from a report written from decoded hosts.
    @Test func forwardedTrafficTextReadsLikeAWrittenReport() throws {
        let good = #"["a.test",0,1,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#
        let other = #"["b.test:8443",2,0,0,3,4,5,6,0,0,0,0,0,0,0,0,0,0,0,9]"#
        let clean = Array(#"{"hosts":[\#(good),\#(other)],"unattributed":7}"#.utf8)
        #expect(AgentMessage.TrafficReport.forwardable(clean) == clean)
        let decoded = try AgentMessage.TrafficReport(json: clean)
        for sent in [
            AgentMessage.StatusReport(caddyRunning: true, upstreams: [], trafficText: clean),
            AgentMessage.StatusReport(caddyRunning: true, upstreams: [], traffic: decoded),
        ] {
            guard case .status(let read) = try AgentMessage.decode(AgentMessage.status(sent).encoded()) else {
                throw ProtocolViolation("not a status")
            }
            #expect(read.traffic == decoded)
            #expect(read.trafficText == nil)
        }
        // Malformed entries are left out of what is forwarded, the rest kept.
        let bad = #"["a.test",0,-1,0,0,0,10,20,1,0,0,0,0,0,0,0,0,0,0,0]"#
        let mixed = Array(#"{"hosts":[\#(bad),\#(other)],"unattributed":7}"#.utf8)
        let forwarded = try #require(AgentMessage.TrafficReport.forwardable(mixed))
        let read = try AgentMessage.TrafficReport(json: forwarded)
        #expect(read.hosts.map(\.host) == ["b.test:8443"] && read.refused == 0 && read.unattributed == 7)
    }
}
