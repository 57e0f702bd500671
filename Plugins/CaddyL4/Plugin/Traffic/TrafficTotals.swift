/// Traffic of many hosts kept between readings of Caddy's metrics: the running totals of the
/// last reading (to tell what changed), and what changed since the last report. Stored in three
/// contiguous buffers sorted by name (the names' bytes, where each name ends, the counters), so
/// the totals of 10,000 hosts are three blocks of 1.7 MB in all, where a dictionary of strings
/// would be 10,000 small blocks strewn over the heap, each keeping a page resident once the
/// burst of a reading is freed. Built in name order with ``append(_:_:)``.
struct TrafficTotals {
    private var names: [UInt8] = []
    /// Where each name ends in ``names``.
    private var ends: [Int] = []
    /// ``HostTraffic/counterCount`` counters per host, in the names' order.
    private var counters: [Int64] = []

    var count: Int { ends.count }

    /// Adds `host` after every host here: names must come in ascending byte order.
    mutating func append(_ host: ArraySlice<UInt8>, _ traffic: HostTraffic) {
        precondition(ends.isEmpty || name(at: ends.count - 1).lexicographicallyPrecedes(host), "hosts out of order")
        names += host
        ends.append(names.count)
        traffic.appendCounters(to: &counters)
    }

    /// Where `host` is here, when it is.
    func slot(of host: String) -> Int? {
        var low = 0
        var high = ends.count
        while low < high {
            let middle = (low + high) / 2
            let name = name(at: middle)
            if name.elementsEqual(host.utf8) { return middle }
            if name.lexicographicallyPrecedes(host.utf8) { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    func name(at slot: Int) -> ArraySlice<UInt8> {
        names[(slot == 0 ? 0 : ends[slot - 1])..<ends[slot]]
    }

    func traffic(at slot: Int) -> HostTraffic {
        let start = slot * HostTraffic.counterCount
        return HostTraffic(counters: counters[start..<start + HostTraffic.counterCount])
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
