/// Why an SSH operation failed, in words an admin can act on.
struct SSHError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
