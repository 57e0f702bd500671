import Glibc
import JSONCore
import Synchronization

/// Reads desired states, reusing what it decoded from the one read before: a resource whose
/// JSON is byte for byte what the previous state held is neither parsed nor decoded again. After
/// a change to one host of 10,000, a plan decodes that host and steps over the others' bytes.
///
/// It keeps the resources of the latest state only (as their JSON and decoded), so its memory
/// is one state's, whatever the number of changes, and a caller bounds that by the size of state
/// it may keep. Safe to use from several threads: reads are serialized.
public final class DesiredStateReader: Sendable {
    /// The reader the Caddy step's plan uses, for the process that loaded the plugin.
    public static let shared = DesiredStateReader()

    private let kept = Mutex(Kept())

    public init() {}

    /// The desired state in `text`, as ``DesiredState/reading(_:)`` reads it; a failure names
    /// the bad value's path. A state whose text is larger than `limit` bytes is decoded whole
    /// and not kept, and what was kept before is let go.
    public func read(_ text: [UInt8], keepingUpTo limit: Int = .max) throws(DecodingFailure) -> DesiredState {
        try kept.withLock { kept throws(DecodingFailure) in
            guard text.count <= limit else {
                kept = Kept()
                return try DesiredState.reading(text)
            }
            do throws(JSONReadError) {
                // One pass over the text: the lists are located, not parsed.
                let (rest, lists) = try JSONParser.parseObject(text, locatingElementsOf: Kept.members)
                var state = try DesiredState(json: rest)
                var next = Kept()
                func list<Element>(_ member: String, _ previous: DecodedElements<Element>, into kept: inout DecodedElements<Element>)
                    throws(JSONReadError) -> [Element]
                {
                    try previous.reading(text, lists[member] ?? [], member: member, into: &kept)
                }
                state.proxyHosts = try list("proxy_hosts", kept.proxyHosts, into: &next.proxyHosts)
                state.redirectionHosts = try list("redirection_hosts", kept.redirectionHosts, into: &next.redirectionHosts)
                state.deadHosts = try list("dead_hosts", kept.deadHosts, into: &next.deadHosts)
                state.streamHosts = try list("stream_hosts", kept.streamHosts, into: &next.streamHosts)
                state.accessLists = try list("access_lists", kept.accessLists, into: &next.accessLists)
                state.certificates = try list("certificates", kept.certificates, into: &next.certificates)
                kept = next
                return state
            } catch {
                throw DecodingFailure("desired state", error)
            }
        }
    }

    /// The latest state's resources, by kind.
    private struct Kept: Sendable {
        static let members: Set<String> = ["proxy_hosts", "redirection_hosts", "dead_hosts", "stream_hosts", "access_lists", "certificates"]

        var proxyHosts = DecodedElements<ProxyHost>()
        var redirectionHosts = DecodedElements<RedirectionHost>()
        var deadHosts = DecodedElements<DeadHost>()
        var streamHosts = DecodedElements<StreamHost>()
        var accessLists = DecodedElements<AccessList>()
        var certificates = DecodedElements<Certificate>()
    }
}

/// One list of a desired state as last read: the state's text (shared by its lists, not
/// copied), where each element of this list lies in it, and each element decoded.
private struct DecodedElements<Element: JSONReadable & Sendable>: Sendable {
    private var text: [UInt8] = []
    private var ranges: [Range<Int>] = []
    private var elements: [Element] = []

    /// The elements of a list, at `ranges` of the state `text`, each taken from the previous
    /// list when its text is exactly that of an element there, else parsed and decoded. Both
    /// lists are in the controller's order (by id), so they are walked side by side: an element
    /// is compared with the previous one facing it and the one after (one was removed). Only
    /// when two elements in a row are not found so does the walk look the text up among all the
    /// previous elements (several removed together), so a change costs a comparison per
    /// element, not a hash of the whole list. What was read is kept in `next`.
    func reading(_ text: [UInt8], _ ranges: [Range<Int>], member: String, into next: inout DecodedElements) throws(JSONReadError)
        -> [Element]
    {
        var read: [Element] = []
        read.reserveCapacity(ranges.count)
        var facing = 0
        var missedBefore = false
        var byText: [Int: [Int]]?
        for (index, range) in ranges.enumerated() {
            var known = same(range, in: text, as: facing) ? facing : same(range, in: text, as: facing + 1) ? facing + 1 : nil
            if known == nil, missedBefore {
                if byText == nil { byText = positions() }
                known = byText![Self.hash(text, range)]?.first { same(range, in: text, as: $0) }
            }
            if let known {
                read.append(elements[known])
                facing = known + 1
                missedBefore = false
                continue
            }
            missedBefore = true
            do {
                read.append(try Element(json: try JSONParser.parse(text[range])))
            } catch {
                throw error.within(.index(index)).within(.key(member))
            }
            // An added element leaves the one facing it to the next; a changed one replaces it.
            if index + 1 == ranges.count || !same(ranges[index + 1], in: text, as: facing) { facing += 1 }
        }
        next.text = text
        next.ranges = ranges
        next.elements = read
        return read
    }

    /// Where each previous element is, by the hash of its text.
    private func positions() -> [Int: [Int]] {
        var positions: [Int: [Int]] = [:]
        positions.reserveCapacity(ranges.count)
        for (index, range) in ranges.enumerated() { positions[Self.hash(text, range), default: []].append(index) }
        return positions
    }

    private static func hash(_ text: [UInt8], _ range: Range<Int>) -> Int {
        var hasher = Hasher()
        text.withUnsafeBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[range])) }
        return hasher.finalize()
    }

    /// Whether the previous element at `index` has exactly the text at `range` of `text`.
    private func same(_ range: Range<Int>, in text: [UInt8], as index: Int) -> Bool {
        guard index < ranges.count, ranges[index].count == range.count else { return false }
        let previous = ranges[index].lowerBound
        return text.withUnsafeBytes { new in
            self.text.withUnsafeBytes { old in memcmp(new.baseAddress! + range.lowerBound, old.baseAddress! + previous, range.count) == 0 }
        }
    }
}
