import Hummingbird

/// Query parameters read with their rules; a bad one is a 400 naming it.
struct QueryParameters {
    let request: Request

    func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[name[...]] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalid(field: name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// An id, or nil when the parameter is absent; present, it must be one (empty is refused too).
    func id(_ name: String) throws -> Int64? {
        guard let text = request.uri.queryParameters[name[...]] else { return nil }
        guard let value = Int64(text), value > 0 else { throw APIError.invalid(field: name, "must be an id") }
        return value
    }

    func string(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let text = request.uri.queryParameters[name[...]], !text.isEmpty else { return nil }
        // Only ever a bound SQL parameter, so any text is safe; only its length is capped.
        guard text.utf8.count <= maxLength else { throw APIError.invalid(field: name, "must be at most \(maxLength) bytes") }
        return String(text)
    }

    /// One of the values of `T` (by raw value); nil when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, of type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = request.uri.queryParameters[name[...]] else { return nil }
        guard let value = T(rawValue: String(text)) else {
            throw APIError.invalid(field: name, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// `true` or `false`; nil when absent.
    func bool(_ name: String) throws -> Bool? {
        guard let text = request.uri.queryParameters[name[...]] else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError.invalid(field: name, "must be true or false")
        }
    }

    /// `page` (from 1) and `limit` (1-1000, default `defaultLimit`).
    func paging(defaultLimit: Int) throws -> (page: Int, limit: Int) {
        (try int("page", default: 1, range: 1...1_000_000), try int("limit", default: defaultLimit, range: 1...1000))
    }
}

extension RequestContext {
    /// The `id` path parameter (or the one named `name`), or 404.
    func pathID(_ name: String = "id") throws -> Int64 {
        guard let text = parameters.get(name), let id = Int64(text), id > 0 else { throw APIError.notFound("resource") }
        return id
    }
}
