/*
 * recorder_step.c — a step plugin for the pipeline runner's tests. Its config (compact JSON, as
 * the host passes it) chooses its behaviour:
 *   "name":"s1"            reported in every progress line ("s1 plan", "s1 apply", ...)
 *   "skip":true            plan returns PP_SKIPPED
 *   "unchanged":true       plan reports no changes
 *   "fail":"plan|apply|verify"   that phase fails with "s1 failed in PHASE"
 *   "write_in_plan":true   plan tries to write a file, ignores PP_DENIED and returns PP_OK
 *   "run_in_plan":true     plan tries a non-probe command, ignores PP_DENIED and returns PP_OK
 *   "wait_for_cancel":true apply polls is_cancelled until it is set, then returns PP_CANCELLED
 *   "touch":"/path"        apply writes that file ("applied by NAME")
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "posternproxy_plugin.h"

static int has(const pp_bytes config, const char *token) {
    return config.data && memmem(config.data, config.size, token, strlen(token)) != NULL;
}

static void value(const pp_bytes config, const char *key, char *out, size_t capacity) {
    out[0] = '\0';
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = config.data ? memmem(config.data, config.size, pattern, strlen(pattern)) : NULL;
    if (!start) return;
    start += strlen(pattern);
    const char *end = memchr(start, '"', (const char *)config.data + config.size - start);
    size_t n = end ? (size_t)(end - start) : 0;
    if (n >= capacity) n = capacity - 1;
    memcpy(out, start, n);
    out[n] = '\0';
}

static void say(const pp_call *call, const char *phase) {
    char name[64], line[128];
    value(call->config, "name", name, sizeof name);
    snprintf(line, sizeof line, "%s %s", name, phase);
    call->host->progress(call->host, line, strlen(line));
}

static int32_t maybe_fail(const pp_call *call, const char *phase) {
    char failing[16];
    value(call->config, "fail", failing, sizeof failing);
    if (strcmp(failing, phase) != 0) return PP_OK;
    char name[64], message[128];
    value(call->config, "name", name, sizeof name);
    snprintf(message, sizeof message, "%s failed in %s", name, phase);
    call->error->write(call->error, (const uint8_t *)message, strlen(message));
    return PP_FAILED;
}

static void emit(const pp_sink *sink, const char *text) {
    sink->write(sink, (const uint8_t *)text, strlen(text));
}

static int32_t plan(const pp_call *call) {
    say(call, "plan");
    if (has(call->config, "\"skip\":true")) {
        emit(call->error, "not for this target");
        return PP_SKIPPED;
    }
    if (has(call->config, "\"write_in_plan\":true")) {
        const char *path = "/planned-write";
        pp_bytes content = {(const uint8_t *)"x", 1};
        if (call->host->write_file(call->host, path, strlen(path), content, 0644) == PP_DENIED) say(call, "write denied");
    }
    if (has(call->config, "\"run_in_plan\":true")) {
        const char *argv[] = {"touch", "/tmp/posternproxy-must-not-exist"};
        pp_command command = {sizeof(pp_command), 2, argv, {NULL, 0}, 0, 0};
        int32_t status = -1;
        if (call->host->run(call->host, &command, NULL, NULL, &status) == PP_DENIED) say(call, "run denied");
    }
    int32_t failed = maybe_fail(call, "plan");
    if (failed != PP_OK) return failed;
    emit(call->output, has(call->config, "\"unchanged\":true") ? "{\"changes\":[]}" : "{\"changes\":[\"one\"]}");
    return PP_OK;
}

static int32_t apply(const pp_call *call) {
    say(call, "apply");
    char name[64], journal[128], path[256];
    value(call->config, "name", name, sizeof name);
    snprintf(journal, sizeof journal, "{\"undo\":\"%s\"}", name);
    emit(call->output, journal);
    value(call->config, "touch", path, sizeof path);
    if (path[0]) {
        char text[128];
        snprintf(text, sizeof text, "applied by %s", name);
        pp_bytes content = {(const uint8_t *)text, strlen(text)};
        if (call->host->write_file(call->host, path, strlen(path), content, 0600) != PP_OK) return PP_FAILED;
    }
    if (has(call->config, "\"wait_for_cancel\":true")) {
        say(call, "waiting");
        /* Ten minutes: a test process whose threads are all busy (426 tests at once on two cores,
         * many of them waiting on child processes) has seen the progress line over two minutes late. */
        for (int i = 0; i < 60000 && !call->host->is_cancelled(call->host); i++) usleep(10000);
        return call->host->is_cancelled(call->host) ? PP_CANCELLED : PP_FAILED;
    }
    return maybe_fail(call, "apply");
}

static int32_t verify(const pp_call *call) {
    say(call, "verify");
    return maybe_fail(call, "verify");
}

static int32_t rollback(const pp_call *call) {
    char undo[64];
    value(call->input, "undo", undo, sizeof undo);
    char line[96];
    snprintf(line, sizeof line, "rollback %s", undo);
    call->host->progress(call->host, line, strlen(line));
    return PP_OK;
}

static const pp_step_v1 step = {sizeof(pp_step_v1), plan, apply, verify, rollback};

static const void *get_interface(const char *id) {
    return strcmp(id, PP_INTERFACE_STEP) == 0 ? &step : NULL;
}

static const pp_plugin_descriptor descriptor = {
    sizeof(pp_plugin_descriptor), PP_ABI_MAJOR, PP_ABI_MINOR, "com.example.recorder", "1.0.0",
    "Recorder", "Pipeline test fixture.", PP_KIND_STEP, get_interface,
};

PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host) {
    (void)host;
    return &descriptor;
}
