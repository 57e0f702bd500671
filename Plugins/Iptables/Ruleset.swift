/// The rules PosternProxy owns, per table, as iptables-save prints them, and the
/// iptables-restore input that makes a machine hold exactly them. Rules live in chains of their
/// own (`POSTERNPROXY-*`), reached by one jump from each built-in chain, so nothing else on the
/// machine is touched.
struct Ruleset: Equatable {
    /// Our chains and the built-in chain that jumps to each, per table.
    static let chains: [(table: String, chain: String, from: String)] = [
        ("nat", "POSTERNPROXY-PREROUTING", "PREROUTING"),
        ("nat", "POSTERNPROXY-POSTROUTING", "POSTROUTING"),
        ("filter", "POSTERNPROXY-FORWARD", "FORWARD"),
    ]
    static let tables = ["nat", "filter"]

    /// Rule lines (`-A POSTERNPROXY-… …`) per chain, in order.
    var rules: [String: [String]]
    /// Jump lines (`-A PREROUTING -j POSTERNPROXY-PREROUTING`) present.
    var jumps: Set<String>

    /// The rules for `forwards` (all valid), with every jump.
    init(forwards: [PortForward]) {
        var prerouting: [String] = [], postrouting: [String] = [], accepting: [String] = []
        for forward in forwards {
            let protocols = forward.protocol == "tcp+udp" ? ["tcp", "udp"] : [forward.protocol]
            let comment = "-m comment --comment \(forward.tag)"  // no spaces: iptables-save prints it unquoted
            let destination = "\(forward.forwardHost)/32"
            for proto in protocols {
                let incoming = forward.interface.isEmpty ? "" : "-i \(forward.interface) "
                prerouting.append(
                    "-A POSTERNPROXY-PREROUTING \(incoming)-p \(proto) -m \(proto) --dport \(forward.incomingPort) \(comment) -j DNAT --to-destination \(forward.forwardHost):\(forward.forwardPort)"
                )
                postrouting.append(
                    "-A POSTERNPROXY-POSTROUTING -d \(destination) -p \(proto) -m \(proto) --dport \(forward.forwardPort) \(comment) -j MASQUERADE")
                accepting.append(
                    "-A POSTERNPROXY-FORWARD -d \(destination) -p \(proto) -m \(proto) --dport \(forward.forwardPort) \(comment) -j ACCEPT")
                accepting.append(
                    "-A POSTERNPROXY-FORWARD -s \(destination) -p \(proto) -m \(proto) --sport \(forward.forwardPort) \(comment) -j ACCEPT")
            }
        }
        rules = ["POSTERNPROXY-PREROUTING": prerouting, "POSTERNPROXY-POSTROUTING": postrouting, "POSTERNPROXY-FORWARD": accepting]
        jumps = Set(Self.chains.map { Self.jump($0.from, $0.chain) })
    }

    /// Our rules and jumps as found in iptables-save output of both tables.
    init(saved: String) {
        var rules = Dictionary(uniqueKeysWithValues: Self.chains.map { ($0.chain, [String]()) })
        var jumps = Set<String>()
        let ourJumps = Set(Self.chains.map { Self.jump($0.from, $0.chain) })
        for line in saved.split(separator: "\n").map(String.init) {
            if line.hasPrefix("-A POSTERNPROXY-"), let chain = line.split(separator: " ").dropFirst().first {
                rules[String(chain), default: []].append(line)
            }
            if ourJumps.contains(line) { jumps.insert(line) }
        }
        self.rules = rules
        self.jumps = jumps
    }

    /// iptables-restore input (for `--noflush`) that replaces our chains with these rules and
    /// adds or removes jumps so that exactly ``jumps`` exist, given what `current` has.
    func restoreInput(from current: Ruleset) -> String {
        var lines: [String] = []
        for table in Self.tables {
            lines.append("*\(table)")
            for entry in Self.chains where entry.table == table {
                lines.append(":\(entry.chain) - [0:0]")
            }
            for entry in Self.chains where entry.table == table {
                let jump = Self.jump(entry.from, entry.chain)
                if jumps.contains(jump) && !current.jumps.contains(jump) { lines.append(jump) }
                if !jumps.contains(jump) && current.jumps.contains(jump) { lines.append("-D" + jump.dropFirst(2)) }
            }
            for entry in Self.chains where entry.table == table { lines += rules[entry.chain] ?? [] }
            lines.append("COMMIT")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The restore input text as a JSON-friendly summary: the lines that would change.
    func differences(from current: Ruleset) -> [String] {
        var changes: [String] = []
        for entry in Self.chains where rules[entry.chain] ?? [] != current.rules[entry.chain] ?? [] {
            changes.append("replace \(entry.chain) (\((current.rules[entry.chain] ?? []).count) → \((rules[entry.chain] ?? []).count) rules)")
        }
        for jump in jumps.subtracting(current.jumps).sorted() { changes.append("add \(jump)") }
        for jump in current.jumps.subtracting(jumps).sorted() { changes.append("remove \(jump)") }
        return changes
    }

    private static func jump(_ from: String, _ chain: String) -> String { "-A \(from) -j \(chain)" }
}
