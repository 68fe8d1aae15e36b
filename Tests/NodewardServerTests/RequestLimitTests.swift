import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardServer
import Testing

@Suite struct RequestLimitTests {
    @Test func malformedBodiesAre400WithAReasonNamingFieldsNotValues() async throws {
        let sidecar = makeSidecar()
        try await makeApp(sidecar).test(.router) { client in
            let notJSON = try await send(client, .post, "/v1/decisions", body: "{\"tenant\": \"SECRET-tenant\"")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.json["error"] as? String == "the body is not valid JSON")

            let missing = try await send(client, .post, "/v1/decisions",
                                         body: #"{"tenant":"globex","agent":"a","run":"r","step":"s","time":"2026-11-02T00:40:40Z","operation":"SECRET-operation"}"#)
            #expect(missing.status == .badRequest)
            let reason = try #require(missing.json["error"] as? String)
            #expect(reason.contains("\"kind\""))
            #expect(!missing.text.contains("SECRET"))

            let wrongType = try await send(client, .post, "/v1/decisions", body: globexStep(0, replacing: ["arguments": "SECRET-text"]))
            #expect(wrongType.status == .badRequest)
            #expect((wrongType.json["error"] as? String)?.contains("\"arguments\" must be an object") == true)
            #expect(!wrongType.text.contains("SECRET"))

            let batchItem = try await send(client, .post, "/v1/decisions/batch",
                                           body: batchBody([Fleet.globexRun[0], #"{"tenant":"SECRET"}"#]))
            #expect(batchItem.status == .badRequest)
            #expect((batchItem.json["error"] as? String)?.hasPrefix("steps[1]: missing required field") == true)
            #expect(!batchItem.text.contains("SECRET"))

            let noSteps = try await send(client, .post, "/v1/decisions/batch", body: "[]")
            #expect(noSteps.status == .badRequest)
        }
        // Nothing was decided or recorded for a refused request, not even the valid first batch item.
        #expect(sidecar.queue.counts.enqueued == 0)
        #expect(sidecar.metricsText().contains("nodeward_shadow_rejected_requests_total{status=\"400\"} 5"))
    }

    @Test func oversizedBodiesAndBatchesAre413() async throws {
        let sidecar = makeSidecar {
            $0.maxBodyBytes = 4_096
            $0.maxBatchSteps = 3
        }
        try await makeApp(sidecar).test(.router) { client in
            let padded = globexStep(0, replacing: ["arguments": ["note": String(repeating: "x", count: 5_000)]])
            let large = try await send(client, .post, "/v1/decisions", body: padded)
            #expect(large.status == .contentTooLarge, "\(large.text)")
            #expect(large.json["status"] as? Int == 413)

            let fits = try await send(client, .post, "/v1/decisions/batch", body: batchBody(Array(Fleet.globexRun.prefix(3))))
            #expect(fits.status == .ok)
            let many = try await send(client, .post, "/v1/decisions/batch", body: batchBody(Array(repeating: Canary.requestBody(tenant: "nodeward-canary", run: "r"), count: 4)))
            #expect(many.status == .contentTooLarge)
            #expect((many.json["error"] as? String)?.contains("batch limit of 3") == true)
        }
        #expect(sidecar.queue.counts.enqueued == 3)
    }

    @Test func bearerTokenIsRequiredEverywhereButHealthz() async throws {
        let sidecar = makeSidecar { $0.access = .token("s3cret-token") }
        try await makeApp(sidecar).test(.router) { client in
            #expect(try await send(client, .get, "/healthz").status == .ok)
            let missing = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0])
            #expect(missing.status == .unauthorized)
            #expect(try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0], token: "s3cret-tokeN").status == .unauthorized)
            #expect(try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0], token: "s3cret").status == .unauthorized)
            #expect(try await send(client, .get, "/metrics").status == .unauthorized)
            #expect(try await send(client, .get, "/v1/status").status == .unauthorized)
            #expect(try await send(client, .post, "/v1/reload").status == .unauthorized)
            #expect(try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0], token: "s3cret-token").status == .ok)
            #expect(try await send(client, .get, "/v1/status", token: "s3cret-token").status == .ok)
        }
        #expect(sidecar.queue.counts.enqueued == 1)
    }
}
