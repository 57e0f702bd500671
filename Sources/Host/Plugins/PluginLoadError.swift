import PluginAPI

/// Why a host refused a plugin file. Every message names the file and says what to do about it.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible {
    /// The kind of refusal, for callers that react to it.
    public enum Reason: Sendable, Equatable {
        case unreadable(String)
        case worldWritable(path: String)
        /// Someone other than root or the host's user owns, or may write to, the file or a folder above it.
        case replaceableByOthers(path: String, why: String)
        case notSharedObject(String)
        case openFailed(String)
        case missingEntrySymbol
        case abiMajorMismatch(plugin: ABIVersion, host: ABIVersion)
        case abiMinorTooNew(plugin: ABIVersion, host: ABIVersion)
        case declined
        case malformedDescriptor(String)
        case duplicateID(id: String, firstFile: String)
    }

    /// The refused file.
    public var file: String
    public var reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        "\(file): \(problem) \(advice)"
    }

    private var problem: String {
        switch reason {
        case .unreadable(let detail):
            return "cannot read the file (\(detail))."
        case .worldWritable(let path) where path == file:
            return "the file is world-writable, so any local user could replace the code the host runs."
        case .worldWritable(let path):
            return "its folder \(path) is world-writable, so any local user could replace the plugin."
        case .replaceableByOthers(let path, let why) where path == file:
            return "\(why), and could replace the code the host runs."
        case .replaceableByOthers(let path, let why):
            return "its folder \(path): \(why), and could replace the plugin."
        case .notSharedObject(let detail):
            return "not a shared object for this machine: \(detail)."
        case .openFailed(let message):
            return "dlopen failed: \(message)."
        case .missingEntrySymbol:
            return "no exported entry symbol `\(PP_ENTRY_SYMBOL)`."
        case .abiMajorMismatch(let plugin, let host):
            return "built for plugin ABI \(plugin); this host speaks ABI \(host) and majors must match."
        case .abiMinorTooNew(let plugin, let host):
            return "needs plugin ABI \(plugin), newer than this host's ABI \(host)."
        case .declined:
            return "its entry function returned NULL: the plugin declined this host."
        case .malformedDescriptor(let detail):
            return "malformed descriptor: \(detail)."
        case .duplicateID(let id, let firstFile):
            return "plugin id `\(id)` is already provided by \(firstFile)."
        }
    }

    private var advice: String {
        switch reason {
        case .unreadable:
            return "Check the path and its permissions."
        case .worldWritable:
            return "Run `chmod o-w` on it (plugins folders should be writable by root only)."
        case .replaceableByOthers:
            return "Give it to root (or this host's user) and make it writable by its owner only: `chown root:root` and `chmod go-w`."
        case .notSharedObject:
            return "Build it as a shared object for this machine (`cc -shared -fPIC`, or a SwiftPM `.dynamic` library)."
        case .openFailed:
            return "Check the libraries it needs with `ldd` and that it was built for this machine."
        case .missingEntrySymbol:
            return
                "Export it: in C, a non-static function marked PP_EXPORT; in Swift, `@_cdecl(\"\(PP_ENTRY_SYMBOL)\")` on a *public* function (an internal one is exported in debug builds only). `nm -D` lists what the file exports."
        case .abiMajorMismatch:
            return "Rebuild the plugin against this host's posternproxy_plugin.h, or use a host of the plugin's ABI major."
        case .abiMinorTooNew:
            return "Upgrade PosternProxy, or rebuild the plugin against this host's header."
        case .declined:
            return "See the plugin's documentation for the hosts it supports."
        case .malformedDescriptor:
            return "Fix the plugin's descriptor: see the comments on pp_plugin_descriptor in posternproxy_plugin.h."
        case .duplicateID:
            return "Remove one of the two files from the plugins folder."
        }
    }
}
