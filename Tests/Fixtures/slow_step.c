/*
 * slow_step.c — an apply step that finishes only when the test lets it, for the controller's
 * graceful-shutdown test. Apply number N writes "$SLOW_STEP_DIR/started" (holding N), waits until
 * the test creates "$SLOW_STEP_DIR/release-N" (at most 60 seconds), then writes
 * "$SLOW_STEP_DIR/finished" (holding N). Without SLOW_STEP_DIR it returns at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "posternproxy_plugin.h"

static int applies = 0;

static void mark(const char *name) {
    const char *folder = getenv("SLOW_STEP_DIR");
    if (!folder) return;
    char path[512], temporary[520];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    snprintf(temporary, sizeof temporary, "%s.new", path);
    FILE *file = fopen(temporary, "w");
    if (!file) return;
    fprintf(file, "%d\n", applies);
    fclose(file);
    rename(temporary, path);
}

static int32_t plan(const pp_call *call) {
    const char *changes = "{\"changes\":[\"wait\"]}";
    call->output->write(call->output, (const uint8_t *)changes, strlen(changes));
    return PP_OK;
}

static int32_t apply(const pp_call *call) {
    (void)call;
    const char *folder = getenv("SLOW_STEP_DIR");
    if (!folder) return PP_OK;
    applies += 1;
    mark("started");
    char release[512];
    snprintf(release, sizeof release, "%s/release-%d", folder, applies);
    for (int i = 0; i < 600 && access(release, F_OK) != 0; i++) usleep(100000);
    mark("finished");
    return PP_OK;
}

static int32_t verify(const pp_call *call) {
    (void)call;
    return PP_OK;
}

static int32_t rollback(const pp_call *call) {
    (void)call;
    return PP_OK;
}

static const pp_step_v1 step = {sizeof(pp_step_v1), plan, apply, verify, rollback};

static const void *get_interface(const char *id) {
    return strcmp(id, PP_INTERFACE_STEP) == 0 ? &step : NULL;
}

static const pp_plugin_descriptor descriptor = {
    sizeof(pp_plugin_descriptor), PP_ABI_MAJOR, PP_ABI_MINOR, "test.slow", "1.0.0",
    "Slow step", "Graceful-shutdown test fixture.", PP_KIND_STEP, get_interface,
};

PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
    (void)host;
    return &descriptor;
}
