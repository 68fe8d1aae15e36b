import NodewardCore

/// Identifies a run online: run ids are only unique within a tenant.
struct RunKey: Hashable, Sendable {
    var tenant: String
    var run: String
}

/// Per-run shadow state online (edge grants, origin constraints, per-run limits live in the
/// `ShadowRunContext`), bounded two ways: an entry expires `ttl` after its last step, and at most
/// `capacity` runs are kept; at capacity the least recently used eighth is evicted at once, so the
/// sort is amortized over many inserts. Every eviction is counted.
struct RunTable {
    struct Entry {
        var context: ShadowRunContext
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

    /// Takes the run's context out of the table (a new one when absent or expired); `store` puts it
    /// back. Taking it out keeps the context uniquely referenced, so evaluating it does not copy.
    mutating func take(_ key: RunKey, userRequest: String?, now: Int64) -> ShadowRunContext {
        if let entry = entries.removeValue(forKey: key) {
            if now - entry.lastUsed <= ttlNanos { return entry.context }
            expired += 1
        }
        return ShadowRunContext(runId: key.run, userRequest: userRequest)
    }

    mutating func store(_ context: ShadowRunContext, for key: RunKey, now: Int64) {
        storesSinceSweep += 1
        if entries.count >= capacity || storesSinceSweep >= 4_096 { sweep(now: now) }
        entries[key] = Entry(context: context, lastUsed: now)
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
