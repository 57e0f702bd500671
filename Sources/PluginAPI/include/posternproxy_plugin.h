/*
 * posternproxy_plugin.h — the PosternProxy plugin ABI, version 1.1.
 *
 * This header is the whole contract between a PosternProxy host (the controller, the agent and
 * the `posternproxy` command) and a plugin (a shared object loaded with dlopen). A plugin author
 * needs nothing else: no Swift type crosses this boundary, only the C types declared here.
 *
 * Shape of the contract
 * ---------------------
 * - A plugin exports exactly one function, `posternproxy_plugin_entry_v1` (the ABI major is part
 *   of its name, forever). The host calls it once and receives a static descriptor: ABI version,
 *   a stable reverse-DNS id, the plugin's own version, a human name, its kinds and a function that
 *   looks up interfaces by string id ("posternproxy.step/1").
 * - Structures frame the call, JSON carries the content, callbacks perform the effects. Desired
 *   state, plans, results and undo journals are UTF-8 JSON passed as (pointer, size). Every side
 *   effect — a log line, a progress line, running a command, reading or writing a file — goes
 *   through a host callback; a plugin never touches the system on its own behalf.
 * - Versioning: major.minor. A host refuses a plugin whose major differs, or whose minor is newer
 *   than the host's. Minor versions only append fields at the end of structures; every structure
 *   the other side reads begins with `struct_size`, so a reader knows which fields exist: a host
 *   reads a plugin's descriptor and tables by the plugin's `struct_size` (at least their 1.0
 *   size), fields beyond it are absent (NULL, 0), and fields the host does not know are ignored.
 *   So a plugin built against an older minor loads on a newer host.
 * - Only fixed-width integers; no C enums (their size is the compiler's choice).
 *
 * Ownership
 * ---------
 * Nothing allocated on one side is freed on the other. Inputs are borrowed for the duration of the
 * call that receives them. Outputs are written into host-owned sinks (pp_sink), which copy the
 * bytes before returning. Descriptors and interface tables are static data of the plugin and must
 * stay valid until the process exits: hosts never unload a plugin (dlclose is never called). The
 * only plugin-owned object a host ever holds is a transport session, which the host gives back to
 * the plugin's `close` function.
 *
 * Threading
 * ---------
 * Each function states who calls it and from which thread:
 *   [any-thread]   may be called from any thread, including several at once;
 *   [call-thread]  host callbacks: only from the thread that is executing the plugin call that
 *                  received them, and only until that call returns;
 *   [once]         called once per process, before any other function of the plugin.
 * Plugin functions must not throw C++ exceptions, longjmp, or unwind across this boundary.
 */

#ifndef POSTERNPROXY_PLUGIN_H
#define POSTERNPROXY_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Versions and names
 * ------------------------------------------------------------------------------------------- */

/** ABI major: a change here breaks every plugin; the entry symbol's name changes with it. */
#define PP_ABI_MAJOR 1
/** ABI minor: appends only. A plugin built against minor N needs a host with minor >= N.
 *  1.1 appended pp_host.file_info and pp_host.set_file_owner; 1.2 pp_plugin_descriptor.declaration;
 *  1.3 pp_host.http_begin and pp_host.http_answer; 1.4 pp_host.follow_file. */
#define PP_ABI_MINOR 4

/** The one symbol a plugin exports. */
#define PP_ENTRY_SYMBOL "posternproxy_plugin_entry_v1"

/** Marks the entry function as exported, whatever the compiler's default visibility. */
#define PP_EXPORT __attribute__((visibility("default")))

/* ---------------------------------------------------------------------------------------------
 * Status codes, returned by plugin functions and host callbacks
 * ------------------------------------------------------------------------------------------- */

#define PP_OK 0          /**< Done. */
#define PP_SKIPPED 1     /**< plan: this step does not apply here; the host records "skipped". */
#define PP_FAILED 2      /**< Failed; a plugin writes the reason into the call's error sink. */
#define PP_CANCELLED 3   /**< Stopped because is_cancelled() said so. */
#define PP_DENIED 4      /**< Host callback: the service is not granted in this phase. */
#define PP_NOT_FOUND 5   /**< Host callback: no such file, or no such interface. */
#define PP_TOO_LARGE 6   /**< Host callback: a size cap was reached (sink, file, command output). */
#define PP_INVALID 7     /**< Host callback: malformed argument (bad path, empty argv, ...). */

/* ---------------------------------------------------------------------------------------------
 * Kinds: what a plugin is for. A bit set in pp_plugin_descriptor.kinds.
 * Each kind is served by one interface, looked up with get_interface().
 * ------------------------------------------------------------------------------------------- */

/** Pure function: desired state JSON -> artifact (Caddy JSON, an iptables ruleset, ...). */
#define PP_KIND_RENDERER (1u << 0)
/** A pipeline step: plan -> apply -> verify, rollback on failure. */
#define PP_KIND_STEP (1u << 1)
/** A declarative list of actions that the host itself executes, diffs and reverts. */
#define PP_KIND_PROFILE (1u << 2)
/** Runs commands and moves files on a target (for example over SSH). */
#define PP_KIND_TRANSPORT (1u << 3)

#define PP_INTERFACE_RENDERER "posternproxy.renderer/1"
#define PP_INTERFACE_STEP "posternproxy.step/1"
#define PP_INTERFACE_PROFILE "posternproxy.profile/1"
#define PP_INTERFACE_TRANSPORT "posternproxy.transport/1"
#define PP_INTERFACE_DESCRIBE "posternproxy.describe/1"

/* Log levels for pp_host.log. */
#define PP_LOG_DEBUG 0
#define PP_LOG_INFO 1
#define PP_LOG_WARNING 2
#define PP_LOG_ERROR 3

/* ---------------------------------------------------------------------------------------------
 * Byte buffers
 * ------------------------------------------------------------------------------------------- */

/**
 * A borrowed, read-only run of bytes (usually UTF-8 JSON, not NUL-terminated).
 * Ownership: the side that passes it keeps it; the receiver may read it only during the call
 * and must copy what it wants to keep. `data` may be NULL when `size` is 0.
 */
typedef struct pp_bytes {
    const uint8_t *data;
    uint64_t size;
} pp_bytes;

/**
 * A host-owned output buffer. The plugin appends bytes with write(); the host copies them before
 * write() returns, so the plugin may free or reuse its buffer at once. Several writes append.
 * Ownership: host. Threading: [call-thread].
 */
typedef struct pp_sink {
    uint32_t struct_size;
    /** Host data; plugins leave it alone. */
    void *context;
    /** Appends `size` bytes. Returns PP_OK, or PP_TOO_LARGE when the host's cap is reached
     *  (nothing of this write is kept then). */
    int32_t (*write)(const struct pp_sink *sink, const uint8_t *data, uint64_t size);
} pp_sink;

/* ---------------------------------------------------------------------------------------------
 * What the host tells the plugin about itself
 * ------------------------------------------------------------------------------------------- */

/**
 * Passed to the entry function. Ownership: host; valid only during the entry call.
 * A plugin that cannot work with this host returns NULL from its entry function; the host then
 * refuses it with a message that says so.
 */
typedef struct pp_host_info {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    /** "posternproxy", "posternproxy-agent", ... NUL-terminated UTF-8. */
    const char *host_name;
    /** The host's own version, NUL-terminated. */
    const char *host_version;
} pp_host_info;

/* ---------------------------------------------------------------------------------------------
 * Host services: the only way a plugin acts on the world
 * ------------------------------------------------------------------------------------------- */

/** A command may run during plan: it only observes (for example `id caddy`, `iptables-save`).
 *  Without this flag, run() is an effect and is denied while planning. */
#define PP_RUN_PROBE (1u << 0)
/** Do not stream the command's output as progress lines (it may contain secrets). */
#define PP_RUN_QUIET (1u << 1)

/**
 * A command to run on the call's target, as an argument vector — never a shell string.
 * Ownership: the plugin; borrowed by the host for the duration of run().
 */
typedef struct pp_command {
    uint32_t struct_size;
    /** Number of entries in argv; at least 1. */
    uint32_t argc;
    /** NUL-terminated UTF-8 strings; argv[0] is the program (looked up on the target's PATH). */
    const char *const *argv;
    /** Bytes written to the command's standard input, then closed. */
    pp_bytes standard_input;
    /** PP_RUN_* bits. */
    uint32_t flags;
    /** 0 = the host's default timeout. */
    uint32_t timeout_ms;
} pp_command;

/**
 * An HTTP/1.1 request to a service of the target that listens on a unix socket, such as Caddy's
 * admin API. Ownership: the plugin; borrowed by the host for the duration of http().
 */
typedef struct pp_http_request {
    uint32_t struct_size;
    /** Absolute path of the unix socket, NUL-terminated. */
    const char *socket_path;
    /** "GET", "POST", "DELETE", ... NUL-terminated. */
    const char *method;
    /** Request target, "/load" or "/config/", NUL-terminated; no spaces or control characters. */
    const char *path;
    /** Content-Type of the body, NUL-terminated, or NULL for none. */
    const char *content_type;
    pp_bytes body;
    /** 0 = the host's default timeout. */
    uint32_t timeout_ms;
} pp_http_request;

/**
 * What pp_host.file_info reports about a file (ABI 1.1). Ownership: the plugin's; the host
 * writes only the fields that `struct_size` (set by the plugin) covers.
 */
typedef struct pp_file_info {
    uint32_t struct_size;
    /** Permission bits, set-id and sticky bits included (e.g. 0644). */
    uint32_t mode;
    /** Owner and group, as numbers. */
    uint32_t user;
    uint32_t group;
} pp_file_info;

/** Bits of pp_host.granted: the effects this call may perform. */
#define PP_GRANT_RUN (1u << 0)   /**< run() without PP_RUN_PROBE. */
#define PP_GRANT_WRITE (1u << 1) /**< write_file() and remove_file(). */
#define PP_GRANT_TARGET (1u << 2) /**< The call has a target at all (run probes, read files). */

/**
 * The host's services for one plugin call. Ownership: host; valid only during that call.
 * Threading: every callback is [call-thread].
 *
 * Effects depend on the phase. While planning (and always for renderers and profiles) the write
 * services return PP_DENIED and the host records that the plugin tried; `granted` tells the
 * plugin in advance what will work. Every callback is always present (never NULL).
 */
typedef struct pp_host {
    uint32_t struct_size;
    /** Host data; plugins pass the pp_host pointer back unchanged and leave this alone. */
    void *context;
    /** PP_GRANT_* bits for this call. */
    uint32_t granted;

    /** Writes one log record (PP_LOG_* level). The message is UTF-8, `size` bytes. */
    void (*log)(const struct pp_host *host, int32_t level, const char *message, uint64_t size);

    /** Reports one line of progress, streamed to whoever watches the pipeline (the browser's
     *  terminal panel). No trailing newline needed. */
    void (*progress)(const struct pp_host *host, const char *line, uint64_t size);

    /** Returns 1 when the run has been cancelled; a long plugin polls it and returns
     *  PP_CANCELLED at its next safe point. Returns 0 otherwise. */
    int32_t (*is_cancelled)(const struct pp_host *host);

    /** Runs a command on the target and waits for it. Standard output is appended to `output`
     *  and standard error to `errors` (either may be NULL to discard); both are also streamed as
     *  progress lines unless PP_RUN_QUIET is set. On PP_OK, *exit_status holds the exit code
     *  (128 + signal when killed). Returns PP_DENIED for a non-probe command without
     *  PP_GRANT_RUN, PP_INVALID for an empty argv, PP_CANCELLED, or PP_FAILED (could not start
     *  it, or timed out; the reason is logged). */
    int32_t (*run)(const struct pp_host *host, const pp_command *command, const pp_sink *output,
                   const pp_sink *errors, int32_t *exit_status);

    /** Reads a whole file of the target into `content`. Returns PP_NOT_FOUND when it does not
     *  exist. `path` is absolute, UTF-8, `path_size` bytes. */
    int32_t (*read_file)(const struct pp_host *host, const char *path, uint64_t path_size,
                         const pp_sink *content);

    /** Replaces a file on the target atomically (write beside it, then rename) with `mode`
     *  permission bits (e.g. 0600), creating missing parent folders (0755). Needs
     *  PP_GRANT_WRITE. */
    int32_t (*write_file)(const struct pp_host *host, const char *path, uint64_t path_size,
                          pp_bytes content, uint32_t mode);

    /** Removes a file on the target; PP_NOT_FOUND when it was absent. Needs PP_GRANT_WRITE. */
    int32_t (*remove_file)(const struct pp_host *host, const char *path, uint64_t path_size);

    /** Sends an HTTP request over a unix socket of the target and waits for the answer. The
     *  response body is appended to `response_body` (may be NULL) in pieces as it arrives (a
     *  write the sink refuses stops the request, and http() returns that status), and its
     *  status code stored in
     *  *http_status. GET and HEAD only observe and work while planning; other methods need
     *  PP_GRANT_RUN. Returns PP_OK whatever the HTTP status, PP_FAILED when the service cannot be
     *  reached or answers something that is not HTTP (the reason is logged). Each request has
     *  its own connection, so a plugin's `response_body` sink may itself call the host's
     *  services, another http() included, while the rest of the answer waits to be read. */
    int32_t (*http)(const struct pp_host *host, const pp_http_request *request,
                    const pp_sink *response_body, int32_t *http_status);

    /* ABI 1.1. A plugin built against 1.1 is loaded only by hosts of 1.1 or newer, which set
     * both; one built against 1.0 does not know them. */

    /** A file's permission bits, owner and group, without its content, into `info`.
     *  Returns PP_NOT_FOUND when it does not exist. Works while planning: with read_file, what
     *  a step keeps in its journal to put a file back exactly. */
    int32_t (*file_info)(const struct pp_host *host, const char *path, uint64_t path_size,
                         pp_file_info *info);

    /** Gives a file permission bits `mode` and owner `user`:`group` (numbers), as rollback
     *  does to restore a file write_file put back. Needs PP_GRANT_WRITE. */
    int32_t (*set_file_owner)(const struct pp_host *host, const char *path, uint64_t path_size,
                              uint32_t mode, uint32_t user, uint32_t group);

    /* ABI 1.3. */

    /** Sends an HTTP request as http() does, with the same grants, and returns once it is sent,
     *  without waiting for the answer: the service works on it while the plugin goes on, and
     *  http_answer() reads the answer later. *request_id receives a number for it.
     *  Ownership: the host holds the request's connection, for this call and for the later
     *  calls of the same step within the same pipeline run (the apply after a plan, the verify
     *  after an apply), and closes it unread when that step's plan, apply and verify are over.
     *  Returns PP_OK once the whole request is sent, PP_DENIED, PP_INVALID, or PP_FAILED when the
     *  service cannot be reached or the target cannot begin requests (the reason is logged). */
    int32_t (*http_begin)(const struct pp_host *host, const pp_http_request *request,
                          uint64_t *request_id);

    /** Reads the answer of a request http_begin() sent, as http() reads one (the body to
     *  `response_body` in pieces, which may call the host's services, the status code to
     *  *http_status), and closes it: each request is answered once. A NULL `response_body`
     *  closes it without reading. Needs no grant: the request was checked when it was sent.
     *  Returns what http() returns, or PP_NOT_FOUND for an id this step does not hold (never
     *  begun, answered already, or begun by another step or run). */
    int32_t (*http_answer)(const struct pp_host *host, uint64_t request_id,
                           const pp_sink *response_body, int32_t *http_status);

    /* ABI 1.4. */

    /** Appends to `content` what was written to a file of the target since the previous call
     *  for the same path, at most `max_size` bytes (the rest comes at the next call), as
     *  `tail -F` follows a log: when the file is rolled or replaced (its path names another
     *  file), the one followed so far is read to its end first, then the new one from its
     *  start; when it is cut short, it is read again from its start. The first call for a path
     *  starts at the file's end and appends nothing (a file that does not exist yet is read
     *  from its start once it does), so what was written before a process began following is
     *  never handed out. Ownership: the host holds the followed file open between calls, one
     *  position per path for the whole process (so one plugin follows a given path), and closes
     *  it only when following moves to the next file. Works while planning (it only observes).
     *  Returns PP_OK, PP_NOT_FOUND while the file does not exist, PP_TOO_LARGE when the sink
     *  refused bytes (they are handed out again), PP_DENIED without PP_GRANT_TARGET, or
     *  PP_FAILED (a target that cannot follow files, or a read error; the reason is logged). */
    int32_t (*follow_file)(const struct pp_host *host, const char *path, uint64_t path_size,
                           uint64_t max_size, const pp_sink *content);
} pp_host;

/* ---------------------------------------------------------------------------------------------
 * One call into a plugin
 * ------------------------------------------------------------------------------------------- */

/**
 * Everything a plugin function receives. Ownership: host; every pointer is valid only during the
 * call. `config` is this plugin's configuration from the pipeline definition (a JSON value,
 * `{}` when none was given). What `input` and `output` hold depends on the function (see each
 * interface). On PP_FAILED, the plugin writes a one-line, human-readable reason into `error`.
 */
typedef struct pp_call {
    uint32_t struct_size;
    const pp_host *host;
    pp_bytes config;
    pp_bytes input;
    const pp_sink *output;
    const pp_sink *error;
} pp_call;

/* ---------------------------------------------------------------------------------------------
 * Interfaces
 * ------------------------------------------------------------------------------------------- */

/**
 * "posternproxy.renderer/1": a pure transformation. Threading: [any-thread]. The host grants no
 * effects; a renderer must give the same output for the same input.
 */
typedef struct pp_renderer_v1 {
    uint32_t struct_size;
    /** Media type of the artifact: "application/json", "text/plain", ... Static string. */
    const char *media_type;
    /** input: desired state JSON. output: the artifact. */
    int32_t (*render)(const pp_call *call);
} pp_renderer_v1;

/**
 * "posternproxy.step/1": one step of a pipeline. Threading: [any-thread]; the host never calls
 * two functions of one step of one pipeline run at once. A step keeps no state between calls: all
 * state travels as JSON through the host (plan, journal, result). The one exception is a cache
 * whose loss changes nothing but speed: a step must behave the same in a fresh process, on
 * another host or after a restart, when the cache is empty (the Caddy step remembers the config
 * it last loaded so a rollback need not ask Caddy for it, and asks Caddy when it has none).
 *
 * For each step, in pipeline order, the host calls:
 *   plan     — no effects granted (probes and reads only). input: the pipeline's input JSON
 *              (for apply pipelines, the desired state). output: a plan JSON object
 *              {"changes": [ ... ]}; an empty list means the step has nothing to do, and the host
 *              then calls neither apply nor verify. Return PP_SKIPPED when the step does not apply
 *              to this target at all (the host reports it as skipped, never as succeeded).
 *   apply    — effects granted. input: the plan. output: a journal, whatever rollback needs to
 *              undo what apply did: one JSON value, or JSON Lines (one whole JSON value per line,
 *              each ending in '\n'). Write each record before the effect it undoes: the journal is
 *              kept even if apply fails, is cancelled or crashes.
 *   verify   — probes and reads only. input: the plan. Returns PP_FAILED when the change did not
 *              take effect. May be NULL when there is nothing to check.
 *   rollback — effects granted. input: the journal apply wrote, cut back to its whole records when
 *              it is not one whole JSON value (empty when none was whole). Called in reverse pipeline order
 *              for every step whose apply was called, when a later phase fails or the run is
 *              cancelled. May be NULL for a step that changes nothing worth undoing.
 * Applying twice converges: after a successful apply, plan reports no changes.
 */
typedef struct pp_step_v1 {
    uint32_t struct_size;
    int32_t (*plan)(const pp_call *call);
    int32_t (*apply)(const pp_call *call);
    int32_t (*verify)(const pp_call *call);
    int32_t (*rollback)(const pp_call *call);
} pp_step_v1;

/**
 * "posternproxy.describe/1": what a step plugin finds on the target it drives, so hosts need not
 * know how to ask (the controller records it for the local server, an agent reports it in hello,
 * and both pass it back in the step's config so the step need not ask again at every apply).
 * Optional: a plugin without it describes nothing. Threading: [any-thread]. Probes and reads only,
 * as for plan. config: the step's config from the pipeline. input: {} for what runs, or
 * {"health": true} for how it is doing now (asked every 30 s: no costly probe). output: a JSON
 * object; hosts read the members they know and ignore the rest:
 *   for {}:      "version": what runs, as its own tool prints it ("v2.11.1");
 *                "modules": the names of the modules it has (["http", "layer4", ...]);
 *   for health:  "running": whether it answers; "upstreams": [{"address", "requests", "fails"}].
 * A provisioning profile answers {} with where it keeps what the controller must read back:
 *   "agent_config": {"path", "token_variable"}: the file it writes the agent's settings to and
 *                the NAME of the NAME=value line that holds the agent's token (the controller
 *                keeps a still-valid token when it provisions the server again).
 * Returns PP_FAILED with an error when the target cannot be inspected (the binary is missing).
 */
typedef struct pp_describe_v1 {
    uint32_t struct_size;
    int32_t (*describe)(const pp_call *call);
} pp_describe_v1;

/**
 * "posternproxy.profile/1": a hardening profile as data. Threading: [any-thread]. No effects are
 * granted: the plugin only describes; the host executes each action, diffs it against the target
 * and can revert it. input: the profile's parameters (JSON). output: {"actions": [ ... ]}, where
 * each action is one of
 *   {"type": "file", "path": "/etc/...", "content": "...", "mode": 420}
 *   {"type": "command", "argv": ["ufw", "allow", "80/tcp"], "check": ["ufw", "status"],
 *    "check_contains": "80/tcp"}
 * (PLUGINS.md documents the vocabulary; the host refuses an action type it does not know.)
 */
typedef struct pp_profile_v1 {
    uint32_t struct_size;
    int32_t (*actions)(const pp_call *call);
} pp_profile_v1;

/**
 * "posternproxy.transport/1": a way to reach a target. Only the transport sees credentials;
 * steps reach the target through pp_host.run/read_file/write_file, which the host forwards here.
 * Threading: open/close [any-thread]; the other functions are called for one session from one
 * thread at a time.
 *
 * open: input is {"host", "port", "user", "password"?, "private_key"?, "passphrase"?,
 * "known_host_key"?, "timeout_ms"?}; on PP_OK it stores a plugin-owned session in *session and
 * writes {"host_key": "..."} to output. The host releases the session with close(), exactly once.
 */
typedef struct pp_transport_v1 {
    uint32_t struct_size;
    int32_t (*open)(const pp_call *call, void **session);
    int32_t (*run)(void *session, const pp_host *host, const pp_command *command,
                   const pp_sink *output, const pp_sink *errors, int32_t *exit_status);
    int32_t (*read_file)(void *session, const pp_host *host, const char *path, uint64_t path_size,
                         const pp_sink *content);
    int32_t (*write_file)(void *session, const pp_host *host, const char *path,
                          uint64_t path_size, pp_bytes content, uint32_t mode);
    int32_t (*remove_file)(void *session, const pp_host *host, const char *path,
                           uint64_t path_size);
    void (*close)(void *session);
} pp_transport_v1;

/* ---------------------------------------------------------------------------------------------
 * The descriptor and the entry point
 * ------------------------------------------------------------------------------------------- */

/**
 * What a plugin says about itself. Ownership: the plugin; static, valid until the process exits.
 * Threading: fields are read-only; get_interface is [any-thread].
 */
typedef struct pp_plugin_descriptor {
    uint32_t struct_size;
    /** The ABI this plugin was built against: PP_ABI_MAJOR and PP_ABI_MINOR. */
    uint32_t abi_major;
    uint32_t abi_minor;
    /** Stable, globally unique, reverse-DNS: lower-case letters, digits, '.', '-'
     *  ("posternproxy.caddy", "com.example.motd"). Pipelines name plugins by this id. */
    const char *id;
    /** The plugin's own version, "MAJOR.MINOR.PATCH". */
    const char *version;
    /** Human-readable name. */
    const char *name;
    /** One sentence: what it does. */
    const char *description;
    /** PP_KIND_* bits. */
    uint32_t kinds;
    /** Returns the static table for an interface id (PP_INTERFACE_*), or NULL when the plugin
     *  does not provide it. */
    const void *(*get_interface)(const char *interface_id);
    /** ABI 1.2. What the plugin is configured with and what it needs from the target, shown to an
     *  admin before the plugin is enabled: static, NUL-terminated UTF-8 JSON, or NULL for none.
     *      {"config_schema": { JSON Schema of the step's config },
     *       "needs": {"services": ["fail2ban"], "writes": ["/etc/fail2ban/jail.d/"],
     *                 "runs": ["fail2ban-client"]}}
     *  Every member is optional. The host checks each pipeline step's config against
     *  config_schema (types, properties, required, additionalProperties, enum, minimum, maximum,
     *  minLength, maxLength, pattern as a POSIX extended regular expression, items) and fills in
     *  the defaults it names before the plugin sees the config; the controller's web UI builds the
     *  step's form from it (title, description). A declaration that is not such an object is
     *  refused at load. */
    const char *declaration;
} pp_plugin_descriptor;

/**
 * The type of the entry function every plugin exports under PP_ENTRY_SYMBOL:
 *
 *     PP_EXPORT const pp_plugin_descriptor *posternproxy_plugin_entry_v1(const pp_host_info *host);
 *
 * Threading: [once]. Returns the plugin's static descriptor, or NULL to decline this host.
 * It must not perform effects (it also runs for `posternproxy plugins list`).
 */
typedef const pp_plugin_descriptor *(*pp_plugin_entry_fn)(const pp_host_info *host);

#ifdef __cplusplus
}
#endif

#endif /* POSTERNPROXY_PLUGIN_H */
