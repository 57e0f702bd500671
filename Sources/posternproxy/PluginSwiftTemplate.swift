/// The Swift project of `posternproxy plugins new --lang swift`: a SwiftPM package whose
/// `.dynamic` library is a step on PluginKit (the same "keep a line in a file" step as the C
/// template), built against the PosternProxy package at `packagePath` with the toolchain of the
/// hosts (Swift has no stable ABI on Linux), and a test that runs the conformance rules on it.
enum PluginSwiftTemplate {
    /// `my-step` → `MyStep`.
    static func moduleName(_ name: String) -> String {
        name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func files(name: String, id: String, packagePath: String, command: String) -> [(name: String, text: String, executable: Bool)] {
        let module = moduleName(name)
        let library = "lib\(name).so"
        // SwiftPM names a package dependency given by path after the path's last folder.
        let identity = packagePath.split(separator: "/").last.map(String.init)?.lowercased() ?? "posternproxy"
        let manifest = """
            // swift-tools-version:6.0
            import PackageDescription

            // \(name): a PosternProxy step plugin in Swift. Build it with the toolchain the hosts were
            // built with, against the same PosternProxy sources (Swift has no stable ABI on Linux).
            let package = Package(
                name: "\(module)",
                products: [.library(name: "\(module)", type: .dynamic, targets: ["\(module)"])],
                dependencies: [.package(path: "\(packagePath)")],
                targets: [.target(name: "\(module)", dependencies: [.product(name: "PluginKit", package: "\(identity)")])]
            )

            """
        let build = """
            #!/bin/sh
            # Builds \(library): the package's dynamic library, copied beside this script.
            set -eu
            cd "$(dirname "$0")"
            swift build --product \(module)
            cp "$(swift build --show-bin-path)/lib\(module).so" \(library)

            """
        return [
            ("Package.swift", manifest, false), ("Sources/\(module)/\(module).swift", source(name: name, id: id), false),
            ("build.sh", build, true), ("config.json", #"{"path": "/etc/\#(name).conf", "line": "managed by \#(name)"}"# + "\n", false),
            ("test.sh", PluginTemplates.stepTest(library: library, command: command), true),
        ]
    }

    static func source(name: String, id: String) -> String {
        """
        import JSONCore
        import PluginAPI
        import PluginKit

        // \(name): a step that keeps a line in a file on the target. Config:
        //     {"path": "/etc/\(name).conf", "line": "managed by \(name)"}
        // plan reads the file; apply journals its old content, then appends the line; verify reads it
        // back; rollback restores the old content (or removes a file apply created).

        /// What the config says, checked.
        struct Settings {
            var path: String
            var line: String

            init(_ call: PluginCall) throws {
                guard let config = try? JSONParser.parse(call.config), case .string(let path)? = config["path"], path.hasPrefix("/") else {
                    throw PluginFailure("config needs \\"path\\", an absolute path")
                }
                guard case .string(let line)? = config["line"], !line.contains("\\n") else {
                    throw PluginFailure("config needs \\"line\\", a string without a line break")
                }
                (self.path, self.line) = (path, line)
            }

            /// Whether `file` holds the line as a whole line.
            func isKept(in file: [UInt8]?) -> Bool {
                guard let file else { return false }
                return String(decoding: file, as: UTF8.self).split(separator: "\\n", omittingEmptySubsequences: false).contains { $0 == line }
            }
        }

        enum Step {
            static func plan(_ call: PluginCall) throws -> Int32 {
                let settings = try Settings(call)
                if settings.isKept(in: call.host.readFile(settings.path)) { return call.write(Array(#"{"changes": []}"#.utf8)) }
                call.host.progress("\\(settings.path) will get the line")
                return call.write(Array(#"{"changes": ["add the line"]}"#.utf8))
            }

            static func apply(_ call: PluginCall) throws -> Int32 {
                let settings = try Settings(call)
                let file = call.host.readFile(settings.path)
                // The journal is whole before the effect, so rollback can always read it.
                call.write(JSON.object([("previous", file.map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null)]).serialized())
                var text = file ?? []
                if let last = text.last, last != UInt8(ascii: "\\n") { text.append(UInt8(ascii: "\\n")) }
                text += Array("\\(settings.line)\\n".utf8)
                let status = call.host.writeFile(settings.path, text, mode: 0o644)
                guard status == PP_OK else { throw PluginFailure("cannot write \\(settings.path): status \\(status)") }
                return PP_OK
            }

            static func verify(_ call: PluginCall) throws -> Int32 {
                let settings = try Settings(call)
                guard settings.isKept(in: call.host.readFile(settings.path)) else {
                    throw PluginFailure("\\(settings.path) does not hold the line after apply")
                }
                return PP_OK
            }

            static func rollback(_ call: PluginCall) throws -> Int32 {
                let settings = try Settings(call)
                // No journal (apply was stopped before writing one): apply changed nothing.
                guard let journal = try? JSONParser.parse(call.input), let previous = journal["previous"] else { return PP_OK }
                let status =
                    if case .string(let text) = previous { call.host.writeFile(settings.path, Array(text.utf8), mode: 0o644) } else {
                        call.host.removeFile(settings.path)
                    }
                guard status == PP_OK || status == PP_NOT_FOUND else { throw PluginFailure("cannot restore \\(settings.path): status \\(status)") }
                return PP_OK
            }
        }

        nonisolated(unsafe) private let step = StaticPluginData.table(
            pp_step_v1(
                struct_size: UInt32(MemoryLayout<pp_step_v1>.size),
                plan: { raw in PluginCall.handle(raw, Step.plan) },
                apply: { raw in PluginCall.handle(raw, Step.apply) },
                verify: { raw in PluginCall.handle(raw, Step.verify) },
                rollback: { raw in PluginCall.handle(raw, Step.rollback) }))

        nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
            id: "\(id)", version: "0.1.0", name: "\(name)", summary: "Keeps a line in a file on the target.", kinds: UInt32(PP_KIND_STEP),
            declaration: #"{"needs": {"writes": ["/etc/\(name).conf"]}, "config_schema": {"type": "object", "required": ["path", "line"], "properties": {"path": {"type": "string", "pattern": "^/"}, "line": {"type": "string"}}}}"#,
            getInterface: { id in StaticPluginData.matches(id, PP_INTERFACE_STEP) ? step : nil })

        /// The plugin's entry point: declines a host of another ABI major or an older minor.
        @_cdecl("posternproxy_plugin_entry_v1")
        public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
            StaticPluginData.entry(descriptor, for: host)
        }

        """
    }
}
