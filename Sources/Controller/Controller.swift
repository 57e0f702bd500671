import Foundation
import Host
import Hummingbird
import HummingbirdWebSocket
import Logging

/// The controller: opens the store, makes sure an admin exists, and serves the REST API.
public struct Controller: Sendable {
    public let configuration: ControllerConfiguration
    public let store: Store

    /// Opens the data folder and database (running migrations).
    public init(configuration: ControllerConfiguration) throws {
        self.configuration = configuration
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        store = try Store(path: configuration.databasePath)
    }

    /// Serves until the process is told to stop.
    public func run() async throws {
        var logger = Logger(label: "posternproxy")
        logger.logLevel = .info
        if let password = try await FirstStart.ensureAdmin(store, email: configuration.adminEmail, password: configuration.adminPassword) {
            FileHandle.standardOutput.write(Data("""
                ==================== INITIAL SETUP ====================
                Log in at http://<this host>:\(configuration.listenPort)/ as
                  email:    \(configuration.adminEmail)
                  password: \(password)
                This password is shown once. Change it after logging in.
                =======================================================

                """.utf8))
        }
        let applier = try startLocalApplier(logger: logger)
        if applier != nil { try await CaddyFacts.record(binary: configuration.caddyBinary, store: store) }
        applier?.schedule()  // re-apply what the database holds, at every start
        let hub = AgentHub(store: store, heartbeatSeconds: configuration.agentHeartbeatSeconds,
                           offlineAfter: .seconds(configuration.agentOfflineAfterSeconds), logger: logger)
        let agents = AgentEndpoint(admission: AgentAdmission(store: store, attemptsPerMinute: configuration.agentConnectionsPerMinute),
                                   hub: hub, logger: logger)
        let app = Application(
            router: APIRouter(store: store, configuration: configuration, onChange: { applier?.schedule(); hub.changed() }).build(),
            server: .http1WebSocketUpgrade(webSocketRouter: agents.router(), configuration: .init(
                ws: .init(maxFrameSize: AgentProtocol.maxAgentMessageBytes, autoPing: .enabled(timePeriod: .seconds(30))))),
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: nil),
            logger: logger)
        let heartbeats = Task { await hub.watchHeartbeats() }
        defer { heartbeats.cancel() }
        try await app.runService()
    }

    /// The local server's applier, with its plugins and (unless one was given) its own Caddy;
    /// nil when the apply pipeline is empty.
    private func startLocalApplier(logger: Logger) throws -> LocalApplier? {
        guard !configuration.applyPipeline.isEmpty else { return nil }
        let catalog = try PluginCatalog.load(folder: configuration.pluginsDirectory,
                                             loader: PluginLoader(host: HostIdentity(name: "posternproxy", version: HostIdentity.productVersion)))
        for refusal in catalog.refusals { logger.error("plugin refused", metadata: ["reason": "\(refusal)"]) }
        var adminSocket = configuration.caddyAdminSocket
        if adminSocket == nil {
            let caddy = CaddySupervisor(binary: configuration.caddyBinary, dataDirectory: configuration.dataDirectory, logger: logger)
            try caddy.start()
            adminSocket = caddy.adminSocket
        }
        let pipeline = try ApplyPipeline.definition(steps: configuration.applyPipeline, caddy: .init(
            adminSocket: adminSocket!, binary: configuration.caddyBinary, httpPort: configuration.httpPort, httpsPort: configuration.httpsPort,
            modules: CaddyProbe.run(binary: configuration.caddyBinary)?.modules))
        let processes = ProcessSupervisor(folder: (configuration.dataDirectory as NSString).appendingPathComponent("processes"))
        return LocalApplier(store: store, runner: PipelineRunner(catalog: catalog), pipeline: pipeline, processes: processes, logger: logger)
    }
}
