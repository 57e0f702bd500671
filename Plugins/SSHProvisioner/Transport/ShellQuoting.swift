/// An SSH "exec" request carries one command line that the remote login shell parses, so an
/// argument vector must be turned into text that the shell splits back into exactly those
/// arguments: each one in single quotes, with every `'` written as `'\''`. Nothing inside single
/// quotes is special to a POSIX shell, so no value can add a command.
enum ShellQuoting {
    static func quote(_ argument: String) -> String {
        "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The command line for `argv`, through `sudo -n` when the login user is not root.
    static func commandLine(_ argv: [String], sudo: Bool) -> String {
        ((sudo ? ["sudo", "-n", "--"] : []) + argv).map(quote).joined(separator: " ")
    }
}
