import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The certificate of the admin's HTTPS listener and where it comes from: a self-signed one made
/// at first start (kept in the data folder, made again when it is within 30 days of expiry), or
/// the admin's own PEM files, read again whenever they change. Every TLS handshake presents the
/// current certificate, so a renewal needs no restart; a file that fails its checks is logged
/// and reported, and the previous certificate stays in use.
final class AdminTLS: Sendable {
    /// Where the certificate comes from.
    enum Source: Sendable, Equatable {
        /// Made by the controller, in these files.
        case selfSigned(certificateFile: String, keyFile: String)
        /// The admin's files (`POSTERNPROXY_TLS_CERT`, `POSTERNPROXY_TLS_KEY`).
        case files(certificateFile: String, keyFile: String)

        var files: (certificate: String, key: String) {
            switch self {
            case .selfSigned(let certificate, let key), .files(let certificate, let key): (certificate, key)
            }
        }
    }

    struct State: Sendable {
        var certificate: AdminCertificate
        /// The contents last read, so an unchanged file is not checked again.
        var readCertificate: String
        var readKey: String
        /// Why the files' latest contents were not taken, if they were not.
        var reloadError: ValidationFailure?
    }

    let source: Source
    private let state: Mutex<State>
    /// True when this start made the self-signed certificate (INITIAL SETUP prints it).
    let madeCertificate: Bool

    /// Reads the admin's files, or the self-signed certificate (making it when missing or near
    /// expiry). Throws naming the variable or file when the admin's files are unusable.
    init(configuration: ControllerConfiguration, now: Date = Date()) throws {
        if let certificateFile = configuration.tlsCertificateFile, let keyFile = configuration.tlsKeyFile {
            source = .files(certificateFile: certificateFile, keyFile: keyFile)
            guard let (certificate, key) = try? Self.read(certificateFile, keyFile) else {
                let unreadable =
                    FileManager.default.isReadableFile(atPath: certificateFile)
                    ? ("POSTERNPROXY_TLS_KEY", keyFile) : ("POSTERNPROXY_TLS_CERT", certificateFile)
                throw ValidationFailure(unreadable.0, "\(unreadable.1) cannot be read")
            }
            state = Mutex(State(certificate: try Self.check(certificate, key), readCertificate: certificate, readKey: key))
            madeCertificate = false
            return
        }
        let folder = (configuration.dataDirectory as NSString).appendingPathComponent("tls")
        let files = (
            certificate: (folder as NSString).appendingPathComponent("admin-certificate.pem"),
            key: (folder as NSString).appendingPathComponent("admin-key.pem")
        )
        source = .selfSigned(certificateFile: files.certificate, keyFile: files.key)
        if let (certificate, key) = try? Self.read(files.certificate, files.key),
            let existing = try? Self.check(certificate, key), existing.notAfter > now + 30 * 24 * 3600
        {
            state = Mutex(State(certificate: existing, readCertificate: certificate, readKey: key))
            madeCertificate = false
            return
        }
        let made = try AdminCertificate.makeSelfSigned(names: HostAddresses.names(), addresses: HostAddresses.addresses(), now: now)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for (text, path) in [(made.key, files.key), (made.certificate, files.certificate)] {
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ValidationFailure(path, "cannot be written")
            }
        }
        state = Mutex(State(certificate: try Self.check(made.certificate, made.key), readCertificate: made.certificate, readKey: made.key))
        madeCertificate = true
    }

    var current: State { state.withLock { $0 } }

    /// A TLS configuration whose every handshake presents the current certificate.
    func serverConfiguration() -> TLSConfiguration {
        let certificate = current.certificate
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificate.tlsChain, privateKey: certificate.tlsKey)
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = { [self] _, promise in
            promise.succeed(self.current.certificate.handshakeOverride)
        }
        return configuration
    }

    /// Reads the files again; takes their contents when they changed and pass every check.
    /// Returns the refusal when they changed and did not.
    @discardableResult
    func reload() -> ValidationFailure? {
        let files = source.files
        guard let (certificate, key) = try? Self.read(files.certificate, files.key) else {
            let failure = ValidationFailure(Self.variable(for: source).certificate, "\(files.certificate) or \(files.key) cannot be read")
            state.withLock { $0.reloadError = failure }
            return failure
        }
        let previous = current
        guard certificate != previous.readCertificate || key != previous.readKey else { return previous.reloadError }
        do {
            let checked = try Self.check(certificate, key, source: source)
            state.withLock { $0 = State(certificate: checked, readCertificate: certificate, readKey: key) }
            return nil
        } catch {
            state.withLock {
                $0.readCertificate = certificate
                $0.readKey = key
                $0.reloadError = error
            }
            return error
        }
    }

    private static func read(_ certificateFile: String, _ keyFile: String) throws -> (String, String) {
        (try String(contentsOfFile: certificateFile, encoding: .utf8), try String(contentsOfFile: keyFile, encoding: .utf8))
    }

    private static func variable(for source: Source) -> (certificate: String, key: String) {
        switch source {
        case .files: ("POSTERNPROXY_TLS_CERT", "POSTERNPROXY_TLS_KEY")
        case .selfSigned(let certificate, let key): (certificate, key)
        }
    }

    private static func check(_ certificate: String, _ key: String, source: Source? = nil) throws(ValidationFailure) -> AdminCertificate {
        let names: (certificate: String, key: String) = source.map(variable(for:)) ?? ("POSTERNPROXY_TLS_CERT", "POSTERNPROXY_TLS_KEY")
        return try AdminCertificate(certificatePEM: certificate, keyPEM: key, certificateField: names.certificate, keyField: names.key)
    }
}

/// Watches the certificate files every `interval` while the controller runs.
struct AdminTLSWatch: Service {
    let tls: AdminTLS
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Ends with the controller: graceful shutdown cancels the loop.
        try? await cancelWhenGracefulShutdown { await watch() }
    }

    private func watch() async {
        var lastReported: String?
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            let before = tls.current.certificate.fingerprintSHA256
            let refusal = tls.reload()
            let after = tls.current.certificate.fingerprintSHA256
            if after != before { logger.info("admin TLS certificate reloaded", metadata: ["sha256": "\(after)"]) }
            if let refusal, refusal.description != lastReported {
                logger.error("admin TLS certificate files refused; the previous certificate stays in use", metadata: ["reason": "\(refusal)"])
            }
            lastReported = refusal?.description
        }
    }
}
