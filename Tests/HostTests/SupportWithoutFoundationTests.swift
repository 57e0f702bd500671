import Foundation
import Testing
import TestSupport

@testable import Host

/// The small replacements for Foundation that the host library (and so the agent) uses: each
/// checked against what Foundation itself does, so nothing the agent writes or reads changes.
@Suite struct LocalFilesTests {
    @Test func aMissingFileReadsAsNilAndAFolderIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try LocalFiles.read(folder.file("absent")) == nil)
        #expect(try LocalFiles.read(folder.file("absent/below")) == nil)
        #expect(throws: LocalFileError.self) { try LocalFiles.read(folder.path) }
        #expect(try LocalFiles.read("/proc/self/cmdline")?.isEmpty == false, "files that report no size are read to their end")
    }

    @Test func aReplacedFileHoldsExactlyTheNewBytesAndModeAndNoTemporaryIsLeft() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("state.json")
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try LocalFiles.replace(path, with: large, mode: 0o600)
        #expect(try LocalFiles.read(path) == large)
        try LocalFiles.replace(path, with: Array("short".utf8), mode: 0o640)
        #expect(try LocalFiles.read(path) == Array("short".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
        #expect(try LocalFiles.names(in: folder.path) == ["state.json"])
        #expect(throws: LocalFileError.self) { try LocalFiles.replace(folder.file("no/folder/file"), with: [1], mode: 0o600) }
    }

    @Test func foldersAreMadeWithTheirParentsAndTheModeAskedFor() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let nested = folder.file("a/b/c")
        try LocalFiles.createFolder(nested, mode: 0o700)
        try LocalFiles.createFolder(nested, mode: 0o700)
        #expect(LocalFiles.isFolder(nested) && LocalFiles.exists(nested))
        for made in ["a", "a/b", "a/b/c"] {
            #expect(try FileManager.default.attributesOfItem(atPath: folder.file(made))[.posixPermissions] as? Int == 0o700, "\(made)")
        }
        try LocalFiles.replace(folder.file("a/file"), with: [], mode: 0o644)
        #expect(throws: LocalFileError.self) { try LocalFiles.createFolder(folder.file("a/file/below")) }
        #expect(Set(try LocalFiles.names(in: folder.file("a"))) == ["b", "file"])
        #expect(throws: LocalFileError.self) { try LocalFiles.names(in: folder.file("none")) }
    }

    @Test func removalLinksAndExecutables() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.file("tool")
        try LocalFiles.replace(file, with: Array("#!/bin/sh\n".utf8), mode: 0o644)
        #expect(!LocalFiles.isExecutable(file))
        try LocalFiles.replace(file, with: Array("#!/bin/sh\n".utf8), mode: 0o755)
        #expect(LocalFiles.isExecutable(file))
        #expect(!LocalFiles.isExecutable(folder.path))
        try FileManager.default.createSymbolicLink(atPath: folder.file("link"), withDestinationPath: file)
        #expect(LocalFiles.linkTarget(folder.file("link")) == file)
        #expect(LocalFiles.linkTarget(file) == nil)
        #expect(try LocalFiles.remove(file))
        #expect(try !LocalFiles.remove(file))
        #expect(!LocalFiles.exists(folder.file("link")), "a dangling link leads nowhere")
    }
}

@Suite struct Base64Tests {
    @Test func encodesAndDecodesAsFoundationDoes() {
        var generator = SystemRandomNumberGenerator()
        for count in Array(0...10) + [255, 256, 257, 4096] {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64.encode(bytes)
            #expect(text == Data(bytes).base64EncodedString(), "\(count) bytes")
            #expect(Base64.decode(text) == bytes, "\(count) bytes")
        }
        #expect(Base64.encode(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw==")
    }

    @Test func refusesWhatIsNotPaddedStandardBase64() {
        for text in ["YW55", "YW5", "YW55IGNhcm5hbCBwbGVhcw=", "YW5=IGNh", "YW55\nIGNh", "YW55 GNh", "YW-_", "Y==="] {
            #expect((Base64.decode(text) == nil) == (Data(base64Encoded: text) == nil), "\(text) is judged as Foundation judges it")
        }
        #expect(Base64.decode("YW5") == nil && Base64.decode("YW-_") == nil && Base64.decode("YW55\nIGNh") == nil)
        #expect(Base64.decode("====") == nil, "padding alone encodes nothing (Foundation takes it as empty)")
        #expect(Base64.decode("") == [])
    }
}

@Suite struct UTCTimestampTests {
    @Test func writesISO8601InUTCWithMilliseconds() {
        #expect(UTCTimestamp.text(seconds: 0, milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.text(seconds: 1_796_096_935, milliseconds: 7) == "2026-12-01T03:48:55.007Z")
        #expect(UTCTimestamp.text(seconds: 951_782_400, milliseconds: 999) == "2000-02-29T00:00:00.999Z")
        let now = UTCTimestamp.now()
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = parser.date(from: now)
        #expect(parsed.map { abs($0.timeIntervalSinceNow) < 5 } == true, "\(now)")
    }
}

@Suite struct ProcessEnvironmentTests {
    @Test func readsTheVariablesFoundationSees() {
        setenv("POSTERNPROXY_TEST_VARIABLE", "a=b c", 1)
        defer { unsetenv("POSTERNPROXY_TEST_VARIABLE") }
        #expect(ProcessEnvironment.value("POSTERNPROXY_TEST_VARIABLE") == "a=b c")
        #expect(ProcessEnvironment.all["POSTERNPROXY_TEST_VARIABLE"] == "a=b c")
        #expect(ProcessEnvironment.value("POSTERNPROXY_TEST_UNSET") == nil)
        #expect(ProcessEnvironment.all["PATH"] == ProcessInfo.processInfo.environment["PATH"])
    }
}
