/*
 * posternproxy_plugin_sdk.h — a header-only kit for writing PosternProxy plugins in C.
 *
 * It sits on top of posternproxy_plugin.h, which stays the whole contract: everything here is
 * plain C that a plugin compiles into itself, and nothing crosses the boundary that the ABI
 * header does not define. Include it instead of the ABI header; build with one command:
 *
 *     cc -shared -fPIC -I Sources/PluginAPI/include -o libmine.so mine.c
 *
 * What it gives
 * -------------
 *   pp_buffer                 a growing buffer that is also a pp_sink: pass &buffer.sink to
 *                             any host callback, read buffer.data (always NUL-terminated).
 *   pp_write / pp_writef      write text, or printf-formatted text, into a sink.
 *   pp_write_json_string      write text as a JSON string, every character JSON needs escaped.
 *   pp_fail                   write a formatted reason into the call's error sink; returns
 *                             PP_FAILED, so a function ends with `return pp_fail(call, ...)`.
 *   pp_log / pp_progress      a formatted log record or progress line.
 *   pp_json_string / _int / _bool / _has
 *                             read one member of a JSON object (the call's config, a plan, a
 *                             journal): the whole JSON grammar is checked, nested values are
 *                             skipped, strings are decoded with every escape (\uXXXX and
 *                             surrogate pairs to UTF-8).
 *   pp_json_member / pp_json_element / pp_json_text
 *                             locate a member of an object or an element of an array, and decode
 *                             a located string: how a renderer walks the desired state's lists.
 *   pp_read_file / pp_write_file / pp_remove_file / pp_file_info_of / pp_set_file_owner
 *                             the host's file services with NUL-terminated paths.
 *   pp_status_text            a status code as words, for messages.
 *   PP_STEP_PLUGIN(...)       the step table, interface lookup, descriptor and entry function of
 *                             a step plugin, so a plugin file holds only its four phases;
 *   PP_PROFILE_PLUGIN(...)    the same for a profile plugin and its actions function;
 *   PP_RENDERER_PLUGIN(...)   and for a renderer and its render function.
 *
 * Ownership: a pp_buffer and its bytes belong to the plugin; pp_buffer_free releases them.
 * Threading: every function is [call-thread], like the host callbacks it uses. The kit keeps no
 * global state.
 */

#ifndef POSTERNPROXY_PLUGIN_SDK_H
#define POSTERNPROXY_PLUGIN_SDK_H

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "posternproxy_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Buffers
 * ------------------------------------------------------------------------------------------- */

/** The most a pp_buffer holds unless its `limit` is set otherwise: 64 MiB. */
#define PP_BUFFER_DEFAULT_LIMIT ((uint64_t)64 << 20)

/**
 * A growing byte buffer that is also a sink. Initialize with pp_buffer_init, hand `&b.sink` to
 * host callbacks, free with pp_buffer_free. `data` is NUL-terminated after every write (the NUL
 * is not counted in `size`); it is NULL until the first write, so use pp_buffer_text to read it
 * as a string. A write past `limit` is refused whole with PP_TOO_LARGE and sets `overflowed`.
 */
typedef struct pp_buffer {
    pp_sink sink;
    char *data;
    uint64_t size;
    uint64_t capacity;
    uint64_t limit;
    int overflowed;
} pp_buffer;

static inline int32_t pp__buffer_write(const pp_sink *sink, const uint8_t *data, uint64_t size) {
    pp_buffer *b = (pp_buffer *)sink->context;
    if (size > b->limit || b->size > b->limit - size) {
        b->overflowed = 1;
        return PP_TOO_LARGE;
    }
    if (b->size + size + 1 > b->capacity) {
        uint64_t capacity = b->capacity ? b->capacity : 256;
        while (capacity < b->size + size + 1) capacity *= 2;
        char *grown = (char *)realloc(b->data, (size_t)capacity);
        if (!grown) {
            b->overflowed = 1;
            return PP_TOO_LARGE;
        }
        b->data = grown;
        b->capacity = capacity;
    }
    if (size) memcpy(b->data + b->size, data, (size_t)size);
    b->size += size;
    b->data[b->size] = '\0';
    return PP_OK;
}

/** Makes `b` an empty buffer with the default limit. */
static inline void pp_buffer_init(pp_buffer *b) {
    memset(b, 0, sizeof *b);
    b->sink.struct_size = sizeof(pp_sink);
    b->sink.context = b;
    b->sink.write = pp__buffer_write;
    b->limit = PP_BUFFER_DEFAULT_LIMIT;
}

/** Empties `b`, keeping its memory for the next writes. */
static inline void pp_buffer_clear(pp_buffer *b) {
    b->size = 0;
    b->overflowed = 0;
    if (b->data) b->data[0] = '\0';
}

/** Releases `b`'s memory; it is an empty buffer again afterwards. */
static inline void pp_buffer_free(pp_buffer *b) {
    free(b->data);
    pp_buffer_init(b);
}

/** The buffer's content as a NUL-terminated string ("" when empty). */
static inline const char *pp_buffer_text(const pp_buffer *b) { return b->data ? b->data : ""; }

/** The buffer's content as borrowed bytes. */
static inline pp_bytes pp_buffer_bytes(const pp_buffer *b) {
    pp_bytes bytes = {(const uint8_t *)b->data, b->size};
    return bytes;
}

/** Whether two buffers hold the same bytes. */
static inline int pp_buffer_same(const pp_buffer *a, const pp_buffer *b) {
    return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, (size_t)a->size) == 0);
}

/** Whether the buffer holds exactly `text`. */
static inline int pp_buffer_equals(const pp_buffer *b, const char *text) {
    size_t length = strlen(text);
    return b->size == length && (length == 0 || memcmp(b->data, text, length) == 0);
}

/* ---------------------------------------------------------------------------------------------
 * Writing text
 * ------------------------------------------------------------------------------------------- */

/** Writes a NUL-terminated string into `sink`. Returns the sink's status. */
static inline int32_t pp_write(const pp_sink *sink, const char *text) {
    return sink->write(sink, (const uint8_t *)text, strlen(text));
}

static inline int32_t pp__vwritef(const pp_sink *sink, const char *format, va_list arguments) {
    char small[512];
    va_list again;
    va_copy(again, arguments);
    int length = vsnprintf(small, sizeof small, format, arguments);
    int32_t status = PP_INVALID;
    if (length >= 0 && (size_t)length < sizeof small) {
        status = sink->write(sink, (const uint8_t *)small, (uint64_t)length);
    } else if (length >= 0) {
        char *large = (char *)malloc((size_t)length + 1);
        if (large) {
            vsnprintf(large, (size_t)length + 1, format, again);
            status = sink->write(sink, (const uint8_t *)large, (uint64_t)length);
            free(large);
        } else {
            status = PP_TOO_LARGE;
        }
    }
    va_end(again);
    return status;
}

/** Writes printf-formatted text into `sink`. Returns the sink's status. */
static inline int32_t pp_writef(const pp_sink *sink, const char *format, ...) __attribute__((format(printf, 2, 3)));
static inline int32_t pp_writef(const pp_sink *sink, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    int32_t status = pp__vwritef(sink, format, arguments);
    va_end(arguments);
    return status;
}

/** Writes `size` bytes of UTF-8 `text` as a JSON string, quotes included: `"`, `\` and control
 *  characters escaped. Returns the sink's status. */
static inline int32_t pp_write_json_string(const pp_sink *sink, const char *text, uint64_t size) {
    static const char hex[] = "0123456789abcdef";
    int32_t status = sink->write(sink, (const uint8_t *)"\"", 1);
    uint64_t run = 0;
    for (uint64_t i = 0; i < size && status == PP_OK; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (i > run) status = sink->write(sink, (const uint8_t *)text + run, i - run);
        char escape[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (status != PP_OK) break;
        if (c == '"' || c == '\\') {
            escape[1] = (char)c;
            status = sink->write(sink, (const uint8_t *)escape, 2);
        } else if (c == '\n') {
            status = sink->write(sink, (const uint8_t *)"\\n", 2);
        } else {
            status = sink->write(sink, (const uint8_t *)escape, 6);
        }
        run = i + 1;
    }
    if (status == PP_OK && size > run) status = sink->write(sink, (const uint8_t *)text + run, size - run);
    return status == PP_OK ? sink->write(sink, (const uint8_t *)"\"", 1) : status;
}

/** Writes the formatted reason into the call's error sink; returns PP_FAILED. */
static inline int32_t pp_fail(const pp_call *call, const char *format, ...) __attribute__((format(printf, 2, 3)));
static inline int32_t pp_fail(const pp_call *call, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    pp__vwritef(call->error, format, arguments);
    va_end(arguments);
    return PP_FAILED;
}

/** A formatted log record at `level` (PP_LOG_*). */
static inline void pp_log(const pp_call *call, int32_t level, const char *format, ...) __attribute__((format(printf, 3, 4)));
static inline void pp_log(const pp_call *call, int32_t level, const char *format, ...) {
    pp_buffer line;
    pp_buffer_init(&line);
    va_list arguments;
    va_start(arguments, format);
    pp__vwritef(&line.sink, format, arguments);
    va_end(arguments);
    call->host->log(call->host, level, pp_buffer_text(&line), line.size);
    pp_buffer_free(&line);
}

/** A formatted progress line, streamed to whoever watches the run. */
static inline void pp_progress(const pp_call *call, const char *format, ...) __attribute__((format(printf, 2, 3)));
static inline void pp_progress(const pp_call *call, const char *format, ...) {
    pp_buffer line;
    pp_buffer_init(&line);
    va_list arguments;
    va_start(arguments, format);
    pp__vwritef(&line.sink, format, arguments);
    va_end(arguments);
    call->host->progress(call->host, pp_buffer_text(&line), line.size);
    pp_buffer_free(&line);
}

/** A status code (PP_*) as words: "not found", "denied", ... */
static inline const char *pp_status_text(int32_t status) {
    switch (status) {
    case PP_OK: return "ok";
    case PP_SKIPPED: return "skipped";
    case PP_FAILED: return "failed";
    case PP_CANCELLED: return "cancelled";
    case PP_DENIED: return "denied in this phase";
    case PP_NOT_FOUND: return "not found";
    case PP_TOO_LARGE: return "too large";
    case PP_INVALID: return "invalid argument";
    default: return "unknown status";
    }
}

/* ---------------------------------------------------------------------------------------------
 * Reading JSON: one member of an object
 * ------------------------------------------------------------------------------------------- */

/** How deep arrays and objects may nest inside a value that is skipped. */
#define PP_JSON_MAX_DEPTH 64

typedef struct pp__json {
    const char *text;
    uint64_t size;
    uint64_t at;
} pp__json;

static inline void pp__json_space(pp__json *j) {
    while (j->at < j->size && (j->text[j->at] == ' ' || j->text[j->at] == '\n' || j->text[j->at] == '\r' || j->text[j->at] == '\t')) j->at++;
}

static inline int pp__json_hex4(pp__json *j, uint32_t *value) {
    if (j->size - j->at < 4) return 0;
    *value = 0;
    for (int i = 0; i < 4; i++) {
        char c = j->text[j->at++];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) return 0;
        *value = *value * 16 + (uint32_t)digit;
    }
    return 1;
}

static inline void pp__utf8(pp_buffer *out, uint32_t code) {
    uint8_t bytes[4];
    uint64_t count;
    if (code < 0x80) {
        bytes[0] = (uint8_t)code;
        count = 1;
    } else if (code < 0x800) {
        bytes[0] = (uint8_t)(0xC0 | code >> 6);
        bytes[1] = (uint8_t)(0x80 | (code & 0x3F));
        count = 2;
    } else if (code < 0x10000) {
        bytes[0] = (uint8_t)(0xE0 | code >> 12);
        bytes[1] = (uint8_t)(0x80 | (code >> 6 & 0x3F));
        bytes[2] = (uint8_t)(0x80 | (code & 0x3F));
        count = 3;
    } else {
        bytes[0] = (uint8_t)(0xF0 | code >> 18);
        bytes[1] = (uint8_t)(0x80 | (code >> 12 & 0x3F));
        bytes[2] = (uint8_t)(0x80 | (code >> 6 & 0x3F));
        bytes[3] = (uint8_t)(0x80 | (code & 0x3F));
        count = 4;
    }
    out->sink.write(&out->sink, bytes, count);
}

/* A string at j->at (its opening quote), decoded into `out` when `out` is not NULL. */
static inline int pp__json_string(pp__json *j, pp_buffer *out) {
    if (j->at >= j->size || j->text[j->at] != '"') return 0;
    j->at++;
    while (j->at < j->size) {
        unsigned char c = (unsigned char)j->text[j->at];
        if (c == '"') {
            j->at++;
            return !out || !out->overflowed;
        }
        if (c < 0x20) return 0;
        if (c != '\\') {
            uint64_t start = j->at;
            while (j->at < j->size && j->text[j->at] != '"' && j->text[j->at] != '\\' && (unsigned char)j->text[j->at] >= 0x20) j->at++;
            if (out) out->sink.write(&out->sink, (const uint8_t *)j->text + start, j->at - start);
            continue;
        }
        if (++j->at >= j->size) return 0;
        char escaped = j->text[j->at++];
        static const char escapes[] = "\"\\/bfnrt", meanings[] = "\"\\/\b\f\n\r\t";
        const char *simple = escaped ? strchr(escapes, escaped) : NULL;
        if (simple) {
            if (out) out->sink.write(&out->sink, (const uint8_t *)&meanings[simple - escapes], 1);
            continue;
        }
        uint32_t code;
        if (escaped != 'u' || !pp__json_hex4(j, &code)) return 0;
        if (code >= 0xDC00 && code <= 0xDFFF) return 0;
        if (code >= 0xD800 && code <= 0xDBFF) {
            uint32_t low;
            if (j->size - j->at < 2 || j->text[j->at] != '\\' || j->text[j->at + 1] != 'u') return 0;
            j->at += 2;
            if (!pp__json_hex4(j, &low) || low < 0xDC00 || low > 0xDFFF) return 0;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        if (out) pp__utf8(out, code);
    }
    return 0;
}

static inline int pp__json_value(pp__json *j, int depth);

/* The members or elements of an object or array at j->at, skipped. */
static inline int pp__json_container(pp__json *j, int depth) {
    char close = j->text[j->at] == '{' ? '}' : ']';
    if (depth > PP_JSON_MAX_DEPTH) return 0;
    j->at++;
    pp__json_space(j);
    if (j->at < j->size && j->text[j->at] == close) {
        j->at++;
        return 1;
    }
    for (;;) {
        if (close == '}') {
            if (!pp__json_string(j, NULL)) return 0;
            pp__json_space(j);
            if (j->at >= j->size || j->text[j->at++] != ':') return 0;
        }
        if (!pp__json_value(j, depth + 1)) return 0;
        pp__json_space(j);
        if (j->at >= j->size) return 0;
        char next = j->text[j->at++];
        if (next == close) return 1;
        if (next != ',') return 0;
        pp__json_space(j);
    }
}

/* One value at j->at (after white space), skipped. */
static inline int pp__json_value(pp__json *j, int depth) {
    pp__json_space(j);
    if (j->at >= j->size) return 0;
    char c = j->text[j->at];
    if (c == '"') return pp__json_string(j, NULL);
    if (c == '{' || c == '[') return pp__json_container(j, depth);
    static const char *const literals[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t length = strlen(literals[i]);
        if (j->size - j->at >= length && memcmp(j->text + j->at, literals[i], length) == 0) {
            j->at += length;
            return 1;
        }
    }
    uint64_t start = j->at;
    if (j->text[j->at] == '-') j->at++;
    if (j->at >= j->size || j->text[j->at] < '0' || j->text[j->at] > '9') return 0;
    if (j->text[j->at] == '0') j->at++;
    else while (j->at < j->size && j->text[j->at] >= '0' && j->text[j->at] <= '9') j->at++;
    if (j->at < j->size && j->text[j->at] == '.') {
        if (++j->at >= j->size || j->text[j->at] < '0' || j->text[j->at] > '9') return 0;
        while (j->at < j->size && j->text[j->at] >= '0' && j->text[j->at] <= '9') j->at++;
    }
    if (j->at < j->size && (j->text[j->at] == 'e' || j->text[j->at] == 'E')) {
        j->at++;
        if (j->at < j->size && (j->text[j->at] == '+' || j->text[j->at] == '-')) j->at++;
        if (j->at >= j->size || j->text[j->at] < '0' || j->text[j->at] > '9') return 0;
        while (j->at < j->size && j->text[j->at] >= '0' && j->text[j->at] <= '9') j->at++;
    }
    return j->at > start;
}

/**
 * Finds member `key` of the JSON object `json` (the whole of it must be one valid JSON object;
 * a repeated key's last value wins). On 1, [*start, *end) is the member's value. Returns 1 when
 * found, 0 when absent, -1 when `json` is not a valid JSON object.
 */
static inline int pp_json_member(pp_bytes json, const char *key, uint64_t *start, uint64_t *end) {
    pp__json j = {(const char *)json.data, json.data ? json.size : 0, 0};
    pp_buffer name;
    pp_buffer_init(&name);
    int found = 0;
    pp__json_space(&j);
    if (j.at >= j.size || j.text[j.at] != '{') return -1;
    j.at++;
    pp__json_space(&j);
    int result = -1;
    if (j.at < j.size && j.text[j.at] == '}') {
        j.at++;
        result = 0;
    } else {
        for (;;) {
            pp_buffer_clear(&name);
            if (!pp__json_string(&j, &name)) break;
            pp__json_space(&j);
            if (j.at >= j.size || j.text[j.at++] != ':') break;
            pp__json_space(&j);
            uint64_t value_start = j.at;
            if (!pp__json_value(&j, 1)) break;
            if (pp_buffer_equals(&name, key)) {
                found = 1;
                *start = value_start;
                *end = j.at;
            }
            pp__json_space(&j);
            if (j.at >= j.size) break;
            char next = j.text[j.at++];
            if (next == '}') {
                result = found;
                break;
            }
            if (next != ',') break;
            pp__json_space(&j);
        }
    }
    pp__json_space(&j);
    pp_buffer_free(&name);
    return result >= 0 && j.at == j.size ? result : -1;
}

/**
 * Finds element `index` (from 0) of the JSON array `json` (the whole of it must be one valid JSON
 * array). On 1, [*start, *end) is the element's value. Returns 1 when found, 0 when the array is
 * shorter, -1 when `json` is not a valid JSON array.
 */
static inline int pp_json_element(pp_bytes json, uint64_t index, uint64_t *start, uint64_t *end) {
    pp__json j = {(const char *)json.data, json.data ? json.size : 0, 0};
    pp__json_space(&j);
    if (j.at >= j.size || j.text[j.at] != '[') return -1;
    j.at++;
    pp__json_space(&j);
    int result = -1;
    if (j.at < j.size && j.text[j.at] == ']') {
        j.at++;
        result = 0;
    } else {
        int found = 0;
        for (uint64_t position = 0;; position++) {
            pp__json_space(&j);
            uint64_t value_start = j.at;
            if (!pp__json_value(&j, 1)) break;
            if (position == index) {
                found = 1;
                *start = value_start;
                *end = j.at;
            }
            pp__json_space(&j);
            if (j.at >= j.size) break;
            char next = j.text[j.at++];
            if (next == ']') {
                result = found;
                break;
            }
            if (next != ',') break;
        }
    }
    pp__json_space(&j);
    return result >= 0 && j.at == j.size ? result : -1;
}

/**
 * Decodes the JSON string `json` (one string value, as pp_json_member or pp_json_element locate
 * it) into `out` (cleared first). Returns 1, or -1 when `json` is not exactly one JSON string.
 */
static inline int pp_json_text(pp_bytes json, pp_buffer *out) {
    pp__json j = {(const char *)json.data, json.data ? json.size : 0, 0};
    pp_buffer_clear(out);
    pp__json_space(&j);
    if (j.at >= j.size || j.text[j.at] != '"' || !pp__json_string(&j, out)) return -1;
    pp__json_space(&j);
    return j.at == j.size ? 1 : -1;
}

/** Whether `json` is a valid JSON object with member `key`: 1, 0, or -1 when not an object. */
static inline int pp_json_has(pp_bytes json, const char *key) {
    uint64_t start, end;
    return pp_json_member(json, key, &start, &end);
}

/**
 * Reads string member `key` of the JSON object `json`, decoded, into `out` (cleared first).
 * Returns 1 when found, 0 when absent or null, -1 when `json` is not a valid object or the
 * member is neither a string nor null.
 */
static inline int pp_json_string(pp_bytes json, const char *key, pp_buffer *out) {
    uint64_t start, end;
    pp_buffer_clear(out);
    int found = pp_json_member(json, key, &start, &end);
    if (found != 1) return found;
    pp__json j = {(const char *)json.data, end, start};
    if (end - start == 4 && memcmp(j.text + start, "null", 4) == 0) return 0;
    return pp__json_string(&j, out) ? 1 : -1;
}

/** Reads integer member `key` into *value: 1 when found, 0 when absent, -1 when not an integer
 *  (or out of range) or `json` is not a valid object. */
static inline int pp_json_int(pp_bytes json, const char *key, long long *value) {
    uint64_t start, end;
    int found = pp_json_member(json, key, &start, &end);
    if (found != 1) return found;
    char digits[32];
    if (end - start >= sizeof digits) return -1;
    memcpy(digits, json.data + start, (size_t)(end - start));
    digits[end - start] = '\0';
    char *rest;
    errno = 0;
    long long read = strtoll(digits, &rest, 10);
    if (*rest != '\0' || errno == ERANGE) return -1;
    *value = read;
    return 1;
}

/** Reads boolean member `key` into *value (0 or 1): 1 when found, 0 when absent, -1 when not a
 *  boolean or `json` is not a valid object. */
static inline int pp_json_bool(pp_bytes json, const char *key, int *value) {
    uint64_t start, end;
    int found = pp_json_member(json, key, &start, &end);
    if (found != 1) return found;
    if (end - start == 4 && memcmp(json.data + start, "true", 4) == 0) *value = 1;
    else if (end - start == 5 && memcmp(json.data + start, "false", 5) == 0) *value = 0;
    else return -1;
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * The target's files
 * ------------------------------------------------------------------------------------------- */

/** Reads the whole file at `path` into `content` (cleared first): PP_OK, PP_NOT_FOUND, or the
 *  host's error status. */
static inline int32_t pp_read_file(const pp_call *call, const char *path, pp_buffer *content) {
    pp_buffer_clear(content);
    return call->host->read_file(call->host, path, strlen(path), &content->sink);
}

/** Replaces the file at `path` atomically with `size` bytes of `data` and permission bits
 *  `mode`. Needs PP_GRANT_WRITE (apply and rollback). */
static inline int32_t pp_write_file(const pp_call *call, const char *path, const void *data, uint64_t size, uint32_t mode) {
    pp_bytes content = {(const uint8_t *)data, size};
    return call->host->write_file(call->host, path, strlen(path), content, mode);
}

/** Removes the file at `path`; an absent file counts as removed (PP_OK). */
static inline int32_t pp_remove_file(const pp_call *call, const char *path) {
    int32_t status = call->host->remove_file(call->host, path, strlen(path));
    return status == PP_NOT_FOUND ? PP_OK : status;
}

/** Whether the host has the services of ABI 1.1 (file_info, set_file_owner). */
static inline int pp__host_has_1_1(const pp_call *call) {
    return call->host->struct_size >= offsetof(pp_host, set_file_owner) + sizeof call->host->set_file_owner;
}

/** The file's permission bits, owner and group into `info` (ABI 1.1): PP_OK, PP_NOT_FOUND, or
 *  the host's error status. */
static inline int32_t pp_file_info_of(const pp_call *call, const char *path, pp_file_info *info) {
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    if (!pp__host_has_1_1(call)) return PP_INVALID;
    return call->host->file_info(call->host, path, strlen(path), info);
}

/** Gives the file permission bits `mode` and owner `user`:`group` (ABI 1.1; needs
 *  PP_GRANT_WRITE): with pp_file_info_of, a file put back exactly. */
static inline int32_t pp_set_file_owner(const pp_call *call, const char *path, uint32_t mode, uint32_t user, uint32_t group) {
    if (!pp__host_has_1_1(call)) return PP_INVALID;
    return call->host->set_file_owner(call->host, path, strlen(path), mode, user, group);
}

/* ---------------------------------------------------------------------------------------------
 * The skeleton of a plugin
 * ------------------------------------------------------------------------------------------- */

/**
 * JSON written as C tokens, made a string literal: PP_JSON({"type": "string"}) is
 * "{\"type\": \"string\"}". For a declaration, which the host checks whole at load.
 */
#define PP_JSON(...) #__VA_ARGS__

/**
 * The plugin's declaration (pp_plugin_descriptor.declaration): its config's JSON Schema and what
 * it needs on the target. Define it before including this header; NULL when not defined:
 *
 *     #define PP_PLUGIN_DECLARATION PP_JSON({"config_schema": {"type": "object", "required": ["text"], \
 *         "properties": {"text": {"type": "string"}}}, "needs": {"writes": ["/etc/motd"]}})
 *     #include "posternproxy_plugin_sdk.h"
 */
#ifndef PP_PLUGIN_DECLARATION
#define PP_PLUGIN_DECLARATION NULL
#endif

/* The interface lookup, descriptor and exported entry function of a plugin of one kind whose
 * table is the static `pp__table`; the entry declines a host of another ABI major or an older
 * minor. */
#define PP__PLUGIN(ID, VERSION, NAME, DESCRIPTION, KIND, INTERFACE_ID)                                   \
    static const void *pp__get_interface(const char *interface_id) {                                     \
        return strcmp(interface_id, (INTERFACE_ID)) == 0 ? (const void *)&pp__table : NULL;               \
    }                                                                                                      \
    static const pp_plugin_descriptor pp__descriptor = {                                                  \
        sizeof(pp_plugin_descriptor), PP_ABI_MAJOR, PP_ABI_MINOR, (ID), (VERSION), (NAME), (DESCRIPTION), \
        (KIND), pp__get_interface, PP_PLUGIN_DECLARATION};                                                \
    PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {         \
        int compatible = host && host->abi_major == PP_ABI_MAJOR && (int64_t)host->abi_minor >= (int64_t)PP_ABI_MINOR; \
        return compatible ? &pp__descriptor : NULL;                                                        \
    }

/**
 * Defines everything of a step plugin but its phases: the pp_step_v1 table, the interface
 * lookup, the descriptor and the exported entry function. VERIFY and ROLLBACK may be NULL. Use
 * once per plugin, at file scope:
 *
 *     PP_STEP_PLUGIN("com.example.motd", "1.0.0", "Message of the day",
 *                    "Keeps a file holding a text.", plan, apply, verify, rollback)
 */
#define PP_STEP_PLUGIN(ID, VERSION, NAME, DESCRIPTION, PLAN, APPLY, VERIFY, ROLLBACK)                     \
    static const pp_step_v1 pp__table = {sizeof(pp_step_v1), (PLAN), (APPLY), (VERIFY), (ROLLBACK)};     \
    PP__PLUGIN(ID, VERSION, NAME, DESCRIPTION, PP_KIND_STEP, PP_INTERFACE_STEP)

/**
 * The same for a profile plugin: ACTIONS writes {"actions": [...]} for the host to execute.
 *
 *     PP_PROFILE_PLUGIN("com.example.banner", "1.0.0", "Banner", "Keeps a banner file.", actions)
 */
#define PP_PROFILE_PLUGIN(ID, VERSION, NAME, DESCRIPTION, ACTIONS)                                         \
    static const pp_profile_v1 pp__table = {sizeof(pp_profile_v1), (ACTIONS)};                            \
    PP__PLUGIN(ID, VERSION, NAME, DESCRIPTION, PP_KIND_PROFILE, PP_INTERFACE_PROFILE)

/**
 * The same for a renderer: RENDER turns the desired state (input) into the artifact (output) of
 * media type MEDIA_TYPE.
 *
 *     PP_RENDERER_PLUGIN("com.example.hosts", "1.0.0", "Hosts", "Lists the proxy hosts.", "text/plain", render)
 */
#define PP_RENDERER_PLUGIN(ID, VERSION, NAME, DESCRIPTION, MEDIA_TYPE, RENDER)                              \
    static const pp_renderer_v1 pp__table = {sizeof(pp_renderer_v1), (MEDIA_TYPE), (RENDER)};             \
    PP__PLUGIN(ID, VERSION, NAME, DESCRIPTION, PP_KIND_RENDERER, PP_INTERFACE_RENDERER)

#ifdef __cplusplus
}
#endif

#endif /* POSTERNPROXY_PLUGIN_SDK_H */
