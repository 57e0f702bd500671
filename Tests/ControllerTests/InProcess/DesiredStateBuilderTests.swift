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

        try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            try ResourceRepository.update(db, id: ids[5], serverID: local, enabled: true, data: Self.host("changed.test"), search: "changed")
            try ResourceRepository.update(db, id: ids[4], serverID: local, enabled: true, data: Self.host("h3.test"), search: "h3")  // drops the list
            try ResourceRepository.setEnabled(db, id: ids[10], false)
            try ResourceRepository.delete(db, id: ids[20])
        }
        (kept, fresh) = try await both()
        #expect(kept.document == fresh.document && kept.hash() == fresh.hash())
        let text = String(decoding: kept.document, as: UTF8.self)
        #expect(text.contains("changed.test") && !text.contains("h4.test") && !text.contains("h9.test") && !text.contains("h19.test"))
        #expect(!text.contains(#""access_lists":[{"#), "no host uses the list any more")
        #expect(parts.parts(of: try await store.localServerID()).count == 48)
    }
}
