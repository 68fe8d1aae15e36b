import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NodewardCore
import NodewardServer
import Testing

@Suite struct ReloadTests {
    @Test func goodReloadSwapsThePolicySet() async throws {
        let folder = try Fleet.writePolicies(Fleet.bundle.sets)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = PolicySource(tenants: [Fleet.tenantsFolder], policies: folder)
        let sidecar = makeSidecar(loader: { source.load() })
        try await makeApp(sidecar).test(.router) { client in
            let before = try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0]))
            #expect(before.class != .unknownStep)
            // Remove the workflow's policy file: after the reload its steps are unknown to the node regime.
            try FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("invoice-processing.yaml"))
            let reload = try await send(client, .post, "/v1/reload")
            #expect(reload.status == .ok, "\(reload.text)")
            #expect(reload.json["reloaded"] as? Bool == true)
            #expect(reload.json["generation"] as? Int == 2)
            let after = try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[1]))
            #expect(after.class == .unknownStep)
            #expect(after.decision.regime == .legacy && after.decision.effect == .allow, "the legacy regime still decides")
            let status = try decode(SidecarStatus.self, try await send(client, .get, "/v1/status"))
            #expect(status.generation == 2)
            #expect(status.policies["invoice-processing"] == nil)
            #expect(status.policies.count == Fleet.bundle.sets.count - 1)
            #expect(status.runs.reload == 1, "the run's state belonged to the old set")
            #expect(status.reloads.succeeded == 1)
        }
    }

    @Test func badReloadKeepsTheOldSetAndSaysWhy() async throws {
        let folder = try Fleet.writePolicies(Fleet.bundle.sets)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = PolicySource(tenants: [Fleet.tenantsFolder], policies: folder)
        let sidecar = makeSidecar(loader: { source.load() })
        try await makeApp(sidecar).test(.router) { client in
            try "version: 1\nworkflow: [not, a, name\n".write(toFile: (folder as NSString).appendingPathComponent("broken.yaml"),
                                                                atomically: true, encoding: .utf8)
            let reload = try await send(client, .post, "/v1/reload")
            #expect(reload.status == .unprocessableContent)
            #expect(reload.json["reloaded"] as? Bool == false)
            let reasons = try #require(reload.json["reasons"] as? [String])
            #expect(reasons.contains { $0.contains("broken.yaml") }, "\(reasons)")
            let status = try decode(SidecarStatus.self, try await send(client, .get, "/v1/status"))
            #expect(status.generation == 1)
            #expect(status.policies == Fleet.bundle.versions.mapValues(\.contentHash))
            #expect(status.reloads.failed == 1 && status.reloads.lastError == reasons)
            let response = try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0]))
            #expect(response.class != .unknownStep, "the old policies still decide")
        }
    }

    @Test func reloadWithoutPoliciesFailsValidation() {
        let empty = PolicyBundle(sandboxes: Fleet.bundle.sandboxes, sets: [])
        let sidecar = makeSidecar(loader: { .success(empty) })
        let outcome = sidecar.reload()
        #expect(!outcome.reloaded)
        #expect(outcome.reasons == ["no node policies"])
        #expect(sidecar.status().generation == 1)
    }

    @Test func requestsInFlightFinishOnTheGenerationTheyStartedWith() async throws {
        // Reloads alternate between a set with the run's workflow and one without it, while batches
        // are decided: each batch is decided wholly by one set (all steps known, or all unknown).
        let without = PolicyBundle(sandboxes: Fleet.bundle.sandboxes, sets: Fleet.bundle.sets.filter { $0.workflow != "invoice-processing" })
        let flips = NIOLockedValueBox(0)
        let sidecar = makeSidecar(loader: {
            flips.withLockedValue { count in
                count += 1
                return .success(count % 2 == 1 ? without : Fleet.bundle)
            }
        })
        let requests = try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) }
        let mixed = NIOLockedValueBox(0)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for _ in 0..<40 { sidecar.reload() } }
            group.addTask {
                for _ in 0..<40 {
                    let unknown = sidecar.decide(requests).filter { $0.class == .unknownStep }.count
                    if unknown != 0 && unknown != requests.count { mixed.withLockedValue { $0 += 1 } }
                }
            }
        }
        #expect(mixed.withLockedValue { $0 } == 0)
        #expect(sidecar.status().generation == 41)
    }
}
