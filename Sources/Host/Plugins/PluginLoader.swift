import Glibc
import PluginAPI

/// Loads plugin shared objects: checks the file, `dlopen`s it with `RTLD_NOW | RTLD_LOCAL`,
/// calls its entry function and negotiates the ABI version. A refused file is reported with a
/// ``PluginLoadError`` that names it and says what to do. Nothing is ever unloaded: unloading a
/// library that shares the host's Swift runtime can crash the host later.
public struct PluginLoader: Sendable {
    /// Told to every plugin's entry function.
    public var host: HostIdentity
    /// This host's ABI version (a parameter so tests can play an older host).
    public var hostABI: ABIVersion

    public init(host: HostIdentity, hostABI: ABIVersion = .host) {
        self.host = host
        self.hostABI = hostABI
    }

    /// Loads one shared object. The file is opened once and every check is made on what was
    /// opened: its owner and mode, then every folder from its real location up to `/`; only
    /// then is it loaded, by that real path, and the loaded file must still be the one checked.
    public func load(_ file: String) throws(PluginLoadError) -> LoadedPlugin {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PluginLoadError(file: file, reason: .unreadable(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { throw PluginLoadError(file: file, reason: .unreadable(String(cString: strerror(errno)))) }
        let realPath = try Self.realPath(of: fd, file: file)
        try checkPermissions(opened, realPath: realPath, file: file)
        try SharedObjectInspector.check(realPath, reportingAs: file)

        guard let handle = dlopen(realPath, RTLD_NOW | RTLD_LOCAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw PluginLoadError(file: file, reason: .openFailed(message))
        }
        var loaded = stat()
        guard stat(realPath, &loaded) == 0, loaded.st_dev == opened.st_dev, loaded.st_ino == opened.st_ino else {
            throw PluginLoadError(file: file, reason: .unreadable("it was replaced while it was being loaded"))
        }
        guard let symbol = dlsym(handle, PP_ENTRY_SYMBOL) else {
            if let major = otherEntryMajor(in: handle) {
                throw PluginLoadError(
                    file: file,
                    reason: .abiMajorMismatch(plugin: ABIVersion(major: major, minor: 0), host: hostABI))
            }
            throw PluginLoadError(file: file, reason: .missingEntrySymbol)
        }
        let entry = unsafeBitCast(symbol, to: pp_plugin_entry_fn.self)
        let descriptor = callEntry(entry)
        guard let descriptor else { throw PluginLoadError(file: file, reason: .declined) }
        return try accept(descriptor, from: file)
    }

    private func callEntry(_ entry: pp_plugin_entry_fn) -> UnsafePointer<pp_plugin_descriptor>? {
        host.name.withCString { name in
            host.version.withCString { version in
                var info = pp_host_info(
                    struct_size: UInt32(MemoryLayout<pp_host_info>.size),
                    abi_major: hostABI.major, abi_minor: hostABI.minor,
                    host_name: name, host_version: version)
                return entry(&info)
            }
        }
    }

    /// Validates a descriptor and negotiates the version.
    private func accept(_ descriptor: UnsafePointer<pp_plugin_descriptor>, from file: String)
        throws(PluginLoadError) -> LoadedPlugin
    {
        func malformed(_ detail: String) -> PluginLoadError {
            PluginLoadError(file: file, reason: .malformedDescriptor(detail))
        }
        // Major and minor are read before anything else: they say how to read the rest.
        let abi = ABIVersion(major: descriptor.pointee.abi_major, minor: descriptor.pointee.abi_minor)
        guard abi.major == hostABI.major else {
            throw PluginLoadError(file: file, reason: .abiMajorMismatch(plugin: abi, host: hostABI))
        }
        guard abi.minor <= hostABI.minor else {
            throw PluginLoadError(file: file, reason: .abiMinorTooNew(plugin: abi, host: hostABI))
        }
        // Read by the plugin's declared size (ABILayout): a 1.0 plugin's descriptor is complete for
        // this host whatever this host's minor appended; what it lacks is read as absent.
        let declaredSize = Int(UnsafeRawPointer(descriptor).load(as: UInt32.self))
        let minimum = ABILayout.minimumSize(of: pp_plugin_descriptor.self)
        guard declaredSize >= minimum else {
            throw malformed("struct_size is \(declaredSize), ABI \(abi) needs at least \(minimum)")
        }
        let descriptor =
            declaredSize >= MemoryLayout<pp_plugin_descriptor>.size
            ? descriptor
            : ABILayout.copy(UnsafeRawPointer(descriptor), declaredSize: declaredSize, as: pp_plugin_descriptor.self)
        let d = descriptor.pointee
        guard let idPointer = d.id else { throw malformed("id is NULL") }
        let id = String(cString: idPointer)
        guard PluginIdentifier.isValid(id) else {
            throw malformed("id `\(id)` is not reverse-DNS (lower-case letters, digits, '.', '-', at least one '.')")
        }
        guard let version = d.version.map({ String(cString: $0) }), !version.isEmpty else {
            throw malformed("version is empty")
        }
        guard PluginVersion.isValid(version) else {
            throw malformed("version `\(version)` is not MAJOR.MINOR.PATCH (as `1.0.0`, optionally with -prerelease and +build)")
        }
        guard let name = d.name.map({ String(cString: $0) }), !name.isEmpty else {
            throw malformed("name is empty")
        }
        let summary = d.description.map { String(cString: $0) } ?? ""
        let kinds = PluginKinds(rawValue: d.kinds)
        guard !kinds.isEmpty else { throw malformed("kinds is 0; declare at least one PP_KIND_*") }
        guard kinds.unknownBits == 0 else {
            throw malformed("kinds has bits this host does not know (0x\(String(kinds.unknownBits, radix: 16)))")
        }
        guard let lookup = d.get_interface else { throw malformed("get_interface is NULL") }
        if let problem = DeclaredInterfaces.problem(kinds: kinds, lookup: lookup) { throw malformed(problem) }
        var declaration: PluginDeclaration?
        if let text = d.declaration {
            do { declaration = try PluginDeclaration(text: String(cString: text)) } catch {
                throw malformed("declaration \(error); write a JSON object with config_schema and needs (PP_PLUGIN_DECLARATION)")
            }
        }
        return LoadedPlugin(
            file: file, descriptor: descriptor, id: id, version: version, name: name, summary: summary, declaration: declaration)
    }

    /// Where the opened file really is: symbolic links resolved by the kernel.
    private static func realPath(of fd: Int32, file: String) throws(PluginLoadError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard count > 0 else { throw PluginLoadError(file: file, reason: .unreadable("its real location cannot be read from /proc")) }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Refuses a file that anyone but root or this process's user could replace: the file must
    /// be a regular file owned by one of them and writable by no one else, and so must every
    /// folder from it up to `/` (a folder others may write to is accepted only with the sticky
    /// bit, which keeps them from replacing entries they do not own).
    private func checkPermissions(_ info: stat, realPath: String, file: String) throws(PluginLoadError) {
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw PluginLoadError(file: file, reason: .unreadable("not a regular file"))
        }
        guard info.st_mode & S_IWOTH == 0 else {
            throw PluginLoadError(file: file, reason: .worldWritable(path: file))
        }
        if let why = Self.othersCanWrite(info, isFolder: false) {
            throw PluginLoadError(file: file, reason: .replaceableByOthers(path: file, why: why))
        }
        var folder = Path.folder(of: realPath)
        while true {
            var folderInfo = stat()
            guard stat(folder.isEmpty ? "/" : folder, &folderInfo) == 0 else {
                throw PluginLoadError(file: file, reason: .unreadable("its folder \(folder) cannot be read"))
            }
            if folderInfo.st_mode & S_IWOTH != 0, folderInfo.st_mode & S_ISVTX == 0 {
                throw PluginLoadError(file: file, reason: .worldWritable(path: folder))
            }
            if let why = Self.othersCanWrite(folderInfo, isFolder: true) {
                throw PluginLoadError(file: file, reason: .replaceableByOthers(path: folder, why: why))
            }
            if folder.isEmpty || folder == "/" { break }
            folder = Path.folder(of: folder)
        }
    }

    /// Why someone other than root or this user could change a file or folder, if they could.
    private static func othersCanWrite(_ info: stat, isFolder: Bool) -> String? {
        if info.st_uid != 0 && info.st_uid != geteuid() { return "it belongs to user \(info.st_uid), who could change it" }
        if info.st_mode & S_IWGRP != 0 && info.st_gid != 0 && !(isFolder && info.st_mode & S_ISVTX != 0) {
            return "group \(info.st_gid) may write to it"
        }
        return nil
    }

    /// When the v1 entry is missing, looks for another major's entry so the error can say
    /// "built for ABI 2" rather than "no entry symbol".
    private func otherEntryMajor(in handle: UnsafeMutableRawPointer) -> UInt32? {
        (2...16).first { major in dlsym(handle, "posternproxy_plugin_entry_v\(major)") != nil }.map(UInt32.init)
    }
}
