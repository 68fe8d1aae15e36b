import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardCore
import NodewardServer
import Testing

/// The canary's built-in allow must not be reachable by naming the canary workflow in a step: workflow
/// names come from the agent's own telemetry (issue 13, item 1).
@Suite struct CanaryForgeryTests {
    /// hooli's sandbox denies `crm.delete`; claiming the canary workflow must not turn that into an allow.
    static let forgedDelete = globexStep(0, replacing: [
        "tenant": "hooli", "workflow": Canary.workflow, "operation": "crm.delete", "run": "run-forged", "step": "f1",
    ])

    @Test func aRealTenantClaimingTheCanaryWorkflowIsDeniedAsReserved() async throws {
        let sidecar = makeSidecar { $0.selftestEnabled = true }
        try await makeApp(sidecar).test(.router) { client in
            let reply = try await send(client, .post, "/v1/decisions", body: Self.forgedDelete)
            #expect(reply.status == .ok, "\(reply.text)")
            let response = try decode(DecisionResponse.self, reply)
            #expect(!response.canary)
            #expect(response.decision.effect == .deny && response.decision.rule == Canary.reservedRule, "\(response.decision)")
            #expect(response.shadow.effect == .deny)
            let metrics = try await send(client, .get, "/metrics").text
            #expect(metrics.contains("nodeward_shadow_refused_steps_total{rule=\"nodeward-canary/reserved\"} 1"), "\(metrics)")
        }
        let status = sidecar.status()
        #expect(status.decisions.canaries == 0)
        #expect(status.decisions.refused == [Canary.reservedRule: 1])
        #expect(sidecar.queue.counts.enqueued == 0, "a refused step is not recorded")
    }

    @Test func theCanaryTenantWithAnotherOperationIsDeniedAsReserved() async throws {
        let sidecar = makeSidecar { $0.selftestEnabled = true }
        let body = Canary.requestBody(tenant: Canary.shadowTenant, run: "c1").replacingOccurrences(of: Canary.operation, with: "crm.delete")
        let response = try await sidecar.respond(single: DecisionRequestDecoder.single(Array(body.utf8)))
        #expect(!response.canary && response.decision.effect == .deny && response.decision.rule == Canary.reservedRule)
    }

    @Test func theReservedTenantWithAnOrdinaryWorkflowIsDeniedAsReserved() async throws {
        let sidecar = makeSidecar { $0.selftestEnabled = true }
        let step = globexStep(0, replacing: ["tenant": Canary.cutOverTenant])
        let response = try await sidecar.respond(single: DecisionRequestDecoder.single(Array(step.utf8)))
        #expect(!response.canary && response.decision.effect == .deny && response.decision.rule == Canary.reservedRule)
    }

    @Test func theCanaryIsDeniedWhenTheServerRunsWithoutTheSelftest() async throws {
        let sidecar = makeSidecar()
        let body = Canary.requestBody(tenant: Canary.shadowTenant, run: "c1")
        let response = try await sidecar.respond(single: DecisionRequestDecoder.single(Array(body.utf8)))
        #expect(!response.canary && response.decision.effect == .deny && response.decision.rule == Canary.reservedRule)
        #expect(response.decision.reason.contains("--enable-selftest"))
        #expect(!sidecar.status().selftestEnabled)
    }

    @Test func selftestReportsADisabledSelftestClearly() async throws {
        let sidecar = makeSidecar { $0.access = .token("t0ken") }
        try await makeApp(sidecar).test(.live) { client in
            let port = try #require(client.port)
            let report = await ShadowSelftest.run(baseURL: try #require(URL(string: "http://127.0.0.1:\(port)")), token: "t0ken")
            #expect(!report.passed)
            #expect(report.text.contains("--enable-selftest"), "\(report.text)")
        }
    }
}
