/// Traffic of many hosts kept between readings of Caddy's metrics: the running totals of the
/// last reading (to tell what changed), and what changed since the last report. Stored in three contiguous buffers sorted by name (the names' bytes, where each
/// name ends, the counters), so the totals of 10,000 hosts are three blocks of 1.7 MB in all,
/// where a dictionary of strings would be 10,000 small blocks strewn over the heap, each keeping
/// a page resident once the burst of a reading is freed.
struct TrafficTotals {
    private var names: [UInt8] = []
    /// Where each name ends in ``names``.
    private var ends: [Int] = []
    /// ``HostTraffic/counterCount`` counters per host, in the names' order.
    private var counters: [Int64] = []

    init() {}

    init(_ hosts: [String: HostTraffic]) {
        let sorted = hosts.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        names.reserveCapacity(sorted.reduce(0) { $0 + $1.key.utf8.count })
        ends.reserveCapacity(sorted.count)
        counters.reserveCapacity(sorted.count * HostTraffic.counterCount)
        for (name, traffic) in sorted {
            names += name.utf8
            ends.append(names.count)
            traffic.appendCounters(to: &counters)
        }
    }

    var count: Int { ends.count }

    /// Every host's traffic, by name.
    func hosts() -> [String: HostTraffic] {
        var hosts: [String: HostTraffic] = [:]
        hosts.reserveCapacity(count)
        forEach { name, traffic in hosts[String(decoding: name, as: UTF8.self)] = traffic }
        return hosts
    }

    /// Calls `body` with each host's name (its UTF-8 bytes) and traffic, in name order.
    func forEach(_ body: (ArraySlice<UInt8>, HostTraffic) -> Void) {
        for index in ends.indices {
            let start = index * HostTraffic.counterCount
            body(
                names[(index == 0 ? 0 : ends[index - 1])..<ends[index]],
                HostTraffic(counters: counters[start..<start + HostTraffic.counterCount]))
        }
    }

    /// The totals of `host` at this reading; nil when it had none.
    func traffic(of host: String) -> HostTraffic? {
        var low = 0
        var high = ends.count
        while low < high {
            let middle = (low + high) / 2
            let name = names[(middle == 0 ? 0 : ends[middle - 1])..<ends[middle]]
            if name.elementsEqual(host.utf8) {
                let start = middle * HostTraffic.counterCount
                return HostTraffic(counters: counters[start..<start + HostTraffic.counterCount])
            }
            if name.lexicographicallyPrecedes(host.utf8) { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
