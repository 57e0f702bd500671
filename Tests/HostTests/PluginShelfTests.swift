import Foundation
import Testing
import TestSupport

@testable import Host

/// Where a host keeps the catalog plugins it fetched: by SHA-256, in a folder only its user may
/// enter, removed once no pipeline has named them for the grace period.
@Suite struct PluginShelfTests {
    private let loader = PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0"))
    private let sha = String(repeating: "a", count: 64)

    @Test func theFolderIsTheHostUsersAloneAndAFileIsKeptByItsHash() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let shelf = try PluginShelf(folder: folder.file("plugins"), loader: loader)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: shelf.folder)[.posixPermissions] as? Int)
        #expect(mode == 0o700)
        #expect(!shelf.holds(sha))
        try shelf.store(Array("bytes".utf8), sha256: sha)
        #expect(shelf.holds(sha) && shelf.path(of: sha).hasSuffix("/\(sha).so"))
    }

    @Test func aFileNoPipelineNamesIsRemovedOnlyAfterTheGracePeriod() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let shelf = try PluginShelf(folder: folder.file("plugins"), loader: loader)
        let named = String(repeating: "b", count: 64)
        try shelf.store([1], sha256: sha)
        try shelf.store([2], sha256: named)
        let now = Int(Date().timeIntervalSince1970)
        #expect(shelf.removeUnreferenced(keeping: [named], grace: 3600, now: now + 60).isEmpty)
        #expect(shelf.removeUnreferenced(keeping: [named], grace: 3600, now: now + 7200) == [sha])
        #expect(!shelf.holds(sha) && shelf.holds(named))
        // Named again, a file's clock starts over.
        shelf.touch([named])
        #expect(shelf.removeUnreferenced(keeping: [], grace: 3600, now: Int(Date().timeIntervalSince1970) + 60).isEmpty)
    }

    @Test func aFileWhosePluginHasAnotherIdThanThePipelineSaysIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let shelf = try PluginShelf(folder: folder.file("plugins"), loader: loader)
        let built = try CCompiler.sharedObject(PluginSources.plugin(id: "com.example.real"), named: "real.so", in: folder)
        try shelf.store(Array(try Data(contentsOf: URL(fileURLWithPath: built))), sha256: sha)
        #expect(try shelf.plugin(sha, id: "com.example.real").id == "com.example.real")
        #expect(throws: PluginLoadError.self) { try shelf.plugin(sha, id: "com.example.other") }
    }
}
