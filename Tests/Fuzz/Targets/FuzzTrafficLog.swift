// Fuzz target: the reader of Caddy's traffic log (the CaddyL4 step's traffic meter), fed in
// pieces of every size as a followed file delivers them, and whole: both readings count alike,
// and only under the names served.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrafficLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte chooses where the text is cut into pieces.
    let piece = max(1, Int(text.first ?? 1))
    // Names as the step knows them: an exact one and a wildcard one.
    let served: Set<String> = ["a.test", "*.w.test"]
    func name(_ host: String) -> String? {
        if served.contains(host) { return host }
        guard let dot = host.firstIndex(of: ".") else { return nil }
        return served.contains("*" + host[dot...]) ? "*" + host[dot...] : nil
    }
    var inPieces = TrafficLogReading(name: name)
    var partial: [UInt8] = []
    var start = 0
    while start < text.count {
        let end = min(text.count, start + piece)
        inPieces.feed(Array(text[start..<end]), partial: &partial)
        start = end
    }
    var whole = TrafficLogReading(name: name)
    var wholePartial: [UInt8] = []
    whole.feed(text, partial: &wholePartial)
    for (host, traffic) in inPieces.hosts {
        guard served.contains(host) else { fatalError("counted under a name not served: \(host)") }
        traffic.forEachCounter { counter in if counter < 0 { fatalError("a negative counter for \(host)") } }
        let latency = traffic.latency.indices.reduce(0) { $0 + traffic.latency[$1] }
        guard traffic.total == latency else { fatalError("latency does not add up for \(host)") }
    }
    guard inPieces.unattributed >= 0, Set(inPieces.hosts.keys) == Set(whole.hosts.keys), inPieces.unattributed == whole.unattributed
    else { fatalError("pieces and whole read differently") }
    return 0
}
