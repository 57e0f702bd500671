import PluginAPI

/// How the host reads structures a plugin wrote (the descriptor and interface tables) across
/// minor versions. A minor version only appends fields, so a structure is read by the size the
/// plugin declares in its `struct_size`: fields this host knows that lie beyond it are absent
/// (read as zero, that is NULL), and fields beyond what this host knows are ignored. What a
/// plugin must declare at the least is the size the structure had in ABI 1.0: everything 1.0
/// required. When a later minor appends a field, these sizes stay as they are.
public enum ABILayout {
    /// Sizes as of ABI 1.0 (this header's minor 0).
    static let minimumSizes: [ObjectIdentifier: Int] = [
        // 1.2 appended `declaration`.
        ObjectIdentifier(pp_plugin_descriptor.self): MemoryLayout<pp_plugin_descriptor>.offset(of: \.declaration)!,
        ObjectIdentifier(pp_step_v1.self): MemoryLayout<pp_step_v1>.size,
        ObjectIdentifier(pp_profile_v1.self): MemoryLayout<pp_profile_v1>.size,
        ObjectIdentifier(pp_transport_v1.self): MemoryLayout<pp_transport_v1>.size,
        ObjectIdentifier(pp_renderer_v1.self): MemoryLayout<pp_renderer_v1>.size,
        ObjectIdentifier(pp_describe_v1.self): MemoryLayout<pp_describe_v1>.size,
    ]

    /// The least `struct_size` a plugin may declare for `Table`.
    public static func minimumSize<Table>(of _: Table.Type) -> Int {
        minimumSizes[ObjectIdentifier(Table.self)] ?? MemoryLayout<Table>.size
    }

    /// A copy of the structure at `raw` as this host defines `Table`: the plugin's first
    /// `declaredSize` bytes, the rest zero. Made once per table and kept for the life of the
    /// process, as the plugin's own tables are.
    static func copy<Table>(_ raw: UnsafeRawPointer, declaredSize: Int, as _: Table.Type) -> UnsafePointer<Table> {
        let size = MemoryLayout<Table>.size
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<Table>.alignment)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        buffer.copyMemory(from: raw, byteCount: min(declaredSize, size))
        return UnsafePointer(buffer.assumingMemoryBound(to: Table.self))
    }
}
