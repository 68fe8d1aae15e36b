import Foundation
import GRDB
import NodewardCore

/// The Nodeward store: one SQLite file in WAL mode, migrated to the latest schema when opened.
///
/// Every value for the same file shares one `DatabasePool` for the process (GRDB's rule: one
/// connection pool per file), so writes from several components serialize instead of failing busy.
/// Methods are named for their intent and run explicit transactions.
public struct NodewardDatabase: Sendable {
    /// The default store location inside a workspace folder.
    public static let defaultRelativePath = ".nodeward/nodeward.sqlite"

    public let path: String
    let pool: DatabasePool

    /// Opens (creating when `create` is true) the store at `path` and applies pending migrations.
    /// A new file and its folder are created with modes 0600 and 0700.
    public init(path: String, create: Bool = true) throws(Diagnostic) {
        try self.init(path: path, create: create, migratingUpTo: nil)
    }

    /// `migratingUpTo` stops after the named migration (tests of upgrades from earlier schemas).
    package init(path: String, create: Bool, migratingUpTo lastMigration: String?) throws(Diagnostic) {
        self.path = path
        if create {
            try Self.createFile(path)
        } else if !FileManager.default.fileExists(atPath: path) {
            throw .store(.storeOpen, "no store here yet; shadow sessions write it (or pass --store PATH)", path: path)
        }
        pool = try PoolRegistry.shared.pool(path: path) { () throws(Diagnostic) in
            try Self.openPool(path)
        }
        try Self.migrate(pool, path: path, upTo: lastMigration)
    }

    // MARK: Opening

    private static func createFile(_ path: String) throws(Diagnostic) {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                // Not Foundation's sentence ("NSCocoaErrorDomain error 512"): what to do instead.
                throw .store(.storeOpen, "cannot create the store folder; check that its parent exists and is writable, or pass --store PATH", path: path)
            }
        }
        // O_EXCL: create only when absent, with 0600 from the start (no window with wider permissions).
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw .store(.storeOpen, "cannot create the store file: \(String(cString: strerror(errno)))", path: path)
        }
    }

    private static func openPool(_ path: String) throws(Diagnostic) -> DatabasePool {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL cannot corrupt the file; a power cut loses at most the last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // Fails here, not later, when the file is not a SQLite database.
            _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema") }
            return pool
        } catch {
            throw .store(.storeOpen, "cannot open the store: \(StoreErrorText.describe(error))", path: path)
        }
    }

    // MARK: Migrations

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in MigrationsManifest.migrations {
            let sql = migration.sql
            migrator.registerMigration(migration.name) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    private static func migrate(_ pool: DatabasePool, path: String, upTo lastMigration: String?) throws(Diagnostic) {
        let migrator = migrator()
        do {
            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let known = Set(migrator.migrations)
            if let unknown = applied.subtracting(known).sorted().first {
                throw Diagnostic.store(
                    .storeMigrate, "written by a newer Nodeward (schema migration \(unknown) is unknown here); upgrade nodeward",
                    path: path)
            }
            if let lastMigration {
                // GRDB traps when asked to migrate "up to" a version older than the file.
                if let index = migrator.migrations.firstIndex(of: lastMigration),
                   !applied.contains(where: { (migrator.migrations.firstIndex(of: $0) ?? 0) > index }) {
                    try migrator.migrate(pool, upTo: lastMigration)
                }
            } else {
                try migrator.migrate(pool)
            }
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw .store(.storeMigrate, "cannot migrate the schema: \(StoreErrorText.describe(error))", path: path)
        }
    }

    /// The identifiers of the applied migrations, in order.
    public func appliedMigrations() throws(Diagnostic) -> [String] {
        do {
            return try pool.read { db in try Self.migrator().appliedMigrations(db) }
        } catch {
            throw .store(.storeQuery, StoreErrorText.describe(error), path: path)
        }
    }
}

/// One pool per file for the process. Weak references: a pool closes when its last user goes away.
final class PoolRegistry: @unchecked Sendable {
    static let shared = PoolRegistry()

    private final class WeakPool {
        weak var pool: DatabasePool?
        init(_ pool: DatabasePool) { self.pool = pool }
    }

    private let lock = NSLock()
    private var pools: [String: WeakPool] = [:]

    func pool(path: String, open: () throws(Diagnostic) -> DatabasePool) throws(Diagnostic) -> DatabasePool {
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        lock.lock()
        defer { lock.unlock() }
        if let pool = pools[key]?.pool { return pool }
        let pool = try open()
        pools[key] = WeakPool(pool)
        return pool
    }
}

/// Error text for diagnostics: SQLite's message without the statement (which may quote user SQL only),
/// and never GRDB's advice to its own programmers ("use Database.execute(sql:)"): each known case gets
/// our words and an action.
public enum StoreErrorText {
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            let code = error.resultCode
            let message = error.message ?? ""
            if message.hasPrefix("Multiple statements found") {
                return "the SQL holds more than one statement; give one statement at a time"
            }
            switch code {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return "the store is busy (another process holds its lock); retry when it has finished (SQLite code \(code.rawValue))"
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
                return "the store file cannot be opened for writing; check its permissions or pass --store PATH (SQLite code \(code.rawValue))"
            case .SQLITE_FULL:
                return "the disk is full; free space or pass --store PATH on another disk (SQLite code \(code.rawValue))"
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return "the file is not a Nodeward store or is damaged; move it aside and run the command again to create a new one (SQLite code \(code.rawValue))"
            default:
                // SQLite's own message (a syntax error names a token of the user's SQL, nothing else).
                let text = message.isEmpty ? "SQLite error" : message
                return "\(text) (SQLite code \(code.rawValue))"
            }
        }
        if let diagnostic = error as? Diagnostic { return diagnostic.message }
        return "unexpected \(type(of: error)) error"
    }

    /// A `store.*` diagnostic for a GRDB error that reached the command line unmapped; nil otherwise.
    public static func diagnostic(for error: any Error) -> Diagnostic? {
        guard error is DatabaseError else { return nil }
        return .error(.storeWrite, describe(error))
    }
}
