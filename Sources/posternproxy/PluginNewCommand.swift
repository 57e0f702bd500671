import ArgumentParser
import Foundation
import Host

extension PluginsCommand {
    /// `posternproxy plugins new`: writes a buildable plugin project with a test.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new plugin project: the C source on the SDK header, build.sh, config.json and test.sh.",
            discussion: """
                A step keeps a line in a file (its test.sh runs `plugins test`); a profile describes a file for the host to \
                keep (its test.sh runs it twice as a pipeline in a throwaway root). Plugins in Swift are written against \
                PluginKit (PLUGINS.md); this command writes C projects.
                """)

        @Argument(help: "The plugin's name: lower-case letters, digits and '-', starting with a letter (at most 40).")
        var name: String

        @Option(name: .long, help: "The language: c.")
        var lang: String = "c"

        @Option(name: .long, help: "What it is: \(PluginTemplates.Kind.allCases.map(\.rawValue).joined(separator: " or ")).")
        var kind: String = "step"

        @Option(name: .long, help: "Its id, reverse-DNS [com.example.NAME].")
        var id: String?

        @Option(name: .long, help: "The folder to create [./NAME]; it must not exist.")
        var into: String?

        @Option(
            name: .long,
            help: "Where the plugin headers are [$POSTERNPROXY_INCLUDE_DIR, else include/ beside this executable, else \(PluginHeaders.installed)].")
        var include: String?

        func validate() throws {
            guard name.count <= 40, name.first?.isLetter == true, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
            else {
                throw ValidationError("the name `\(name)` must be lower-case letters, digits and '-', starting with a letter, at most 40 characters")
            }
            guard lang == "c" else {
                throw ValidationError(
                    "--lang \(lang): this command writes C projects; a Swift plugin is a SwiftPM .dynamic library on PluginKit (PLUGINS.md, \"Build\")"
                )
            }
            guard PluginTemplates.Kind(rawValue: kind) != nil else {
                throw ValidationError(
                    "--kind \(kind): one of \(PluginTemplates.Kind.allCases.map(\.rawValue).joined(separator: ", ")) (a renderer is a pure function the hosts call themselves; start from a step)"
                )
            }
            if let id, !PluginIdentifier.isValid(id) {
                throw ValidationError("--id \(id): a reverse-DNS id of lower-case letters, digits, '-' and at least one '.'")
            }
        }

        func run() throws {
            let folder = into ?? name
            let headers = include ?? PluginHeaders.configured()
            guard FileManager.default.fileExists(atPath: (headers as NSString).appendingPathComponent("posternproxy_plugin_sdk.h")) else {
                throw ValidationError(
                    "no posternproxy_plugin_sdk.h in \(headers): pass --include with the folder that holds the plugin headers (Sources/PluginAPI/include in the repository)"
                )
            }
            guard !FileManager.default.fileExists(atPath: folder) else { throw ValidationError("\(folder) exists already; choose another --into") }
            let project = PluginTemplates.project(
                name: name, id: id ?? "com.example.\(name)", kind: PluginTemplates.Kind(rawValue: kind)!,
                includeFolder: URL(fileURLWithPath: headers).standardizedFileURL.path, command: PluginFolder.besideExecutable("posternproxy"))
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for file in project.files {
                    let path = (folder as NSString).appendingPathComponent(file.name)
                    try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
                    try FileManager.default.setAttributes([.posixPermissions: file.executable ? 0o755 : 0o644], ofItemAtPath: path)
                }
            } catch {
                throw ValidationError("cannot write the project into \(folder): \(error.localizedDescription)")
            }
            print("wrote \(folder)/: \(project.files.map(\.name).joined(separator: ", "))")
            print("build with \(folder)/build.sh, test with \(folder)/test.sh")
        }
    }
}

/// Where `plugins new` finds the plugin headers by default.
enum PluginHeaders {
    /// The folder an installation puts them in.
    static let installed = "/usr/local/include/posternproxy"

    /// `$POSTERNPROXY_INCLUDE_DIR`; else an `include` folder beside the executable (where
    /// scripts/build.sh copies them); else ``installed``.
    static func configured() -> String {
        if let configured = ProcessInfo.processInfo.environment["POSTERNPROXY_INCLUDE_DIR"], !configured.isEmpty { return configured }
        let beside = PluginFolder.besideExecutable("include")
        return FileManager.default.fileExists(atPath: beside) ? beside : installed
    }
}
