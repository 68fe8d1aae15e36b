import Foundation
import NodewardCore
import NodewardStore

/// A serve session a previous process left `running`: it was killed before it could finish.
public struct CrashedSession: Sendable, Hashable, Codable {
    public var session: Int64
    public var started: String
    /// Decisions of that session the store holds (committed before the crash).
    public var decisionsCommitted: Int
    /// The record mode it ran with, when it said so.
    public var recordMode: RecordMode?
    /// At most this many decisions it acknowledged may be missing: 0 in sync mode, the queue
    /// capacity in async mode, nil when the session did not say how it ran.
    public var maxUnrecorded: Int?

    public var logLine: String {
        let loss: String
        switch (recordMode, maxUnrecorded) {
        case (.sync?, _): loss = "record sync: no acknowledged decision is missing"
        case (.async?, let bound?):
            loss = "record async: at most \(bound) acknowledged decisions (the queue capacity) were lost in the crash, "
                + "besides any a full queue dropped (counted as dropped while it ran)"
        default: loss = "its record mode is unknown: how many acknowledged decisions were lost cannot be bounded"
        }
        return "previous serve session \(session) (started \(started)) did not stop: closed as crashed with \(decisionsCommitted) decisions committed; \(loss)"
    }
}

/// How a serve session describes itself in its `inputs` column, after the input paths, so that the next
/// start can tell a crashed session from a live one and bound what it lost. (The sessions table has no
/// columns for these; a migration adding `pid`, `record_mode`, `queue_capacity` and a `crashed` status
/// would replace this.)
struct SessionMarker: Hashable {
    static let prefix = " [serve "

    var pid: Int
    var mode: RecordMode
    var queueCapacity: Int

    var text: String { "\(Self.prefix)pid=\(pid) record=\(mode.rawValue) queue=\(queueCapacity)]" }

    static func parse(_ inputs: String) -> SessionMarker? {
        guard let start = inputs.range(of: prefix, options: .backwards), inputs.hasSuffix("]") else { return nil }
        var fields: [String: String] = [:]
        for pair in inputs[start.upperBound..<inputs.index(before: inputs.endIndex)].split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let pid = fields["pid"].flatMap(Int.init), let mode = fields["record"].flatMap(RecordMode.init(rawValue:)),
              let queue = fields["queue"].flatMap(Int.init) else { return nil }
        return SessionMarker(pid: pid, mode: mode, queueCapacity: queue)
    }
}

enum SessionRecovery {
    /// Closes (status `failed`: the schema has no `crashed`) every serve session still `running` whose
    /// process is gone, with the count of decisions it committed; sessions of live processes are left.
    static func closeCrashedSessions(_ database: NodewardDatabase) throws(Diagnostic) -> [CrashedSession] {
        let rows = try database.query("""
            SELECT s.id, s.started, s.inputs, (SELECT count(*) FROM decisions d WHERE d.session = s.id)
            FROM sessions s WHERE s.kind = 'serve' AND s.status = 'running' ORDER BY s.id
            """, limit: 10_000).rows
        var crashed: [CrashedSession] = []
        for row in rows where row.count == 4 {
            guard let id = row[0].flatMap(Int64.init) else { continue }
            let marker = SessionMarker.parse(row[2] ?? "")
            if let marker, isAlive(pid: marker.pid) { continue }
            let committed = row[3].flatMap(Int.init) ?? 0
            let bound: Int? = switch marker?.mode {
            case .sync?: 0
            case .async?: marker?.queueCapacity
            case nil: nil
            }
            try database.finishSession(SessionID(rawValue: id), counts: SessionCounts(steps: committed, decisions: committed),
                                       status: .failed)
            crashed.append(CrashedSession(session: id, started: row[1] ?? "", decisionsCommitted: committed,
                                          recordMode: marker?.mode, maxUnrecorded: bound))
        }
        return crashed
    }

    /// This process, or one that exists (EPERM: exists, not ours to signal).
    static func isAlive(pid: Int) -> Bool {
        if pid == Int(getpid()) { return true }
        guard pid > 0, let value = Int32(exactly: pid) else { return false }
        return kill(value, 0) == 0 || errno == EPERM
    }
}
