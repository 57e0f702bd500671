import JSONCore

/// What a render has added to each part of a configuration so far, resource by resource.
///
/// A resource only ever appends to the parts, so what the first resources added is a prefix of
/// every part, and what one resource added is one stretch of each: ``RenderMemo/Piece`` keeps a
/// resource's stretches, and a render after a change to some proxy hosts keeps what the hosts
/// before and after them added, as it lies, and renders only the hosts between (``cut(from:to:)``
/// and ``append(_:)``).
struct RenderedParts: Sendable {
    var httpRoutes: [(route: JSON, wildcard: Bool)] = []
    var httpsRoutes: [(route: JSON, wildcard: Bool)] = []
    /// Hosts served by the shared routes (``SharedProxyRoute``), by upstream scheme, on each server.
    var sharedHTTP = SharedProxyRoute.Hosts()
    var sharedHTTPS = SharedProxyRoute.Hosts()
    /// Shared hosts whose plain-HTTP requests are redirected to HTTPS.
    var sharedRedirects: [SharedProxyRoute.Entry] = []
    /// Which shared host serves each name, in lower case: a name twice in a map would make Caddy
    /// refuse the whole config, so the second host is left out instead, named.
    var sharedNames: [String: ResourceKey] = [:]
    /// The names each shared host took in `sharedNames`, in the order taken.
    var sharedNameClaims: [String] = []
    var errorRoutes: [JSON] = []
    var passthroughRoutes: [JSON] = []
    var layer4Servers: [(String, JSON)] = []
    var automaticDomains: [String] = []
    var customDomains: [String] = []
    /// Names whose TLS offers only HTTP/1.1 (hosts with HTTP/2 off).
    var http1OnlyDomains: [String] = []
    /// The uploaded certificates each resource loads, by id, in the order loaded.
    var certificateUses: [(Int, JSON)] = []
    /// The resources rendered, in order.
    var rendered: [ResourceKey] = []
    /// The resources left out, and why.
    var rejected: [ResourceKey: String] = [:]
    /// Whether a host was left out because another host serves one of its shared names: which
    /// of the two is left out depends on their order, so such a render is not spliced.
    var nameConflicts = false

    /// How far each part reached at one moment.
    struct Marks: Sendable {
        var httpRoutes = 0, httpsRoutes = 0, sharedRedirects = 0, sharedNameClaims = 0
        var sharedHTTP = SharedProxyRoute.Hosts.Marks(), sharedHTTPS = SharedProxyRoute.Hosts.Marks()
        var errorRoutes = 0, passthroughRoutes = 0, layer4Servers = 0, automaticDomains = 0, customDomains = 0
        var http1OnlyDomains = 0, certificateUses = 0, rendered = 0

        /// These marks moved on by what `piece` added.
        func advanced(by piece: RenderMemo.Piece) -> Marks { combined(with: piece.added.marks, by: +) }

        /// These marks moved back by what `piece` added.
        func retreated(by piece: RenderMemo.Piece) -> Marks { combined(with: piece.added.marks, by: -) }

        /// How far from `other` these marks lie, part by part.
        static func - (marks: Marks, other: Marks) -> Marks { marks.combined(with: other, by: -) }

        private func combined(with other: Marks, by operation: (Int, Int) -> Int) -> Marks {
            Marks(
                httpRoutes: operation(httpRoutes, other.httpRoutes), httpsRoutes: operation(httpsRoutes, other.httpsRoutes),
                sharedRedirects: operation(sharedRedirects, other.sharedRedirects),
                sharedNameClaims: operation(sharedNameClaims, other.sharedNameClaims),
                sharedHTTP: sharedHTTP.combined(with: other.sharedHTTP, by: operation),
                sharedHTTPS: sharedHTTPS.combined(with: other.sharedHTTPS, by: operation), errorRoutes: operation(errorRoutes, other.errorRoutes),
                passthroughRoutes: operation(passthroughRoutes, other.passthroughRoutes),
                layer4Servers: operation(layer4Servers, other.layer4Servers),
                automaticDomains: operation(automaticDomains, other.automaticDomains),
                customDomains: operation(customDomains, other.customDomains),
                http1OnlyDomains: operation(http1OnlyDomains, other.http1OnlyDomains),
                certificateUses: operation(certificateUses, other.certificateUses), rendered: operation(rendered, other.rendered))
        }
    }

    /// How far each part reaches now.
    var marks: Marks {
        Marks(
            httpRoutes: httpRoutes.count, httpsRoutes: httpsRoutes.count, sharedRedirects: sharedRedirects.count,
            sharedNameClaims: sharedNameClaims.count, sharedHTTP: sharedHTTP.marks, sharedHTTPS: sharedHTTPS.marks, errorRoutes: errorRoutes.count,
            passthroughRoutes: passthroughRoutes.count, layer4Servers: layer4Servers.count, automaticDomains: automaticDomains.count,
            customDomains: customDomains.count, http1OnlyDomains: http1OnlyDomains.count, certificateUses: certificateUses.count,
            rendered: rendered.count)
    }

    /// What one resource added since `mark`.
    func piece(since mark: Marks) -> RenderMemo.Piece { RenderMemo.Piece(stretch(from: mark)) }

    /// What each list part holds from `mark` on (the names' map and the resources left out stay
    /// behind: they are not stretches).
    private func stretch(from mark: Marks) -> RenderedParts {
        var stretch = RenderedParts()
        stretch.httpRoutes = Array(httpRoutes[mark.httpRoutes...])
        stretch.httpsRoutes = Array(httpsRoutes[mark.httpsRoutes...])
        stretch.sharedHTTP = sharedHTTP.stretch(from: mark.sharedHTTP)
        stretch.sharedHTTPS = sharedHTTPS.stretch(from: mark.sharedHTTPS)
        stretch.sharedRedirects = Array(sharedRedirects[mark.sharedRedirects...])
        stretch.sharedNameClaims = Array(sharedNameClaims[mark.sharedNameClaims...])
        stretch.errorRoutes = Array(errorRoutes[mark.errorRoutes...])
        stretch.passthroughRoutes = Array(passthroughRoutes[mark.passthroughRoutes...])
        stretch.layer4Servers = Array(layer4Servers[mark.layer4Servers...])
        stretch.automaticDomains = Array(automaticDomains[mark.automaticDomains...])
        stretch.customDomains = Array(customDomains[mark.customDomains...])
        stretch.http1OnlyDomains = Array(http1OnlyDomains[mark.http1OnlyDomains...])
        stretch.certificateUses = Array(certificateUses[mark.certificateUses...])
        stretch.rendered = Array(rendered[mark.rendered...])
        return stretch
    }

    /// Takes away everything added from `start` on, names claimed included, and gives back what
    /// was added from `end` on (`end` at or after `start`), to be put back with ``append(_:)``
    /// once what lies between is rendered again. The resources left out are the caller's to forget.
    mutating func cut(from start: Marks, to end: Marks) -> RenderedParts {
        for name in sharedNameClaims[start.sharedNameClaims..<end.sharedNameClaims] { sharedNames[name] = nil }
        defer { truncate(to: start) }
        return stretch(from: end)
    }

    /// Puts back what ``cut(from:to:)`` gave: its names are claimed again as they were.
    mutating func append(_ tail: RenderedParts) {
        // Most resources add to two or three parts: the others are not touched.
        if !tail.httpRoutes.isEmpty { httpRoutes += tail.httpRoutes }
        if !tail.httpsRoutes.isEmpty { httpsRoutes += tail.httpsRoutes }
        if !tail.sharedHTTP.isEmpty { sharedHTTP.append(tail.sharedHTTP) }
        if !tail.sharedHTTPS.isEmpty { sharedHTTPS.append(tail.sharedHTTPS) }
        if !tail.sharedRedirects.isEmpty { sharedRedirects += tail.sharedRedirects }
        if !tail.sharedNameClaims.isEmpty { sharedNameClaims += tail.sharedNameClaims }
        if !tail.errorRoutes.isEmpty { errorRoutes += tail.errorRoutes }
        if !tail.passthroughRoutes.isEmpty { passthroughRoutes += tail.passthroughRoutes }
        if !tail.layer4Servers.isEmpty { layer4Servers += tail.layer4Servers }
        if !tail.automaticDomains.isEmpty { automaticDomains += tail.automaticDomains }
        if !tail.customDomains.isEmpty { customDomains += tail.customDomains }
        if !tail.http1OnlyDomains.isEmpty { http1OnlyDomains += tail.http1OnlyDomains }
        if !tail.certificateUses.isEmpty { certificateUses += tail.certificateUses }
        if !tail.rendered.isEmpty { rendered += tail.rendered }
    }

    /// Undoes what a resource that failed added since `mark`.
    mutating func cutBack(to mark: Marks, key: ResourceKey) {
        for name in sharedNameClaims[mark.sharedNameClaims...] where sharedNames[name] == key { sharedNames[name] = nil }
        truncate(to: mark)
    }

    /// Drops what each list part holds from `mark` on.
    private mutating func truncate(to mark: Marks) {
        httpRoutes.removeSubrange(mark.httpRoutes...)
        httpsRoutes.removeSubrange(mark.httpsRoutes...)
        sharedHTTP.truncate(to: mark.sharedHTTP)
        sharedHTTPS.truncate(to: mark.sharedHTTPS)
        sharedRedirects.removeSubrange(mark.sharedRedirects...)
        sharedNameClaims.removeSubrange(mark.sharedNameClaims...)
        errorRoutes.removeSubrange(mark.errorRoutes...)
        passthroughRoutes.removeSubrange(mark.passthroughRoutes...)
        layer4Servers.removeSubrange(mark.layer4Servers...)
        automaticDomains.removeSubrange(mark.automaticDomains...)
        customDomains.removeSubrange(mark.customDomains...)
        http1OnlyDomains.removeSubrange(mark.http1OnlyDomains...)
        certificateUses.removeSubrange(mark.certificateUses...)
        rendered.removeSubrange(mark.rendered...)
    }

    /// Adds a piece a previous render made of resource `key`; false, adding nothing, when one of
    /// its shared names is another host's by now.
    mutating func replay(_ piece: RenderMemo.Piece, key: ResourceKey) -> Bool {
        let names = piece.added.sharedNameClaims
        for name in names {
            if let holder = sharedNames[name], holder != key { return false }
        }
        for name in names { sharedNames[name] = key }
        append(piece.added)
        return true
    }

    /// The uploaded certificates loaded, by id.
    var loadedCertificates: [Int: JSON] {
        Dictionary(certificateUses, uniquingKeysWith: { _, last in last })
    }
}
