import Foundation
import Testing
@testable import NodewardCore

/// Runs `scripts/cedar-decide.py` (cedarpy, the Rust Cedar engine) on exported policies and requests.
/// Python: `$NODEWARD_CEDAR_PYTHON`, else `python3` if it imports cedarpy. Without either the tests
/// are skipped with the setup below, unless `CI` or `NODEWARD_REQUIRE_CEDAR` is set: then they fail.
enum CedarPython {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("scripts/cedar-decide.py").path
    static let setup = "cedarpy not found: python3 -m venv .build/cedar-venv && .build/cedar-venv/bin/pip install cedarpy, "
        + "then NODEWARD_CEDAR_PYTHON=.build/cedar-venv/bin/python swift test --filter Cedar (.ci/run does this)"

    static let environment = ProcessInfo.processInfo.environment
    static let required = environment["CI"] != nil || environment["NODEWARD_REQUIRE_CEDAR"] != nil
    static let python: String? = {
        if let configured = environment["NODEWARD_CEDAR_PYTHON"], !configured.isEmpty { return configured }
        return (try? run(["/usr/bin/env", "python3", "-c", "import cedarpy"], input: Data()).status) == 0 ? "/usr/bin/env python3" : nil
    }()
    /// Run the differential tests when Cedar is there, or when its absence must fail.
    static let enabled = python != nil || required

    struct Decision: Decodable {
        var decision: String
        var reasons: [String]
        var errors: [String]
    }

    struct Output: Decodable {
        var decisions: [Decision]
    }

    static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: Data, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("cedar-\(UUID().uuidString).json")
        try input.write(to: inputFile)
        defer { try? FileManager.default.removeItem(at: inputFile) }
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // stderr is small (a message); read stdout to the end first so a large answer cannot block.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, data, message)
    }

    /// Cedar's decisions for `requests`, in order; nil (with an issue recorded) when Cedar cannot run.
    static func decide(_ bundle: CedarBundle, _ requests: [CedarRequest]) throws -> [Decision]? {
        guard let python else {
            Issue.record(Comment(rawValue: setup))
            return nil
        }
        let input = JSONValue.object([
            "policies": .string(bundle.policies), "schema": .string(bundle.schema), "entities": .string(bundle.entities),
            "requests": .array(requests.map(\.request)),
        ])
        let command = python.split(separator: " ").map(String.init) + [script]
        let result = try run(command, input: Data(input.canonicalText.utf8))
        guard result.status == 0 else {
            Issue.record("cedar-decide.py exited \(result.status): \(result.error)")
            return nil
        }
        let decisions = try JSONDecoder().decode(Output.self, from: result.output).decisions
        try #require(decisions.count == requests.count)
        return decisions
    }

    /// Compares Cedar with Nodeward request by request: allow = Allow by the node's permit, deny = Deny
    /// without error, unevaluable = Deny with an error. Returns the mismatches and counts by effect.
    static func compare(_ bundle: CedarBundle, _ requests: [CedarRequest], _ decisions: [Decision]) -> (mismatches: [String], counts: [Effect: Int]) {
        var mismatches: [String] = []
        var counts: [Effect: Int] = [:]
        for (request, cedar) in zip(requests, decisions) {
            counts[request.nodeward.effect, default: 0] += 1
            let agrees: Bool
            switch request.nodeward.effect {
            case .allow:
                let permit = bundle.policyRules.firstIndex(of: request.nodeward.rule).map { "policy\($0)" }
                agrees = cedar.decision == "Allow" && cedar.errors.isEmpty && cedar.reasons == permit.map { [$0] }
            case .deny: agrees = cedar.decision == "Deny" && cedar.errors.isEmpty
            case .unevaluable: agrees = cedar.decision == "Deny" && !cedar.errors.isEmpty
            }
            if !agrees {
                mismatches.append("\(request.id): nodeward \(request.nodeward.effect.rawValue) by \(request.nodeward.rule); "
                                  + "cedar \(cedar.decision) reasons \(cedar.reasons) errors \(cedar.errors) for \(request.request.canonicalText)")
            }
        }
        return (mismatches, counts)
    }
}

@Suite struct CedarDifferentialTests {
    static let fleet = CedarPython.root.appendingPathComponent("Samples/fleet").path

    @Test(.enabled(if: CedarPython.enabled, Comment(rawValue: CedarPython.setup)))
    func cedarDecidesEverySampleFleetStepAsNodewardDoes() throws {
        let workspace = try Workspace.load(folder: Self.fleet)
        let inferred = Pipeline.run(workspace: workspace, stages: .init(infer: InferenceOptions()))
        let sets = try #require(inferred.graphs).map { PolicyGenerator(graph: $0, sandboxes: inferred.sandboxes).generate() }
        let bundle = CedarExport.export(sets)
        var builder = CedarRequestBuilder(policies: sets, sandboxes: inferred.sandboxes)
        var requests: [CedarRequest] = []
        var runs: [(tenant: String, workflow: String)] = []
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
            requests += builder.requests(for: run)
            runs.append((run.tenant, run.workflow))
        }
        guard let decisions = try CedarPython.decide(bundle, requests) else { return }
        let (mismatches, counts) = CedarPython.compare(bundle, requests, decisions)
        print("Cedar differential (sample fleet): \(requests.count) requests compared: \(counts[.allow, default: 0]) allow, "
              + "\(counts[.deny, default: 0]) deny, \(counts[.unevaluable, default: 0]) unevaluable; \(mismatches.count) mismatches")
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(requests.count) differ, e.g. \(mismatches.prefix(3))")
        #expect(requests.count >= 1_000)
        #expect(counts[.allow, default: 0] > 0 && counts[.deny, default: 0] > 0 && counts[.unevaluable, default: 0] > 0)
        #expect(Set(runs.map(\.workflow)) == Set(sets.map(\.workflow)))
        #expect(Set(runs.map(\.tenant)).count == 5)
        // The seeded attacks are among the requests, and those Nodeward denies Cedar denies too.
        let labels = try IncidentLabel.load(path: try #require(workspace.labels))
        let byID = Dictionary(requests.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for label in labels {
            for step in label.steps {
                let index = try #require(byID["\(label.run)/\(step)"], "\(label.id): step \(step) of \(label.run) not among the requests")
                if requests[index].nodeward.effect != .allow { #expect(decisions[index].decision == "Deny", "\(label.id)") }
            }
        }
    }
}
