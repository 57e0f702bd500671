import CaddyL4Rendering
import JSONCore

/// What the Caddy step's plan hands to apply and verify: the rendering, its tag, and which
/// config Caddy ran when the plan was made. JSON, with the config embedded as it is (not as a
/// string), so passing it on costs no escaping.
struct CaddyPlan {
    var changes: [String]
    /// `@id` of the new config's root: ``CaddyApplier/tagPrefix`` and a hash of ``config``
    /// (``CaddyApplier/taggedSerialization(_:)``).
    var tag: String
    /// The tag of the config Caddy ran at plan time, if it was one of ours.
    var runningTag: String?
    /// The resources rendered into ``config``. Written as their ids by kind
    /// (`{"proxy_host": [1, 2]}`): 1,000 numbers, not 1,000 tags to make and quote.
    var rendered: [ResourceKey]
    /// Tags of the resources left out, with the reason.
    var rejected: [String: String]
    /// The rendered config, its tag the root's first member.
    var config: [UInt8]

    func serialized() -> [UInt8] {
        var members: [(String, JSON)] = [("changes", .strings(changes)), ("tag", .string(tag))]
        if let runningTag { members.append(("running_tag", .string(runningTag))) }
        members += [
            ("rendered", Self.idsByKind(rendered)),
            ("rejected", .object(rejected.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ]
        return JSON.serializedObject(members, raw: [("config", config)])
    }

    init(changes: [String], tag: String, runningTag: String?, rendered: [ResourceKey], rejected: [String: String], config: [UInt8]) {
        self.changes = changes
        self.tag = tag
        self.runningTag = runningTag
        self.rendered = rendered
        self.rejected = rejected
        self.config = config
    }

    /// Only the plan's tag, read without reading its config (which comes after it).
    static func tag(in bytes: [UInt8]) throws(JSONReadError) -> String {
        guard let tag: String = try JSONObject.leadingMember("tag", of: bytes) else {
            throw JSONReadError(problem: "missing").within(.key("tag"))
        }
        return tag
    }

    init(reading bytes: [UInt8]) throws(JSONReadError) {
        let (json, raw) = try JSONParser.parseObject(bytes, keepingRaw: ["config"])
        let object = try JSONObject(json)
        changes = try object.value("changes", default: [])
        tag = try object.required("tag")
        runningTag = try object.optional("running_tag")
        rendered = try Self.rendered(object.optional("rendered"))
        rejected = try object.value("rejected", default: [:])
        guard let config = raw["config"] else { throw JSONReadError(problem: "missing").within(.key("config")) }
        self.config = Array(config)
    }

    /// `keys` as one list of ids per kind, the kinds in the order they first appear.
    static func idsByKind(_ keys: [ResourceKey]) -> JSON {
        var kinds: [(kind: String, ids: [JSON])] = []
        // The kind's list the last key went to: the kinds are looked up only when it changes.
        var current = 0
        for key in keys {
            if kinds.isEmpty || kinds[current].kind != key.kind {
                current = kinds.firstIndex { $0.kind == key.kind } ?? kinds.count
                if current == kinds.count { kinds.append((key.kind, [])) }
            }
            kinds[current].ids.append(.int(key.id))
        }
        return .object(kinds.map { ($0.kind, .array($0.ids)) })
    }

    /// The rendered resources as ``idsByKind(_:)`` writes them; none when absent.
    private static func rendered(_ json: JSON?) throws(JSONReadError) -> [ResourceKey] {
        switch json {
        case nil: return []
        case .object(let kinds)?:
            var keys: [ResourceKey] = []
            for (kind, ids) in kinds {
                guard case .array(let list) = ids else {
                    throw JSONReadError(problem: "not a list of ids").within(.key(kind)).within(.key("rendered"))
                }
                for (index, id) in list.enumerated() {
                    guard case .int(let value) = id else {
                        throw JSONReadError(problem: "not an id").within(.index(index)).within(.key(kind)).within(.key("rendered"))
                    }
                    keys.append(ResourceKey(kind: kind, id: value))
                }
            }
            return keys
        default:
            throw JSONReadError(problem: "expected ids by kind").within(.key("rendered"))
        }
    }
}

/// The Caddy step's journal: the config to go back to, the tag loaded, and what became of each
/// resource (`resource_results`, which the host reads for every pipeline step). The previous
/// config is embedded as it is, like the plan's.
struct CaddyJournal {
    /// The config Caddy ran before, as JSON text; nil when it ran none.
    var previous: [UInt8]?
    var tag: String
    /// What became of each resource, in the order the apply settled them, each once. Written in
    /// that order (the plan's, so the same plan gives the same journal), each resource's tag
    /// straight from its kind and id: sorting a thousand tags and making an object for each, as
    /// a dictionary's members were, took 0.6 ms after every load at 1,000 hosts, and making the
    /// tags as strings alone 0.14 ms more, while Caddy starts to answer with the new config.
    private(set) var results: [(resource: ResourceKey, outcome: Outcome)] = []

    struct Outcome: JSONReadable {
        /// applied | failed
        var status: String
        var message: String?

        static let applied = Outcome(status: "applied")
        static func failed(_ message: String) -> Outcome { Outcome(status: "failed", message: message) }

        init(status: String, message: String? = nil) {
            self.status = status
            self.message = message
        }

        init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            status = try object.required("status")
            message = try object.optional("message")
        }

        /// Written once: nearly every resource is applied, and each shares this text.
        fileprivate static let appliedText = JSON.object([("status", .string("applied"))]).serialized()

        /// `{"status":…}`, with `message` when there is one.
        fileprivate var serialized: [UInt8] {
            if status == "applied", message == nil { return Self.appliedText }
            var members: [(String, JSON)] = [("status", .string(status))]
            if let message { members.append(("message", .string(message))) }
            return JSON.object(members).serialized()
        }
    }

    /// Records what became of `resource`. Each is settled once: a plan's rejected resources and
    /// its rendered ones are apart, and a rendered one Caddy's refusal blamed is settled as
    /// failed instead of applied.
    mutating func settle(_ resource: ResourceKey, _ outcome: Outcome) {
        results.append((resource, outcome))
    }

    /// Room for `count` results.
    mutating func reserve(_ count: Int) {
        results.reserveCapacity(count)
    }

    func serialized() -> [UInt8] {
        JSON.serializedObject([("tag", .string(tag))], raw: [("resource_results", resultsText()), ("previous", previous ?? Array("null".utf8))])
    }

    /// `{"proxy_host_7":{"status":"applied"},…}`: each tag written as its kind's quoted text
    /// (serialized once per run of one kind) with `_`, the id's digits and the closing quote.
    private func resultsText() -> [UInt8] {
        var text: [UInt8] = [UInt8(ascii: "{")]
        text.reserveCapacity(2 + results.count * (Outcome.appliedText.count + 24))
        // The kind of the last result, and its quoted text without the closing quote.
        var kind: String?
        var opening: [UInt8] = []
        for (index, (resource, outcome)) in results.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            if resource.kind != kind {
                kind = resource.kind
                opening = JSON.string(resource.kind).serialized().dropLast()
            }
            text += opening
            text.append(UInt8(ascii: "_"))
            text += String(resource.id).utf8
            text += #"":"#.utf8
            text += outcome.serialized
        }
        text.append(UInt8(ascii: "}"))
        return text
    }

    init(previous: [UInt8]?, tag: String) {
        self.previous = previous
        self.tag = tag
    }

    init(reading bytes: [UInt8]) throws(JSONReadError) {
        let (json, raw) = try JSONParser.parseObject(bytes, keepingRaw: ["previous"])
        let object = try JSONObject(json)
        tag = try object.required("tag")
        // Read as outcomes by tag (only a rollback reads a journal, for `previous`: the order is not needed).
        let byTag: [String: Outcome] = try object.value("resource_results", default: [:])
        results = byTag.compactMap { tag, outcome in ResourceKey(tag: tag).map { ($0, outcome) } }
        previous = raw["previous"].flatMap { $0.elementsEqual("null".utf8) ? nil : Array($0) }
    }
}
