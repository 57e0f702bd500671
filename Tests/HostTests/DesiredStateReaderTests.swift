import CaddyL4Rendering
import Foundation
import JSONCore
import Testing

/// The reader that keeps the last desired state it read: whatever the change between two states
/// (a host added, removed, changed, moved, a list emptied or null), what it returns renders
/// exactly as a fresh decoding of the same text does, and a bad value is still named.
@Suite struct DesiredStateReaderTests {
    private func proxyHost(_ id: Int, port: Int = 8080, name: String? = nil) -> [String: Any] {
        ["id": id, "domain_names": [name ?? "app\(id).example.test"], "forward_host": "127.0.0.1", "forward_port": port, "enabled": true]
    }

    private func state(_ proxyHosts: [[String: Any]], redirections: Any = [] as [Any], certificates: Any = [] as [Any]) throws -> [UInt8] {
        let document: [String: Any] = [
            "server_id": 1, "settings": ["default_site": "404"], "proxy_hosts": proxyHosts, "redirection_hosts": redirections,
            "certificates": certificates, "dead_hosts": [["id": 900, "domain_names": ["gone.example.test"], "enabled": true]],
            "stream_hosts": [] as [Any],
        ]
        return try [UInt8](JSONSerialization.data(withJSONObject: document, options: .sortedKeys))
    }

    /// One host of `hosts` edited, by `edit`: 0 a host added at `index`, 1 the host there
    /// removed (while more than two are left), 2 its port changed.
    private func editOneHost(
        _ edit: Int, at index: Int, of hosts: inout [[String: Any]], nextID: inout Int, using random: inout some RandomNumberGenerator
    ) {
        switch edit {
        case 0:
            hosts.insert(proxyHost(nextID), at: index)
            nextID += 1
        case 1: if hosts.count > 2 { hosts.remove(at: index) }
        default: hosts[index] = proxyHost(hosts[index]["id"] as! Int, port: Int.random(in: 1000...9999, using: &random))
        }
    }

    /// The rendering of `text` read by `reader`, and of a fresh decoding of it.
    private func renderings(_ text: [UInt8], reader: DesiredStateReader) throws -> (kept: [UInt8], fresh: [UInt8]) {
        let settings = RenderSettings()
        return (
            CaddyRenderer.render(try reader.read(text), settings: settings).serialized(),
            CaddyRenderer.render(try DesiredState.reading(text), settings: settings).serialized()
        )
    }

    @Test func everyKindOfChangeReadsAsAFreshDecodingDoes() throws {
        let reader = DesiredStateReader()
        let hosts = (1...6).map { proxyHost($0) }
        let redirection: [String: Any] = [
            "id": 50, "domain_names": ["old.example.test"], "forward_domain_name": "new.example.test", "enabled": true,
        ]
        var steps: [[UInt8]] = [
            try state(hosts),
            try state(hosts + [proxyHost(7)]),  // added at the end
            try state(Array(hosts[..<3]) + [proxyHost(10)] + Array(hosts[3...])),  // added in the middle
            try state(Array(hosts[..<2]) + Array(hosts[3...])),  // removed
            try state(Array(hosts[..<1]) + Array(hosts[4...])),  // several removed together
            try state(hosts.enumerated().map { $0.offset == 2 ? proxyHost(3, port: 9090) : $0.element }),  // changed
            try state(hosts.reversed()),  // every one moved
            try state([]),  // emptied
            try state(hosts, redirections: [redirection]),
            try state(hosts, redirections: NSNull()),  // null
        ]
        steps.append(steps[0])
        for (index, step) in steps.enumerated() {
            let (kept, fresh) = try renderings(step, reader: reader)
            #expect(kept == fresh, "step \(index)")
        }
        let changed = try reader.read(steps[5])
        #expect(changed.proxyHosts.map(\.forwardPort) == [8080, 8080, 9090, 8080, 8080, 8080])
        #expect(changed.deadHosts.map(\.id) == [900])
    }

    @Test func randomChangesInOneListOrSeveralReadAsAFreshDecodingDoes() throws {
        var random = SystemRandomNumberGenerator()
        let reader = DesiredStateReader()
        var hosts = (1...30).map { proxyHost($0) }
        var nextID = 31
        for step in 0..<200 {
            let index = Int.random(in: 0..<hosts.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case let edit where edit < 3: editOneHost(edit, at: index, of: &hosts, nextID: &nextID, using: &random)
            case 3:
                // Two changes apart in the list: still one stretch, longer.
                hosts[0] = proxyHost(hosts[0]["id"] as! Int, port: Int.random(in: 1000...9999, using: &random))
                hosts[hosts.count - 1] = proxyHost(hosts[hosts.count - 1]["id"] as! Int, name: "last\(step).example.test")
            default: hosts.swapAt(index, hosts.count - 1 - index)
            }
            let redirections: [Any] = step % 7 == 0 ? [["id": 50, "domain_names": ["r.example.test"], "forward_domain_name": "x.test"]] : []
            let text = try state(hosts, redirections: redirections)
            let (kept, fresh) = try renderings(text, reader: reader)
            #expect(kept == fresh, "step \(step)")
            #expect(try reader.read(text).proxyHosts.map(\.id) == hosts.map { $0["id"] as! Int }, "step \(step)")
        }
    }

    /// A read's lineage: each read takes the next number, and the proxy hosts it says it kept at
    /// each end of the list are, element for element, the previous read's; a text read whole
    /// (nothing kept before it, or one that differs in two places) says none.
    @Test func theProxyHostsALineageSaysWereKeptAreThoseOfTheReadBefore() throws {
        var random = SystemRandomNumberGenerator()
        let reader = DesiredStateReader()
        func read(_ text: [UInt8]) throws -> (state: DesiredState, lineage: DesiredStateReader.Lineage) {
            try text.withUnsafeBytes { bytes in try reader.readTracing(bytes) }
        }
        var hosts = (1...30).map { proxyHost($0) }
        var (previous, lineage) = try read(try state(hosts))
        #expect(lineage.keptProxyHosts == nil, "nothing was kept before the first read")
        var nextID = 31
        var told = 0
        for step in 0..<150 {
            let index = Int.random(in: 0..<hosts.count, using: &random)
            var redirections: [Any] = []
            switch Int.random(in: 0..<4, using: &random) {
            case let edit where edit < 3: editOneHost(edit, at: index, of: &hosts, nextID: &nextID, using: &random)
            default: redirections = [["id": 50 + step, "domain_names": ["r\(step).example.test"], "forward_domain_name": "x.test"]]
            }
            let (current, next) = try read(try state(hosts, redirections: redirections))
            #expect(next.generation == lineage.generation + 1, "step \(step)")
            if let kept = next.keptProxyHosts {
                told += 1
                let shorter = min(previous.proxyHosts.count, current.proxyHosts.count)
                #expect(kept.leading + kept.trailing <= shorter, "step \(step)")
                #expect(Array(current.proxyHosts.prefix(kept.leading)) == Array(previous.proxyHosts.prefix(kept.leading)), "step \(step)")
                #expect(Array(current.proxyHosts.suffix(kept.trailing)) == Array(previous.proxyHosts.suffix(kept.trailing)), "step \(step)")
                #expect(kept.leading + kept.trailing >= shorter - 1, "step \(step): one host changed, the others kept")
            }
            (previous, lineage) = (current, next)
        }
        #expect(told > 100, "most changes are patched")
        // Two hosts changed far apart and a redirection beside them: read whole, nothing told.
        hosts[0] = proxyHost(hosts[0]["id"] as! Int, port: 1)
        let whole = try read(try state(hosts, redirections: [["id": 1, "domain_names": ["z.example.test"], "forward_domain_name": "x.test"]]))
        #expect(whole.lineage.keptProxyHosts == nil && whole.lineage.generation == lineage.generation + 1)
    }

    @Test func aRemovalBesideAChangeReadsRight() throws {
        let reader = DesiredStateReader()
        _ = try reader.read(try state([proxyHost(1), proxyHost(2), proxyHost(3)]))
        // Host 2 removed and host 3 changed: the walk must not pair the new host 3 with the old one.
        let read = try reader.read(try state([proxyHost(1), proxyHost(3, port: 7000)]))
        #expect(read.proxyHosts.map(\.id) == [1, 3])
        #expect(read.proxyHosts.map(\.forwardPort) == [8080, 7000])
    }

    @Test func aBadValueIsNamedAndTheStateReadBeforeStillHelps() throws {
        let reader = DesiredStateReader()
        let good = try state([proxyHost(1), proxyHost(2)])
        _ = try reader.read(good)
        var broken = proxyHost(2)
        broken["forward_port"] = "eighty"
        #expect {
            try reader.read(try state([proxyHost(1), broken]))
        } throws: { error in
            "\(error)" == "desired state: proxy_hosts[1].forward_port: expected a number"
        }
        #expect(throws: DecodingFailure.self) { try reader.read(Array(#"{"proxy_hosts": [{"id": 1}"#.utf8)) }
        #expect(throws: DecodingFailure.self) { try reader.read(Array(#"{"proxy_hosts": {"id": 1}}"#.utf8)) }
        let (kept, fresh) = try renderings(good, reader: reader)
        #expect(kept == fresh)
    }

    @Test func aStateLargerThanTheLimitIsReadWholeAndNothingIsKept() throws {
        let reader = DesiredStateReader()
        let small = try state([proxyHost(1)])
        let large = try state((1...50).map { proxyHost($0) })
        #expect(try reader.read(small, keepingUpTo: small.count).proxyHosts.count == 1)
        #expect(try reader.read(large, keepingUpTo: small.count).proxyHosts.count == 50)
        #expect(try reader.read(large, keepingUpTo: 0).proxyHosts.map(\.id) == Array(1...50))
        let (kept, fresh) = try renderings(small, reader: reader)
        #expect(kept == fresh)
    }

    /// The memory of the text read before last takes the next text: after a change, a copy of a
    /// state of several megabytes lands in pages the process already has. What is read from a
    /// borrowed buffer is what is read from an array, and a state over the limit keeps nothing,
    /// that memory included.
    @Test func theTextReadBeforeLastTakesTheNextAndABufferReadsAsAnArray() throws {
        let reader = DesiredStateReader()
        let first = try state((1...40).map { proxyHost($0) })
        let second = try state((1...41).map { proxyHost($0) })
        let third = try state((1...41).map { proxyHost($0, port: $0 == 20 ? 9090 : 8080) })
        _ = try reader.read(first)
        #expect(reader.reusableBytes == 0, "nothing was read before the first text")
        _ = try second.withUnsafeBytes { try reader.read($0) }
        #expect(reader.reusableBytes >= first.count)
        let settings = RenderSettings()
        let fromBuffer = try third.withUnsafeBytes { try reader.read($0) }
        #expect(
            CaddyRenderer.render(fromBuffer, settings: settings).serialized()
                == CaddyRenderer.render(try DesiredState.reading(third), settings: settings).serialized())
        #expect(reader.reusableBytes >= second.count)
        // The same text again changes nothing: the copy just made is what the next text takes.
        let (kept, fresh) = try renderings(third, reader: reader)
        #expect(kept == fresh)
        #expect(reader.reusableBytes >= third.count)
        // A read that fails lends nothing; the state read before still helps the next read.
        var broken = proxyHost(3)
        broken["forward_port"] = "eighty"
        #expect(throws: DecodingFailure.self) { try reader.read(try state([proxyHost(1), proxyHost(2), broken])) }
        #expect(reader.reusableBytes == 0)
        let (afterFailure, freshAfterFailure) = try renderings(second, reader: reader)
        #expect(afterFailure == freshAfterFailure)
        _ = try reader.read(first, keepingUpTo: 10)
        #expect(reader.reusableBytes == 0)
    }
}
