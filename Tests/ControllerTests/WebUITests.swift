import Foundation
import Host
import Testing
import TestSupport

/// The web UI in Debian's Chromium driven by Playwright (the scripts in Tests/Browser/), against
/// a real controller serving its local server through a real Caddy. Screenshots of every page
/// and form state are kept in `.build/ui-screenshots/`.
@Suite(.serialized) struct WebUITests {
    @Test(arguments: ["desktop", "phone"])
    func theUIWorksEndToEndInARealBrowser(viewport: String) async throws {
        let ssh = try SSHServer()
        defer { ssh.remove() }
        let browser = try BrowserController(publicHost: ssh.hostAddress)
        defer { browser.remove() }
        let upstream = try TestUpstream("browser", in: browser.controller.folder.path)
        defer { upstream.stop() }

        let output = try await browser.run(
            "ui_walkthrough.py", screenshots: "ui-screenshots/walkthrough-\(viewport)",
            settings: [
                "viewport": viewport,
                "upstream_port": upstream.port,
                "ssh": ["host": ssh.address, "port": ssh.port, "user": "pp-key", "key": ssh.clientKey, "fingerprint": ssh.hostKeyFingerprint],
            ])
        for check in [
            "logged in with the first-start password", "a host saved in the UI answers through Caddy from its upstream",
            "a change made elsewhere shows in the open list without a reload, with its apply status",
            "counts are written with their noun in the right number", "a search without a match says so",
            "access lists, used by hosts on any server, show no server of their own",
            "the bad domain error is shown next to its field", "the bad port error is shown next to its field",
            "nothing was saved by the refused forms", "a disabled host answers 404", "an attached access list answers 403",
            "a server whose provisioning is refused is not kept", "the server dialog masks the password and shows the key's fields only for a key",
            "a fixed error leaves the server dialog",
            "provisioning lines arrive in the terminal panel", "a host key scan shows the server's fingerprint beside the pinned one",
            "the server selector filters the lists, and an empty one offers to add the first",
            "settings are saved from one form, a refusal shown next to its field",
            "a backup downloads, and a restore shows what the backup holds before replacing anything",
            "a question is an accessible dialog that Escape cancels", "an admin edits a user and resets their password",
            "an admin signs out one session of another user", "every other session is signed out one by one, and this browser stays signed in",
            "deleting a server shows what becomes of its hosts and their upstreams first, and deletes them when asked",
            "a screenshot of every page",
            "a viewer is shown no link to a page only admins may use, and its address leads to the dashboard",
            "a viewer finds no enabled control that changes anything", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        #expect(browser.screenshots("ui-screenshots/walkthrough-\(viewport)").count >= 14)
    }

    @Test(arguments: ["desktop", "phone"])
    func theFormsEditorsSaveWhatCaddyServesAndRefuseBadInputInPlace(viewport: String) async throws {
        let browser = try BrowserController(publicHost: "127.0.0.1")
        defer { browser.remove() }
        let main = try TestUpstream("main", in: browser.controller.folder.path)
        defer { main.stop() }
        let api = try TestUpstream("api", in: browser.controller.folder.path)
        defer { api.stop() }

        let output = try await browser.run(
            "structured_editors.py", screenshots: "ui-screenshots/editors-\(viewport)",
            settings: ["main_port": main.port, "api_port": api.port, "viewport": viewport])
        for check in [
            "domain names are tags, each refused name shown at once with the API's reason",
            "the JSON tab shows the record, refuses invalid JSON as it is typed and gives its values back to the tabs",
            "the editors save the structure the API takes, in the order shown",
            "the advanced JSON field is checked as it is typed", "the saved location sends /api to its own upstream through Caddy",
            "the header rules and the preset are served by Caddy",
            "the location's own header rule is applied to its requests", "a location's own header rule is refused next to its row and field",
            "an upstream's bad host is refused next to its row and field", "an upstream's bad port is refused next to its row and field",
            "an upstream the API refuses is refused next to its row and field", "a location's path is refused next to its row and field",
            "a health check interval is refused next to its row and field", "a rate limit is refused next to its row and field",
            "a rate limit this server's Caddy cannot apply is refused next to its row and field",
            "a header name is refused next to its row and field",
            "a header value with a placeholder that is not allowed is refused next to its row and field",
            "nothing was saved by the refused editors",
            "access-list rules and users are refused next to their row, and saved once fixed",
            "the access list asks for a login and lets alice in", "a deny rule moved first decides before the allow rule",
            "a password left untouched in the editor is kept", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        #expect(browser.screenshots("ui-screenshots/editors-\(viewport)").count >= 10)
    }

    /// Settings → Import from Nginx Proxy Manager, on an installation built as NPM's migrations
    /// lay it out (Tests/NPM/npm_installation.py).
    @Test func nginxProxyManagerIsPreviewedThenImportedFromSettings() async throws {
        let browser = try BrowserController(publicHost: "127.0.0.1")
        defer { browser.remove() }
        let app = try TestUpstream("app", in: browser.controller.folder.path)
        defer { app.stop() }
        let data = browser.controller.folder.file("npm-data")
        let argv = ["python3", "\(TestEnvironment.packageRoot)/Tests/NPM/npm_installation.py", data, String(app.port), String(app.port)]
        let built = try await offThePool { try LocalTarget().run(TargetCommand(argv: argv), onLine: { _ in }, isCancelled: { false }) }
        #expect(built.exitStatus == 0, "\(String(decoding: built.standardError, as: UTF8.self))")

        let npm = try RunningNPM(data: data, in: browser.controller.folder.path)
        defer { npm.stop() }

        let output = try await browser.run(
            "npm_import.py", screenshots: "ui-screenshots/npm-import", settings: ["data_folder": data, "npm_url": npm.url])
        for check in [
            "a folder that is not NPM's is refused in the card, and nothing can be imported",
            "Preview shows what each item becomes and why, the nginx configuration verbatim, and stores nothing",
            "the imported host answers through Caddy",
            "a running NPM that refuses the sign-in is named in the card",
            "a running NPM's preview finds what the folder brought already here", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
    }

    @Test func everyPageIsAccessibleAndFitsAPhone() async throws {
        let browser = try BrowserController(publicHost: "127.0.0.1")
        defer { browser.remove() }
        let upstream = try TestUpstream("pages", in: browser.controller.folder.path)
        defer { upstream.stop() }

        let output = try await browser.run("every_page.py", screenshots: "ui-screenshots/pages", settings: ["upstream_port": upstream.port])
        for check in [
            "every page and form has no serious or critical accessibility violation (desktop)",
            "no page or form is wider than the screen (desktop)", "the keyboard skips to the content and focus is visible",
            "on a phone the sections fold behind Menu and the header fits one line per control",
            "every page and form has no serious or critical accessibility violation (phone)", "no page or form is wider than the screen (phone)",
            "on a phone each list row is a card labelled by its columns", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        #expect(browser.screenshots("ui-screenshots/pages").count >= 40)
    }

    @Test(arguments: ["desktop", "phone"])
    func aKilledAgentTurnsItsServerOfflineAndItsUpstreamsUnknownLive(viewport: String) async throws {
        let setup = try await MultiServerSetup(environment: ["POSTERNPROXY_STATUS_SECONDS": "1"])
        defer { setup.remove() }
        let (remote, remoteID) = try await setup.addRemote("edge")
        _ = try await setup.addHost("edge.test", serverID: remoteID)
        _ = try await setup.addHost("local.test", serverID: 1, port: setup.localUpstream.port)
        try await setup.converged(remoteID)

        let output = try await LocalBrowserScript.run(
            "live_status.py", screenshots: "ui-screenshots/live-\(viewport)",
            settings: [
                "url": "http://localhost:\(setup.controller.port)", "email": ControllerProcess.adminEmail,
                "password": ControllerProcess.adminPassword, "remote": "edge", "viewport": viewport,
            ],
            onLine: { line in if line == "kill the agent" { remote.killAgent() } })
        for check in [
            "the dashboard shows both servers' upstreams healthy, the local server's too",
            "a killed agent turns its server offline and its upstreams unknown without a reload", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
    }

    @Test(arguments: ["desktop", "phone"])
    func aHostRequestsACertificateAndFollowsItUntilPebbleIssuesItOrRefusesIt(viewport: String) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let httpPort = try FreePort.next(), httpsPort = try FreePort.next()
        let pebble = try PebbleCA(in: folder.path, httpPort: httpPort, tlsPort: httpsPort, blocked: ["blocked.test"])
        defer { pebble.stop() }
        let browser = try BrowserController(
            publicHost: "127.0.0.1", httpPort: httpPort, httpsPort: httpsPort, environment: ["POSTERNPROXY_ACME_CA_ROOTS": pebble.serverCertificate])
        defer { browser.remove() }
        let admin = try await browser.controller.loggedIn(email: ControllerProcess.adminEmail, password: browser.password)
        #expect(try await admin.put("/api/settings/acme_directory", ["value": pebble.directory]).status == 200)
        let upstream = try TestUpstream("certificate", in: folder.path)
        defer { upstream.stop() }
        let upload = try TestCertificates.selfSigned("uploaded", for: ["uploaded.test"], in: folder.path)

        let output = try await browser.run(
            "certificate_request.py", screenshots: "ui-screenshots/certificates-\(viewport)",
            settings: [
                "viewport": viewport, "upstream_port": upstream.port, "pebble_root": try pebble.rootCertificate(),
                "upload": ["certificate": upload.certificate, "key": upload.key],
            ])
        for check in [
            "a certificate requested from the host form is followed until it is issued",
            "the host answers over HTTPS with the certificate Pebble issued", "a name the CA refuses shows the CA's error in the host's dialog",
            "the Certificates page shows where each automatic certificate stands",
            "an uploaded certificate's PEM files are read into its form, which shows only the fields of its kind", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
    }
}
