/*
 * conformance_step.c — a step that keeps /etc/conformance.txt holding config "text", written
 * with the SDK, correct as built; each BREAK_* macro breaks exactly one promise that
 * `posternproxy plugins test` checks:
 *
 *   BREAK_EFFECT_IN_PLAN     plan writes a file
 *   BREAK_CHANGING_PLAN      plan's output differs from call to call
 *   BREAK_JOURNAL            apply's journal is not JSON
 *   BREAK_CONVERGENCE        plan always finds a change
 *   BREAK_ROLLBACK           rollback leaves the file as apply wrote it
 *   BREAK_CUT_JOURNAL        apply writes its journal in two pieces around the effect and
 *                            stops when cancelled between them
 *   BREAK_MALFORMED_CONFIG   plan crashes on a config without "text"
 *   BREAK_OVERSIZED_CONFIG   plan fails without a message on a long text
 */
#include "posternproxy_plugin_sdk.h"

#define PATH "/etc/conformance.txt"

static int text(const pp_call *call, pp_buffer *out) {
    pp_buffer_init(out);
#ifdef BREAK_MALFORMED_CONFIG
    if (pp_json_string(call->config, "text", out) != 1) return *(volatile int *)0;
#endif
    if (pp_json_string(call->config, "text", out) == 1) return 1;
    pp_fail(call, "config needs \"text\", a string");
    return 0;
}

static int32_t plan(const pp_call *call) {
    pp_buffer want, have;
    if (!text(call, &want)) return pp_buffer_free(&want), PP_FAILED;
#ifdef BREAK_OVERSIZED_CONFIG
    if (want.size > 4096) return pp_buffer_free(&want), PP_FAILED;
#endif
#ifdef BREAK_EFFECT_IN_PLAN
    pp_write_file(call, "/etc/planned", "x", 1, 0644);
#endif
    pp_buffer_init(&have);
    int32_t status = pp_read_file(call, PATH, &have);
    int same = status == PP_OK && pp_buffer_same(&have, &want);
#ifdef BREAK_CONVERGENCE
    same = 0;
#endif
#ifdef BREAK_CHANGING_PLAN
    static int calls;
    pp_writef(call->output, "{\"changes\": [\"write %d\"]}", same ? 0 : ++calls);
#else
    pp_write(call->output, same ? "{\"changes\": []}" : "{\"changes\": [\"write\"]}");
#endif
    pp_buffer_free(&want), pp_buffer_free(&have);
    return PP_OK;
}

static int32_t apply(const pp_call *call) {
    pp_buffer want, have;
    if (!text(call, &want)) return pp_buffer_free(&want), PP_FAILED;
    pp_buffer_init(&have);
    int32_t status = pp_read_file(call, PATH, &have);
#ifdef BREAK_JOURNAL
    pp_write(call->output, "previous: whatever");
#elif defined(BREAK_CUT_JOURNAL)
    pp_write(call->output, "{\"previous\": ");
    pp_write_file(call, PATH, want.data, want.size, 0644);
    if (call->host->is_cancelled(call->host)) return pp_buffer_free(&want), pp_buffer_free(&have), PP_CANCELLED;
    if (status == PP_OK) pp_write_json_string(call->output, have.data, have.size);
    pp_write(call->output, status == PP_OK ? "}" : "null}");
#else
    pp_write(call->output, "{\"previous\": ");
    if (status == PP_OK) pp_write_json_string(call->output, have.data, have.size);
    pp_write(call->output, status == PP_OK ? "}" : "null}");
#endif
    status = pp_write_file(call, PATH, want.data, want.size, 0644);
    pp_buffer_free(&want), pp_buffer_free(&have);
    return status == PP_OK ? PP_OK : pp_fail(call, "cannot write " PATH ": %s", pp_status_text(status));
}

static int32_t rollback(const pp_call *call) {
#ifdef BREAK_ROLLBACK
    (void)call;
    return PP_OK;
#else
    pp_buffer previous;
    pp_buffer_init(&previous);
    int found = pp_json_string(call->input, "previous", &previous);
    int32_t status = found == 1 ? pp_write_file(call, PATH, previous.data, previous.size, 0644)
                     : found == 0 ? pp_remove_file(call, PATH)
                                  : PP_OK;
    pp_buffer_free(&previous);
    return status == PP_OK ? PP_OK : pp_fail(call, "cannot restore " PATH ": %s", pp_status_text(status));
#endif
}

PP_STEP_PLUGIN("test.conformance", "1.0.0", "Conformance fixture", "Keeps a file holding a text; broken on purpose by BREAK_* macros.",
               plan, apply, NULL, rollback)
