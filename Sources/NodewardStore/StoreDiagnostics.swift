import NodewardCore

/// Diagnostic codes of the store (documented in docs/store.md).
extension DiagnosticCode {
    /// The store file or its folder could not be created or opened.
    public static let storeOpen: DiagnosticCode = "store.open"
    /// The schema could not be migrated, or the file was written by a newer Nodeward.
    public static let storeMigrate: DiagnosticCode = "store.migrate"
    /// A write (batch or session) failed.
    public static let storeWrite: DiagnosticCode = "store.write"
    /// A user query could not be compiled or run.
    public static let storeQuery: DiagnosticCode = "store.query"
    /// A user query is not read-only.
    public static let storeReadonly: DiagnosticCode = "store.readonly"
}

extension Diagnostic {
    /// A store error without a source location; `path` names the store file.
    static func store(_ code: DiagnosticCode, _ message: String, path: String) -> Diagnostic {
        .error(code, "\(path): \(message)")
    }
}
