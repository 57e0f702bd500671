import Logging
import ServiceLifecycle

/// Looks at the database's storage every `interval` without a write (free space, writability,
/// a checkpoint of the write-ahead log), so a fault is seen and logged at once and clears by
/// itself when the cause is gone; the browsers are told of each change (their banner).
final class StorageMonitor: Service {
    let store: Store
    let interval: Duration
    let logger: Logger

    init(store: Store, interval: Duration = .seconds(5), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await self.watch() }
    }

    private func watch() async {
        var last = store.database.storageFault
        if let last { logger.error("storage fault", metadata: ["fault": "\(last)"]) }
        while !Task.isCancelled {
            await store.database.checkStorage()
            let now = store.database.storageFault
            if now != last {
                if let now {
                    logger.error("storage fault", metadata: ["fault": "\(now)"])
                } else {
                    logger.notice("storage works again", metadata: ["was": "\(last.map { "\($0)" } ?? "")"])
                }
                store.statusFeed.announce()
                last = now
            }
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }
}
