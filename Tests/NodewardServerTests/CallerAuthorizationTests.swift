import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardCore
import NodewardServer
import Testing

/// Who may call the sidecar, from where, and for which tenants (issue 13, items 2 and 3).
@Suite struct CallerAuthorizationTests {
    static let grants = [
        TokenGrant(token: "all-tenants", scope: .all),
        TokenGrant(token: "globex-only", scope: .only(["globex"])),
    ]

    @Test func aRequestWithAnOriginHeaderIsRefusedWith403OnEveryRoute() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let browser: HTTPFields = [.origin: "https://evil.example"]
            for (method, path) in [(HTTPRequest.Method.post, "/v1/decisions"), (.post, "/v1/reload"), (.get, "/v1/status"), (.get, "/healthz")] {
                let reply = try await send(client, method, path, body: method == .post ? Fleet.globexRun[0] : nil, headers: browser)
                #expect(reply.status == .forbidden, "\(path)")
                #expect(reply.json["code"] as? String == "origin-not-allowed", "\(reply.text)")
            }
        }
        #expect(sidecar.queue.counts.enqueued == 0)
        #expect(sidecar.status().reloads.succeeded == 0)
    }

    @Test func aBodyNotDeclaredAsJSONIsRefusedWith415() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            for contentType in ["text/plain", "application/x-www-form-urlencoded", nil] {
                let reply = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0], contentType: contentType)
                #expect(reply.status == .unsupportedMediaType, "\(contentType ?? "none")")
                #expect(reply.json["code"] as? String == "unsupported-media-type")
            }
            let batch = try await send(client, .post, "/v1/decisions/batch", body: batchBody(Fleet.globexRun), contentType: "text/plain")
            #expect(batch.status == .unsupportedMediaType)
            let charset = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0], contentType: "application/json; charset=utf-8")
            #expect(charset.status == .ok)
            // A reload takes no body; one sent anyway must be JSON too.
            #expect(try await send(client, .post, "/v1/reload", body: "reload", contentType: "text/plain").status == .unsupportedMediaType)
            #expect(try await send(client, .post, "/v1/reload").status == .ok)
        }
        #expect(sidecar.queue.counts.enqueued == 1)
        #expect(sidecar.status().reloads.succeeded == 1)
    }

    @Test func aTokenForOneTenantCannotDecideASingleStepOfAnother() async throws {
        let sidecar = makeSidecar { $0.access = .tokens(Self.grants) }
        try await makeApp(sidecar).test(.router) { client in
            let globex = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0], token: "globex-only")
            #expect(globex.status == .ok)
            let acmeStep = globexStep(0, replacing: ["tenant": "acme", "run": "run-acme-x"])
            let acme = try await send(client, .post, "/v1/decisions", body: acmeStep, token: "globex-only")
            #expect(acme.status == .forbidden)
            #expect(acme.json["code"] as? String == "tenant-not-authorized", "\(acme.text)")
            #expect(try await send(client, .post, "/v1/decisions", body: acmeStep, token: "all-tenants").status == .ok)
        }
        #expect(sidecar.status().decisions.refused == ["sidecar/tenant-not-authorized": 1])
        #expect(sidecar.queue.counts.enqueued == 2)
    }

    @Test func inABatchEachStepOfAnotherTenantIsDeniedAndNotDecided() async throws {
        let sidecar = makeSidecar { $0.access = .tokens(Self.grants) }
        try await makeApp(sidecar).test(.router) { client in
            let mixed = [Fleet.globexRun[0], globexStep(0, replacing: ["tenant": "acme", "run": "run-acme-x"]), Fleet.globexRun[1]]
            let reply = try await send(client, .post, "/v1/decisions/batch", body: batchBody(mixed), token: "globex-only")
            #expect(reply.status == .ok, "\(reply.text)")
            let results = try decode(BatchResponse.self, reply).results
            #expect(results.map(\.tenant) == ["globex", "acme", "globex"])
            #expect(results[1].decision.effect == .deny && results[1].decision.rule == "sidecar/tenant-not-authorized")
            #expect(results[1].shadow.effect == .deny)
            #expect(results[0].decision.rule != "sidecar/tenant-not-authorized" && results[2].decision.rule != "sidecar/tenant-not-authorized")
            let metrics = try await send(client, .get, "/metrics", token: "all-tenants").text
            #expect(metrics.contains("nodeward_shadow_refused_steps_total{rule=\"sidecar/tenant-not-authorized\"} 1"), "\(metrics)")
        }
        #expect(sidecar.queue.counts.enqueued == 2, "the refused step is not recorded")
        #expect(sidecar.status().runs.tracked == 1, "the refused step left no run state")
    }

    @Test func reloadNeedsATokenValidForEveryTenant() async throws {
        let sidecar = makeSidecar { $0.access = .tokens(Self.grants) }
        try await makeApp(sidecar).test(.router) { client in
            let scoped = try await send(client, .post, "/v1/reload", token: "globex-only")
            #expect(scoped.status == .forbidden)
            #expect(scoped.json["code"] as? String == "reload-not-authorized")
            #expect(try await send(client, .post, "/v1/reload", token: "all-tenants").status == .ok)
        }
        #expect(sidecar.status().reloads.succeeded == 1)
    }

    @Test func aPlainOneLineTokenFileIsOneTokenForEveryTenant() throws {
        let grants = try TokenFile.parse("s3cret\n", path: "token").get()
        #expect(grants == [TokenGrant(token: "s3cret", scope: .all)])
    }

    @Test func aPerTenantTokenFileGrantsEachTokenItsTenants() throws {
        let text = "ops-token *\n\n# the globex platform\nglobex-token globex\npair-token acme,hooli\n"
        let grants = try TokenFile.parse(text, path: "tokens").get()
        #expect(grants == [TokenGrant(token: "ops-token", scope: .all), TokenGrant(token: "globex-token", scope: .only(["globex"])),
                           TokenGrant(token: "pair-token", scope: .only(["acme", "hooli"]))])
    }

    @Test func aTokenFileWithAnEmptyFirstLineIsRefusedNamingTheFile() {
        for text in ["", "\nsecret\n", "   \nsecret", "# comment\nsecret"] {
            guard case .failure(let diagnostic) = TokenFile.parse(text, path: "/run/secrets/t") else {
                Issue.record("accepted \(text.debugDescription)")
                continue
            }
            #expect(diagnostic.code == "token.first-line-empty")
            #expect(diagnostic.description.hasPrefix("/run/secrets/t:1:"))
        }
    }

    @Test func aMalformedTokenFileIsRefusedWithoutQuotingATokenValue() {
        for (text, code) in [("a b c\n", "token.bad-line"), ("dup\ndup\n", "token.duplicate"), ("tok acme,,globex\n", "token.bad-tenants")] {
            guard case .failure(let diagnostic) = TokenFile.parse(text, path: "t") else {
                Issue.record("accepted \(text.debugDescription)")
                continue
            }
            #expect(diagnostic.code.rawValue == code)
            #expect(!diagnostic.message.contains("dup") && !diagnostic.message.contains("tok "))
        }
    }
}
