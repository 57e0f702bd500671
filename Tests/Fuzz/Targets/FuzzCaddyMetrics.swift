// Fuzz target: the reader of Caddy's Prometheus text (the CaddyL4 step's traffic meter), fed in
// pieces of every size, twice: the second reading counted against the first's hosts in place.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCaddyMetrics(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = UnsafeBufferPointer(start: data, count: size)
    // The first byte chooses where the text is cut into pieces, as a socket would deliver it.
    let piece = max(1, Int(text.first ?? 1))
    func read(known: TrafficTotals) -> TrafficTotals {
        var reading = CaddyMetricsReading(known: known)
        var start = 0
        while start < text.count {
            let end = min(text.count, start + piece)
            reading.feed(UnsafeBufferPointer(rebasing: text[start..<end]))
            start = end
        }
        reading.finish()
        var totals = TrafficTotals()
        reading.forEachHost { host, traffic, _ in
            guard CaddyMetricsReading.isHostName(host) else { fatalError("not a host name: \(host)") }
            traffic.forEachCounter { counter in if counter < 0 { fatalError("a negative counter for \(host)") } }
            totals.append(host, traffic)
        }
        return totals
    }
    let first = read(known: TrafficTotals())
    let second = read(known: first)
    guard second.count == first.count else { fatalError("the same text read twice gave \(first.count) and \(second.count) hosts") }
    for slot in 0..<first.count where !first.name(at: slot).elementsEqual(second.name(at: slot)) { fatalError("hosts differ at \(slot)") }
    return 0
}
