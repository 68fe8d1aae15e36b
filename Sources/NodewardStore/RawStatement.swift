import GRDB
import GRDBSQLite

/// Binds and steps a GRDB-prepared statement through SQLite's C API. The batch insert runs two
/// statements per decision; building GRDB `StatementArguments` (an existential box per value) cost more
/// than SQLite's own work, so the hot loop binds directly. Only for statements that return no rows.
struct RawStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    init(_ statement: Statement, in db: Database) {
        handle = statement.sqliteStatement
        connection = db.sqliteConnection!
    }

    /// SQLite copies the bytes (the Swift string's storage need not outlive the call).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    func bind(_ index: Int32, _ value: Bool) {
        sqlite3_bind_int64(handle, index, value ? 1 : 0)
    }

    func bind(_ index: Int32, _ value: String) {
        var text = value
        text.withUTF8 { bytes in
            // A pointer is required even for the empty string (NULL would bind SQL NULL).
            let base = bytes.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)!
            _ = base.withMemoryRebound(to: CChar.self, capacity: max(bytes.count, 1)) { pointer in
                sqlite3_bind_text(handle, index, pointer, Int32(bytes.count), Self.transient)
            }
        }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Runs the statement once and resets it; returns the number of rows it changed.
    func execute() throws -> Int {
        let code = sqlite3_step(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
        return Int(sqlite3_changes(connection))
    }

    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(connection) }
}
