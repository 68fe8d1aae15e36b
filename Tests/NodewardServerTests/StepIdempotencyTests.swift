import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardCore
import NodewardServer
import Testing

/// A step is identified by (tenant, run, step id): a retry with the same content gets the first answer
/// and counts once; the same id with other content is a conflict (issue 13, item 10).
@Suite struct StepIdempotencyTests {
    @Test func aRetryWithTheSameContentGetsTheFirstAnswerAndIsRecordedOnce() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let first = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0])
            let retry = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0])
            #expect(first.status == .ok && retry.status == .ok)
            #expect(try decode(DecisionResponse.self, retry) == decode(DecisionResponse.self, first))
            // The same step inside a batch, at another position, is the same content.
            let batch = try await send(client, .post, "/v1/decisions/batch", body: batchBody([Fleet.globexRun[0], Fleet.globexRun[1]]))
            let results = try decode(BatchResponse.self, batch).results
            #expect(results.first == (try decode(DecisionResponse.self, first)))
            let metrics = try await send(client, .get, "/metrics").text
            #expect(metrics.contains("nodeward_shadow_replayed_steps_total 2"), "\(metrics)")
        }
        let status = sidecar.status()
        #expect(status.decisions.replayed == 2)
        #expect(status.decisions.total == 2, "s1 once, s2 once")
        #expect(sidecar.queue.counts.enqueued == 2)
    }

    @Test func aRetryIsNotCountedAgainstThePerRunLimit() async throws {
        // The node globex's s1 matches, limited to 2 steps a run.
        let probe = makeSidecar().decide([try DecisionRequestDecoder.single(Array(Fleet.globexRun[0].utf8))])[0]
        let nodeId = try #require(probe.node)
        var bundle = Fleet.bundle
        var sets = bundle.sets
        for setIndex in sets.indices {
            for nodeIndex in sets[setIndex].nodes.indices where sets[setIndex].nodes[nodeIndex].id == nodeId {
                sets[setIndex].nodes[nodeIndex].limits.perRun = 2
            }
        }
        bundle = PolicyBundle(sandboxes: bundle.sandboxes, sets: sets)
        let sidecar = makeSidecar(bundle: bundle)
        let first = sidecar.decide([try DecisionRequestDecoder.single(Array(Fleet.globexRun[0].utf8))])[0]
        #expect(first.shadow.effect == .allow, "\(first.shadow)")
        for _ in 0..<3 { _ = sidecar.decide([try DecisionRequestDecoder.single(Array(Fleet.globexRun[0].utf8))]) }
        // A second, distinct call of the same node is the run's second: still within the limit.
        let second = sidecar.decide([try DecisionRequestDecoder.single(Array(globexStep(0, replacing: ["step": "s1-second"]).utf8))])[0]
        #expect(second.shadow.effect == .allow, "\(second.shadow)")
        let third = sidecar.decide([try DecisionRequestDecoder.single(Array(globexStep(0, replacing: ["step": "s1-third"]).utf8))])[0]
        #expect(third.shadow.rule.hasSuffix("limits.perRun"), "the limit still holds: \(third.shadow)")
    }

    @Test func aStepIdReusedWithOtherContentIsA409AndNotDecided() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            #expect(try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0]).status == .ok)
            let reused = globexStep(0, replacing: ["operation": "crm.delete"])
            let conflict = try await send(client, .post, "/v1/decisions", body: reused)
            #expect(conflict.status == .conflict, "\(conflict.text)")
            #expect(conflict.json["code"] as? String == "step-conflict")
            let batch = try await send(client, .post, "/v1/decisions/batch", body: batchBody([reused, Fleet.globexRun[1]]))
            #expect(batch.status == .ok)
            let results = try decode(BatchResponse.self, batch).results
            #expect(results[0].decision.effect == .deny && results[0].decision.rule == "sidecar/step-conflict")
            #expect(results[1].decision.rule != "sidecar/step-conflict")
            let metrics = try await send(client, .get, "/metrics").text
            #expect(metrics.contains("nodeward_shadow_refused_steps_total{rule=\"sidecar/step-conflict\"} 2"), "\(metrics)")
        }
        #expect(sidecar.status().decisions.refused == ["sidecar/step-conflict": 2])
        #expect(sidecar.queue.counts.enqueued == 2, "s1 and s2, never the conflicting reuse")
    }

    @Test func theSameStepIdInAnotherRunOrTenantIsAnotherStep() async throws {
        let sidecar = makeSidecar()
        let steps = [Fleet.globexRun[0], globexStep(0, replacing: ["run": "run-other", "operation": "crm.delete"])]
        let responses = sidecar.decide(try steps.map { try DecisionRequestDecoder.single(Array($0.utf8)) })
        #expect(responses.allSatisfy { $0.decision.rule != "sidecar/step-conflict" })
        #expect(sidecar.queue.counts.enqueued == 2)
    }
}
