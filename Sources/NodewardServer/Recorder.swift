import Dispatch
import Logging
import NodewardCore
import NodewardStore
import ServiceLifecycle

/// Where recorded decision pairs go. The store is the real one; tests use slow or failing sinks.
public protocol DecisionSink: Sendable {
    /// Writes one batch (one transaction); blocking is fine, it runs off the decision path.
    func write(_ records: [DecisionRecord]) throws(Diagnostic)
    /// Called once after the last batch, when the sidecar stops.
    func finish(decisions: Int, failed: Bool)
}

/// The Nodeward store, in one `serve` session opened when the sidecar starts.
public struct StoreSink: DecisionSink {
    let database: NodewardDatabase
    let session: SessionID

    public init(path: String, inputs: String) throws(Diagnostic) {
        database = try NodewardDatabase(path: path)
        session = try database.beginSession(kind: .serve, inputs: inputs)
    }

    public func write(_ records: [DecisionRecord]) throws(Diagnostic) {
        try database.record(DecisionBatch(decisions: records), session: session)
    }

    public func finish(decisions: Int, failed: Bool) {
        let counts = SessionCounts(runs: 0, steps: decisions, decisions: decisions)
        try? database.finishSession(session, counts: counts, status: failed ? .failed : .completed)
    }
}

/// The background task that drains the record queue into the sink in batches. On graceful shutdown
/// (SIGTERM/SIGINT through the service group) it drains everything left, then finishes the session.
public struct RecorderService: Service {
    let queue: RecordQueue
    let sink: any DecisionSink
    let batchSize: Int
    let interval: Duration
    let logger: Logger

    public init(queue: RecordQueue, sink: any DecisionSink, batchSize: Int, interval: Duration, logger: Logger) {
        self.queue = queue
        self.sink = sink
        self.batchSize = max(1, batchSize)
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            failures += await drain()
        }
        failures += await drain()
        let counts = queue.counts
        sink.finish(decisions: counts.recorded, failed: failures > 0)
        logger.info("recorder stopped", metadata: ["recorded": "\(counts.recorded)", "dropped": "\(counts.dropped)", "failed": "\(counts.failed)"])
    }

    /// Writes everything queued now, batch by batch; returns the number of failed batches.
    @discardableResult
    public func drain() async -> Int {
        var failures = 0
        while true {
            let batch = queue.take(upTo: batchSize)
            if batch.isEmpty { return failures }
            let sink = self.sink
            // The store write blocks: run it on a dispatch thread, not on the cooperative pool.
            let failure: Diagnostic? = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    do throws(Diagnostic) {
                        try sink.write(batch)
                        continuation.resume(returning: nil)
                    } catch {
                        continuation.resume(returning: error)
                    }
                }
            }
            queue.noteWritten(batch.count, failed: failure != nil)
            if let failure {
                failures += 1
                logger.error("recording a batch failed", metadata: ["records": "\(batch.count)", "reason": "\(failure.description)"])
            }
        }
    }
}
