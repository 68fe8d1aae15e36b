import Foundation
import GRDB
import NodewardCore

/// `nodeward store stats`: schema version, size, rows per table, decisions by class, recent sessions.
public struct StoreStats: Sendable, Hashable, Codable {
    public struct TableRows: Sendable, Hashable, Codable {
        public var table: String
        public var rows: Int
    }

    public struct ClassCount: Sendable, Hashable, Codable {
        public var comparison: ComparisonClass
        public var decisions: Int
    }

    public struct Session: Sendable, Hashable, Codable {
        public var id: Int64
        public var kind: String
        public var started: String
        public var finished: String?
        public var status: String
        public var inputs: String
        public var counts: SessionCounts
    }

    public var path: String
    /// The number of the last applied migration (`0002_…` → 2).
    public var schemaVersion: Int
    public var migrations: [String]
    /// The database file plus its write-ahead log.
    public var fileBytes: Int64
    public var tables: [TableRows]
    /// Every class, zero included, in `ComparisonClass.allCases` order.
    public var decisionsByClass: [ClassCount]
    public var sessionCount: Int
    /// The most recent sessions, newest first (at most `recentSessionLimit`).
    public var recentSessions: [Session]

    public static let tableNames = ["decisions", "policy_versions", "runs", "sessions", "steps"]
    public static let recentSessionLimit = 10
}

extension NodewardDatabase {
    public func stats() throws(Diagnostic) -> StoreStats {
        let migrations = try appliedMigrations()
        do {
            return try pool.read { db in
                var tables: [StoreStats.TableRows] = []
                for table in StoreStats.tableNames {
                    // Table names come from the fixed list above, never from input.
                    let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
                    tables.append(StoreStats.TableRows(table: table, rows: rows))
                }
                var byClass: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT class, count(*) FROM decisions GROUP BY class") {
                    byClass[row[0]] = row[1]
                }
                let sessions = try Row.fetchAll(db, sql: """
                    SELECT id, kind, started, finished, status, inputs, runs, steps, decisions, diagnostics
                    FROM sessions ORDER BY id DESC LIMIT \(StoreStats.recentSessionLimit)
                    """).map { row in
                    StoreStats.Session(
                        id: row[0], kind: row[1], started: row[2], finished: row[3], status: row[4], inputs: row[5],
                        counts: SessionCounts(runs: row[6], steps: row[7], decisions: row[8], diagnostics: row[9]))
                }
                return StoreStats(
                    path: path,
                    schemaVersion: migrations.last.flatMap { Int($0.prefix(4)) } ?? 0,
                    migrations: migrations,
                    fileBytes: Self.fileBytes(path) + Self.fileBytes(path + "-wal"),
                    tables: tables,
                    decisionsByClass: ComparisonClass.allCases.map {
                        StoreStats.ClassCount(comparison: $0, decisions: byClass[$0.rawValue] ?? 0)
                    },
                    sessionCount: tables.first { $0.table == "sessions" }?.rows ?? 0,
                    recentSessions: sessions)
            }
        } catch {
            throw .store(.storeQuery, "cannot read store statistics: \(StoreErrorText.describe(error))", path: path)
        }
    }

    static func fileBytes(_ path: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

extension StoreStats {
    public func rendered(as format: OutputFormat) -> String {
        if format == .json { return StableJSON.encode(self) }
        var text = "store \(path)\n"
        text += "schema version \(schemaVersion) (\(migrations.joined(separator: ", "))), \(Int(fileBytes).grouped) bytes\n\n"
        let tableRows = tables.map { [$0.table, $0.rows.grouped] }
        text += format == .markdown
            ? TextTable(headers: ["table", "rows"], rows: tableRows).markdown()
            : TextTable(headers: ["table", "rows"], rows: tableRows).plain()
        let total = decisionsByClass.reduce(0) { $0 + $1.decisions }
        let classRows = decisionsByClass.map { count -> [String] in
            let share = total == 0 ? "-" : (Double(count.decisions) / Double(total)).percent
            return [count.comparison.rawValue, count.decisions.grouped, share]
        }
        text += "\n"
        let classTable = TextTable(headers: ["class", "decisions", "share"], rows: classRows)
        text += format == .markdown ? classTable.markdown() : classTable.plain()
        text += "\n\(sessionCount.grouped) session\(sessionCount == 1 ? "" : "s")"
        if recentSessions.isEmpty { return text + "\n" }
        text += sessionCount > recentSessions.count ? " (latest \(recentSessions.count))\n" : "\n"
        let sessionRows = recentSessions.map { session in
            [String(session.id), session.kind, session.status, session.started, session.finished ?? "-",
             session.counts.runs.grouped, session.counts.steps.grouped, session.counts.decisions.grouped, session.inputs]
        }
        let sessionTable = TextTable(
            headers: ["id", "kind", "status", "started", "finished", "runs", "steps", "decisions", "inputs"],
            rows: sessionRows)
        text += format == .markdown ? sessionTable.markdown() : sessionTable.plain()
        return text
    }
}
