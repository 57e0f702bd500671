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
