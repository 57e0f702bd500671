import Foundation
import Host
import Hummingbird
import NIOCore
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// The controller: opens the store, makes sure an admin exists, and serves the REST API.
public struct Controller: Sendable {
    public let configuration: ControllerConfiguration
    public let store: Store
    /// Files and folders of the data folder that anyone but the controller's user could read,
    /// made private at this start.
    let madePrivate: [String]

    /// Opens the data folder (made private: ``DataFolderPermissions``) and the database
    /// (running migrations).
    public init(configuration: ControllerConfiguration) throws {
        self.configuration = configuration
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        madePrivate = DataFolderPermissions.secure(configuration.dataDirectory)
        store = try Store(path: configuration.databasePath)
    }

    /// Serves until the process is told to stop.
    public func run() async throws {
        var logger = Logger(label: "posternproxy")
        logger.logLevel = .info
        if !madePrivate.isEmpty {
            logger.warning(
                "the data folder was readable by other users; made private (folders 0700, files 0600)",
                metadata: ["paths": "\(madePrivate.prefix(20).joined(separator: ", "))\(madePrivate.count > 20 ? ", …" : "")"])
        }
        let tls = try configuration.tlsListen.map { _ in try AdminTLS(configuration: configuration) }
        let password = try await FirstStart.ensureAdmin(store, email: configuration.adminEmail, password: configuration.adminPassword)
        if let banner = FirstStart.banner(configuration: configuration, password: password, tls: tls) {
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
        if let tls {
            let certificate = tls.current.certificate
            logger.info(
                "admin HTTPS certificate",
                metadata: [
                    "sha256": "\(certificate.fingerprintSHA256)", "public_key_pin": "sha256//\(certificate.publicKeyPin)",
                    "not_after": "\(certificate.notAfter.formatted(.iso8601))", "made_now": "\(tls.madeCertificate)",
                ])
        }
        // Before anything is measured: swift-metrics reports to the registry `/metrics` serves.
        let metrics = ControllerMetrics.bootstrap()
        let catalog = try loadPlugins(logger: logger)
        for refusal in catalog.refusals { logger.error("plugin refused", metadata: ["reason": "\(refusal)"]) }
        // The plugin catalog's files, which pipelines kept as data may name (PluginCatalogService).
        let shelf = try PluginShelf(
            folder: Self.pluginFolder(configuration),
            loader: PluginLoader(host: HostIdentity(name: "posternproxy", version: HostIdentity.productVersion)))
        let (applier, facts, localServices, localPipeline) = try startLocalApplier(catalog: catalog, shelf: shelf, logger: logger)
        let adminDomain = AdminDomain(configuration: configuration, servesSites: facts != nil)
        try await adminDomain.refresh(store)
        if let facts { try await CaddyFacts.record(facts, store: store) }
        applier?.schedule()  // re-apply what the database holds, at every start
        let hub = AgentHub(
            store: store, heartbeatSeconds: configuration.agentHeartbeatSeconds,
            offlineAfter: .seconds(configuration.agentOfflineAfterSeconds), pluginFolder: Self.pluginFolder(configuration), logger: logger)
        let agentRefusals = AgentRefusals()
        let agents = AgentEndpoint(
            admission: AgentAdmission(store: store, attemptsPerMinute: configuration.agentConnectionsPerMinute), refusals: agentRefusals,
            hub: hub, logger: logger, trustedProxies: { adminDomain.current.trusted },
            writeTimeout: .seconds(configuration.agentWriteTimeoutSeconds), ticketRenewal: .seconds(configuration.agentTicketRenewalSeconds))
        let vault = try CredentialVault(dataDirectory: configuration.dataDirectory)
        let provisioner =
            catalog.plugin(id: configuration.provisioningTransport) == nil
            ? nil
            : try Provisioner(
                store: store, configuration: configuration, vault: vault,
                runner: PipelineRunner(catalog: catalog),
                shelf: shelf, logger: logger, agentConnected: { await hub.connectedServers.contains($0) })
        let notifier = Notifier(store: store, target: WebhookTarget(addresses: Self.webhookAddresses(configuration)), logger: logger)
        let trafficKeeper = TrafficKeeper(store: store, interval: .seconds(configuration.trafficFlushSeconds), logger: logger)
        let onChange: @Sendable () -> Void = {
            applier?.schedule()
            hub.changed()
            store.statusFeed.announce()
        }
        var api = APIRouter(
            store: store, configuration: configuration, vault: vault, adminDomain: adminDomain,
            onChange: onChange,
            provisioner: provisioner, adminTLS: tls, connectedAgents: { await hub.connectedServers }, metrics: metrics, notifier: notifier,
            trafficKeeper: trafficKeeper,
            accessLogs: AccessLogReaders(
                local: localPipeline.map { AccessLogReaders.local(pipeline: $0, catalog: catalog) },
                remote: { try await hub.accessLog(serverID: $0, query: $1) }))
        // Plugins dropped into the plugins folder join the catalog; PosternProxy's own stay shipped.
        // A controller that cannot write (a read-only database, a full disk) starts without them.
        do {
            for entry in try await PluginCatalogService(store: store, dataDirectory: configuration.dataDirectory).registerDropped(catalog.plugins) {
                logger.info(
                    "plugin from the plugins folder put in the catalog", metadata: ["plugin": "\(entry.pluginID)", "version": "\(entry.version)"])
            }
        } catch {
            logger.warning("the plugins folder's plugins could not be put in the catalog", metadata: ["error": "\(error)"])
        }
        api.bundledPlugins = Dictionary(
            catalog.plugins.filter { PluginIdentifier.isFirstParty($0.id) }.map { ($0.id, $0.declaration) }, uniquingKeysWith: { first, _ in first })
        let descriptors = ConnectionLimits.raiseDescriptorLimit()
        let limits = ConnectionLimits.forDescriptors(descriptors.after, configuredMaximum: configuration.maxConnections)
        logger.info(
            "connection limits",
            metadata: [
                "descriptors": "\(descriptors.after)", "descriptors_at_start": "\(descriptors.before)", "max_connections": "\(limits.maximum)",
                "idle_timeout_s": "\(configuration.idleTimeoutSeconds)",
            ])
        let cap = ConnectionCap(maximum: limits.maximum, logger: logger)
        let idleTimeout = TimeAmount.seconds(Int64(configuration.idleTimeoutSeconds))
        let channelConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(additionalChannelHandlers: [AgentRefusalAnswer(refusals: agentRefusals)], idleTimeout: idleTimeout),
            ws: .init(maxFrameSize: AgentProtocol.maxAgentMessageBytes, autoPing: .enabled(timePeriod: .seconds(30))))
        let agentResponder = agents.router().buildResponder()
        let webSockets = HTTPServerBuilder { responder in
            RequestHeadDeadline(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: agentResponder, configuration: channelConfiguration),
                timeout: idleTimeout)
        }
        // Graceful shutdown goes from the last service to the first: agents are told first (their
        // connections would keep the listeners open), then the listeners finish their requests,
        // then provisioning runs roll back and the apply in progress finishes.
        var services: [any Service] = []
        services += localServices
        if let provisioner { services.append(provisioner) }
        services.append(StorageMonitor(store: store, logger: logger))
        services.append(notifier)
        services.append(trafficKeeper)
        services.append(CertificateExpiryWatch(store: store, interval: .seconds(configuration.expiryCheckSeconds), logger: logger))
        services.append(
            CertificateRenewalHandoff(
                store: store, onChange: onChange, validation: api.systemValidation, interval: .seconds(configuration.expiryCheckSeconds),
                logger: logger))
        services.append(
            Application(
                router: api.build(), server: webSockets,
                configuration: .init(
                    address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: nil, backlog: 1024,
                    availableConnectionsDelegate: cap),
                logger: logger))
        if let tls, let listen = configuration.tlsListen {
            services.append(
                Application(
                    router: api.build(tls: true), server: try .tls(webSockets, tlsConfiguration: tls.serverConfiguration()),
                    configuration: .init(
                        address: .hostname(listen.host, port: listen.port), serverName: nil, backlog: 1024,
                        availableConnectionsDelegate: ConnectionCap(sharing: cap)),
                    logger: logger))
            services.append(AdminTLSWatch(tls: tls, interval: .seconds(configuration.tlsReloadSeconds), logger: logger))
        }
        // Before the hub and after the listeners: its end closes the browsers' event streams.
        services.append(store.statusFeed)
        services.append(hub)
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(60)
        try await ServiceGroup(configuration: group).run()
    }

    /// The local server's applier, with its plugins and (unless one was given) its own Caddy;
    /// nil when the apply pipeline is empty.
    /// The plugins folder's plugins. A controller that applies nothing locally may run without
    /// one (it then cannot provision either).
    private func loadPlugins(logger: Logger) throws -> PluginCatalog {
        let loader = PluginLoader(host: HostIdentity(name: "posternproxy", version: HostIdentity.productVersion))
        guard configuration.applyPipeline.isEmpty, !FileManager.default.fileExists(atPath: configuration.pluginsDirectory) else {
            return try PluginCatalog.load(folder: configuration.pluginsDirectory, loader: loader)
        }
        logger.warning(
            "no plugins folder; nothing is applied locally and servers cannot be provisioned",
            metadata: ["folder": "\(configuration.pluginsDirectory)"])
        return PluginCatalog()
    }

    /// The local server's applier, what its data plane says it is (its Caddy's version and
    /// modules, through the step plugins' `posternproxy.describe/1`), the services that keep it
    /// (the applier, its health report and its watch) and its pipeline; nil and none when the
    /// apply pipeline is empty.
    private func startLocalApplier(catalog: PluginCatalog, shelf: PluginShelf, logger: Logger) throws -> (
        LocalApplier?, DataPlaneFacts?, [any Service], PipelineDefinition?
    ) {
        guard !configuration.applyPipeline.isEmpty else { return (nil, nil, [], nil) }
        var adminSocket = configuration.caddyAdminSocket
        var caddyProcess: ProcessSupervisor?
        var certificateLog: String?
        if adminSocket == nil {
            let caddy = LocalCaddy(
                binary: configuration.caddyBinary, dataDirectory: configuration.dataDirectory, user: configuration.caddyUser,
                stateDirectory: configuration.caddyStateDirectory, logger: logger)
            caddyProcess = try caddy.start()
            adminSocket = caddy.adminSocket
            certificateLog = caddy.certificateLog
        }
        var caddy = ApplyPipeline.Caddy(
            adminSocket: adminSocket!, binary: configuration.caddyBinary, httpPort: configuration.httpPort, httpsPort: configuration.httpsPort,
            acmeTrustedRoots: configuration.acmeTrustedRoots)
        caddy.certificateLog = certificateLog
        caddy.protectedPorts = [AddressPolicy.caddyAdminPort, configuration.listenPort] + (configuration.tlsListen.map { [$0.port] } ?? [])
        caddy.reservedPorts = [configuration.listenPort] + (configuration.tlsListen.map { [$0.port] } ?? [])
        caddy.keepStateUpToKiB = 1 << 20  // 1 GiB: the controller's memory is there to keep its own server's state.
        // Known modules travel in the step's config, so the step need not list them at every apply.
        let facts = DataPlaneFacts.probe(
            ApplyPipeline.definition(steps: configuration.applyPipeline, caddy: caddy), catalog: catalog, target: LocalTarget())
        caddy.modules = facts?.modules
        let pipeline = ApplyPipeline.definition(steps: configuration.applyPipeline, caddy: caddy)
        let processes = ProcessSupervisor(folder: (configuration.dataDirectory as NSString).appendingPathComponent("processes"))
        let state = LocalDataPlaneState()
        let health = LocalHealthReport(
            store: store, pipeline: pipeline, catalog: catalog, interval: .seconds(configuration.statusSeconds), state: state)
        let applier = LocalApplier(
            store: store, runner: PipelineRunner(catalog: catalog), pipeline: pipeline, processes: processes, caddy: caddyProcess,
            logger: logger, adminUpstream: facts == nil ? nil : AdminDomain.controllerAddress(configuration), statusSchedule: health.schedule,
            state: state,
            catalogPipelines: LocalApplier.CatalogPipelines(
                choice: ApplyPipelineChoice(bundled: catalog, shelf: shelf, caddy: caddy, configured: pipeline),
                journalsPath: (configuration.dataDirectory as NSString).appendingPathComponent("step-journals.json")))
        let watch = LocalDataPlaneWatch(
            pipeline: pipeline, catalog: catalog, applier: applier, health: health, interval: .seconds(configuration.watchSeconds), logger: logger)
        return (applier, facts, [applier, health, watch], pipeline)
    }

    /// Where the plugin catalog keeps its files (``PluginCatalogService``).
    static func pluginFolder(_ configuration: ControllerConfiguration) -> String { pluginFolder(configuration.dataDirectory) }

    static func pluginFolder(_ dataDirectory: String) -> String { (dataDirectory as NSString).appendingPathComponent("plugins") }

    /// Where webhooks may not lead: the controller's own listeners on this machine.
    static func webhookAddresses(_ configuration: ControllerConfiguration) -> AddressPolicy {
        AddressPolicy(
            protectedPorts: Set([configuration.listenPort, AddressPolicy.caddyAdminPort] + (configuration.tlsListen.map { [$0.port] } ?? [])))
    }
}
