import Foundation
import NodewardCore

/// Records batches on a writer thread while the caller goes on producing the next ones, so a replay
/// costs the slower of evaluation and storage instead of their sum. At most `depth` batches wait;
/// `submit` blocks beyond that (memory stays bounded). The first failure stops recording: later
/// batches are dropped and the failure is returned by `submit` and `finish`.
public final class PipelinedRecorder: @unchecked Sendable {
    private let database: NodewardDatabase
    private let session: SessionID
    private let depth: Int
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [DecisionBatch] = []
    private var writing = false
    private var closed = false
    private var failure: Diagnostic?
    private var total = RecordOutcome()
    private var thread: Thread?

    public init(database: NodewardDatabase, session: SessionID, depth: Int = 2) {
        self.database = database
        self.session = session
        self.depth = max(1, depth)
        // The thread holds the recorder until `finish` lets it return.
        let thread = Thread { self.drain() }
        thread.name = "nodeward-store-writer"
        self.thread = thread
        thread.start()
    }

    /// Queues a batch; waits while `depth` batches are already waiting.
    public func submit(_ batch: DecisionBatch) throws(Diagnostic) {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(batch)
        condition.broadcast()
    }

    /// Waits until every queued batch is written and stops the writer; returns what was inserted.
    public func finish() throws(Diagnostic) -> RecordOutcome {
        condition.lock()
        closed = true
        condition.broadcast()
        while !queue.isEmpty || writing { condition.wait() }
        let result = (failure, total)
        condition.unlock()
        if let failure = result.0 { throw failure }
        return result.1
    }

    /// What was inserted so far (the batches already committed).
    public var recorded: RecordOutcome {
        condition.lock()
        defer { condition.unlock() }
        return total
    }

    private func drain() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty && closed {
                condition.unlock()
                return
            }
            let batch = queue.removeFirst()
            writing = true
            let skip = failure != nil
            condition.broadcast()
            condition.unlock()

            var outcome = RecordOutcome()
            var error: Diagnostic?
            if !skip {
                do { outcome = try database.record(batch, session: session) } catch let failed { error = failed }
            }

            condition.lock()
            writing = false
            if let error, failure == nil { failure = error }
            total.runs += outcome.runs
            total.steps += outcome.steps
            total.decisions += outcome.decisions
            total.policyVersions += outcome.policyVersions
            condition.broadcast()
            condition.unlock()
        }
    }
}
