/// Polls `condition` every 200 ms for up to `seconds` (a loaded CI machine is slow; a quick one
/// returns early), and once more after the deadline (a test whose threads were starved may not
/// have looked in the meantime); throws naming `what` when it never holds.
public func eventually(_ what: String, seconds: Int = 20, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    if try await condition() { return }
    throw TestSetupError("never happened within \(seconds) s: \(what)")
}
