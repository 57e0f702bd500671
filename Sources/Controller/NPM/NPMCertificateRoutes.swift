import Foundation
import Hummingbird
import JSONCore
import MultipartKit
import NIOPosix

/// NPM's certificate routes beyond the common ones: `validate` and `{id}/upload` (multipart
/// forms with `certificate`, `certificate_key` and optional `intermediate_certificate`, as NPM's
/// clients send files), `dns-providers` (none: this controller's Caddy has no DNS module),
/// `{id}/renew` (refused: Caddy renews automatic certificates itself), `{id}/download` (refused:
/// the controller keeps no key of an automatic certificate, and NPM gives out only certbot's) and
/// `test-http` (refused: Caddy checks each name over HTTP-01 when it obtains the certificate).
struct NPMCertificateRoutes: Sendable {
    let service: ResourceService<CertificateKind>
    let inspector: CertificateInspector
    let validation: @Sendable (Identity) async throws -> ValidationContext

    /// The files of a certificate form.
    struct Files: Decodable {
        var certificate: String
        var certificate_key: String
        var intermediate_certificate: String?

        /// The leaf followed by the intermediate, as Caddy loads a chain.
        var chain: String {
            guard let intermediate = intermediate_certificate, !intermediate.isEmpty else { return certificate }
            return certificate.hasSuffix("\n") ? certificate + intermediate : certificate + "\n" + intermediate
        }
    }

    func register(on nginx: RouterGroup<AppContext>) {
        let group = nginx.group("certificates")
        group.get("dns-providers") { _, context in
            _ = try context.requireIdentity()
            return JSONBody.response(.array([]))
        }
        group.post("validate") { request, context in
            _ = try context.requireAdmin()
            let files = try await Self.files(request, context: context)
            let facts = try await NIOThreadPool.singleton.runIfActive { [inspector] in
                try inspector.inspect(certificate: files.chain, key: files.certificate_key)
            }
            return JSONBody.response(
                .with([
                    "certificate": JSON.with([
                        "cn": facts.domainNames.first ?? "", "issuer": facts.issuer,
                        "dates": JSON.with([
                            "from": Int(facts.validFrom.timeIntervalSince1970), "to": Int(facts.expiresOn.timeIntervalSince1970),
                        ]),
                    ]),
                    "certificate_key": true,
                ]))
        }
        group.post(":id/upload") { request, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            guard try await service.get(id)["provider"] == "other" else {
                throw ValidationFailure("provider", "only a custom certificate (provider other) takes uploaded files; Caddy obtains the others")
            }
            let files = try await Self.files(request, context: context)
            _ = try await service.update(
                id, ["certificate": .string(files.chain), "certificate_key": .string(files.certificate_key)],
                validation: try await validation(identity), actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            var answer: JSON = ["certificate": .string(files.certificate), "certificate_key": "stored; a key is never shown again"]
            if let intermediate = files.intermediate_certificate, !intermediate.isEmpty { answer["intermediate_certificate"] = .string(intermediate) }
            return JSONBody.response(answer)
        }
        group.get(":id/download") { _, context -> Response in
            _ = try context.requireAdmin()
            let certificate = try await service.get(try context.pathID())
            throw ValidationFailure(
                "id",
                certificate["provider"] == "letsencrypt"
                    ? "Caddy obtained this certificate on the server that serves it and keeps its key there: the controller has nothing to download"
                    : "Only Let's Encrypt certificates can be downloaded, as in NPM: this one was uploaded, and you hold its files")
        }
        group.get("test-http") { request, context -> Response in
            _ = try context.requireAdmin()
            guard request.uri.queryParameters.get("domains") != nil else { throw ValidationFailure("domains", "is required: a JSON list of names") }
            throw ValidationFailure(
                "domains",
                "not offered: Caddy checks each name over HTTP-01 when it obtains the certificate, and the certificate's status says what failed")
        }
        group.post(":id/renew") { _, context -> Response in
            _ = try context.requireAdmin()
            _ = try await service.get(try context.pathID())
            throw ValidationFailure(
                "id",
                "Caddy renews automatic certificates by itself, 30 days before they expire; a custom one is renewed by uploading new files")
        }
    }

    /// The multipart form of `request`, decoded (400 naming what is missing or malformed).
    static func files(_ request: Request, context: AppContext) async throws -> Files {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
            let boundary = type.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count)
        else { throw ValidationFailure("body", "must be a multipart form (certificate, certificate_key, intermediate_certificate)") }
        let body: [UInt8]
        do {
            body = Array((try await request.body.collect(upTo: context.maxUploadSize)).readableBytesView)
        } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "the request body is larger than \(context.maxUploadSize) bytes")
        }
        do {
            return try FormDataDecoder().decode(Files.self, from: body, boundary: String(boundary.trimmingCharacters(in: ["\""])))
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, _): throw ValidationFailure(key.stringValue, "is missing from the form")
            default: throw ValidationFailure("body", "is not a form of certificate files")
            }
        } catch {
            throw ValidationFailure("body", "is not a well-formed multipart form")
        }
    }
}
