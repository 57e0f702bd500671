import Foundation
import TestSupport
import Host
import Testing

/// The real `posternproxy.iptables` plugin applying port forwards inside network namespaces the
/// test creates, with real TCP and UDP traffic through them.
@Suite(.serialized) struct IptablesTests {
    private let loader = PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0"))

    private func runner(extra: [String] = []) throws -> PipelineRunner {
        var catalog = PluginCatalog()
        for file in try [TestEnvironment.builtPlugin("PosternProxyIptables")] + extra { catalog.add(file: file, loader: loader) }
        return PipelineRunner(catalog: catalog)
    }

    private func apply(
        _ forwards: [[String: Any]], on lab: NetworkLab, runner: PipelineRunner,
        after: [PipelineDefinition.Step] = [], also: [String: Any] = [:]
    ) async throws -> PipelineReport {
        let document = ["revision": 1, "port_forwards": forwards].merging(also) { $1 }
        let state = try [UInt8](JSONSerialization.data(withJSONObject: document))
        let steps = [PipelineDefinition.Step(plugin: "posternproxy.iptables")] + after
        return try await runner.start(PipelineDefinition(name: "apply", steps: steps), input: state, target: lab.target(lab.forwarder)).report()
    }

    private func results(_ report: PipelineReport) -> [String: [String: String]] {
        guard let data = report.steps.first?.result, let object = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else {
            return [:]
        }
        return object["resource_results"] as? [String: [String: String]] ?? [:]
    }

    @Test func forwardsRealTCPAndUDPTrafficThroughTheForwarder() async throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let backend = try Backend(in: lab)
        defer { backend.stop() }

        let report = try await apply(
            [
                ["id": 1, "protocol": "tcp", "incoming_port": 9090, "forward_host": lab.backendAddress, "forward_port": 8080],
                ["id": 2, "protocol": "tcp+udp", "incoming_port": 9053, "forward_host": lab.backendAddress, "forward_port": 5353],
            ], on: lab, runner: try runner())
        #expect(report.status == .succeeded, "\(report.status)")
        #expect(results(report) == ["port_forward_1": ["status": "applied"], "port_forward_2": ["status": "applied"]])

        let tcp = try lab.run(in: lab.client, ["curl", "-s", "--max-time", "10", "http://\(lab.forwarderAddress):9090/hello"])
        let answer = try JSONSerialization.jsonObject(with: Data(tcp.standardOutput)) as? [String: Any]
        #expect(answer?["upstream"] as? String == "backend")
        #expect(answer?["path"] as? String == "/hello")
        let datagram = try lab.run(in: lab.client, ["python3", TestEnvironment.fixture("udp_echo.py"), "send", lab.forwarderAddress, "9053", "ping"])
        #expect(String(decoding: datagram.standardOutput, as: UTF8.self) == "echo: ping\n")
    }

    @Test func theSocatMethodRunsManagedProcessesThatCarryRealTrafficAndComeBackWhenKilled() async throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let backend = try Backend(in: lab)
        defer { backend.stop() }
        let supervisor = ProcessSupervisor(folder: backend.folder.file("processes"), argvPrefix: ["ip", "netns", "exec", lab.forwarder])
        defer { supervisor.stopAll() }

        let runner = try runner()
        let report = try await apply(
            [
                ["id": 3, "protocol": "tcp+udp", "incoming_port": 9191, "forward_host": lab.backendAddress, "forward_port": 8080, "method": "socat"],
                ["id": 4, "protocol": "udp", "incoming_port": 9153, "forward_host": lab.backendAddress, "forward_port": 5353, "method": "socat"],
            ], on: lab, runner: runner)
        #expect(report.status == .succeeded, "\(report.status)")
        #expect(results(report) == ["port_forward_3": ["status": "applied"], "port_forward_4": ["status": "applied"]])
        #expect(!(try lab.savedRules(in: lab.forwarder)).contains("-A POSTERNPROXY"), "the socat method adds no iptables rules")
        let processes = try #require(report.managedProcesses)
        #expect(
            Set(processes.map(\.id)) == [
                "posternproxy.iptables/port_forward_3/tcp", "posternproxy.iptables/port_forward_3/udp",
                "posternproxy.iptables/port_forward_4/udp",
            ])
        #expect(
            processes.first { $0.id.hasSuffix("port_forward_3/tcp") }?.argv == [
                "socat", "TCP4-LISTEN:9191,fork,reuseaddr", "TCP4:\(lab.backendAddress):8080",
            ])
        supervisor.reconcile(processes)

        func fetch() -> String? {
            guard let result = try? lab.run(in: lab.client, ["curl", "-s", "--max-time", "3", "http://\(lab.forwarderAddress):9191/through-socat"])
            else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [String: Any])?["path"] as? String
        }
        func eventually(_ condition: () -> Bool) async throws -> Bool {
            for _ in 0..<50 {
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
        #expect(try await eventually { fetch() == "/through-socat" })
        let datagram = try lab.run(in: lab.client, ["python3", TestEnvironment.fixture("udp_echo.py"), "send", lab.forwarderAddress, "9153", "ping"])
        #expect(String(decoding: datagram.standardOutput, as: UTF8.self) == "echo: ping\n")

        // Killed, it comes back; removed from the desired state, it stops.
        let pid = try #require(supervisor.running["posternproxy.iptables/port_forward_3/tcp"])
        kill(pid, SIGKILL)
        #expect(
            try await eventually { (supervisor.running["posternproxy.iptables/port_forward_3/tcp"] ?? pid) != pid && fetch() == "/through-socat" })
        let emptied = try await apply([], on: lab, runner: runner)
        supervisor.reconcile(try #require(emptied.managedProcesses))
        #expect(supervisor.running.isEmpty)
        #expect(try await eventually { fetch() == nil })
    }

    @Test func hostileSocatForwardsAreRefusedAndStartNothing() async throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let report = try await apply(
            [
                ["id": 5, "protocol": "tcp", "incoming_port": 9191, "forward_host": "10.0.0.1,fork", "forward_port": 80, "method": "socat"],
                [
                    "id": 6, "protocol": "tcp", "incoming_port": 9192, "forward_host": "10.0.0.1", "forward_port": 80, "interface": "eth0,reuseport",
                    "method": "socat",
                ],
                ["id": 7, "protocol": "tcp", "incoming_port": 9193, "forward_host": "10.0.0.1", "forward_port": 80, "method": "exec"],
            ], on: lab, runner: try runner())
        #expect(report.status == .succeeded)
        #expect(results(report).values.allSatisfy { $0["status"] == "failed" })
        #expect(report.managedProcesses == [])
    }

    /// Stream hosts the controller gives the step (`stream_carriers`) are carried like port
    /// forwards; hostile values and carriers are refused one by one and start nothing, a host
    /// name goes to socat only, and a stream the carriers do not name is Caddy's, not the step's.
    @Test func streamsGivenToTheStepAreCarriedAndHostileOnesRefused() async throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        func stream(_ id: Int, _ port: Int, _ host: String) -> [String: Any] {
            ["id": id, "incoming_port": port, "forwarding_host": host, "forwarding_port": 5432, "tcp_forwarding": true, "udp_forwarding": false]
        }
        let report = try await apply(
            [], on: lab, runner: try runner(),
            also: [
                "stream_hosts": [
                    stream(8, 9301, "10.0.0.1,fork"), stream(9, 9302, "-bad.example"), stream(10, 9303, "10.0.0.1"),
                    stream(11, 9304, "db.internal"), stream(12, 9305, "db.internal"), stream(13, 9306, "10.0.0.1"),
                ],
                "stream_carriers": ["8": "socat", "9": "socat", "10": "exec", "11": "iptables", "12": "socat"],
            ])
        #expect(report.status == .succeeded)
        let outcome = results(report)
        for id in [8, 9, 10, 11] { #expect(outcome["stream_host_\(id)"]?["status"] == "failed", "stream \(id): \(outcome)") }
        #expect(outcome["stream_host_12"]?["status"] == "applied")
        #expect(outcome["stream_host_13"] == nil, "a stream the carriers do not name is left to Caddy")
        let processes = try #require(report.managedProcesses)
        #expect(processes.map(\.argv) == [["socat", "TCP4-LISTEN:9305,fork,reuseaddr", "TCP4:db.internal:5432"]])
        #expect(!(try lab.savedRules(in: lab.forwarder)).contains("-A POSTERNPROXY-PREROUTING"), "no DNAT rule for any of them")
    }

    @Test func applyingTwiceLeavesTheRulesetByteIdentical() async throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let runner = try runner()
        let forwards: [[String: Any]] = [
            [
                "id": 1, "protocol": "tcp", "incoming_port": 9090, "forward_host": lab.backendAddress,
                "forward_port": 8080, "interface": "eth0",
            ]
        ]
        #expect(try await apply(forwards, on: lab, runner: runner).steps.first?.outcome == .applied(changes: 6))
        let first = try lab.savedRules(in: lab.forwarder)
        #expect(try await apply(forwards, on: lab, runner: runner).steps.first?.outcome == .unchanged)
        #expect(try lab.savedRules(in: lab.forwarder) == first)
        #expect(
            first.contains(
                "-A POSTERNPROXY-PREROUTING -i eth0 -p tcp -m tcp --dport 9090 -m comment --comment port_forward_1 -j DNAT --to-destination 10.77.2.2:8080"
            ))
    }

    @Test func aFailedApplyRestoresExactlyThePreviousRuleset() async throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let recorder = try CCompiler.fixture("recorder_step.c", named: "librecorder.so", in: folder)
        let runner = try runner(extra: [recorder])
        _ = try await apply([["id": 1, "incoming_port": 9090, "forward_host": lab.backendAddress, "forward_port": 8080]], on: lab, runner: runner)
        let before = try lab.savedRules(in: lab.forwarder)
        let failing = PipelineDefinition.Step(plugin: "com.example.recorder", config: Array(#"{"fail":"apply","name":"later"}"#.utf8))
        let report = try await apply(
            [
                ["id": 1, "incoming_port": 9191, "forward_host": lab.backendAddress, "forward_port": 8181],
                ["id": 2, "protocol": "udp", "incoming_port": 9053, "forward_host": lab.backendAddress, "forward_port": 53],
            ],
            on: lab, runner: runner, after: [failing])
        #expect(report.rollbackOrder == ["com.example.recorder", "posternproxy.iptables"])
        #expect(report.steps.first?.rollback == .rolledBack)
        #expect(try lab.savedRules(in: lab.forwarder) == before)
    }

    @Test func hostileValuesAreRefusedAndNeverReachTheRuleset() async throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let report = try await apply(
            [
                ["id": 1, "incoming_port": 9090, "forward_host": lab.backendAddress, "forward_port": 8080, "interface": "eth0 -j ACCEPT"],
                ["id": 2, "incoming_port": 9091, "forward_host": lab.backendAddress, "forward_port": 8080, "interface": "eth0;reboot"],
                ["id": 3, "incoming_port": 9092, "forward_host": "10.0.0.1 -j ACCEPT", "forward_port": 8080],
                ["id": 4, "incoming_port": 9093, "forward_host": "example.com", "forward_port": 8080],
                ["id": 5, "protocol": "icmp", "incoming_port": 9094, "forward_host": lab.backendAddress, "forward_port": 8080],
                ["id": 6, "incoming_port": 70000, "forward_host": lab.backendAddress, "forward_port": 8080],
                ["id": 7, "incoming_port": 9095, "forward_host": lab.backendAddress, "forward_port": 8080],
            ], on: lab, runner: try runner())
        #expect(report.status == .succeeded)
        let results = results(report)
        #expect(results["port_forward_1"]?["message"] == "interface must be 1-15 letters, digits, '.', '_' or '-'")
        #expect(results["port_forward_2"]?["message"] == "interface must be 1-15 letters, digits, '.', '_' or '-'")
        #expect(results["port_forward_3"]?["message"] == "forward_host must be an IPv4 address")
        #expect(results["port_forward_4"]?["message"] == "forward_host must be an IPv4 address")
        #expect(results["port_forward_5"]?["message"] == "protocol must be tcp, udp or tcp+udp")
        #expect(results["port_forward_6"]?["message"] == "incoming_port must be 1-65535")
        #expect(results["port_forward_7"] == ["status": "applied"])
        let rules = try lab.savedRules(in: lab.forwarder)
        #expect(!rules.contains("reboot") && !rules.contains("9090") && !rules.contains("example.com"))
        #expect(rules.contains("--dport 9095"))

        // A port that is not a number is refused when the desired state is read.
        let malformed = try await apply(
            [["id": 8, "incoming_port": "22 -j ACCEPT", "forward_host": lab.backendAddress, "forward_port": 22]],
            on: lab, runner: try runner())
        guard case .failed(_, .plan, _) = malformed.status else {
            Issue.record("a non-numeric port was not refused: \(malformed.status)")
            return
        }
        #expect(try lab.savedRules(in: lab.forwarder) == rules)
    }

    /// The lab's backend: an HTTP upstream on 8080 and a UDP echo on 5353, in its namespace.
    private struct Backend {
        let folder: TemporaryFolder
        private let http: ChildProcess
        private let udp: ChildProcess

        init(in lab: NetworkLab) throws {
            folder = try TemporaryFolder()
            http = try ChildProcess(
                ["ip", "netns", "exec", lab.backend, "python3", TestEnvironment.fixture("upstream.py"), "backend", "8080", "0.0.0.0"],
                in: folder.path, logName: "backend-http")
            udp = try ChildProcess(
                ["ip", "netns", "exec", lab.backend, "python3", TestEnvironment.fixture("udp_echo.py"), "serve", "5353"],
                in: folder.path, logName: "backend-udp")
            do {
                try http.wait(
                    until: { (try? lab.run(in: lab.backend, ["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:8080/"]).exitStatus) == 0 },
                    what: "backend")
            } catch {
                stop()
                throw error
            }
        }

        func stop() {
            http.stop()
            udp.stop()
            folder.remove()
        }
    }
}
