import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardCore
import NodewardServer
import Testing

@Suite struct ObservabilityTests {
    @Test func metricsCountDecisionsByClassTenantAndWorkflow() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let batch = try decode(BatchResponse.self, try await send(client, .post, "/v1/decisions/batch", body: batchBody(Fleet.globexRun)))
            _ = try await send(client, .post, "/v1/decisions", body: globexStep(0, replacing: ["workflow": "SECRET-workflow", "run": "x"]))
            _ = try await send(client, .post, "/v1/decisions", body: globexStep(0, replacing: ["tenant": "SECRET-tenant", "run": "y"]))
            let reply = try await send(client, .get, "/metrics")
            #expect(reply.status == .ok)
            let text = reply.text
            var expected: [String: Int] = [:]
            for result in batch.results { expected[result.class.rawValue, default: 0] += 1 }
            for (name, count) in expected {
                #expect(text.contains("nodeward_shadow_decisions_total{class=\"\(name)\",tenant=\"globex\",workflow=\"invoice-processing\"} \(count)"),
                        "\(name) \(count)\n\(text)")
            }
            // Workflows and tenants the bundle does not know are labelled `other`, never by the payload's value.
            #expect(text.contains("nodeward_shadow_decisions_total{class=\"unknown-step\",tenant=\"globex\",workflow=\"other\"} 1"))
            #expect(text.contains("nodeward_shadow_decisions_total{class=\"agree-deny\",tenant=\"other\",workflow=\"invoice-processing\"} 1"))
            #expect(!text.contains("SECRET"))
            #expect(text.contains("nodeward_shadow_request_duration_seconds_count{route=\"batch\"} 1"))
            #expect(text.contains("nodeward_shadow_request_duration_seconds_count{route=\"decisions\"} 2"))
            #expect(text.contains("nodeward_shadow_queue_depth 9"))
            #expect(text.contains("nodeward_shadow_records_dropped_total 0"))
            #expect(text.contains("nodeward_shadow_run_evictions_total{reason=\"capacity\"} 0"))
        }
    }

    @Test func statusReportsVersionsCutOverQueueRunsAndClassCounts() async throws {
        let sidecar = makeSidecar { $0.cutOverTenants = ["acme"] }
        try await makeApp(sidecar).test(.router) { client in
            let results = try decode(BatchResponse.self, try await send(client, .post, "/v1/decisions/batch", body: batchBody(Fleet.globexRun))).results
            let status = try decode(SidecarStatus.self, try await send(client, .get, "/v1/status"))
            #expect(status.policies == Fleet.bundle.versions.mapValues(\.contentHash))
            #expect(status.tenants == ["acme", "globex", "hooli", "initech", "umbrella"])
            #expect(status.cutOver == ["acme"])
            #expect(status.queue.depth == 7 && status.queue.dropped == 0 && status.queue.capacity == 65_536)
            #expect(status.runs.tracked == 1)
            #expect(status.decisions.total == 7)
            var expected: [String: Int] = Dictionary(uniqueKeysWithValues: ComparisonClass.allCases.map { ($0.rawValue, 0) })
            for result in results { expected[result.class.rawValue, default: 0] += 1 }
            #expect(status.decisions.byClass == expected)
            #expect(status.uptimeSeconds >= 0)
        }
    }

    @Test func queueOverflowDropsAndCountsWithoutBlocking() async throws {
        // A tiny queue and no recorder running: the decisions are still answered; the overflow is counted.
        let sidecar = makeSidecar { $0.queueCapacity = 2 }
        try await makeApp(sidecar).test(.router) { client in
            let reply = try await send(client, .post, "/v1/decisions/batch", body: batchBody(Fleet.globexRun))
            #expect(reply.status == .ok)
            #expect(try decode(BatchResponse.self, reply).results.count == 7)
            let status = try decode(SidecarStatus.self, try await send(client, .get, "/v1/status"))
            #expect(status.queue.depth == 2 && status.queue.dropped == 5 && status.queue.enqueued == 2)
            let metrics = try await send(client, .get, "/metrics").text
            #expect(metrics.contains("nodeward_shadow_records_dropped_total 5"))
            #expect(metrics.contains("nodeward_shadow_queue_depth 2"))
        }
    }

    @Test func slowStoreWriterNeverBlocksDecisions() async throws {
        let sidecar = makeSidecar {
            $0.queueCapacity = 3
            $0.recordBatchSize = 1
        }
        let sink = CollectingSink(delay: 0.2)
        let recorder = RecorderService(queue: sidecar.queue, sink: sink, batchSize: 1, interval: .milliseconds(1), logger: quietLogger)
        // A run of its own each time: a resent step of the same run would be a retry, not a new decision.
        let runs = try (0..<20).map { index in
            try Fleet.globexRun.map {
                try DecisionRequestDecoder.single(Array($0.replacingOccurrences(of: "run-globex-00001", with: "slow-\(index)").utf8))
            }
        }
        let draining = Task { await recorder.drain() }
        let start = ContinuousClock.now
        for requests in runs { _ = sidecar.decide(requests) }
        #expect(ContinuousClock.now - start < .milliseconds(200), "deciding waited for the store")
        _ = await draining.value
        let counts = sidecar.queue.counts
        #expect(counts.enqueued + counts.dropped == 140)
        #expect(counts.dropped >= 130)
    }
}
