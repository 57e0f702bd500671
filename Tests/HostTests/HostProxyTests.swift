import Foundation
import PluginAPI
import PluginKit
import Testing
import TestSupport

@testable import Host

/// PluginKit's Swift side of the host services reaches the target through the host, within the
/// call's grants.
@Suite struct HostProxyTests {
    @Test func fileServicesWriteReadAndRemoveUnderTheTargetsRoot() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let services = HostServices(
            grants: .effects, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        services.withCHost { host in
            let proxy = HostProxy(host)
            #expect(proxy.writeFile("/etc/app/a.conf", Array("kept\n".utf8), mode: 0o600) == PP_OK)
            #expect(proxy.readFile("/etc/app/a.conf") == Array("kept\n".utf8))
            #expect(proxy.removeFile("/etc/app/a.conf") == PP_OK)
            #expect(proxy.removeFile("/etc/app/a.conf") == PP_NOT_FOUND)
            #expect(proxy.writeFile("relative", [], mode: 0o644) == PP_INVALID)
        }
        #expect(services.deniedRequests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.file("etc/app/a.conf")))
    }

    @Test func writesAreDeniedWhilePlanningAndRemembered() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let services = HostServices(
            grants: .observe, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        services.withCHost { host in
            let proxy = HostProxy(host)
            #expect(proxy.writeFile("/etc/a.conf", Array("x".utf8), mode: 0o644) == PP_DENIED)
            #expect(proxy.removeFile("/etc/a.conf") == PP_DENIED)
        }
        #expect(services.deniedRequests.count == 2)
        #expect(!FileManager.default.fileExists(atPath: folder.file("etc/a.conf")))
    }

    /// ABI 1.1: a file's mode and owner are read while planning and set only when writes are
    /// granted; the host fills no more of `pp_file_info` than its `struct_size` says.
    @Test func fileInfoReadsModeAndOwnerAndSettingThemNeedsTheWriteGrant() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("etc/c.conf", "c")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: folder.file("etc/c.conf"))
        func services(_ grants: Grants) -> HostServices {
            HostServices(grants: grants, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        }
        let observing = services(.observe)
        observing.withCHost { host in
            var info = pp_file_info(struct_size: UInt32(MemoryLayout<pp_file_info>.size), mode: 0, user: 7, group: 7)
            #expect("/etc/c.conf".withCString { host.pointee.file_info?(host, $0, 11, &info) } == PP_OK)
            #expect(info.mode == 0o640 && info.user == getuid() && info.group == getgid())
            var short = pp_file_info(struct_size: 8, mode: 0, user: 7, group: 7)
            #expect("/etc/c.conf".withCString { host.pointee.file_info?(host, $0, 11, &short) } == PP_OK)
            #expect(short.mode == 0o640 && short.user == 7 && short.group == 7, "nothing beyond struct_size is written")
            #expect("/etc/none".withCString { host.pointee.file_info?(host, $0, 9, &info) } == PP_NOT_FOUND)
            #expect("/etc/c.conf".withCString { host.pointee.set_file_owner?(host, $0, 11, 0o600, getuid(), getgid()) } == PP_DENIED)
        }
        #expect(observing.deniedRequests == ["set the owner of /etc/c.conf"])
        services(.effects).withCHost { host in
            #expect("/etc/c.conf".withCString { host.pointee.set_file_owner?(host, $0, 11, 0o600, getuid(), getgid()) } == PP_OK)
            #expect("/etc/c.conf".withCString { host.pointee.set_file_owner?(host, $0, 11, 0o70000, getuid(), getgid()) } == PP_INVALID)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: folder.file("etc/c.conf"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// A sink buffer collects what a service writes, for services HostProxy does not wrap.
    @Test func aSinkBufferCollectsWhatTheHostWrites() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("etc/b.conf", "bytes")
        let services = HostServices(
            grants: .observe, target: LocalTarget(root: folder.path), isCancelled: { false }, onLog: { _ in }, onProgress: { _ in })
        let buffer = SinkBuffer()
        let status = services.withCHost { host in
            buffer.withSink { sink in
                "/etc/b.conf".withCString { path in host.pointee.read_file?(host, path, UInt64(strlen(path)), sink) ?? PP_FAILED }
            }
        }
        #expect(status == PP_OK)
        #expect(buffer.bytes == Array("bytes".utf8))
    }
}
