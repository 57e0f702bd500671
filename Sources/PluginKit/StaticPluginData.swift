import PluginAPI

/// Builds the static data a plugin hands to hosts: the descriptor and interface tables. Each is
/// allocated once and never freed, as the ABI requires (hosts keep pointers until they exit).
/// Call these from global `let` initializers, which Swift runs once, thread-safely.
public enum StaticPluginData {
    /// A descriptor for the ABI this module was built against. `declaration` is the JSON object
    /// a host shows an admin before enabling the plugin and checks each step's config against:
    /// `{"config_schema": {…}, "needs": {"services": […], "writes": […], "runs": […]}}`.
    public static func descriptor(
        id: String, version: String, name: String, summary: String, kinds: UInt32, declaration: String? = nil,
        getInterface: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer?
    ) -> UnsafePointer<pp_plugin_descriptor> {
        let descriptor = UnsafeMutablePointer<pp_plugin_descriptor>.allocate(capacity: 1)
        descriptor.initialize(
            to: pp_plugin_descriptor(
                struct_size: UInt32(MemoryLayout<pp_plugin_descriptor>.size),
                abi_major: UInt32(PP_ABI_MAJOR), abi_minor: UInt32(PP_ABI_MINOR),
                id: permanent(id), version: permanent(version), name: permanent(name),
                description: permanent(summary), kinds: kinds, get_interface: getInterface,
                declaration: declaration.map(permanent)))
        return UnsafePointer(descriptor)
    }

    /// What the entry function returns: `descriptor` for a host that speaks this module's ABI
    /// major at this minor or a newer one; nil, which declines the host, for any other (the host
    /// then refuses the plugin with a message that says so).
    ///
    ///     @_cdecl("posternproxy_plugin_entry_v1")
    ///     public func entry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    ///         StaticPluginData.entry(descriptor, for: host)
    ///     }
    public static func entry(
        _ descriptor: UnsafePointer<pp_plugin_descriptor>, for host: UnsafePointer<pp_host_info>?
    ) -> UnsafePointer<pp_plugin_descriptor>? {
        guard let host, host.pointee.abi_major == UInt32(PP_ABI_MAJOR), host.pointee.abi_minor >= UInt32(PP_ABI_MINOR) else { return nil }
        return descriptor
    }

    /// An interface table (`pp_step_v1`, `pp_renderer_v1`, ...) at a permanent address.
    public static func table<Table>(_ value: Table) -> UnsafeRawPointer {
        let table = UnsafeMutablePointer<Table>.allocate(capacity: 1)
        table.initialize(to: value)
        return UnsafeRawPointer(table)
    }

    /// A NUL-terminated copy of `text` that lives until the process exits.
    public static func permanent(_ text: String) -> UnsafePointer<CChar> {
        let bytes = Array(text.utf8CString)
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        copy.initialize(from: bytes, count: bytes.count)
        return UnsafePointer(copy)
    }

    /// Compares an interface id given by the host with one of the `PP_INTERFACE_*` names.
    public static func matches(_ requested: UnsafePointer<CChar>?, _ interface: String) -> Bool {
        guard let requested else { return false }
        return String(cString: requested) == interface
    }
}
