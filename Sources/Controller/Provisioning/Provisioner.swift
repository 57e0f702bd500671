import Foundation
import Host
import JSONCore
import Logging
import ServiceLifecycle

/// Runs provisioning for one server at a time each: connects over the SSH transport
/// (the host key pinned on first use; a changed one fails closed), makes sure the server has an
/// agent token (the one on the server when it still matches, a fresh one otherwise), runs the
/// pipeline with every line kept and streamed (``ProvisioningRun``), and records the outcome.
/// Credentials are dropped afterwards unless the admin asked to keep them (sealed, see
/// ``CredentialVault``). Status: Provisioning during the run, then Online when the agent
/// connects, or Error naming the failed step.
///
/// A service of the controller: runs execute as its child tasks. On graceful shutdown each run in
/// progress is cancelled (its steps roll back what they did, in reverse order) and recorded as
/// failed before the service returns.
actor Provisioner: Service {
    struct Credentials: Codable, Sendable {
        var password: String?
        var private_key: String?
        var passphrase: String?

        /// The credentials an admin sent: nil when none were (the kept ones are used); each
        /// checked for size and, for a key, its PEM shape.
        static func given(password: String?, privateKey: String?, passphrase: String?) throws(DomainError) -> Credentials? {
            guard password != nil || privateKey != nil else { return nil }
            if let password, password.isEmpty || password.utf8.count > 1024 || password.contains("\0") {
                throw .invalid(ValidationFailure("password", "must be 1-1024 bytes"))
            }
            if let privateKey {
                guard privateKey.utf8.count <= 16384, privateKey.hasPrefix("-----BEGIN "), privateKey.contains("PRIVATE KEY-----") else {
                    throw .invalid(ValidationFailure("private_key", "must be a PEM or OpenSSH private key"))
                }
            }
            if let passphrase, passphrase.utf8.count > 1024 { throw .invalid(ValidationFailure("passphrase", "is too long")) }
            return Credentials(password: password, private_key: privateKey, passphrase: passphrase)
        }
    }

    enum Kind: String, Sendable { case provision, updateAgent = "update-agent" }

    let store: Store
    let configuration: ControllerConfiguration
    let vault: CredentialVault
    let runner: PipelineRunner
    let pipelines: [String: PipelineDefinition]
    /// The plugin catalog's files, for a provisioning pipeline kept as data that names one.
    let shelf: PluginShelf?
    let logger: Logger
    /// Whether the server's agent is connected now (a re-run that changed nothing leaves it so).
    let agentConnected: @Sendable (Int64) async -> Bool
    private var runs: [Int64: ProvisioningRun] = [:]
    private var busyServers: Set<Int64> = []
    /// Runs started by ``start(serverID:kind:credentials:keep:)``, executed by ``run()``.
    private nonisolated let jobs: AsyncStream<Job>.Continuation
    private let startedJobs: AsyncStream<Job>
    private var stopped = false

    private struct Job: Sendable {
        var run: ProvisioningRun
        var kind: Kind
        var destination: Destination
        var credentials: Credentials
        var publicURL: String
    }

    init(
        store: Store, configuration: ControllerConfiguration, vault: CredentialVault, runner: PipelineRunner, shelf: PluginShelf? = nil,
        logger: Logger, agentConnected: @escaping @Sendable (Int64) async -> Bool
    ) throws {
        self.shelf = shelf
        self.agentConnected = agentConnected
        self.store = store
        self.configuration = configuration
        self.vault = vault
        self.runner = runner
        pipelines = try ProvisioningPipelines.load(defaults: configuration.provisionPipelines, file: configuration.provisionPipelinesFile)
        self.logger = logger
        (startedJobs, jobs) = AsyncStream.makeStream()
    }

    /// Executes the runs that are started, each in a child task, until graceful shutdown; then
    /// cancels those still going and waits for them to be recorded.
    func run() async {
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await job in startedJobs {
                    group.addTask {
                        let outcome = await self.execute(
                            job.run, kind: job.kind, target: job.destination, credentials: job.credentials, publicURL: job.publicURL)
                        await self.finish(job.run, outcome: outcome, kind: job.kind)
                    }
                }
            } onGracefulShutdown: { [jobs] in
                jobs.finish()
            }
            stopped = true
            for run in runs.values where run.snapshot.finished == nil { run.cancel() }
        }
    }

    /// Starts a run (audited) and returns at once; `credentials` nil uses the kept ones.
    func start(serverID: Int64, kind: Kind, credentials: Credentials?, keep: Bool, by actor: AuditLog.Actor) async throws -> ProvisioningRun {
        guard let publicURL = configuration.publicURL else {
            throw DomainError.conflict(field: nil, "set POSTERNPROXY_PUBLIC_URL (where agents reach this controller) before provisioning")
        }
        guard !stopped else { throw DomainError.unavailable(code: "shutting_down", "the controller is shutting down") }
        guard !busyServers.contains(serverID) else { throw DomainError.conflict(field: nil, "this server is already being provisioned") }
        let server = try await store.database.read { db in try ServerRepository.find(db, id: serverID) }
        guard let server else { throw DomainError.notFound("server") }
        guard !server.isLocal else { throw DomainError.conflict(field: nil, "the local server is not provisioned over SSH") }
        let mustConfirm = try await Self.hostKeysNeedConfirmation(store)
        if mustConfirm, server.sshHostKey == nil {
            throw DomainError.conflict(
                field: "host_key",
                "an admin must confirm this server's SSH host key before credentials are sent: scan it, compare the fingerprint with the server's own, then confirm it"
            )
        }
        var secrets = credentials
        if secrets == nil, let sealed = server.sshCredentials {
            secrets = try? JSONValueDecoder().decode(Credentials.self, from: JSONParser.parse(vault.open(sealed)))
        }
        guard let secrets, secrets.password?.isEmpty == false || secrets.private_key?.isEmpty == false else {
            throw DomainError.invalid(ValidationFailure("password", "give a password or a private_key (no credentials are kept for this server)"))
        }
        let runID = try await store.database.write { db -> Int64 in
            let id = try ProvisioningRunRepository.start(db, serverID: serverID, kind: kind.rawValue)
            if kind == .provision { try ServerRepository.markProvisioning(db, id: serverID) }
            // New credentials replace the kept ones (or drop them); a run on kept ones keeps them.
            if keep {
                try ServerRepository.setSealedCredentials(db, id: serverID, try vault.seal(Data(JSONValueEncoder().encode(secrets).serialized())))
            } else if credentials != nil {
                try ServerRepository.setSealedCredentials(db, id: serverID, nil)
            }
            try AuditLog.record(
                db, actor, action: kind.rawValue, resourceType: "server", resourceID: serverID, details: ["run": id, "kept_credentials": keep],
                serverID: serverID)
            return id
        }
        store.statusFeed.announce()
        let run = ProvisioningRun(id: runID, serverID: serverID)
        runs[runID] = run
        busyServers.insert(serverID)
        let target = Destination(
            host: server.hostname, port: server.sshPort, user: server.sshUser, pinnedKey: server.sshHostKey,
            requirePinnedKey: mustConfirm)
        jobs.yield(Job(run: run, kind: kind, destination: target, credentials: secrets, publicURL: publicURL))
        return run
    }

    /// A run of this controller's lifetime, or nil (older runs are read from the database).
    func run(_ id: Int64) -> ProvisioningRun? { runs[id] }

    /// A run's lines, status and server: live when it runs in this controller, else as recorded.
    func log(_ id: Int64) async throws -> ProvisioningRunRepository.StoredRun {
        if let run = runs[id] {
            let snapshot = run.snapshot
            return .init(serverID: run.serverID, status: snapshot.finished ?? "running", lines: snapshot.lines)
        }
        guard let stored = try await store.database.read({ db in try ProvisioningRunRepository.find(db, id: id) }) else {
            throw DomainError.notFound("provisioning run")
        }
        return stored
    }

    /// The server's 50 latest runs, newest first.
    func history(serverID: Int64) async throws -> [ProvisioningRunRepository.Summary] {
        try await store.database.read { db in try ProvisioningRunRepository.latest(db, serverID: serverID) }
    }

    /// Asks a run under way to stop at its next safe point (audited).
    func cancel(_ id: Int64, by actor: AuditLog.Actor) async throws {
        guard let run = runs[id], run.snapshot.finished == nil else {
            throw DomainError.conflict(field: nil, "this provisioning run is not running")
        }
        run.cancel()
        try await store.database.write { db in
            try AuditLog.record(
                db, actor, action: "cancel_provisioning", resourceType: "server", resourceID: run.serverID, details: ["run": id],
                serverID: run.serverID)
        }
    }

    // MARK: - The run

    struct Destination: Sendable {
        var host: String, port: Int, user: String, pinnedKey: String?
        var requirePinnedKey = false
    }

    /// The setting `confirm_host_keys`: no credential goes to a server whose host key an admin has not confirmed.
    static func hostKeysNeedConfirmation(_ store: Store) async throws -> Bool {
        try await store.database.read { db in try SettingsRepository.all(db)["confirm_host_keys"] == "true" }
    }

    /// Connects to the server without credentials and returns its host key (`SHA256:…`), for an
    /// admin to compare with the server's own (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`)
    /// before confirming it. Pins nothing.
    func scanHostKey(serverID: Int64, by actor: AuditLog.Actor) async throws -> String {
        guard let plugin = runner.catalog.plugin(id: configuration.provisioningTransport) else {
            throw DomainError.conflict(field: nil, "the \(configuration.provisioningTransport) plugin is not loaded")
        }
        let server = try await store.database.read { db in try ServerRepository.findRemote(db, id: serverID) }
        guard let server else { throw DomainError.notFound("server") }
        var request = SSHOpenRequest(host: server.hostname, port: server.sshPort, user: server.sshUser)
        request.scan_only = true
        let target: TransportTarget
        do {
            target = try TransportTarget.open(
                plugin: plugin, name: server.hostname, request: try request.encoded(), isCancelled: { false }, onLog: { _ in })
        } catch {
            throw DomainError.upstream(code: "unreachable", "cannot reach the server's SSH port: \(error)")
        }
        defer { target.close() }
        guard case .string(let key)? = target.openAnswer["host_key"], !key.isEmpty else {
            throw DomainError.upstream(code: "unreachable", "the server offered no host key")
        }
        try await store.database.write { db in
            try AuditLog.record(
                db, actor, action: "scan_host_key", resourceType: "server", resourceID: serverID, details: ["host_key": key], serverID: serverID)
        }
        return key
    }

    /// Pins `key` as the server's host key: provisioning then talks only to a server that proves it.
    func confirmHostKey(serverID: Int64, key: String, actor: AuditLog.Actor) async throws {
        guard Self.isFingerprint(key) else {
            throw DomainError.invalid(
                ValidationFailure("host_key", "must be an SSH host key fingerprint as OpenSSH prints it: SHA256: and 43 base64 characters"))
        }
        try await store.database.write { db in
            guard try ServerRepository.findRemote(db, id: serverID) != nil else { throw DomainError.notFound("server") }
            try ServerRepository.setHostKey(db, id: serverID, key)
            try AuditLog.record(
                db, actor, action: "confirm_host_key", resourceType: "server", resourceID: serverID, details: ["host_key": key], serverID: serverID)
        }
    }

    static func isFingerprint(_ key: String) -> Bool {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        return key.hasPrefix("SHA256:") && key.utf8.count == 50 && key.utf8.dropFirst(7).allSatisfy(alphabet.contains)
    }

    /// nil on success, else why it failed.
    private func execute(_ run: ProvisioningRun, kind: Kind, target destination: Destination, credentials: Credentials, publicURL: String) async
        -> String?
    {
        let transport = configuration.provisioningTransport
        guard let plugin = runner.catalog.plugin(id: transport) else { return "the \(transport) plugin is not loaded" }
        run.append("connecting to \(destination.user)@\(destination.host) port \(destination.port)")
        var request = SSHOpenRequest(host: destination.host, port: destination.port, user: destination.user)
        request.password = credentials.password.flatMap { $0.isEmpty ? nil : $0 }
        request.private_key = credentials.private_key.flatMap { $0.isEmpty ? nil : $0 }
        request.passphrase = credentials.passphrase
        request.known_host_key = destination.pinnedKey
        request.require_known_host_key = destination.requirePinnedKey ? true : nil
        let target: TransportTarget
        do {
            let cancellation = run.cancellation
            target = try TransportTarget.open(
                plugin: plugin, name: destination.host, request: try request.encoded(),
                isCancelled: { cancellation.isCancelled },
                onLog: { record in run.append("    [\(record.level)] \(record.message)") })
        } catch {
            return "cannot connect: \(error)"
        }
        defer { target.close() }
        let hostKey = if case .string(let key)? = target.openAnswer["host_key"] { key } else { "" }
        if destination.pinnedKey == nil {
            run.append("host key \(hostKey) pinned (first connection)")
            try? await store.database.write { db in
                try ServerRepository.setHostKey(db, id: run.serverID, hostKey)
            }
        } else {
            run.append("host key \(hostKey) matches the pinned one")
        }
        do {
            guard let chosen = try await chosenPipeline(kind, serverID: run.serverID, run: run) else {
                return "no \(kind.rawValue) pipeline is configured"
            }
            let (pipeline, runner) = chosen
            let location = AgentConfigLocation.described(by: pipeline, catalog: runner.catalog, target: target)
            let token = try await agentToken(on: target, at: location, serverID: run.serverID, run: run)
            let input = try provisioningInput(token: token, port: destination.port, publicURL: publicURL)
            let started = try runner.start(pipeline, input: input, target: target)
            await withTaskGroup(of: Void.self) { group in
                // Passes a cancellation asked for the run on to the pipeline.
                group.addTask {
                    while !Task.isCancelled {
                        if run.cancellation.isCancelled { return started.cancel() }
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                }
                for await event in started.events {
                    if let line = PipelineEventText.line(for: event) { run.append(line) }
                }
                group.cancelAll()
            }
            let failure = await started.report().failureMessage
            if failure == nil { await recordUninstallCommands(pipeline, target: target, serverID: run.serverID, run: run) }
            return failure
        } catch {
            return "\(error)"
        }
    }

    /// Keeps the commands that remove the agent from the server the way this run installed it,
    /// The pipeline a run of `kind` runs for the server: the one kept as data for it (its own,
    /// else the default; its catalog plugins from the shelf), else the configured one.
    private func chosenPipeline(_ kind: Kind, serverID: Int64, run: ProvisioningRun) async throws -> (PipelineDefinition, PipelineRunner)? {
        let kept = try await store.database.read { db in try PipelineRepository.effective(db, serverID: serverID, name: kind.rawValue) }
        guard let kept else { return pipelines[kind.rawValue].map { ($0, runner) } }
        guard let shelf else { throw ValidationFailure("pipeline", "the \(kind.rawValue) pipeline kept as data needs the plugin catalog") }
        run.append(
            "\(kind.rawValue) pipeline kept on the controller: \(kept.steps.map { "\($0.plugin)\($0.version.map { " " + $0 } ?? "")" }.joined(separator: ", "))"
        )
        let definition = PipelineDefinition(
            name: kind.rawValue, steps: kept.steps.map { PipelineDefinition.Step(plugin: $0.plugin, config: $0.config.serialized()) })
        return (definition, PipelineRunner(catalog: try shelf.catalog(for: kept, over: runner.catalog)))
    }

    /// as the pipeline's describing step tells them (`{"uninstall": true}`), for when the
    /// server is deleted.
    private func recordUninstallCommands(_ pipeline: PipelineDefinition, target: TransportTarget, serverID: Int64, run: ProvisioningRun) async {
        guard let answer = pipeline.description(input: #"{"uninstall":true}"#, catalog: runner.catalog, target: target),
            let commands: [String] = try? answer.required("uninstall_commands"), !commands.isEmpty
        else { return }
        do {
            try await store.database.write { db in try ServerRepository.setUninstallCommands(db, id: serverID, commands) }
        } catch {
            run.append("could not keep the uninstall commands: \(error)")
        }
    }

    /// The token in the server's agent settings (where `location` says) when it still matches
    /// the stored hash; otherwise a fresh one, whose hash replaces the stored one.
    private func agentToken(on target: TransportTarget, at location: AgentConfigLocation?, serverID: Int64, run: ProvisioningRun) async throws
        -> String
    {
        let stored = try await store.database.read { db in
            try ServerRepository.agentTokenHash(db, remoteID: serverID)
        }
        if let stored, let location, let file = try? target.readFile(location.path) {
            if let existing = location.token(in: file), AgentProtocol.serverID(inToken: existing) == serverID,
                try await Secrets.verifyPassword(existing, hash: stored)
            {
                run.append("the server's agent token is still valid; keeping it")
                return existing
            }
        }
        let (token, credential) = try await AgentCredential.issue(serverID: serverID)
        try await store.database.write { db in
            try ServerRepository.setAgentToken(db, id: serverID, credential)
        }
        run.append("issued a fresh agent token")
        return token
    }

    private func provisioningInput(token: String, port: Int, publicURL: String) throws -> [UInt8] {
        let bundle = configuration.agentBundleDirectory
        guard let enumerator = FileManager.default.enumerator(atPath: bundle) else {
            throw ValidationFailure("POSTERNPROXY_AGENT_BUNDLE", "no agent bundle at \(bundle) (scripts/bundle-agent.sh makes one)")
        }
        var files: [ProvisioningInput.File] = []
        while let relative = enumerator.nextObject() as? String {
            let source = (bundle as NSString).appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            files.append(ProvisioningInput.File(source: source, path: "/usr/local/" + relative, mode: 0o755))
        }
        guard files.contains(where: { $0.path == "/usr/local/bin/posternproxy-agent" }) else {
            throw ValidationFailure("POSTERNPROXY_AGENT_BUNDLE", "\(bundle) has no bin/posternproxy-agent")
        }
        let input = ProvisioningInput(
            controller_url: publicURL, agent_token: token, ssh_port: port, agent_files: files, caddy_binary: configuration.provisionCaddyBinary)
        return try JSONValueEncoder().encode(input).serialized()
    }

    private func finish(_ run: ProvisioningRun, outcome: String?, kind: Kind) async {
        busyServers.remove(run.serverID)
        let status = outcome == nil ? "succeeded" : "failed"
        run.append(outcome.map { "provisioning failed: \($0)" } ?? "\(kind.rawValue) finished; waiting for the agent to connect")
        run.finish(status)
        let lines = run.snapshot.lines
        let connected = await agentConnected(run.serverID)
        do {
            let name = try await store.database.write { db in
                try ProvisioningRunRepository.finish(db, id: run.id, status: status, lines: lines)
                if let outcome {
                    try ServerRepository.markFailed(db, id: run.serverID, message: "\(kind.rawValue) failed: \(outcome)")
                } else if connected {
                    try ServerRepository.markProvisioned(db, id: run.serverID)
                }
                return try ServerRepository.name(db, id: run.serverID) ?? "server \(run.serverID)"
            }
            store.notifications.post(
                outcome.map { .init(kind: .provisioningFailed, text: "\(kind.rawValue.capitalized) of \(name) failed: \($0)", server: name) }
                    ?? .init(kind: .provisioningFinished, text: "\(kind.rawValue.capitalized) of \(name) finished.", server: name))
        } catch {
            logger.error("could not record a provisioning run", metadata: ["run": "\(run.id)", "error": "\(error)"])
        }
        store.statusFeed.announce()
    }
}
