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

    /// `memo`: what the previous render of the same server made (``RenderMemo``). When only
    /// proxy hosts changed, what the hosts before and after them added is kept as it lies and
    /// only the hosts between are rendered; else each resource that did not change gets the piece
    /// made of it again. The result is the same without it.
    ///
    /// `lineage`: what the ``DesiredStateReader`` that read `state` knows of it, given only when
    /// `state` is the reader's unchanged. When the memo's render was of the state that reader read
    /// just before, the proxy hosts it kept at each end are taken as they are instead of being
    /// compared with the memo's (10,000 comparisons after a change to one host of 10,000).
    public static func render(
        _ state: DesiredState, settings: RenderSettings, memo: RenderMemo? = nil, lineage: DesiredStateReader.Lineage? = nil
    ) -> RenderResult {
        var builder = ConfigBuilder(state: state, settings: settings, keeping: memo != nil)
        guard let memo else {
            builder.addResources(reusing: nil)
            return builder.result()
        }
        var kept = memo.take().flatMap { $0.surroundings == builder.surroundings ? $0 : nil }
        let known = lineage.flatMap { lineage in kept?.generation.flatMap { $0 &+ 1 == lineage.generation ? lineage.keptProxyHosts : nil } }
        if kept != nil, let spliced = ConfigBuilder.splicing(state, settings: settings, onto: &kept!, known: known) {
            builder = spliced.builder
            memo.noteReuse(.splice(rendered: spliced.rendered, compared: known == nil))
        } else {
            builder.addResources(reusing: kept)
            memo.noteReuse(kept == nil ? .none : .pieces)
        }
        if var pieces = builder.next() {
            pieces.generation = lineage?.generation
            memo.keep(pieces)
        }
        return builder.result()
    }
}

/// Collects the pieces of a configuration resource by resource.
private struct ConfigBuilder {
    let state: DesiredState
    let settings: RenderSettings
    /// Whether this render's pieces are kept for the next (a memo was given).
    let keeping: Bool
    /// What the resources added so far.
    private(set) var parts = RenderedParts()
    /// Whether enough hosts qualify for the shared routes to use them (``RenderSettings/sharedRoutesFrom``).
    private let sharesRoutes: Bool
    /// How far each part reached before the first proxy host, and after the last.
    private var proxyHostsStart = RenderedParts.Marks()
    private var proxyHostsEnd = RenderedParts.Marks()
    /// This render's pieces, kept when `keeping`.
    private var madeProxyHosts: [RenderMemo.Made<ProxyHost>] = []
    private var madeRedirectionHosts: [Int: RenderMemo.Made<RedirectionHost>] = [:]
    private var madeDeadHosts: [Int: RenderMemo.Made<DeadHost>] = [:]
    private var madeStreamHosts: [Int: RenderMemo.Made<StreamHost>] = [:]
    /// The proxy hosts rendered, kept in a list of the memo's own (nil: not made yet).
    private var keptProxyHosts: [ProxyHost]?

    init(state: DesiredState, settings: RenderSettings, keeping: Bool) {
        self.state = state
        self.settings = settings
        self.keeping = keeping
        var candidates = 0
        for host in state.proxyHosts where host.enabled && !host.tlsPassthrough && host.accessListId == nil {
            let servedOverTLS = host.certificateId != nil || host.sslForced
            if SharedProxyRoute.qualifies(host, accessList: nil, servedOverTLS: servedOverTLS) { candidates += 1 }
            if candidates >= settings.sharedRoutesFrom { break }
        }
        sharesRoutes = candidates >= settings.sharedRoutesFrom
    }

    /// Everything a resource's piece depends on besides the resource itself.
    var surroundings: RenderMemo.Surroundings {
        RenderMemo.Surroundings(
            settings: settings, stateSettings: state.settings, accessLists: state.accessLists, certificates: state.certificates,
            streamCarriers: state.streamCarriers, sharesRoutes: sharesRoutes)
    }

    /// What the next render may reuse, when kept.
    func next() -> RenderMemo.Pieces? {
        guard keeping else { return nil }
        return RenderMemo.Pieces(
            surroundings: surroundings, proxyHosts: madeProxyHosts, redirectionHosts: madeRedirectionHosts, deadHosts: madeDeadHosts,
            streamHosts: madeStreamHosts, resources: RenderMemo.Resources(state, proxyHosts: keptProxyHosts), proxyHostsStart: proxyHostsStart,
            proxyHostsEnd: proxyHostsEnd, parts: parts)
    }

    /// Adds every resource of the state; one equal to what a piece in `kept` was made from gets
    /// that piece again.
    mutating func addResources(reusing kept: RenderMemo.Pieces?) {
        // Most hosts are plain: room for all of them at once, not grown 14 times over.
        parts.rendered.reserveCapacity(state.proxyHosts.count)
        if sharesRoutes {
            parts.sharedNames.reserveCapacity(state.proxyHosts.count)
            parts.sharedNameClaims.reserveCapacity(state.proxyHosts.count)
            parts.sharedHTTP.reserve(state.proxyHosts.count)
        }
        // First, so its route wins over any host that names the same domain.
        if let site = state.adminSite {
            add(ResourceKey(kind: "admin_site", id: 0)) { builder, key throws(RenderingError) in
                try builder.addHTTPResource(
                    domains: site.domainNames, certificateID: nil, forced: true, key: key, route: try HostRoutes.adminSite(site, key: key))
            }
        }
        proxyHostsStart = parts.marks
        var keptProxyHosts: [Int: RenderMemo.Made<ProxyHost>] = [:]
        if let kept {
            keptProxyHosts.reserveCapacity(kept.proxyHosts.count)
            for made in kept.proxyHosts where made.piece != nil { keptProxyHosts[made.resource.id] = made }
        }
        if keeping { madeProxyHosts.reserveCapacity(state.proxyHosts.count) }
        for host in state.proxyHosts {
            let made = addProxyHost(host, kept: keptProxyHosts[host.id])
            if keeping { madeProxyHosts.append(made) }
        }
        proxyHostsEnd = parts.marks
        let keptRedirectionHosts = kept?.redirectionHosts ?? [:]
        for host in state.redirectionHosts where host.enabled {
            let made = add(ResourceKey(kind: "redirection_host", id: host.id), host, kept: keptRedirectionHosts[host.id]) {
                builder, key, host throws(RenderingError) in
                try builder.addHTTPResource(
                    domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key,
                    route: try HostRoutes.redirection(host, key: key))
            }
            if let made { madeRedirectionHosts[host.id] = made }
        }
        let keptDeadHosts = kept?.deadHosts ?? [:]
        for host in state.deadHosts where host.enabled {
            let made = add(ResourceKey(kind: "dead_host", id: host.id), host, kept: keptDeadHosts[host.id]) {
                builder, key, host throws(RenderingError) in
                let list = try builder.accessList(host.accessListId, key: key)
                try builder.addHTTPResource(
                    domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key,
                    route: try HostRoutes.dead(host, key: key, accessList: list))
            }
            if let made { madeDeadHosts[host.id] = made }
        }
        let keptStreamHosts = kept?.streamHosts ?? [:]
        for stream in state.streamHosts where stream.enabled && state.caddyCarries(stream) {
            let made = add(ResourceKey(kind: "stream_host", id: stream.id), stream, kept: keptStreamHosts[stream.id]) {
                builder, key, stream throws(RenderingError) in
                try builder.addStream(stream, key: key)
            }
            if let made { madeStreamHosts[stream.id] = made }
        }
    }

    /// Renders `state` onto what `kept` rendered, when the two states differ in their proxy hosts
    /// alone: the hosts before and after the first and last that differ keep what they added, as
    /// it lies in each part, and only the hosts between are added (with their kept pieces when
    /// equal). Nil when the states differ in anything else, or when a shared name is claimed twice
    /// (then which host is left out depends on the order of all of them); `kept` keeps its pieces
    /// either way, but its parts are taken to be changed in place (a copy of each would cost as
    /// much as replaying every piece).
    static func splicing(
        _ state: DesiredState, settings: RenderSettings, onto kept: inout RenderMemo.Pieces, known: DesiredStateReader.KeptStretch?
    ) -> (builder: ConfigBuilder, rendered: Int)? {
        guard !kept.parts.nameConflicts, kept.resources.sameBesidesProxyHosts(as: state) else { return nil }
        let new = state.proxyHosts
        let (oldCount, newCount) = (kept.proxyHosts.count, new.count)
        // Known from the reader, else compared with the memo's own list of the hosts rendered,
        // through its buffer: reading each host out of its kept piece would copy it first.
        let shorter = min(oldCount, newCount)
        let told = known.map { known in (min(known.leading, shorter), min(known.trailing, shorter - min(known.leading, shorter))) }
        let (prefix, suffix) =
            told
            ?? new.withUnsafeBufferPointer { new in
                kept.resources.proxyHosts.withUnsafeBufferPointer { old in
                    var prefix = 0
                    guard oldCount > 0, newCount > 0 else { return (0, 0) }
                    let (old, new) = (old.baseAddress!, new.baseAddress!)
                    while prefix < min(oldCount, newCount), old[prefix] == new[prefix] { prefix += 1 }
                    var suffix = 0
                    while suffix < min(oldCount, newCount) - prefix, old[oldCount - 1 - suffix] == new[newCount - 1 - suffix] {
                        suffix += 1
                    }
                    return (prefix, suffix)
                }
            }
        let oldChanged = prefix..<(oldCount - suffix)
        // Where the changed hosts' stretches lie, counted from the nearer end.
        var start: RenderedParts.Marks
        var end: RenderedParts.Marks
        if prefix <= suffix {
            start = kept.proxyHostsStart
            for made in kept.proxyHosts[..<prefix] { if let piece = made.piece { start = start.advanced(by: piece) } }
            end = start
            for made in kept.proxyHosts[oldChanged] { if let piece = made.piece { end = end.advanced(by: piece) } }
        } else {
            end = kept.proxyHostsEnd
            for made in kept.proxyHosts[oldChanged.upperBound...] { if let piece = made.piece { end = end.retreated(by: piece) } }
            start = end
            for made in kept.proxyHosts[oldChanged] { if let piece = made.piece { start = start.retreated(by: piece) } }
        }
        let others = kept.parts.marks - kept.proxyHostsEnd
        var builder = ConfigBuilder(state: state, settings: settings, keeping: true)
        swap(&builder.parts, &kept.parts)
        var keptChanged: [Int: RenderMemo.Made<ProxyHost>] = [:]
        for made in kept.proxyHosts[oldChanged] {
            builder.parts.rejected[ResourceKey(kind: "proxy_host", id: made.resource.id)] = nil
            if made.piece != nil { keptChanged[made.resource.id] = made }
        }
        let after = builder.parts.cut(from: start, to: end)
        var madeChanged: [RenderMemo.Made<ProxyHost>] = []
        for host in new[prefix..<(new.count - suffix)] {
            madeChanged.append(builder.addProxyHost(host, kept: keptChanged[host.id]))
        }
        guard !builder.parts.nameConflicts else { return nil }
        builder.parts.append(after)
        builder.proxyHostsStart = kept.proxyHostsStart
        builder.proxyHostsEnd = builder.parts.marks - others
        // Taken, not copied: changed in place.
        swap(&builder.madeProxyHosts, &kept.proxyHosts)
        builder.madeProxyHosts.replaceSubrange(oldChanged, with: madeChanged)
        builder.madeRedirectionHosts = kept.redirectionHosts
        builder.madeDeadHosts = kept.deadHosts
        builder.madeStreamHosts = kept.streamHosts
        builder.keptProxyHosts = []
        swap(&builder.keptProxyHosts!, &kept.resources.proxyHosts)
        builder.keptProxyHosts!.replaceSubrange(oldChanged, with: new[prefix..<(new.count - suffix)])
        return (builder, madeChanged.count)
    }

    /// Adds one proxy host: what is kept of it says what it added (nothing when disabled or left out).
    private mutating func addProxyHost(_ host: ProxyHost, kept: RenderMemo.Made<ProxyHost>?) -> RenderMemo.Made<ProxyHost> {
        guard host.enabled else { return RenderMemo.Made(host, nil) }
        let made = add(ResourceKey(kind: "proxy_host", id: host.id), host, kept: kept) { builder, key, host throws(RenderingError) in
            try builder.addProxyHost(host, key: key)
        }
        return made ?? RenderMemo.Made(host, nil)
    }

    /// Adds one resource: `kept`, the piece the previous render made of it, when the resource
    /// is equal to what it was made from and the piece still fits (none of its shared names
    /// taken by another host since); else the resource rendered afresh by `body`, which is
    /// given the resource rather than capturing it (a capture would copy every host). Returns
    /// what the next render may reuse (nil: it was left out, or nothing is kept).
    private mutating func add<Resource: Equatable>(
        _ key: ResourceKey, _ resource: Resource, kept: RenderMemo.Made<Resource>?,
        _ body: (inout ConfigBuilder, ResourceKey, Resource) throws(RenderingError) -> Void
    ) -> RenderMemo.Made<Resource>? {
        if let kept, let piece = kept.piece, kept.resource == resource, parts.replay(piece, key: key) { return kept }
        return add(key) { builder, key throws(RenderingError) in try body(&builder, key, resource) }.map { RenderMemo.Made(resource, $0) }
    }

    /// Adds one resource, or records why it was left out; a failure leaves nothing of it behind
    /// (what it added is cut off again, which costs nothing when it added nothing). Returns what
    /// it added, when it was added and its pieces are kept.
    @discardableResult
    private mutating func add(_ key: ResourceKey, _ body: (inout ConfigBuilder, ResourceKey) throws(RenderingError) -> Void) -> RenderMemo.Piece? {
        let mark = parts.marks
        do {
            try body(&self, key)
            parts.rendered.append(key)
            return keeping ? parts.piece(since: mark) : nil
        } catch {
            parts.cutBack(to: mark, key: key)
            parts.rejected[key] = "\(error.field) \(error.message)"
            return nil
        }
    }

    // MARK: - Resources

    private mutating func addProxyHost(_ host: ProxyHost, key: ResourceKey) throws(RenderingError) {
        try requireDomains(host.domainNames, key: key)
        if host.tlsPassthrough {
            try requireModule(CaddyModules.layer4Listener, for: "tls_passthrough", key: key)
            try UserText.requireHostName(host.forwardHost, field: "forward_host", resource: key)
            try UserText.requirePort(host.forwardPort, field: "forward_port", resource: key)
            parts.passthroughRoutes.append([
                "@id": .string(key.tag + "/passthrough"), "match": [["tls": ["sni": .strings(host.domainNames)]]],
                "handle": [["handler": "proxy", "upstreams": [["dial": .strings([UserText.dial(host.forwardHost, host.forwardPort)])]]]],
            ])
            parts.httpRoutes.append(
                (
                    HostRoutes.httpsRedirect(domains: host.domainNames, id: key.tag + "/https-redirect", httpsPort: settings.httpsPort),
                    isWildcard(host.domainNames)
                ))
            return
        }
        if host.rateLimit != nil { try requireModule(CaddyModules.rateLimit, for: "rate_limit", key: key) }
        let list = try accessList(host.accessListId, key: key)
        let usesTLS = try tlsMode(certificateID: host.certificateId, forced: host.sslForced, key: key) != nil
        if usesTLS && !host.http2Support { parts.http1OnlyDomains += host.domainNames }
        if sharesRoutes, SharedProxyRoute.qualifies(host, accessList: list, servedOverTLS: usesTLS) {
            try UserText.requireHostName(host.forwardHost, field: "forward_host", resource: key)
            try UserText.requirePort(host.forwardPort, field: "forward_port", resource: key)
            for domain in host.domainNames {
                let name = domain.lowercased()
                if let holder = parts.sharedNames[name], holder != key {
                    parts.nameConflicts = true
                    throw RenderingError(resource: key, field: "domain_names", message: "\(domain) is already served by \(holder)")
                }
                if parts.sharedNames[name] == nil { parts.sharedNameClaims.append(name) }
                parts.sharedNames[name] = key
            }
            let entry = SharedProxyRoute.Entry(domains: host.domainNames, dial: UserText.dial(host.forwardHost, host.forwardPort), key: key)
            try addHTTPResource(
                domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key,
                placement: .shared(scheme: host.forwardScheme, entry: entry))
            return
        }
        let routes = ProxyHostRoutes(host: host, key: key, accessList: list, servedOverTLS: usesTLS)
        try addHTTPResource(domains: host.domainNames, certificateID: host.certificateId, forced: host.sslForced, key: key, route: try routes.route())
        if let errors = routes.errorRoute() { parts.errorRoutes.append(errors) }
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
            case .own(let route): parts.httpRoutes.append((route, wildcard))
            case .shared(let scheme, let entry): parts.sharedHTTP.add(entry, scheme: scheme)
            }
            return
        case .automatic:
            guard !wildcard else {
                throw RenderingError(
                    resource: key, field: "domain_names", message: "wildcard domains cannot get an automatic (HTTP-01) certificate; upload one")
            }
            parts.automaticDomains += domains
        case .custom(let certificate):
            parts.customDomains += domains
            let loaded: JSON = [
                "@id": .string("certificate_\(certificate.id)"),
                "certificate": .string(certificate.certificatePem ?? ""),
                "key": .string(certificate.keyPem ?? ""),
                "tags": .strings(["certificate_\(certificate.id)"]),
            ]
            parts.certificateUses.append((certificate.id, loaded))
        }
        switch placement {
        case .own(let route):
            parts.httpsRoutes.append((route, wildcard))
            parts.httpRoutes.append(
                (
                    forced ? HostRoutes.httpsRedirect(domains: domains, id: key.tag + "/https-redirect", httpsPort: settings.httpsPort) : route,
                    wildcard
                ))
        case .shared(let scheme, let entry):
            parts.sharedHTTPS.add(entry, scheme: scheme)
            if forced { parts.sharedRedirects.append(entry) } else { parts.sharedHTTP.add(entry, scheme: scheme) }
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
                parts.passthroughRoutes.append(.object(members))
            }
            return
        }
        try requireModule(CaddyModules.layer4App, for: "incoming_port", key: key)
        for network in ["tcp", "udp"] where network == "tcp" ? stream.tcpForwarding : stream.udpForwarding {
            parts.layer4Servers.append(
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
        func ordered(_ routes: [(route: JSON, wildcard: Bool)], shared: SharedProxyRoute.Hosts, redirects: [JSON] = [])
            -> [JSON]
        {
            let sharedRoutes = SharedProxyRoute.routes(of: shared).map { $0.route() }
            return routes.filter { !$0.wildcard }.map(\.route) + sharedRoutes + redirects + routes.filter(\.wildcard).map(\.route)
        }
        let sharedRedirect =
            parts.sharedRedirects.isEmpty ? [] : [SharedProxyRoute.httpsRedirect(parts.sharedRedirects, httpsPort: settings.httpsPort)]
        // The traffic log and the access logs need a folder: the certificate log's.
        let accessLogged = settings.certificateLog == nil ? [] : accessLoggedHosts
        let serverLogs: [(String, JSON)] = settings.certificateLog == nil ? [] : [("logs", Self.serverLogs(accessLogged: accessLogged))]
        let catchAll = HostRoutes.catchAll(state.settings)
        var servers: [(String, JSON)] = [
            (
                "http",
                ([
                    "listen": .strings([":\(settings.httpPort)"]),
                    "routes": .array(ordered(parts.httpRoutes, shared: parts.sharedHTTP, redirects: sharedRedirect) + [catchAll]),
                    "errors": ["routes": .array(parts.errorRoutes)], "automatic_https": ["disable": true],
                ] as JSON).adding(serverLogs)
            )
        ]
        if !parts.httpsRoutes.isEmpty || !parts.sharedHTTPS.isEmpty || !parts.passthroughRoutes.isEmpty {
            var https: [(String, JSON)] = [("listen", .strings([":\(settings.httpsPort)"]))]
            if !parts.passthroughRoutes.isEmpty {
                https.append(("listener_wrappers", [["wrapper": "layer4", "routes": .array(parts.passthroughRoutes)], ["wrapper": "tls"]]))
            }
            // `@id`s are unique across a config: the HTTPS server's copies get a suffix.
            let routes = (ordered(parts.httpsRoutes, shared: parts.sharedHTTPS) + [catchAll]).map { $0.suffixingID("/https") }
            https += [
                ("routes", .array(routes)), ("errors", ["routes": .array(parts.errorRoutes.map { $0.suffixingID("/https") })]),
                ("automatic_https", ["disable_redirects": true, "skip_certificates": .strings(parts.customDomains)]),
            ]
            if !parts.http1OnlyDomains.isEmpty {
                // TLS offers HTTP/1.1 alone for those names; every other name keeps Caddy's defaults.
                https.append(
                    (
                        "tls_connection_policies",
                        [["match": ["sni": .strings(parts.http1OnlyDomains)], "alpn": ["http/1.1"]], [:]]
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
                ]
            )
        ]
        if let tls = tlsApp() { apps.append(("tls", tls)) }
        if !parts.layer4Servers.isEmpty { apps.append(("layer4", ["servers": .object(parts.layer4Servers)])) }

        var config: [(String, JSON)] = []
        // Readable and writable by Caddy's group too: the agent reaches the socket as a member of
        // it (Caddy's own default, 0200, would leave only Caddy's user able to connect).
        if let socket = settings.adminSocket { config.append(("admin", ["listen": .string("unix/\(socket)|0660")])) }
        if let root = settings.storageRoot { config.append(("storage", ["module": "file_system", "root": .string(root)])) }
        if let file = settings.certificateLog { config.append(("logging", Self.logging(certificateLog: file, accessLogged: accessLogged))) }
        config.append(("apps", .object(apps)))
        return RenderResult(config: .object(config), rejected: parts.rejected, rendered: parts.rendered)
    }

    /// A server's `logs`: every request to the traffic log's logger (``TrafficLog``), and the
    /// names of the hosts whose access log is on to their access log's logger (``AccessLogs``)
    /// too. Only those are named: Caddy's load takes some 11 µs per name.
    static func serverLogs(accessLogged hosts: [ProxyHost]) -> JSON {
        var names: [(String, JSON)] = []
        for host in hosts {
            let loggers: JSON = .strings([TrafficLog.logger, AccessLogs.loggerName(hostID: host.id)])
            for domain in host.domainNames { names.append((domain.lowercased(), loggers)) }
        }
        return .object([("default_logger_name", .string(TrafficLog.logger))] + (names.isEmpty ? [] : [("logger_names", .object(names))]))
    }

    /// The proxy hosts served that turn their access log on.
    private var accessLoggedHosts: [ProxyHost] {
        guard state.proxyHosts.contains(where: \.accessLog) else { return [] }
        return state.proxyHosts.filter { $0.accessLog && $0.enabled && (parts.rejected[ResourceKey(kind: "proxy_host", id: $0.id)] == nil) }
    }

    /// Caddy's logs: the certificate manager's loggers (obtaining and renewing; the default log
    /// still has them too) to a log of its own, JSON lines, mode 0640 so the agent reads it as a
    /// member of Caddy's group, one rolled file of at most 1 MB kept; every request to the
    /// traffic log (``TrafficLog``), and to its host's access log for the hosts that turn theirs
    /// on (``AccessLogs``); access lines to no other log (the default one is Caddy's own).
    static func logging(certificateLog file: String, accessLogged: [ProxyHost]) -> JSON {
        let writer: JSON = ["output": "file", "filename": .string(file), "mode": "0640", "roll_size_mb": 1, "roll_keep": 1]
        let logs: [(String, JSON)] =
            [
                ("posternproxy_certificates", ["writer": writer, "encoder": ["format": "json"], "include": ["tls.obtain", "tls.renew"]]),
                ("default", ["exclude": ["http.log.access"]]), TrafficLog.log(certificateLog: file),
            ] + AccessLogs.logs(accessLogged, certificateLog: file)
        return ["logs": .object(logs)]
    }

    private func tlsApp() -> JSON? {
        var tls: [(String, JSON)] = []
        let loadedCertificates = parts.loadedCertificates
        if !loadedCertificates.isEmpty {
            tls.append(("certificates", ["load_pem": .array(loadedCertificates.keys.sorted().map { loadedCertificates[$0]! })]))
        }
        if !parts.automaticDomains.isEmpty {
            var issuer: [(String, JSON)] = [("module", "acme"), ("ca", .string(state.settings.acmeDirectory))]
            if let email = state.settings.acmeEmail, !email.isEmpty { issuer.append(("email", .string(email))) }
            if !settings.acmeTrustedRoots.isEmpty { issuer.append(("trusted_roots_pem_files", .strings(settings.acmeTrustedRoots))) }
            tls.append(("automation", ["policies": [["subjects": .strings(parts.automaticDomains), "issuers": [.object(issuer)]]]]))
        }
        return tls.isEmpty ? nil : .object(tls)
    }
}
