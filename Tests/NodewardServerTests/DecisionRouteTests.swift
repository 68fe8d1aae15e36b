import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardCore
import NodewardServer
import Testing

@Suite struct DecisionRouteTests {
    @Test func singleStepReturnsTheLegacyDecisionWithTheNodeDecisionAsShadow() async throws {
        #expect(Fleet.globexRun.count == 7)
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let reply = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0])
            #expect(reply.status == .ok, "\(reply.text)")
            let response = try decode(DecisionResponse.self, reply)
            #expect(response.tenant == "globex" && response.run == "run-globex-00001" && response.step == "s1")
            #expect(response.decision.regime == .legacy)
            #expect(response.decision.effect == .allow, "\(response.decision)")
            #expect(response.shadow.regime == .node)
            #expect(response.class == ComparisonClass.classify(legacy: response.decision, node: response.shadow))
            #expect(!response.cutOver && !response.canary)
            #expect(response.policyVersion == Fleet.bundle.versions["invoice-processing"]?.contentHash)
            #expect(response.provenance == ["request"])
        }
        #expect(sidecar.queue.counts.enqueued == 1)
    }

    @Test func batchDecidesARunInOrderWithItsPerRunState() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let reply = try await send(client, .post, "/v1/decisions/batch", body: batchBody(Fleet.globexRun))
            #expect(reply.status == .ok, "\(reply.text)")
            let results = try decode(BatchResponse.self, reply).results
            #expect(results.map(\.step) == ["s1", "s2", "s3", "s4", "s5", "s6", "s7"])
            // The run's state carries provenance across steps: s2's invoiceId came from s1.
            #expect(results[1].provenance.first == "s1")
            #expect(results.allSatisfy { $0.decision.regime == .legacy })
            // Benign recorded run: the generated policies match every step to a node.
            #expect(results.allSatisfy { $0.class != .unknownStep }, "\(results.map(\.class))")
        }
        #expect(sidecar.status().runs.tracked == 1)
        #expect(sidecar.queue.counts.enqueued == 7)
    }

    @Test func stepsSentOneByOneShareTheRunStateLikeABatch() async throws {
        let sidecar = makeSidecar()
        let oneByOne = try await makeApp(sidecar).test(.router) { client in
            var responses: [DecisionResponse] = []
            for line in Fleet.globexRun {
                responses.append(try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: line)))
            }
            return responses
        }
        let batched = makeSidecar().decide(try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) })
        #expect(oneByOne == batched)
    }

    @Test func unknownWorkflowInTheNodeRegimeLeavesTheLegacyDecisionEnforced() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let original = try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0]))
            let unknown = globexStep(0, replacing: ["workflow": "no-such-workflow", "run": "run-unknown"])
            let reply = try await send(client, .post, "/v1/decisions", body: unknown)
            #expect(reply.status == .ok)
            let response = try decode(DecisionResponse.self, reply)
            #expect(response.class == .unknownStep)
            #expect(response.shadow.rule.hasSuffix("/unknown-workflow"))
            #expect(response.decision == original.decision)
            #expect(response.decision.effect == .allow)
        }
        let status = sidecar.status()
        #expect(status.decisions.nodeFailures == 1)
        #expect(status.decisions.byClass["unknown-step"] == 1)
        // Recorded all the same, with the failure as the node decision.
        #expect(sidecar.queue.counts.enqueued == 2)
    }

    @Test func cutOverTenantGetsTheNodeDecision() async throws {
        let sidecar = makeSidecar { $0.cutOverTenants = ["globex"] }
        try await makeApp(sidecar).test(.router) { client in
            let unknown = globexStep(0, replacing: ["workflow": "no-such-workflow", "run": "run-unknown"])
            let response = try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: unknown))
            #expect(response.cutOver)
            #expect(response.decision.regime == .node && response.decision.effect == .deny)
            #expect(response.shadow.regime == .legacy && response.shadow.effect == .allow)
            let known = try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0]))
            #expect(known.decision.regime == .node)
        }
        #expect(sidecar.status().cutOver == ["globex"])
    }

    @Test func canaryIsAllowedInShadowModeAndDeniedWhenCutOver() async throws {
        let sidecar = makeSidecar {
            $0.cutOverTenants = ["acme"]
            $0.selftestEnabled = true
        }
        try await makeApp(sidecar).test(.router) { client in
            for (tenant, effect) in [(Canary.shadowTenant, Effect.allow), (Canary.cutOverTenant, .deny)] {
                let reply = try await send(client, .post, "/v1/decisions", body: Canary.requestBody(tenant: tenant, run: "c1"))
                let response = try decode(DecisionResponse.self, reply)
                #expect(response.canary && response.class == .tightened)
                #expect(response.decision.effect == effect, "\(tenant)")
                #expect(response.policyVersion == Canary.version.contentHash)
            }
        }
        let status = sidecar.status()
        #expect(status.decisions.canaries == 2)
        #expect(status.decisions.total == 0, "canaries stay out of the class counts")
    }
}
