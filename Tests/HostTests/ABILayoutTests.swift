import Foundation
import PluginAPI
import Testing
import TestSupport

@testable import Host

/// ABI minor versions both ways, with real shared objects compiled from C against shorter and
/// longer copies of the structures: the host reads what a plugin declares in `struct_size`, treats
/// fields the plugin lacks as absent and ignores fields it does not know.
@Suite struct ABILayoutTests {
    let loader = PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0"))

    /// A plugin built against a later minor's header: its descriptor carries one more field.
    static func longerDescriptor(minor: String) -> String {
        """
        #include <stddef.h>
        #include "posternproxy_plugin.h"
        typedef struct {
            uint32_t struct_size; uint32_t abi_major; uint32_t abi_minor; const char *id; const char *version; const char *name;
            const char *description; uint32_t kinds; const void *(*get_interface)(const char *id);
            const char *declaration; const char *homepage; /* homepage: appended by the later minor */
        } descriptor_later;
        #include <string.h>
        static int32_t render(const pp_call *call) { (void)call; return PP_OK; }
        static const pp_renderer_v1 renderer = { sizeof(pp_renderer_v1), "application/json", render };
        static const void *get_interface(const char *id) { return strcmp(id, PP_INTERFACE_RENDERER) == 0 ? &renderer : NULL; }
        static const descriptor_later descriptor = {
            sizeof(descriptor_later), PP_ABI_MAJOR, \(minor), "com.example.later", "1.1.0", "Later", "Built against a later minor.",
            PP_KIND_RENDERER, get_interface, NULL, "https://example.test",
        };
        PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
            (void)host;
            return (const pp_plugin_descriptor *)&descriptor;
        }
        """
    }

    @Test func aPluginWithAFieldTheHostDoesNotKnowLoadsWhenItNeedsNoNewerMinor() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugin = try loader.load(try CCompiler.sharedObject(Self.longerDescriptor(minor: "PP_ABI_MINOR"), named: "later.so", in: folder))
        #expect(plugin.id == "com.example.later" && plugin.summary == "Built against a later minor.")
        // The same plugin saying it needs the later minor is refused, naming both versions.
        let newer = try CCompiler.sharedObject(Self.longerDescriptor(minor: "PP_ABI_MINOR + 1"), named: "newer.so", in: folder)
        #expect {
            _ = try loader.load(newer)
        } throws: { error in
            (error as? PluginLoadError)?.description.contains(
                "needs plugin ABI 1.\(ABIVersion.host.minor + 1), newer than this host's ABI \(ABIVersion.host)") == true
        }
    }

    @Test func aDescriptorShorterThanABI1Point0IsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = PluginSources.plugin().replacingOccurrences(
            of: ".struct_size = sizeof(pp_plugin_descriptor)",
            with: ".struct_size = offsetof(pp_plugin_descriptor, kinds)")
        let file = try CCompiler.sharedObject(source, named: "short.so", in: folder)
        #expect {
            _ = try loader.load(file)
        } throws: { error in
            (error as? PluginLoadError)?.description.contains("needs at least \(ABILayout.minimumSize(of: pp_plugin_descriptor.self))") == true
        }
    }

    /// A host of a later minor whose step table gained a field reads a 1.0 plugin's table: the
    /// new field is absent, the rest is the plugin's.
    struct LaterStepTable {
        var base: pp_step_v1
        var describe: (@convention(c) (UnsafePointer<pp_call>?) -> Int32)?
    }

    @Test func aLaterHostReadsA1Point0TableWithTheNewFieldAbsent() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.fixture("recorder_step.c", named: "recorder.so", in: folder)
        let plugin = try loader.load(file)
        let minimum = MemoryLayout<pp_step_v1>.size
        let table = try #require(plugin.interface(PP_INTERFACE_STEP, as: LaterStepTable.self, minimumSize: minimum))
        #expect(table.pointee.base.plan != nil && table.pointee.base.rollback != nil)
        #expect(table.pointee.describe == nil, "a field the plugin's table does not have is read as absent")
        #expect(Int(table.pointee.base.struct_size) == minimum)
        // The same table read as this host's own definition is the plugin's, not a copy.
        #expect(plugin.interface(PP_INTERFACE_STEP, as: pp_step_v1.self) != nil)
        // A table declaring less than its 1.0 size is not offered at all.
        #expect(plugin.interface(PP_INTERFACE_STEP, as: LaterStepTable.self, minimumSize: minimum + 8) == nil)
    }
}
