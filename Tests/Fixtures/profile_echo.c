/*
 * profile_echo.c — a profile plugin whose actions are its input, so a test can describe any
 * profile: the pipeline's input is {"actions": [...]}.
 */
#include <string.h>

#include "posternproxy_plugin.h"

static int32_t actions(const pp_call *call) {
    call->output->write(call->output, call->input.data, call->input.size);
    return PP_OK;
}
static const pp_profile_v1 profile = {sizeof(pp_profile_v1), actions};
static const void *get_interface(const char *id) {
    return strcmp(id, PP_INTERFACE_PROFILE) == 0 ? &profile : NULL;
}
static const pp_plugin_descriptor descriptor = {
    sizeof(pp_plugin_descriptor), PP_ABI_MAJOR, PP_ABI_MINOR, "com.example.echo-profile", "1.0.0",
    "Echo profile", "Profile test fixture: the actions are the input.", PP_KIND_PROFILE, get_interface,
};
PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
    (void)host;
    return &descriptor;
}
