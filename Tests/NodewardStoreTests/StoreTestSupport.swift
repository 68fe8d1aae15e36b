import Foundation
import NodewardCore
import NodewardStore

/// A fresh folder under the temporary directory, removed when the test's scope ends.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("nodeward-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var storePath: String { (path as NSString).appendingPathComponent(".nodeward/nodeward.sqlite") }
}

enum Sample {
    static let policy = PolicyVersion(workflow: "support-triage", contentHash: Fingerprint.label("policy v1"))

    static func step(run: String, index: Int, tenant: String = "acme", arguments: [String: JSONValue]? = nil) -> Step {
        Step(
            tenant: tenant, agent: "support-agent", workflow: "support-triage", runId: run, stepId: "s\(index)",
            startNanos: 1_700_000_000_000_000_000 + Int64(index) * 1_000, endNanos: 1_700_000_000_000_000_000 + Int64(index) * 1_000 + 500,
            kind: .toolCall, operation: "crm.lookup",
            arguments: arguments ?? ["customer": .string("c-\(index)"), "limit": .int(5)],
            result: .object(["status": .string("ok")]),
            source: SourceLocation(file: "traces/\(run).jsonl", line: index + 1))
    }

    static func legacy(_ effect: Effect, rule: String = "acme/tools.allow[0]") -> Decision {
        Decision(regime: .legacy, effect: effect, rule: rule, reason: "tool listed in the tenant sandbox")
    }

    static func node(_ effect: Effect, rule: String = "support-triage/lookup/tools") -> Decision {
        Decision(regime: .node, effect: effect, rule: rule, reason: "node policy for lookup")
    }

    /// `runs` runs of `stepsPerRun` steps, every step allowed by both regimes except every tenth, which
    /// the node policy denies (tightened).
    static func batch(runs: Int, stepsPerRun: Int, policy: PolicyVersion = policy) -> DecisionBatch {
        var records: [DecisionRecord] = []
        var runRecords: [RunRecord] = []
        for runIndex in 0..<runs {
            let runId = "run-\(runIndex)"
            let steps = (0..<stepsPerRun).map { step(run: runId, index: $0) }
            runRecords.append(RunRecord(Run(
                tenant: "acme", agent: "support-agent", workflow: "support-triage", runId: runId,
                startNanos: steps.first!.startNanos, endNanos: steps.last!.endNanos, steps: steps,
                source: steps.first!.source)))
            for (index, step) in steps.enumerated() {
                records.append(DecisionRecord(
                    step: step, legacy: legacy(.allow), node: node(index % 10 == 9 ? .deny : .allow),
                    policyVersion: policy, provenance: index == 0 ? [] : ["s\(index - 1)"]))
            }
        }
        return DecisionBatch(runs: runRecords, decisions: records)
    }
}

extension NodewardDatabase {
    /// The single integer a `SELECT count(*) …` query returns.
    func count(_ sql: String) throws -> Int {
        let result = try query(sql)
        guard let cell = result.rows.first?.first, let text = cell, let number = Int(text) else {
            throw Diagnostic.error(.storeQuery, "expected one integer from \(sql)")
        }
        return number
    }
}
