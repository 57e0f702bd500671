import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import JSONCore

/// The controller's HTTPS requests to the identity provider: discovery, key set and token
/// exchange. TLS always, verified against the system's roots plus the files of
/// `POSTERNPROXY_OIDC_CA_ROOTS` (a provider with a private CA); no redirects followed; answers
/// above 1 MiB or slower than 10 seconds are refused.
struct ProviderClient: Sendable {
    let tls: TLSConfiguration

    init(trustedRootFiles: [String]) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = trustedRootFiles.map { .file($0) }
        self.tls = tls
    }

    /// One client for the process's life: it is never shut down, so it never needs to be.
    private static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(10)))
    )
    private static let maximumBody = 1 << 20

    func get(_ url: String, what: String) async throws(SingleSignOnError) -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        return try await send(request, what: what)
    }

    /// POSTs `form` as `application/x-www-form-urlencoded`, with HTTP Basic credentials when given.
    func post(_ url: String, form: [(String, String)], basic: (user: String, password: String)?, what: String) async throws(SingleSignOnError) -> Data
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let basic {
            // RFC 6749 §2.3.1: both parts form-encoded before base64.
            let pair = "\(Self.formEncode(basic.user)):\(Self.formEncode(basic.password))"
            request.headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
        }
        request.body = .bytes(ByteBuffer(string: form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")))
        return try await send(request, what: what)
    }

    private func send(_ request: HTTPClientRequest, what: String) async throws(SingleSignOnError) -> Data {
        var request = request
        request.tlsConfiguration = tls
        guard request.url.lowercased().hasPrefix("https://") else { throw .provider("the \(what) (\(request.url)) is not an https URL") }
        do {
            let response = try await Self.http.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: Self.maximumBody)
            let data = Data(buffer: body)
            guard response.status == .ok else {
                let reason = (try? JSONParser.parse(data)).flatMap { object in
                    object["error_description"]?.stringValue ?? object["error"]?.stringValue
                }
                throw SingleSignOnError.provider(
                    "the \(what) answered \(response.status.code)\(reason.map { ": \(FieldRules.printable($0))" } ?? "")")
            }
            return data
        } catch let error as SingleSignOnError {
            throw error
        } catch let error as NIOSSLError {
            guard case .handshakeFailed = error else { throw .provider("the \(what) (\(request.url)) failed over TLS: \(error)") }
            throw .provider(
                "the \(what) (\(request.url)) could not be reached: TLS handshake failed, so the provider's certificate is not trusted here "
                    + "(a private CA needs its root in POSTERNPROXY_OIDC_CA_ROOTS) or does not name its host")
        } catch {
            throw .provider("the \(what) (\(request.url)) could not be reached: \(error)")
        }
    }

    /// `application/x-www-form-urlencoded`: unreserved characters kept, everything else %XX.
    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(0x7F)))
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
