import Testing

@testable import Controller

/// The per-host series `/metrics` serves: counted across reports, written in the Prometheus text
/// format in server and host order, with hostile server names escaped.
@Suite struct TrafficSeriesTests {
    @Test func hostsAddUpAcrossReportsAndAreWrittenAsCounters() {
        let series = TrafficSeries()
        var served = TrafficCounters()
        served.requests = [0, 3, 0, 1, 0]
        served.bytesIn = 10
        served.bytesOut = 400
        series.add(served, server: "edge", host: "b.test")
        series.add(served, server: "edge", host: "b.test")
        series.add(served, server: #"we"ird\name"#, host: "a.test")
        var text: [UInt8] = []
        series.write(to: &text)
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.first == "# TYPE posternproxy_host_requests_total counter")
        #expect(lines.contains(#"posternproxy_host_requests_total{server="edge",host="b.test",status="2xx"} 6"#))
        #expect(lines.contains(#"posternproxy_host_requests_total{server="edge",host="b.test",status="5xx"} 0"#))
        #expect(lines.contains(#"posternproxy_host_received_bytes_total{server="edge",host="b.test"} 20"#))
        #expect(lines.contains(#"posternproxy_host_sent_bytes_total{server="we\"ird\\name",host="a.test"} 400"#))
        // Each family's lines together, servers in order.
        let requests = lines.filter { $0.hasPrefix("posternproxy_host_requests_total{") }
        #expect(requests.count == 10 && requests.first?.contains(#"server="edge""#) == true)
        #expect(lines.filter { $0.hasPrefix("# TYPE") }.count == 3)
    }

    @Test func nothingCountedWritesNothing() {
        var text: [UInt8] = []
        TrafficSeries().write(to: &text)
        #expect(text.isEmpty)
    }
}
