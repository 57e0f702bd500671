import JSONCore

/// Custom error pages: the user's HTML served literally, with the original status.
enum ErrorPages {
    /// A `static_response` with `html` as its body (braces escaped, so nothing in the page is
    /// expanded) and `status`, a Caddy placeholder for the status being replaced.
    static func response(_ html: String, status: String) -> JSON {
        [
            "handler": "static_response", "status_code": .string(status), "body": .string(UserText.literal(html)),
            "headers": ["Content-Type": ["text/html; charset=utf-8"]],
        ]
    }
}
