import Glibc
import JSONCore
import Synchronization

/// Reads desired states, reusing what it decoded from the one read before: a resource whose
/// JSON is byte for byte what the previous state held is neither parsed nor decoded again. After
/// a change to one host of 10,000, a plan decodes that host and steps over the others' bytes.
///
/// It keeps the resources of the latest state only (as their JSON and decoded), and the memory of
/// the text it read before that, which takes the next text: a state of several megabytes is then
/// copied into pages already there, not into a fresh allocation whose every page the system must
/// first provide (some 5 ms for 7 MB). So its memory is about one state's and a text's, whatever
/// the number of changes, and a caller bounds that by the size of state it may keep. Safe to use
/// from several threads: reads are serialized.
public final class DesiredStateReader: Sendable {
    /// The reader the Caddy step's plan uses, for the process that loaded the plugin.
    public static let shared = DesiredStateReader()

    private let kept = Mutex(Kept())

    public init() {}

    /// The desired state in `text`, as ``DesiredState/reading(_:)`` reads it; a failure names
    /// the bad value's path. A state whose text is larger than `limit` bytes is decoded whole
    /// and not kept, and what was kept before is let go.
    public func read(_ text: [UInt8], keepingUpTo limit: Int = .max) throws(DecodingFailure) -> DesiredState {
        try read(count: text.count, keepingUpTo: limit) { $0.append(contentsOf: text) }.state
    }

    /// The desired state in the bytes `input` points to (a plugin call's borrowed input), as
    /// ``read(_:keepingUpTo:)`` reads it.
    public func read(_ input: UnsafeRawBufferPointer, keepingUpTo limit: Int = .max) throws(DecodingFailure) -> DesiredState {
        try readTracing(input, keepingUpTo: limit).state
    }

    /// The desired state in `input`, as ``read(_:keepingUpTo:)`` reads it, with what this read
    /// knows of its proxy hosts against the state read before it.
    public func readTracing(_ input: UnsafeRawBufferPointer, keepingUpTo limit: Int = .max) throws(DecodingFailure) -> (
        state: DesiredState, lineage: Lineage
    ) {
        try read(count: input.count, keepingUpTo: limit) { $0.append(contentsOf: input) }
    }

    /// Where a read stands among this reader's reads, and what it shares with the one before.
    public struct Lineage: Sendable, Equatable {
        /// The read's number: each read of this reader takes the next.
        public var generation: UInt64
        /// How many proxy hosts at the start and at the end of the state's list are, element for
        /// element, those of the state read just before (generation − 1): known when this read
        /// patched that state, nil when it read the text whole.
        public var keptProxyHosts: KeptStretch?
    }

    /// Elements at the start and at the end of a list kept from the list before: together at
    /// most the shorter list's count.
    public struct KeptStretch: Sendable, Equatable {
        public var leading: Int
        public var trailing: Int

        public init(leading: Int, trailing: Int) {
            self.leading = leading
            self.trailing = trailing
        }
    }

    /// How many bytes of memory the next read copies its text into without allocating: the text
    /// read before the latest one; 0 when nothing is kept.
    public var reusableBytes: Int { kept.withLock { $0.spare?.capacity ?? 0 } }

    /// Reads the `count` bytes `copy` appends to the memory of the text read before last.
    private func read(count: Int, keepingUpTo limit: Int, copy: (inout [UInt8]) -> Void) throws(DecodingFailure) -> (
        state: DesiredState, lineage: Lineage
    ) {
        try kept.withLock { kept throws(DecodingFailure) in
            kept.generation &+= 1
            let generation = kept.generation
            var text = kept.spare.take() ?? []
            text.removeAll(keepingCapacity: true)
            // Only when it does not fit: then with room for a few more hosts, so the next text of
            // a growing state fits too (reserving that room every time would reallocate at each
            // host added, the memory kept being just short of it).
            if text.capacity < count { text.reserveCapacity(count + count / 64) }
            copy(&text)
            guard text.count <= limit else {
                kept = Kept(generation: generation)
                return (try DesiredState.reading(text), Lineage(generation: generation, keptProxyHosts: nil))
            }
            let previous = kept.text
            let (state, keptProxyHosts) = try Self.read(text, into: &kept)
            // The text that is not kept now (the one read before, or this one when nothing
            // changed) has no other owner left: its memory takes the next text.
            let keptThis = kept.text.withUnsafeBufferPointer { kept in text.withUnsafeBufferPointer { $0.baseAddress == kept.baseAddress } }
            kept.spare = keptThis ? previous : text
            return (state, Lineage(generation: generation, keptProxyHosts: keptProxyHosts))
        }
    }

    /// `text` read into `kept`: patched when it differs in one stretch of one list, else read
    /// whole; with the proxy hosts kept from the state before when it was patched.
    private static func read(_ text: [UInt8], into kept: inout Kept) throws(DecodingFailure) -> (DesiredState, KeptStretch?) {
        do throws(JSONReadError) {
            if let patched = try kept.patch(with: text) { return patched }
            // One pass over the text: the lists are located, not parsed.
            let (rest, lists, interiors) = try JSONParser.parseObject(text, locatingElementsOf: Kept.members)
            var state = try JSONReader.read(DesiredState.self, from: rest.serialized())
            var next = Kept(generation: kept.generation)
            next.rest = state
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
            next.text = text
            next.interiors = interiors
            kept = next
            return (state, nil)
        } catch {
            throw DecodingFailure("desired state", error)
        }
    }

    /// The latest state: its text, where its lists lie, and it decoded, list by list.
    private struct Kept: Sendable {
        static let members: Set<String> = ["proxy_hosts", "redirection_hosts", "dead_hosts", "stream_hosts", "access_lists", "certificates"]

        /// The number of the latest read.
        var generation: UInt64
        var text: [UInt8] = []
        /// The text read before ``text``, whose memory the next text is copied into.
        var spare: [UInt8]?
        /// Where the text between each list's brackets is.
        var interiors: [String: Range<Int>] = [:]
        /// The state without its lists (they are kept below, once).
        var rest: DesiredState?
        var proxyHosts = DecodedElements<ProxyHost>()
        var redirectionHosts = DecodedElements<RedirectionHost>()
        var deadHosts = DecodedElements<DeadHost>()
        var streamHosts = DecodedElements<StreamHost>()
        var accessLists = DecodedElements<AccessList>()
        var certificates = DecodedElements<Certificate>()

        init(generation: UInt64 = 0) { self.generation = generation }

        /// The state in `text`, made from this one when `text` differs from its text only in one
        /// stretch inside one of its lists (a host added, removed or changed): the bytes before
        /// and after that stretch are this text's (two `memcmp` passes find it), so only the
        /// elements in the stretch are located and decoded, and the others keep their decoding
        /// and their place, shifted by the change in length. Nil, changing nothing, when the
        /// change lies elsewhere or the stretch is not whole elements: the caller reads `text`
        /// whole. With the state, how many proxy hosts at each end of its list it kept.
        mutating func patch(with text: [UInt8]) throws(JSONReadError) -> (DesiredState, KeptStretch?)? {
            guard let rest, !self.text.isEmpty else { return nil }
            let old = self.text
            let prefix = CommonBytes.prefix(old, text)
            let suffix = CommonBytes.suffix(old, text, longest: min(old.count, text.count) - prefix)
            let stretch = Stretch(start: prefix, oldEnd: old.count - suffix, delta: text.count - old.count)
            let allProxyHosts = KeptStretch(leading: proxyHosts.elements.count, trailing: 0)
            if prefix == old.count, prefix == text.count { return (state(rest), allProxyHosts) }
            guard let (member, interior) = interiors.first(where: { $0.value.lowerBound <= stretch.start && stretch.oldEnd <= $0.value.upperBound })
            else { return nil }
            // What can fail is done before anything kept changes: the lists change in place,
            // so a change to one host of 10,000 copies no other.
            let patched: KeptStretch?
            switch member {
            case "proxy_hosts": patched = try proxyHosts.patch(text, stretch, interior: interior, member: member)
            case "redirection_hosts": patched = try redirectionHosts.patch(text, stretch, interior: interior, member: member)
            case "dead_hosts": patched = try deadHosts.patch(text, stretch, interior: interior, member: member)
            case "stream_hosts": patched = try streamHosts.patch(text, stretch, interior: interior, member: member)
            case "access_lists": patched = try accessLists.patch(text, stretch, interior: interior, member: member)
            case "certificates": patched = try certificates.patch(text, stretch, interior: interior, member: member)
            default: patched = nil
            }
            guard let patched else { return nil }
            // The other lists lie wholly before or after the stretch.
            if member != "proxy_hosts" { proxyHosts.move(to: text, stretch) }
            if member != "redirection_hosts" { redirectionHosts.move(to: text, stretch) }
            if member != "dead_hosts" { deadHosts.move(to: text, stretch) }
            if member != "stream_hosts" { streamHosts.move(to: text, stretch) }
            if member != "access_lists" { accessLists.move(to: text, stretch) }
            if member != "certificates" { certificates.move(to: text, stretch) }
            interiors = interiors.mapValues { stretch.moved($0) }
            interiors[member] = interior.lowerBound..<(interior.upperBound + stretch.delta)
            self.text = text
            return (state(rest), member == "proxy_hosts" ? patched : allProxyHosts)
        }

        /// `rest` with the kept lists.
        func state(_ rest: DesiredState) -> DesiredState {
            var state = rest
            state.proxyHosts = proxyHosts.elements
            state.redirectionHosts = redirectionHosts.elements
            state.deadHosts = deadHosts.elements
            state.streamHosts = streamHosts.elements
            state.accessLists = accessLists.elements
            state.certificates = certificates.elements
            return state
        }
    }
}

/// The part of a new state's text that differs from the kept one: from `start` to `oldEnd` in
/// the kept text, to `oldEnd + delta` in the new one; before and after it, the texts agree.
private struct Stretch {
    var start: Int
    var oldEnd: Int
    var delta: Int

    /// Where `range` of the kept text, wholly before or after the stretch, lies in the new one.
    func moved(_ range: Range<Int>) -> Range<Int> {
        range.lowerBound >= oldEnd && range.upperBound > start ? (range.lowerBound + delta)..<(range.upperBound + delta) : range
    }
}

/// One list of a desired state as last read: the state's text (shared by its lists, not
/// copied), where each element of this list lies in it, and each element decoded.
private struct DecodedElements<Element: JSONStreamReadable & Sendable>: Sendable {
    private(set) var text: [UInt8] = []
    private(set) var ranges: [Range<Int>] = []
    private(set) var elements: [Element] = []

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
                read.append(try JSONReader.read(Element.self, from: text[range]))
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

    /// This list read from `text`, which differs from the kept text in `stretch`, inside this
    /// list's `interior`: the elements wholly before or after the stretch are kept, those in it
    /// located and decoded; returns how many elements it kept at each end. Nil, changing nothing,
    /// when the stretch is not whole elements; a bad element throws, changing nothing.
    mutating func patch(_ text: [UInt8], _ stretch: Stretch, interior: Range<Int>, member: String) throws(JSONReadError)
        -> DesiredStateReader.KeptStretch?
    {
        let before = ranges.prefix { $0.upperBound <= stretch.start }.count
        let after = ranges[before...].firstIndex { $0.lowerBound >= stretch.oldEnd } ?? ranges.count
        let from = before > 0 ? ranges[before - 1].upperBound : interior.lowerBound
        let to = after < ranges.count ? ranges[after].lowerBound + stretch.delta : interior.upperBound + stretch.delta
        guard from <= to,
            let found = JSONParser.elementRanges(in: text, from..<to, afterElement: before > 0, beforeElement: after < ranges.count)
        else { return nil }
        var decoded: [Element] = []
        decoded.reserveCapacity(found.count)
        for (offset, range) in found.enumerated() {
            do {
                decoded.append(try JSONReader.read(Element.self, from: text[range]))
            } catch {
                throw error.within(.index(before + offset)).within(.key(member))
            }
        }
        let kept = DesiredStateReader.KeptStretch(leading: before, trailing: ranges.count - after)
        elements.replaceSubrange(before..<after, with: decoded)
        ranges.replaceSubrange(before..<after, with: found)
        for index in (before + found.count)..<ranges.count { ranges[index] = stretch.moved(ranges[index]) }
        self.text = text
        return kept
    }

    /// This list, wholly before or after `stretch`, in the new `text`.
    mutating func move(to text: [UInt8], _ stretch: Stretch) {
        self.text = text
        if stretch.delta != 0 { ranges = ranges.map(stretch.moved) }
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
