import Glibc
import Host
import JSONCore

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
        guard let bytes = try? LocalFiles.read(recordPath), let record = try? JSONParser.parse(bytes),
            let state = try? JSONValueDecoder(unknownMembers: .ignore).decode(AppliedState.self, from: record)
        else { return AppliedState() }
        // Earlier agents kept the document inside the record, base64-encoded.
        if case .string(let encoded)? = record["document"], let document = Base64.decode(encoded) {
            try? save(state, document: document)
        }
        return state
    }

    /// The desired state that runs, as the controller sent it; nil when none was applied.
    func document() -> [UInt8]? {
        try? LocalFiles.read(documentPath)
    }

    /// Records `state`, and `document` as what runs when it changed (nil keeps the one there).
    func save(_ state: AppliedState, document: [UInt8]?) throws {
        try LocalFiles.createFolder(path, mode: 0o700)
        if let document { try LocalFiles.replace(documentPath, with: document, mode: 0o600) }
        try LocalFiles.replace(recordPath, with: try JSONValueEncoder().encode(state).serialized(), mode: 0o600)
    }
}
