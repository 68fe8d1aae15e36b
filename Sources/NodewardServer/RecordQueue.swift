import NIOConcurrencyHelpers
import NodewardStore

/// The bounded backlog between decisions and the store. `offer` never blocks and never waits for
/// the store: records that do not fit are dropped and counted (metric and `/v1/status`).
public final class RecordQueue: Sendable {
    public struct Counts: Sendable, Hashable, Codable {
        public var depth = 0
        public var capacity = 0
        public var enqueued = 0
        public var dropped = 0
        public var recorded = 0
        /// Records in batches the store refused (logged with the store's reason).
        public var failed = 0
    }

    private struct Storage {
        var pending: [DecisionRecord] = []
        var counts = Counts()
    }

    public let capacity: Int
    private let storage: NIOLockedValueBox<Storage>

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
        var initial = Storage()
        initial.counts.capacity = self.capacity
        storage = NIOLockedValueBox(initial)
    }

    /// Enqueues what fits; returns how many records were dropped.
    @discardableResult
    public func offer(_ records: [DecisionRecord]) -> Int {
        storage.withLockedValue { storage in
            let room = max(0, capacity - storage.pending.count)
            let accepted = min(room, records.count)
            if accepted == records.count {
                storage.pending.append(contentsOf: records)
            } else {
                storage.pending.append(contentsOf: records.prefix(accepted))
            }
            storage.counts.enqueued += accepted
            storage.counts.dropped += records.count - accepted
            return records.count - accepted
        }
    }

    /// Takes up to `limit` records, oldest first.
    func take(upTo limit: Int) -> [DecisionRecord] {
        storage.withLockedValue { storage in
            if storage.pending.count <= limit {
                defer { storage.pending = [] }
                return storage.pending
            }
            let batch = Array(storage.pending.prefix(limit))
            storage.pending.removeFirst(limit)
            return batch
        }
    }

    func noteWritten(_ count: Int, failed: Bool) {
        storage.withLockedValue { storage in
            if failed { storage.counts.failed += count } else { storage.counts.recorded += count }
        }
    }

    public var counts: Counts {
        storage.withLockedValue { storage in
            var counts = storage.counts
            counts.depth = storage.pending.count
            return counts
        }
    }
}
