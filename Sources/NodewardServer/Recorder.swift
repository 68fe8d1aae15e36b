import Foundation
import Logging
import NodewardCore
import NodewardStore
import ServiceLifecycle

/// Where recorded decision pairs go. The store is the real one; tests use slow or failing sinks.
public protocol DecisionSink: Sendable {
    /// Writes one batch (one transaction); blocking is fine, it runs on the recorder's own thread.
    func write(_ records: [DecisionRecord]) throws(Diagnostic)
    /// Called once after the last batch, when the sidecar stops.
    func finish(decisions: Int, failed: Bool)
}

/// The Nodeward store, in one `serve` session opened when the sidecar starts. Opening it first closes
/// the serve sessions a crashed process left `running` (`recovered` says what they left).
public struct StoreSink: DecisionSink {
    let database: NodewardDatabase
    let session: SessionID
    public let recovered: [CrashedSession]

    public init(path: String, inputs: String, mode: RecordMode = .async, queueCapacity: Int = 0) throws(Diagnostic) {
        database = try NodewardDatabase(path: path)
        recovered = try SessionRecovery.closeCrashedSessions(database)
        let marker = SessionMarker(pid: Int(getpid()), mode: mode, queueCapacity: queueCapacity)
        session = try database.beginSession(kind: .serve, inputs: inputs + marker.text)
    }

    public func write(_ records: [DecisionRecord]) throws(Diagnostic) {
        try database.record(DecisionBatch(decisions: records), session: session)
    }

    public func finish(decisions: Int, failed: Bool) {
        let counts = SessionCounts(runs: 0, steps: decisions, decisions: decisions)
        try? database.finishSession(session, counts: counts, status: failed ? .failed : .completed)
    }
}

/// The background task that writes the record queue into the sink, on a thread of its own (store
/// writes block). It wakes at once for sync records, when a batch's worth is queued, or every
/// `interval`. On graceful shutdown (SIGTERM/SIGINT through the service group, after the HTTP
/// application has stopped) it drains everything left, then finishes the session.
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
        let queue = self.queue
        let failures = await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await runOnThread()
            } onCancel: {
                queue.close()
            }
        } onGracefulShutdown: {
            queue.close()
        }
        let counts = queue.counts
        sink.finish(decisions: counts.recorded, failed: failures > 0)
        logger.info("recorder stopped", metadata: ["recorded": "\(counts.recorded)", "dropped": "\(counts.dropped)",
                                                   "shed": "\(counts.shed)", "failed": "\(counts.failed)"])
    }

    private func runOnThread() async -> Int {
        await Self.onThread("nodeward-recorder") { loop() }
    }

    /// Store writes block, so they never run on Swift's cooperative pool: that pool (one thread per
    /// core) also runs every HTTP handler, and a handler waiting on it is a request not answered.
    private static func onThread(_ name: String, _ body: @escaping @Sendable () -> Int) async -> Int {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }

    /// Writes batches until the queue is closed and empty; returns the number of failed batches.
    private func loop() -> Int {
        var failures = 0
        while let batch = queue.nextBatch(upTo: batchSize, maxWait: interval) {
            if !write(batch) { failures += 1 }
        }
        return failures
    }

    /// Writes everything queued now, batch by batch, on a thread of its own; returns the number of
    /// failed batches.
    @discardableResult
    public func drain() async -> Int {
        await Self.onThread("nodeward-recorder-drain") {
            var failures = 0
            while true {
                let batch = queue.takeBatch(upTo: batchSize)
                if batch.records.isEmpty { return failures }
                if !write(batch) { failures += 1 }
            }
        }
    }

    private func write(_ batch: RecordQueue.Batch) -> Bool {
        guard !batch.records.isEmpty else { return true }
        do throws(Diagnostic) {
            try sink.write(batch.records)
            queue.complete(batch, failed: false)
            return true
        } catch {
            queue.complete(batch, failed: true)
            logger.error("recording a batch failed", metadata: ["records": "\(batch.records.count)", "reason": "\(error.description)"])
            return false
        }
    }
}
