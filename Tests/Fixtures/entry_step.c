/*
 * entry_step.c — a step plugin whose descriptor and entry function the tests vary at build time,
 * for what a host must refuse before it runs anything:
 *
 *   -DABI_MAJOR=9        the descriptor says another ABI major
 *   -DCRASH_IN_ENTRY     the entry function writes through a null pointer
 */
#include <stddef.h>
#include <string.h>
#include "posternproxy_plugin.h"

#ifndef ABI_MAJOR
#define ABI_MAJOR PP_ABI_MAJOR
#endif

static int32_t plan(const pp_call *call) { (void)call; return PP_OK; }
static const pp_step_v1 step = { sizeof(pp_step_v1), plan, plan, NULL, NULL };
static const void *get_interface(const char *id) { return strcmp(id, PP_INTERFACE_STEP) == 0 ? &step : NULL; }
static const pp_plugin_descriptor descriptor = {
    .struct_size = sizeof(pp_plugin_descriptor), .abi_major = ABI_MAJOR, .abi_minor = PP_ABI_MINOR,
    .id = "com.example.entry", .version = "1.0.0", .name = "Entry", .description = "A step whose entry the tests vary.",
    .kinds = PP_KIND_STEP, .get_interface = get_interface,
};

PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
    (void)host;
#ifdef CRASH_IN_ENTRY
    volatile int *nowhere = NULL;
    *nowhere = 1;
#endif
    return &descriptor;
}
