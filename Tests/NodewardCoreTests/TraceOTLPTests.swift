import Foundation
import Testing
@testable import NodewardCore

@Suite struct TraceOTLPTests {
    static let traceId = "5b8efff798038103d269b633813fc60c"

    /// The docs/formats.md OTLP example, field by field.
    @Test func formatsExampleDecodesToExactSteps() throws {
        let outcome = TraceFixtures.read("good/formats-example-otlp.json")
        let file = TraceFixtures.path("good/formats-example-otlp.json")
        #expect(outcome.summary.files[file] == .otlpJSON)
        #expect(outcome.summary.skipped.isEmpty)
        #expect(outcome.summary.diagnostics.isEmpty)
        #expect(outcome.summary.records == 3)
        let run = try #require(outcome.runs.first)
        #expect(outcome.runs.count == 1)
        let source = SourceLocation(file: file, line: 1)
        let retrieval = Step(
            tenant: "acme", agent: "crm-agent", workflow: "crm-enrichment", runId: Self.traceId, stepId: "eee19b7ec3c1b175",
            startNanos: 1_762_074_843_100_000_000, endNanos: 1_762_074_843_300_000_000, kind: .retrieval,
            operation: "shared-docs", resources: [Resource.vector("shared-docs", field: "group_id", value: "acme")],
            arguments: ["query": .string("Initech account notes")], dataItems: [DataItem(id: "doc-118", tenantTag: "acme")],
            source: source)
        let update = Step(
            tenant: "acme", agent: "crm-agent", workflow: "crm-enrichment", runId: Self.traceId, stepId: "eee19b7ec3c1b176",
            startNanos: 1_762_074_844_000_000_000, endNanos: 1_762_074_844_100_000_000, kind: .toolCall,
            operation: "crm.update", resources: [Resource.store("crm", path: "acme.accounts", access: .write)],
            arguments: ["account": .string("initech"), "field": .string("industry")],
            recordedDecision: RecordedDecision(effect: .allow, rule: "tools.allow[2]"), source: source)
        #expect(run.steps == [retrieval, update])
        #expect(run == Run(
            tenant: "acme", agent: "crm-agent", workflow: "crm-enrichment", runId: Self.traceId,
            startNanos: 1_762_074_843_000_000_000, endNanos: 1_762_074_846_000_000_000,
            userRequest: "Enrich the Initech lead", steps: [retrieval, update], source: source))
    }

    /// The same export on one line is the Collector's line form, with identical steps.
    @Test func lineFormMatchesDocumentForm() throws {
        let documentText = try String(contentsOfFile: TraceFixtures.path("good/formats-example-otlp.json"), encoding: .utf8)
        let oneLine = documentText.replacingOccurrences(of: "\n", with: "") + "\n"
        let lineOutcome = TraceFixtures.read(text: oneLine, file: "line.jsonl")
        let documentOutcome = TraceFixtures.read("good/formats-example-otlp.json")
        #expect(lineOutcome.summary.files["line.jsonl"] == .otlpJSONLines)
        let lineSteps = try #require(lineOutcome.runs.first).steps
        let documentSteps = try #require(documentOutcome.runs.first).steps
        #expect(lineSteps.count == 2)
        for (lineStep, documentStep) in zip(lineSteps, documentSteps) {
            var relocated = documentStep
            relocated.source = SourceLocation(file: "line.jsonl", line: 1)
            #expect(lineStep == relocated)
        }
    }

    /// otel-genai.md section 2.4: no tenant attribute, so by default the run is skipped whole.
    @Test func genAIExampleWithoutTenantIsSkippedWhole() {
        let outcome = TraceFixtures.read("good/genai-2.4.json")
        #expect(outcome.runs.isEmpty)
        #expect(outcome.summary.skipped == [.traceNoTenant: 2])
        #expect(outcome.diagnostics(.traceNoTenant).map(\.location?.line) == [1])
    }

    /// With the tenant attribute configured to a key the resource has, the 2.4 example reads fully.
    @Test func genAIExampleWithConfiguredTenantAttribute() throws {
        let options = TraceFixtures.options { $0.tenantAttribute = "deployment.environment.name" }
        let outcome = TraceFixtures.read("good/genai-2.4.json", options: options)
        let file = TraceFixtures.path("good/genai-2.4.json")
        let run = try #require(outcome.runs.first)
        #expect(outcome.summary.skipped.isEmpty)
        let source = SourceLocation(file: file, line: 1)
        var chat = Step(
            tenant: "prod", agent: "Math Tutor", workflow: "Math Tutor", runId: Self.traceId, stepId: "eee19b7ec3c1b175",
            startNanos: 1_700_000_000_100_000_000, endNanos: 1_700_000_001_200_000_000, kind: .llm, operation: "gpt-4o",
            tokens: TokenUsage(input: 42, output: 0), source: source)
        chat.provider = "openai"
        let divide = Step(
            tenant: "prod", agent: "Math Tutor", workflow: "Math Tutor", runId: Self.traceId, stepId: "eee19b7ec3c1b176",
            startNanos: 1_700_000_001_300_000_000, endNanos: 1_700_000_001_310_000_000, kind: .toolCall, operation: "divide",
            arguments: ["a": .int(1), "b": .int(0)], failed: true, source: source)
        #expect(run.steps == [chat, divide])
        #expect(run.tenant == "prod" && run.agent == "Math Tutor" && run.workflow == "Math Tutor")
        #expect(run.userRequest == nil)
        #expect(run.startNanos == 1_700_000_000_000_000_000 && run.endNanos == 1_700_000_003_000_000_000)
    }

    /// One trace spread over three files and four lines, plus a second trace with no root.
    @Test func traceSplitOverLinesAndFiles() throws {
        let outcome = TraceFixtures.read("good/split")
        #expect(outcome.runs.map(\.runId) == [String(repeating: "1", count: 32), String(repeating: "2", count: 32)])
        let split = outcome.runs[0]
        #expect(split.steps.map(\.stepId) == ["a000000000000002", "a000000000000003", "a000000000000004"])
        #expect(split.steps.map(\.parents) == [[], ["a000000000000002"], ["a000000000000003"]])
        #expect(split.steps.map(\.kind) == [.llm, .toolCall, .output])
        #expect(split.steps.map(\.operation) == ["gpt-4o", "search", "emit"])
        #expect(split.steps.map { URL(fileURLWithPath: $0.source.file).lastPathComponent } == ["part-1.jsonl", "part-2.jsonl", "part-3.ndjson"])
        #expect(split.steps.map(\.source.line) == [2, 1, 1])
        #expect(split.workflow == "split-flow" && split.agent == "split-agent")
        // The root-less trace is still a run, named after the service, with one orphan warning.
        let orphan = outcome.runs[1]
        #expect(orphan.agent == "split-agent" && orphan.workflow == "split-agent")
        #expect(orphan.steps.map(\.operation) == ["lookup"])
        #expect(outcome.diagnostics(.traceOrphanSpan).count == 1)
        #expect(outcome.summary.skipped.isEmpty)
        #expect(outcome.summary.records == 5 && outcome.summary.steps == 4 && outcome.summary.runs == 2)
    }

    @Test func structuredAndStringToolArgumentsAndResults() throws {
        let lines = [
            OTLPLine.export([
                OTLPLine.span("c000000000000001", op: "execute_tool", [
                    OTLPLine.string("gen_ai.tool.name", "t"),
                    OTLPLine.string("gen_ai.tool.call.arguments", #"{"q":"x","n":2}"#),
                    OTLPLine.string("gen_ai.tool.call.result", "not json at all"),
                ]),
                OTLPLine.span("c000000000000002", op: "execute_tool", start: 2, [
                    OTLPLine.string("gen_ai.tool.name", "t"),
                    #"{"key":"gen_ai.tool.call.arguments","value":{"kvlistValue":{"values":[{"key":"q","value":{"stringValue":"x"}},{"key":"n","value":{"intValue":2}},{"key":"deep","value":{"kvlistValue":{"values":[{"key":"list","value":{"arrayValue":{"values":[{"boolValue":true},{"doubleValue":1.5},{"bytesValue":"AAE="}]}}}]}}}]}}}"#,
                    OTLPLine.string("gen_ai.tool.call.result", #"[1,"two"]"#),
                ]),
                OTLPLine.span("c000000000000003", op: "execute_tool", start: 3, [
                    OTLPLine.string("gen_ai.tool.name", "t"),
                    OTLPLine.string("gen_ai.tool.call.arguments", "plain words"),
                ]),
            ]),
        ]
        let outcome = TraceFixtures.read(text: lines.joined(separator: "\n") + "\n")
        let steps = try #require(outcome.runs.first).steps
        #expect(steps.count == 3)
        #expect(steps[0].arguments == ["q": .string("x"), "n": .int(2)])
        #expect(steps[0].result == .string("not json at all"))
        #expect(steps[1].arguments == [
            "q": .string("x"), "n": .int(2),
            "deep": .object(["list": .array([.bool(true), .double(1.5), .string("AAE=")])]),
        ])
        #expect(steps[1].result == .array([.int(1), .string("two")]))
        #expect(steps[2].arguments == [OTLPStepBuilder.unnamedArgumentsKey: .string("plain words")])
    }

    @Test func deprecatedProviderAndTokenAttributes() throws {
        let line = OTLPLine.export([
            OTLPLine.span("d000000000000001", op: "chat", [
                OTLPLine.string("gen_ai.response.model", "claude-x"),
                OTLPLine.string("gen_ai.system", "anthropic"),
                OTLPLine.int("gen_ai.usage.prompt_tokens", 100),
                #"{"key":"gen_ai.usage.completion_tokens","value":{"intValue":7}}"#,
                OTLPLine.string("server.address", "api.anthropic.com"),
                OTLPLine.int("server.port", 443),
            ]),
        ])
        let step = try #require(TraceFixtures.read(text: line + "\n").runs.first?.steps.first)
        #expect(step.kind == .llm && step.operation == "claude-x")
        #expect(step.tokens == TokenUsage(input: 100, output: 7))
        #expect(step.arguments.isEmpty)
        #expect(step.provider == "anthropic")
        #expect(step.resources == [Resource.egress("api.anthropic.com", port: 443)])
    }

    @Test func configurableTenantWorkflowAndLegacyAttributes() throws {
        let options = TraceFixtures.options {
            $0.tenantAttribute = "org"
            $0.workflowAttribute = "crew.name"
            $0.legacyDecisionAttribute = "sandbox.verdict"
            $0.legacyRuleAttribute = "sandbox.rule"
            $0.legacyReasonAttribute = "sandbox.why"
        }
        let line = OTLPLine.export(resource: [OTLPLine.string("service.name", "svc")], [
            OTLPLine.span("e000000000000001", op: "invoke_workflow", [OTLPLine.string("crew.name", "crew-1")]),
            OTLPLine.span("e000000000000002", parent: "e000000000000001", op: "execute_tool", start: 2, [
                OTLPLine.string("org", "globex"), OTLPLine.string("gen_ai.tool.name", "db.drop"),
                OTLPLine.string("sandbox.verdict", "deny"), OTLPLine.string("sandbox.rule", "tools.deny[0]"),
                OTLPLine.string("sandbox.why", "matched deny"),
                OTLPLine.string("nodeward.legacy.decision", "allow"),
            ]),
        ])
        let outcome = TraceFixtures.read(text: line + "\n", options: options)
        let run = try #require(outcome.runs.first)
        #expect(run.tenant == "globex" && run.workflow == "crew-1" && run.agent == "svc")
        let step = try #require(run.steps.first)
        #expect(step.parents == [])
        #expect(step.recordedDecision == RecordedDecision(effect: .deny, rule: "tools.deny[0]", reason: "matched deny"))
    }

    @Test func extensionAttributesPrincipalItemsAndWriteDefaults() throws {
        let line = OTLPLine.export([
            OTLPLine.span("f000000000000001", op: "upsert_memory", [
                OTLPLine.strings("nodeward.resources", ["memory:acme-memory/notes", "vector:idx#namespace=acme", "nonsense"]),
                OTLPLine.strings("nodeward.data.items", ["n-1@acme", "n-2", "mail@host@globex"]),
                OTLPLine.string("nodeward.auth.issuer", "https://idp.example"),
                OTLPLine.string("nodeward.auth.audience", "agents"),
                OTLPLine.string("nodeward.auth.claim.org_id", "org_4f2a"),
                OTLPLine.string("enduser.id", "user-9"),
                #"{"key":"nodeward.executed","value":{"boolValue":false}}"#,
                OTLPLine.string("nodeward.legacy.decision", "maybe"),
            ]),
        ])
        let outcome = TraceFixtures.read(text: line + "\n")
        let step = try #require(outcome.runs.first?.steps.first)
        #expect(step.kind == .memoryWrite && step.operation == "upsert_memory")
        #expect(step.resources == [
            Resource.memory("acme-memory", key: "notes", access: .write),
            Resource.vector("idx", field: "namespace", value: "acme"),
        ])
        #expect(step.dataItems == [
            DataItem(id: "n-1", tenantTag: "acme", access: .write), DataItem(id: "n-2", access: .write),
            DataItem(id: "mail@host", tenantTag: "globex", access: .write),
        ])
        #expect(step.principal == Principal(issuer: "https://idp.example", audience: "agents", subject: "user-9", claims: ["org_id": "org_4f2a"]))
        #expect(step.executed == false)
        #expect(step.recordedDecision == nil)
        // Two warnings (bad resource, bad decision), neither a skip.
        #expect(outcome.diagnostics(.traceInvalidValue).count == 2)
        #expect(outcome.diagnostics(.traceInvalidValue).allSatisfy { $0.severity == .warning })
        #expect(outcome.summary.skipped.isEmpty)
    }

    /// A child of a span that is not a step (an unknown operation) finds its nearest step ancestor.
    @Test func parentsWalkThroughSkippedSpans() throws {
        let line = OTLPLine.export([
            OTLPLine.span("1000000000000001", op: "invoke_agent", [OTLPLine.string("gen_ai.agent.name", "a")]),
            OTLPLine.span("1000000000000002", parent: "1000000000000001", op: "chat", start: 2, [OTLPLine.string("gen_ai.request.model", "m")]),
            OTLPLine.span("1000000000000003", parent: "1000000000000002", op: "http.get", start: 3, []),
            OTLPLine.span("1000000000000004", parent: "1000000000000003", op: "execute_tool", start: 4, [OTLPLine.string("gen_ai.tool.name", "t")]),
        ])
        let outcome = TraceFixtures.read(text: line + "\n")
        let steps = try #require(outcome.runs.first).steps
        #expect(steps.map(\.parents) == [[], ["1000000000000002"]])
        #expect(outcome.summary.skipped == [.traceUnknownOperation: 1])
    }
}

/// Builds OTLP export lines for tests: one resource (tenant `acme` unless given), one scope.
enum OTLPLine {
    static let trace = "abcdefabcdefabcdefabcdefabcdef01"

    static func string(_ key: String, _ value: String) -> String {
        "{\"key\":\(quote(key)),\"value\":{\"stringValue\":\(quote(value))}}"
    }

    static func int(_ key: String, _ value: Int) -> String {
        "{\"key\":\(quote(key)),\"value\":{\"intValue\":\"\(value)\"}}"
    }

    static func strings(_ key: String, _ values: [String]) -> String {
        let items = values.map { "{\"stringValue\":\(quote($0))}" }.joined(separator: ",")
        return "{\"key\":\(quote(key)),\"value\":{\"arrayValue\":{\"values\":[\(items)]}}}"
    }

    static func span(_ id: String, trace: String = trace, parent: String? = nil, op: String?, start: Int = 1, _ attributes: [String]) -> String {
        var all = attributes
        if let op { all.insert(string("gen_ai.operation.name", op), at: 0) }
        let parentField = parent.map { ",\"parentSpanId\":\(quote($0))" } ?? ""
        return "{\"traceId\":\(quote(trace)),\"spanId\":\(quote(id))\(parentField),\"name\":\"s\",\"kind\":1,"
            + "\"startTimeUnixNano\":\"\(start)\",\"endTimeUnixNano\":\"\(start + 1)\",\"attributes\":[\(all.joined(separator: ","))]}"
    }

    static func export(resource: [String] = [string("service.name", "svc"), string("tenant.id", "acme")], _ spans: [String]) -> String {
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[\(resource.joined(separator: ","))]},\"scopeSpans\":[{\"scope\":{\"name\":\"t\"},\"spans\":[\(spans.joined(separator: ","))]}]}]}"
    }

    static func quote(_ text: String) -> String {
        var out = ""
        JSONValue.writeQuoted(text, into: &out)
        return out
    }
}
