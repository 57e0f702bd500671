// Fuzz target: the HTTP/1.1 response reader of the Caddy admin socket client (status line,
// headers, Content-Length and chunked bodies).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    if let response = try? UnixSocketHTTPClient.parse(raw, limit: 1 << 16) {
        guard (100...999).contains(response.status), response.body.count <= raw.count else { fatalError("impossible response: \(response.status)") }
    }
    return 0
}
