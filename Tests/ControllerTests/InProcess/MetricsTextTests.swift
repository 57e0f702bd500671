import Testing

@testable import Controller

/// The series `/metrics` writes at each scrape: per-host traffic counted across reports, written
/// in the Prometheus text format in server and host order, with hostile server names escaped;
/// numbers as the format reads them.
@Suite struct MetricsTextTests {
    @Test func hostsAddUpAcrossReportsAndAreWrittenAsCounters() {
        let series = TrafficSeries()
        var served = TrafficCounters()
        served.requests = [0, 3, 0, 1, 0]
        served.bytesIn = 10
        served.bytesOut = 400
        series.add(served, server: "edge", host: "b.test")
        series.add(served, server: "edge", host: "b.test")
        series.add(served, server: #"we"ird\name"#, host: "a.test")
        var text = PrometheusText()
        series.write(to: &text)
        let lines = String(decoding: text.bytes, as: UTF8.self).split(separator: "\n").map(String.init)
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
        var text = PrometheusText()
        TrafficSeries().write(to: &text)
        #expect(text.bytes.isEmpty)
    }

    @Test func wholeNumbersAreWrittenWithoutAFraction() {
        var text = PrometheusText(after: Array("# from the registry\n".utf8))
        text.family("x", .gauge)
        text.sample("x", ["a": "1"], 1_796_000_000.0)
        text.sample("x", ["a": "2"], 0.25)
        text.sample("x", ["a": "3"], -.infinity)
        #expect(
            String(decoding: text.bytes, as: UTF8.self)
                == "# from the registry\n# TYPE x gauge\nx{a=\"1\"} 1796000000\nx{a=\"2\"} 0.25\nx{a=\"3\"} -Inf\n")
    }
}
