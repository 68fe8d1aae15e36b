import Foundation
import NodewardCore
import NodewardStore
import Testing

@Suite struct RecordTests {
    static let tables = ["runs", "steps", "decisions", "policy_versions", "sessions"]

    func rowCounts(_ store: NodewardDatabase) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Self.tables { counts[table] = try store.count("SELECT count(*) FROM \(table)") }
        return counts
    }

    @Test func recordingTheSameBatchTwiceAddsNoRows() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let batch = Sample.batch(runs: 3, stepsPerRun: 4)
        let first = try store.beginSession(kind: .ingest, inputs: "traces/")
        let inserted = try store.record(batch, session: first)
        #expect(inserted == RecordOutcome(runs: 3, steps: 12, decisions: 12, policyVersions: 1))
        let before = try rowCounts(store)

        let replay = try store.beginSession(kind: .replay, inputs: "traces/")
        let again = try store.record(batch, session: replay)
        #expect(again == RecordOutcome())
        var after = try rowCounts(store)
        #expect(after["sessions"] == 2)
        after["sessions"] = before["sessions"]
        #expect(after == before)
        // The decisions keep the session that first recorded them.
        #expect(try store.count("SELECT count(*) FROM decisions WHERE session = \(first.rawValue)") == 12)
    }

    @Test func aNewPolicyVersionAddsDecisionsForTheSameSteps() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let session = try store.beginSession(kind: .replay, inputs: "traces/")
        try store.record(Sample.batch(runs: 2, stepsPerRun: 3), session: session)
        let revised = PolicyVersion(workflow: "support-triage", contentHash: Fingerprint.label("policy v2"))
        let outcome = try store.record(Sample.batch(runs: 2, stepsPerRun: 3, policy: revised), session: session)
        #expect(outcome == RecordOutcome(runs: 0, steps: 0, decisions: 6, policyVersions: 1))
        #expect(try store.count("SELECT count(*) FROM steps") == 6)
        #expect(try store.count("SELECT count(*) FROM decisions") == 12)
    }

    @Test func tenThousandStepsRoundTripTheirCounts() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let session = try store.beginSession(kind: .ingest, inputs: "sample fleet")
        let batch = Sample.batch(runs: 1_000, stepsPerRun: 10)
        try store.record(batch, session: session)
        try store.finishSession(session, counts: SessionCounts(runs: 1_000, steps: 10_000, decisions: 10_000), status: .completed)

        let stats = try store.stats()
        let rows = Dictionary(uniqueKeysWithValues: stats.tables.map { ($0.table, $0.rows) })
        #expect(rows == ["runs": 1_000, "steps": 10_000, "decisions": 10_000, "policy_versions": 1, "sessions": 1])
        let byClass = Dictionary(uniqueKeysWithValues: stats.decisionsByClass.map { ($0.comparison, $0.decisions) })
        #expect(byClass[.agreeAllow] == 9_000)
        #expect(byClass[.tightened] == 1_000)
        #expect(byClass[.widened] == 0)
        #expect(stats.decisionsByClass.count == ComparisonClass.allCases.count)
        #expect(try store.count("SELECT sum(step_count) FROM runs") == 10_000)
        // Fingerprints are computed in parallel chunks; each still lands on its own step.
        for (run, index) in [(0, 0), (517, 3), (999, 9)] {
            let step = Sample.step(run: "run-\(run)", index: index)
            let stored = try store.query("""
                SELECT s.arguments_hash FROM steps s JOIN runs r ON r.id = s.run
                WHERE r.run_id = 'run-\(run)' AND s.source_step_id = 's\(index)'
                """).rows
            #expect(stored == [[Fingerprint.label(JSONValue.object(step.arguments).canonicalText)]])
        }
        let session1 = try #require(stats.recentSessions.first)
        #expect(session1.status == "completed" && session1.counts.steps == 10_000 && session1.finished != nil)
    }

    @Test func storesHashesAndArgumentNamesNeverPayloads() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let secret = "alice@example.com"
        let step = Sample.step(run: "r1", index: 0, arguments: ["email": .string(secret), "a_limit": .int(3)])
        let record = DecisionRecord(step: step, legacy: Sample.legacy(.allow), node: Sample.node(.deny),
                                    policyVersion: Sample.policy, provenance: ["request"])
        try store.record(DecisionBatch(decisions: [record]), session: store.beginSession(kind: .serve, inputs: "sidecar"))

        let row = try store.query("SELECT arguments_hash, argument_names, result_hash FROM steps").rows
        let expectedHash = Fingerprint.label(#"{"a_limit":3,"email":"alice@example.com"}"#)
        #expect(row == [[expectedHash, #"["a_limit","email"]"#, Fingerprint.label(#"{"status":"ok"}"#)]])
        let decision = try store.query("SELECT class, provenance, node_effect FROM decisions").rows
        #expect(decision == [["tightened", #"["request"]"#, "deny"]])
        // Not in any table, nor anywhere in the file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder.storePath))
            + ((try? Data(contentsOf: URL(fileURLWithPath: folder.storePath + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(secret.utf8)) == nil)
    }

    @Test func runsMissingFromTheBatchAreDerivedFromTheirSteps() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let steps = (0..<3).map { Sample.step(run: "loose", index: $0) }
        let records = steps.map {
            DecisionRecord(step: $0, legacy: Sample.legacy(.allow), node: nil, policyVersion: Sample.policy)
        }
        try store.record(DecisionBatch(decisions: records), session: store.beginSession(kind: .serve, inputs: "sidecar"))
        let run = try store.query("SELECT run_id, step_count, start_nanos, end_nanos, workflow FROM runs").rows
        #expect(run == [["loose", "3", String(steps[0].startNanos), String(steps[2].endNanos), "support-triage"]])
        #expect(try store.count("SELECT count(*) FROM decisions WHERE class = 'unknown-step' AND node_effect IS NULL") == 3)
    }

    @Test func aRunRecordedInPartsWidensItsRow() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let session = try store.beginSession(kind: .serve, inputs: "sidecar")
        let steps = (0..<5).map { Sample.step(run: "live", index: $0) }
        func records(_ range: Range<Int>) -> [DecisionRecord] {
            steps[range].map { DecisionRecord(step: $0, legacy: Sample.legacy(.allow), node: Sample.node(.allow), policyVersion: Sample.policy) }
        }
        try store.record(DecisionBatch(decisions: records(0..<2)), session: session)
        try store.record(DecisionBatch(decisions: records(1..<5)), session: session)
        let run = try store.query("SELECT count(*), step_count, start_nanos, end_nanos FROM runs").rows
        #expect(run == [["1", "5", String(steps[0].startNanos), String(steps[4].endNanos)]])
        #expect(try store.count("SELECT count(*) FROM steps") == 5)
    }

    @Test func aDecisionForAnUnknownSessionFailsAsADiagnosticAndWritesNothing() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let error = #expect(throws: Diagnostic.self) {
            try store.record(Sample.batch(runs: 1, stepsPerRun: 2), session: SessionID(rawValue: 42))
        }
        #expect(error?.code == .storeWrite)
        // One transaction: the run and step rows were rolled back with the failing decision.
        #expect(try store.count("SELECT count(*) FROM runs") == 0)
        #expect(try store.count("SELECT count(*) FROM steps") == 0)
    }

    @Test func finishingAnUnknownSessionIsADiagnostic() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let error = #expect(throws: Diagnostic.self) {
            try store.finishSession(SessionID(rawValue: 7), counts: SessionCounts(), status: .failed)
        }
        #expect(error?.code == .storeWrite)
    }
}
