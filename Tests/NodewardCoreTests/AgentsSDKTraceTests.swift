import Foundation
import Testing
@testable import NodewardCore

/// OpenAI Agents SDK trace export (issue 14): the fixtures under Fixtures/traces/openai-agents/ (shapes
/// from openai/openai-agents-python, see the README there), golden steps, bad records, both forms, and
/// the pipeline end to end.
@Suite struct AgentsSDKTraceTests {
    static let supportTrace = "trace_5d1f0c2a9b8e4f7a8c6d3e2b1a0f9e8d"
    static let weatherTrace = "trace_0a1b2c3d4e5f60718293a4b5c6d7e8f9"

    static func fixture(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("traces/openai-agents").appendingPathComponent(name).path
    }

    static func read(_ name: String, options: TraceReaderOptions = TraceReaderOptions()) throws -> (runs: [Run], summary: TraceReadSummary, path: String) {
        let path = try fixture(name)
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(paths: [path]) { runs.append($0) }
        return (runs.sorted { $0.runId > $1.runId }, summary, path)
    }

    static func read(text: String, file: String = "agents.jsonl", options: TraceReaderOptions = TraceReaderOptions()) -> (runs: [Run], summary: TraceReadSummary) {
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: Array(text.utf8), file: file) { runs.append($0) }
        return (runs, summary)
    }

    static func shape(_ step: Step) -> String {
        "\(step.stepId) \(step.kind.rawValue) \(step.operation) [\(step.agent)] \(step.parents)"
    }

    @Test func aMultiAgentTraceMapsOntoGoldenSteps() throws {
        let (runs, summary, path) = try Self.read("multi-agent.jsonl")
        #expect(summary.files[path] == .agentsSDK)
        #expect(runs.map(\.runId) == [Self.supportTrace, Self.weatherTrace])
        let run = try #require(runs.first)
        #expect(run.tenant == "acme" && run.workflow == "Customer support" && run.agent == "Triage Agent")
        #expect(run.userRequest == "I was charged twice for order 1001, please refund one charge.")
        #expect(run.steps.map(Self.shape) == [
            "span_gen_triage_00000000001 llm gpt-4o [Triage Agent] []",
            "span_handoff_000000000000001 tool_call handoff [Triage Agent] []",
            "span_gen_billing_1000000001 llm gpt-4o [Billing Agent] []",
            "span_fn_lookup_00000000001 tool_call lookup_order [Billing Agent] []",
            "span_gen_billing_2000000001 llm gpt-4o [Billing Agent] []",
            "span_fn_fraud_000000000001 tool_call fraud_check [Billing Agent] []",
            // An agent used as a tool runs inside the function span: its model call's parent is that step.
            "span_gen_fraud_00000000001 llm gpt-4o-mini [Fraud Agent] [\"span_fn_fraud_000000000001\"]",
            "span_gen_billing_3000000001 llm gpt-4o [Billing Agent] []",
            "span_fn_refund_00000000001 tool_call issue_refund [Billing Agent] []",
            "span_gen_billing_4000000001 llm gpt-4o [Billing Agent] []",
        ])
        let steps = Dictionary(uniqueKeysWithValues: run.steps.map { ($0.stepId, $0) })
        let handoff = try #require(steps["span_handoff_000000000000001"])
        #expect(handoff.arguments == ["from_agent": .string("Triage Agent"), "to_agent": .string("Billing Agent")])
        let lookup = try #require(steps["span_fn_lookup_00000000001"])
        #expect(lookup.arguments == ["order_id": .string("1001")])
        #expect(lookup.result == .object(["order_id": .string("1001"), "charges": .array([
            .object(["id": .string("ch_1"), "amount": .int(4200)]), .object(["id": .string("ch_2"), "amount": .int(4200)]),
        ])]))
        // The MCP call: a function span with mcp_data; its output is Python text, kept as text.
        let refund = try #require(steps["span_fn_refund_00000000001"])
        #expect(refund.arguments == ["charge_id": .string("ch_2"), "amount": .int(4200)])
        #expect(refund.result == .string("{'type': 'text', 'text': 'refund re_77 created'}"))
        #expect(steps["span_gen_triage_00000000001"]?.tokens == TokenUsage(input: 212, output: 18))
        // The triggered output guardrail's decision is on the model step it guards; the passed input
        // guardrail records nothing.
        #expect(run.steps.filter { $0.recordedDecision != nil }.map(\.stepId) == ["span_gen_billing_4000000001"])
        #expect(steps["span_gen_billing_4000000001"]?.recordedDecision == RecordedDecision(effect: .deny, rule: "refund_policy", reason: "guardrail tripwire triggered"))
        // The mcp_tools listing is the one counted note; nothing else is skipped.
        #expect(summary.skipped == [.traceNotAStep: 1])
        #expect(summary.diagnostics.first { $0.code == .traceNotAStep }?.location?.line == 6)
        #expect(run.steps.map(\.startNanos) == run.steps.map(\.startNanos).sorted())
        #expect(run.steps.first?.startNanos == 1_793_610_000_021_000_000)
    }

    @Test func responseSpansAndAToolErrorAndATraceObjectAfterItsSpans() throws {
        let (runs, _, _) = try Self.read("multi-agent.jsonl")
        let run = try #require(runs.last)
        #expect(run.tenant == "globex" && run.runId == Self.weatherTrace && run.workflow == "Weather" && run.agent == "Weather Agent")
        #expect(run.steps.map { "\($0.kind.rawValue) \($0.operation) \($0.failed)" } == [
            "llm response false", "tool_call get_weather true", "llm response false",
        ])
        #expect(run.steps.first?.tokens == TokenUsage(input: 80, output: 12))
        #expect(run.steps[1].result == .string("rain, 4C"))
        #expect(run.steps[2].tokens == nil)
    }

    static func golden(_ runs: [Run]) -> [String] {
        runs.flatMap { run in
            run.steps.map { step in
                "\(run.tenant)/\(run.runId) \(shape(step)) \(JSONValue.object(step.arguments).canonicalText) "
                    + "\(step.result?.canonicalText ?? "-") \(step.recordedDecision.map { "\($0.effect) \($0.rule ?? "")" } ?? "-")"
            }
        }
    }

    @Test(arguments: ["multi-agent-batch.json", "multi-agent-array.json", "multi-agent-batches.jsonl"])
    func everyFormReadsAsTheSameSteps(file: String) throws {
        let lines = try Self.read("multi-agent.jsonl")
        let other = try Self.read(file)
        #expect(other.summary.files[other.path] == .agentsSDK)
        #expect(Self.golden(other.runs) == Self.golden(lines.runs))
        #expect(other.summary.skipped == [.traceNotAStep: 1])
    }

    @Test func aSingleLineBatchAndASingleLineArrayAreDetected() throws {
        let text = try String(contentsOfFile: try Self.fixture("multi-agent.jsonl"), encoding: .utf8)
        let objects = text.split(separator: "\n").joined(separator: ",")
        let reference = Self.golden(try Self.read("multi-agent.jsonl").runs)
        for (document, file) in [("{\"data\":[" + objects + "]}", "batch.json"), ("[" + objects + "]", "array.json")] {
            let (runs, summary) = Self.read(text: document, file: file)
            #expect(summary.files[file] == .agentsSDK)
            #expect(Self.golden(runs.sorted { $0.runId > $1.runId }) == reference)
        }
    }

    @Test func badRecordsAreSkippedAndCountedWithTheirLines() throws {
        let (runs, summary, _) = try Self.read("bad-records.jsonl")
        #expect(summary.skipped[.traceMissingField] == 1)
        #expect(summary.skipped[.traceInvalidValue] == 3)
        #expect(summary.skipped[.traceUnknownOperation] == 1)
        func lines(_ code: DiagnosticCode) -> [Int] { summary.diagnostics.filter { $0.code == code }.compactMap { $0.location?.line } }
        #expect(lines(.traceMissingField) == [3])
        #expect(lines(.traceInvalidValue) == [4, 5, 7])
        #expect(lines(.traceUnknownOperation) == [6])
        #expect(summary.diagnostics.first { $0.code == .traceUnknownOperation }?.severity == .warning)
        // Messages name fields, never the values read.
        #expect(!summary.diagnostics.contains { $0.message.contains("yesterday") || $0.message.contains("telemetry_blob") })
        let run = try #require(runs.first)
        #expect(runs.count == 1)
        #expect(run.steps.map { "\($0.stepId) \($0.kind.rawValue) \($0.operation)" } == [
            "span_b_fn_1 tool_call lookup_order", "span_b_gen_6 llm gpt-4.1",
        ])
    }

    static let untenanted = #"""
    {"object":"trace.span","id":"span_1","trace_id":"trace_x","parent_id":null,"started_at":"2026-11-02T09:00:00.100000+00:00","ended_at":"2026-11-02T09:00:00.200000+00:00","span_data":{"type":"function","name":"ping","input":"{}","output":"pong","mcp_data":null},"error":null}
    {"object":"trace","id":"trace_x","workflow_name":"Ping","group_id":null,"metadata":{"org":"initech"}}
    """# + "\n"

    @Test func theTenantComesFromTheTraceMetadataOrALiteralElseACountedSkip() throws {
        let missing = Self.read(text: Self.untenanted)
        #expect(missing.runs.isEmpty)
        #expect(missing.summary.skipped == [.traceNoTenant: 1])
        let diagnostic = try #require(missing.summary.diagnostics.first)
        #expect(diagnostic.location?.line == 2 && diagnostic.message.contains("agentsTenant"))

        var keyPath = TraceReaderOptions()
        keyPath.agentsTenant = "metadata.org"
        #expect(Self.read(text: Self.untenanted, options: keyPath).runs.map(\.tenant) == ["initech"])
        var literal = TraceReaderOptions()
        literal.agentsTenant = "=acme"
        let run = try #require(Self.read(text: Self.untenanted, options: literal).runs.first)
        #expect(run.tenant == "acme" && run.workflow == "Ping" && run.agent == "agent")
        #expect(run.steps.map(\.operation) == ["ping"] && run.steps.first?.result == .string("pong"))
    }

    /// Items in any order, and one trace split across two files, give the same steps: a trace is mapped
    /// once the whole read is done.
    @Test func itemOrderAndFileSplitsDoNotChangeTheSteps() throws {
        let text = try String(contentsOfFile: try Self.fixture("multi-agent.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let reference = Self.golden(try Self.read("multi-agent.jsonl").runs)
        let reversed = Self.read(text: lines.reversed().joined(separator: "\n") + "\n")
        #expect(Self.golden(reversed.runs.sorted { $0.runId > $1.runId }) == reference)
        var runs: [Run] = []
        let half = lines.count / 2
        let summary = TraceReader().read(data: [
            (file: "a.jsonl", bytes: Array((lines[..<half].joined(separator: "\n") + "\n").utf8)),
            (file: "b.jsonl", bytes: Array((lines[half...].joined(separator: "\n") + "\n").utf8)),
        ]) { runs.append($0) }
        #expect(summary.files == ["a.jsonl": .agentsSDK, "b.jsonl": .agentsSDK])
        #expect(Self.golden(runs.sorted { $0.runId > $1.runId }) == reference)
    }

    static func spanLine(_ id: String, parent: String?, at millis: Int, _ data: String) -> String {
        let parentText = parent.map { "\"\($0)\"" } ?? "null"
        return #"{"object":"trace.span","id":"\#(id)","trace_id":"trace_g","parent_id":\#(parentText),"started_at":"2026-11-02T09:00:00.\#(String(format: "%03d", millis))000+00:00","ended_at":null,"span_data":\#(data),"error":null}"#
    }

    @Test func aGuardrailUnderAStepGuardsItAndOneWithNothingToGuardIsANote() throws {
        let text = [
            #"{"object":"trace","id":"trace_g","workflow_name":"G","metadata":{"tenant":"acme"}}"#,
            Self.spanLine("a1", parent: nil, at: 1, #"{"type":"agent","name":"Writer"}"#),
            Self.spanLine("f1", parent: "a1", at: 2, #"{"type":"function","name":"send_email","input":"{\"to\":\"x@example.com\"}","output":null}"#),
            Self.spanLine("g1", parent: "f1", at: 3, #"{"type":"guardrail","name":"email_domain","triggered":true}"#),
            Self.spanLine("a2", parent: nil, at: 5, #"{"type":"agent","name":"Silent"}"#),
            Self.spanLine("g2", parent: "a2", at: 6, #"{"type":"guardrail","name":"topic","triggered":true}"#),
        ].joined(separator: "\n") + "\n"
        let (runs, summary) = Self.read(text: text)
        let run = try #require(runs.first)
        #expect(run.steps.map { "\($0.stepId) \($0.recordedDecision?.rule ?? "-")" } == ["f1 email_domain"])
        #expect(run.steps.first?.endNanos == run.steps.first?.startNanos)
        #expect(summary.skipped == [.traceNotAStep: 1])
        #expect(summary.diagnostics.first?.location?.line == 6 && summary.diagnostics.first?.severity == .warning)
    }

    @Test func theWorkspaceAttributeNamesTheTenantKeyPath() throws {
        let workspace = Workspace(attributes: ["agentsTenant": "metadata.org"])
        let run = try #require(Self.read(text: Self.untenanted, options: workspace.traceReaderOptions()).runs.first)
        #expect(run.tenant == "initech")
        #expect(Workspace.attributeKeys.contains("agentsTenant"))
    }

    @Test func readingTwiceGivesTheSameRuns() throws {
        let first = try Self.read("multi-agent.jsonl"), second = try Self.read("multi-agent.jsonl")
        #expect(first.runs == second.runs)
        #expect(first.summary == second.summary)
    }

    /// The fixture end to end: read, infer, generate, replay. Permissive allows every step it was
    /// generated from; nothing traps.
    @Test func theFixtureRunsThroughThePipeline() throws {
        let (runs, summary, _) = try Self.read("multi-agent.jsonl")
        #expect(summary.steps == 13)
        let sandboxes = ["acme", "globex"].map {
            TenantSandbox(name: $0, tenantId: $0, tools: ToolsConfig(defaultEffect: .allow), source: SourceLocation(file: "\($0).yaml", line: 1))
        }
        var inferencer = Inferencer(sandboxes: sandboxes)
        for run in runs { inferencer.consume(run) }
        let graphs = inferencer.finish()
        #expect(Set(graphs.map(\.workflow)) == ["Customer support", "Weather"])
        let support = try #require(graphs.first { $0.workflow == "Customer support" })
        #expect(support.nodes.contains { $0.operation == "handoff" })
        #expect(support.nodes.contains { $0.operation == "issue_refund" })
        let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: sandboxes, options: PolicyGeneratorOptions(strictness: .permissive)).generate() }
        var evaluator = ShadowEvaluator(sandboxes: sandboxes, policies: CompiledPolicySet(sets))
        for run in runs {
            let decisions = evaluator.evaluate(run)
            #expect(decisions.count == run.steps.count)
            let denied = zip(run.steps, decisions).filter { $0.1.node.effect != .allow }
            #expect(denied.isEmpty, "\(denied.prefix(3).map { "\($0.0.runId)/\($0.0.stepId): \($0.1.node.rule)" })")
        }
    }
}
