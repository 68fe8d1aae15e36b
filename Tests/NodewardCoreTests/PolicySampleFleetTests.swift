import Foundation
import Testing
@testable import NodewardCore

/// Node policies generated from the sample fleet's own graphs, evaluated over the same traces: the
/// benign runs inference saw are allowed, and the seeded attacks are denied.
@Suite struct PolicySampleFleetTests {
    static let fleet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/fleet").path

    struct Outcome {
        var decisions: [String: Decision] = [:]
        var benignSteps = 0
        var benignDenied: [String] = []
        var benignUnevaluable: [String: Int] = [:]
    }

    static func evaluateFleet() throws -> (Outcome, [IncidentLabel]) {
        let workspace = try Workspace.load(folder: fleet)
        let inferred = Pipeline.run(workspace: workspace, stages: .init(infer: InferenceOptions()))
        let graphs = try #require(inferred.graphs)
        let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: inferred.sandboxes).generate() }
        var evaluator = NodeEvaluator(policies: CompiledPolicySet(sets), sandboxes: inferred.sandboxes)
        let labels = try IncidentLabel.load(path: try #require(workspace.labels))
        let incidentRuns = Set(labels.map(\.run))
        var outcome = Outcome()
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
            let decisions = evaluator.evaluate(run)
            for (step, decision) in zip(run.steps, decisions) {
                outcome.decisions["\(run.runId)/\(step.stepId)"] = decision
                // Benign: outside the incident runs, and allowed by the legacy sandbox when it ran.
                guard !incidentRuns.contains(run.runId), step.executed else { continue }
                outcome.benignSteps += 1
                switch decision.effect {
                case .allow: break
                case .deny: outcome.benignDenied.append("\(run.tenant) \(run.runId)/\(step.stepId): \(decision.rule): \(decision.reason)")
                case .unevaluable: outcome.benignUnevaluable[decision.reason, default: 0] += 1
                }
            }
        }
        return (outcome, labels)
    }

    @Test func benignRunsAreAllowedAndSeededAttacksDenied() throws {
        let (outcome, labels) = try Self.evaluateFleet()
        #expect(outcome.benignSteps > 15_000)
        #expect(outcome.benignDenied.isEmpty, "\(outcome.benignDenied.count) benign steps denied, e.g. \(outcome.benignDenied.prefix(5))")
        // The OTLP sample records no arguments on data and memory writes, so their origin constraints
        // cannot be checked there: unevaluable, never allowed by default, never more than those.
        #expect(Set(outcome.benignUnevaluable.keys).allSatisfy { $0.hasPrefix("the step recorded no arguments") }, "\(outcome.benignUnevaluable)")
        #expect(outcome.benignUnevaluable.values.reduce(0, +) < outcome.benignSteps / 10)
        for kind in ["poisoned-retrieval-write", "cross-tenant-read"] {
            for label in labels where label.kind == kind {
                let denied = label.steps.contains { outcome.decisions["\(label.run)/\($0)"]?.effect == .deny }
                #expect(denied, "\(label.id) (\(kind)) is not denied by the node policies")
            }
        }
    }
}

