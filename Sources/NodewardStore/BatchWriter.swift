import Foundation
import GRDB
import NodewardCore

extension NodewardDatabase {
    /// Writes a batch in one immediate transaction: run rows, step rows (hashes and names only) and
    /// decision pairs. Idempotent: rows that exist (same keys) are left as they are, so replaying the
    /// same traces under the same policy versions inserts nothing.
    @discardableResult
    public func record(_ batch: DecisionBatch, session: SessionID) throws(Diagnostic) -> RecordOutcome {
        let created = Timestamp.rfc3339(nanos: Clock.nowNanos())
        // Fingerprinting is the costliest Swift work per step; done before the write lock is taken.
        let summaries = PayloadSummary.of(batch.decisions)
        do {
            return try pool.writeWithoutTransaction { db in
                var outcome = RecordOutcome()
                try db.inTransaction(.immediate) {
                    var writer = BatchWriter(db: db, created: created)
                    outcome = try writer.write(batch, summaries: summaries, session: session)
                    return .commit
                }
                return outcome
            }
        } catch {
            throw .store(.storeWrite, "cannot record the batch: \(StoreErrorText.describe(error))", path: path)
        }
    }
}

enum Clock {
    static func nowNanos() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000_000) }
}

/// The statements of one `record` transaction, with per-batch caches of run and policy-version row ids.
struct BatchWriter {
    struct RunKey: Hashable {
        var tenant: String
        var runId: String
    }

    let db: Database
    let created: String
    private var runRows: [RunKey: Int64] = [:]
    private var policyRows: [PolicyVersion: Int64] = [:]
    private var outcome = RecordOutcome()

    init(db: Database, created: String) {
        self.db = db
        self.created = created
    }

    mutating func write(_ batch: DecisionBatch, summaries: [PayloadSummary], session: SessionID) throws -> RecordOutcome {
        for run in batch.runs { try upsert(run) }
        let derived = Self.derivedRuns(batch)
        for run in derived { try upsert(run) }
        let insertStep = try db.cachedStatement(sql: """
            INSERT INTO steps (run, source_step_id, tenant, kind, operation, start_nanos, end_nanos, executed, failed,
                               source_file, source_line, arguments_hash, argument_names, result_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run, source_step_id) DO NOTHING
            """)
        let findStep = try db.cachedStatement(sql: "SELECT id FROM steps WHERE run = ? AND source_step_id = ?")
        let insertDecision = try db.cachedStatement(sql: """
            INSERT INTO decisions (step, policy_version, session, legacy_effect, legacy_rule, legacy_reason,
                                   node_effect, node_rule, node_reason, class, provenance)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (step, policy_version) DO NOTHING
            """)
        let stepRows = RawStatement(insertStep, in: db)
        let decisionRows = RawStatement(insertDecision, in: db)
        for (record, summary) in zip(batch.decisions, summaries) {
            let step = record.step
            guard let run = runRows[RunKey(tenant: step.tenant, runId: step.runId)] else {
                throw DatabaseError(message: "run \(step.runId) of step \(step.stepId) has no row")
            }
            stepRows.bind(1, run)
            stepRows.bind(2, step.stepId)
            stepRows.bind(3, step.tenant)
            stepRows.bind(4, step.kind.rawValue)
            stepRows.bind(5, step.operation)
            stepRows.bind(6, step.startNanos)
            stepRows.bind(7, step.endNanos)
            stepRows.bind(8, step.executed)
            stepRows.bind(9, step.failed)
            stepRows.bind(10, step.source.file)
            stepRows.bind(11, step.source.line)
            stepRows.bind(12, summary.argumentsHash)
            stepRows.bind(13, summary.argumentNames)
            stepRows.bind(14, summary.resultHash)
            let stepRow: Int64
            if try stepRows.execute() > 0 {
                stepRow = stepRows.lastInsertedRowID
                outcome.steps += 1
            } else if let existing = try Int64.fetchOne(findStep, arguments: [run, step.stepId]) {
                stepRow = existing
            } else {
                throw DatabaseError(message: "step \(step.stepId) of run \(step.runId) was neither inserted nor found")
            }
            let policy = try policyRow(record.policyVersion)
            decisionRows.bind(1, stepRow)
            decisionRows.bind(2, policy)
            decisionRows.bind(3, session.rawValue)
            decisionRows.bind(4, record.legacy.effect.rawValue)
            decisionRows.bind(5, record.legacy.rule)
            decisionRows.bind(6, record.legacy.reason)
            decisionRows.bind(7, record.node?.effect.rawValue)
            decisionRows.bind(8, record.node?.rule)
            decisionRows.bind(9, record.node?.reason)
            decisionRows.bind(10, record.comparison.rawValue)
            decisionRows.bind(11, summary.provenance)
            if try decisionRows.execute() > 0 { outcome.decisions += 1 }
        }
        // A derived run may arrive over several batches: its count is the steps stored so far.
        let recount = try db.cachedStatement(sql: """
            UPDATE runs SET step_count = (SELECT count(*) FROM steps WHERE steps.run = runs.id) WHERE id = ?
            """)
        for run in derived {
            guard let row = runRows[RunKey(tenant: run.tenant, runId: run.runId)] else { continue }
            try recount.execute(arguments: [row])
        }
        return outcome
    }

    /// Run rows for runs that decisions reference but `batch.runs` does not list (their step count is
    /// recounted after the steps are written).
    static func derivedRuns(_ batch: DecisionBatch) -> [RunRecord] {
        let listed = Set(batch.runs.map { RunKey(tenant: $0.tenant, runId: $0.runId) })
        var derived: [RunKey: RunRecord] = [:]
        var order: [RunKey] = []
        for record in batch.decisions {
            let step = record.step
            let key = RunKey(tenant: step.tenant, runId: step.runId)
            guard !listed.contains(key) else { continue }
            if var run = derived[key] {
                run.startNanos = min(run.startNanos, step.startNanos)
                run.endNanos = max(run.endNanos, step.endNanos)
                run.stepCount += 1
                derived[key] = run
            } else {
                order.append(key)
                derived[key] = RunRecord(
                    tenant: step.tenant, agent: step.agent, workflow: step.workflow, runId: step.runId,
                    startNanos: step.startNanos, endNanos: step.endNanos, stepCount: 1, sourceFile: step.source.file)
            }
        }
        return order.compactMap { derived[$0] }
    }

    /// Inserts a run, or widens an existing row's time span and step count (a run seen in parts).
    private mutating func upsert(_ run: RunRecord) throws {
        let key = RunKey(tenant: run.tenant, runId: run.runId)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO runs (tenant, agent, workflow, run_id, start_nanos, end_nanos, step_count, source_file)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant, run_id) DO NOTHING
            """)
        try insert.execute(arguments: [
            run.tenant, run.agent, run.workflow, run.runId, run.startNanos, run.endNanos, run.stepCount, run.sourceFile,
        ])
        if db.changesCount > 0 {
            runRows[key] = db.lastInsertedRowID
            outcome.runs += 1
            return
        }
        let find = try db.cachedStatement(sql: "SELECT id FROM runs WHERE tenant = ? AND run_id = ?")
        guard let existing = try Int64.fetchOne(find, arguments: [run.tenant, run.runId]) else {
            throw DatabaseError(message: "run \(run.runId) was neither inserted nor found")
        }
        let widen = try db.cachedStatement(sql: """
            UPDATE runs SET start_nanos = min(start_nanos, ?1), end_nanos = max(end_nanos, ?2),
                            step_count = max(step_count, ?3)
            WHERE id = ?4 AND (start_nanos > ?1 OR end_nanos < ?2 OR step_count < ?3)
            """)
        try widen.execute(arguments: [run.startNanos, run.endNanos, run.stepCount, existing])
        runRows[key] = existing
    }

    private mutating func policyRow(_ version: PolicyVersion) throws -> Int64 {
        if let row = policyRows[version] { return row }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO policy_versions (workflow, content_hash, created) VALUES (?, ?, ?)
            ON CONFLICT (workflow, content_hash) DO NOTHING
            """)
        try insert.execute(arguments: [version.workflow, version.contentHash, created])
        let row: Int64
        if db.changesCount > 0 {
            row = db.lastInsertedRowID
            outcome.policyVersions += 1
        } else {
            let find = try db.cachedStatement(sql: "SELECT id FROM policy_versions WHERE workflow = ? AND content_hash = ?")
            guard let existing = try Int64.fetchOne(find, arguments: [version.workflow, version.contentHash]) else {
                throw DatabaseError(message: "policy version of workflow \(version.workflow) was neither inserted nor found")
            }
            row = existing
        }
        policyRows[version] = row
        return row
    }
}

/// What the store keeps of a step's payloads: fingerprints of canonical JSON, and argument names; plus
/// the provenance chain as JSON text.
struct PayloadSummary: Sendable {
    var argumentsHash: String
    var argumentNames: String
    var resultHash: String?
    var provenance: String

    init(_ record: DecisionRecord) {
        let step = record.step
        argumentsHash = Fingerprint.label(JSONValue.object(step.arguments).canonicalText)
        argumentNames = Self.jsonArray(step.arguments.keys.sorted())
        resultHash = step.result.map { Fingerprint.label($0.canonicalText) }
        provenance = Self.jsonArray(record.provenance)
    }

    static func jsonArray(_ items: [String]) -> String {
        JSONValue.array(items.map(JSONValue.string)).canonicalText
    }

    /// Summaries in record order; large batches are split across the cores.
    static func of(_ records: [DecisionRecord]) -> [PayloadSummary] {
        let chunk = 2_048
        guard records.count > chunk else { return records.map(PayloadSummary.init) }
        let chunks = (records.count + chunk - 1) / chunk
        let results = ChunkResults(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let range = index * chunk..<min(records.count, (index + 1) * chunk)
            results.set(index, records[range].map(PayloadSummary.init))
        }
        return results.joined()
    }

    /// Each chunk writes only its own slot, under a lock.
    private final class ChunkResults: @unchecked Sendable {
        private var slots: [[PayloadSummary]]
        private let lock = NSLock()

        init(count: Int) { slots = Array(repeating: [], count: count) }

        func set(_ index: Int, _ value: [PayloadSummary]) {
            lock.lock()
            slots[index] = value
            lock.unlock()
        }

        func joined() -> [PayloadSummary] {
            lock.lock()
            defer { lock.unlock() }
            return slots.flatMap { $0 }
        }
    }
}
