/// Exponential backoff with jitter between reconnection attempts: 1 s, 2 s, 4 s ... up to
/// `maximum`, each delay drawn from ±25 % of its value so many agents do not return in step.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private var attempt = 0

    init(initial: Duration = .seconds(1), maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    mutating func nextDelay() -> Duration {
        let base = min(initial * (1 << min(attempt, 20)), maximum)
        attempt += 1
        return base * Double.random(in: 0.75...1.25)
    }

    mutating func reset() { attempt = 0 }
}
