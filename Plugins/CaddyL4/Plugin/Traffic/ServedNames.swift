import CaddyL4Rendering
import Synchronization

/// The host names each Caddy serves, by traffic log: what a line of that log is counted under.
/// Caddy writes the request's host in every line (mapping each name to a logger of its own would
/// cost Caddy some 11 µs per name at every load: 11 ms for 1,000 hosts), so the names are kept
/// here, from the state of the config last loaded (or found running) by this process.
///
/// The state is kept as given, and made into a ``Matcher`` (and let go) only when a reading needs
/// it: remembering costs a change nothing but the state's copy on write.
enum ServedNames {
    /// Which host name a request's host is served under.
    struct Matcher: Sendable {
        /// Fingerprints of the names in lower case: a wildcard name as `*.` and the rest.
        private var fingerprints: Set<UInt64> = []

        init(names: some Sequence<String>) {
            for name in names { fingerprints.insert(Fingerprint.of(Array(name.lowercased().utf8))) }
        }

        /// The name `host` (in lower case, without a port) is served under: itself, or the
        /// wildcard name that covers it; nil when none of the names covers it.
        func name(for host: String) -> String? {
            if fingerprints.contains(Fingerprint.of(Array(host.utf8))) { return host }
            guard let dot = host.firstIndex(of: ".") else { return nil }
            let wildcard = "*" + host[dot...]
            return fingerprints.contains(Fingerprint.of(Array(wildcard.utf8))) ? wildcard : nil
        }
    }

    private struct Served {
        /// The state last remembered, until a reading makes it into ``matcher``: kept no longer
        /// than that (an agent keeps no large state while nothing changes).
        var state: (DesiredState, leftOut: Set<ResourceKey>)?
        var generation: Int
        var matcher: Matcher?
    }

    private static let served = Mutex<[String: Served]>([:])

    /// Remembers that the config Caddy runs was rendered from `state`, with `leftOut` not served.
    static func remember(log: String, state: DesiredState, leftOut: Set<ResourceKey>) {
        served.withLock { served in
            let generation = (served[log]?.generation ?? 0) + 1
            served[log] = Served(state: (state, leftOut), generation: generation, matcher: served[log]?.matcher)
        }
    }

    /// The matcher of the names last remembered for `log`; nil before any were.
    static func matcher(log: String) -> Matcher? {
        guard let remembered = served.withLock({ $0[log] }) else { return nil }
        guard let (state, leftOut) = remembered.state else { return remembered.matcher }
        let matcher = Matcher(names: names(state, leftOut: leftOut))
        served.withLock { served in
            guard served[log]?.generation == remembered.generation else { return }
            served[log] = Served(state: nil, generation: remembered.generation, matcher: matcher)
        }
        return matcher
    }

    /// Every name of every enabled host of the state that was not left out.
    private static func names(_ state: DesiredState, leftOut: Set<ResourceKey>) -> [String] {
        func served(_ kind: String, _ id: Int, _ enabled: Bool) -> Bool {
            enabled && (leftOut.isEmpty || !leftOut.contains(ResourceKey(kind: kind, id: id)))
        }
        return state.proxyHosts.lazy.filter { served("proxy_host", $0.id, $0.enabled) }.flatMap(\.domainNames)
            + state.redirectionHosts.lazy.filter { served("redirection_host", $0.id, $0.enabled) }.flatMap(\.domainNames)
            + state.deadHosts.lazy.filter { served("dead_host", $0.id, $0.enabled) }.flatMap(\.domainNames)
    }
}
