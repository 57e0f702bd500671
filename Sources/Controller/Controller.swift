import Foundation
import Hummingbird
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
        let app = Application(
            router: APIRouter(store: store, configuration: configuration).build(),
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: nil),
            logger: logger)
        try await app.runService()
    }
}
