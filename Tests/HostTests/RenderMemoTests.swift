import CaddyL4Rendering
import Foundation
import JSONCore
import TestSupport
import Testing

/// The render memo: a render that reuses the previous render's pieces gives exactly what a
/// render from nothing gives, whatever changed in between, hosts, the names they share, the
/// certificates and access lists they use, or the settings.
@Suite struct RenderMemoTests {
    private static var certificate: [String: Any] {
        [
            "id": 3, "provider": "other", "certificate_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "key_pem": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
        ]
    }

    /// One resource of each kind with a random shape: names from a small pool, so hosts collide.
    /// With `sharingNames`, names from a pool of 14, so hosts collide; else each host's own, one
    /// or two (a host with two adds two entries to its shared route's map).
    private func proxyHost(_ id: Int, sharingNames: Bool = true, using random: inout SeededGenerator) -> [String: Any] {
        var host: [String: Any] = [
            "id": id, "enabled": Int.random(in: 0..<8, using: &random) > 0,
            "domain_names": [sharingNames ? "h\(Int.random(in: 0..<14, using: &random)).example.test" : "s\(id).example.test"],
            "forward_host": "127.0.0.1", "forward_port": 8000 + Int.random(in: 0..<3, using: &random),
            "forward_scheme": Bool.random(using: &random) ? "http" : "https",
            "allow_websocket_upgrade": Int.random(in: 0..<4, using: &random) > 0,
        ]
        if !sharingNames, Int.random(in: 0..<4, using: &random) == 0 { host["domain_names"] = ["s\(id).example.test", "t\(id).example.test"] }
        switch Int.random(in: 0..<7, using: &random) {
        case 0: host["certificate_id"] = 3
        case 1: host["access_list_id"] = 1
        case 2: host["ssl_forced"] = true
        case 3: host["domain_names"] = ["*.w\(id).example.test"]
        case 4: host["forward_host"] = "bad host"
        default: break
        }
        return host
    }

    private func state(_ hosts: [[String: Any]], listDenies: String, defaultSite: String, withCertificate: Bool) throws -> [UInt8] {
        let document: [String: Any] = [
            "server_id": 1, "settings": ["default_site": defaultSite], "proxy_hosts": hosts,
            "access_lists": [["id": 1, "clients": [["address": listDenies, "directive": "deny"]]]],
            "certificates": withCertificate ? [Self.certificate] : [],
            "redirection_hosts": [["id": 50, "domain_names": ["h1.example.test"], "forward_domain_name": "new.example.test", "enabled": true]],
            "dead_hosts": [["id": 60, "domain_names": ["gone.example.test"], "access_list_id": 1, "enabled": true]],
            "stream_hosts": [["id": 70, "incoming_port": 5000, "forwarding_host": "127.0.0.1", "forwarding_port": 22, "enabled": true]],
        ]
        return try [UInt8](JSONSerialization.data(withJSONObject: document, options: .sortedKeys))
    }

    /// Settings that share routes from `hosts` plain hosts and give hosts access logs.
    private static func settings(sharingRoutesFrom hosts: Int) -> RenderSettings {
        var settings = RenderSettings()
        settings.sharedRoutesFrom = hosts
        settings.certificateLog = "/var/log/caddy/certificates.log"
        return settings
    }

    @Test(arguments: [1, 2, 3, 4])
    func aRenderWithTheMemoIsARenderFromNothing(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        let settings = Self.settings(sharingRoutesFrom: 3)
        let reader = DesiredStateReader()
        let memo = RenderMemo()
        var hosts = (1...20).map { proxyHost($0, using: &random) }
        var nextID = 21
        var (listDenies, defaultSite, withCertificate) = ("10.0.0.0/8", "404", true)
        for step in 0..<80 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...3:
                let index = Int.random(in: 0..<hosts.count, using: &random)
                hosts[index] = proxyHost(hosts[index]["id"] as! Int, using: &random)
            case 4, 5:
                hosts.append(proxyHost(nextID, using: &random))
                nextID += 1
            case 6: if hosts.count > 3 { hosts.remove(at: Int.random(in: 0..<hosts.count, using: &random)) }
            case 7: listDenies = listDenies == "10.0.0.0/8" ? "192.0.2.0/24" : "10.0.0.0/8"
            case 8: withCertificate.toggle()
            default: defaultSite = defaultSite == "404" ? "congratulations" : "404"
            }
            // Ids stay unique and in order, as the controller sends them.
            hosts = Dictionary(hosts.map { ($0["id"] as! Int, $0) }, uniquingKeysWith: { _, last in last }).values.sorted {
                ($0["id"] as! Int) < ($1["id"] as! Int)
            }
            let text = try state(hosts, listDenies: listDenies, defaultSite: defaultSite, withCertificate: withCertificate)
            let reused = CaddyRenderer.render(try reader.read(text), settings: settings, memo: memo)
            let fresh = CaddyRenderer.render(try DesiredState.reading(text), settings: settings)
            #expect(reused.serialized() == fresh.serialized(), "seed \(seed), step \(step)")
            #expect(reused.rejected == fresh.rejected, "seed \(seed), step \(step)")
            #expect(reused.rendered == fresh.rendered, "seed \(seed), step \(step)")
        }
    }

    /// When only proxy hosts changed and no two claim a name, what the hosts around the changed
    /// ones added is kept as it lies and only the changed ones are rendered: after one host
    /// changed, added or removed among fifty, at most one is. Given the reader's lineage, the
    /// memo takes the hosts the reader kept as they are and compares none.
    @Test(arguments: [5, 6, 7], [false, true])
    func aChangeToSomeProxyHostsRendersThoseAlone(seed: Int, tracing: Bool) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        let settings = Self.settings(sharingRoutesFrom: 1)
        let reader = DesiredStateReader()
        let memo = RenderMemo()
        // Host 1 stays plain, so the shared routes stay in use whatever the others become.
        let first: [String: Any] = [
            "id": 1, "domain_names": ["first.example.test"], "forward_host": "127.0.0.1", "forward_port": 8000, "enabled": true,
        ]
        var hosts = [first] + (2...50).map { proxyHost($0, sharingNames: false, using: &random) }
        var nextID = 51
        func render() throws -> RenderResult {
            let text = try state(hosts, listDenies: "10.0.0.0/8", defaultSite: "404", withCertificate: true)
            let read = try text.withUnsafeBytes { bytes in try reader.readTracing(bytes) }
            let reused = CaddyRenderer.render(read.state, settings: settings, memo: memo, lineage: tracing ? read.lineage : nil)
            let fresh = CaddyRenderer.render(try DesiredState.reading(text), settings: settings)
            #expect(reused.serialized() == fresh.serialized())
            #expect(reused.rejected == fresh.rejected)
            #expect(reused.rendered == fresh.rendered)
            return reused
        }
        _ = try render()
        #expect(memo.latestReuse == .none)
        var splices = 0
        for step in 0..<60 {
            // How many hosts the change touched, in one stretch.
            var touched = 1
            switch Int.random(in: 0..<5, using: &random) {
            case 0, 1:
                let index = Int.random(in: 1..<hosts.count, using: &random)
                hosts[index] = proxyHost(hosts[index]["id"] as! Int, sharingNames: false, using: &random)
            case 2:
                hosts.append(proxyHost(nextID, sharingNames: false, using: &random))
                nextID += 1
            case 3:
                if hosts.count > 3 { hosts.remove(at: Int.random(in: 1..<hosts.count, using: &random)) }
                touched = 0
            default:
                let index = Int.random(in: 1..<(hosts.count - 1), using: &random)
                hosts[index] = proxyHost(hosts[index]["id"] as! Int, sharingNames: false, using: &random)
                hosts[index + 1] = proxyHost(hosts[index + 1]["id"] as! Int, sharingNames: false, using: &random)
                touched = 2
            }
            _ = try render()
            guard case .splice(let rendered, let compared) = memo.latestReuse else {
                Issue.record("seed \(seed), step \(step): \(memo.latestReuse)")
                continue
            }
            // The reader keeps the hosts whose text lies wholly outside the bytes that changed; a
            // host removed may leave its neighbour's text, which begins alike, among them.
            #expect(rendered <= touched + (tracing ? 1 : 0), "seed \(seed), step \(step)")
            #expect(compared == !tracing, "seed \(seed), step \(step)")
            splices += 1
        }
        #expect(splices == 60)
        // Anything else changed: each resource gets its piece again, or is rendered.
        let text = try state(hosts, listDenies: "10.0.0.0/8", defaultSite: "congratulations", withCertificate: true)
        _ = CaddyRenderer.render(try reader.read(text), settings: settings, memo: memo)
        #expect(memo.latestReuse == .none)
        for index in [1, 2] {
            hosts[index] = first
            hosts[index]["id"] = 100 + index
            hosts[index]["domain_names"] = ["twice.example.test"]
        }
        _ = try render()
        _ = try render()
        #expect(memo.latestReuse == .pieces, "a render with a name claimed twice is not spliced")
    }

    @Test func aNameTakenByAnEarlierHostLeavesTheLaterOneOutThoughItsPieceWasKept() throws {
        var settings = RenderSettings()
        settings.sharedRoutesFrom = 1
        let memo = RenderMemo()
        func host(_ id: Int, _ name: String) -> [String: Any] {
            ["id": id, "domain_names": [name], "forward_host": "127.0.0.1", "forward_port": 8000, "enabled": true, "allow_websocket_upgrade": true]
        }
        func render(_ hosts: [[String: Any]]) throws -> RenderResult {
            let text = try [UInt8](JSONSerialization.data(withJSONObject: ["proxy_hosts": hosts], options: .sortedKeys))
            return CaddyRenderer.render(try DesiredState.reading(text), settings: settings, memo: memo)
        }
        _ = try render([host(1, "a.example.test"), host(2, "b.example.test")])
        let result = try render([host(1, "b.example.test"), host(2, "b.example.test")])
        #expect(result.rendered == [ResourceKey(kind: "proxy_host", id: 1)])
        #expect(result.rejected[ResourceKey(kind: "proxy_host", id: 2)] == "domain_names b.example.test is already served by proxy_host 1")
    }
}
