import ArgumentParser
import Controller
import Foundation
import Host

/// `posternproxy serve` (the default): runs the controller with the `POSTERNPROXY_*` environment.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the controller: web UI and REST API (POSTERNPROXY_LISTEN, default 0.0.0.0:81).",
        discussion:
            "Data lives in POSTERNPROXY_DATA_DIR (default /var/lib/posternproxy); the first start creates the admin and prints its password under INITIAL SETUP."
    )

    func run() async throws {
        do {
            try LogFormat.from(ProcessInfo.processInfo.environment).bootstrap()
        } catch {
            FileHandle.standardError.write(Data("posternproxy: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let controller: Controller
        do {
            controller = try Controller(configuration: try ControllerConfiguration.fromEnvironment())
        } catch {
            FileHandle.standardError.write(Data("posternproxy: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        try await controller.run()
    }
}
