import Foundation
import Hummingbird
import NIOCore

/// JSON request bodies and responses. Bodies are read as JSON objects first so unknown fields and
/// wrong types can be refused naming the field, before anything is decoded or stored.
enum JSONBody {
    static func response(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A response whose body is JSON text built by the caller.
    static func response(text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The request body as a JSON object (413 above the context's cap, 400 when not an object).
    static func object(_ request: Request, context: AppContext) async throws -> [String: Any] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "the request body is larger than \(context.maxUploadSize) bytes")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw APIError.invalid(field: nil, "the request body must be a JSON object")
        }
        return object
    }

    /// Decodes `object` as `T`, refusing members `T` does not know (and `extra` allows) and
    /// naming the field of a wrong type.
    static func decode<T: Decodable>(_ type: T.Type, from object: [String: Any], allowed: Set<String>, extra: Set<String> = []) throws -> T {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) && !extra.contains($0) }) {
            throw APIError.invalid(field: unknown, "is not a field of this resource")
        }
        let data = try JSONSerialization.data(withJSONObject: object.filter { allowed.contains($0.key) })
        do {
            let decoded = try JSONDecoder().decode(T.self, from: data)
            if let encodable = decoded as? any Encodable, let echoed = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(encodable)),
                let unknown = unknownNestedMember(sent: object.filter { allowed.contains($0.key) }, understood: echoed)
            {
                throw APIError.invalid(field: unknown, "is not a field here")
            }
            return decoded
        } catch let error as DecodingError {
            throw APIError.invalid(field: fieldPath(error) ?? culprit(T.self, in: object.filter { allowed.contains($0.key) }), describe(error))
        }
    }

    /// When the decoder cannot say where it failed — Foundation reports a fractional number where
    /// a whole one belongs without a path — the first member holding a fractional number.
    private static func culprit<T>(_ type: T.Type, in value: Any, path: String = "") -> String? {
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                if let found = culprit(type, in: object[key]!, path: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        } else if let array = value as? [Any] {
            for (index, item) in array.enumerated() {
                if let found = culprit(type, in: item, path: "\(path)[\(index)]") { return found }
            }
        } else if let number = value as? NSNumber, !(value is Bool), number.doubleValue.rounded() != number.doubleValue {
            return path
        }
        return nil
    }

    /// The first member of an object nested in `sent` that the decoded value does not have
    /// (Decodable ignores unknown members; the API refuses them). Null members count as not sent.
    private static func unknownNestedMember(sent: Any, understood: Any, path: String = "", depth: Int = 0) -> String? {
        if let object = sent as? [String: Any], let known = understood as? [String: Any] {
            for key in object.keys.sorted() where !(object[key] is NSNull) {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let value = known[key] else { return depth > 0 ? childPath : nil }
                if let found = unknownNestedMember(sent: object[key]!, understood: value, path: childPath, depth: depth + 1) { return found }
            }
        } else if let array = sent as? [Any], let known = understood as? [Any], array.count == known.count {
            for (index, item) in array.enumerated() {
                if let found = unknownNestedMember(sent: item, understood: known[index], path: "\(path)[\(index)]", depth: depth + 1) { return found }
            }
        }
        return nil
    }

    static func fieldPath(_ error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: return nil
        }
        guard !path.isEmpty else { return nil }
        return path.reduce("") { result, key in
            if let index = key.intValue { return result + "[\(index)]" }
            return result.isEmpty ? key.stringValue : result + "." + key.stringValue
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, _): "must be \(typeName(type))"
        case .valueNotFound(let type, _): "must be \(typeName(type)), not null"
        case .keyNotFound: "is required"
        case .dataCorrupted(let context): context.codingPath.isEmpty ? "has a value of the wrong type" : context.debugDescription
        @unknown default: "is invalid"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: "a whole number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
