import Hummingbird
import JSONCore
import NIOCore

/// JSON request bodies and responses, in one model: bodies are parsed once into ``JSON`` and
/// decoded strictly (``JSONInput``); responses are ``JSON`` values serialized by JSONCore.
enum JSONBody {
    static func response(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    /// The request body as a JSON object (413 above the context's cap, 400 when not an object).
    static func object(_ request: Request, context: AppContext) async throws -> JSON {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "the request body is larger than \(context.maxUploadSize) bytes")
        }
        guard let value = try? JSONParser.parse(buffer.readableBytesView), case .object = value else {
            throw APIError.invalid(field: nil, "the request body must be a JSON object")
        }
        return value
    }

    /// The request body decoded as `T` (see ``JSONInput``).
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, context: AppContext) async throws -> T {
        try JSONInput.decode(type, from: try await object(request, context: context))
    }
}
