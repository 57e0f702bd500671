/*
 * motd_plugin.c — the example step plugin of PLUGINS.md, written with the SDK header.
 *
 * Step "com.example.motd" keeps a file on the target (default /etc/motd) holding a given text:
 *
 *     {"plugin": "com.example.motd", "config": {"text": "Managed by PosternProxy\n", "path": "/etc/motd"}}
 *
 *   plan     reads the file (no effects): no change when it already holds the text.
 *   apply    journals the file's old content, mode and owner (or that there was none), then
 *            writes the text (keeping the old mode; a new file gets 0644).
 *   verify   reads the file back.
 *   rollback puts the old file back exactly, or removes the file when apply created it.
 *
 * Build: cc -shared -fPIC -I Sources/PluginAPI/include -o libmotd.so motd_plugin.c
 * Check: posternproxy plugins check ./libmotd.so
 */

/* Shown to an admin before enabling; the host checks a step's config against the schema and fills in the default. */
#define PP_PLUGIN_DECLARATION PP_JSON({"needs": {"writes": ["/etc/motd"]}, "config_schema": {"type": "object", "required": ["text"], \
    "properties": {"text": {"type": "string", "title": "Text"}, "path": {"type": "string", "pattern": "^/", "default": "/etc/motd"}}}})
#include "posternproxy_plugin_sdk.h"

typedef struct settings {
    pp_buffer text, path, file;
    pp_file_info info;
    int32_t found; /* PP_OK or PP_NOT_FOUND: whether the file exists */
} settings;

static int32_t done(settings *s, int32_t status) {
    pp_buffer_free(&s->text), pp_buffer_free(&s->path), pp_buffer_free(&s->file);
    return status;
}

/* Reads the config and the file into `s` (whose buffers `done` frees); 0 after writing the reason. */
static int load(const pp_call *call, settings *s) {
    pp_buffer_init(&s->text), pp_buffer_init(&s->path), pp_buffer_init(&s->file);
    if (pp_json_string(call->config, "text", &s->text) != 1) return pp_fail(call, "config needs \"text\", a string"), 0;
    if (pp_json_string(call->config, "path", &s->path) != 1 || pp_buffer_text(&s->path)[0] != '/') return pp_fail(call, "config \"path\" must be an absolute path"), 0;
    s->found = pp_read_file(call, pp_buffer_text(&s->path), &s->file);
    if (s->found == PP_OK) s->found = pp_file_info_of(call, pp_buffer_text(&s->path), &s->info);
    if (s->found == PP_OK || s->found == PP_NOT_FOUND) return 1;
    return pp_fail(call, "cannot read %s: %s", pp_buffer_text(&s->path), pp_status_text(s->found)), 0;
}

static int32_t plan(const pp_call *call) {
    settings s;
    if (!load(call, &s)) return done(&s, PP_FAILED);
    if (s.found == PP_OK && pp_buffer_same(&s.file, &s.text)) return done(&s, pp_write(call->output, "{\"changes\": []}"));
    pp_progress(call, "%s will be %s", pp_buffer_text(&s.path), s.found == PP_OK ? "replaced" : "created");
    return done(&s, pp_writef(call->output, "{\"changes\": [\"%s\"]}", s.found == PP_OK ? "replace" : "create"));
}

static int32_t apply(const pp_call *call) {
    settings s;
    if (!load(call, &s)) return done(&s, PP_FAILED);
    /* The journal is whole before the first effect: rollback always finds it readable. */
    pp_write(call->output, "{\"previous\": ");
    if (s.found == PP_OK) pp_write_json_string(call->output, s.file.data, s.file.size);
    if (s.found == PP_OK) pp_writef(call->output, ", \"mode\": %u, \"user\": %u, \"group\": %u}", s.info.mode, s.info.user, s.info.group);
    else pp_write(call->output, "null}");
    int32_t status = pp_write_file(call, pp_buffer_text(&s.path), s.text.data, s.text.size, s.found == PP_OK ? s.info.mode : 0644);
    return done(&s, status == PP_OK ? PP_OK : pp_fail(call, "cannot write %s: %s", pp_buffer_text(&s.path), pp_status_text(status)));
}

static int32_t verify(const pp_call *call) {
    settings s;
    if (load(call, &s) && s.found == PP_OK && pp_buffer_same(&s.file, &s.text)) return done(&s, PP_OK);
    return done(&s, pp_fail(call, "%s does not hold the text after apply", pp_buffer_text(&s.path)));
}

static int32_t rollback(const pp_call *call) {
    settings s;
    long long mode, user, group;
    if (!load(call, &s)) return done(&s, PP_FAILED);
    if (pp_json_has(call->input, "previous") != 1) return done(&s, PP_OK); /* apply changed nothing */
    const char *path = pp_buffer_text(&s.path);
    int32_t status = pp_remove_file(call, path);
    if (pp_json_string(call->input, "previous", &s.file) == 1 && pp_json_int(call->input, "mode", &mode) == 1 &&
        pp_json_int(call->input, "user", &user) == 1 && pp_json_int(call->input, "group", &group) == 1) {
        status = pp_write_file(call, path, s.file.data, s.file.size, (uint32_t)mode);
        if (status == PP_OK) status = pp_set_file_owner(call, path, (uint32_t)mode, (uint32_t)user, (uint32_t)group);
    }
    return done(&s, status == PP_OK ? PP_OK : pp_fail(call, "cannot restore %s: %s", path, pp_status_text(status)));
}

PP_STEP_PLUGIN("com.example.motd", "1.0.0", "Message of the day (C example)",
               "Keeps a file on the target holding a given text; the C template for plugin authors.", plan, apply, verify, rollback)
