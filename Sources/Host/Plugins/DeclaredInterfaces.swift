import PluginAPI

/// The loader's check of every interface a plugin declares, made before anything calls it, so a
/// broken table is refused at load with what is wrong instead of failing later in a pipeline:
/// each declared kind's table is returned by `get_interface`, declares at least its ABI 1.0 size,
/// and sets every function the host must call (a step's `verify` and `rollback` may be NULL). The
/// optional describe interface, when a plugin returns it, is held to the same rules.
enum DeclaredInterfaces {
    /// One interface: its id, the kind that needs it (nil when optional), the C type's name for
    /// the advice, its ABI 1.0 size, and the functions it must set.
    private struct Rule {
        var interface: String
        var kind: PluginKinds?
        var table: String
        var minimumSize: Int
        var required: [(name: String, offset: Int?)]
    }

    private static let rules: [Rule] = [
        rule(PP_INTERFACE_RENDERER, .renderer, pp_renderer_v1.self, "pp_renderer_v1", ["render": \pp_renderer_v1.render]),
        rule(PP_INTERFACE_STEP, .step, pp_step_v1.self, "pp_step_v1", ["plan": \pp_step_v1.plan, "apply": \pp_step_v1.apply]),
        rule(PP_INTERFACE_PROFILE, .profile, pp_profile_v1.self, "pp_profile_v1", ["actions": \pp_profile_v1.actions]),
        rule(
            PP_INTERFACE_TRANSPORT, .transport, pp_transport_v1.self, "pp_transport_v1",
            [
                "open": \pp_transport_v1.open, "run": \pp_transport_v1.run, "read_file": \pp_transport_v1.read_file,
                "write_file": \pp_transport_v1.write_file, "remove_file": \pp_transport_v1.remove_file, "close": \pp_transport_v1.close,
            ]),
        rule(PP_INTERFACE_DESCRIBE, nil, pp_describe_v1.self, "pp_describe_v1", ["describe": \pp_describe_v1.describe]),
    ]

    private static func rule<Table>(
        _ interface: String, _ kind: PluginKinds?, _: Table.Type, _ name: String, _ required: KeyValuePairs<String, PartialKeyPath<Table>>
    ) -> Rule {
        Rule(
            interface: interface, kind: kind, table: name, minimumSize: ABILayout.minimumSize(of: Table.self),
            required: required.map { ($0.key, MemoryLayout<Table>.offset(of: $0.value)) })
    }

    /// What is wrong with the interfaces of a plugin of `kinds` whose lookup is `lookup`; nil
    /// when nothing is.
    static func problem(kinds: PluginKinds, lookup: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer?) -> String? {
        for rule in rules {
            let table = rule.interface.withCString { lookup($0) }
            guard let table else {
                guard let kind = rule.kind, kinds.contains(kind) else { continue }
                return "it declares the \(kind) kind, but get_interface(\"\(rule.interface)\") returns NULL: "
                    + "return its \(rule.table) table there, or take PP_KIND_\(kind.description.uppercased()) out of kinds"
            }
            let declaredSize = Int(table.load(as: UInt32.self))
            guard declaredSize >= rule.minimumSize else {
                return "the \(rule.interface) table's struct_size is \(declaredSize), ABI 1.0 needs at least \(rule.minimumSize): "
                    + "set it to sizeof(\(rule.table))"
            }
            let missing = rule.required.filter { field in
                guard let offset = field.offset, offset + MemoryLayout<UInt>.size <= declaredSize else { return true }
                return table.load(fromByteOffset: offset, as: UInt.self) == 0
            }
            if !missing.isEmpty {
                let names = missing.map(\.name).joined(separator: ", ")
                return
                    "the \(rule.interface) table leaves \(names) NULL; the host calls \(missing.count == 1 ? "it" : "them"): set \(missing.count == 1 ? "it" : "each")"
            }
        }
        return nil
    }
}
