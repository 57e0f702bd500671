import Dispatch
import Glibc
import Host
import Logging

/// `posternproxy-agent [--config PATH]`: runs the agent until stopped. `--version` prints the
/// version. The configuration path may also come from `POSTERNPROXY_AGENT_CONFIG`.
@main
struct AgentCommand {
    /// A synchronous entry point that parks the main thread while the agent runs on Swift
    /// concurrency's threads. (An `async` main ends the main thread with `pthread_exit`, whose
    /// forced unwind maps the unwind tables of every frame: half a MiB of resident memory.)
    static func main() {
        ProcessMemory.configureForIdling()
        let finished = DispatchSemaphore(value: 0)
        // Detached: `main` runs on the main actor, whose queue the parked main thread never drains.
        Task.detached {
            await run()
            finished.signal()
        }
        finished.wait()
    }

    private static func run() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            print("posternproxy-agent \(HostIdentity.productVersion) (protocol \(AgentProtocol.version))")
            return
        }
        // The child the agent runs to load a fetched plugin once before it loads it itself
        // (IsolatedLoadCheck): a plugin that crashes while loading takes only this process down.
        if arguments.count == 2, arguments[0] == "--check-plugin" {
            do {
                _ = try PluginLoader(host: HostIdentity(name: "posternproxy-agent", version: HostIdentity.productVersion)).load(arguments[1])
                exit(0)
            } catch {
                print(error.description)
                exit(1)
            }
        }
        var path = ProcessEnvironment.value("POSTERNPROXY_AGENT_CONFIG") ?? AgentConfiguration.defaultPath
        if arguments.count == 2, arguments[0] == "--config" {
            path = arguments[1]
        } else if !arguments.isEmpty {
            fail("usage: posternproxy-agent [--config PATH] | --version")
        }
        do throws(LogFormatError) {
            try LogFormat.from(ProcessEnvironment.all).bootstrap()
        } catch {
            fail("posternproxy-agent: \(error)")
        }
        var logger = Logger(label: "posternproxy-agent")
        logger.logLevel = .info
        do {
            let configuration = try AgentConfiguration.load(path: path)
            let dataPlane = try DataPlane(configuration: configuration, logger: logger)
            // What ran before a restart runs again at once, before the controller is reached.
            await dataPlane.reconcile()
            // What the watch would find is known before the first status report (one made while
            // an apply runs says what the watch last found: a Caddy still down after a restart).
            if let found = await dataPlane.check() { await dataPlane.note(problem: found.problem) }
            let reconciler = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(configuration.reconcileSeconds))
                    await dataPlane.reconcile()
                }
            }
            let schedule = StatusSchedule(regular: .seconds(configuration.statusSeconds))
            // A Caddy restarted empty gets the running state back at once (the controller hears of it first).
            let watch = Task {
                await DataPlaneWatchLoop(interval: .seconds(configuration.watchSeconds), schedule: schedule, logger: logger).run(
                    check: { await dataPlane.check() }, note: { await dataPlane.note(problem: $0) }, reapply: { await dataPlane.reconcile() })
            }
            // What a burst (an apply, a report of 10,000 hosts) freed goes back to the system within
            // two seconds: its last blocks are freed on other threads after it is done, so a release
            // at its end would leave megabytes resident.
            let memory = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(2))
                    ProcessMemory.releaseUnused()
                }
            }
            defer {
                reconciler.cancel()
                watch.cancel()
                memory.cancel()
            }
            await ControllerLink(configuration: configuration, dataPlane: dataPlane, schedule: schedule, logger: logger).run()
        } catch {
            fail("posternproxy-agent: \(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        exit(2)
    }
}
