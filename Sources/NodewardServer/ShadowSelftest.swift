import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NodewardCore

/// The shadow self-test against a live sidecar started with `--enable-selftest`: the canary (see
/// `Canary`) must come back enforced allow with a node deny in the shadow (class `tightened`), and
/// denied for the reserved cut-over tenant `nodeward-canary-cutover`; and a forged canary (the canary
/// workflow claimed by the first tenant the server lists) must not be allowed.
public enum ShadowSelftest {
    public struct Check: Sendable, Hashable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public struct Report: Sendable, Hashable {
        public var checks: [Check]
        public var passed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

        public var text: String {
            checks.map { "\($0.passed ? "ok  " : "FAIL") \($0.name): \($0.detail)" }.joined(separator: "\n")
        }
    }

    public static func run(baseURL: URL, token: String?, timeout: TimeInterval = 5) async -> Report {
        let client = Client(baseURL: baseURL, token: token, timeout: timeout)
        var checks: [Check] = []
        switch await client.send("GET", "/healthz", body: nil) {
        case .success(let reply): checks.append(Check(name: "healthz", passed: reply.status == 200, detail: "HTTP \(reply.status)"))
        case .failure(let error):
            checks.append(Check(name: "healthz", passed: false, detail: "cannot reach \(baseURL.absoluteString): \(error.message)"))
            return Report(checks: checks)
        }
        var tenants: [String] = []
        switch await client.send("GET", "/v1/status", body: nil) {
        case .success(let reply) where reply.status == 200:
            guard let status = try? JSONDecoder().decode(SidecarStatus.self, from: Data(reply.body)) else {
                checks.append(Check(name: "status", passed: false, detail: "the response is not a sidecar status"))
                return Report(checks: checks)
            }
            checks.append(Check(name: "selftest enabled", passed: status.selftestEnabled,
                                detail: status.selftestEnabled ? "yes" : "no: start the sidecar with --enable-selftest"))
            guard status.selftestEnabled else { return Report(checks: checks) }
            tenants = status.tenants
        case .success(let reply):
            checks.append(Check(name: "status", passed: false, detail: "HTTP \(reply.status)\(reply.status == 401 ? ": the token was refused" : "")"))
            return Report(checks: checks)
        case .failure(let error):
            checks.append(Check(name: "status", passed: false, detail: error.message))
            return Report(checks: checks)
        }
        let run = "selftest-\(UInt64(Date().timeIntervalSince1970 * 1000))"
        checks.append(await canary(client, name: "shadow canary", tenant: Canary.shadowTenant, run: run,
                                   expect: (.allow, .legacy, .deny)))
        checks.append(await canary(client, name: "cut-over canary", tenant: Canary.cutOverTenant, run: run,
                                   expect: (.deny, .node, .allow)))
        if let tenant = tenants.first { checks.append(await forgedCanary(client, tenant: tenant, run: run)) }
        return Report(checks: checks)
    }

    static func canary(_ client: Client, name: String, tenant: String, run: String,
                       expect: (effect: Effect, regime: Regime, shadow: Effect)) async -> Check {
        switch await client.send("POST", "/v1/decisions", body: Array(Canary.requestBody(tenant: tenant, run: run).utf8)) {
        case .failure(let error): return Check(name: name, passed: false, detail: error.message)
        case .success(let reply):
            guard reply.status == 200 else {
                let reason = (try? JSONDecoder().decode(ErrorBody.self, from: Data(reply.body)))?.error ?? ""
                return Check(name: name, passed: false, detail: "HTTP \(reply.status) \(reason)")
            }
            guard let response = try? JSONDecoder().decode(DecisionResponse.self, from: Data(reply.body)) else {
                return Check(name: name, passed: false, detail: "the response is not a decision")
            }
            let got = "enforced \(response.decision.regime.rawValue) \(response.decision.effect.rawValue), shadow \(response.shadow.effect.rawValue), class \(response.class.rawValue)"
            let passed = response.canary && response.decision.effect == expect.effect && response.decision.regime == expect.regime
                && response.shadow.effect == expect.shadow && response.class == .tightened
            return Check(name: name, passed: passed,
                         detail: passed ? got : "\(got); expected enforced \(expect.regime.rawValue) \(expect.effect.rawValue)")
        }
    }

    /// The canary step under a real tenant's name: must be refused (`nodeward-canary/reserved`, or 403
    /// when the token may not speak for that tenant), never allowed by the canary's built-in rules.
    static func forgedCanary(_ client: Client, tenant: String, run: String) async -> Check {
        let name = "forged canary for \(tenant) refused"
        switch await client.send("POST", "/v1/decisions", body: Array(Canary.requestBody(tenant: tenant, run: run).utf8)) {
        case .failure(let error): return Check(name: name, passed: false, detail: error.message)
        case .success(let reply) where reply.status == 403: return Check(name: name, passed: true, detail: "HTTP 403")
        case .success(let reply):
            guard reply.status == 200, let response = try? JSONDecoder().decode(DecisionResponse.self, from: Data(reply.body)) else {
                return Check(name: name, passed: false, detail: "HTTP \(reply.status)")
            }
            let passed = !response.canary && response.decision.effect == .deny && response.decision.rule == Canary.reservedRule
            return Check(name: name, passed: passed, detail: "enforced \(response.decision.effect.rawValue) (\(response.decision.rule))")
        }
    }

    struct Failure: Error { var message: String }

    struct Reply: Sendable {
        var status: Int
        var body: [UInt8]
    }

    struct Client: Sendable {
        var baseURL: URL
        var token: String?
        var timeout: TimeInterval

        func send(_ method: String, _ path: String, body: [UInt8]?) async -> Result<Reply, Failure> {
            guard let url = URL(string: path, relativeTo: baseURL) else { return .failure(Failure(message: "bad URL")) }
            var request = URLRequest(url: url, timeoutInterval: timeout)
            request.httpMethod = method
            if let body {
                request.httpBody = Data(body)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            let session = URLSession(configuration: .ephemeral)
            defer { session.finishTasksAndInvalidate() }
            return await withCheckedContinuation { continuation in
                session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(returning: .failure(Failure(message: error.localizedDescription)))
                    } else if let http = response as? HTTPURLResponse {
                        continuation.resume(returning: .success(Reply(status: http.statusCode, body: Array(data ?? Data()))))
                    } else {
                        continuation.resume(returning: .failure(Failure(message: "no HTTP response")))
                    }
                }.resume()
            }
        }
    }
}
