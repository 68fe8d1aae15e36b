import Foundation
import GRDB
import NodewardCore
import NodewardStore
import Testing

@Suite struct StoreFileTests {
    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test func newStoreFileAndFolderArePrivate() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        try store.record(Sample.batch(runs: 1, stepsPerRun: 2), session: store.beginSession(kind: .ingest, inputs: "x"))
        #expect(try mode(folder.storePath) == 0o600)
        #expect(try mode((folder.storePath as NSString).deletingLastPathComponent) == 0o700)
        // SQLite gives the write-ahead log the database file's permissions.
        #expect(try mode(folder.storePath + "-wal") == 0o600)
    }

    @Test func storeIsWALWithForeignKeysAndPassesIntegrityCheck() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        try store.record(Sample.batch(runs: 5, stepsPerRun: 5), session: store.beginSession(kind: .ingest, inputs: "x"))
        // `PRAGMA journal_mode` can switch modes, so the query tool refuses it; ask SQLite directly.
        let journalMode = try DatabaseQueue(path: folder.storePath).read { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode")
        }
        #expect(journalMode == "wal")
        #expect(try store.query("PRAGMA integrity_check").rows == [["ok"]])
        #expect(try store.query("PRAGMA foreign_key_check").rows.isEmpty)
        let foreignKeys = try store.query("SELECT count(*) FROM pragma_foreign_key_list('decisions')")
        #expect(foreignKeys.rows == [["3"]])
    }

    @Test func schemaChecksRefuseValuesOutsideTheVocabulary() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        try store.record(Sample.batch(runs: 1, stepsPerRun: 1), session: store.beginSession(kind: .ingest, inputs: "x"))
        let queue = try DatabaseQueue(path: folder.storePath)
        for sql in [
            "UPDATE decisions SET class = 'agree'",
            "UPDATE decisions SET node_effect = 'maybe'",
            "UPDATE decisions SET legacy_effect = NULL",
            "UPDATE steps SET kind = 'shell'",
            "UPDATE steps SET executed = 2",
            "UPDATE sessions SET kind = 'batch'",
            "UPDATE decisions SET session = 999",
        ] {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { db in try db.execute(sql: sql) } }
        }
        // NULL is the documented "no node decision", so the check lets it through.
        try queue.write { db in try db.execute(sql: "UPDATE decisions SET node_effect = NULL, class = 'unknown-step'") }
    }

    @Test func openingWithoutCreateRefusesAMissingFile() throws {
        let folder = try TemporaryFolder()
        let error = #expect(throws: Diagnostic.self) { try NodewardDatabase(path: folder.storePath, create: false) }
        #expect(error?.code == .storeOpen)
        #expect(!FileManager.default.fileExists(atPath: folder.storePath))
    }

    @Test func aFileThatIsNotSQLiteIsAnOpenDiagnostic() throws {
        let folder = try TemporaryFolder()
        let path = (folder.path as NSString).appendingPathComponent("notes.sqlite")
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: Diagnostic.self) { try NodewardDatabase(path: path) }
        #expect(error?.code == .storeOpen)
    }

    @Test func twoValuesForOneFileShareTheirWrites() throws {
        let folder = try TemporaryFolder()
        let first = try NodewardDatabase(path: folder.storePath)
        let second = try NodewardDatabase(path: folder.path + "/./.nodeward/nodeward.sqlite")
        let session = try first.beginSession(kind: .serve, inputs: "sidecar")
        try second.record(Sample.batch(runs: 1, stepsPerRun: 3), session: session)
        #expect(try first.count("SELECT count(*) FROM steps") == 3)
    }
}
