import FoundationEssentials
import Glibc

/// The agent's state folder, where what runs survives a restart: `applied.json` holds the
/// ``AppliedState`` and `applied-document.json` the desired state it names, byte for byte as
/// the controller sent it, so a restarted agent tells the controller the truth in hello and
/// re-applies at start (an iptables ruleset does not survive a reboot). Both files are written
/// atomically (a temporary file renamed over the old one), readable by the agent's user only;
/// the document first, so a record never names a document that is not there.
struct AppliedStateFolder: Sendable {
    let path: String

    private var recordPath: String { path + "/applied.json" }
    private var documentPath: String { path + "/applied-document.json" }

    /// The state recorded here; an empty one when there is none or it does not read. A record of
    /// an earlier agent, which held the document inside it, is split into the two files.
    func load() -> AppliedState {
        guard let data = FileManager.default.contents(atPath: recordPath),
            let state = try? JSONDecoder().decode(AppliedState.self, from: data)
        else { return AppliedState() }
        if let earlier = try? JSONDecoder().decode(EarlierRecord.self, from: data), let document = earlier.document {
            try? save(state, document: document)
        }
        return state
    }

    /// The desired state that runs, as the controller sent it; nil when none was applied.
    func document() -> Data? {
        FileManager.default.contents(atPath: documentPath)
    }

    /// Records `state`, and `document` as what runs when it changed (nil keeps the one there).
    func save(_ state: AppliedState, document: Data?) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let document { try write(document, to: documentPath) }
        try write(try JSONEncoder().encode(state), to: recordPath)
    }

    private func write(_ data: Data, to file: String) throws {
        let temporary = file + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        guard rename(temporary, file) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// The record as earlier agents wrote it: the document inside, base64-encoded.
    private struct EarlierRecord: Decodable {
        var document: Data?
    }
}
