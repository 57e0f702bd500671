/*
 * ticker_profile.c — a profile plugin for the provisioning benchmark only: one command that
 * prints the remote clock 50 times, 50 ms apart, so the benchmark can see how long a line
 * printed on the server takes to reach a browser-like client of the controller's event stream.
 * Build: cc -shared -fPIC -I Sources/PluginAPI/include -o libticker.so ticker_profile.c
 */
#include <string.h>

#include "posternproxy_plugin.h"

static const char actions[] =
    "{\"actions\": [{\"type\": \"command\", \"summary\": \"tick\", \"argv\": [\"sh\", \"-c\","
    " \"for i in $(seq 50); do echo tick $(date +%s.%N); sleep 0.05; done\"]}]}";

static int32_t profile_actions(const pp_call *call) {
    return call->output->write(call->output, (const uint8_t *)actions, strlen(actions));
}

static const pp_profile_v1 profile = {sizeof(pp_profile_v1), profile_actions};

static const void *get_interface(const char *id) {
    return strcmp(id, PP_INTERFACE_PROFILE) == 0 ? &profile : NULL;
}

static const pp_plugin_descriptor descriptor = {
    sizeof(pp_plugin_descriptor), PP_ABI_MAJOR, PP_ABI_MINOR, "com.example.ticker", "1.0.0", "Ticker",
    "Prints the server's clock (provisioning benchmark).", PP_KIND_PROFILE, get_interface};

PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
    (void)host;
    return &descriptor;
}
