import PluginAPI
import Synchronization

/// A plugin the host has loaded and accepted. Its shared object stays mapped until the process
/// exits (hosts never `dlclose`), so the descriptor and its tables stay valid.
public final class LoadedPlugin: @unchecked Sendable {
    /// The shared object it came from.
    public let file: String
    /// Stable reverse-DNS id that pipelines name it by.
    public let id: String
    /// The plugin's own version.
    public let version: String
    /// Human-readable name.
    public let name: String
    /// One sentence about what it does.
    public let summary: String
    /// The kinds it declares.
    public let kinds: PluginKinds
    /// The ABI it was built against.
    public let abi: ABIVersion
    /// Its config schema and what it needs on the target, when it declares them (ABI 1.2).
    public let declaration: PluginDeclaration?

    // Immutable after init and pointing at static plugin data: safe to share across threads.
    private let descriptor: UnsafePointer<pp_plugin_descriptor>
    /// Tables shorter than this host's definition, copied once and padded (``ABILayout``).
    private let tables = Mutex<[String: UInt]>([:])

    init(
        file: String, descriptor: UnsafePointer<pp_plugin_descriptor>, id: String, version: String,
        name: String, summary: String, declaration: PluginDeclaration? = nil
    ) {
        self.declaration = declaration
        self.file = file
        self.descriptor = descriptor
        self.id = id
        self.version = version
        self.name = name
        self.summary = summary
        self.kinds = PluginKinds(rawValue: descriptor.pointee.kinds)
        self.abi = ABIVersion(major: descriptor.pointee.abi_major, minor: descriptor.pointee.abi_minor)
    }

    /// The plugin's table for `interfaceID`, read as ``ABILayout`` says: by the size the plugin
    /// declares, fields it lacks absent. Nil when it does not provide the interface, or declares
    /// less than the table's ABI 1.0 size (`minimumSize`, for a table type ``ABILayout`` does not list).
    func interface<Table>(_ interfaceID: String, as _: Table.Type, minimumSize: Int? = nil) -> UnsafePointer<Table>? {
        guard let lookup = descriptor.pointee.get_interface,
            let raw = interfaceID.withCString({ lookup($0) })
        else { return nil }
        let declaredSize = Int(raw.load(as: UInt32.self))
        guard declaredSize >= minimumSize ?? ABILayout.minimumSize(of: Table.self) else { return nil }
        if declaredSize >= MemoryLayout<Table>.size { return raw.assumingMemoryBound(to: Table.self) }
        // Addresses kept as numbers: the copies are never freed or written, like the plugin's own tables.
        let address = tables.withLock { cache in
            let key = "\(interfaceID) \(Table.self)"
            if let known = cache[key] { return known }
            let made = UInt(bitPattern: ABILayout.copy(raw, declaredSize: declaredSize, as: Table.self))
            cache[key] = made
            return made
        }
        return UnsafePointer(bitPattern: address)
    }

    /// The interface ids of the known kinds that this plugin actually provides.
    public var providedInterfaces: [String] {
        PluginKinds.known.compactMap { known in
            guard let lookup = descriptor.pointee.get_interface else { return nil }
            return known.interface.withCString { lookup($0) } == nil ? nil : known.interface
        }
    }
}
