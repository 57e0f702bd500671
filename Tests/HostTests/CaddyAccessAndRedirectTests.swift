import Foundation
import TestSupport
import Host
import Testing

/// Access lists, redirection hosts, dead hosts and the catch-all, served by a real Caddy.
@Suite(.serialized) struct CaddyAccessAndRedirectTests {
    typealias State = DesiredStateJSON

    /// A bcrypt hash of `password`, made by Caddy itself.
    private func bcrypt(_ password: String) throws -> String {
        let result = try LocalTarget().run(
            TargetCommand(argv: ["caddy", "hash-password", "--plaintext", password]), onLine: { _ in }, isCancelled: { false })
        return String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func clientRulesDecideByFirstMatchAndDenyTheRest() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["allowed.test"], to: a, ["access_list_id": 1]),
                    State.proxyHost(2, ["denied.test"], to: a, ["access_list_id": 2]),
                    State.proxyHost(3, ["nobody.test"], to: a, ["access_list_id": 3]),
                ],
                "access_lists": [
                    ["id": 1, "clients": [["address": "10.0.0.0/8", "directive": "deny"], ["address": "127.0.0.0/8", "directive": "allow"]]],
                    // First match wins: the deny of 127.0.0.1 comes before the allow of 127.0.0.0/8.
                    ["id": 2, "clients": [["address": "127.0.0.1", "directive": "deny"], ["address": "127.0.0.0/8", "directive": "allow"]]],
                    ["id": 3, "clients": [["address": "10.1.2.3", "directive": "allow"]]],
                ],
            ]))
        #expect(try caddy.get("/", host: "allowed.test").upstream == "a")
        #expect(try caddy.get("/", host: "denied.test").status == 403)
        #expect(try caddy.get("/", host: "nobody.test").status == 403)
    }

    @Test func basicAuthAndSatisfyAnyOrAll() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let users: [[String: Any]] = [["username": "alice", "password_hash": try bcrypt("wonderland")]]
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["auth.test"], to: a, ["access_list_id": 1]),
                    State.proxyHost(2, ["any.test"], to: a, ["access_list_id": 2]),
                    State.proxyHost(3, ["all.test"], to: a, ["access_list_id": 3]),
                ],
                "access_lists": [
                    ["id": 1, "items": users, "pass_auth": true],
                    ["id": 2, "items": users, "satisfy_any": true, "clients": [["address": "127.0.0.1", "directive": "allow"]]],
                    ["id": 3, "items": users, "satisfy_any": false, "clients": [["address": "127.0.0.1", "directive": "allow"]]],
                ],
            ]))
        #expect(try caddy.get("/", host: "auth.test").status == 401)
        #expect(try caddy.get("/", host: "auth.test", user: "alice:wrong").status == 401)
        let authenticated = try caddy.get("/", host: "auth.test", headers: ["X-Authenticated-User": "mallory"], user: "alice:wonderland")
        #expect(authenticated.status == 200)
        #expect(authenticated.upstreamHeader("X-Authenticated-User") == "alice")
        // satisfy any: the allowed address passes without credentials.
        #expect(try caddy.get("/", host: "any.test").status == 200)
        // satisfy all: the allowed address must still authenticate.
        #expect(try caddy.get("/", host: "all.test").status == 401)
        #expect(try caddy.get("/", host: "all.test", user: "alice:wonderland").status == 200)
    }

    @Test func aClientCannotForgeTheAuthenticatedUserHeader() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["open.test"], to: a)]]))
        let answer = try caddy.get("/", host: "open.test", headers: ["X-Authenticated-User": "admin"])
        #expect(answer.status == 200)
        #expect(answer.upstreamHeader("X-Authenticated-User") == nil)
    }

    @Test(arguments: [300, 301, 302, 303, 307, 308])
    func redirectionHostsUseTheirCodeWithAndWithoutThePath(code: Int) async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        try await caddy.apply(
            State.document([
                "redirection_hosts": [
                    [
                        "id": 1, "domain_names": ["old.test"], "forward_scheme": "https", "forward_domain_name": "new.test",
                        "forward_http_code": code, "preserve_path": true,
                    ],
                    [
                        "id": 2, "domain_names": ["flat.test"], "forward_scheme": "http", "forward_domain_name": "home.test",
                        "forward_http_code": code, "preserve_path": false,
                    ],
                    [
                        "id": 3, "domain_names": ["moved.test"], "forward_scheme": "https", "forward_domain_name": "new.test/archive",
                        "forward_http_code": code, "preserve_path": true,
                    ],
                    [
                        "id": 4, "domain_names": ["page.test"], "forward_scheme": "https", "forward_domain_name": "new.test/landing/",
                        "forward_http_code": code, "preserve_path": false,
                    ],
                ]
            ]))
        let kept = try caddy.get("/a/b?c=d", host: "old.test")
        #expect(kept.status == code)
        #expect(kept.headers["location"] == "https://new.test/a/b?c=d")
        let flat = try caddy.get("/a/b", host: "flat.test")
        #expect(flat.headers["location"] == "http://home.test/")
        // A target with a path: the request's path follows it, or the path alone.
        #expect(try caddy.get("/a/b?c=d", host: "moved.test").headers["location"] == "https://new.test/archive/a/b?c=d")
        #expect(try caddy.get("/a/b", host: "page.test").headers["location"] == "https://new.test/landing/")
    }

    @Test func deadHostsAnswer404AndDisabledOnesHaveNoRoute() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        try await caddy.apply(
            State.document([
                "dead_hosts": [["id": 1, "domain_names": ["dead.test"]], ["id": 2, "domain_names": ["locked.test"], "access_list_id": 1]],
                "access_lists": [["id": 1, "clients": [["address": "10.0.0.0/8", "directive": "allow"]]]],
                "settings": ["default_site": "congratulations"],
            ]))
        #expect(try caddy.get("/anything", host: "dead.test").status == 404)
        #expect(try caddy.get("/", host: "locked.test").status == 403)
        let unknown = try caddy.get("/", host: "unknown.test")
        #expect(unknown.status == 200)
        #expect(unknown.body.contains("Congratulations"))
    }

    @Test func theCatchAllCanCloseTheConnection() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        try await caddy.apply(State.document(["settings": ["default_site": "444"]]))
        #expect(try caddy.get("/", host: "unknown.test").status == 0)
    }
}
