import NodewardCore

/// Identifies a run online: run ids are only unique within a tenant.
struct RunKey: Hashable, Sendable {
    var tenant: String
    var run: String
}

/// A run's state online: its shadow context (edge grants, origin constraints, per-run limits) and the
/// steps already answered, by step id, for idempotent retries.
struct RunState {
    var context: ShadowRunContext
    var answered: [String: AnsweredStep] = [:]
}

/// A step answered once: the fingerprint of its content and the outcome it got, which a retry with the
/// same content gets again (neither re-evaluated nor recorded twice).
struct AnsweredStep {
    var fingerprint: Int
    var outcome: ShadowOutcome

    /// Identifies a step's content within this process (Swift's seeded hash of every member but where it
    /// was read from: a step's position in a batch is not its content). Never stored or shown.
    static func fingerprint(of step: Step, userRequest: String?) -> Int {
        var content = step
        content.source = SourceLocation(file: "", line: 0)
        var hasher = Hasher()
        hasher.combine(content)
        hasher.combine(userRequest)
        return hasher.finalize()
    }
}

/// Per-run state online (`RunState`), bounded two ways: an entry expires `ttl` after its last step, and at most
/// `capacity` runs are kept; at capacity the least recently used eighth is evicted at once, so the
/// sort is amortized over many inserts. Every eviction is counted.
struct RunTable {
    struct Entry {
        var state: RunState
        var lastUsed: Int64
    }

    let capacity: Int
    let ttlNanos: Int64
    private(set) var entries: [RunKey: Entry] = [:]
    private(set) var expired = 0
    private(set) var overCapacity = 0
    private var storesSinceSweep = 0

    init(capacity: Int, ttlNanos: Int64) {
        self.capacity = max(1, capacity)
        self.ttlNanos = ttlNanos
    }

    var count: Int { entries.count }
    var evictions: Int { expired + overCapacity }

    /// Takes the run's state out of the table (a new one when absent or expired); `store` puts it
    /// back. Taking it out keeps the context uniquely referenced, so evaluating it does not copy.
    mutating func take(_ key: RunKey, userRequest: String?, now: Int64) -> RunState {
        if let entry = entries.removeValue(forKey: key) {
            if now - entry.lastUsed <= ttlNanos { return entry.state }
            expired += 1
        }
        return RunState(context: ShadowRunContext(runId: key.run, userRequest: userRequest))
    }

    mutating func store(_ state: RunState, for key: RunKey, now: Int64) {
        storesSinceSweep += 1
        if entries.count >= capacity || storesSinceSweep >= 4_096 { sweep(now: now) }
        entries[key] = Entry(state: state, lastUsed: now)
    }

    mutating func sweep(now: Int64) {
        storesSinceSweep = 0
        let before = entries.count
        entries = entries.filter { now - $0.value.lastUsed <= ttlNanos }
        expired += before - entries.count
        guard entries.count >= capacity else { return }
        let excess = entries.count - capacity + 1 + capacity / 8
        let oldest = entries.sorted {
            ($0.value.lastUsed, $0.key.tenant, $0.key.run) < ($1.value.lastUsed, $1.key.tenant, $1.key.run)
        }.prefix(excess)
        for (key, _) in oldest { entries.removeValue(forKey: key) }
        overCapacity += oldest.count
    }
}
