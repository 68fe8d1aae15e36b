import Foundation
import Hummingbird
import HummingbirdTesting
import NodewardServer
import Testing

@Suite struct LiveServerTests {
    @Test func selftestPassesAgainstALiveSidecar() async throws {
        let sidecar = makeSidecar {
            $0.access = .token("live-token")
            $0.selftestEnabled = true
            $0.cutOverTenants = ["hooli"]
        }
        try await makeApp(sidecar).test(.live) { client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let reply = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0], token: "live-token")
            #expect(reply.status == .ok)

            let report = await ShadowSelftest.run(baseURL: url, token: "live-token")
            #expect(report.passed, "\(report.text)")
            #expect(report.checks.map(\.name) == ["healthz", "selftest enabled", "shadow canary", "cut-over canary", "forged canary for acme refused"])

            let unauthorized = await ShadowSelftest.run(baseURL: url, token: "wrong")
            #expect(!unauthorized.passed)
            #expect(unauthorized.text.contains("HTTP 401"))
        }
        #expect(sidecar.status().decisions.canaries == 2)
        #expect(sidecar.status().decisions.refused == ["nodeward-canary/reserved": 1])
    }

    @Test func selftestFailsClearlyWhenNothingListens() async throws {
        let report = await ShadowSelftest.run(baseURL: URL(string: "http://127.0.0.1:9")!, token: nil, timeout: 2)
        #expect(!report.passed)
        #expect(report.text.contains("cannot reach"))
    }
}
