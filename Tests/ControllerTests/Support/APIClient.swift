import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An HTTP client for the controller's API. It keeps no cookies by itself: tests set the
/// `Authorization` header or the cookies they mean to send.
struct APIClient: Sendable {
    let baseURL: String
    var bearer: String?
    var cookies: [String: String] = [:]
    var headers: [String: String] = [:]

    init(port: Int, bearer: String? = nil) {
        baseURL = "http://127.0.0.1:\(port)"
        self.bearer = bearer
    }

    struct Answer: @unchecked Sendable {
        var status: Int
        var headers: [String: String]
        var setCookies: [String: String]
        var body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }
        var errorField: String? { (object["error"] as? [String: Any])?["field"] as? String }
        var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String? { (object["error"] as? [String: Any])?["message"] as? String }
        var id: Int64? { (object["id"] as? NSNumber)?.int64Value }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        // A request that does seconds of work alone (an import from NPM hashes a password per
        // user, a quarter of a second each in release builds) takes ten times as long on a CI
        // machine running every suite at once: 30 s cut such a request off there.
        configuration.timeoutIntervalForRequest = 90
        return URLSession(configuration: configuration)
    }()

    func send(_ method: String, _ path: String, json: Any? = nil, raw: Data? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let raw { request.httpBody = raw }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if !cookies.isEmpty { request.setValue(cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (body, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        var setCookies: [String: String] = [:]
        for cookie in HTTPCookie.cookies(withResponseHeaderFields: http.allHeaderFields as? [String: String] ?? [:], for: URL(string: baseURL)!) {
            setCookies[cookie.name] = cookie.value
        }
        return Answer(status: http.statusCode, headers: headers, setCookies: setCookies, body: body)
    }

    func get(_ path: String) async throws -> Answer { try await send("GET", path) }
    func post(_ path: String, _ json: Any? = nil) async throws -> Answer { try await send("POST", path, json: json) }
    func put(_ path: String, _ json: Any) async throws -> Answer { try await send("PUT", path, json: json) }
    func delete(_ path: String) async throws -> Answer { try await send("DELETE", path) }

    /// Logs in and returns a client that sends the access token as a bearer token.
    static func loggedIn(port: Int, email: String = ControllerProcess.adminEmail, password: String = ControllerProcess.adminPassword) async throws
        -> APIClient
    {
        let answer = try await APIClient(port: port).post("/api/auth/login", ["email": email, "password": password])
        guard answer.status == 200, let token = answer.object["access_token"] as? String else {
            throw NSError(domain: "login", code: answer.status, userInfo: [NSLocalizedDescriptionKey: String(decoding: answer.body, as: UTF8.self)])
        }
        return APIClient(port: port, bearer: token)
    }
}
