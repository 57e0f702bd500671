import Foundation
import Host
import Testing
@testable import PosternProxyAgent

/// The agent's memory of what runs: kept in its state folder, the document beside the record.
struct AppliedStateFolderTests {
    private let folder = AppliedStateFolder(path: NSTemporaryDirectory() + "agent-state-\(UUID().uuidString)")

    @Test func whatRunsSurvivesARestartAndNeverGoesBack() throws {
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        #expect(folder.load() == AppliedState())
        #expect(folder.document() == nil)
        let state = AppliedState(revision: 5, hash: "ab", outcomes: ["proxy_host_1": .init(status: .failed, message: "x")])
        try folder.save(state, document: Array(#"{"proxy_hosts":[]}"#.utf8))
        let loaded = folder.load()
        #expect(loaded == state)
        #expect(folder.document() == Array(#"{"proxy_hosts":[]}"#.utf8))
        #expect(!loaded.accepts(revision: 4))
        #expect(loaded.accepts(revision: 5))
        #expect(loaded.accepts(revision: 6))
        for file in ["applied.json", "applied-document.json"] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder.path + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
    }

    @Test func aNewRevisionOfTheSameContentKeepsTheDocument() throws {
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        try folder.save(AppliedState(revision: 1, hash: "ab"), document: Array("{}".utf8))
        try folder.save(AppliedState(revision: 2, hash: "ab"), document: nil)
        #expect(folder.load().revision == 2)
        #expect(folder.document() == Array("{}".utf8))
    }

    @Test func onlyOutcomesThatAreNotAPlainSuccessAreKept() {
        let state = AppliedState(
            revision: 1, hash: "ab",
            outcomes: [
                "proxy_host_1": .init(status: .applied), "proxy_host_2": .init(status: .failed, message: "no"),
                "proxy_host_3": .init(status: .applied, message: "served without HTTP/3"),
            ])
        #expect(state.outcomes.keys.sorted() == ["proxy_host_2", "proxy_host_3"])
    }

    /// Earlier agents kept the document inside `applied.json`, base64-encoded: it is split out,
    /// so an upgraded agent still re-applies what ran.
    @Test func anEarlierAgentsRecordIsSplitIntoRecordAndDocument() throws {
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        let document = Data(#"{"proxy_hosts":[{"id":1}]}"#.utf8)
        let earlier = #"{"revision":7,"hash":"cd","document":"\#(document.base64EncodedString())","outcomes":{}}"#
        try Data(earlier.utf8).write(to: URL(fileURLWithPath: folder.path + "/applied.json"))
        #expect(folder.load() == AppliedState(revision: 7, hash: "cd"))
        #expect(folder.document() == Array(document))
        let record = try String(contentsOfFile: folder.path + "/applied.json", encoding: .utf8)
        #expect(!record.contains("document"))
        #expect(folder.load() == AppliedState(revision: 7, hash: "cd"))
    }
}
