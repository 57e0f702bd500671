import ArgumentParser
import Foundation
import Host

extension PluginsCommand {
    /// `posternproxy plugins new`: writes a buildable plugin project with a test.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new plugin project: its source, build.sh, an example config or input, and test.sh.",
            discussion: """
                In C, on the SDK header: a step keeps a line in a file (its test.sh runs `plugins test`); a profile \
                describes a file for the host to keep (its test.sh runs it twice as a pipeline in a throwaway root); a \
                renderer turns the desired state into a text (its test.sh renders a sample state and compares). In Swift, \
                a step on PluginKit: a SwiftPM package that depends on the PosternProxy package (--package), built with the \
                hosts' toolchain; its test.sh runs `plugins test`.
                """)

        @Argument(help: "The plugin's name: lower-case letters, digits and '-', starting with a letter (at most 40).")
        var name: String

        @Option(name: .long, help: "The language: c or swift (a step on PluginKit).")
        var lang: String = "c"

        @Option(name: .long, help: "What it is: \(PluginTemplates.Kind.allCases.map(\.rawValue).joined(separator: " or ")).")
        var kind: String = "step"

        @Option(name: .long, help: "Its id, reverse-DNS [com.example.NAME].")
        var id: String?

        @Option(name: .long, help: "The folder to create [./NAME]; it must not exist.")
        var into: String?

        @Option(
            name: .long,
            help:
                "For --lang swift: the PosternProxy package the plugin builds against [$POSTERNPROXY_PACKAGE, else the checkout the headers are in].")
        var package: String?

        @Option(
            name: .long,
            help: "Where the plugin headers are [$POSTERNPROXY_INCLUDE_DIR, else include/ beside this executable, else \(PluginHeaders.installed)].")
        var include: String?

        func validate() throws {
            guard name.count <= 40, name.first?.isLetter == true, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
            else {
                throw ValidationError("the name `\(name)` must be lower-case letters, digits and '-', starting with a letter, at most 40 characters")
            }
            guard lang == "c" || lang == "swift" else {
                throw ValidationError("--lang \(lang): c or swift")
            }
            guard PluginTemplates.Kind(rawValue: kind) != nil else {
                throw ValidationError("--kind \(kind): one of \(PluginTemplates.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard lang == "c" || kind == "step" else {
                throw ValidationError("--lang swift writes a step; a profile or a renderer in Swift starts from it (PLUGINS.md, \"Build\")")
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
            let includeFolder = URL(fileURLWithPath: headers).standardizedFileURL.path
            let command = PluginFolder.besideExecutable("posternproxy")
            let files: [(name: String, text: String, executable: Bool)]
            if lang == "swift" {
                files = PluginSwiftTemplate.files(
                    name: name, id: id ?? "com.example.\(name)", packagePath: try packagePath(headers: includeFolder), command: command)
            } else {
                files =
                    PluginTemplates.project(
                        name: name, id: id ?? "com.example.\(name)", kind: PluginTemplates.Kind(rawValue: kind)!, includeFolder: includeFolder,
                        command: command
                    ).files
            }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for file in files {
                    let path = (folder as NSString).appendingPathComponent(file.name)
                    try FileManager.default.createDirectory(
                        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
                    try FileManager.default.setAttributes([.posixPermissions: file.executable ? 0o755 : 0o644], ofItemAtPath: path)
                }
            } catch {
                throw ValidationError("cannot write the project into \(folder): \(error.localizedDescription)")
            }
            print("wrote \(folder)/: \(files.map(\.name).joined(separator: ", "))")
            print("build with \(folder)/build.sh, test with \(folder)/test.sh")
        }

        /// The PosternProxy package a Swift plugin builds against: --package, else
        /// $POSTERNPROXY_PACKAGE, else the checkout whose Sources/PluginAPI/include the headers are.
        private func packagePath(headers: String) throws -> String {
            let given = package ?? ProcessInfo.processInfo.environment["POSTERNPROXY_PACKAGE"].flatMap { $0.isEmpty ? nil : $0 }
            let suffix = "/Sources/PluginAPI/include"
            let path = given ?? (headers.hasSuffix(suffix) ? String(headers.dropLast(suffix.count)) : nil)
            guard let path, FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("Package.swift")) else {
                throw ValidationError(
                    "--lang swift: no PosternProxy package \(given.map { "at \($0)" } ?? "found"); pass --package with the path of a checkout of the hosts' version"
                )
            }
            let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
            guard !standardized.contains(where: { $0 == "\"" || $0 == "\\" || $0.isNewline }) else {
                throw ValidationError(
                    "--package \(standardized): a path without quotes, backslashes or line breaks (it is written into Package.swift)")
            }
            return standardized
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
