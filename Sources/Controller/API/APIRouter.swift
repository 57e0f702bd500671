import Host
import Hummingbird
import Logging

/// Assembles the REST API: public routes (login, refresh, the OpenAPI document, health) and the
/// authenticated, rate-limited rest, behind the client-address, error and security-header
/// middleware; and the web UI's static files (which hold no data: every page asks the API as
/// the logged-in user).
struct APIRouter: Sendable {
    let store: Store
    let configuration: ControllerConfiguration
    var onChange: @Sendable () -> Void = {}
    /// Provisioning over SSH; nil when the SSH plugin is not loaded.
    var provisioner: Provisioner?
    /// The plugins the controller ships with (its plugins folder), by id, with their declarations.
    var bundledPlugins: [String: PluginDeclaration?] = [:]
    /// The admin's HTTPS certificate; nil when there is no HTTPS listener.
    var adminTLS: AdminTLS?
    /// Seals two-factor secrets.
    let vault: CredentialVault
    /// The admin's own domain through the local Caddy, which decides who else is trusted.
    let adminDomain: AdminDomain
    /// Answers `GET /api/health`.
    let health: HealthService
    /// Serves `GET /metrics`; nil in a process that did not bootstrap swift-metrics.
    let metrics: ControllerMetrics?
    /// Delivers notifications (and "send test"); nil in a process that runs none.
    let notifier: Notifier?
    /// Writes pending traffic before the traffic routes read it.
    let trafficKeeper: TrafficKeeper
    /// Reads hosts' access logs on their servers.
    let accessLogs: AccessLogReaders
    private let connectedAgents: @Sendable () async -> [Int64]
    /// Limits shared by every listener the router serves.
    private let loginLimiter = RateLimiter(limit: 5)
    private let loginThrottle = LoginThrottle()
    private let failedAuthentication = RateLimiter(limit: 120)
    private let credentialLimiter: RateLimiter
    private let singleSignOnStarts = RateLimiter(limit: 30)
    /// Shared by every listener: a sign-in may start on one and come back on the other.
    private let singleSignOn: SingleSignOnService
    /// Nginx Proxy Manager's two-factor challenges, shared by every listener likewise.
    private let npmChallenges = NPMTokens.Challenges()

    init(
        store: Store, configuration: ControllerConfiguration, vault: CredentialVault, adminDomain: AdminDomain,
        onChange: @escaping @Sendable () -> Void = {}, provisioner: Provisioner? = nil, adminTLS: AdminTLS? = nil,
        connectedAgents: @escaping @Sendable () async -> [Int64] = { [] }, metrics: ControllerMetrics? = nil, notifier: Notifier? = nil,
        trafficKeeper: TrafficKeeper? = nil, accessLogs: AccessLogReaders = AccessLogReaders()
    ) {
        self.accessLogs = accessLogs
        self.trafficKeeper = trafficKeeper ?? TrafficKeeper(store: store, logger: Logger(label: "posternproxy.traffic"))
        self.metrics = metrics
        self.notifier = notifier
        self.connectedAgents = connectedAgents
        health = HealthService(store: store, connectedAgents: connectedAgents, runsLocalDataPlane: !configuration.applyPipeline.isEmpty)
        self.adminTLS = adminTLS
        self.adminDomain = adminDomain
        self.vault = vault
        self.store = store
        self.configuration = configuration
        self.onChange = onChange
        self.provisioner = provisioner
        credentialLimiter = RateLimiter(limit: configuration.requestsPerMinute)
        singleSignOn = SingleSignOnService(
            store: store, vault: vault, client: ProviderClient(trustedRootFiles: configuration.oidcTrustedRoots),
            sessions: Sessions(store: store), passwordLoginForced: configuration.passwordLoginForced)
    }

    /// What no address field may target: the controller's own listeners and Caddy's admin port.
    private var addresses: AddressPolicy {
        AddressPolicy(
            protectedPorts: Set(
                [configuration.listenPort, AddressPolicy.caddyAdminPort] + (configuration.tlsListen.map { [$0.port] } ?? [])))
    }

    /// Validation of the controller's own changes (a restore, a certificate handed over to
    /// Caddy's renewal): an admin's rules.
    var systemValidation: ValidationContext {
        ValidationContext(isAdmin: true, controllerPort: configuration.listenPort, certificates: CertificateInspector(), addresses: addresses)
    }

    /// The router of one listener; `tls` says whether that listener speaks TLS.
    func build(tls: Bool = false) -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        let openAPI = OpenAPIDocument.build(version: HostIdentity.productVersion)
        let adminDomain = adminDomain
        router.add(middleware: ClientAddressMiddleware(trustedProxies: { adminDomain.current.trusted }, listenerIsTLS: tls))
        router.add(middleware: SecurityHeadersMiddleware())
        if !tls { router.add(middleware: AdminRedirectMiddleware(adminDomain: adminDomain)) }
        if metrics != nil { router.add(middleware: MetricsMiddleware()) }
        router.add(middleware: ErrorMiddleware(routes: RouteTable(document: openAPI)))
        router.add(middleware: FileMiddleware(configuration.webDirectory, searchForIndexHtml: true))
        let sessions = Sessions(store: store)
        let inspector = CertificateInspector()
        let controllerPort = configuration.listenPort
        let addresses = addresses
        let settings = SettingsService(store: store, adminDomain: adminDomain, addresses: addresses)
        let validation: @Sendable (Identity) async throws -> ValidationContext = { identity in
            var context = ValidationContext(isAdmin: identity.isAdmin, controllerPort: controllerPort, certificates: inspector, addresses: addresses)
            context.unrestrictedAdvancedConfig = try await settings.advancedConfigUnrestricted()
            return context
        }

        let api = router.group("api")
        let twoFactor = TwoFactorService(store: store, vault: vault)
        let passwords = PasswordConfirmation(store: store, throttle: loginThrottle)
        let auth = AuthRoutes(
            login: LoginService(
                store: store, sessions: sessions, addressLimiter: loginLimiter, throttle: loginThrottle, twoFactor: twoFactor,
                singleSignOn: singleSignOn))
        auth.registerPublic(on: api)
        let singleSignOnRoutes = SingleSignOnRoutes(service: singleSignOn, starts: singleSignOnStarts)
        singleSignOnRoutes.registerPublic(on: api)
        let document = JSONBody.response(openAPI)
        api.get("openapi.json") { _, _ in document }
        HealthRoutes(health: health).register(on: api)
        // Reached only when the WebSocket upgrade was refused (see AgentEndpoint).
        api.get("agent/ws") { _, _ -> Response in
            throw APIError.unauthorized(
                "agent connections need a WebSocket upgrade with a valid agent token; the controller's log says why one was refused")
        }

        if let metrics {
            let connectedAgents = connectedAgents
            MetricsRoutes(metrics: metrics, store: store, agentsConnected: { await connectedAgents().count }).register(
                on: router.group("metrics")
                    .add(middleware: AuthenticationMiddleware(sessions: sessions, failures: failedAuthentication))
                    .add(middleware: RateLimitMiddleware(limiter: credentialLimiter)))
        }

        let authenticated = api.group()
            .add(middleware: AuthenticationMiddleware(sessions: sessions, failures: failedAuthentication))
            .add(middleware: RateLimitMiddleware(limiter: credentialLimiter))
        auth.register(on: authenticated)
        UserRoutes(users: UserService(store: store, passwords: passwords), sessions: sessions).register(on: authenticated)
        TwoFactorRoutes(accounts: TwoFactorAccounts(store: store, twoFactor: twoFactor, passwords: passwords)).register(on: authenticated)
        singleSignOnRoutes.register(on: authenticated)
        TokenRoutes(tokens: TokenService(store: store)).register(on: authenticated)
        PluginRoutes(
            catalog: PluginCatalogService(store: store, dataDirectory: configuration.dataDirectory),
            pipelines: PipelineService(store: store, bundled: bundledPlugins, onChange: onChange)
        ).register(on: authenticated)
        if let notifier {
            WebhookRoutes(webhooks: WebhookService(store: store, target: notifier.target, notifier: notifier)).register(on: authenticated)
        }
        ServerRoutes(servers: ServerService(store: store, addresses: addresses), onChange: onChange).register(on: authenticated)
        SettingsRoutes(settings: settings, onChange: onChange).register(
            on: authenticated)
        AdminAccessRoutes(configuration: configuration, tls: adminTLS, adminDomain: adminDomain).register(on: authenticated)
        AuditRoutes(store: store).register(on: authenticated)
        CertificateRoutes(issuance: CertificateIssuanceService(store: store)).register(on: authenticated)
        TrafficRoutes(traffic: TrafficService(store: store, keeper: trafficKeeper)).register(on: authenticated)
        AccessLogRoutes(logs: AccessLogService(store: store, local: accessLogs.local, remote: accessLogs.remote)).register(on: authenticated)
        EventRoutes(feed: store.statusFeed).register(on: authenticated)
        if let provisioner { ProvisioningRoutes(provisioner: provisioner).register(on: authenticated) }
        BackupRoutes(
            backup: Backup(
                store: store, validation: systemValidation, pluginFolder: Controller.pluginFolder(configuration.dataDirectory),
                adminDomain: adminDomain),
            onChange: onChange
        ).register(on: authenticated)
        ResourceRoutes(service: ResourceService<ProxyHostKind>(store: store, onChange: onChange), validation: validation).register(on: authenticated)
        ResourceRoutes(service: ResourceService<RedirectionHostKind>(store: store, onChange: onChange), validation: validation).register(
            on: authenticated)
        ResourceRoutes(service: ResourceService<DeadHostKind>(store: store, onChange: onChange), validation: validation).register(on: authenticated)
        ResourceRoutes(service: ResourceService<StreamHostKind>(store: store, onChange: onChange), validation: validation).register(on: authenticated)
        ResourceRoutes(service: ResourceService<PortForwardKind>(store: store, onChange: onChange), validation: validation).register(
            on: authenticated)
        ResourceRoutes(service: ResourceService<AccessListKind>(store: store, onChange: onChange), validation: validation).register(on: authenticated)
        ResourceRoutes(service: ResourceService<CertificateKind>(store: store, onChange: onChange), validation: validation).register(
            on: authenticated)

        NPMImportRoutes(importer: NPMImporter(store: store, onChange: onChange, vault: vault), validation: validation).register(on: authenticated)

        let npm = router.group("npm/api").add(middleware: NPMErrorMiddleware())
        let npmRoutes = NPMRoutes(
            tokens: NPMTokens(login: auth.login, sessions: sessions, challenges: npmChallenges),
            users: UserService(store: store, passwords: passwords), settings: settings, store: store,
            onChange: onChange, validation: validation)
        npmRoutes.registerPublic(on: npm)
        npmRoutes.register(
            on: npm.group()
                .add(middleware: AuthenticationMiddleware(sessions: sessions, failures: failedAuthentication))
                .add(middleware: RateLimitMiddleware(limiter: credentialLimiter)))
        return router
    }
}
