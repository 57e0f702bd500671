import Foundation
import Testing
import TestSupport

@testable import Controller

/// The desired state a server's pipeline receives, built on a temporary SQLite file: with its
/// parts kept between builds it is byte for byte what a build from nothing gives, through
/// changes, disabling and deletion.
@Suite struct DesiredStateBuilderTests {
    let folder: TemporaryFolder
    let store: Store

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
    }

    private static func host(_ name: String, list: Int64? = nil) -> String {
        #"{"domain_names":["\#(name)"],"forward_host":"10.0.0.1","forward_port":80\#(list.map { #","access_list_id":\#($0)"# } ?? "")}"#
    }

    /// Stores a remote server, `edge`, and returns its id.
    private static func insertRemoteServer(_ db: any SQLConnection) throws -> Int64 {
        try db.execute(
            "INSERT INTO servers (name, hostname, status, created_on, modified_on) VALUES ('edge', 'edge.test', 'offline', ?, ?)", [Date(), Date()])
        return db.lastInsertedID
    }

    /// The document server `serverID` (the local one when nil) builds with `parts`.
    private func document(_ parts: DesiredStateParts, serverID: Int64? = nil) async throws -> [UInt8] {
        try await store.database.read { db in
            try DesiredStateBuilder.build(db, serverID: try serverID ?? ServerRepository.localID(db), parts: parts).document
        }
    }

    /// Where `bytes`' memory lies.
    private static func address(_ bytes: [UInt8]) -> Int { bytes.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } }

    @Test func keptPartsGiveTheSameDocumentAsABuildFromNothing() async throws {
        defer { folder.remove() }
        let parts = DesiredStateParts()
        func both() async throws -> (kept: DesiredStateBuilder.Built, fresh: DesiredStateBuilder.Built) {
            try await store.database.read { db in
                let local = try ServerRepository.localID(db)
                return (
                    try DesiredStateBuilder.build(db, serverID: local, parts: parts),
                    try DesiredStateBuilder.build(db, serverID: local, parts: DesiredStateParts())
                )
            }
        }
        let ids = try await store.database.write { db -> [Int64] in
            let local = try ServerRepository.localID(db)
            let list = try ResourceRepository.insert(
                db, type: "access_list", serverID: local, ownerUserID: nil, enabled: true, data: #"{"name":"team","items":[],"clients":[]}"#,
                search: "team")
            return try [list]
                + (0..<50).map { index in
                    try ResourceRepository.insert(
                        db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true,
                        data: Self.host("h\(index).test", list: index == 3 ? list : nil), search: "h\(index)")
                }
        }
        var (kept, fresh) = try await both()
        #expect(kept.document == fresh.document && kept.hash() == fresh.hash())
        #expect(kept.resources.count == 51, "50 hosts and the access list one of them uses")
        // The local applier's digest, resumed from the document applied before, is the same hash.
        var applied = HashedDocument(kept.document, base: nil, alike: nil)
        #expect(applied.digest.hex == fresh.hash())

        try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            try ResourceRepository.update(db, id: ids[5], serverID: local, enabled: true, data: Self.host("changed.test"), search: "changed")
            try ResourceRepository.update(db, id: ids[4], serverID: local, enabled: true, data: Self.host("h3.test"), search: "h3")  // drops the list
            try ResourceRepository.setEnabled(db, id: ids[10], false)
            try ResourceRepository.delete(db, id: ids[20])
        }
        (kept, fresh) = try await both()
        #expect(kept.document == fresh.document && kept.hash() == fresh.hash())
        let alike = applied.alike(with: kept.document)
        #expect(alike > 0 && alike < kept.document.count)
        applied = HashedDocument(kept.document, base: applied, alike: alike)
        #expect(applied.digest.hex == fresh.hash())
        let text = String(decoding: kept.document, as: UTF8.self)
        #expect(text.contains("changed.test") && !text.contains("h4.test") && !text.contains("h9.test") && !text.contains("h19.test"))
        #expect(!text.contains(#""access_lists":[{"#), "no host uses the list any more")
        #expect(parts.servedCount(of: try await store.localServerID()) == 48)
    }

    /// A build writes into the memory of a document given back once nothing else holds it, and
    /// never into a document something still holds; a small document leaves a large one's
    /// memory to a document its size.
    @Test func aBuildWritesIntoMemoryGivenBackOnlyWhenNothingElseHoldsIt() async throws {
        defer { folder.remove() }
        let parts = DesiredStateParts()
        let remote = try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            for index in 0..<20 {
                _ = try ResourceRepository.insert(
                    db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: Self.host("h\(index).test"), search: "h")
            }
            let remote = try Self.insertRemoteServer(db)
            _ = try ResourceRepository.insert(
                db, type: "proxy_host", serverID: remote, ownerUserID: nil, enabled: true, data: Self.host("small.test"), search: "s")
            return remote
        }
        func build(_ server: Int64? = nil) async throws -> [UInt8] { try await document(parts, serverID: server) }

        // Given back and let go: the next build lies where it did, and is what a build from nothing gives.
        let first = try await build()
        let firstAddress = Self.address(first)
        parts.giveBack(consume first)
        let second = try await build()
        #expect(Self.address(second) == firstAddress)
        try await expectSameAsFromNothing(parts)

        // A small state does not take it; the next large one does.
        parts.giveBack(consume second)
        let small = try await build(remote)
        #expect(Self.address(small) != firstAddress)
        #expect(Self.address(try await build()) == firstAddress)

        // Given back while still held: the next build takes other memory and the held one stays as it was.
        let held = try await build()
        let copy = Array(held)
        parts.giveBack(held)
        let after = try await build()
        #expect(Self.address(after) != Self.address(held) && held == copy && after == copy)
    }

    /// Builds for two servers, each document given back when the next one of its server is
    /// built (as an agent session keeps the state it sent until the next) or at once (as a
    /// local apply does once over): after the first, every build writes into memory given back.
    @Test func alternatingBuildsOfTwoServersWriteIntoMemoryGivenBack() async throws {
        defer { folder.remove() }
        let parts = DesiredStateParts()
        let remote = try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            let remote = try Self.insertRemoteServer(db)
            for index in 0..<20 {
                for server in [local, remote] {
                    _ = try ResourceRepository.insert(
                        db, type: "proxy_host", serverID: server, ownerUserID: nil, enabled: true, data: Self.host("h\(index)-\(server).test"),
                        search: "h")
                }
            }
            return remote
        }
        func build(_ server: Int64? = nil) async throws -> [UInt8] { try await document(parts, serverID: server) }

        var addresses: Set<Int> = []
        var sent: [UInt8] = []
        for round in 0..<4 {
            let local = try await build()
            addresses.insert(Self.address(local))
            parts.giveBack(consume local)
            let pushed = try await build(remote)
            if round > 0 { #expect(addresses.contains(Self.address(pushed)), "round \(round): the push's state took memory given back") }
            addresses.insert(Self.address(pushed))
            parts.giveBack(sent)
            sent = consume pushed
        }
        #expect(addresses.count <= 3, "\(addresses.count) memories for 8 builds")
    }

    /// A change that adds a resource makes the next document larger: the memory a build takes
    /// has room for that, so the builds that follow still reuse it; and a smaller document
    /// written into larger memory ends where it ends, nothing of the one before after it.
    @Test func aDocumentGrownByAResourceStillReusesTheMemoryAndAShrunkOneKeepsNothingOfTheOld() async throws {
        defer { folder.remove() }
        let parts = DesiredStateParts()
        func insert(_ names: [String]) async throws -> [Int64] {
            try await store.database.write { db in
                let local = try ServerRepository.localID(db)
                return try names.map { name in
                    let id = try ResourceRepository.insert(
                        db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: Self.host(name), search: "h")
                    try ServerRepository.bumpRevision(db, id: local)
                    return id
                }
            }
        }
        /// A build's document and where it lies, its memory given back.
        func build() async throws -> (text: String, address: Int) {
            let built = try await document(parts)
            defer { parts.giveBack(built) }
            return (String(decoding: built, as: UTF8.self), Self.address(built))
        }

        let ids = try await insert((0..<30).map { "h\($0).test" })
        let first = try await build().address
        _ = try await insert(["added.test"])
        let grown = try await build()
        #expect(grown.address == first, "the memory of the first build had room for one more host")
        #expect(grown.text.contains("added.test"))
        try await expectSameAsFromNothing(parts)

        try await store.database.write { db in
            for id in ids.prefix(12) { try ResourceRepository.delete(db, id: id) }
        }
        let shrunk = try await build()
        #expect(shrunk.address == first)
        #expect(try JSONSerialization.jsonObject(with: Data(shrunk.text.utf8)) is [String: Any], "a whole JSON document, nothing after it")
        #expect(!shrunk.text.contains("h3.test"))
        try await expectSameAsFromNothing(parts)
    }

    /// A build after a change patches the kept list in place: the list's memory stays where it
    /// was (a copy would cost every part of 10,000, with what each holds retained).
    @Test func aBuildAfterAChangePatchesTheKeptListInPlace() async throws {
        defer { folder.remove() }
        let parts = DesiredStateParts()
        let ids = try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            return try (0..<20).map { index in
                try ResourceRepository.insert(
                    db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: Self.host("h\(index).test"), search: "h")
            }
        }
        let local = try await store.localServerID()
        func listAddress() -> Int? {
            guard let server = parts.take(local) else { return nil }
            defer { parts.keep(server, for: local) }
            return server.served["proxy_host"]?.parts.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
        }
        try await expectSameAsFromNothing(parts)
        let before = try #require(listAddress())
        try await store.database.write { db in
            try ResourceRepository.update(db, id: ids[7], serverID: local, enabled: true, data: Self.host("changed.test"), search: "changed")
        }
        let built = try await expectSameAsFromNothing(parts)
        #expect(String(decoding: built.document, as: UTF8.self).contains("changed.test"))
        #expect(listAddress() == before)
    }

    /// Builds server `serverID`'s state with `parts` and from nothing, expects them equal, and
    /// returns the one built with `parts` (its memory given back, as it took the spare one).
    @discardableResult
    private func expectSameAsFromNothing(
        _ parts: DesiredStateParts, serverID: Int64? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> DesiredStateBuilder.Built {
        try await store.database.read { db in
            let server = try serverID ?? ServerRepository.localID(db)
            let kept = try DesiredStateBuilder.build(db, serverID: server, parts: parts)
            let fresh = try DesiredStateBuilder.build(db, serverID: server, parts: DesiredStateParts())
            #expect(
                String(decoding: kept.document, as: UTF8.self) == String(decoding: fresh.document, as: UTF8.self), sourceLocation: sourceLocation)
            #expect(kept.resources.map(\.id).sorted() == fresh.resources.map(\.id).sorted(), sourceLocation: sourceLocation)
            parts.giveBack(kept.document)
            return kept
        }
    }

    @Test func aBuildAfterChangesReadsOnlyTheJournalsChangesAndStillMatchesABuildFromNothing() async throws {
        defer { folder.remove() }
        let parts = DesiredStateParts()
        let (local, remote, list, hosts) = try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            let remote = try Self.insertRemoteServer(db)
            let list = try ResourceRepository.insert(
                db, type: "access_list", serverID: remote, ownerUserID: nil, enabled: true, data: #"{"name":"team","items":[],"clients":[]}"#,
                search: "team")
            let hosts = try (0..<20).map { index in
                try ResourceRepository.insert(
                    db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true,
                    data: Self.host("h\(index).test", list: index == 2 ? list : nil), search: "h\(index)")
            }
            return (local, remote, list, hosts)
        }
        try await expectSameAsFromNothing(parts)

        // Each step changes something, then the kept build must equal one from nothing.
        let steps: [(String, @Sendable (any SQLConnection) throws -> Void)] = [
            (
                "a new host",
                { db in
                    _ = try ResourceRepository.insert(
                        db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: Self.host("new.test"), search: "new")
                }
            ),
            (
                "a changed host",
                { db in
                    try ResourceRepository.update(db, id: hosts[5], serverID: local, enabled: true, data: Self.host("changed.test"), search: "c")
                }
            ),
            ("a disabled host", { db in try ResourceRepository.setEnabled(db, id: hosts[6], false) }),
            ("a host enabled again", { db in try ResourceRepository.setEnabled(db, id: hosts[6], true) }),
            ("a deleted host", { db in try ResourceRepository.delete(db, id: hosts[7]) }),
            (
                "a host moved away",
                { db in
                    try ResourceRepository.update(db, id: hosts[8], serverID: remote, enabled: true, data: Self.host("h8.test"), search: "h8")
                }
            ),
            (
                "the used access list changed (on another server)",
                { db in
                    try ResourceRepository.update(
                        db, id: list, serverID: remote, enabled: true, data: #"{"name":"renamed","items":[],"clients":[]}"#, search: "renamed")
                }
            ),
            (
                "a host that starts using the list",
                { db in
                    try ResourceRepository.update(
                        db, id: hosts[9], serverID: local, enabled: true, data: Self.host("h9.test", list: list), search: "h9")
                }
            ),
            (
                "a host that stops using it",
                { db in
                    try ResourceRepository.update(db, id: hosts[2], serverID: local, enabled: true, data: Self.host("h2.test"), search: "h2")
                }
            ),
            ("a setting", { db in try SettingsRepository.set(db, "default_site", "404") }),
            (
                "a host moved here",
                { db in
                    try ResourceRepository.update(db, id: hosts[8], serverID: local, enabled: true, data: Self.host("h8.test"), search: "h8")
                }
            ),
        ]
        for (step, change) in steps {
            try await store.database.write { db in try change(db) }
            let built = try await expectSameAsFromNothing(parts)
            #expect(!built.document.isEmpty, "after \(step)")
        }
        try await expectSameAsFromNothing(parts, serverID: remote)
        let text = String(decoding: try await expectSameAsFromNothing(parts).document, as: UTF8.self)
        #expect(text.contains("changed.test") && text.contains("renamed") && !text.contains("h7.test"))

        // A change the journal does not list is not seen by a kept build: it reads only what
        // the journal names (while a build from nothing reads the change).
        try await store.database.write { db in
            try db.execute("UPDATE resources SET data = ? WHERE id = ?", [Self.host("unjournaled.test"), hosts[11]])
            try db.execute("DELETE FROM resource_changes WHERE seq = (SELECT MAX(seq) FROM resource_changes)")
        }
        let unseen = try await store.database.read { db in try DesiredStateBuilder.build(db, serverID: local, parts: parts) }
        #expect(String(decoding: unseen.document, as: UTF8.self).contains("h11.test"))
        #expect(!String(decoding: unseen.document, as: UTF8.self).contains("unjournaled.test"))
    }

    @Test func theJournalKeepsItsNewestEntriesAndSaysWhenItNoLongerReachesBack() async throws {
        defer { folder.remove() }
        let parts = DesiredStateParts()
        let host = try await store.database.write { db in
            try ResourceRepository.insert(
                db, type: "proxy_host", serverID: try ServerRepository.localID(db), ownerUserID: nil, enabled: true, data: Self.host("a.test"),
                search: "a")
        }
        try await expectSameAsFromNothing(parts)
        let start = try await store.database.read { db in try ResourceRepository.changePosition(db) }
        try await store.database.write { db in
            for index in 0..<10_050 { try db.execute("UPDATE resources SET data = ? WHERE id = ?", [Self.host("a\(index).test"), host]) }
        }
        try await store.database.read { db in
            let position = try ResourceRepository.changePosition(db)
            #expect(position == start + 10_050)
            #expect(try db.value(Int.self, "SELECT COUNT(*) FROM resource_changes") == 10_000)
            #expect(try ResourceRepository.changed(db, since: start) == nil, "the journal no longer reaches back")
            let recent = try #require(try ResourceRepository.changed(db, since: position - 5))
            #expect(recent.map(\.id) == [host], "a resource changed five times is listed once")
            #expect(try ResourceRepository.changed(db, since: position)?.isEmpty == true)
        }
        // Too far behind, the build reads everything, and still matches.
        let built = try await expectSameAsFromNothing(parts)
        #expect(String(decoding: built.document, as: UTF8.self).contains("a10049.test"))
    }

    /// A server whose Caddy lacks layer4 gets `stream_carriers`: socat for a target on itself or
    /// by host name, iptables for an IPv4 one; SNI streams stay Caddy's. One with layer4, or not
    /// yet reported, gets none, so its document is as it always was.
    @Test func streamsAServerCarriesOutsideCaddyAreNamedWhenItsCaddyLacksLayer4() async throws {
        defer { folder.remove() }
        @Sendable func stream(_ port: Int, _ host: String, sni: String? = nil) -> String {
            #"{"incoming_port":\#(port),"forwarding_host":"\#(host)","forwarding_port":5432\#(sni.map { #","sni_names":["\#($0)"]"# } ?? "")}"#
        }
        let ids = try await store.database.write { db -> [Int64] in
            let local = try ServerRepository.localID(db)
            return try [stream(7001, "127.0.0.1"), stream(7002, "10.0.0.9"), stream(7003, "db.internal"), stream(443, "10.0.0.9", sni: "a.test")]
                .map { data in
                    try ResourceRepository.insert(db, type: "stream_host", serverID: local, ownerUserID: nil, enabled: true, data: data, search: "")
                }
        }
        func carriers(modules: [String]?) async throws -> [String: String]? {
            let document = try await store.database.write { db in
                if let modules { try ServerRepository.recordLocalCaddy(db, version: "v2.11", modules: modules) }
                return try DesiredStateBuilder.build(db, serverID: try ServerRepository.localID(db), parts: DesiredStateParts()).document
            }
            return (try JSONSerialization.jsonObject(with: Data(document)) as? [String: Any])?["stream_carriers"] as? [String: String]
        }
        #expect(try await carriers(modules: nil) == nil, "modules not reported yet: layer4 is assumed")
        #expect(try await carriers(modules: ["http", "tls"]) == ["\(ids[0])": "socat", "\(ids[1])": "iptables", "\(ids[2])": "socat"])
        #expect(try await carriers(modules: ["http", "layer4", "caddy.listeners.layer4"]) == nil)
    }
}
