import CaddyL4Rendering
import Foundation
import TestSupport
@testable import Host
import PluginAPI
import JSONCore
import Testing

/// How the caddy step applies: per-resource failures, the capability check against the real
/// Caddy's modules, rollback, and an unreachable Caddy.
@Suite(.serialized) struct CaddyApplyTests {
    typealias State = DesiredStateJSON

    @Test func aResourceCaddyRejectsIsFailedWithItsMessageAndTheOthersServe() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["one.test"], to: a), State.proxyHost(2, ["broken.test"], to: a, ["access_list_id": 5]),
                    State.proxyHost(3, ["three.test"], to: a),
                ],
                "access_lists": [["id": 5, "items": [["username": "u", "password_hash": "not-a-hash!"]]]],
            ]))
        #expect(report.status == .succeeded)
        let results = CaddyServer.resourceResults(report)
        #expect(results["proxy_host_1"] == ["status": "applied"])
        #expect(results["proxy_host_3"] == ["status": "applied"])
        #expect(results["proxy_host_2"]?["status"] == "failed")
        #expect(results["proxy_host_2"]?["message"]?.contains("base64-decoding password") == true)
        #expect(try caddy.get("/", host: "one.test").upstream == "a")
        #expect(try caddy.get("/", host: "three.test").upstream == "a")
        #expect(try caddy.get("/", host: "broken.test").status == 404)
    }

    /// Apply takes the plan it made from memory only when handed exactly its bytes; any other
    /// plan (here one planned before the latest) is read from its bytes, with the same outcome
    /// for every resource as a plan kept.
    @Test func aPlanReadBackFromItsBytesReportsEveryResourceAsAKeptOneDoes() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let state = State.document([
            "proxy_hosts": [
                State.proxyHost(1, ["one.test"], to: a), State.proxyHost(2, ["broken.test"], to: a, ["access_list_id": 5]),
                State.proxyHost(3, ["three.test"], to: a),
            ],
            "redirection_hosts": [
                [
                    "id": 4, "domain_names": ["old.test"], "forward_scheme": "https", "forward_domain_name": "new.test",
                    "forward_http_code": 301, "preserve_path": true,
                ]
            ],
            "access_lists": [["id": 5, "items": [["username": "u", "password_hash": "not-a-hash!"]]]],
        ])
        let pipeline = PipelineDefinition(
            name: "apply", steps: [PipelineDefinition.Step(plugin: "posternproxy.caddy", config: try caddy.stepConfig())])
        func plan(_ state: String) async throws -> [UInt8] {
            let report = try await caddy.runner.start(pipeline, input: Array(state.utf8), target: LocalTarget(), dryRun: true).report()
            return try #require(report.steps.first?.plan)
        }
        let planned = try await plan(state)
        // A later plan is the one kept in memory.
        _ = try await plan(State.document(["proxy_hosts": [State.proxyHost(9, ["later.test"], to: a)]]))

        let step = try #require(caddy.catalog.plugin(id: "posternproxy.caddy")?.interface(PP_INTERFACE_STEP, as: pp_step_v1.self))
        let services = HostServices(grants: .effects, target: LocalTarget(), cancellation: CancellationFlag(), onLog: { _ in }, onProgress: { _ in })
        let applied = PluginInvocation.call(try #require(step.pointee.apply), config: try caddy.stepConfig(), input: planned, services: services)
        #expect(applied.status == PP_OK, "\(applied.error)")
        let journal = try JSONParser.parseObject(applied.output, keepingRaw: ["previous"]).0
        let results = try #require(journal["resource_results"]?.objectMembers)
        #expect(results.map(\.0).sorted() == ["proxy_host_1", "proxy_host_2", "proxy_host_3", "redirection_host_4"])
        for (tag, outcome) in results {
            #expect(outcome["status"]?.stringValue == (tag == "proxy_host_2" ? "failed" : "applied"), "\(tag)")
        }
        #expect(try caddy.get("/", host: "one.test").upstream == "a")
        #expect(try caddy.get("/", host: "broken.test").status == 404)
        #expect(try caddy.get("/", host: "old.test").status == 301)
        #expect(try caddy.get("/", host: "later.test").status == 404)
    }

    /// The plan's config carries its tag as the root's first member (written once, with the
    /// tag's digits put in place); Caddy runs that tag, and the same state again changes nothing.
    @Test func theConfigIsTaggedAsPlannedAndTheSameStateAgainChangesNothing() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let state = State.document(["proxy_hosts": [State.proxyHost(1, ["one.test"], to: a)]])
        let first = try await caddy.apply(state)
        #expect(first.steps.first?.outcome == .applied(changes: 1))
        let plan = try #require(first.steps.first?.plan.flatMap { try? JSONParser.parseObject($0, keepingRaw: ["config"]) })
        let tag = try #require(plan.0["tag"]?.stringValue)
        #expect(tag.count == "posternproxy_config_".count + 16 && tag.hasPrefix("posternproxy_config_"))
        let digits = tag.dropFirst("posternproxy_config_".count)
        #expect(digits.allSatisfy { $0.isHexDigit })
        let head = Array(#"{"@id":"\#(tag)","#.utf8)
        #expect(plan.raw["config"].map { Array($0.prefix(head.count)) } == head)
        #expect(try caddy.get("/", host: "one.test").upstream == "a")

        let again = try await caddy.apply(state)
        #expect(again.steps.first?.outcome == .unchanged)
    }

    @Test func upstreamsThatLeadToMetadataOrAProtectedPortAreLeftOutWhereTheyAreResolved() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        // What a controller would have refused at save time, reaching this server anyway (an
        // older controller, a name that resolves differently here): the step checks again.
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["fine.test"], to: a),
                    State.proxyHost(2, ["meta.test"], to: a, ["forward_host": "169.254.169.254", "forward_port": 80]),
                    State.proxyHost(3, ["admin.test"], to: a, ["forward_host": "localhost", "forward_port": 2019]),
                    State.proxyHost(4, ["mapped.test"], to: a, ["upstreams": [["host": "::ffff:169.254.169.254", "port": 80]]]),
                    State.proxyHost(
                        5, ["allowed.test"], to: a, ["forward_host": "localhost", "forward_port": 2019, "allow_reserved_upstream": true]),
                ],
                "stream_hosts": [
                    [
                        "id": 6, "enabled": true, "incoming_port": try FreePort.next(), "forwarding_host": "0x7f.1", "forwarding_port": 2019,
                        "tcp_forwarding": true, "udp_forwarding": false,
                    ]
                ],
            ]))
        #expect(report.status == .succeeded)
        let results = CaddyServer.resourceResults(report)
        #expect(results["proxy_host_1"] == ["status": "applied"])
        #expect(results["proxy_host_5"] == ["status": "applied"], "an admin allowed it")
        for tag in ["proxy_host_2", "proxy_host_3", "proxy_host_4", "stream_host_6"] {
            #expect(
                results[tag]?["status"] == "failed" && results[tag]?["message"]?.contains("resolves on this server") == true,
                "\(tag): \(String(describing: results[tag]))")
        }
        #expect(try caddy.get("/", host: "fine.test").upstream == "a")
        #expect(try caddy.get("/", host: "meta.test").status == 404)
    }

    @Test func theUpstreamCheckJudgesWhatANameResolvesTo() throws {
        let state = try DesiredState.reading(
            Data(
                State.document([
                    "proxy_hosts": [
                        [
                            "id": 1, "domain_names": ["a.test"], "forward_scheme": "http", "forward_host": "sneaky.example", "forward_port": 81,
                            "enabled": true,
                        ],
                        [
                            "id": 2, "domain_names": ["b.test"], "forward_scheme": "http", "forward_host": "sneaky.example", "forward_port": 3000,
                            "enabled": true,
                        ],
                        [
                            "id": 3, "domain_names": ["c.test"], "forward_scheme": "http", "forward_host": "cloud.example", "forward_port": 80,
                            "enabled": true,
                        ],
                        [
                            "id": 4, "domain_names": ["d.test"], "forward_scheme": "http", "forward_host": "nowhere.example", "forward_port": 81,
                            "enabled": true,
                        ],
                        // Judged before (5), and just before (6: the same name and port in a row).
                        [
                            "id": 5, "domain_names": ["e.test"], "forward_scheme": "http", "forward_host": "sneaky.example", "forward_port": 81,
                            "enabled": true,
                        ],
                        [
                            "id": 6, "domain_names": ["f.test"], "forward_scheme": "http", "forward_host": "sneaky.example", "forward_port": 81,
                            "enabled": true,
                        ],
                        [
                            "id": 7, "domain_names": ["g.test"], "forward_scheme": "http", "forward_host": "sneaky.example", "forward_port": 3000,
                            "enabled": true,
                        ],
                    ]
                ]).utf8))
        let rejected = UpstreamCheck.rejections(state, protectedPorts: [81, 2019]) { name in
            switch name {
            case "sneaky.example": [[127, 0, 0, 1]]
            case "cloud.example": [[10, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 169, 254, 169, 254]]
            default: []
            }
        }
        #expect(Set(rejected.keys.map(\.id)) == [1, 3, 5, 6])
    }

    /// `posternproxy.describe/1`: the Caddy step says what this Caddy is (hosts no longer run
    /// `caddy list-modules` themselves); steps that cannot say are passed over.
    @Test func theCaddyStepDescribesThisCaddyAndStepsThatCannotArePassedOver() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let recorder = try CCompiler.fixture("recorder_step.c", named: "librecorder.so", in: folder)
        let caddy = try CaddyServer(extraPlugins: [recorder])
        defer { caddy.stop() }
        #expect(caddy.catalog.plugin(id: "com.example.recorder")?.describes == false)
        let pipeline = PipelineDefinition(
            name: "apply",
            steps: [
                .init(plugin: "com.example.recorder", config: Array("{}".utf8)), .init(plugin: "posternproxy.caddy", config: try caddy.stepConfig()),
            ])
        let facts = try #require(DataPlaneFacts.probe(pipeline, catalog: caddy.catalog, target: LocalTarget()))
        #expect(facts.version.hasPrefix("v2."))
        #expect(facts.modules.contains("http.handlers.reverse_proxy"))
        #expect(!facts.modules.contains { $0.isEmpty || $0.hasSuffix(":") })

        // A Caddy binary that is not there: nothing is said, and the call says why.
        let missing = try caddy.stepConfig(["caddy_binary": folder.file("no-such-caddy")])
        let broken = PipelineDefinition(name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: missing)])
        #expect(DataPlaneFacts.probe(broken, catalog: caddy.catalog, target: LocalTarget()) == nil)
        #expect(throws: PluginCallError.self) { try caddy.catalog.plugin(id: "posternproxy.caddy")!.describe(config: missing, target: LocalTarget()) }

        // Its health, for the agent's status report: whether Caddy answers, and its upstreams.
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["health.test"], to: a)]]))
        let health = try #require(DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget()))
        #expect(health.running)
        #expect(health.upstreams.contains { $0.address.hasSuffix(":\(a.port)") }, "\(health.upstreams)")
        let gone = PipelineDefinition(
            name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: try caddy.stepConfig(["admin_socket": folder.file("none.sock")]))])
        #expect(health.problem == nil)
        #expect(DataPlaneCheck.probe(pipeline, catalog: caddy.catalog, target: LocalTarget()) == DataPlaneCheck(running: true, problem: nil))
        let down = DataPlaneHealth.probe(gone, catalog: caddy.catalog, target: LocalTarget())
        #expect(
            down?.running == false && down?.upstreams.isEmpty == true && down?.problem?.contains("does not answer") == true,
            "\(String(describing: down))")
        #expect(DataPlaneCheck.probe(gone, catalog: caddy.catalog, target: LocalTarget())?.running == false)
    }

    @Test func resourcesNeedingModulesThisCaddyLacksAreRefusedBeforeAnyReload() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        // No module list is given: the step asks this Caddy (`caddy list-modules`), which has
        // neither layer4 nor the rate limiter.
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["plain.test"], to: a),
                    State.proxyHost(2, ["limited.test"], to: a, ["rate_limit": ["requests": 5, "window_seconds": 60]]),
                    State.proxyHost(3, ["pass.test"], to: a, ["tls_passthrough": true]),
                ],
                "stream_hosts": [["id": 4, "incoming_port": try FreePort.next(), "forwarding_host": "127.0.0.1", "forwarding_port": a.port]],
            ]))
        #expect(report.status == .succeeded)
        let results = CaddyServer.resourceResults(report)
        #expect(results["proxy_host_1"] == ["status": "applied"])
        #expect(
            results["proxy_host_2"]?["message"]
                == "rate_limit needs the Caddy module `http.handlers.rate_limit`, which this server's Caddy does not have")
        #expect(
            results["proxy_host_3"]?["message"]
                == "tls_passthrough needs the Caddy module `caddy.listeners.layer4`, which this server's Caddy does not have")
        #expect(results["stream_host_4"]?["message"] == "incoming_port needs the Caddy module `layer4`, which this server's Caddy does not have")
        #expect(try caddy.get("/", host: "plain.test").upstream == "a")
    }

    @Test func aFailureLaterInThePipelineRestoresThePreviousConfig() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let recorder = try CCompiler.fixture("recorder_step.c", named: "librecorder.so", in: folder)
        let caddy = try CaddyServer(extraPlugins: [recorder])
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        let first = try Self.tag(of: try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["site.test"], to: a)]])))
        let failing = PipelineDefinition.Step(plugin: "com.example.recorder", config: Array(#"{"fail":"apply","name":"later"}"#.utf8))
        let report = try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["site.test"], to: b)]]), after: [failing])
        #expect(report.rollbackOrder == ["com.example.recorder", "posternproxy.caddy"])
        #expect(report.steps.first?.rollback == .rolledBack)
        #expect(try caddy.get("/", host: "site.test").upstream == "a")
        // Caddy runs the config before the one loaded last: the next plan asks what it runs.
        let next = State.document(["proxy_hosts": [State.proxyHost(2, ["next.test"], to: b)]])
        #expect(try await Self.runningTag(inPlanOf: next, on: caddy) == first)
    }

    /// The step remembers the configs it loads and rolls back to those without asking Caddy;
    /// a config someone else loaded is read from Caddy instead, and restored as well.
    @Test func aFailureLaterInThePipelineRestoresAConfigLoadedFromElsewhere() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let recorder = try CCompiler.fixture("recorder_step.c", named: "librecorder.so", in: folder)
        let caddy = try CaddyServer(extraPlugins: [recorder])
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["site.test"], to: a)]]))
        try Self.loadForeignConfig(into: caddy)
        let failing = PipelineDefinition.Step(plugin: "com.example.recorder", config: Array(#"{"fail":"apply","name":"later"}"#.utf8))
        let report = try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["site.test"], to: a)]]), after: [failing])
        #expect(report.steps.first?.rollback == .rolledBack)
        #expect(try caddy.get("/", host: "site.test").body == "foreign")
    }

    /// A plan whose rendering differs from the config this process last loaded takes that
    /// config as what Caddy runs, without asking; one whose rendering is the loaded one asks,
    /// so a Caddy given another config (or restarted empty) is loaded again.
    @Test func aPlanAsksWhatCaddyRunsOnlyWhenItsRenderingIsTheOneLoaded() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        let first = State.document(["proxy_hosts": [State.proxyHost(1, ["site.test"], to: a)]])
        let loadedTag = try Self.tag(of: try await caddy.apply(first))
        try Self.loadForeignConfig(into: caddy)

        let same = try await caddy.apply(first)
        #expect(same.steps.first?.outcome == .applied(changes: 1))
        #expect(try caddy.get("/", host: "site.test").upstream == "a")

        try Self.loadForeignConfig(into: caddy)
        let other = State.document(["proxy_hosts": [State.proxyHost(1, ["site.test"], to: b)]])
        #expect(try await Self.runningTag(inPlanOf: other, on: caddy) == loadedTag)
        #expect(try await caddy.apply(other).status == .succeeded)
        #expect(try caddy.get("/", host: "site.test").upstream == "b")
    }

    private static func tag(of report: PipelineReport) throws -> String {
        let plan = try #require(report.steps.first?.plan.flatMap { try? JSONParser.parseObject($0, keepingRaw: ["config"]) })
        return try #require(plan.0["tag"]?.stringValue)
    }

    /// The `running_tag` of a dry-run plan of `state`.
    private static func runningTag(inPlanOf state: String, on caddy: CaddyServer) async throws -> String? {
        let pipeline = PipelineDefinition(
            name: "apply", steps: [PipelineDefinition.Step(plugin: "posternproxy.caddy", config: try caddy.stepConfig())])
        let report = try await caddy.runner.start(pipeline, input: Array(state.utf8), target: LocalTarget(), dryRun: true).report()
        let plan = try #require(report.steps.first?.plan.flatMap { try? JSONParser.parseObject($0, keepingRaw: ["config"]) })
        return plan.0["running_tag"]?.stringValue
    }

    /// A config without PosternProxy's tag, loaded into Caddy by someone else.
    private static func loadForeignConfig(into caddy: CaddyServer) throws {
        let foreign =
            #"{"admin":{"listen":"unix/\#(caddy.adminSocket)"},"apps":{"http":{"servers":{"s":{"listen":[":\#(caddy.httpPort)"],"#
            + #""automatic_https":{"disable":true},"routes":[{"match":[{"host":["site.test"]}],"handle":[{"handler":"static_response","body":"foreign"}]}]}}}}}"#
        let loaded = try LocalTarget().http(
            HTTPRequest(socketPath: caddy.adminSocket, method: "POST", path: "/load", contentType: "application/json", body: Array(foreign.utf8)))
        #expect(loaded.status == 200)
        #expect(try caddy.get("/", host: "site.test").body == "foreign")
    }

    @Test func anUnreachableCaddyFailsThePlanWithAClearError() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let report = try await caddy.apply(State.document([:]), settings: ["admin_socket": caddy.folder.file("missing.sock"), "modules": []])
        guard case .failed(_, .plan, let message) = report.status else {
            Issue.record("expected a plan failure, got \(report.status)")
            return
        }
        #expect(message.hasPrefix("cannot reach Caddy's admin API at \(caddy.folder.file("missing.sock"))"))
    }
}

/// Advanced configuration: raw Caddy routes of a host.
@Suite(.serialized) struct CaddyAdvancedConfigTests {
    typealias State = DesiredStateJSON

    @Test func advancedRoutesApplyAndOneCaddyRejectsFailsOnlyItsHost() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["adv.test"], to: a,
                        [
                            "advanced_config": [
                                [
                                    "match": [["path": ["/teapot"]]],
                                    "handle": [["handler": "static_response", "status_code": 418, "body": "short and stout"]],
                                ]
                            ]
                        ]),
                    State.proxyHost(2, ["bad.test"], to: a, ["advanced_config": [["handle": [["handler": "no_such_handler"]]]]]),
                    State.proxyHost(3, ["fine.test"], to: a),
                    State.proxyHost(4, ["shape.test"], to: a, ["advanced_config": ["not": "a list"]]),
                ]
            ]))
        #expect(report.status == .succeeded)
        let results = CaddyServer.resourceResults(report)
        #expect(results["proxy_host_1"] == ["status": "applied"])
        #expect(results["proxy_host_3"] == ["status": "applied"])
        #expect(results["proxy_host_2"]?["status"] == "failed")
        #expect(results["proxy_host_2"]?["message"]?.contains("no_such_handler") == true)
        #expect(results["proxy_host_4"]?["message"] == "advanced_config must be a JSON array of Caddy route objects")
        let teapot = try caddy.get("/teapot", host: "adv.test")
        #expect(teapot.status == 418)
        #expect(teapot.body == "short and stout")
        #expect(try caddy.get("/", host: "adv.test").upstream == "a")
        #expect(try caddy.get("/", host: "fine.test").upstream == "a")
        #expect(try caddy.get("/", host: "bad.test").status == 404)
    }
}
