import Foundation
import NodewardStore

/// The bounded backlog between decisions and the store.
///
/// Async records (`offer`) never wait: what does not fit is dropped and counted. Sync records
/// (`reserve`, then `commitDurably`) wait until the transaction holding them commits; the recorder
/// is woken at once and writes every record waiting at that moment in one transaction (group
/// commit), so sync throughput is not one fsync per request. A sync request that does not fit is
/// refused before it is decided (the caller answers 503).
public final class RecordQueue: @unchecked Sendable {
    public struct Counts: Sendable, Hashable, Codable {
        /// Records accepted and not yet committed (queued, or in the transaction being written).
        public var depth = 0
        public var capacity = 0
        public var enqueued = 0
        /// Async records that did not fit (never recorded).
        public var dropped = 0
        public var recorded = 0
        /// Records in batches the store refused (logged with the store's reason).
        public var failed = 0
        /// Sync records refused because the queue was full (their requests got 503).
        public var shed = 0
        /// Sync requests waiting for their commit now.
        public var waiting = 0
    }

    public enum DurableOutcome: Sendable, Hashable {
        case committed
        /// The store refused the transaction holding the records.
        case failed
        /// The recorder has stopped: nothing will commit any more.
        case closed
    }

    /// Records taken for one transaction; `first` is the sequence number of the first.
    struct Batch {
        var records: [DecisionRecord]
        var first: Int
    }

    private struct Waiter {
        var first: Int
        var last: Int
        var failed: Bool
        var continuation: CheckedContinuation<DurableOutcome, Never>
    }

    public let capacity: Int
    // All state below is guarded by `condition` (hence @unchecked Sendable).
    private let condition = NSCondition()
    private var pending: [DecisionRecord] = []
    /// Sequence number of `pending[0]`: records taken so far.
    private var taken = 0
    /// Room promised to sync requests that are being decided.
    private var reserved = 0
    /// Records taken for the transaction being written: they still count against the capacity, so
    /// at most `capacity` accepted records are ever uncommitted (the bound on a crash's loss).
    private var inWrite = 0
    private var waiters: [Waiter] = []
    private var durablePending = false
    private var wakeAt = Int.max
    private var closed = false
    private var totals = Counts()

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
        totals.capacity = self.capacity
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    // MARK: Async records

    /// Enqueues what fits; returns how many records were dropped.
    @discardableResult
    public func offer(_ records: [DecisionRecord]) -> Int {
        locked {
            let room = max(0, capacity - pending.count - reserved - inWrite)
            let accepted = min(room, records.count)
            if accepted == records.count {
                pending.append(contentsOf: records)
            } else {
                pending.append(contentsOf: records.prefix(accepted))
            }
            totals.enqueued += accepted
            totals.dropped += records.count - accepted
            if pending.count >= wakeAt { condition.signal() }
            return records.count - accepted
        }
    }

    // MARK: Sync records

    /// Promises room for `count` records; false (counted as shed) when the queue cannot take them.
    public func reserve(_ count: Int) -> Bool {
        locked {
            guard !closed, pending.count + reserved + inWrite + count <= capacity else {
                totals.shed += count
                return false
            }
            reserved += count
            return true
        }
    }

    /// Enqueues records whose room was reserved and returns once the transaction holding the last
    /// of them has committed (or failed).
    public func commitDurably(_ records: [DecisionRecord], reserved count: Int) async -> DurableOutcome {
        await withCheckedContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            reserved -= count
            if closed {
                continuation.resume(returning: .closed)
                return
            }
            if records.isEmpty {
                continuation.resume(returning: .committed)
                return
            }
            let first = taken + pending.count
            pending.append(contentsOf: records)
            totals.enqueued += records.count
            waiters.append(Waiter(first: first, last: first + records.count - 1, failed: false, continuation: continuation))
            durablePending = true
            condition.signal()
        }
    }

    // MARK: The recorder's side

    /// Takes up to `limit` records at once, oldest first (empty when none).
    func takeBatch(upTo limit: Int) -> Batch {
        locked { takeLocked(upTo: limit) }
    }

    private func takeLocked(upTo limit: Int) -> Batch {
        let first = taken
        let records: [DecisionRecord]
        if pending.count <= limit {
            records = pending
            pending = []
            durablePending = false
        } else {
            records = Array(pending.prefix(limit))
            pending.removeFirst(limit)
        }
        taken += records.count
        inWrite += records.count
        return Batch(records: records, first: first)
    }

    /// Blocks until there is a reason to write: a sync request waits, `limit` records are pending,
    /// `maxWait` has passed with records pending, or the queue closed. Returns nil once closed and empty.
    func nextBatch(upTo limit: Int, maxWait: Duration) -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        wakeAt = limit
        let deadline = Date().addingTimeInterval(Double(maxWait.nanoseconds) / 1e9)
        while !closed, !durablePending, pending.count < limit {
            if !condition.wait(until: deadline) { break }
        }
        if pending.isEmpty && closed { return nil }
        return takeLocked(upTo: limit)
    }

    /// Records a batch's outcome and resumes the sync requests whose records are all in it or before it.
    func complete(_ batch: Batch, failed: Bool) {
        guard !batch.records.isEmpty else { return }
        let end = batch.first + batch.records.count
        var resumed: [(CheckedContinuation<DurableOutcome, Never>, DurableOutcome)] = []
        locked {
            inWrite -= batch.records.count
            if failed { totals.failed += batch.records.count } else { totals.recorded += batch.records.count }
            var done = 0
            for index in waiters.indices {
                if waiters[index].first >= end { break }
                if failed { waiters[index].failed = true }
                if waiters[index].last < end {
                    resumed.append((waiters[index].continuation, waiters[index].failed ? .failed : .committed))
                    done += 1
                } else {
                    break
                }
            }
            waiters.removeFirst(done)
        }
        for (continuation, outcome) in resumed { continuation.resume(returning: outcome) }
    }

    /// Stops accepting sync records and wakes the recorder to drain what is left.
    func close() {
        locked {
            closed = true
            condition.broadcast()
        }
    }

    public var counts: Counts {
        locked {
            var counts = totals
            counts.depth = pending.count + inWrite
            counts.waiting = waiters.count
            return counts
        }
    }
}
