import Foundation
import NodewardCore
import NodewardServer
import NodewardStore
import ServiceLifecycle
import Testing

@Suite struct RecorderTests {
    @Test func recorderWritesQueuedDecisionsToTheStore() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-serve-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sidecar = makeSidecar { $0.selftestEnabled = true }
        let sink = try StoreSink(path: path, inputs: "test")
        let recorder = RecorderService(queue: sidecar.queue, sink: sink, batchSize: 3, interval: .seconds(1), logger: quietLogger)
        let requests = try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) }
        _ = sidecar.decide(requests)
        _ = sidecar.decide([try DecisionRequestDecoder.single(Array(Canary.requestBody(tenant: Canary.shadowTenant, run: "c").utf8))])
        #expect(await recorder.drain() == 0)
        #expect(sidecar.queue.counts.recorded == 8 && sidecar.queue.counts.depth == 0)
        let stats = try NodewardDatabase(path: path).stats()
        #expect(stats.decisionsByClass.map(\.decisions).reduce(0, +) == 8)
        let canaries = try NodewardDatabase(path: path).query(
            "SELECT count(*) AS n FROM decisions d JOIN policy_versions p ON p.id = d.policy_version WHERE p.workflow = 'nodeward-canary'")
        #expect(canaries.rows.first?.first == "1", "\(canaries.rows)")
    }

    @Test func gracefulShutdownFlushesTheQueue() async throws {
        let sidecar = makeSidecar()
        let sink = CollectingSink()
        // A long interval: only the shutdown drain can write these.
        let recorder = RecorderService(queue: sidecar.queue, sink: sink, batchSize: 2, interval: .seconds(3_600), logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [recorder], logger: quietLogger))
        let running = Task { try await group.run() }
        _ = sidecar.decide(try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) })
        try await Task.sleep(for: .milliseconds(50))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(sink.records.withLockedValue { $0.map(\.step.stepId) } == ["s1", "s2", "s3", "s4", "s5", "s6", "s7"])
        #expect(sink.finished.withLockedValue { $0 })
        #expect(sidecar.queue.counts.depth == 0)
    }

    @Test func failingStoreIsCountedNotSilent() async throws {
        struct FailingSink: DecisionSink {
            func write(_ records: [DecisionRecord]) throws(Diagnostic) { throw Diagnostic.error("store.write", "disk full") }
            func finish(decisions: Int, failed: Bool) {}
        }
        let sidecar = makeSidecar()
        let recorder = RecorderService(queue: sidecar.queue, sink: FailingSink(), batchSize: 4, interval: .seconds(1), logger: quietLogger)
        _ = sidecar.decide(try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) })
        #expect(await recorder.drain() == 2)
        #expect(sidecar.queue.counts.failed == 7)
        #expect(sidecar.metricsText().contains("nodeward_shadow_record_failures_total 7"))
    }
}
