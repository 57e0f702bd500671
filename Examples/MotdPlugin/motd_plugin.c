/*
 * motd_plugin.c — the example step plugin of PLUGINS.md, written with the SDK header.
 *
 * Step "com.example.motd" keeps a file on the target (default /etc/motd) holding a given text:
 *
 *     {"plugin": "com.example.motd", "config": {"text": "Managed by PosternProxy\n", "path": "/etc/motd"}}
 *
 *   plan     reads the file (no effects): no change when it already holds the text.
 *   apply    journals the file's old content (or that there was none), then writes the text.
 *   verify   reads the file back.
 *   rollback writes the old content back, or removes the file when apply created it.
 *
 * Build: cc -shared -fPIC -I Sources/PluginAPI/include -o libmotd.so motd_plugin.c
 * Check: posternproxy plugins check ./libmotd.so
 */

#include "posternproxy_plugin_sdk.h"

typedef struct settings {
    pp_buffer text, path, file;
} settings;

/* Reads the config into `s` (whose buffers `done` frees); 0 after writing the reason. */
static int read_settings(const pp_call *call, settings *s) {
    pp_buffer_init(&s->text), pp_buffer_init(&s->path), pp_buffer_init(&s->file);
    if (pp_json_string(call->config, "text", &s->text) != 1) return pp_fail(call, "config needs \"text\", a string"), 0;
    int has_path = pp_json_string(call->config, "path", &s->path);
    if (has_path == 0) pp_write(&s->path.sink, "/etc/motd");
    if (has_path < 0 || pp_buffer_text(&s->path)[0] != '/') return pp_fail(call, "config \"path\" must be an absolute path"), 0;
    return 1;
}

static int32_t done(settings *s, int32_t status) {
    pp_buffer_free(&s->text), pp_buffer_free(&s->path), pp_buffer_free(&s->file);
    return status;
}

/* Reads the file into s->file: PP_OK, PP_NOT_FOUND, or PP_FAILED with the reason written. */
static int32_t read_target(const pp_call *call, settings *s) {
    int32_t status = pp_read_file(call, pp_buffer_text(&s->path), &s->file);
    if (status == PP_OK || status == PP_NOT_FOUND) return status;
    return pp_fail(call, "cannot read %s: %s", pp_buffer_text(&s->path), pp_status_text(status));
}

static int32_t plan(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return done(&s, PP_FAILED);
    int32_t status = read_target(call, &s);
    if (status == PP_FAILED) return done(&s, PP_FAILED);
    if (status == PP_OK && pp_buffer_same(&s.file, &s.text)) return done(&s, pp_write(call->output, "{\"changes\": []}"));
    const char *change = status == PP_OK ? "replace" : "create";
    pp_progress(call, "%s will be %sd", pp_buffer_text(&s.path), change);
    return done(&s, pp_writef(call->output, "{\"changes\": [\"%s\"]}", change));
}

static int32_t apply(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return done(&s, PP_FAILED);
    int32_t status = read_target(call, &s);
    if (status == PP_FAILED) return done(&s, PP_FAILED);
    /* The journal is whole before the first effect: rollback always finds it readable. */
    pp_write(call->output, "{\"previous\": ");
    if (status == PP_OK) pp_write_json_string(call->output, s.file.data, s.file.size);
    pp_write(call->output, status == PP_OK ? "}" : "null}");
    status = pp_write_file(call, pp_buffer_text(&s.path), s.text.data, s.text.size, 0644);
    return done(&s, status == PP_OK ? PP_OK : pp_fail(call, "cannot write %s: %s", pp_buffer_text(&s.path), pp_status_text(status)));
}

static int32_t verify(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return done(&s, PP_FAILED);
    if (read_target(call, &s) == PP_OK && pp_buffer_same(&s.file, &s.text)) return done(&s, PP_OK);
    return done(&s, pp_fail(call, "%s does not hold the text after apply", pp_buffer_text(&s.path)));
}

static int32_t rollback(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return done(&s, PP_FAILED);
    if (pp_json_has(call->input, "previous") != 1) return done(&s, PP_OK); /* apply changed nothing */
    int32_t status = pp_json_string(call->input, "previous", &s.file) == 1
                         ? pp_write_file(call, pp_buffer_text(&s.path), s.file.data, s.file.size, 0644)
                         : pp_remove_file(call, pp_buffer_text(&s.path));
    return done(&s, status == PP_OK ? PP_OK : pp_fail(call, "cannot restore %s: %s", pp_buffer_text(&s.path), pp_status_text(status)));
}

PP_STEP_PLUGIN("com.example.motd", "1.0.0", "Message of the day (C example)",
               "Keeps a file on the target holding a given text; the C template for plugin authors.", plan, apply, verify, rollback)
