import TestSupport
/// C sources of small plugins, each written to exercise one rule of the loader.
enum PluginSources {
    /// A plugin whose descriptor has the given fields; `entrySymbol` and `entryBody` can be changed
    /// to make it export the wrong thing or decline.
    static func plugin(
        id: String = "com.example.fixture", abiMajor: String = "PP_ABI_MAJOR",
        abiMinor: String = "PP_ABI_MINOR", kinds: String = "PP_KIND_RENDERER",
        entrySymbol: String = "posternproxy_plugin_entry_v1",
        entryBody: String = "return &descriptor;"
    ) -> String {
        """
        #include <stddef.h>
        #include "posternproxy_plugin.h"
        static const void *get_interface(const char *id) { (void)id; return NULL; }
        __attribute__((unused)) static const pp_plugin_descriptor descriptor = {
            .struct_size = sizeof(pp_plugin_descriptor),
            .abi_major = \(abiMajor), .abi_minor = \(abiMinor),
            .id = "\(id)", .version = "1.0.0", .name = "Fixture", .description = "A loader test fixture.",
            .kinds = \(kinds), .get_interface = get_interface,
        };
        PP_EXPORT const pp_plugin_descriptor *\(entrySymbol)(const pp_host_info *host) {
            (void)host;
            \(entryBody)
        }
        """
    }
}
