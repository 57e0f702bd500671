import Foundation

/// Builds real shared objects and programs with the system C compiler, against the real header.
public enum CCompiler {
    /// Compiles `source` (C text) into a shared object `name` in `folder`; returns its path.
    public static func sharedObject(
        _ source: String, named name: String, in folder: TemporaryFolder,
        extraArguments: [String] = []
    ) throws -> String {
        let sourceFile = try folder.write("\(name).c", source)
        let output = folder.file(name)
        try compile(["-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", output, sourceFile] + extraArguments)
        return output
    }

    /// Compiles a fixture of Tests/Fixtures into a shared object, with `defines` (`-D` values).
    public static func fixture(_ fixture: String, named name: String, in folder: TemporaryFolder, defines: [String] = []) throws -> String {
        let output = folder.file(name)
        try compile(
            ["-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", output, TestEnvironment.fixture(fixture)] + defines.map { "-D\($0)" })
        return output
    }

    /// Runs `cc` and throws its diagnostics when it fails.
    public static func compile(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-Wall", "-Werror"] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let diagnostics = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("cc failed: \(String(decoding: diagnostics, as: UTF8.self))")
        }
    }
}
