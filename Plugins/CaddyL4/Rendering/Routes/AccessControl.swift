import JSONCore

/// Renders an access list into routes placed first in a host's subroute:
/// ordered client rules (first match wins, no match or an empty list denies, 403), HTTP basic
/// auth (401), and satisfy any (either passes) or all (both needed).
enum AccessControl {
    static func routes(_ list: AccessList, resource: ResourceKey) throws(RenderingError) -> [JSON] {
        for client in list.clients {
            guard client.directive == "allow" || client.directive == "deny" else {
                throw RenderingError(resource: resource, field: "access_list.clients.directive", message: "must be allow or deny")
            }
            guard CIDR.isValid(client.address) else {
                throw RenderingError(resource: resource, field: "access_list.clients.address", message: "is not an address or CIDR")
            }
        }
        // The clients that the ordered rules allow: each allow rule's range, minus every range
        // listed before it (an earlier rule, allow or deny, decided for those addresses).
        var allowedSets: [JSON] = []
        var earlier: [String] = []
        for client in list.clients {
            if client.directive == "allow" {
                var set: [(String, JSON)] = [("remote_ip", ["ranges": .strings([client.address])])]
                if !earlier.isEmpty { set.append(("not", [["remote_ip": ["ranges": .strings(earlier)]]])) }
                allowedSets.append(.object(set))
            }
            earlier.append(client.address)
        }
        let notAllowed: JSON = allowedSets.isEmpty ? [:] : ["not": .array(allowedSets)]
        let forbidden: JSON = [
            "handler": "static_response", "status_code": 403, "body": "403 Forbidden",
            "headers": ["Content-Type": ["text/plain; charset=utf-8"]],
        ]
        let hasRules = !list.clients.isEmpty
        let hasUsers = !list.items.isEmpty

        switch (hasRules, hasUsers) {
        case (false, false):
            // An empty list denies; it never allows all.
            return [["handle": [forbidden]]]
        case (true, false):
            return [["match": [notAllowed], "handle": [forbidden]]]
        case (false, true):
            return [["handle": [authentication(list)]]]
        case (true, true) where list.satisfyAny:
            // Allowed clients pass; everyone else must authenticate.
            return [["match": [notAllowed], "handle": [authentication(list)]]]
        case (true, true):
            return [["match": [notAllowed], "handle": [forbidden]], ["handle": [authentication(list)]]]
        }
    }

    private static func authentication(_ list: AccessList) -> JSON {
        let accounts = list.items.map { user -> JSON in
            ["username": .string(user.username), "password": .string(user.passwordHash)]
        }
        return [
            "handler": "authentication",
            "providers": [
                "http_basic": [
                    "accounts": .array(accounts), "hash": ["algorithm": "bcrypt"],
                    "realm": "restricted",
                ]
            ],
        ]
    }
}

/// Addresses and CIDR ranges as Caddy's `remote_ip` matcher takes them.
enum CIDR {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = parts.first else { return false }
        let isV4 = isIPv4(address), isV6 = !isV4 && isIPv6(address)
        guard isV4 || isV6 else { return false }
        guard parts.count == 2 else { return true }
        guard let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return false }
        return bits >= 0 && bits <= (isV4 ? 32 : 128)
    }

    private static func isIPv4(_ text: Substring) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4
            && octets.allSatisfy { octet in
                !octet.isEmpty && octet.count <= 3 && octet.allSatisfy(\.isNumber) && Int(octet)! <= 255
            }
    }

    private static func isIPv6(_ text: Substring) -> Bool {
        guard text.contains(":"), text.count <= 45 else { return false }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count >= 3, groups.count <= 8 || text.contains("::") else { return false }
        guard text.ranges(of: "::").count <= 1 else { return false }
        return groups.allSatisfy { group in group.count <= 4 && group.allSatisfy(\.isHexDigit) }
    }
}
