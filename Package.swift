// swift-tools-version:6.0
//
// PosternProxy: a reverse-proxy manager whose backends are plugins loaded through one C ABI.
// See ARCHITECTURE.md for how these targets fit together.

import PackageDescription

let package = Package(
    name: "PosternProxy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "posternproxy", targets: ["PosternProxyCLI"]),
        .executable(name: "posternproxy-agent", targets: ["PosternProxyAgent"]),
        .library(name: "Host", targets: ["Host"]),
        .library(name: "PluginKit", targets: ["PluginKit"]),
        // First-party plugins: each is a shared object the hosts load with dlopen.
        .library(name: "PosternProxyCaddyL4", type: .dynamic, targets: ["CaddyL4"]),
        .library(name: "PosternProxyIptables", type: .dynamic, targets: ["Iptables"]),
        .library(name: "PosternProxySSHProvisioner", type: .dynamic, targets: ["SSHProvisioner"]),
        .library(name: "PosternProxyUFWHardening", type: .dynamic, targets: ["UFWHardening"]),
        // The plain-C example plugin of PLUGINS.md.
        .library(name: "PosternProxyExampleMotd", type: .dynamic, targets: ["ExampleMotd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // The ABI: one C header, nothing else.
        .target(name: "PluginAPI", path: "Sources/PluginAPI"),

        // What every plugin host (controller, agent, CLI) shares: loader, pipeline runner, targets.
        // JSON values, a fast strict parser and typed reading: for documents on hot paths (desired
        // states, plans, journals), where Foundation's JSON is too slow.
        .target(name: "JSONCore", path: "Sources/JSONCore"),

        // glibc calls Swift's Glibc module does not declare (pipe2, thread names, malloc_trim).
        .target(name: "CHostSystem", path: "Sources/CHostSystem"),

        .target(
            name: "Host", dependencies: ["PluginAPI", "JSONCore", "CHostSystem", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Host"),

        // Swift-side helpers for writing a plugin against the C ABI.
        .target(name: "PluginKit", dependencies: ["PluginAPI", "JSONCore"], path: "Sources/PluginKit"),

        // The controller: REST API, store, authentication, audit log (no plugin code of its own).
        .target(
            name: "Controller",
            dependencies: [
                "Host",
                "JSONCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                // A refused agent upgrade's answer is rewritten at the HTTP-part level.
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                // bcrypt runs on its thread pool, off the cooperative pool.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // Nginx Proxy Manager's certificate uploads are multipart forms.
                .product(name: "MultipartKit", package: "multipart-kit"),
                // A running NPM gives out certbot's certificates as ZIP archives.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                // The admin's own TLS certificate: made at first start, or read from the admin's files.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Single sign-on: HTTPS to the identity provider, and RS256 ID-token signatures.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                // `/metrics`: the controller's own measurements in the Prometheus text format.
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Controller",
            // The web UI: plain HTML, CSS and JavaScript modules, served as they are; NPM's API
            // schema, which `GET /npm/api/schema` answers (scripts/npm-schema-bundle.py writes it).
            resources: [.copy("WebUI"), .copy("NPM/Schema")]
        ),

        // The `posternproxy` command: the controller, and the plugin tools.
        .executableTarget(
            name: "PosternProxyCLI",
            dependencies: [
                "Host", "Controller", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Sources/posternproxy"
        ),

        // The agent on every remote server: the plugin host and a WebSocket client, nothing of
        // the controller's web or database stack.
        .executableTarget(
            name: "PosternProxyAgent",
            dependencies: [
                "Host",
                "JSONCore",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/posternproxy-agent",
            // The agent bundle installs the Swift runtime beside the agent (scripts/bundle-agent.sh):
            // a remote server has no toolchain.
            linkerSettings: [.unsafeFlags(["-Xlinker", "-rpath=$ORIGIN/../lib/posternproxy-agent/lib"])]
        ),

        // First-party plugins. Pure logic lives in a library the tests and benchmarks link
        // directly; the plugin target only adapts it to the ABI.
        .target(name: "CaddyL4Rendering", dependencies: ["JSONCore"], path: "Plugins/CaddyL4/Rendering"),
        .target(name: "CaddyL4", dependencies: ["PluginKit", "CaddyL4Rendering", "JSONCore"], path: "Plugins/CaddyL4/Plugin"),
        .target(name: "Iptables", dependencies: ["PluginKit", "JSONCore"], path: "Plugins/Iptables"),
        .systemLibrary(name: "CLibSSH2", path: "Plugins/SSHProvisioner/CLibSSH2", providers: [.apt(["libssh2-1-dev"])]),
        .target(name: "SSHProvisioner", dependencies: ["PluginKit", "CLibSSH2"], path: "Plugins/SSHProvisioner", exclude: ["CLibSSH2"]),
        .target(name: "UFWHardening", dependencies: ["PluginKit"], path: "Plugins/UFWHardening"),

        .target(name: "ExampleMotd", dependencies: ["PluginAPI"], path: "Examples/MotdPlugin", publicHeadersPath: "."),

        // Measures the cost of crossing the ABI (see Benchmarks/README.md).
        .executableTarget(
            name: "ABIBenchmark",
            dependencies: ["Host", "CaddyL4Rendering"],
            path: "Benchmarks/ABIBenchmark"
        ),

        .executableTarget(
            name: "DataPlaneBenchmark",
            dependencies: ["Host", "CaddyL4Rendering", "JSONCore"],
            path: "Benchmarks/DataPlaneBenchmark"
        ),

        .executableTarget(
            name: "TrafficBenchmark",
            dependencies: [
                "Controller", "Host", "JSONCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/TrafficBenchmark"
        ),

        // What both test targets use: paths of the build, temporary folders, child processes.
        .target(name: "TestSupport", dependencies: ["Host"], path: "Tests/TestSupport"),

        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "Controller", "Host", "TestSupport",
                // Reading the store a stopped controller left, and the store layer's own tests.
                .product(name: "GRDB", package: "GRDB.swift"),
                // Route tests through the router in process, without a socket.
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // Signing test ID tokens the way a provider does.
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/ControllerTests"
        ),

        .testTarget(
            name: "AgentTests",
            dependencies: ["PosternProxyAgent", "TestSupport"],
            path: "Tests/AgentTests"
        ),

        .testTarget(
            name: "HostTests",
            dependencies: ["Host", "PluginKit", "CaddyL4Rendering", "JSONCore", "TestSupport"],
            path: "Tests/HostTests"
        ),
    ]
)
