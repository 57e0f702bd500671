import Glibc
import JSONCore
import Synchronization

/// Each server's parts of its desired state between builds: every resource's canonical JSON
/// bytes, as of a position in the change journal (`resource_changes`). The next build reads
/// only the resources changed since that position and copies the others' bytes, so a change to
/// one host of 10,000 parses and writes one of them.
///
/// One per database (resource ids and journal positions mean nothing across databases). A
/// server's entry is taken out while a build updates it and put back after, so the build
/// mutates it in place; a build that finds none (another one holds it, or the first build)
/// reads everything.
final class DesiredStateParts: Sendable {
    /// One resource's part.
    struct Part: Sendable {
        /// The stored text it was made from, as UTF-8.
        var stored: [UInt8]
        /// The canonical JSON object, members sorted at every level.
        var bytes: [UInt8]
        /// When the resource was last changed, as stored.
        var modifiedOn: SQLValue
        /// The access list and certificate a served resource uses.
        var accessListID: Int64?
        var certificateID: Int64?

        /// Whether `text` is byte for byte the stored text this part was made from.
        func madeFrom(_ text: UnsafeRawBufferPointer) -> Bool {
            stored.count == text.count && (text.isEmpty || stored.withUnsafeBytes { memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 })
        }
    }

    /// One server's parts, true to the database as of journal position `position`.
    struct Server: Sendable {
        var position: Int64
        /// The enabled resources it serves, by type.
        var served: [String: ServedList]
        /// The access lists and certificates its served resources used, by id.
        var referenced: [Int64: Part]
    }

    private let servers = Mutex<[Int64: Server]>([:])
    /// The memory of a document built before, given back by what held it once it was done with
    /// it (a local apply, an agent session's push): the next build that fits writes into it,
    /// since memory already in use costs no page faults (7 MB of fresh memory for 10,000 hosts
    /// cost 4–8 ms of them, more than half of a build).
    /// One is enough: each build takes it and each holder gives one back. Any server's: a
    /// local apply's document takes an agent's next state, and a push's the next local one.
    private let spareDocument = Mutex<[UInt8]>([])
    /// The `settings` member every server's state carries, and the values it was written from.
    private let settings = Mutex<(values: [String: String], bytes: [UInt8])?>(nil)

    init() {}

    /// Takes server `serverID`'s parts out, for a build to update and ``keep(_:for:)``.
    func take(_ serverID: Int64) -> Server? {
        servers.withLock { $0.removeValue(forKey: serverID) }
    }

    /// Whether server `serverID`'s parts are kept: its next build patches them.
    func holdsParts(of serverID: Int64) -> Bool {
        servers.withLock { $0[serverID] != nil }
    }

    /// Keeps `server` as server `serverID`'s parts.
    func keep(_ server: Server, for serverID: Int64) {
        servers.withLock { $0[serverID] = server }
    }

    /// Memory for a document of `size` bytes, emptied: the spare one when it is large enough and
    /// at most twice as large (a small state does not tie up a large state's memory); none when
    /// it does not fit or something still holds it after all (emptying it would then take new
    /// memory of its size, which the build is better off taking itself, with room to grow).
    func documentMemory(for size: Int) -> [UInt8] {
        var memory = spareDocument.withLock { spare -> [UInt8] in
            guard spare.capacity >= size, spare.capacity <= 2 * size else { return [] }
            defer { spare = [] }
            return spare
        }
        guard memory.capacity > 0 else { return [] }
        let address = memory.withUnsafeBufferPointer { $0.baseAddress }
        memory.removeAll(keepingCapacity: true)
        return memory.withUnsafeBufferPointer { $0.baseAddress } == address ? memory : []
    }

    /// Takes back the memory of `document`, built by ``DesiredStateBuilder/build(_:serverID:adminUpstream:parts:)``,
    /// once its holder is done with it and no longer reads or changes it: the next build may
    /// write there. Of it and the spare memory, the larger is kept (it, when they are alike).
    func giveBack(_ document: [UInt8]) {
        spareDocument.withLock { spare in
            if document.capacity >= spare.capacity { spare = document }
        }
    }

    /// How many served parts server `serverID` has kept.
    func servedCount(of serverID: Int64) -> Int {
        servers.withLock { $0[serverID]?.served.values.reduce(0) { $0 + $1.count } ?? 0 }
    }

    /// The `settings` member for `values`, written once for all servers while they stay the
    /// same: a setting change every server carries is serialized once, not once per server.
    func settingsMember(_ values: [String: String]) -> [UInt8] {
        if let known = settings.withLock({ $0 }), known.values == values { return known.bytes }
        let bytes = JSON.object(values.map { ($0.key, JSON.string($0.value)) }).canonical().serialized()
        settings.withLock { $0 = (values, bytes) }
        return bytes
    }
}
