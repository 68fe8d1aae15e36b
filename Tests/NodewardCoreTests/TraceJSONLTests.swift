import Testing
@testable import NodewardCore

@Suite struct TraceJSONLTests {
    /// The docs/formats.md JSONL example, every field of every step.
    @Test func formatsExampleDecodesToExactSteps() throws {
        let outcome = TraceFixtures.read("good/formats-example.jsonl")
        let file = TraceFixtures.path("good/formats-example.jsonl")
        #expect(outcome.summary.files[file] == .nodewardJSONL)
        #expect(outcome.summary.skipped.isEmpty && outcome.summary.diagnostics.isEmpty)
        #expect(outcome.summary.lines == 6 && outcome.summary.records == 6)
        #expect(outcome.summary.steps == 5 && outcome.summary.runs == 1)
        func step(_ id: String, line: Int) -> Step {
            Step(
                tenant: "acme", agent: "inbox-assistant", workflow: "inbox-triage", runId: "r-1", stepId: id, startNanos: 0,
                kind: .output, operation: "", source: SourceLocation(file: file, line: line))
        }
        var s1 = step("s1", line: 2)
        s1.startNanos = 1_793_610_843_120_000_000
        s1.endNanos = s1.startNanos
        s1.kind = .memoryRead
        s1.operation = "search_memory"
        s1.resources = [Resource.memory("acme-memory", key: "inbox")]
        var s2 = step("s2", line: 3)
        s2.parents = ["s1"]
        s2.startNanos = 1_793_610_843_300_000_000
        s2.endNanos = s2.startNanos
        s2.kind = .toolCall
        s2.operation = "email.read"
        s2.arguments = ["folder": .string("inbox"), "limit": .int(20)]
        s2.result = .object(["messages": .array([.object(["id": .string("m-7"), "from": .string("dana@acme.example")])])])
        s2.resources = [Resource.egress("imap.acme.example", port: 993)]
        var s3 = step("s3", line: 4)
        s3.parents = ["s2"]
        s3.inputs = [DataInput(step: "s2", argument: "messages")]
        s3.startNanos = 1_793_610_844_000_000_000
        s3.endNanos = 1_793_610_845_200_000_000
        s3.kind = .llm
        s3.operation = "gpt-4.1"
        s3.tokens = TokenUsage(input: 1830, output: 212)
        s3.resources = [Resource.egress("api.openai.com", port: 443)]
        var s4 = step("s4", line: 5)
        s4.parents = ["s3"]
        s4.inputs = [DataInput(step: "s2", argument: "to")]
        s4.startNanos = 1_793_610_845_300_000_000
        s4.endNanos = s4.startNanos
        s4.kind = .toolCall
        s4.operation = "email.send"
        s4.arguments = ["to": .string("dana@acme.example"), "subject": .string("Re: offsite")]
        s4.recordedDecision = RecordedDecision(effect: .allow, rule: "tools.allow[1]")
        var s5 = step("s5", line: 6)
        s5.parents = ["s4"]
        s5.startNanos = 1_793_610_845_400_000_000
        s5.endNanos = s5.startNanos
        s5.operation = "reply"
        let expected = Run(
            tenant: "acme", agent: "inbox-assistant", workflow: "inbox-triage", runId: "r-1",
            startNanos: 1_793_610_843_120_000_000, endNanos: 1_793_610_845_400_000_000,
            userRequest: "Summarize my unread mail and reply to Dana", steps: [s1, s2, s3, s4, s5],
            source: SourceLocation(file: file, line: 1))
        let run = try #require(outcome.runs.first)
        #expect(run.steps == expected.steps)
        #expect(run == expected)
    }

    @Test func optionalFieldsAndDefaults() throws {
        let text = """
            {"tenant":"t","agent":"a","run":"r","step":"w","time":1000,"end":"1970-01-01T00:00:00.000002+00:00","kind":"data_write","operation":"put","resources":["store:crm/t.contacts",{"uri":"memory:ns/k","access":"read"},"egress:h:1"],"items":[{"id":"i1","tenant":"t","access":"write"},{"id":"i2"}],"principal":{"iss":"idp","aud":"x","sub":"u","claims":{"org_id":"o1","level":3}},"legacy":{"effect":"deny","rule":"r1","reason":"because"},"executed":false,"status":"error","result":null}

            {"tenant":"t","agent":"a","run":"r","step":"v","time":"1970-01-01T00:00:00Z","kind":"retrieval","operation":"idx"}\r
            """
        let outcome = TraceFixtures.read(text: text)
        #expect(outcome.summary.skipped.isEmpty)
        let run = try #require(outcome.runs.first)
        #expect(run.workflow == "a" && run.userRequest == nil)
        // Ordered by start time: the step at t=0 comes before the step at t=1000.
        #expect(run.steps.map(\.stepId) == ["v", "w"])
        let write = run.steps[1]
        #expect(write.workflow == "a")
        #expect(write.startNanos == 1000 && write.endNanos == 2000)
        #expect(write.resources == [
            Resource.store("crm", path: "t.contacts", access: .write), Resource.memory("ns", key: "k", access: .read),
            Resource.egress("h", port: 1),
        ])
        #expect(write.dataItems == [DataItem(id: "i1", tenantTag: "t", access: .write), DataItem(id: "i2")])
        #expect(write.principal == Principal(issuer: "idp", audience: "x", subject: "u", claims: ["org_id": "o1", "level": "3"]))
        #expect(write.recordedDecision == RecordedDecision(effect: .deny, rule: "r1", reason: "because"))
        #expect(write.executed == false && write.failed == true)
        #expect(write.result == .null)
        #expect(run.steps[0].source.line == 3)
    }

    /// Same run id under two tenants: two runs (JSONL keys runs by tenant and run).
    @Test func runsAreKeyedByTenantAndRun() {
        let text = """
            {"tenant":"b","agent":"a","run":"r","step":"1","time":1,"kind":"output","operation":"o"}
            {"tenant":"a","agent":"a","run":"r","step":"1","time":2,"kind":"output","operation":"o"}
            {"type":"run","tenant":"a","agent":"a","run":"r","request":"hi"}

            """
        let outcome = TraceFixtures.read(text: text)
        #expect(outcome.runs.map(\.tenant) == ["b", "a"])
        #expect(outcome.runs.map(\.userRequest) == [nil, "hi"])
        #expect(outcome.summary.skipped.isEmpty)
    }

    /// A first line that misses a required field still identifies the file as JSONL; only it is skipped.
    @Test func firstLineMissingAFieldIsStillDetectedAsJSONL() {
        let text = """
            {"tenant":"t","agent":"a","step":"1","time":1,"kind":"output","operation":"o"}
            {"tenant":"t","agent":"a","run":"r","step":"2","time":2,"kind":"output","operation":"o"}

            """
        let outcome = TraceFixtures.read(text: text)
        #expect(outcome.summary.files["mem.jsonl"] == .nodewardJSONL)
        #expect(outcome.summary.skipped == [.traceMissingField: 1])
        #expect(outcome.lines(.traceMissingField) == [1])
        #expect(outcome.stepIds == ["2"])
    }

    @Test func objectThatIsNoRecordIsRejectedAsFormat() {
        let outcome = TraceFixtures.read(text: #"{"hello":"world"}"# + "\n" + #"{"tenant":"t"}"# + "\n")
        #expect(outcome.summary.skipped == [.traceFormat: 1])
        #expect(outcome.summary.files.isEmpty)
    }

    @Test func runHeaderWithoutStepsIsCountedAsEmpty() {
        let outcome = TraceFixtures.read(text: #"{"type":"run","tenant":"a","run":"r","request":"x"}"# + "\n")
        #expect(outcome.runs.isEmpty)
        #expect(outcome.summary.emptyRuns == 1 && outcome.summary.records == 1)
    }
}

@Suite struct TraceTimeTests {
    @Test func parsesRFC3339Variants() {
        #expect(TraceTime.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(TraceTime.parseRFC3339("2026-11-02T09:14:03.120Z") == 1_793_610_843_120_000_000)
        #expect(TraceTime.parseRFC3339("2026-11-02T10:14:03.12+01:00") == 1_793_610_843_120_000_000)
        #expect(TraceTime.parseRFC3339("2026-11-02 03:44:03.120-05:30") == 1_793_610_843_120_000_000)
        #expect(TraceTime.parseRFC3339("2026-11-02t09:14:03.123456789123z") == 1_793_610_843_123_456_789)
        #expect(TraceTime.parseRFC3339("2024-02-29T00:00:00Z") == 1_709_164_800_000_000_000)
        #expect(TraceTime.parseRFC3339("1969-12-31T23:59:59.5Z") == -500_000_000)
    }

    @Test func rejectsMalformedTimes() {
        for text in [
            "", "2026-11-02", "2026-11-02T09:14:03", "2026-13-02T00:00:00Z", "2023-02-29T00:00:00Z",
            "2026-11-02T24:00:00Z", "2026-11-02T09:14:03.Z", "2026-11-02T09:14:03+0100", "2026-11-02T09:14:03Zjunk",
            "yesterday", "2026-11-02T09:14:03+24:00", "9999-12-31T23:59:59Z",
        ] {
            #expect(TraceTime.parseRFC3339(text) == nil, "\(text)")
        }
    }
}
