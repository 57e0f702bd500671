/*
 * profile_file.c — a profile plugin for the rollback tests: one file action, no commands.
 * {"actions": [{"type": "file", "path": "/etc/posternproxy-test/app.conf", "content": "new\n", "mode": 420}]}
 */
#include <string.h>

#include "posternproxy_plugin.h"

static int32_t actions(const pp_call *call) {
    const char *text = "{\"actions\": [{\"type\": \"file\", \"path\": \"/etc/posternproxy-test/app.conf\", \"content\": \"new\\n\", \"mode\": 420}]}";
    call->output->write(call->output, (const uint8_t *)text, strlen(text));
    return PP_OK;
}
static const pp_profile_v1 profile = {sizeof(pp_profile_v1), actions};
static const void *get_interface(const char *id) {
    return strcmp(id, PP_INTERFACE_PROFILE) == 0 ? &profile : NULL;
}
static const pp_plugin_descriptor descriptor = {
    sizeof(pp_plugin_descriptor), PP_ABI_MAJOR, PP_ABI_MINOR, "com.example.profile", "1.0.0",
    "File profile", "Rollback test fixture.", PP_KIND_PROFILE, get_interface,
};
PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
    (void)host;
    return &descriptor;
}
