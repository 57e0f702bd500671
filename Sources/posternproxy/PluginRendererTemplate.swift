/// The renderer project of `posternproxy plugins new --kind renderer`: a pure function from the
/// desired state to an artifact (here a text listing each proxy host and where it forwards),
/// and a test that renders a sample state through the plugin's own function and compares the
/// result with the expected text.
enum PluginRendererTemplate {
    static func source(name: String, id: String) -> String {
        """
        /*
         * \(name).c — a renderer: it turns the desired state into an artifact, one line per proxy
         * host, "DOMAIN -> HOST:PORT". A renderer is pure: the same state gives the same bytes,
         * and the host grants it no effects.
         */
        #include "posternproxy_plugin_sdk.h"

        /* Writes one host's line; 0 after writing the reason when the host is not as expected. */
        static int render_host(const pp_call *call, pp_bytes host, pp_buffer *text) {
            uint64_t start, end;
            if (pp_json_member(host, "domain_names", &start, &end) != 1) return pp_fail(call, "a proxy host has no domain_names"), 0;
            pp_bytes names = {host.data + start, end - start};
            if (pp_json_element(names, 0, &start, &end) != 1) return pp_fail(call, "a proxy host's domain_names is empty"), 0;
            pp_bytes first = {names.data + start, end - start};
            long long port;
            if (pp_json_text(first, text) != 1) return pp_fail(call, "a domain name is not a string"), 0;
            pp_write(call->output, pp_buffer_text(text));
            if (pp_json_string(host, "forward_host", text) != 1 || pp_json_int(host, "forward_port", &port) != 1)
                return pp_fail(call, "a proxy host has no forward_host and forward_port"), 0;
            pp_writef(call->output, " -> %s:%lld\\n", pp_buffer_text(text), port);
            return 1;
        }

        static int32_t render(const pp_call *call) {
            uint64_t start, end;
            int found = pp_json_member(call->input, "proxy_hosts", &start, &end);
            if (found < 0) return pp_fail(call, "the desired state is not a JSON object");
            if (found == 0) return PP_OK;
            pp_bytes hosts = {call->input.data + start, end - start};
            pp_buffer text;
            pp_buffer_init(&text);
            int32_t status = PP_OK;
            for (uint64_t index = 0; status == PP_OK; index++) {
                int at = pp_json_element(hosts, index, &start, &end);
                if (at == 0) break;
                pp_bytes host = {hosts.data + start, end - start};
                if (at < 0) status = pp_fail(call, "proxy_hosts is not a list");
                else if (!render_host(call, host, &text)) status = PP_FAILED;
            }
            pp_buffer_free(&text);
            return status;
        }

        PP_RENDERER_PLUGIN("\(id)", "0.1.0", "\(name)", "Lists each proxy host and where it forwards.", "text/plain", render)

        """
    }

    static let sampleState = """
        {"server_id": 1, "proxy_hosts": [
          {"id": 1, "domain_names": ["example.test", "www.example.test"], "forward_host": "10.0.0.2", "forward_port": 8080},
          {"id": 2, "domain_names": ["api.example.test"], "forward_host": "10.0.0.3", "forward_port": 9000}
        ]}

        """

    static let expected = "example.test -> 10.0.0.2:8080\napi.example.test -> 10.0.0.3:9000\n"

    /// A C program that calls the plugin's `render` as a host would, with `state.json` as input,
    /// and prints what it wrote (or its error, exiting 1).
    static func driver(name: String) -> String {
        """
        /* render_test.c — calls \(name).c's render as a host would: state.json in, the artifact out. */
        #include "\(name).c"

        int main(void) {
            FILE *file = fopen("state.json", "rb");
            if (!file) return perror("state.json"), 1;
            pp_buffer state, output, error;
            pp_buffer_init(&state), pp_buffer_init(&output), pp_buffer_init(&error);
            char chunk[4096];
            size_t count;
            while ((count = fread(chunk, 1, sizeof chunk, file)) > 0) pp__buffer_write(&state.sink, (const uint8_t *)chunk, count);
            fclose(file);
            pp_call call = {0};
            call.struct_size = sizeof call;
            call.input = pp_buffer_bytes(&state);
            call.output = &output.sink;
            call.error = &error.sink;
            int32_t status = pp__table.render(&call);
            if (status != PP_OK) return fprintf(stderr, "render failed: %s\\n", pp_buffer_text(&error)), 1;
            fwrite(output.data, 1, output.size, stdout);
            return 0;
        }

        """
    }

    static func test(name: String, library: String, includeFolder: String, command: String) -> String {
        """
        #!/bin/sh
        # Builds the renderer, checks it loads as a host loads it, and renders state.json through
        # its own render function: the output must be expected.txt, byte for byte.
        set -eu
        cd "$(dirname "$0")"
        ./build.sh
        "${POSTERNPROXY:-\(command)}" plugins check ./\(library)
        work=$(mktemp -d)
        trap 'rm -rf "$work"' EXIT
        cc -Wall -Wextra -Werror -I "${POSTERNPROXY_INCLUDE_DIR:-\(includeFolder)}" -o "$work/render_test" render_test.c
        "$work/render_test" > "$work/rendered.txt"
        cmp -s "$work/rendered.txt" expected.txt || { echo "the rendering differs from expected.txt:" >&2; diff "$work/rendered.txt" expected.txt >&2; exit 1; }
        echo "ok: the rendering is expected.txt"

        """
    }
}
