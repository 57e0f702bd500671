import Foundation
import PluginAPI
import PluginKit
import Testing
import TestSupport

@testable import Host

/// `pp_host.follow_file` (ABI 1.4): a log followed as `tail -F` follows one, from where the
/// process began following, across rolls, truncation and a refusing sink, each byte handed out
/// once.
@Suite struct FollowFileTests {
    /// Through the ABI, as a plugin calls it, on a target rooted in a folder of the test's own.
    private func following(_ folder: TemporaryFolder, _ body: (HostProxy) throws -> Void) throws {
        let services = HostServices(
            grants: .observe, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        var failure: (any Error)?
        services.withCHost { host in
            do { try body(HostProxy(host)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func text(_ result: Result<[UInt8]?, HostStatus>) -> String? {
        guard case .success(let bytes?) = result else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func theFirstCallStartsAtTheEndAndLaterOnesHandOutWhatWasAdded() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.write("var/log/a.log", "written before\n")
        let handle = try #require(FileHandle(forWritingAtPath: log))
        defer { try? handle.close() }
        try following(folder) { proxy in
            #expect(text(proxy.followFile("/var/log/a.log", upTo: 1 << 20)) == "")
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("one\ntw".utf8))
            #expect(text(proxy.followFile("/var/log/a.log", upTo: 1 << 20)) == "one\ntw")
            #expect(text(proxy.followFile("/var/log/a.log", upTo: 1 << 20)) == "")
            try handle.write(contentsOf: Data("o\n".utf8))
            #expect(text(proxy.followFile("/var/log/a.log", upTo: 1 << 20)) == "o\n")
        }
    }

    @Test func aFileThatAppearsLaterIsReadFromItsStart() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try following(folder) { proxy in
            #expect(try proxy.followFile("/var/log/b.log", upTo: 1 << 20).get() == nil)
            _ = try folder.write("var/log/b.log", "first\n")
            #expect(text(proxy.followFile("/var/log/b.log", upTo: 1 << 20)) == "first\n")
        }
    }

    /// A roller renames the log, the writer finishes its last line in the renamed file, then a
    /// new log starts: the renamed one is read to its end, then the new one from its start.
    @Test func aRolledLogIsReadToItsEndBeforeTheNewOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.write("var/log/c.log", "")
        try following(folder) { proxy in
            #expect(text(proxy.followFile("/var/log/c.log", upTo: 1 << 20)) == "")
            let old = try #require(FileHandle(forWritingAtPath: log))
            try old.write(contentsOf: Data("a\n".utf8))
            #expect(text(proxy.followFile("/var/log/c.log", upTo: 1 << 20)) == "a\n")
            try old.write(contentsOf: Data("b\n".utf8))
            try FileManager.default.moveItem(atPath: log, toPath: folder.file("var/log/c-rolled.log"))
            try old.write(contentsOf: Data("c\n".utf8))
            try old.close()
            _ = try folder.write("var/log/c.log", "d\n")
            #expect(text(proxy.followFile("/var/log/c.log", upTo: 1 << 20)) == "b\nc\nd\n")
            // Removed, then written again: nothing is lost in between either.
            try FileManager.default.removeItem(atPath: log)
            #expect(text(proxy.followFile("/var/log/c.log", upTo: 1 << 20)) == "")
            #expect(try proxy.followFile("/var/log/c.log", upTo: 1 << 20).get() == nil)
            _ = try folder.write("var/log/c.log", "e\n")
            #expect(text(proxy.followFile("/var/log/c.log", upTo: 1 << 20)) == "e\n")
        }
    }

    @Test func aTruncatedLogIsReadAgainFromItsStart() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.write("var/log/d.log", "")
        try following(folder) { proxy in
            _ = proxy.followFile("/var/log/d.log", upTo: 1 << 20)
            let handle = try #require(FileHandle(forWritingAtPath: log))
            defer { try? handle.close() }
            try handle.write(contentsOf: Data("long line before\n".utf8))
            #expect(text(proxy.followFile("/var/log/d.log", upTo: 1 << 20)) == "long line before\n")
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data("x\n".utf8))
            #expect(text(proxy.followFile("/var/log/d.log", upTo: 1 << 20)) == "x\n")
        }
    }

    @Test func aLimitHandsOutTheRestLaterAndARefusalHandsItOutAgain() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.write("var/log/e.log", "")
        let target = LocalTarget(root: folder.path)
        _ = try target.follow("/var/log/e.log", upTo: 10) { _ in true }
        let handle = try #require(FileHandle(forWritingAtPath: log))
        defer { try? handle.close() }
        try handle.write(contentsOf: Data("0123456789abcdefghij!".utf8))
        var pieces: [String] = []
        func take(_ bytes: [UInt8]) -> Bool {
            pieces.append(String(decoding: bytes, as: UTF8.self))
            return true
        }
        #expect(try target.follow("/var/log/e.log", upTo: 10, take: take) == true)
        #expect(try target.follow("/var/log/e.log", upTo: 10) { _ in false } == false)
        #expect(try target.follow("/var/log/e.log", upTo: 10, take: take) == true)
        #expect(try target.follow("/var/log/e.log", upTo: 10, take: take) == true)
        #expect(pieces == ["0123456789", "abcdefghij", "!"])
        // Following observes: it works while planning, and not at all without a target.
        let none = HostServices(grants: .observe, target: nil, isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        none.withCHost { host in
            #expect(HostProxy(host).followFile("/var/log/e.log", upTo: 10) == .failure(HostStatus(PP_DENIED)))
        }
        #expect(throws: TargetError.self) { try target.follow("relative.log", upTo: 10) { _ in true } }
    }
}
