import Glibc
import JSONCore
import PluginAPI

/// Runs a profile plugin as a pipeline step: the plugin only describes actions; the host checks
/// each against the target (plan, with probes and reads only), performs the ones that are not
/// already right (apply), and puts files back as they were (rollback). A second run finds
/// nothing to do.
///
/// A command whose check passed at plan time is checked again at apply time when an action
/// before it ran (`recheck`): a service that a changed file made the profile stop is then
/// started again, as its check now fails.
///
/// plan → `{"changes", "profile", "needed", "recheck"}` (the profile's output, the indices to
/// apply, and the indices to check again);
/// apply → the journal `{"files": [{"path", "existed", "previous", "mode", "user", "group"}]}`.
struct ProfileStep: @unchecked Sendable {  // a function pointer into a never-unloaded library
    let actions: PluginFunction

    /// Files up to this size are kept in the journal, so rollback can restore them.
    static let journalledFileLimit = 1 << 20

    func plan(config: [UInt8], input: [UInt8], services: HostServices) -> PluginCallResult {
        let described = PluginInvocation.call(actions, config: config, input: input, services: services)
        guard described.status == PP_OK else { return described }
        guard let target = services.target else { return Self.failure("a profile needs a target") }
        do {
            let actions = try ProfileAction.parse(described.output)
            var changes: [String] = []
            var needed: [Int] = []
            var recheck: [Int] = []
            var changedFiles: Set<String> = []
            for (index, action) in actions.enumerated() {
                if services.isCancelled() { return PluginCallResult(status: PP_CANCELLED, output: [], error: "", outputOverflowed: false) }
                guard let change = try Self.change(action, on: target, changedFiles: changedFiles) else {
                    if !needed.isEmpty, case .command(let command) = action, command.check != nil, command.afterChangeOf == nil {
                        recheck.append(index)
                    }
                    continue
                }
                if case .file(let path, _, _, _) = action { changedFiles.insert(path) }
                changes.append(change)
                needed.append(index)
            }
            let plan: JSON = [
                "changes": .strings(changes), "needed": .array(needed.map(JSON.int)), "recheck": .array(recheck.map(JSON.int)),
                "profile": .string(String(decoding: described.output, as: UTF8.self)),
            ]
            return PluginCallResult(status: PP_OK, output: [UInt8](plan.serialized()), error: "", outputOverflowed: false)
        } catch {
            return Self.failure("\(error)")
        }
    }

    func apply(config: [UInt8], input: [UInt8], services: HostServices) -> PluginCallResult {
        guard let target = services.target else { return Self.failure("a profile needs a target") }
        var journal: [JSON] = []
        func result(_ status: Int32, _ error: String = "") -> PluginCallResult {
            PluginCallResult(
                status: status, output: [UInt8](JSON.object([("files", .array(journal))]).serialized()), error: error, outputOverflowed: false)
        }
        do {
            guard let plan = try? JSONParser.parse(input), case .string(let profile)? = plan["profile"],
                let needed = plan["needed"].flatMap({ try? [Int](json: $0) })
            else { return Self.failure("the plan is not one the host wrote") }
            let actions = try ProfileAction.parse([UInt8](profile.utf8))
            let recheck = Set(plan["recheck"].flatMap { try? [Int](json: $0) } ?? [])
            var written: Set<String> = []
            for index in (needed + recheck).sorted() where actions.indices.contains(index) {
                if services.isCancelled() { return result(PP_CANCELLED) }
                // Checked again now: what ran before it may have undone what its check saw.
                if recheck.contains(index), try Self.change(actions[index], on: target, changedFiles: written) == nil { continue }
                switch actions[index] {
                case .file(let path, let content, let source, let mode):
                    let previous = try target.readFile(path)
                    var entry: [(String, JSON)] = [("path", .string(path)), ("existed", .bool(previous != nil))]
                    if let previous, previous.count <= Self.journalledFileLimit {
                        entry.append(("previous", .string(Base64.encode(previous))))
                    }
                    if previous != nil, let owner = try target.ownership(of: path) {
                        entry += [("mode", .int(Int(owner.mode))), ("user", .int(Int(owner.user))), ("group", .int(Int(owner.group)))]
                    }
                    journal.append(.object(entry))
                    services.onProgress("write \(path)")
                    try target.writeFile(path, contents: try Self.bytes(content: content, source: source), mode: mode)
                    written.insert(path)
                case .command(let command):
                    if let paths = command.afterChangeOf, written.isDisjoint(with: paths) { continue }
                    services.onProgress("run \(command.summary ?? command.argv.joined(separator: " "))")
                    let progress = services.onProgress
                    let outcome = try target.run(TargetCommand(argv: command.argv), onLine: { progress($0.text) }, isCancelled: services.isCancelled)
                    guard outcome.exitStatus == 0 else {
                        let tail = String(String(decoding: outcome.standardError + outcome.standardOutput, as: UTF8.self).suffix(500))
                        return result(PP_FAILED, "`\(command.argv.joined(separator: " "))` exited with \(outcome.exitStatus): \(tail)")
                    }
                }
            }
            return result(PP_OK)
        } catch TargetError.cancelled {
            return result(PP_CANCELLED)
        } catch {
            return result(PP_FAILED, "\(error)")
        }
    }

    /// Puts back every file apply wrote: its previous bytes with its previous mode and owner, or
    /// no file when there was none.
    /// (Commands are not undone; a profile's commands are written to be safe to repeat.)
    func rollback(config: [UInt8], input: [UInt8], services: HostServices) -> PluginCallResult {
        guard let target = services.target else { return Self.failure("a profile needs a target") }
        guard let journal = try? JSONParser.parse(input), case .array(let files)? = journal["files"] else {
            return PluginCallResult(status: PP_OK, output: [], error: "", outputOverflowed: false)
        }
        do {
            for entry in files.reversed() {
                guard case .string(let path)? = entry["path"] else { continue }
                if entry["existed"] == .bool(true) {
                    guard case .string(let encoded)? = entry["previous"], let previous = Base64.decode(encoded) else { continue }
                    guard case .int(let mode)? = entry["mode"], case .int(let user)? = entry["user"], case .int(let group)? = entry["group"],
                        let owner = UInt32(exactly: user), let ownerGroup = UInt32(exactly: group), (0...0o7777).contains(mode)
                    else {
                        // A journal written before owners were recorded: the bytes, private.
                        try target.writeFile(path, contents: previous, mode: 0o600)
                        continue
                    }
                    // Written private first, then given its owner and mode: never readable by more than it was.
                    try target.writeFile(path, contents: previous, mode: 0o600)
                    try target.setOwnership(FileOwnership(mode: UInt32(mode), user: owner, group: ownerGroup), of: path)
                } else {
                    _ = try target.removeFile(path)
                }
            }
            return PluginCallResult(status: PP_OK, output: [], error: "", outputOverflowed: false)
        } catch {
            return Self.failure("\(error)")
        }
    }

    // MARK: - Checks

    /// What applying `action` would change, or nil when it is already right.
    private static func change(_ action: ProfileAction, on target: any Target, changedFiles: Set<String>) throws -> String? {
        switch action {
        case .file(let path, let content, let source, let mode):
            guard let state = try target.fileState(path, comparedWith: try bytes(content: content, source: source)) else { return "create \(path)" }
            if !state.sameContents { return "update \(path)" }
            return state.mode != mode & 0o7777 ? "set the mode of \(path) to \(String(mode, radix: 8))" : nil
        case .command(let command):
            if let onlyIf = command.onlyIf, try probe(target, onlyIf).exitStatus != 0 { return nil }
            let summary = command.summary ?? command.argv.joined(separator: " ")
            if let paths = command.afterChangeOf { return changedFiles.isDisjoint(with: paths) ? nil : "run \(summary)" }
            guard let check = command.check else { return "run \(summary)" }
            let outcome = try probe(target, check)
            let satisfied =
                outcome.exitStatus == 0
                && (command.checkContains.map { String(decoding: outcome.standardOutput, as: UTF8.self).contains($0) } ?? true)
            return satisfied ? nil : "run \(summary)"
        }
    }

    private static func probe(_ target: any Target, _ argv: [String]) throws -> CommandResult {
        try target.run(TargetCommand(argv: argv, timeout: .seconds(60)), onLine: { _ in }, isCancelled: { false })
    }

    private static func bytes(content: [UInt8]?, source: String?) throws -> [UInt8] {
        if let content { return content }
        guard let source, let data = try? LocalFiles.read(source) else {
            throw ProfileError("the host has no file \(source ?? "")")
        }
        return data
    }

    private static func failure(_ message: String) -> PluginCallResult {
        PluginCallResult(status: PP_FAILED, output: [], error: message, outputOverflowed: false)
    }
}
