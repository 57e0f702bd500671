import Foundation
import TestSupport

/// A controller that runs the local server's data plane: its own Caddy, applied through the real
/// `posternproxy.caddy` plugin, listening for HTTP on `httpPort` and HTTPS on `httpsPort`.
struct LocalDataPlane {
    let controller: ControllerProcess
    let httpPort: Int
    let httpsPort: Int

    init() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), toPath: folder.file("plugins/libPosternProxyCaddyL4.so"))
        httpPort = try FreePort.next()
        httpsPort = try FreePort.next()
        controller = try ControllerProcess(
            folder: folder,
            extraEnvironment: [
                "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy", "POSTERNPROXY_PLUGINS_DIR": folder.file("plugins"),
                "POSTERNPROXY_HTTP_PORT": String(httpPort), "POSTERNPROXY_HTTPS_PORT": String(httpsPort),
            ])
    }
}
