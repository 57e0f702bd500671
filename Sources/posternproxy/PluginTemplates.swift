/// The projects `posternproxy plugins new` writes: a plugin in C on the SDK header (a step, a
/// profile or a renderer) or a step in Swift on PluginKit, the one command that builds it, an
/// example config or input, and a test script.
enum PluginTemplates {
    enum Kind: String, CaseIterable {
        case step, profile, renderer
    }

    struct Project {
        /// File name → contents, and whether it is executable.
        var files: [(name: String, text: String, executable: Bool)]
    }

    static func project(name: String, id: String, kind: Kind, includeFolder: String, command: String) -> Project {
        let library = "lib\(name).so"
        let build = """
            #!/bin/sh
            # Builds \(library) with the one command a plugin needs.
            set -eu
            cd "$(dirname "$0")"
            cc -shared -fPIC -Wall -Wextra -Werror -I "${POSTERNPROXY_INCLUDE_DIR:-\(includeFolder)}" -o \(library) \(name).c

            """
        switch kind {
        case .step:
            return Project(files: [
                ("\(name).c", step(name: name, id: id), false), ("build.sh", build, true),
                ("config.json", #"{"path": "/etc/\#(name).conf", "line": "managed by \#(name)"}"# + "\n", false),
                ("test.sh", stepTest(library: library, command: command), true),
            ])
        case .profile:
            return Project(files: [
                ("\(name).c", profile(name: name, id: id), false), ("build.sh", build, true),
                ("config.json", #"{"path": "/etc/\#(name).conf", "text": "managed by \#(name)\n"}"# + "\n", false),
                ("test.sh", profileTest(name: name, id: id, command: command), true),
            ])
        case .renderer:
            return Project(files: [
                ("\(name).c", renderer(name: name, id: id), false), ("build.sh", build, true),
                ("state.json", PluginRendererTemplate.sampleState, false), ("expected.txt", PluginRendererTemplate.expected, false),
                ("render_test.c", PluginRendererTemplate.driver(name: name), false),
                ("test.sh", PluginRendererTemplate.test(name: name, library: library, includeFolder: includeFolder, command: command), true),
            ])
        }
    }

    private static func renderer(name: String, id: String) -> String { PluginRendererTemplate.source(name: name, id: id) }

    private static func step(name: String, id: String) -> String {
        """
        /*
         * \(name).c — a step that keeps a line in a file on the target. Config:
         *     {"path": "/etc/\(name).conf", "line": "managed by \(name)"}
         * plan reads the file; apply journals its old content, then appends the line; verify
         * reads it back; rollback restores the old content (or removes a file apply created).
         */
        #include "posternproxy_plugin_sdk.h"

        typedef struct settings {
            pp_buffer path, line, file;
        } settings;

        static int32_t done(settings *s, int32_t status) {
            pp_buffer_free(&s->path), pp_buffer_free(&s->line), pp_buffer_free(&s->file);
            return status;
        }

        /* Reads the config and the file: PP_OK, PP_NOT_FOUND (no file yet) or PP_FAILED. */
        static int32_t load(const pp_call *call, settings *s) {
            pp_buffer_init(&s->path), pp_buffer_init(&s->line), pp_buffer_init(&s->file);
            if (pp_json_string(call->config, "path", &s->path) != 1 || pp_buffer_text(&s->path)[0] != '/')
                return pp_fail(call, "config needs \\"path\\", an absolute path");
            if (pp_json_string(call->config, "line", &s->line) != 1 || strchr(pp_buffer_text(&s->line), '\\n'))
                return pp_fail(call, "config needs \\"line\\", a string without a line break");
            int32_t status = pp_read_file(call, pp_buffer_text(&s->path), &s->file);
            if (status == PP_OK || status == PP_NOT_FOUND) return status;
            return pp_fail(call, "cannot read %s: %s", pp_buffer_text(&s->path), pp_status_text(status));
        }

        /* Whether the file holds the line as a whole line. */
        static int has_line(const settings *s) {
            const char *text = pp_buffer_text(&s->file), *line = pp_buffer_text(&s->line);
            size_t length = strlen(line);
            for (const char *at = text; (at = strstr(at, line)) != NULL; at++)
                if ((at == text || at[-1] == '\\n') && (at[length] == '\\n' || at[length] == '\\0')) return 1;
            return 0;
        }

        static int32_t plan(const pp_call *call) {
            settings s;
            int32_t status = load(call, &s);
            if (status == PP_FAILED) return done(&s, PP_FAILED);
            if (has_line(&s)) return done(&s, pp_write(call->output, "{\\"changes\\": []}"));
            pp_progress(call, "%s will get the line", pp_buffer_text(&s.path));
            return done(&s, pp_write(call->output, "{\\"changes\\": [\\"add the line\\"]}"));
        }

        static int32_t apply(const pp_call *call) {
            settings s;
            int32_t status = load(call, &s);
            if (status == PP_FAILED) return done(&s, PP_FAILED);
            /* The journal is whole before the effect, so rollback can always read it. */
            pp_write(call->output, "{\\"previous\\": ");
            if (status == PP_OK) pp_write_json_string(call->output, s.file.data, s.file.size);
            pp_write(call->output, status == PP_OK ? "}" : "null}");
            if (s.file.size > 0 && s.file.data[s.file.size - 1] != '\\n') pp_write(&s.file.sink, "\\n");
            pp_writef(&s.file.sink, "%s\\n", pp_buffer_text(&s.line));
            status = pp_write_file(call, pp_buffer_text(&s.path), s.file.data, s.file.size, 0644);
            if (status == PP_OK) return done(&s, PP_OK);
            return done(&s, pp_fail(call, "cannot write %s: %s", pp_buffer_text(&s.path), pp_status_text(status)));
        }

        static int32_t verify(const pp_call *call) {
            settings s;
            if (load(call, &s) == PP_OK && has_line(&s)) return done(&s, PP_OK);
            return done(&s, pp_fail(call, "%s does not hold the line after apply", pp_buffer_text(&s.path)));
        }

        static int32_t rollback(const pp_call *call) {
            settings s;
            if (load(call, &s) == PP_FAILED) return done(&s, PP_FAILED);
            int found = pp_json_string(call->input, "previous", &s.file);
            if (found < 0) return done(&s, PP_OK); /* no journal: apply changed nothing */
            int32_t status = found == 1 ? pp_write_file(call, pp_buffer_text(&s.path), s.file.data, s.file.size, 0644)
                                        : pp_remove_file(call, pp_buffer_text(&s.path));
            if (status == PP_OK) return done(&s, PP_OK);
            return done(&s, pp_fail(call, "cannot restore %s: %s", pp_buffer_text(&s.path), pp_status_text(status)));
        }

        PP_STEP_PLUGIN("\(id)", "0.1.0", "\(name)", "Keeps a line in a file on the target.", plan, apply, verify, rollback)

        """
    }

    private static func profile(name: String, id: String) -> String {
        """
        /*
         * \(name).c — a profile: it describes a file for the host to keep, and the host checks,
         * applies and reverts it. Config:
         *     {"path": "/etc/\(name).conf", "text": "managed by \(name)\\n"}
         */
        #include "posternproxy_plugin_sdk.h"

        static int32_t actions(const pp_call *call) {
            pp_buffer path, text;
            pp_buffer_init(&path), pp_buffer_init(&text);
            int32_t status = PP_OK;
            if (pp_json_string(call->config, "path", &path) != 1 || pp_buffer_text(&path)[0] != '/') {
                status = pp_fail(call, "config needs \\"path\\", an absolute path");
            } else if (pp_json_string(call->config, "text", &text) != 1) {
                status = pp_fail(call, "config needs \\"text\\", a string");
            } else {
                pp_write(call->output, "{\\"actions\\": [{\\"type\\": \\"file\\", \\"path\\": ");
                pp_write_json_string(call->output, path.data, path.size);
                pp_write(call->output, ", \\"content\\": ");
                pp_write_json_string(call->output, text.data, text.size);
                pp_write(call->output, ", \\"mode\\": 420}]}");
            }
            pp_buffer_free(&path), pp_buffer_free(&text);
            return status;
        }

        PP_PROFILE_PLUGIN("\(id)", "0.1.0", "\(name)", "Keeps a file with a given text on the target.", actions)

        """
    }

    /// The test of a step project, in either language: build, then the conformance rules.
    static func stepTest(library: String, command: String) -> String {
        """
        #!/bin/sh
        # Builds the step and runs the conformance test: plan has no effects and repeats, apply and
        # verify, convergence, exact rollback, cancellation, malformed and oversized configs.
        set -eu
        cd "$(dirname "$0")"
        ./build.sh
        exec "${POSTERNPROXY:-\(command)}" plugins test ./\(library) --config config.json

        """
    }

    private static func profileTest(name: String, id: String, command: String) -> String {
        """
        #!/bin/sh
        # Builds the profile and runs it twice as a pipeline in a throwaway root: the first run
        # writes the file, the second finds it already right.
        set -eu
        cd "$(dirname "$0")"
        ./build.sh
        root=$(mktemp -d)
        trap 'rm -rf "$root"' EXIT
        printf '{"check": [{"plugin": "\(id)", "config": %s}]}' "$(cat config.json)" > "$root/pipeline.json"
        posternproxy="${POSTERNPROXY:-\(command)}"
        "$posternproxy" pipeline run check --config "$root/pipeline.json" --dir . --root "$root"
        test -f "$root/etc/\(name).conf" || { echo "the profile's file was not written" >&2; exit 1; }
        "$posternproxy" pipeline run check --config "$root/pipeline.json" --dir . --root "$root" | grep -q "already right"
        echo "ok: the file was written, then found already right"

        """
    }
}
