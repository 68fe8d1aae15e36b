import Foundation
import Testing
@testable import NodewardCore

/// The bad-input corpus (Fixtures/corpus): one entry per file with the exact diagnostics (code and
/// location), what is still read, and a time bound. Extends Fixtures/sandbox/bad and Fixtures/traces/bad
/// (SandboxReaderBadInputTests, TraceBadInputTests) to policies, threat models, workspaces, more trace
/// shapes, and JSON edge cases for ByteJSONParser.
///
/// Diagnostics are written `code@line:col` (YAML) or `code@line` (JSON lines); `kept` is what the reader
/// still produced: node ids, threat ids, workspace inputs, `run/step` ids.
@Suite struct BadInputCorpusTests {
    struct Case: CustomStringConvertible, Sendable {
        var file: String
        var diagnostics: [String]
        var kept: [String]
        /// Traces: records skipped in total (the counted skips).
        var skipped: Int

        init(_ file: String, _ diagnostics: [String], kept: [String] = [], skipped: Int = 0) {
            self.file = file
            self.diagnostics = diagnostics
            self.kept = kept
            self.skipped = skipped
        }

        var description: String { file }
    }

    // MARK: Policy files (PolicyReader.read)

    static let bothNodes = ["tool_call.tickets.get", "output.reply"]

    static let policyCases: [Case] = [
        Case("policy/valid.yaml", [], kept: bothNodes),
        Case("policy/syntax-unclosed-flow.yaml", ["policy.syntax@8:64"]),
        Case("policy/tab-indent.yaml", ["policy.syntax@9:1"]),
        Case("policy/multi-document.yaml", ["policy.syntax@28:1"]),
        Case("policy/empty.yaml", ["policy.syntax@1"]),
        Case("policy/wrong-type-limit.yaml", ["policy.type@19:20"]),
        Case("policy/huge-limit.yaml", ["policy.type@19:20"]),
        Case("policy/wrong-type-nodes.yaml", ["policy.type@6:8"]),
        Case("policy/version-string.yaml", ["policy.type@1:10"]),
        Case("policy/top-level-list.yaml", ["policy.type@1:1"]),
        Case("policy/unknown-key.yaml", ["policy.unknown-key@24:26"]),
        Case("policy/misspelt-top-key.yaml", ["policy.unknown-key@4:1"]),
        Case("policy/duplicate-key.yaml", ["policy.duplicate-key@3:1"]),
        Case("policy/missing-nodes.yaml", ["policy.missing-field@1:1"]),
        Case("policy/duplicate-node.yaml", ["policy.duplicate-node@21:7"]),
        Case("policy/unknown-input-node.yaml", ["policy.unknown-node@26:11"]),
        Case("policy/unknown-after-node.yaml", ["policy.unknown-node@22:89"]),
        Case("policy/unknown-origin-node.yaml", ["policy.unknown-node@14:15"]),
        Case("policy/bad-glob.yaml", ["policy.invalid-value@13:7"]),
        Case("policy/negative-limit.yaml", ["policy.invalid-value@19:34"]),
        Case("policy/version-2.yaml", ["policy.version@1:10"]),
        Case("policy/alias.yaml", ["yaml.alias-limit@23:12"]),
        Case("policy/unquoted-star-pattern.yaml", ["yaml.alias-limit@15:16"]),
        Case("policy/deep-nesting.yaml", ["yaml.too-deep@3:71"]),
    ]

    @Test(arguments: policyCases)
    func policyFile(_ testCase: Case) throws {
        let text = try Self.text(testCase.file)
        let (result, elapsed) = Self.timed { PolicyReader.read(yaml: text, file: testCase.file) }
        #expect(elapsed < .seconds(2))
        #expect(result.diagnostics.map(Self.yamlLocated) == testCase.diagnostics)
        #expect(result.diagnostics.allSatisfy { $0.location?.file == testCase.file })
        #expect(result.policies?.nodes.map(\.id) ?? [] == testCase.kept)
    }

    // MARK: Threat models (ThreatModelReader.read)

    static let threatCases: [Case] = [
        Case("threats/valid.yaml", [], kept: ["T1", "T2"]),
        Case("threats/unknown-kind.yaml", ["threats.invalid@7:11"]),
        Case("threats/duplicate-id.yaml", ["threats.duplicate-id@6:5"]),
        Case("threats/missing-id.yaml", ["threats.invalid@7:5"]),
        Case("threats/wrong-type-scope.yaml", ["threats.invalid@9:20"]),
        Case("threats/wrong-type-threats.yaml", ["threats.invalid@2:10"]),
        Case("threats/unknown-key.yaml", ["threats.unknown-key@9:5"]),
        Case("threats/unknown-scope-key.yaml", ["threats.unknown-key@9:34"]),
        Case("threats/version-2.yaml", ["threats.invalid@1:10"]),
        Case("threats/missing-threats.yaml", ["threats.invalid@1:1"]),
        Case("threats/not-a-mapping.yaml", ["threats.invalid@1"]),
        // Syntax errors name the position libyaml stopped at (fixed: used to be line 1, no column).
        Case("threats/syntax.yaml", ["threats.syntax@10:1"]),
        // libyaml's own nesting limit (1000) stops the parser before Yams' recursive composer.
        Case("threats/deep-nesting.yaml", ["threats.syntax@2:11"]),
        // Aliases are composed as shared nodes; the reader looks at each threat once, so no blowup.
        Case("threats/alias-bomb.yaml", [
            "threats.unknown-key@1:1", "threats.unknown-key@2:1", "threats.unknown-key@3:1", "threats.unknown-key@4:1",
            "threats.unknown-key@5:1", "threats.unknown-key@6:1", "threats.invalid@6:4",
        ]),
    ]

    @Test(arguments: threatCases)
    func threatModel(_ testCase: Case) throws {
        let text = try Self.text(testCase.file)
        let (result, elapsed) = Self.timed { ThreatModelReader.read(yaml: text, file: testCase.file) }
        #expect(elapsed < .seconds(2))
        #expect(result.diagnostics.map(Self.yamlLocated) == testCase.diagnostics)
        #expect(result.model?.threats.map(\.id) ?? [] == testCase.kept)
    }

    // MARK: Workspaces (Workspace.parse, Workspace.load)

    static let workspaceInputs = ["/ws/tenants/", "/ws/traces/"]

    static let workspaceCases: [Case] = [
        Case("workspace/unknown-key.yaml", ["workspace.unknown-key@5:1"], kept: workspaceInputs),
        Case("workspace/unknown-output-key.yaml", ["workspace.unknown-key@4:49"], kept: workspaceInputs),
        Case("workspace/wrong-type-tenants.yaml", ["workspace.invalid@2:10"]),
        Case("workspace/wrong-type-list-item.yaml", ["workspace.invalid@3:19"]),
        Case("workspace/wrong-type-attributes.yaml", ["workspace.invalid@5:13"]),
        Case("workspace/version-2.yaml", ["workspace.invalid@1:10"]),
        Case("workspace/not-a-mapping.yaml", ["workspace.invalid@1"]),
        // Fixed: the position, and no quoted source line in the message.
        Case("workspace/syntax.yaml", ["yaml.syntax@5:1"]),
        Case("workspace/deep-nesting.yaml", ["yaml.syntax@5:4001"]),
    ]

    @Test(arguments: workspaceCases)
    func workspaceFile(_ testCase: Case) throws {
        let text = try Self.text(testCase.file)
        let (result, elapsed) = Self.timed { () -> Result<Workspace, Diagnostic> in
            do throws(Diagnostic) { return .success(try Workspace.parse(text: text, file: testCase.file, folder: "/ws")) } catch { return .failure(error) }
        }
        #expect(elapsed < .seconds(2))
        switch result {
        case .success(let workspace):
            #expect(workspace.warnings.map(Self.yamlLocated) == testCase.diagnostics)
            #expect(workspace.tenants + workspace.traces == testCase.kept)
        case .failure(let diagnostic):
            #expect([Self.yamlLocated(diagnostic)] == testCase.diagnostics)
            #expect(testCase.kept.isEmpty)
        }
    }

    @Test func workspaceFolderWithoutNodewardYAML() throws {
        let folder = try Self.path("workspace/no-workspace-folder")
        #expect(FileManager.default.fileExists(atPath: folder + "/README.md"))
        #expect(throws: Diagnostic.self) { try Workspace.load(folder: folder) }
        do throws(Diagnostic) { _ = try Workspace.load(folder: folder) } catch {
            #expect(error.code == .workspaceMissing)
            #expect(error.location == SourceLocation(file: folder + "/nodeward.yaml", line: 1))
        }
    }

    // MARK: Traces (TraceReader.read)

    static let otlpRun = "0123456789abcdef0123456789abcdef"

    static let traceCases: [Case] = [
        // Control flow is recorded as given: cycles and unknown parents are the inferencer's to weigh.
        Case("traces/parents-cycle.jsonl", [], kept: ["r1/s1", "r1/s2", "r1/s3"]),
        Case("traces/parent-unknown.jsonl", [], kept: ["r1/s1", "r1/s2"]),
        Case("traces/parent-cycle.otlp.jsonl", [], kept: ["\(otlpRun)/aaaaaaaaaaaaaaa2", "\(otlpRun)/aaaaaaaaaaaaaaa3"]),
        // Two MCP tools/call spans of one tool that are each other's parent fold into one step (no loop);
        // a guardrail that is its own parent guards nothing (a counted note), one under the folded span
        // reaches the step it folded into.
        Case("traces/mcp-guardrail-cycles.otlp.jsonl", ["trace.not-a-step@1"], kept: ["\(otlpRun)/aaaaaaaaaaaaaaa3"]),
        Case("traces/spans-without-parents.otlp.jsonl", ["trace.orphan-span@1"],
             kept: ["\(otlpRun)/aaaaaaaaaaaaaaa2", "\(otlpRun)/aaaaaaaaaaaaaaa3"]),
        // Clock skew: kept; the run's end is the latest of every step's start and end.
        Case("traces/end-before-start.jsonl", [], kept: ["r1/s1", "r1/s2"]),
        Case("traces/end-before-start.otlp.jsonl", [], kept: ["\(otlpRun)/aaaaaaaaaaaaaaa2"]),
        // A time past Int64 nanoseconds (year 2262) is not a time.
        Case("traces/far-future.jsonl", ["trace.invalid-value@2"], kept: ["r1/s1", "r1/s3"], skipped: 1),
        Case("traces/far-future.otlp.jsonl", ["trace.invalid-value@1"], kept: ["\(otlpRun)/aaaaaaaaaaaaaaa3"], skipped: 1),
        Case("traces/huge-numbers.jsonl", ["trace.json@2", "trace.invalid-value@3", "trace.invalid-value@4"],
             kept: ["r1/s1", "r1/s5"], skipped: 3),
        Case("traces/deep-arguments.jsonl", ["trace.json@2"], kept: ["r1/s1", "r1/s3"], skipped: 1),
        Case("traces/duplicate-span-ids.otlp.jsonl", ["trace.duplicate-step@1"], kept: ["\(otlpRun)/aaaaaaaaaaaaaaa2"], skipped: 1),
        // The same step id in another run is another step; in the same run it is a duplicate.
        Case("traces/duplicate-step-other-run.jsonl", ["trace.duplicate-step@3"], kept: ["r1/s1", "r2/s1"], skipped: 1),
        // OTLP runs are (tenant, trace id) too: each tenant's spans of a shared trace id are a run of their own.
        Case("traces/mixed-tenants-trace.otlp.jsonl", ["trace.mixed-tenants@2", "trace.mixed-tenants@3", "trace.orphan-span@2", "trace.orphan-span@3"],
             kept: ["\(otlpRun)/aaaaaaaaaaaaaaa2", "\(otlpRun)/aaaaaaaaaaaaaaa3", "\(otlpRun)/aaaaaaaaaaaaaaa4"]),
        // JSONL runs are keyed by tenant and run id: the other tenant's step is its own run, never merged.
        Case("traces/mixed-tenants-run.jsonl", [], kept: ["r1/s1", "r1/s3", "r1/s2"]),
        Case("traces/invalid-utf8-argument.jsonl", ["trace.json@2"], kept: ["r1/s1", "r1/s3"], skipped: 1),
        Case("traces/invalid-utf8-attribute.otlp.jsonl", ["trace.json@2"], skipped: 1),
        Case("traces/nul-byte-line.jsonl", ["trace.json@2"], kept: ["r1/s1", "r1/s3"], skipped: 1),
        Case("traces/array-line.jsonl", ["trace.invalid-value@2", "trace.invalid-value@3"], kept: ["r1/s1", "r1/s2"], skipped: 2),
        Case("traces/crlf-and-blank-lines.jsonl", [], kept: ["r1/s1", "r1/s2"]),
        Case("traces/truncated-document.json", ["trace.json@1"], skipped: 1),
    ]

    @Test(arguments: traceCases)
    func traceFile(_ testCase: Case) throws {
        let path = try Self.path(testCase.file)
        var runs: [Run] = []
        let (summary, elapsed) = Self.timed { TraceReader().read(paths: [path]) { runs.append($0) } }
        #expect(elapsed < .seconds(2))
        #expect(summary.diagnostics.map { "\($0.code)@\($0.location?.line ?? -1)" } == testCase.diagnostics)
        #expect(summary.diagnostics.allSatisfy { $0.location?.file == path })
        #expect(runs.flatMap { run in run.steps.map { "\(run.runId)/\($0.stepId)" } } == testCase.kept)
        #expect(summary.skippedTotal == testCase.skipped)
        #expect(summary.steps == testCase.kept.count)
        #expect(runs.allSatisfy { $0.endNanos >= $0.startNanos })
    }

    @Test func jsonlRunsNeverMixTenants() throws {
        var runs: [Run] = []
        _ = TraceReader().read(paths: [try Self.path("traces/mixed-tenants-run.jsonl")]) { runs.append($0) }
        #expect(runs.map(\.tenant).sorted() == ["acme", "globex"])
        #expect(runs.allSatisfy { run in run.steps.allSatisfy { $0.tenant == run.tenant } })
    }

    @Test func clockSkewKeepsTheStepAndBoundsTheRun() throws {
        var runs: [Run] = []
        _ = TraceReader().read(paths: [try Self.path("traces/end-before-start.jsonl")]) { runs.append($0) }
        let run = try #require(runs.first)
        #expect(run.steps.map(\.startNanos) == [2000, 2001])
        #expect(run.startNanos == 2000)
        #expect(run.endNanos == 2001)
    }

    // MARK: JSON edge cases (ByteJSONParser)

    /// The parser has no codes of its own (the trace reader reports its failures as `trace.json`): each
    /// case names the exact message, whose offset/line/column is the location.
    static let jsonCases: [Case] = [
        Case("json/lone-high-surrogate.json", [#"unpaired UTF-16 surrogate \uD800 in a string at offset 6 (line 1, column 7)"#]),
        Case("json/lone-low-surrogate.json", [#"unpaired UTF-16 surrogate \uDC00 in a string at offset 9 (line 2, column 3)"#]),
        Case("json/reversed-surrogate-pair.json", [#"unpaired UTF-16 surrogate \uDC00 in a string at offset 1 (line 1, column 2)"#]),
        Case("json/overlong-utf8.json", ["invalid UTF-8 sequence starting with byte 0xC0 at offset 6 (line 1, column 7)"]),
        Case("json/encoded-surrogate-utf8.json", ["invalid UTF-8 sequence starting with byte 0xED at offset 1 (line 1, column 2)"]),
        Case("json/truncated-utf8.json", ["invalid UTF-8 sequence starting with byte 0xE2 at offset 1 (line 1, column 2)"]),
        Case("json/above-max-scalar.json", ["invalid UTF-8 sequence starting with byte 0xF4 at offset 1 (line 1, column 2)"]),
        Case("json/leading-zero.json", ["leading zero in a number at offset 6 (line 1, column 7)"]),
        Case("json/trailing-comma-array.json", ["trailing comma before ']' at offset 4 (line 1, column 5)"]),
        Case("json/trailing-comma-object.json", ["trailing comma before '}' at offset 13 (line 2, column 6)"]),
        Case("json/nan.json", ["unexpected character 'N' at offset 1 (line 1, column 2); expected a value"]),
        Case("json/infinity.json", ["unexpected character 'I' at offset 7 (line 1, column 8); expected a digit"]),
        Case("json/exponent-overflow.json", ["number out of range at offset 5 (line 1, column 6)"]),
        Case("json/minus-only.json", ["unexpected character ']' at offset 2 (line 1, column 3); expected a digit"]),
        Case("json/invalid-escape.json", ["invalid escape in a string: character 'x' at offset 1 (line 1, column 2)"]),
        Case("json/control-character.json", ["unescaped control character 0x09 in a string at offset 4 (line 1, column 5)"]),
        Case("json/unterminated-string.json", ["unexpected end of input at offset 10 (line 1, column 11)"]),
        Case("json/deep-array.json", ["nesting deeper than 128 levels at offset 129 (line 1, column 130)"]),
        Case("json/single-quotes.json", ["unexpected character ''' at offset 1 (line 1, column 2); expected a string key"]),
        Case("json/nul-after-number.json", ["unexpected byte 0x00 after the value at offset 1 (line 1, column 2)"]),
        Case("json/two-values.json", ["unexpected character '{' after the value at offset 3 (line 1, column 4)"]),
        // Accepted edge cases: what they become.
        Case("json/exponent-underflow.json", [], kept: ["[0.0]"]),
        Case("json/bom-then-value.json", [], kept: [#"{"a":1}"#]),
        Case("json/big-integer.json", [], kept: ["[1.8446744073709552e+19,-9223372036854775808]"]),
    ]

    @Test(arguments: jsonCases)
    func jsonEdgeCase(_ testCase: Case) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try Self.path(testCase.file))))
        let (result, elapsed) = Self.timed { () -> Result<JSONValue, JSONParseFailure> in
            do throws(JSONParseFailure) { return .success(try ByteJSONParser().parse(bytes[...])) } catch { return .failure(error) }
        }
        #expect(elapsed < .seconds(2))
        switch result {
        case .success(let value):
            #expect(testCase.diagnostics.isEmpty)
            #expect([Self.compact(value)] == testCase.kept)
        case .failure(let failure):
            #expect([failure.message] == testCase.diagnostics)
        }
    }

    @Test func corpusHasOneEntryPerFile() throws {
        let root = try Self.path("")
        var files: [String] = []
        for area in ["policy", "threats", "workspace", "traces", "json"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: root + area) where !name.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root + area + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files.append(area + "/" + name)
                }
            }
        }
        let cases = Self.policyCases + Self.threatCases + Self.workspaceCases + Self.traceCases + Self.jsonCases
        #expect(files.sorted() == cases.map(\.file).sorted())
    }

    // MARK: Support

    static func path(_ relative: String) throws -> String {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("corpus").path + "/" + relative
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: try path(relative), encoding: .utf8)
    }

    static func yamlLocated(_ diagnostic: Diagnostic) -> String {
        guard let location = diagnostic.location else { return "\(diagnostic.code)@-" }
        return "\(diagnostic.code)@\(location.line)" + (location.column.map { ":\($0)" } ?? "")
    }

    static func timed<T>(_ body: () -> T) -> (T, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let value = body()
        return (value, clock.now - start)
    }

    /// Compact JSON with sorted keys, enough to name what an accepted edge case became.
    static func compact(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return "\(number)"
        case .string(let text): return "\"\(text)\""
        case .array(let items): return "[" + items.map(compact).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { "\"\($0)\":" + compact(members[$0]!) }.joined(separator: ",") + "}"
        }
    }
}
