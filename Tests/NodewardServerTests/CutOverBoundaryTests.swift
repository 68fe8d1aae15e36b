import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardCore
import NodewardServer
import Testing

/// Issue 16, tried as a new user would: `shadow serve --cutover globex`, then a recorded globex step
/// posted with another issuer, audience or tenant claim (globex declares no context tagging; the other
/// boundary checks are covered on hand-built steps by `TenantBoundaryTests`). The legacy
/// sandbox denies it for a boundary reason; the node decision, enforced for a cut-over tenant, must deny
/// it too (it allowed it before the node regime kept the tenant boundary).
@Suite struct CutOverBoundaryTests {
    /// The first step of run-globex-00001 with its principal's members replaced, as another run.
    static func step(principal replacing: [String: Any], run: String) -> String {
        var object = (try? JSONSerialization.jsonObject(with: Data(Fleet.globexRun[0].utf8)) as? [String: Any]) ?? [:]
        var principal = object["principal"] as? [String: Any] ?? [:]
        for (key, value) in replacing { principal[key] = value }
        object["principal"] = principal
        object["run"] = run
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func aCutOverTenantsStepOutsideItsBoundaryIsEnforcedAsDeny() async throws {
        let sidecar = makeSidecar { $0.cutOverTenants = ["globex"] }
        let cases: [(body: String, legacyRule: String, check: TenantBoundaryCheck)] = [
            (Self.step(principal: ["iss": "https://auth.acme.example/"], run: "b-issuer"), "globex/identity.issuer", .identityIssuer),
            (Self.step(principal: ["aud": "agents"], run: "b-audience"), "globex/identity.audience", .identityAudience),
            (Self.step(principal: ["claims": ["tid": "org_4f2a"]], run: "b-claim"), "globex/identity.tenantClaim", .identityTenantClaim),
        ]
        try await makeApp(sidecar).test(.router) { client in
            // The recorded step itself is inside the boundary: the node regime allows it.
            let recorded = try decode(DecisionResponse.self, try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0]))
            #expect(recorded.cutOver && recorded.decision.regime == .node && recorded.decision.effect == .allow, "\(recorded.decision)")
            for (body, legacyRule, check) in cases {
                let reply = try await send(client, .post, "/v1/decisions", body: body)
                #expect(reply.status == .ok, "\(reply.text)")
                let response = try decode(DecisionResponse.self, reply)
                #expect(response.cutOver)
                #expect(response.shadow.regime == .legacy && response.shadow.effect == .deny && response.shadow.rule == legacyRule,
                        "\(check): \(response.shadow)")
                #expect(response.decision.regime == .node && response.decision.effect == .deny, "\(check): \(response.decision)")
                #expect(response.decision.rule.hasSuffix("/boundary.\(check.rawValue)"), "\(response.decision.rule)")
                #expect(response.class == .agreeDeny)
            }
        }
        #expect(sidecar.status().decisions.byClass["agree-deny"] == cases.count)
    }

    @Test func withoutCutOverTheLegacyDenyIsEnforcedAndTheShadowAgrees() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let reply = try await send(client, .post, "/v1/decisions", body: Self.step(principal: ["iss": "https://auth.acme.example/"], run: "b-legacy"))
            let response = try decode(DecisionResponse.self, reply)
            #expect(!response.cutOver && response.decision.regime == .legacy && response.decision.effect == .deny)
            #expect(response.shadow.effect == .deny && NodeRuleIds.boundaryCheck(response.shadow) == .identityIssuer)
        }
    }
}
