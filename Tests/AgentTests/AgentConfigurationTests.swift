import Foundation
import Testing
@testable import PosternProxyAgent

/// The agent's configuration file and its reconnection backoff.
struct AgentConfigurationTests {
    private func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "agent-\(UUID().uuidString).env"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aConfigFileIsRead() throws {
        let path = try write(
            """
            # PosternProxy agent
            POSTERNPROXY_CONTROLLER_URL=https://controller.example:81/
            POSTERNPROXY_AGENT_TOKEN="ppg_4_secret"

            POSTERNPROXY_CADDY_ADMIN=/run/caddy/admin.sock
            POSTERNPROXY_HTTP_PORT=8080
            POSTERNPROXY_CADDY_CERTIFICATE_LOG=/var/lib/caddy/posternproxy-certificates.log
            POSTERNPROXY_KEEP_STATE_KIB=0
            """)
        let configuration = try AgentConfiguration.load(path: path)
        #expect(configuration.endpointURL == "wss://controller.example:81/api/agent/ws")
        #expect(configuration.token == "ppg_4_secret")
        #expect(configuration.caddy.httpPort == 8080)
        #expect(configuration.caddy.httpsPort == 443)
        #expect(configuration.applySteps == ["posternproxy.caddy", "posternproxy.iptables"])
        #expect(configuration.caddy.certificateLog == "/var/lib/caddy/posternproxy-certificates.log")
        #expect(configuration.caddy.acmeTrustedRoots.isEmpty)
        #expect(configuration.caddy.keepStateUpToKiB == 0)
        let defaults = try AgentConfiguration.load(path: try write("POSTERNPROXY_CONTROLLER_URL=http://x\nPOSTERNPROXY_AGENT_TOKEN=ppg_1_x"))
        #expect(defaults.caddy.keepStateUpToKiB == 2048)
    }

    @Test(arguments: [
        ("POSTERNPROXY_AGENT_TOKEN=ppg_1_x", "POSTERNPROXY_CONTROLLER_URL"),
        ("POSTERNPROXY_CONTROLLER_URL=ftp://x\nPOSTERNPROXY_AGENT_TOKEN=ppg_1_x", "POSTERNPROXY_CONTROLLER_URL"),
        ("POSTERNPROXY_CONTROLLER_URL=http://x", "POSTERNPROXY_AGENT_TOKEN"),
        ("POSTERNPROXY_CONTROLLER_URL=http://x\nPOSTERNPROXY_AGENT_TOKEN=secret", "POSTERNPROXY_AGENT_TOKEN"),
        ("POSTERNPROXY_CONTROLLER_URL=http://x\nPOSTERNPROXY_AGENT_TOKEN=ppg_1_x\nPOSTERNPROXY_HTTP_PORT=80; id", "POSTERNPROXY_HTTP_PORT"),
        ("POSTERNPROXY_CONTROLLER_URL=http://x\nnot a setting", "line 2"),
        ("POSTERNPROXY_CONTROLLER_URL=http://x\nPOSTERNPROXY_AGENT_TOKEN=ppg_1_x\nPOSTERNPROXY_KEEP_STATE_KIB=-1", "POSTERNPROXY_KEEP_STATE_KIB"),
        (
            "POSTERNPROXY_CONTROLLER_URL=http://x\nPOSTERNPROXY_AGENT_TOKEN=ppg_1_x\nPOSTERNPROXY_CADDY_CERTIFICATE_LOG=certificates.log",
            "POSTERNPROXY_CADDY_CERTIFICATE_LOG"
        ),
        (
            "POSTERNPROXY_CONTROLLER_URL=http://x\nPOSTERNPROXY_AGENT_TOKEN=ppg_1_x\nPOSTERNPROXY_ACME_CA_ROOTS=/nonexistent/root.pem",
            "/nonexistent/root.pem"
        ),
    ])
    func aBadConfigFileNamesWhatIsWrong(text: String, named: String) throws {
        let path = try write(text)
        #expect {
            try AgentConfiguration.load(path: path)
        } throws: { error in
            "\(error)".contains(named) && "\(error)".contains(path)
        }
    }

    @Test func backoffGrowsWithJitterUpToItsMaximumAndResets() {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(8))
        let delays = (0..<8).map { _ in backoff.nextDelay() }
        #expect(delays[0] >= .milliseconds(750) && delays[0] <= .milliseconds(1250))
        #expect(delays[3] >= .seconds(6) && delays[3] <= .seconds(10))
        #expect(delays[7] <= .seconds(10))
        backoff.reset()
        #expect(backoff.nextDelay() <= .milliseconds(1250))
    }
}
