import Glibc

/// Checks, before `dlopen` runs any of its code, that a file is a shared object this process
/// could load: an ELF file of this machine's class, byte order and architecture, of type ET_DYN.
enum SharedObjectInspector {
    private static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    private static let sharedObjectType: UInt16 = 3  // ET_DYN
    private static let executableType: UInt16 = 2  // ET_EXEC

    /// This machine's ELF `e_machine`.
    static let hostMachine: UInt16 = {
        #if arch(x86_64)
            return 62  // EM_X86_64
        #elseif arch(arm64)
            return 183  // EM_AARCH64
        #else
            return 0
        #endif
    }()

    /// Returns nil when the file looks loadable, otherwise what is wrong with it.
    static func problem(with header: [UInt8]) -> String? {
        guard header.count >= 20, Array(header[0..<4]) == elfMagic else {
            return "it is not an ELF file"
        }
        guard header[4] == 2 else { return "it is a 32-bit ELF file; this host is 64-bit" }
        guard header[5] == 1 else { return "it is a big-endian ELF file; this host is little-endian" }
        let type = UInt16(header[16]) | UInt16(header[17]) << 8
        let machine = UInt16(header[18]) | UInt16(header[19]) << 8
        if type == executableType { return "it is an executable, not a shared library" }
        guard type == sharedObjectType else { return "its ELF type is \(type), not a shared object (3)" }
        guard machine == hostMachine else {
            return "it was built for ELF machine \(machine) (\(machineName(machine))); this host is \(machineName(hostMachine))"
        }
        return nil
    }

    /// Reads the first bytes of `file` and checks them; throws the reason it is not loadable.
    static func check(_ path: String, reportingAs file: String) throws(PluginLoadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PluginLoadError(file: file, reason: .unreadable("cannot open it for reading")) }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &header, header.count)
        header = Array(header.prefix(max(count, 0)))
        if let problem = problem(with: header) {
            throw PluginLoadError(file: file, reason: .notSharedObject(problem))
        }
    }

    private static func machineName(_ machine: UInt16) -> String {
        switch machine {
        case 3: return "x86"
        case 40: return "arm"
        case 62: return "x86_64"
        case 183: return "aarch64"
        case 243: return "riscv"
        default: return "unknown"
        }
    }
}
