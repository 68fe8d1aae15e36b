import Foundation
import NodewardCore
import NodewardStore
import Testing

@Suite struct PipelinedRecorderTests {
    /// Every column of a step and a decision row as written, including text the C binding must carry
    /// byte for byte (non-ASCII, empty) and SQL NULL for absent values.
    @Test func everyColumnIsStoredAsGiven() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        var step = Sample.step(run: "r-ü", index: 7)
        step.operation = "crm.lookup·ünïcode"
        step.stepId = ""
        step.result = nil
        step.executed = false
        step.failed = true
        let record = DecisionRecord(step: step, legacy: Decision(regime: .legacy, effect: .deny, rule: "acme/tools.deny[2]", reason: "née ✓"),
                                    node: nil, policyVersion: Sample.policy, provenance: ["s1", "request"])
        let session = try store.beginSession(kind: .replay, inputs: "traces/")
        #expect(try store.record(DecisionBatch(decisions: [record]), session: session) == RecordOutcome(runs: 1, steps: 1, decisions: 1, policyVersions: 1))

        let steps = try store.query("""
            SELECT source_step_id, tenant, kind, operation, start_nanos, end_nanos, executed, failed, source_file,
                   source_line, argument_names, result_hash IS NULL FROM steps
            """).rows
        #expect(steps == [["", "acme", "tool_call", "crm.lookup·ünïcode", String(step.startNanos), String(step.endNanos), "0", "1",
                           "traces/r-ü.jsonl", "8", #"["customer","limit"]"#, "1"]])
        let decisions = try store.query("""
            SELECT session, legacy_effect, legacy_rule, legacy_reason, node_effect IS NULL, node_rule IS NULL,
                   node_reason IS NULL, class, provenance FROM decisions
            """).rows
        #expect(decisions == [[session.description, "deny", "acme/tools.deny[2]", "née ✓", "1", "1", "1", "unknown-step", #"["s1","request"]"#]])
    }

    /// The writer thread stores exactly what direct `record` calls store, in any number of batches, and
    /// reports the same totals.
    @Test func pipelinedBatchesStoreWhatDirectRecordingStores() throws {
        let direct = try TemporaryFolder()
        let directStore = try NodewardDatabase(path: direct.storePath)
        let pipelined = try TemporaryFolder()
        let pipelinedStore = try NodewardDatabase(path: pipelined.storePath)
        let batch = Sample.batch(runs: 300, stepsPerRun: 7)
        let expected = try directStore.record(batch, session: directStore.beginSession(kind: .replay, inputs: "x"))

        let recorder = PipelinedRecorder(database: pipelinedStore, session: try pipelinedStore.beginSession(kind: .replay, inputs: "x"), depth: 2)
        // Uneven slices: runs split across batches, so run rows are derived and widened on the way.
        var start = 0
        var size = 1
        while start < batch.decisions.count {
            let end = min(batch.decisions.count, start + size)
            try recorder.submit(DecisionBatch(decisions: Array(batch.decisions[start..<end])))
            start = end
            size = size * 3 + 1
        }
        let outcome = try recorder.finish()
        #expect(outcome.steps == expected.steps)
        #expect(outcome.decisions == expected.decisions)
        #expect(outcome.runs == expected.runs)
        let columns = "SELECT r.run_id, r.step_count, r.start_nanos, r.end_nanos, s.source_step_id, s.arguments_hash, d.class, d.provenance"
            + " FROM decisions d JOIN steps s ON s.id = d.step JOIN runs r ON r.id = s.run ORDER BY r.run_id, s.source_step_id"
        let directRows = try directStore.query(columns, limit: 10_000).rows
        #expect(directRows.count == 2_100)
        #expect(try pipelinedStore.query(columns, limit: 10_000).rows == directRows)
    }

    /// Finishing with nothing submitted returns an empty outcome and stops the writer.
    @Test func finishingAnIdleRecorderReturnsNothingRecorded() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        let recorder = PipelinedRecorder(database: store, session: try store.beginSession(kind: .replay, inputs: "x"))
        #expect(try recorder.finish() == RecordOutcome())
        #expect(try store.count("SELECT count(*) FROM decisions") == 0)
    }
}
