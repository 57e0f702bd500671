/// Traffic of many hosts kept between reports: what each served since the last one. Stored in four
/// contiguous buffers sorted by name: the names' bytes, where each name ends, each host's
/// counters as variable-length numbers (seven bits a byte, low bits first: a count below 128 is
/// one byte), and where each host's counters start. The totals of 10,000 hosts are some 0.5 MB
/// in four blocks, where fixed 64-bit counters took 1.7 MB and a dictionary of strings 10,000
/// small blocks strewn over the heap, each keeping a page resident once the burst of a reading
/// is freed. Built in name order with ``append(_:_:)``; counters are never negative.
struct TrafficTotals {
    private var names: [UInt8] = []
    /// Where each name ends in ``names``.
    private var nameEnds: [UInt32] = []
    /// Each host's counters (as ``HostTraffic/forEachCounter(_:)`` visits them), in the names' order.
    private var counters: [UInt8] = []
    /// Where each host's counters start in ``counters``.
    private var counterStarts: [UInt32] = []

    var count: Int { nameEnds.count }

    /// Adds `host` after every host here: names must come in ascending byte order.
    mutating func append(_ host: ArraySlice<UInt8>, _ traffic: HostTraffic) {
        precondition(nameEnds.isEmpty || name(at: nameEnds.count - 1).lexicographicallyPrecedes(host), "hosts out of order")
        names += host
        nameEnds.append(UInt32(names.count))
        counterStarts.append(UInt32(counters.count))
        traffic.forEachCounter { counter in
            precondition(counter >= 0, "a negative counter")
            var rest = UInt64(counter)
            while rest >= 0x80 {
                counters.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            counters.append(UInt8(rest))
        }
    }

    func name(at slot: Int) -> ArraySlice<UInt8> {
        names[(slot == 0 ? 0 : Int(nameEnds[slot - 1]))..<Int(nameEnds[slot])]
    }

    func traffic(at slot: Int) -> HostTraffic {
        var index = Int(counterStarts[slot])
        return HostTraffic(reading: {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = counters[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return Int64(bitPattern: value) }
                shift += 7
            }
        })
    }

    /// The hosts after the first `count`.
    /// The four buffers are cut where the host after them starts, and their offsets rebased:
    /// nothing is decoded or encoded again.
    func droppingFirst(_ count: Int) -> TrafficTotals {
        guard count > 0 else { return self }
        var rest = TrafficTotals()
        guard count < self.count else { return rest }
        let nameBase = nameEnds[count - 1]
        let counterBase = counterStarts[count]
        rest.names = Array(names[Int(nameBase)...])
        rest.nameEnds = nameEnds[count...].map { $0 - nameBase }
        rest.counters = Array(counters[Int(counterBase)...])
        rest.counterStarts = counterStarts[count...].map { $0 - counterBase }
        return rest
    }

    /// `self` with `changes` added, host by host: both in name order, as is the result.
    func adding(_ changes: TrafficTotals) -> TrafficTotals {
        var sum = TrafficTotals()
        var mine = 0
        for theirs in 0..<changes.count {
            let host = changes.name(at: theirs)
            while mine < count, name(at: mine).lexicographicallyPrecedes(host) {
                sum.append(name(at: mine), traffic(at: mine))
                mine += 1
            }
            var traffic = changes.traffic(at: theirs)
            if mine < count, name(at: mine).elementsEqual(host) {
                traffic.add(self.traffic(at: mine))
                mine += 1
            }
            sum.append(host, traffic)
        }
        while mine < count {
            sum.append(name(at: mine), traffic(at: mine))
            mine += 1
        }
        return sum
    }
}
