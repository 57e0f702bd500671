/*
 * motd_plugin.c — an example PosternProxy step plugin in plain C: the template for plugin authors
 * (PLUGINS.md walks through it).
 *
 * Step "com.example.motd" makes sure a file on the target (default /etc/motd) holds a given text.
 * Pipeline configuration:
 *
 *     {"plugin": "com.example.motd", "config": {"text": "Managed by PosternProxy\n",
 *                                               "path": "/etc/motd"}}
 *
 *   plan     reads the file (no effects): no change when it already holds the text.
 *   apply    keeps the old content beside it (PATH.posternproxy-previous), then writes the text.
 *   verify   reads the file back.
 *   rollback puts the old content back, or removes the file when there was none.
 *
 * Build: cc -shared -fPIC -I Sources/PluginAPI/include -o libmotd.so motd_plugin.c
 * Check: posternproxy plugins check ./libmotd.so
 */

#include <stdio.h>
#include <string.h>

#include "posternproxy_plugin.h"

#define MAX_TEXT 4096
#define MAX_PATH 1024
#define PREVIOUS_SUFFIX ".posternproxy-previous"

/* --- small helpers ------------------------------------------------------------------------- */

/* A growable byte buffer that is also a pp_sink, so host callbacks can write into it. */
typedef struct buffer {
    pp_sink sink;
    char data[MAX_TEXT + 1];
    uint64_t size;
    int overflowed;
} buffer;

static int32_t buffer_write(const pp_sink *sink, const uint8_t *data, uint64_t size) {
    buffer *b = (buffer *)sink->context;
    if (b->size + size > MAX_TEXT) {
        b->overflowed = 1;
        return PP_TOO_LARGE;
    }
    memcpy(b->data + b->size, data, size);
    b->size += size;
    b->data[b->size] = '\0';
    return PP_OK;
}

static void buffer_init(buffer *b) {
    b->sink.struct_size = sizeof(pp_sink);
    b->sink.context = b;
    b->sink.write = buffer_write;
    b->size = 0;
    b->overflowed = 0;
    b->data[0] = '\0';
}

static void write_text(const pp_sink *sink, const char *text) {
    sink->write(sink, (const uint8_t *)text, strlen(text));
}

static int32_t fail(const pp_call *call, const char *message) {
    write_text(call->error, message);
    return PP_FAILED;
}

/*
 * Reads the string value of `key` from a flat JSON object into `out` (NUL-terminated).
 * Handles the escapes \" \\ \/ \n \t \r and \u00XX. Returns 1 when found, 0 when absent,
 * -1 when malformed or too long. Enough for a config object; a real plugin may link a JSON library.
 */
static int json_string(pp_bytes json, const char *key, char *out, size_t capacity) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *text = (const char *)json.data;
    size_t length = (size_t)json.size, plen = strlen(pattern);
    for (size_t i = 0; text && i + plen <= length; i++) {
        if (memcmp(text + i, pattern, plen) != 0) continue;
        size_t j = i + plen;
        while (j < length && (text[j] == ' ' || text[j] == ':' || text[j] == '\n' || text[j] == '\t')) j++;
        if (j >= length || text[j] != '"') return -1;
        size_t n = 0;
        for (j++; j < length && text[j] != '"'; j++) {
            char c = text[j];
            if (c == '\\') {
                if (++j >= length) return -1;
                switch (text[j]) {
                case 'n': c = '\n'; break;
                case 't': c = '\t'; break;
                case 'r': c = '\r'; break;
                case '"': case '\\': case '/': c = text[j]; break;
                case 'u': {
                    unsigned code;
                    if (j + 4 >= length || sscanf(text + j + 1, "%4x", &code) != 1 || code > 0x7f || code == 0) return -1;
                    c = (char)code;
                    j += 4;
                    break;
                }
                default: return -1;
                }
            }
            if (n + 1 >= capacity) return -1;
            out[n++] = c;
        }
        if (j >= length) return -1;
        out[n] = '\0';
        return 1;
    }
    return 0;
}

/* The step's settings, read from pp_call.config. */
typedef struct settings {
    char text[MAX_TEXT + 1];
    char path[MAX_PATH];
} settings;

static int read_settings(const pp_call *call, settings *s) {
    if (json_string(call->config, "text", s->text, sizeof s->text) != 1) return 0;
    int has_path = json_string(call->config, "path", s->path, sizeof s->path);
    if (has_path < 0) return 0;
    if (has_path == 0) strcpy(s->path, "/etc/motd");
    return s->path[0] == '/';
}

/* Reads `path` on the target. Returns PP_OK, PP_NOT_FOUND, or an error status. */
static int32_t read_target_file(const pp_call *call, const char *path, buffer *content) {
    buffer_init(content);
    return call->host->read_file(call->host, path, strlen(path), &content->sink);
}

/* --- the step ------------------------------------------------------------------------------ */

static int32_t motd_plan(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return fail(call, "config needs \"text\" (a string) and an absolute \"path\"");
    buffer current;
    int32_t status = read_target_file(call, s.path, &current);
    if (status != PP_OK && status != PP_NOT_FOUND) return fail(call, "cannot read the file");
    if (status == PP_OK && current.size == strlen(s.text) && memcmp(current.data, s.text, current.size) == 0) {
        write_text(call->output, "{\"changes\": []}");
        return PP_OK;
    }
    char line[MAX_PATH + 32];
    snprintf(line, sizeof line, "%s will be %s", s.path, status == PP_OK ? "replaced" : "created");
    call->host->progress(call->host, line, strlen(line));
    write_text(call->output, status == PP_OK ? "{\"changes\": [\"replace\"]}" : "{\"changes\": [\"create\"]}");
    return PP_OK;
}

static int32_t motd_apply(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return fail(call, "config needs \"text\" (a string) and an absolute \"path\"");
    buffer previous;
    int32_t status = read_target_file(call, s.path, &previous);
    char backup[MAX_PATH + sizeof PREVIOUS_SUFFIX];
    snprintf(backup, sizeof backup, "%s%s", s.path, PREVIOUS_SUFFIX);
    if (status == PP_OK) {
        pp_bytes old = {(const uint8_t *)previous.data, previous.size};
        if (call->host->write_file(call->host, backup, strlen(backup), old, 0644) != PP_OK)
            return fail(call, "cannot keep the previous content");
        write_text(call->output, "{\"previous\": \"kept\"}");
    } else if (status == PP_NOT_FOUND) {
        write_text(call->output, "{\"previous\": \"none\"}");
    } else {
        return fail(call, "cannot read the file");
    }
    pp_bytes text = {(const uint8_t *)s.text, strlen(s.text)};
    if (call->host->write_file(call->host, s.path, strlen(s.path), text, 0644) != PP_OK)
        return fail(call, "cannot write the file");
    return PP_OK;
}

static int32_t motd_verify(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return fail(call, "config needs \"text\" (a string) and an absolute \"path\"");
    buffer current;
    if (read_target_file(call, s.path, &current) != PP_OK || current.size != strlen(s.text) ||
        memcmp(current.data, s.text, current.size) != 0)
        return fail(call, "the file does not hold the text after apply");
    return PP_OK;
}

static int32_t motd_rollback(const pp_call *call) {
    settings s;
    if (!read_settings(call, &s)) return fail(call, "config needs \"text\" (a string) and an absolute \"path\"");
    char previous[16];
    if (json_string(call->input, "previous", previous, sizeof previous) != 1) return PP_OK; /* apply did nothing */
    if (strcmp(previous, "none") == 0) {
        int32_t status = call->host->remove_file(call->host, s.path, strlen(s.path));
        return status == PP_OK || status == PP_NOT_FOUND ? PP_OK : fail(call, "cannot remove the file");
    }
    char backup[MAX_PATH + sizeof PREVIOUS_SUFFIX];
    snprintf(backup, sizeof backup, "%s%s", s.path, PREVIOUS_SUFFIX);
    buffer old;
    if (read_target_file(call, backup, &old) != PP_OK) return fail(call, "the previous content is missing");
    pp_bytes bytes = {(const uint8_t *)old.data, old.size};
    if (call->host->write_file(call->host, s.path, strlen(s.path), bytes, 0644) != PP_OK)
        return fail(call, "cannot restore the file");
    call->host->remove_file(call->host, backup, strlen(backup));
    return PP_OK;
}

/* --- descriptor and entry ------------------------------------------------------------------ */

static const pp_step_v1 motd_step = {
    .struct_size = sizeof(pp_step_v1),
    .plan = motd_plan,
    .apply = motd_apply,
    .verify = motd_verify,
    .rollback = motd_rollback,
};

static const void *motd_get_interface(const char *interface_id) {
    if (strcmp(interface_id, PP_INTERFACE_STEP) == 0) return &motd_step;
    return NULL;
}

static const pp_plugin_descriptor motd_descriptor = {
    .struct_size = sizeof(pp_plugin_descriptor),
    .abi_major = PP_ABI_MAJOR,
    .abi_minor = PP_ABI_MINOR,
    .id = "com.example.motd",
    .version = "1.0.0",
    .name = "Message of the day (C example)",
    .description = "Keeps a file on the target holding a given text; the C template for plugin authors.",
    .kinds = PP_KIND_STEP,
    .get_interface = motd_get_interface,
};

PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
    if (host->abi_major != PP_ABI_MAJOR) return NULL;
    return &motd_descriptor;
}
