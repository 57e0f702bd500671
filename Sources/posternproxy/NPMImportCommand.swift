import ArgumentParser
import AsyncHTTPClient
import Foundation
import JSONCore
import NIOCore

/// `posternproxy npm-import FOLDER` or `posternproxy npm-import --url URL --email EMAIL`: asks a
/// controller to import an Nginx Proxy Manager installation, from its data folder on the
/// controller's machine or from a running NPM through NPM's API, and prints its report, one line
/// per thing found. A dry run unless `--confirm`.
struct NPMImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "npm-import",
        abstract: "Import an Nginx Proxy Manager installation (a dry run unless --confirm).",
        discussion: """
            From NPM's data folder: FOLDER on the controller's machine, with database.sqlite, custom_ssl/ \
            and letsencrypt/ as NPM's Docker volumes hold them. From a running NPM, whatever database \
            it uses: --url with an NPM admin's --email, the password in the environment variable \
            NPM_PASSWORD and --totp-code when NPM has two-factor login on for that admin; NPM's API \
            does not give out passwords or uploaded certificates' keys, so those come over locked \
            (the report says what to set). The controller is reached at --controller with the admin \
            API token in the environment variable POSTERNPROXY_TOKEN. Each line of the report says \
            what becomes of one thing: create, create_disabled (with what does not carry over), \
            exists (already here) or refused (with the reason).
            """)

    @Argument(help: "NPM's data folder, on the controller's machine (or --url).")
    var folder: String?

    @Option(help: "A running NPM's address, such as http://npm.example:81 (instead of FOLDER).")
    var url: String?

    @Option(help: "With --url: the email of an NPM admin (the password is read from NPM_PASSWORD).")
    var email: String?

    @Option(help: "With --url: the code of the NPM admin's authenticator, when NPM asks for one.")
    var totpCode: String?

    @Option(help: "The controller's URL.")
    var controller = "http://127.0.0.1:81"

    @Option(name: .customLong("server"), help: "The id of the server to import onto (the local server when absent).")
    var serverID: Int64?

    @Flag(help: "Import for real; without it the controller only reports what it would do.")
    var confirm = false

    func validate() throws {
        switch (folder, url) {
        case (nil, nil): throw ValidationError("give NPM's data folder, or --url with --email for a running NPM")
        case (_?, _?): throw ValidationError("give either NPM's data folder or --url, not both")
        case (nil, _?):
            guard email != nil else { throw ValidationError("--url needs --email: an NPM admin's email") }
            guard !(ProcessInfo.processInfo.environment["NPM_PASSWORD"] ?? "").isEmpty else {
                throw ValidationError("--url needs that NPM admin's password in the environment variable NPM_PASSWORD")
            }
        case (_?, nil): break
        }
    }

    func run() async throws {
        guard let token = ProcessInfo.processInfo.environment["POSTERNPROXY_TOKEN"], !token.isEmpty else {
            throw ValidationError("set POSTERNPROXY_TOKEN to an admin's API token (Account → API tokens in the web UI)")
        }
        guard let base = URL(string: controller), ["http", "https"].contains(base.scheme ?? "") else {
            throw ValidationError("--controller must be an http:// or https:// URL, such as http://127.0.0.1:81")
        }
        var body: JSON = ["confirm": .bool(confirm)]
        if let folder {
            body["data_folder"] = .string(folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder)
        }
        if let url, let email {
            body["url"] = .string(url)
            body["email"] = .string(email)
            body["password"] = .string(ProcessInfo.processInfo.environment["NPM_PASSWORD"] ?? "")
            if let totpCode { body["totp_code"] = .string(totpCode) }
        }
        if let serverID { body["server_id"] = .int(Int(serverID)) }

        var request = HTTPClientRequest(url: base.appendingPathComponent("api/import/npm").absoluteString)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        let answer = try JSONParser.parse(Array((try await response.body.collect(upTo: 64 << 20)).readableBytesView))
        guard response.status == .ok else {
            let message = answer["error"]?["message"]?.stringValue ?? "HTTP \(response.status.code)"
            let field = answer["error"]?["field"]?.stringValue.map { "\($0): " } ?? ""
            throw ValidationError("the controller refused the import: \(field)\(message)")
        }
        print(Self.lines(of: answer), terminator: "")
    }

    /// The report as text: one line per item, the reason or changes indented below it, then the
    /// summary.
    static func lines(of report: JSON) -> String {
        var text = ""
        for item in report["items"]?.arrayValue ?? [] {
            let action = item["action"]?.stringValue ?? "?"
            let kind = item["kind"]?.stringValue ?? "?"
            let npmID = item["npm_id"].map { if case .int(let id) = $0 { String(id) } else { "?" } } ?? "?"
            text += "\(action.padding(toLength: 16, withPad: " ", startingAt: 0)) \(kind) \(npmID)  \(item["name"]?.stringValue ?? "")\n"
            if let reason = item["reason"]?.stringValue { text += "    \(reason)\n" }
            for change in item["changes"]?.arrayValue ?? [] {
                let detail = (change["detail"]?.stringValue ?? "").replacingOccurrences(of: "\n", with: "\n      ")
                text += "    \(change["field"]?.stringValue ?? ""): \(detail)\n"
            }
            if let note = item["note"]?.stringValue { text += "    note: \(note)\n" }
        }
        let summary = report["summary"]
        func count(_ name: String) -> String { summary?[name].map { if case .int(let n) = $0 { String(n) } else { "0" } } ?? "0" }
        let dryRun = report["dry_run"]?.boolValue ?? true
        let (created, disabled) = dryRun ? ("to create", "to create disabled") : ("created", "created disabled")
        text += "\(dryRun ? "dry run (nothing stored; run again with --confirm to import)" : "imported"): "
        text +=
            "\(count("create")) \(created), \(count("create_disabled")) \(disabled), \(count("exists")) already here, \(count("refused")) refused\n"
        return text
    }
}
