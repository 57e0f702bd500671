// Fuzz target: the messages an agent and a controller read from each other's WebSocket. A
// message that is accepted must encode to one that is accepted again.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAgentMessages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let message = try? AgentMessage.decode(bytes) {
        guard (try? AgentMessage.decode(message.encoded())) != nil else { fatalError("an accepted agent message does not survive encoding") }
    }
    if let message = try? ControllerMessage.decode(bytes) {
        guard (try? ControllerMessage.decode(message.encoded())) != nil else {
            fatalError("an accepted controller message does not survive encoding")
        }
    }
    return 0
}
