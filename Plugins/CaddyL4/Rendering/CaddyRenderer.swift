import JSONCore

/// Renders one server's desired state into one Caddy JSON configuration: proxy,
/// redirection and dead hosts on an HTTP and an HTTPS server, a catch-all, certificates
/// (automatic over ACME, or uploaded), and stream hosts and TLS passthrough in the layer4 app.
/// Pure: the same input gives the same bytes. A resource that cannot be rendered is left out and
/// reported; the others still render.
public enum CaddyRenderer {
    /// The renderer interface: desired state JSON and renderer settings JSON in, Caddy JSON out.
    public static func render(input: [UInt8], settings: [UInt8]) throws -> [UInt8] {
        let state = try DesiredState.reading(input)
        let options = settings.isEmpty ? RenderSettings() : try DecodingFailure.reading("renderer settings", as: RenderSettings.self, from: settings)
        return [UInt8](render(state, settings: options).serialized())
    }

    /// `memo`: what the previous render of the same server made of each resource, reused for
    /// the resources that did not change (``RenderMemo``); the result is the same without it.
    public static func render(_ state: DesiredState, settings: RenderSettings, memo: RenderMemo? = nil) -> RenderResult {
        var builder = ConfigBuilder(state: state, settings: settings)
        if let memo { builder.remember(from: memo.take()) }
        builder.addResources()
        if let pieces = builder.next { memo?.keep(pieces) }
        return builder.result()
    }
}

/// Collects the pieces of a configuration resource by resource.
private struct ConfigBuilder {
    let state: DesiredState
    let settings: RenderSettings

    private var httpRoutes: [(route: JSON, wildcard: Bool)] = []
    private var httpsRoutes: [(route: JSON, wildcard: Bool)] = []
    /// Hosts served by the shared routes (``SharedProxyRoute``), by upstream scheme, on each server.
    private var sharedHTTP: [(scheme: String, entry: SharedProxyRoute.Entry)] = []
    private var sharedHTTPS: [(scheme: String, entry: SharedProxyRoute.Entry)] = []
    /// Shared hosts whose plain-HTTP requests are redirected to HTTPS.
    private var sharedRedirects: [SharedProxyRoute.Entry] = []
    /// Which shared host serves each name: a name twice in a map would make Caddy refuse the
    /// whole config, so the second host is left out instead, named.
    private var sharedNames: [String: ResourceKey] = [:]
    private var errorRoutes: [JSON] = []
    private var passthroughRoutes: [JSON] = []
    private var layer4Servers: [(String, JSON)] = []
    private var automaticDomains: [String] = []
    private var customDomains: [String] = []
    /// Names whose TLS offers only HTTP/1.1 (hosts with HTTP/2 off).
    private var http1OnlyDomains: [String] = []
    private var loadedCertificates: [Int: JSON] = [:]
    /// The keys of `loadedCertificates` in the order they were added.
    private var certificatesInOrder: [Int] = []
    private var rejected: [ResourceKey: String] = [:]
    private var rendered: [ResourceKey] = []
    /// Whether enough hosts qualify for the shared routes to use them (``RenderSettings/sharedRoutesFrom``).
    private let sharesRoutes: Bool
    /// The names each shared host took in `sharedNames`, in the order taken.
    private var sharedNameClaims: [String] = []
    /// The uploaded certificates each resource loads, in the order loaded.
    private var certificateUses: [(Int, JSON)] = []
    /// The previous render's pieces, when made in the same surroundings.
    private var previous: RenderMemo.Pieces?
    /// This render's pieces, kept when a memo was given.
    private(set) var next: RenderMemo.Pieces?

    init(state: DesiredState, settings: RenderSettings) {
        self.state = state
        self.settings = settings
        var candidates = 0
        for host in state.proxyHosts where host.enabled && !host.tlsPassthrough && host.accessListId == nil {
            let servedOverTLS = host.certificateId != nil || host.sslForced
            if SharedProxyRoute.qualifies(host, accessList: nil, servedOverTLS: servedOverTLS) { candidates += 1 }
            if candidates >= settings.sharedRoutesFrom { break }
        }
        sharesRoutes = candidates >= settings.sharedRoutesFrom
        // Most hosts are plain: room for all of them at once, not grown 14 times over.
        rendered.reserveCapacity(state.proxyHosts.count)
        if sharesRoutes {
            sharedNames.reserveCapacity(state.proxyHosts.count)
            sharedNameClaims.reserveCapacity(state.proxyHosts.count)
            sharedHTTP.reserveCapacity(state.proxyHosts.count)
        }
    }

    /// Takes `pieces` from a previous render when they were made in these surroundings, and
    /// starts keeping this render's.
    mutating func remember(from pieces: RenderMemo.Pieces?) {
        let surroundings = RenderMemo.Surroundings(
            settings: settings, stateSettings: state.settings, accessLists: state.accessLists, certificates: state.certificates,
            streamCarriers: state.streamCarriers, sharesRoutes: sharesRoutes)
        previous = pieces?.surroundings == surroundings ? pieces : nil
        next = RenderMemo.Pieces(surroundings: surroundings)
        next!.proxyHosts.reserveCapacity(state.proxyHosts.count)
    }

    mutating func addResources() {
        // First, so its route wins over any host that names the same domain.
        if let site = state.adminSite {
            add(ResourceKey(kind: "admin_site", id: 0)) { builder, key throws(RenderingError) in
                try builder.addHTTPResource(
                    domains: site.domainNames, certificateID: nil, forced: true, key: key, route: try HostRoutes.adminSite(site, key: key))
            }
        }
        // Each kind's previous pieces, taken once: not through `previous` for each resource.
        let keptProxyHosts = previous?.proxyHosts ?? [:]
        for host in state.proxyHosts where host.enabled {
            let made = add(ResourceKey(kind: "proxy_host", id: host.id), host, kept: keptProxyHosts[host.id]) {
                builder, key, host throws(RenderingError) in
                try builder.addProxyHost(host, key: key)
            }
            if let made { next?.proxyHosts[host.id] = made }
        }
        let keptRedirectionHosts = previous?.redirectionHosts ?? [:]
        for host in state.redirectionHosts where host.enabled {
            let made = add(ResourceKey(kind: "redirection_host", id: host.id), host, kept: keptRedirectionHosts[host.id]) {
                builder, key, host throws(RenderingError) in
                try builder.addHTTPResource(
                    domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key,
                    route: try HostRoutes.redirection(host, key: key))
            }
            if let made { next?.redirectionHosts[host.id] = made }
        }
        let keptDeadHosts = previous?.deadHosts ?? [:]
        for host in state.deadHosts where host.enabled {
            let made = add(ResourceKey(kind: "dead_host", id: host.id), host, kept: keptDeadHosts[host.id]) {
                builder, key, host throws(RenderingError) in
                let list = try builder.accessList(host.accessListId, key: key)
                try builder.addHTTPResource(
                    domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key,
                    route: try HostRoutes.dead(host, key: key, accessList: list))
            }
            if let made { next?.deadHosts[host.id] = made }
        }
        let keptStreamHosts = previous?.streamHosts ?? [:]
        for stream in state.streamHosts where stream.enabled && state.caddyCarries(stream) {
            let made = add(ResourceKey(kind: "stream_host", id: stream.id), stream, kept: keptStreamHosts[stream.id]) {
                builder, key, stream throws(RenderingError) in
                try builder.addStream(stream, key: key)
            }
            if let made { next?.streamHosts[stream.id] = made }
        }
    }

    /// Adds one resource: `kept`, the piece the previous render made of it, when the resource
    /// is equal to what it was made from and the piece still fits (none of its shared names
    /// taken by another host since); else the resource rendered afresh by `body`, which is
    /// given the resource rather than capturing it (a capture would copy every host). Returns
    /// what the next render may reuse (nil: it was left out, or no memo is kept).
    private mutating func add<Resource: Equatable>(
        _ key: ResourceKey, _ resource: Resource, kept: RenderMemo.Made<Resource>?,
        _ body: (inout ConfigBuilder, ResourceKey, Resource) throws(RenderingError) -> Void
    ) -> RenderMemo.Made<Resource>? {
        if let kept, kept.resource == resource, replay(kept.piece, key: key) {
            rendered.append(key)
            return kept
        }
        return add(key) { builder, key throws(RenderingError) in try body(&builder, key, resource) }.map { RenderMemo.Made(resource, $0) }
    }

    /// Adds one resource, or records why it was left out; a failure leaves nothing of it behind
    /// (what it added is cut off again, which costs nothing when it added nothing). Returns what
    /// it added, when it was added and a memo keeps it.
    @discardableResult
    private mutating func add(_ key: ResourceKey, _ body: (inout ConfigBuilder, ResourceKey) throws(RenderingError) -> Void) -> RenderMemo.Piece? {
        let mark = marks
        do {
            try body(&self, key)
            rendered.append(key)
            return next == nil ? nil : piece(since: mark)
        } catch {
            httpRoutes.removeSubrange(mark.httpRoutes...)
            httpsRoutes.removeSubrange(mark.httpsRoutes...)
            errorRoutes.removeSubrange(mark.errorRoutes...)
            passthroughRoutes.removeSubrange(mark.passthroughRoutes...)
            layer4Servers.removeSubrange(mark.layer4Servers...)
            automaticDomains.removeSubrange(mark.automaticDomains...)
            customDomains.removeSubrange(mark.customDomains...)
            http1OnlyDomains.removeSubrange(mark.http1OnlyDomains...)
            for id in certificatesInOrder[mark.certificatesInOrder...] { loadedCertificates[id] = nil }
            certificatesInOrder.removeSubrange(mark.certificatesInOrder...)
            certificateUses.removeSubrange(mark.certificateUses...)
            for name in sharedNameClaims[mark.sharedNameClaims...] where sharedNames[name] == key { sharedNames[name] = nil }
            sharedNameClaims.removeSubrange(mark.sharedNameClaims...)
            sharedHTTP.removeSubrange(mark.sharedHTTP...)
            sharedHTTPS.removeSubrange(mark.sharedHTTPS...)
            sharedRedirects.removeSubrange(mark.sharedRedirects...)
            rejected[key] = "\(error.field) \(error.message)"
            return nil
        }
    }

    /// How far each part of the config reached before a resource was added.
    private struct Marks {
        let httpRoutes, httpsRoutes, errorRoutes, passthroughRoutes, layer4Servers: Int
        let automaticDomains, customDomains, http1OnlyDomains, certificatesInOrder, certificateUses: Int
        let sharedHTTP, sharedHTTPS, sharedRedirects, sharedNameClaims: Int

    }

    /// How far each part of the config reaches now. Read field by field from `self`, which is
    /// not copied (a copy of the builder for each resource would retain its every list).
    private var marks: Marks {
        Marks(
            httpRoutes: httpRoutes.count, httpsRoutes: httpsRoutes.count, errorRoutes: errorRoutes.count,
            passthroughRoutes: passthroughRoutes.count, layer4Servers: layer4Servers.count, automaticDomains: automaticDomains.count,
            customDomains: customDomains.count, http1OnlyDomains: http1OnlyDomains.count, certificatesInOrder: certificatesInOrder.count,
            certificateUses: certificateUses.count, sharedHTTP: sharedHTTP.count, sharedHTTPS: sharedHTTPS.count,
            sharedRedirects: sharedRedirects.count, sharedNameClaims: sharedNameClaims.count)
    }

    /// What was added since `mark`: one resource's piece.
    private func piece(since mark: Marks) -> RenderMemo.Piece {
        RenderMemo.Piece(
            httpRoutes: Array(httpRoutes[mark.httpRoutes...]), httpsRoutes: Array(httpsRoutes[mark.httpsRoutes...]),
            sharedHTTP: Array(sharedHTTP[mark.sharedHTTP...]), sharedHTTPS: Array(sharedHTTPS[mark.sharedHTTPS...]),
            sharedRedirects: Array(sharedRedirects[mark.sharedRedirects...]), sharedNames: Array(sharedNameClaims[mark.sharedNameClaims...]),
            errorRoutes: Array(errorRoutes[mark.errorRoutes...]), passthroughRoutes: Array(passthroughRoutes[mark.passthroughRoutes...]),
            layer4Servers: Array(layer4Servers[mark.layer4Servers...]), automaticDomains: Array(automaticDomains[mark.automaticDomains...]),
            customDomains: Array(customDomains[mark.customDomains...]), http1OnlyDomains: Array(http1OnlyDomains[mark.http1OnlyDomains...]),
            certificates: Array(certificateUses[mark.certificateUses...]))
    }

    /// Adds a piece the previous render made of this resource; false, adding nothing, when one
    /// of its shared names is another host's by now.
    private mutating func replay(_ piece: RenderMemo.Piece, key: ResourceKey) -> Bool {
        for name in piece.sharedNames {
            if let holder = sharedNames[name], holder != key { return false }
        }
        for name in piece.sharedNames {
            sharedNames[name] = key
            sharedNameClaims.append(name)
        }
        // Most pieces add to two or three parts: the others are not touched.
        if !piece.httpRoutes.isEmpty { httpRoutes += piece.httpRoutes }
        if !piece.httpsRoutes.isEmpty { httpsRoutes += piece.httpsRoutes }
        for shared in piece.sharedHTTP { sharedHTTP.append(shared) }
        for shared in piece.sharedHTTPS { sharedHTTPS.append(shared) }
        for entry in piece.sharedRedirects { sharedRedirects.append(entry) }
        if !piece.errorRoutes.isEmpty { errorRoutes += piece.errorRoutes }
        if !piece.passthroughRoutes.isEmpty { passthroughRoutes += piece.passthroughRoutes }
        if !piece.layer4Servers.isEmpty { layer4Servers += piece.layer4Servers }
        if !piece.automaticDomains.isEmpty { automaticDomains += piece.automaticDomains }
        if !piece.customDomains.isEmpty { customDomains += piece.customDomains }
        if !piece.http1OnlyDomains.isEmpty { http1OnlyDomains += piece.http1OnlyDomains }
        for (id, certificate) in piece.certificates {
            if loadedCertificates[id] == nil { certificatesInOrder.append(id) }
            loadedCertificates[id] = certificate
        }
        certificateUses += piece.certificates
        return true
    }

    // MARK: - Resources

    private mutating func addProxyHost(_ host: ProxyHost, key: ResourceKey) throws(RenderingError) {
        try requireDomains(host.domainNames, key: key)
        if host.tlsPassthrough {
            try requireModule(CaddyModules.layer4Listener, for: "tls_passthrough", key: key)
            try UserText.requireHostName(host.forwardHost, field: "forward_host", resource: key)
            try UserText.requirePort(host.forwardPort, field: "forward_port", resource: key)
            passthroughRoutes.append([
                "@id": .string(key.tag + "/passthrough"), "match": [["tls": ["sni": .strings(host.domainNames)]]],
                "handle": [["handler": "proxy", "upstreams": [["dial": .strings([UserText.dial(host.forwardHost, host.forwardPort)])]]]],
            ])
            httpRoutes.append(
                (
                    HostRoutes.httpsRedirect(domains: host.domainNames, id: key.tag + "/https-redirect", httpsPort: settings.httpsPort),
                    isWildcard(host.domainNames)
                ))
            return
        }
        if host.rateLimit != nil { try requireModule(CaddyModules.rateLimit, for: "rate_limit", key: key) }
        let list = try accessList(host.accessListId, key: key)
        let usesTLS = try tlsMode(certificateID: host.certificateId, forced: host.sslForced, key: key) != nil
        if usesTLS && !host.http2Support { http1OnlyDomains += host.domainNames }
        if sharesRoutes, SharedProxyRoute.qualifies(host, accessList: list, servedOverTLS: usesTLS) {
            try UserText.requireHostName(host.forwardHost, field: "forward_host", resource: key)
            try UserText.requirePort(host.forwardPort, field: "forward_port", resource: key)
            for domain in host.domainNames {
                let name = domain.lowercased()
                if let holder = sharedNames[name], holder != key {
                    throw RenderingError(resource: key, field: "domain_names", message: "\(domain) is already served by \(holder)")
                }
                if sharedNames[name] == nil { sharedNameClaims.append(name) }
                sharedNames[name] = key
            }
            let entry = SharedProxyRoute.Entry(domains: host.domainNames, dial: UserText.dial(host.forwardHost, host.forwardPort), key: key)
            try addHTTPResource(
                domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key,
                placement: .shared(scheme: host.forwardScheme, entry: entry))
            return
        }
        let routes = ProxyHostRoutes(host: host, key: key, accessList: list, servedOverTLS: usesTLS)
        try addHTTPResource(domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key, route: try routes.route())
        if let errors = routes.errorRoute() { errorRoutes.append(errors) }
    }

    /// Where a host's requests are handled: a route of its own, or the shared route of its
    /// upstream scheme.
    private enum Placement {
        case own(JSON)
        case shared(scheme: String, entry: SharedProxyRoute.Entry)
    }

    private mutating func addHTTPResource(domains: [String], certificateID: Int?, forced: Bool, key: ResourceKey, route: JSON) throws(RenderingError)
    {
        try addHTTPResource(domains: domains, certificateID: certificateID, forced: forced, key: key, placement: .own(route))
    }

    /// Places a host on the HTTP server, the HTTPS server, or both, and arranges its certificate.
    private mutating func addHTTPResource(
        domains: [String], certificateID: Int?, forced: Bool, key: ResourceKey, placement: Placement
    ) throws(RenderingError) {
        try requireDomains(domains, key: key)
        let wildcard = isWildcard(domains)
        switch try tlsMode(certificateID: certificateID, forced: forced, key: key) {
        case nil:
            switch placement {
            case .own(let route): httpRoutes.append((route, wildcard))
            case .shared(let scheme, let entry): sharedHTTP.append((scheme, entry))
            }
            return
        case .automatic:
            guard !wildcard else {
                throw RenderingError(
                    resource: key, field: "domain_names", message: "wildcard domains cannot get an automatic (HTTP-01) certificate; upload one")
            }
            automaticDomains += domains
        case .custom(let certificate):
            customDomains += domains
            if loadedCertificates[certificate.id] == nil { certificatesInOrder.append(certificate.id) }
            let loaded: JSON = [
                "@id": .string("certificate_\(certificate.id)"),
                "certificate": .string(certificate.certificatePem ?? ""),
                "key": .string(certificate.keyPem ?? ""),
                "tags": .strings(["certificate_\(certificate.id)"]),
            ]
            loadedCertificates[certificate.id] = loaded
            certificateUses.append((certificate.id, loaded))
        }
        switch placement {
        case .own(let route):
            httpsRoutes.append((route, wildcard))
            httpRoutes.append(
                (
                    forced ? HostRoutes.httpsRedirect(domains: domains, id: key.tag + "/https-redirect", httpsPort: settings.httpsPort) : route,
                    wildcard
                ))
        case .shared(let scheme, let entry):
            sharedHTTPS.append((scheme, entry))
            if forced { sharedRedirects.append(entry) } else { sharedHTTP.append((scheme, entry)) }
        }
    }

    private mutating func addStream(_ stream: StreamHost, key: ResourceKey) throws(RenderingError) {
        try UserText.requirePort(stream.incomingPort, field: "incoming_port", resource: key)
        try UserText.requireHostName(stream.forwardingHost, field: "forwarding_host", resource: key)
        try UserText.requirePort(stream.forwardingPort, field: "forwarding_port", resource: key)
        for name in stream.sniNames { try UserText.requireHostName(name, field: "sni_names", resource: key) }
        guard stream.tcpForwarding || stream.udpForwarding else {
            throw RenderingError(resource: key, field: "tcp_forwarding", message: "at least one of tcp_forwarding and udp_forwarding must be on")
        }
        let reserved = [settings.httpPort] + settings.reservedPorts + (stream.sniNames.isEmpty ? [settings.httpsPort] : [])
        guard !reserved.contains(stream.incomingPort) else {
            throw RenderingError(resource: key, field: "incoming_port", message: "is reserved (HTTP, the controller, or HTTPS without an SNI match)")
        }
        let match: JSON? = stream.sniNames.isEmpty ? nil : [["tls": ["sni": .strings(stream.sniNames)]]]
        func route(_ network: String) -> JSON {
            var members: [(String, JSON)] = []
            if let match { members.append(("match", match)) }
            members.append(
                (
                    "handle",
                    [
                        [
                            "handler": "proxy",
                            "upstreams": [["dial": .strings(["\(network)/\(UserText.dial(stream.forwardingHost, stream.forwardingPort))"])]],
                        ]
                    ]
                ))
            return .object(members)
        }
        if stream.incomingPort == settings.httpsPort {
            // Shares the HTTPS port with the proxy hosts: matched by SNI before TLS is terminated.
            try requireModule(CaddyModules.layer4Listener, for: "incoming_port", key: key)
            guard stream.tcpForwarding, !stream.udpForwarding else {
                throw RenderingError(resource: key, field: "udp_forwarding", message: "a stream sharing the HTTPS port is TCP only")
            }
            if case .object(var members) = route("tcp") {
                members.insert(("@id", .string(key.tag + "/passthrough")), at: 0)
                passthroughRoutes.append(.object(members))
            }
            return
        }
        try requireModule(CaddyModules.layer4App, for: "incoming_port", key: key)
        for network in ["tcp", "udp"] where network == "tcp" ? stream.tcpForwarding : stream.udpForwarding {
            layer4Servers.append(
                (
                    "\(key.tag)_\(network)",
                    [
                        "@id": .string("\(key.tag)/\(network)"),
                        "listen": .strings(["\(network)/:\(stream.incomingPort)"]),
                        "routes": [route(network)],
                    ]
                ))
        }
    }

    // MARK: - Helpers

    private enum TLSMode {
        case automatic
        case custom(Certificate)
    }

    private func tlsMode(certificateID: Int?, forced: Bool, key: ResourceKey) throws(RenderingError) -> TLSMode? {
        guard let certificateID else { return forced ? .automatic : nil }
        guard let certificate = state.certificates.first(where: { $0.id == certificateID }) else {
            throw RenderingError(resource: key, field: "certificate_id", message: "refers to no certificate")
        }
        if certificate.provider == "letsencrypt" { return .automatic }
        guard certificate.certificatePem?.isEmpty == false, certificate.keyPem?.isEmpty == false else {
            throw RenderingError(resource: key, field: "certificate_id", message: "refers to a certificate without its PEM and key")
        }
        return .custom(certificate)
    }

    private func accessList(_ id: Int?, key: ResourceKey) throws(RenderingError) -> AccessList? {
        guard let id else { return nil }
        guard let list = state.accessLists.first(where: { $0.id == id }) else {
            throw RenderingError(resource: key, field: "access_list_id", message: "refers to no access list")
        }
        return list
    }

    private func requireModule(_ module: String, for field: String, key: ResourceKey) throws(RenderingError) {
        guard let modules = settings.modules, !modules.contains(module) else { return }
        throw RenderingError(resource: key, field: field, message: "needs the Caddy module `\(module)`, which this server's Caddy does not have")
    }

    private func requireDomains(_ domains: [String], key: ResourceKey) throws(RenderingError) {
        guard !domains.isEmpty else { throw RenderingError(resource: key, field: "domain_names", message: "must not be empty") }
        for domain in domains { try UserText.requireHostName(domain, field: "domain_names", resource: key) }
    }

    private func isWildcard(_ domains: [String]) -> Bool { domains.contains { $0.hasPrefix("*") } }

    // MARK: - Assembly

    func result() -> RenderResult {
        // Exact names before wildcards, so `a.example.com` wins over `*.example.com`; the shared
        // routes hold exact names only.
        func ordered(_ routes: [(route: JSON, wildcard: Bool)], shared: [(scheme: String, entry: SharedProxyRoute.Entry)], redirects: [JSON] = [])
            -> [JSON]
        {
            let sharedRoutes = ["http", "https"].compactMap { scheme -> JSON? in
                let entries = shared.filter { $0.scheme == scheme }.map(\.entry)
                return entries.isEmpty ? nil : SharedProxyRoute(scheme: scheme, entries: entries).route()
            }
            return routes.filter { !$0.wildcard }.map(\.route) + sharedRoutes + redirects + routes.filter(\.wildcard).map(\.route)
        }
        let sharedRedirect = sharedRedirects.isEmpty ? [] : [SharedProxyRoute.httpsRedirect(sharedRedirects, httpsPort: settings.httpsPort)]
        // Access logs need a folder: the certificate log's.
        let accessLogged: [ProxyHost]
        if settings.certificateLog != nil, state.proxyHosts.contains(where: \.accessLog) {
            let served = Set(rendered)
            accessLogged = state.proxyHosts.filter { $0.accessLog && served.contains(ResourceKey(kind: "proxy_host", id: $0.id)) }
        } else {
            accessLogged = []
        }
        let serverLogs: [(String, JSON)] = accessLogged.isEmpty ? [] : [("logs", AccessLogs.serverLogs(accessLogged))]
        let catchAll = HostRoutes.catchAll(state.settings)
        var servers: [(String, JSON)] = [
            (
                "http",
                ([
                    "listen": .strings([":\(settings.httpPort)"]),
                    "routes": .array(ordered(httpRoutes, shared: sharedHTTP, redirects: sharedRedirect) + [catchAll]),
                    "errors": ["routes": .array(errorRoutes)], "automatic_https": ["disable": true],
                ] as JSON).adding(serverLogs)
            )
        ]
        if !httpsRoutes.isEmpty || !sharedHTTPS.isEmpty || !passthroughRoutes.isEmpty {
            var https: [(String, JSON)] = [("listen", .strings([":\(settings.httpsPort)"]))]
            if !passthroughRoutes.isEmpty {
                https.append(("listener_wrappers", [["wrapper": "layer4", "routes": .array(passthroughRoutes)], ["wrapper": "tls"]]))
            }
            // `@id`s are unique across a config: the HTTPS server's copies get a suffix.
            let routes = (ordered(httpsRoutes, shared: sharedHTTPS) + [catchAll]).map { $0.suffixingID("/https") }
            https += [
                ("routes", .array(routes)), ("errors", ["routes": .array(errorRoutes.map { $0.suffixingID("/https") })]),
                ("automatic_https", ["disable_redirects": true, "skip_certificates": .strings(customDomains)]),
            ]
            if !http1OnlyDomains.isEmpty {
                // TLS offers HTTP/1.1 alone for those names; every other name keeps Caddy's defaults.
                https.append(
                    (
                        "tls_connection_policies",
                        [["match": ["sni": .strings(http1OnlyDomains)], "alpn": ["http/1.1"]], [:]]
                    ))
            }
            servers.append(("https", .object(https + serverLogs)))
        }
        var apps: [(String, JSON)] = [
            (
                "http",
                [
                    "http_port": .int(settings.httpPort), "https_port": .int(settings.httpsPort),
                    "grace_period": .string("\(settings.gracePeriodSeconds)s"), "servers": .object(servers),
                    // Counted per host name (those of the host matchers), read by the traffic meter.
                    "metrics": ["per_host": true],
                ]
            )
        ]
        if let tls = tlsApp() { apps.append(("tls", tls)) }
        if !layer4Servers.isEmpty { apps.append(("layer4", ["servers": .object(layer4Servers)])) }

        var config: [(String, JSON)] = []
        // Readable and writable by Caddy's group too: the agent reaches the socket as a member of
        // it (Caddy's own default, 0200, would leave only Caddy's user able to connect).
        if let socket = settings.adminSocket { config.append(("admin", ["listen": .string("unix/\(socket)|0660")])) }
        if let root = settings.storageRoot { config.append(("storage", ["module": "file_system", "root": .string(root)])) }
        if let file = settings.certificateLog { config.append(("logging", Self.logging(certificateLog: file, accessLogged: accessLogged))) }
        config.append(("apps", .object(apps)))
        return RenderResult(config: .object(config), rejected: rejected, rendered: rendered)
    }

    /// A log of its own for the certificate manager's loggers (obtaining and renewing; the
    /// default log still has them too): JSON lines, mode 0640 so the agent reads it as a member
    /// of Caddy's group, one rolled file of at most 1 MB kept; and the access logs of the hosts
    /// that turn theirs on (``AccessLogs``).
    static func logging(certificateLog file: String, accessLogged: [ProxyHost]) -> JSON {
        let writer: JSON = ["output": "file", "filename": .string(file), "mode": "0640", "roll_size_mb": 1, "roll_keep": 1]
        var logs: [(String, JSON)] = [
            ("posternproxy_certificates", ["writer": writer, "encoder": ["format": "json"], "include": ["tls.obtain", "tls.renew"]])
        ]
        if !accessLogged.isEmpty {
            // Access lines go to the hosts' own files only, not to Caddy's default log too.
            logs.append(("default", ["exclude": ["http.log.access"]]))
            logs += AccessLogs.logs(accessLogged, certificateLog: file)
        }
        return ["logs": .object(logs)]
    }

    private func tlsApp() -> JSON? {
        var tls: [(String, JSON)] = []
        if !loadedCertificates.isEmpty {
            tls.append(("certificates", ["load_pem": .array(loadedCertificates.keys.sorted().map { loadedCertificates[$0]! })]))
        }
        if !automaticDomains.isEmpty {
            var issuer: [(String, JSON)] = [("module", "acme"), ("ca", .string(state.settings.acmeDirectory))]
            if let email = state.settings.acmeEmail, !email.isEmpty { issuer.append(("email", .string(email))) }
            if !settings.acmeTrustedRoots.isEmpty { issuer.append(("trusted_roots_pem_files", .strings(settings.acmeTrustedRoots))) }
            tls.append(("automation", ["policies": [["subjects": .strings(automaticDomains), "issuers": [.object(issuer)]]]]))
        }
        return tls.isEmpty ? nil : .object(tls)
    }
}
