import TestSupport
/// C sources of small plugins, each written to exercise one rule of the loader.
enum PluginSources {
    /// A plugin whose descriptor has the given fields, serving a renderer that renders nothing;
    /// `entrySymbol` and `entryBody` can be changed to make it export the wrong thing or decline.
    static func plugin(
        id: String = "com.example.fixture", version: String = "1.0.0", abiMajor: String = "PP_ABI_MAJOR",
        abiMinor: String = "PP_ABI_MINOR", kinds: String = "PP_KIND_RENDERER",
        entrySymbol: String = "posternproxy_plugin_entry_v1",
        entryBody: String = "return &descriptor;"
    ) -> String {
        """
        #include <stddef.h>
        #include "posternproxy_plugin.h"
        #include <string.h>
        static int32_t render(const pp_call *call) { (void)call; return PP_OK; }
        static const pp_renderer_v1 renderer = { sizeof(pp_renderer_v1), "application/json", render };
        static const void *get_interface(const char *id) { return strcmp(id, PP_INTERFACE_RENDERER) == 0 ? &renderer : NULL; }
        __attribute__((unused)) static const pp_plugin_descriptor descriptor = {
            .struct_size = sizeof(pp_plugin_descriptor),
            .abi_major = \(abiMajor), .abi_minor = \(abiMinor),
            .id = "\(id)", .version = "\(version)", .name = "Fixture", .description = "A loader test fixture.",
            .kinds = \(kinds), .get_interface = get_interface,
        };
        PP_EXPORT const pp_plugin_descriptor *\(entrySymbol)(const pp_host_info *host) {
            (void)host;
            \(entryBody)
        }
        """
    }

    /// A step plugin whose `posternproxy.step/1` table is the C initializer `table` (functions
    /// `plan`, `apply`, `verify` and `rollback` are defined), or that returns no table when nil.
    static func step(table: String?) -> String {
        """
        #include <stddef.h>
        #include <string.h>
        #include "posternproxy_plugin.h"
        __attribute__((unused)) static int32_t plan(const pp_call *call) { (void)call; return PP_OK; }
        __attribute__((unused)) static int32_t apply(const pp_call *call) { (void)call; return PP_OK; }
        __attribute__((unused)) static int32_t verify(const pp_call *call) { (void)call; return PP_OK; }
        __attribute__((unused)) static int32_t rollback(const pp_call *call) { (void)call; return PP_OK; }
        \(table.map { "static const pp_step_v1 step = \($0);" } ?? "")
        static const void *get_interface(const char *id) {
            (void)id;
            return \(table == nil ? "NULL" : "strcmp(id, PP_INTERFACE_STEP) == 0 ? &step : NULL");
        }
        static const pp_plugin_descriptor descriptor = {
            .struct_size = sizeof(pp_plugin_descriptor), .abi_major = PP_ABI_MAJOR, .abi_minor = PP_ABI_MINOR,
            .id = "com.example.step", .version = "1.0.0", .name = "Step", .description = "A loader test fixture.",
            .kinds = PP_KIND_STEP, .get_interface = get_interface,
        };
        PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
            (void)host;
            return &descriptor;
        }
        """
    }
}
