import Dispatch
import Foundation
import GRDB
import NodewardCore

/// The result of `nodeward store query`: column names and rows as text (`nil` for SQL NULL).
public struct QueryResult: Sendable, Hashable, Codable {
    public var columns: [String]
    public var rows: [[String?]]
    /// True when the query had more rows than `limit`; only the first `limit` are kept.
    public var truncated: Bool
    public var limit: Int
}

extension NodewardDatabase {
    public static let defaultQueryRowLimit = 1_000
    public static let defaultQueryTimeoutSeconds = 30.0

    /// Runs one read-only SQL statement on a separate read-only connection and returns at most `limit`
    /// rows. Statements SQLite does not report read-only (`sqlite3_stmt_readonly`), and ATTACH, DETACH,
    /// transaction control and PRAGMA assignments, are rejected before they run; a statement still
    /// running after `timeoutSeconds` is interrupted.
    public func query(
        _ sql: String, limit: Int = defaultQueryRowLimit, timeoutSeconds: Double = defaultQueryTimeoutSeconds
    ) throws(Diagnostic) -> QueryResult {
        guard limit > 0 else { throw .store(.storeQuery, "the row limit must be positive", path: path) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let connection: DatabaseQueue
        do {
            connection = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw .store(.storeOpen, "cannot open a read-only connection: \(StoreErrorText.describe(error))", path: path)
        }
        // Weak: a cancelled watchdog must not keep the connection open until its deadline.
        let watchdog = DispatchWorkItem { [weak connection] in connection?.interrupt() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
        defer { watchdog.cancel() }
        do {
            return try connection.read { db in
                let statement: Statement
                do {
                    statement = try db.makeStatement(sql: sql)
                } catch {
                    throw Diagnostic.store(.storeQuery, StoreErrorText.describe(error), path: path)
                }
                if let refusal = ReadOnlyPolicy.refusal(statement) {
                    throw Diagnostic.store(.storeReadonly, refusal, path: path)
                }
                return try Self.collect(statement, limit: limit)
            }
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw .store(.storeQuery, "the query ran longer than \(Int(timeoutSeconds)) s and was interrupted", path: path)
        } catch {
            throw .store(.storeQuery, StoreErrorText.describe(error), path: path)
        }
    }

    private static func collect(_ statement: Statement, limit: Int) throws -> QueryResult {
        var result = QueryResult(columns: statement.columnNames, rows: [], truncated: false, limit: limit)
        let cursor = try Row.fetchCursor(statement)
        while let row = try cursor.next() {
            if result.rows.count == limit {
                result.truncated = true
                break
            }
            result.rows.append(row.databaseValues.map(text))
        }
        return result
    }

    private static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let string): return string
        case .blob(let data): return "x'" + data.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined() + "'"
        }
    }
}

/// Which statements the query tool runs. The connection is read-only already; this also keeps users
/// from changing connection state (ATTACH, PRAGMA x = y) and explains the refusal.
enum ReadOnlyPolicy {
    static let allowedKeywords: Set<String> = ["SELECT", "WITH", "VALUES", "EXPLAIN", "PRAGMA"]
    /// PRAGMAs that only report; any other (even its reading form, e.g. `PRAGMA writable_schema`) is refused.
    static let readingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "foreign_key_check", "integrity_check", "quick_check", "user_version", "schema_version", "application_id",
        "page_count", "page_size", "freelist_count", "database_list", "compile_options", "collation_list",
        "function_list", "module_list", "pragma_list", "encoding", "foreign_keys",
    ]

    static func refusal(_ statement: Statement) -> String? {
        let keyword = firstKeyword(statement.sql)
        let readOnlyHint = "store query runs read-only statements only (SELECT, WITH, VALUES, EXPLAIN, reading PRAGMAs)"
        guard statement.isReadonly else { return "\(keyword) is not read-only; \(readOnlyHint)" }
        guard allowedKeywords.contains(keyword) else { return "\(keyword) is not a query; \(readOnlyHint)" }
        if keyword == "PRAGMA" {
            if statement.sql.contains("=") { return "PRAGMA assignments are refused; \(readOnlyHint)" }
            let name = pragmaName(statement.sql)
            guard readingPragmas.contains(name) else {
                return "PRAGMA \(name) is not a reading PRAGMA; \(readOnlyHint) (allowed: \(readingPragmas.sorted().joined(separator: ", ")))"
            }
        }
        return nil
    }

    /// `PRAGMA main.table_info(steps)` → `table_info`, lower-cased.
    static func pragmaName(_ sql: String) -> String {
        guard let range = sql.range(of: "pragma", options: .caseInsensitive) else { return "" }
        let rest = sql[range.upperBound...].drop { $0.isWhitespace }
        let qualified = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
        return String(qualified.split(separator: ".").last ?? "").lowercased()
    }

    /// The statement's first word, upper-cased, after whitespace and comments.
    static func firstKeyword(_ sql: String) -> String {
        var rest = Substring(sql)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        let word = rest.prefix { $0.isLetter }
        return word.isEmpty ? "the statement" : word.uppercased()
    }
}

extension QueryResult {
    public func rendered(as format: OutputFormat) -> String {
        if format == .json { return StableJSON.encode(self) }
        let cells = rows.map { $0.map { $0 ?? "NULL" } }
        let table = TextTable(headers: columns, rows: cells)
        var text = format == .markdown ? table.markdown() : table.plain(indent: "")
        text += "(\(rows.count.grouped) row\(rows.count == 1 ? "" : "s")"
        text += truncated ? "; truncated at \(limit.grouped), pass --limit to see more)\n" : ")\n"
        return text
    }
}
