import Foundation
import NodewardCore
import NodewardStore
import Testing

@Suite struct ReadOnlyQueryTests {
    static func populatedStore(_ folder: TemporaryFolder) throws -> NodewardDatabase {
        let store = try NodewardDatabase(path: folder.storePath)
        try store.record(Sample.batch(runs: 2, stepsPerRun: 10), session: store.beginSession(kind: .ingest, inputs: "x"))
        return store
    }

    @Test(arguments: [
        "DELETE FROM steps",
        "INSERT INTO sessions (kind, started, inputs) VALUES ('ingest', 'now', 'x')",
        "UPDATE decisions SET class = 'widened'",
        "DROP TABLE runs",
        "CREATE TABLE extra (x)",
        "PRAGMA writable_schema = ON",
        "PRAGMA writable_schema=1",
        "PRAGMA writable_schema",
        "pragma main.journal_mode",
        "PRAGMA query_only = 0",
        "ATTACH DATABASE ':memory:' AS other",
        "BEGIN",
        "VACUUM",
        "  -- comment first\n  DELETE FROM decisions",
    ])
    func refusesStatementsThatAreNotReadOnly(sql: String) throws {
        let folder = try TemporaryFolder()
        let store = try Self.populatedStore(folder)
        let error = #expect(throws: Diagnostic.self) { try store.query(sql) }
        #expect(error?.code == .storeReadonly, "\(sql): \(error?.description ?? "no error")")
        #expect(error?.message.contains("read-only") == true)
        #expect(try store.count("SELECT count(*) FROM steps") == 20)
        #expect(try store.count("SELECT count(*) FROM decisions WHERE class = 'widened'") == 0)
        #expect(try store.count("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'") == 0)
    }

    @Test func runsSelectsAndReturnsColumnsAndTextRows() throws {
        let folder = try TemporaryFolder()
        let store = try Self.populatedStore(folder)
        let result = try store.query("""
            SELECT s.tenant, d.class, count(*) AS decisions, NULL AS missing
            FROM decisions d JOIN steps s ON s.id = d.step GROUP BY 1, 2 ORDER BY 1, 2
            """)
        #expect(result.columns == ["tenant", "class", "decisions", "missing"])
        #expect(result.rows == [["acme", "agree-allow", "18", nil], ["acme", "tightened", "2", nil]])
        #expect(!result.truncated)
        #expect(result.rendered(as: .text).contains("agree-allow"))
        #expect(result.rendered(as: .json).contains("\"truncated\" : false"))
    }

    @Test func capsRowsAndSaysSo() throws {
        let folder = try TemporaryFolder()
        let store = try Self.populatedStore(folder)
        let result = try store.query("SELECT id FROM steps ORDER BY id", limit: 7)
        #expect(result.rows.count == 7 && result.truncated)
        #expect(result.rendered(as: .text).contains("truncated at 7"))
        let all = try store.query("WITH ids AS (SELECT id FROM steps) SELECT count(*) FROM ids")
        #expect(all.rows == [["20"]])
    }

    @Test func defaultCapIsOneThousandRows() throws {
        let folder = try TemporaryFolder()
        let store = try Self.populatedStore(folder)
        let result = try store.query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 5000) SELECT i FROM n")
        #expect(result.rows.count == 1_000 && result.truncated && result.limit == 1_000)
    }

    @Test func syntaxErrorsAndSeveralStatementsAreQueryDiagnostics() throws {
        let folder = try TemporaryFolder()
        let store = try Self.populatedStore(folder)
        for sql in ["SELEC * FROM steps", "SELECT * FROM no_such_table", "SELECT 1; SELECT 2", ""] {
            let error = #expect(throws: Diagnostic.self) { try store.query(sql) }
            #expect(error?.code == .storeQuery, "\(sql)")
        }
    }

    @Test func aRunawayQueryIsInterrupted() throws {
        let folder = try TemporaryFolder()
        let store = try Self.populatedStore(folder)
        let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        let error = #expect(throws: Diagnostic.self) { try store.query(endless, timeoutSeconds: 0.5) }
        #expect(error?.code == .storeQuery)
        #expect(error?.message.contains("interrupted") == true)
    }

    @Test func readingPragmasIsAllowed() throws {
        let folder = try TemporaryFolder()
        let store = try Self.populatedStore(folder)
        #expect(try store.query("pragma main.integrity_check").rows == [["ok"]])
        let columns = try store.query("PRAGMA table_info(steps)")
        #expect(columns.rows.contains { $0[1] == "arguments_hash" })
        #expect(!columns.rows.contains { $0[1] == "arguments" })
    }
}
