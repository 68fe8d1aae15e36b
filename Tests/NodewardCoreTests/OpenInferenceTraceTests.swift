import Foundation
import Testing
@testable import NodewardCore

/// OpenInference spans in OTLP/JSON (issue 14): the fixtures under Fixtures/traces/openinference/ (names
/// from Arize-ai/openinference `spec/semantic_conventions.md`, see the README there), golden steps, bad
/// records, both decoders, and the pipeline end to end.
@Suite struct OpenInferenceTraceTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"

    static func fixture(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("traces/openinference").appendingPathComponent(name).path
    }

    static var options: TraceReaderOptions {
        var options = TraceReaderOptions()
        options.tenantAttribute = "metadata.tenant"
        return options
    }

    static func read(_ name: String, options: TraceReaderOptions = Self.options) throws -> (runs: [Run], summary: TraceReadSummary, path: String) {
        let path = try fixture(name)
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(paths: [path]) { runs.append($0) }
        return (runs.sorted { $0.runId < $1.runId }, summary, path)
    }

    static func shape(_ step: Step) -> String {
        "\(step.stepId) \(step.kind.rawValue) \(step.operation) [\(step.tenant)/\(step.agent)] \(step.parents)"
    }

    @Test func anAgentRunMapsOntoGoldenSteps() throws {
        let (runs, summary, path) = try Self.read("agent-run.json")
        #expect(summary.files[path] == .otlpJSON)
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(run.runId == Self.trace)
        #expect(run.tenant == "acme" && run.agent == "support-agent" && run.workflow == "support-agent")
        #expect(run.userRequest == "Where is order 1001, and can I get a refund?")
        #expect(run.steps.map(Self.shape) == [
            "a1b2c3d4e5f60003 llm gpt-4o-mini [acme/support-agent] []",
            "a1b2c3d4e5f60004 tool_call lookup_order [acme/support-agent] []",
            // Under a CHAIN under the lookup_order tool: the chain is structure, the tool is its parent.
            "a1b2c3d4e5f60006 tool_call send_email [acme/support-agent] [\"a1b2c3d4e5f60004\"]",
            "a1b2c3d4e5f60007 retrieval policy-search [acme/support-agent] []",
        ])
        let steps = Dictionary(uniqueKeysWithValues: run.steps.map { ($0.stepId, $0) })
        let llm = try #require(steps["a1b2c3d4e5f60003"])
        #expect(llm.tokens == TokenUsage(input: 120, output: 14))
        #expect(llm.provider == "openai")
        let lookup = try #require(steps["a1b2c3d4e5f60004"])
        // The arguments are input.value; tool.parameters (the schema) is never read.
        #expect(lookup.arguments == ["order_id": .string("1001")])
        #expect(lookup.result == .object(["status": .string("shipped"), "total": .int(42)]))
        let email = try #require(steps["a1b2c3d4e5f60006"])
        #expect(email.arguments == ["input": .string("Order 1001 has shipped.")])
        #expect(email.result == .string("queued"))
        let retrieval = try #require(steps["a1b2c3d4e5f60007"])
        #expect(retrieval.arguments == ["query": .string("refund policy")])
        #expect(retrieval.result == .array([
            .object(["id": .string("doc-7"), "content": .string("Refunds within 30 days.")]),
            .object(["id": .string("12"), "content": .string("Shipped orders are refunded on return.")]),
        ]))
        #expect(retrieval.dataItems == [DataItem(id: "doc-7"), DataItem(id: "12")])
        #expect(!run.steps.contains { $0.failed })
        // The GUARDRAIL span is the one counted note; CHAIN and EMBEDDING spans are structure, uncounted.
        #expect(summary.skipped == [.traceNotAStep: 1])
        #expect(summary.steps == 4 && summary.runs == 1)
    }

    @Test func theWorkspaceTenantAttributeStillWinsOverMetadata() throws {
        var options = TraceReaderOptions()
        options.tenantAttribute = "tenant.id"
        let (runs, summary, _) = try Self.read("agent-run.json", options: options)
        // With the default attribute nothing names a tenant: metadata is read only for `metadata.<key>`.
        #expect(runs.isEmpty)
        #expect(summary.skipped[.traceNoTenant] == 4)
    }

    @Test func badRecordsAreCountedWithTheirLocation() throws {
        let (runs, summary, path) = try Self.read("bad-records.jsonl")
        #expect(summary.files[path] == .otlpJSONLines)
        #expect(summary.skipped == [.traceMissingField: 2, .traceUnknownOperation: 1, .traceNoTenant: 1, .traceInvalidValue: 1])
        func lines(_ code: DiagnosticCode) -> [Int] { summary.diagnostics.filter { $0.code == code }.compactMap { $0.location?.line } }
        #expect(lines(.traceMissingField) == [1, 2])
        #expect(lines(.traceUnknownOperation) == [3])
        // Line 5's metadata is not JSON (a warning; its run then has no tenant), line 6's trace id is bad.
        #expect(lines(.traceInvalidValue) == [5, 6])
        #expect(summary.diagnostics.allSatisfy { $0.location?.file == path })
        // Messages never quote input bytes.
        for text in ["oops", "plain words", "xyz", "PROMPT"] {
            #expect(!summary.diagnostics.contains { $0.message.contains(text) }, "\(text)")
        }
        let run = try #require(runs.first)
        #expect(runs.count == 1 && run.tenant == "acme")
        #expect(run.steps.map(\.stepId) == ["b1b2c3d4e5f60004"])
        let step = try #require(run.steps.first)
        #expect(step.failed)
        #expect(step.arguments == ["input": .string("plain words")])
        #expect(step.result == .array([.int(1), .int(2)]))
    }

    @Test func genAISpansDoNotReadMetadata() {
        let line = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[{"traceId":"7e2c5168aa1671d9d6f125c031317a69","spanId":"e1b2c3d4e5f60001","name":"execute_tool t","startTimeUnixNano":"1793700000000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"t"}},{"key":"metadata","value":{"stringValue":"{\"tenant\":\"acme\"}"}}]}]}]}]}"#
        for decoder in [TraceDecoderChoice.fast, .reference] {
            var options = Self.options
            options.decoder = decoder
            var runs: [Run] = []
            let summary = TraceReader(options: options).read(data: Array((line + "\n").utf8), file: "genai.jsonl") { runs.append($0) }
            #expect(runs.isEmpty)
            #expect(summary.skipped == [.traceNoTenant: 1])
        }
    }

    @Test func fastAndReferenceDecodersAgree() throws {
        for name in ["agent-run.json", "bad-records.jsonl"] {
            let path = try Self.fixture(name)
            for tenantAttribute in ["metadata.tenant", "tenant.id"] {
                var options = Self.options
                options.tenantAttribute = tenantAttribute
                let differences = FastIngest.decoderDifferences(path: path, options: options)
                #expect(differences.isEmpty, "\(name) \(tenantAttribute): \(differences)")
            }
        }
    }

    @Test func anAgentRunGoesThroughThePipeline() throws {
        let (runs, _, _) = try Self.read("agent-run.json")
        #expect(runs.count == 1)
        // OpenInference records no index on a RETRIEVER span (no `vector:` resource), so the tenant's
        // sandbox must declare one for the legacy read to be allowed.
        let sandbox = TenantSandbox(
            name: "acme", tenantId: "acme", vectorIndex: VectorIndexConfig(collection: "policies", isolation: .collection),
            tools: ToolsConfig(defaultEffect: .allow), source: SourceLocation(file: "acme.yaml", line: 1))
        var inferencer = Inferencer(sandboxes: [sandbox])
        for run in runs { inferencer.consume(run) }
        let graph = try #require(inferencer.finish().first)
        #expect(graph.workflow == "support-agent")
        #expect(graph.nodes.contains { $0.operation == "lookup_order" })
        let set = PolicyGenerator(graph: graph, sandboxes: [sandbox], options: PolicyGeneratorOptions(strictness: .permissive)).generate()
        var evaluator = ShadowEvaluator(sandboxes: [sandbox], policies: CompiledPolicySet([set]))
        let outcomes = runs.flatMap { run in zip(run.steps, evaluator.evaluate(run)) }
        #expect(outcomes.count == 4)
        // The tool and model steps are allowed. The RETRIEVER records no vector resource (OpenInference
        // names no index), so its legacy read is unevaluable and the node is not granted: reported, no trap.
        let denied = outcomes.filter { $0.1.node.effect != .allow }
        #expect(denied.map(\.0.stepId) == ["a1b2c3d4e5f60007"], "\(denied.prefix(3).map { "\($0.0.runId)/\($0.0.stepId): \($0.1.node.rule)" })")
        #expect(denied.allSatisfy { $0.1.comparison == .unevaluable })
    }
}
