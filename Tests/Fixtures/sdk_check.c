/*
 * sdk_check.c — checks posternproxy_plugin_sdk.h's JSON reading and writing and its buffers.
 * Prints one line per failed check and exits 1 when any failed; prints "checked N" otherwise.
 */
#include "posternproxy_plugin_sdk.h"

static int checks, failures;

static void expect(int condition, const char *what) {
    checks++;
    if (!condition) {
        failures++;
        printf("FAILED: %s\n", what);
    }
}

static pp_bytes bytes(const char *text) {
    pp_bytes b = {(const uint8_t *)text, strlen(text)};
    return b;
}

/* pp_json_string of `key` in `json` returns `found` and, when 1, exactly `size` bytes `want`. */
static void expect_string(const char *json, const char *key, int found, const char *want, uint64_t size, const char *what) {
    pp_buffer out;
    pp_buffer_init(&out);
    int result = pp_json_string(bytes(json), key, &out);
    expect(result == found && (found != 1 || (out.size == size && memcmp(out.data, want, size) == 0)), what);
    pp_buffer_free(&out);
}

int main(void) {
    expect_string("{\"text\": \"hello\"}", "text", 1, "hello", 5, "a plain string");
    expect_string("{\"a\": {\"text\": \"inner\"}, \"text\": \"outer\"}", "text", 1, "outer", 5, "only top-level members count");
    expect_string("{\"text\": \"x\", \"text\": \"y\"}", "text", 1, "y", 1, "a repeated key's last value wins");
    expect_string("{\"te\\u0078t\": \"escaped key\"}", "text", 1, "escaped key", 11, "a key is compared decoded");
    expect_string("{\"t\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", "t", 1, "a\"b\\c/d\b\f\n\r\t", 12, "every simple escape");
    expect_string("{\"t\": \"\\u00e9\\u20ac\\ud83d\\ude00\"}", "t", 1, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\\u escapes and a surrogate pair to UTF-8");
    expect_string("{\"t\": \"nul\\u0000inside\"}", "t", 1, "nul\0inside", 10, "an escaped NUL is kept, with the size");
    expect_string("{\"t\": null}", "t", 0, "", 0, "null reads as absent");
    expect_string("{}", "t", 0, "", 0, "an empty object");
    expect_string("{\"t\": 5}", "t", -1, "", 0, "a number is not a string");
    expect_string("{\"t\": \"a\",}", "t", -1, "", 0, "a trailing comma is refused");
    expect_string("{\"t\": \"a\"} extra", "t", -1, "", 0, "text after the object is refused");
    expect_string("[\"t\"]", "t", -1, "", 0, "an array is not an object");
    expect_string("", "t", -1, "", 0, "empty input is refused");
    expect_string("{\"t\": \"\\ud83d\"}", "t", -1, "", 0, "a lone high surrogate is refused");
    expect_string("{\"t\": \"\\ude00\"}", "t", -1, "", 0, "a lone low surrogate is refused");
    expect_string("{\"t\": \"\\x41\"}", "t", -1, "", 0, "an unknown escape is refused");
    expect_string("{\"t\": \"line\nbreak\"}", "t", -1, "", 0, "a raw control character is refused");
    expect_string("{\"t\": \"unterminated}", "t", -1, "", 0, "an unterminated string is refused");
    expect_string("{\"t\": \"${env.HOME} $(id) `id` {http.request.host}\"}", "t", 1, "${env.HOME} $(id) `id` {http.request.host}", 42,
                  "placeholders and shell text are plain bytes");
    expect_string("{\"n\": [1, -2.5e+3, true, false, null, {\"x\": []}], \"t\": \"after\"}", "t", 1, "after", 5, "every kind of value is skipped");
    expect_string("{\"n\": 01, \"t\": \"a\"}", "t", -1, "", 0, "a number with a leading zero is refused");
    expect_string("{\"n\": 1., \"t\": \"a\"}", "t", -1, "", 0, "a number without fraction digits is refused");
    expect_string("{\"n\": tru, \"t\": \"a\"}", "t", -1, "", 0, "a cut literal is refused");

    /* Nesting deeper than PP_JSON_MAX_DEPTH is refused, not a stack overflow. */
    char deep[100000];
    size_t at = 0;
    at += (size_t)sprintf(deep, "{\"n\": ");
    for (int i = 0; i < 40000; i++) deep[at++] = '[';
    for (int i = 0; i < 40000; i++) deep[at++] = ']';
    strcpy(deep + at, ", \"t\": \"a\"}");
    expect_string(deep, "t", -1, "", 0, "deep nesting is refused");

    long long number = 0;
    int flag = -1;
    expect(pp_json_int(bytes("{\"port\": 8080}"), "port", &number) == 1 && number == 8080, "an integer");
    expect(pp_json_int(bytes("{\"port\": 1.5}"), "port", &number) == -1, "a fraction is not an integer");
    expect(pp_json_int(bytes("{\"port\": 99999999999999999999999}"), "port", &number) == -1, "an integer too long is refused");
    expect(pp_json_int(bytes("{}"), "port", &number) == 0, "an absent integer");
    expect(pp_json_bool(bytes("{\"on\": true}"), "on", &flag) == 1 && flag == 1, "true");
    expect(pp_json_bool(bytes("{\"on\": false}"), "on", &flag) == 1 && flag == 0, "false");
    expect(pp_json_bool(bytes("{\"on\": 1}"), "on", &flag) == -1, "1 is not a boolean");
    expect(pp_json_has(bytes("{\"previous\": null}"), "previous") == 1, "a null member is there");

    /* Written JSON strings read back as the same bytes, whatever they hold. */
    const char hostile[] = "quote\" backslash\\ newline\n tab\t bell\x07 nul\0 \xc3\xa9 end";
    pp_buffer written, back;
    pp_buffer_init(&written);
    pp_buffer_init(&back);
    pp_write(&written.sink, "{\"v\": ");
    pp_write_json_string(&written.sink, hostile, sizeof hostile - 1);
    pp_write(&written.sink, "}");
    expect(pp_json_string(pp_buffer_bytes(&written), "v", &back) == 1 && back.size == sizeof hostile - 1 &&
               memcmp(back.data, hostile, sizeof hostile - 1) == 0,
           "a written string reads back whole");
    expect(strstr(pp_buffer_text(&written), "\\u0007") != NULL && strstr(pp_buffer_text(&written), "\\u0000") != NULL,
           "control characters are written as \\u escapes");

    /* Lists are walked element by element, and a located string is decoded. */
    uint64_t start = 0, end = 0;
    pp_bytes list = bytes(" [\"a\", {\"b\": [1, 2]}, \"c\\u00e9\"] ");
    expect(pp_json_element(list, 1, &start, &end) == 1 && end - start == 13, "an element is located whole");
    expect(pp_json_element(list, 3, &start, &end) == 0, "past the end of a list");
    expect(pp_json_element(bytes("[]"), 0, &start, &end) == 0, "an empty list");
    expect(pp_json_element(bytes("[1,]"), 0, &start, &end) == -1, "a trailing comma is not a list");
    expect(pp_json_element(bytes("{\"a\": 1}"), 0, &start, &end) == -1, "an object is not a list");
    pp_buffer text;
    pp_buffer_init(&text);
    expect(pp_json_element(list, 2, &start, &end) == 1, "the third element");
    pp_bytes third = {list.data + start, end - start};
    expect(pp_json_text(third, &text) == 1 && pp_buffer_equals(&text, "c\xc3\xa9"), "a located string decoded");
    expect(pp_json_text(bytes("\"a\" 1"), &text) == -1 && pp_json_text(bytes("12"), &text) == -1, "only one whole string decodes");
    pp_buffer_free(&text);

    /* Buffers grow, and refuse a write past their limit whole. */
    pp_buffer limited;
    pp_buffer_init(&limited);
    limited.limit = 10;
    expect(pp_write(&limited.sink, "12345678") == PP_OK, "a write within the limit");
    expect(pp_write(&limited.sink, "abc") == PP_TOO_LARGE && limited.size == 8 && limited.overflowed, "a write past the limit is refused whole");
    expect(pp_writef(&written.sink, "%0*d", 5000, 7) == PP_OK && written.size > 5000, "a long formatted write");
    expect(strcmp(pp_status_text(PP_NOT_FOUND), "not found") == 0, "status words");
    pp_buffer_free(&written);
    pp_buffer_free(&back);
    pp_buffer_free(&limited);

    if (failures) return 1;
    printf("checked %d\n", checks);
    return 0;
}
