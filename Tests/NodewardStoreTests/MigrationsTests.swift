import Foundation
import GRDB
import NodewardCore
import NodewardStore
import Testing

@Suite struct MigrationsTests {
    /// The package's top-level `Migrations/` folder, found from this source file.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migrations")

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test func manifestEqualsTheMigrationFilesByteForByte() throws {
        let names = try Self.files()
        #expect(!names.isEmpty)
        #expect(MigrationsManifest.migrations.map(\.name) == names)
        for migration in MigrationsManifest.migrations {
            let data = try Data(contentsOf: Self.folder.appendingPathComponent(migration.name))
            #expect(Data(migration.sql.utf8) == data, "\(migration.name) differs from its MigrationsManifest entry")
        }
    }

    @Test func migrationNamesAreContiguouslyNumbered() throws {
        let names = try Self.files()
        for (index, name) in names.enumerated() {
            let number = String(format: "%04d", index + 1)
            #expect(name.hasPrefix(number + "_"), "\(name) should start with \(number)_")
            let label = name.dropFirst(5).dropLast(4)
            #expect(!label.isEmpty && label.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(name)")
        }
        // Nothing else in the folder: a stray file would be neither applied nor checked.
        #expect(try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).sorted() == names)
    }

    @Test func emptyStoreMigratesToTheLatestSchema() throws {
        let folder = try TemporaryFolder()
        let store = try NodewardDatabase(path: folder.storePath)
        #expect(try store.appliedMigrations() == MigrationsManifest.migrations.map(\.name))
        #expect(try store.stats().schemaVersion == MigrationsManifest.migrations.count)
        let tables = try store.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name")
        #expect(tables.rows.map { $0[0] } == ["decisions", "policy_versions", "runs", "sessions", "steps"])
    }

    @Test func everyEarlierSchemaUpgradesWithItsDataKept() throws {
        let names = MigrationsManifest.migrations.map(\.name)
        for earlier in names.dropLast() {
            let folder = try TemporaryFolder()
            // `do` scopes: the old store's pool closes before the file is opened again.
            do {
                let old = try NodewardDatabase(path: folder.storePath, create: true, migratingUpTo: earlier)
                #expect(try old.appliedMigrations() == Array(names.prefix { $0 <= earlier }))
                let session = try old.beginSession(kind: .replay, inputs: "traces/")
                try old.record(Sample.batch(runs: 2, stepsPerRun: 5), session: session)
            }
            let upgraded = try NodewardDatabase(path: folder.storePath)
            #expect(try upgraded.appliedMigrations() == names)
            #expect(try upgraded.count("SELECT count(*) FROM decisions") == 10)
            #expect(try upgraded.query("PRAGMA foreign_key_check").rows.isEmpty)
            #expect(try upgraded.query("PRAGMA integrity_check").rows == [["ok"]])
        }
    }

    @Test func storeFromANewerNodewardIsRefused() throws {
        let folder = try TemporaryFolder()
        do {
            _ = try NodewardDatabase(path: folder.storePath)
            let queue = try DatabaseQueue(path: folder.storePath)
            try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('0099_future.sql')") }
        }
        let error = #expect(throws: Diagnostic.self) { try NodewardDatabase(path: folder.storePath) }
        #expect(error?.code == .storeMigrate)
        #expect(error?.message.contains("0099_future.sql") == true)
    }

    @Test func reopeningAMigratedStoreAppliesNothing() throws {
        let folder = try TemporaryFolder()
        do { _ = try NodewardDatabase(path: folder.storePath) }
        let again = try NodewardDatabase(path: folder.storePath)
        #expect(try again.count("SELECT count(*) FROM grdb_migrations") == MigrationsManifest.migrations.count)
    }
}
