import CLibSSH2
import Foundation

/// One SSH connection made with libssh2: connected with a timeout, the server's host key checked
/// against the pinned one before any credential is sent, then authenticated with a password or a
/// private key. Commands run over "exec" channels; libssh2 runs non-blocking so every wait can
/// time out and notice cancellation. Not thread-safe: one call at a time (the ABI's rule for a
/// transport session).
final class SSHSession {
    struct Options {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var privateKey: String?
        var passphrase: String?
        /// The pinned host key (`SHA256:<base64>`); nil on first use.
        var knownHostKey: String?
        /// Stop after the key exchange: the host key is known, nothing was authenticated.
        var scanOnly = false
        /// Without a pinned key, refuse before any credential is sent.
        var requireKnownHostKey = false
        var connectTimeout: Duration = .seconds(15)
    }

    /// The server's host key, `SHA256:<base64>` as OpenSSH prints it.
    private(set) var hostKey = ""
    /// Commands go through `sudo -n` for a user other than root.
    private(set) var usesSudo = false
    private let session: OpaquePointer
    private let socket: Int32
    private var closed = false

    private static let initialized: Bool = libssh2_init(0) == 0

    static func open(_ options: Options, isCancelled: () -> Bool) throws(SSHError) -> SSHSession {
        guard initialized else { throw SSHError("libssh2 could not be initialized") }
        let deadline = ContinuousClock.now + options.connectTimeout
        let socket = try connect(host: options.host, port: options.port, deadline: deadline)
        guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else {
            Glibc.close(socket)
            throw SSHError("libssh2 could not create a session")
        }
        let opened = SSHSession(session: session, socket: socket)
        libssh2_session_set_blocking(session, 0)
        do {
            try opened.retry("SSH handshake with \(options.host):\(options.port)", deadline: deadline, isCancelled: isCancelled) {
                libssh2_session_handshake(session, socket)
            }
            let key = try opened.fingerprint()
            if let pinned = options.knownHostKey, !pinned.isEmpty, pinned != key {
                throw SSHError(
                    "the host key of \(options.host) changed: pinned \(pinned), offered \(key); refusing to connect (if the server was reinstalled, clear its pinned key)"
                )
            }
            opened.hostKey = key
            if options.scanOnly { return opened }
            if options.requireKnownHostKey, options.knownHostKey?.isEmpty ?? true {
                throw SSHError("the host key of \(options.host) (\(key)) is not confirmed; refusing to send credentials until an admin confirms it")
            }
            try opened.authenticate(options, deadline: deadline, isCancelled: isCancelled)
            opened.usesSudo = options.user != "root"
            return opened
        } catch let error as SSHError {
            opened.close()
            throw error
        } catch {
            opened.close()
            throw SSHError("\(error)")
        }
    }

    private init(session: OpaquePointer, socket: Int32) {
        self.session = session
        self.socket = socket
    }

    deinit { close() }

    /// Runs `argv` (through sudo when needed) with `input` on its standard input. Output is
    /// handed over as it arrives; more than `limit` bytes in all, or `onOutput` answering false
    /// (its receiver is full), fails the command.
    func run(
        _ argv: [String], input: Data, timeout: Duration, limit: Int, isCancelled: () -> Bool,
        onOutput: (_ isError: Bool, _ bytes: UnsafeRawBufferPointer) -> Bool
    ) throws(SSHError) -> Int32 {
        let deadline = ContinuousClock.now + timeout
        let what = argv.first ?? "command"
        let channel = try openChannel(deadline: deadline, isCancelled: isCancelled)
        defer { libssh2_channel_free(channel) }
        let line = ShellQuoting.commandLine(argv, sudo: usesSudo)
        try retry("starting \(what)", deadline: deadline, isCancelled: isCancelled) {
            libssh2_channel_process_startup(channel, "exec", 4, line, UInt32(line.utf8.count))
        }
        var written = 0, received = 0
        var eofSent = false
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            var progressed = false
            if written < input.count {
                let count = input.withUnsafeBytes { raw in
                    libssh2_channel_write_ex(
                        channel, 0, raw.baseAddress!.advanced(by: written).assumingMemoryBound(to: CChar.self), input.count - written)
                }
                if count > 0 {
                    written += count
                    progressed = true
                } else if count != LIBSSH2_ERROR_EAGAIN {
                    throw SSHError("sending input to \(what) failed: \(lastError())")
                }
            } else if !eofSent {
                let result = libssh2_channel_send_eof(channel)
                if result == 0 {
                    eofSent = true
                    progressed = true
                } else if result != LIBSSH2_ERROR_EAGAIN {
                    throw SSHError("closing the input of \(what) failed: \(lastError())")
                }
            }
            for stream: Int32 in [0, 1] {
                let count = buffer.withUnsafeMutableBytes { raw in
                    libssh2_channel_read_ex(channel, stream, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
                }
                if count > 0 {
                    received += count
                    guard received <= limit else { throw SSHError("\(what) printed more than \(limit) bytes; stopped") }
                    let accepted = buffer.withUnsafeBytes { onOutput(stream == 1, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                    guard accepted else { throw SSHError("the output of \(what) is over the receiver's limit; stopped") }
                    progressed = true
                } else if count < 0 && count != LIBSSH2_ERROR_EAGAIN {
                    throw SSHError("reading the output of \(what) failed: \(lastError())")
                }
            }
            if !progressed {
                if libssh2_channel_eof(channel) == 1 { break }
                try wait(deadline: deadline, isCancelled: isCancelled, what: what)
            }
        }
        try retry("closing \(what)", deadline: deadline, isCancelled: isCancelled) { libssh2_channel_close(channel) }
        try retry("closing \(what)", deadline: deadline, isCancelled: isCancelled) { libssh2_channel_wait_closed(channel) }
        var signal: UnsafeMutablePointer<CChar>?
        var signalLength = 0
        libssh2_channel_get_exit_signal(channel, &signal, &signalLength, nil, nil, nil, nil)
        if let signal {
            defer { free(signal) }
            return 128 + (Self.signalNumbers[String(cString: signal)] ?? 15)
        }
        return libssh2_channel_get_exit_status(channel)
    }

    func close() {
        guard !closed else { return }
        closed = true
        libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "done", "")
        libssh2_session_free(session)
        Glibc.close(socket)
    }

    // MARK: - Steps of opening

    private func fingerprint() throws(SSHError) -> String {
        guard let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) else { throw SSHError("the server offered no host key") }
        let bytes = Data(bytes: hash, count: 32)
        return "SHA256:" + bytes.base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    private func authenticate(_ options: Options, deadline: ContinuousClock.Instant, isCancelled: () -> Bool) throws(SSHError) {
        let user = options.user
        if let key = options.privateKey, !key.isEmpty {
            do {
                try retry("key authentication", deadline: deadline, isCancelled: isCancelled) {
                    libssh2_userauth_publickey_frommemory(session, user, user.utf8.count, nil, 0, key, key.utf8.count, options.passphrase ?? "")
                }
            } catch {
                throw SSHError("the server refused the private key for user \(user) (or its passphrase is wrong): \(error)")
            }
        } else if let password = options.password {
            do {
                try retry("password authentication", deadline: deadline, isCancelled: isCancelled) {
                    libssh2_userauth_password_ex(session, user, UInt32(user.utf8.count), password, UInt32(password.utf8.count), nil)
                }
            } catch {
                throw SSHError("the server refused the password for user \(user): \(error)")
            }
        } else {
            throw SSHError("no password or private key was given")
        }
    }

    private func openChannel(deadline: ContinuousClock.Instant, isCancelled: () -> Bool) throws(SSHError) -> OpaquePointer {
        while true {
            if let channel = libssh2_channel_open_ex(session, "session", 7, 2 * 1024 * 1024, 32768, nil, 0) { return channel }
            guard libssh2_session_last_errno(session) == LIBSSH2_ERROR_EAGAIN else { throw SSHError("opening a channel failed: \(lastError())") }
            try wait(deadline: deadline, isCancelled: isCancelled, what: "opening a channel")
        }
    }

    // MARK: - Non-blocking plumbing

    /// Repeats a libssh2 call while it answers EAGAIN, waiting on the socket in between.
    private func retry(_ what: String, deadline: ContinuousClock.Instant, isCancelled: () -> Bool, _ call: () -> Int32) throws(SSHError) {
        while true {
            let result = call()
            if result == 0 { return }
            guard result == LIBSSH2_ERROR_EAGAIN else { throw SSHError("\(what) failed: \(lastError())") }
            try wait(deadline: deadline, isCancelled: isCancelled, what: what)
        }
    }

    /// Waits until the socket is ready in the direction libssh2 needs, at most 100 ms.
    private func wait(deadline: ContinuousClock.Instant, isCancelled: () -> Bool, what: String) throws(SSHError) {
        if isCancelled() { throw SSHError("cancelled while \(what)") }
        guard ContinuousClock.now < deadline else { throw SSHError("timed out while \(what)") }
        let directions = libssh2_session_block_directions(session)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        var descriptor = pollfd(fd: socket, events: events == 0 ? Int16(POLLIN) : events, revents: 0)
        _ = poll(&descriptor, 1, 100)
    }

    private func lastError() -> String {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        return message.map { "\(String(cString: $0)) (\(code))" } ?? "error \(code)"
    }

    private static let signalNumbers: [String: Int32] = ["HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "SEGV": 11, "PIPE": 13, "ALRM": 14, "TERM": 15]

    // MARK: - TCP

    /// A TCP connection to `host`:`port`, made non-blocking, within the deadline.
    private static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) throws(SSHError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { throw SSHError("cannot resolve \(host): \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(list) }
        var lastProblem = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastProblem = String(cString: strerror(errno))
                Glibc.close(fd)
                continue
            }
            let remaining = max(0, Int32((deadline - ContinuousClock.now) / .milliseconds(1)))
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&descriptor, 1, remaining) == 1 {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 { return fd }
                lastProblem = String(cString: strerror(error))
            } else {
                lastProblem = "timed out"
            }
            Glibc.close(fd)
        }
        throw SSHError("cannot connect to \(host) port \(port): \(lastProblem)")
    }
}
