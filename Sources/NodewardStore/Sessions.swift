import GRDB
import NodewardCore

extension NodewardDatabase {
    /// Starts an ingest, replay or serve session; `inputs` describes what it reads (paths, not contents).
    public func beginSession(kind: SessionKind, inputs: String) throws(Diagnostic) -> SessionID {
        let started = Timestamp.rfc3339(nanos: Clock.nowNanos())
        do {
            return try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO sessions (kind, started, inputs, status) VALUES (?, ?, ?, 'running')",
                    arguments: [kind.rawValue, started, inputs])
                return SessionID(rawValue: db.lastInsertedRowID)
            }
        } catch {
            throw .store(.storeWrite, "cannot begin a session: \(StoreErrorText.describe(error))", path: path)
        }
    }

    /// Records a session's end: its counts and final status.
    public func finishSession(_ session: SessionID, counts: SessionCounts, status: SessionStatus) throws(Diagnostic) {
        let finished = Timestamp.rfc3339(nanos: Clock.nowNanos())
        let updated: Int
        do {
            updated = try pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE sessions SET finished = ?, status = ?, runs = ?, steps = ?, decisions = ?, diagnostics = ?
                        WHERE id = ?
                        """,
                    arguments: [finished, status.rawValue, counts.runs, counts.steps, counts.decisions, counts.diagnostics,
                                session.rawValue])
                return db.changesCount
            }
        } catch {
            throw .store(.storeWrite, "cannot finish session \(session): \(StoreErrorText.describe(error))", path: path)
        }
        if updated == 0 {
            throw .store(.storeWrite, "no session \(session) to finish", path: path)
        }
    }
}
